#!/usr/bin/env python3
"""Checking an ACLED CSV against DuckDB's bare read of the same file, side by side in one run, each in a fresh
process (``bench/fresh.py``: its own time and peak memory).

    .venv/bin/python bench/events_read.py [--rows 1000000] [--runs 3] [--file existing.csv] [--no-row-by-row]

The bare read is ``SELECT * FROM read_csv(...)`` fetched as Arrow batches (every row and column); ours is
:func:`mapapp.events.load_events` (what ``mapapp events FILE`` runs); "ours + publish" also writes the map's
files (:func:`mapapp.events.publish_or_error`, into a temporary cache); the row-by-row path for reference.
The issue's budgets: within 3x of the bare read and at most 400 MB peak for 1,000,000 rows; 10,000,000 rows
checked and published within 2 GB.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fresh import run_fresh  # noqa: E402
from mapapp.events import synthetic  # noqa: E402

PROBE = """
import time
from pathlib import Path
path = Path(path)
t = time.perf_counter()
if mode == "duckdb":
    import duckdb
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    rows = sum(b.num_rows for b in con.sql(f"SELECT * FROM read_csv('{path}')").to_arrow_reader(100_000))
elif mode == "ours + publish":
    import shutil, tempfile
    from mapapp import settings
    from mapapp.events import publish_or_error
    settings.CACHE_DIR = settings.PRIVATE_CACHE_DIR = Path(tempfile.mkdtemp(prefix="mapapp-bench-cache-"))
    rows = publish_or_error(path).rows
    shutil.rmtree(settings.CACHE_DIR)
else:
    from mapapp.events import load_events, rows as row_by_row
    rows = (load_events(path) if mode == "ours" else row_by_row.load_csv(path)).rows
result = {"rows": rows, "seconds": time.perf_counter() - t}
"""


def measure(mode: str, path: Path) -> dict:
    return run_fresh(mode, PROBE, mode=mode, path=str(path))


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
