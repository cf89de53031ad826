"""Measuring in a fresh interpreter: its own time and peak memory, nothing inherited from the benchmark.

The peak is ``VmHWM``, not ``ru_maxrss``: Linux carries ``ru_maxrss`` over exec from the parent (the benchmark,
after it wrote its files), so a fresh process would report the parent's peak.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_fresh(label: str, body: str, **values: object) -> dict:
    """Run ``body`` in a fresh Python with the repository importable and each of ``values`` bound to its name.

    The body times what it measures and ends by setting ``result`` (a dict); it is returned with ``peak_mb``
    added. Anything else the body printed is shown on stderr under ``label``; a failure ends the benchmark with
    the child's error."""
    bound = "".join(f"{name} = {value!r}\n" for name, value in values.items())
    code = (
        f"import json, sys\nsys.path.insert(0, {str(ROOT)!r})\n{bound}{body}\n"
        'result["peak_mb"] = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")) / 1024\n'
        "print(json.dumps(result))\n"
    )
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if child.returncode:
        raise SystemExit(f"{label}: {child.stderr}")
    *said, last = child.stdout.strip().splitlines()
    if said:
        print(f"{label} printed: " + " / ".join(said)[:500], file=sys.stderr)
    return json.loads(last)
