#!/usr/bin/env python3
"""Checking an ACLED CSV against DuckDB's bare read of the same file, side by side in one run, each in a fresh
process (its ``VmHWM``: ``ru_maxrss`` would carry the parent's over exec).

    .venv/bin/python bench/events_read.py [--rows 1000000] [--runs 3] [--file existing.csv] [--no-row-by-row]

The bare read is ``SELECT * FROM read_csv(...)`` fetched as Arrow batches (every row and column); ours is
:func:`mapapp.events.load_events` (what ``mapapp events FILE`` runs); "ours + publish" also writes the map's
files (:func:`mapapp.events.publish_or_error`, into a temporary cache); the row-by-row path for reference.
The issue's budgets: within 3x of the bare read and at most 400 MB peak for 1,000,000 rows; 10,000,000 rows
checked and published within 2 GB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mapapp.events import synthetic  # noqa: E402

PROBE = """
import json, sys, time, warnings
sys.path.insert(0, {root!r})
from pathlib import Path
path = Path({path!r})
t = time.perf_counter()
if {mode!r} == "duckdb":
    import duckdb
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    rows = sum(b.num_rows for b in con.sql(f"SELECT * FROM read_csv('{{path}}')").to_arrow_reader(100_000))
elif {mode!r} == "ours + publish":
    import tempfile
    from mapapp import settings
    from mapapp.events import publish_or_error
    settings.CACHE_DIR = settings.PRIVATE_CACHE_DIR = Path(tempfile.mkdtemp(prefix="mapapp-bench-cache-"))
    published = publish_or_error(path)
    rows = published.rows
    import shutil
    shutil.rmtree(settings.CACHE_DIR)
else:
    from mapapp.events import load_events, rows as row_by_row
    loaded = load_events(path) if {mode!r} == "ours" else row_by_row.load_csv(path)
    rows = loaded.rows
elapsed = time.perf_counter() - t
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({{"rows": rows, "seconds": elapsed, "peak_mb": hwm / 1024}}))
"""


def measure(mode: str, path: Path) -> dict:
    code = PROBE.format(root=str(ROOT), path=str(path), mode=mode)
    return json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-row-by-row", action="store_true", help="skip the (slow) row-by-row reference")
    parser.add_argument("--file", type=Path, help="an existing ACLED CSV (made by `mapapp synth-events`) instead of --rows")
    args = parser.parse_args(argv)
    modes = ["duckdb", "ours", "ours + publish"] + ([] if args.no_row_by_row else ["row-by-row"])
    with tempfile.TemporaryDirectory(prefix="mapapp-events-read-") as tmp:
        path = args.file or synthetic.write_events_csv(Path(tmp) / "events.csv", args.rows, seed=7)
        results: dict[str, list[dict]] = {m: [] for m in modes}
        for _ in range(args.runs):
            for mode in modes:  # interleaved: the machine's load falls on all alike
                results[mode].append(measure(mode, path))
        size = path.stat().st_size / 1e6
    base = statistics.median(r["seconds"] for r in results["duckdb"])
    rows = results["ours"][0]["rows"]
    print(f"| {rows:,} ACLED rows ({size:.0f} MB) | seconds (median of {args.runs}) | ratio to DuckDB's bare read | peak |")
    print("|---|---:|---:|---:|")
    for mode in modes:
        seconds = statistics.median(r["seconds"] for r in results[mode])
        peak = max(r["peak_mb"] for r in results[mode])
        mark = ""
        if mode == "ours" and rows <= 1_000_000:
            mark = " ✓" if seconds / base <= 3 and peak <= 400 else " ✗"
        elif mode == "ours + publish" and rows >= 10_000_000:
            mark = " ✓" if peak <= 2048 else " ✗"
        print(f"| {mode} | {seconds:.2f} s | {seconds / base:.2f}×{mark} | {peak:.0f} MB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
