#!/usr/bin/env python3
"""A story's slice of a 10,000,000-row event archive (Parquet, partitioned by year and region the Hive way, as
DuckDB, Spark or Sedona write it): read with the story's box and dates pushed down, against DuckDB's bare read of
the whole archive, each in a fresh process (``bench/fresh.py``: its own time and peak memory).

    .venv/bin/python bench/events_slice.py [--rows 10000000] [--runs 1]

The archive is made from synthetic events (``mapapp synth-events``): a tenth of them are the story's (its region
and dates); the rest are moved 40 degrees west and 1 to 9 years back, like the rest of a global export.
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
archive = Path(archive)
t = time.perf_counter()
if mode == "duckdb":
    import duckdb
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    source = f"read_parquet('{archive}/**/*.parquet', hive_partitioning = true)"
    rows = sum(b.num_rows for b in con.sql(f"SELECT * FROM {source}").to_arrow_reader(100_000))
    kept = rows
else:
    from mapapp import settings
    from mapapp.events import Scope, load_events
    from mapapp.story.manifest import load_manifest
    manifest = load_manifest(settings.DEFAULT_DATA_DIR)[0]
    loaded = load_events(archive, Scope(manifest.region, manifest.timeline_start, manifest.timeline_end))
    rows, kept = loaded.rows + loaded.outside_scope, len(loaded)
result = {"rows": rows, "kept": kept, "seconds": time.perf_counter() - t}
"""


def write_archive(csv: Path, archive: Path) -> None:
    import duckdb

    day = "strptime(event_date, '%d %B %Y')"
    shifted = f"CASE WHEN n % 10 = 0 THEN {day} ELSE {day} - to_years(CAST(1 + n % 9 AS INTEGER)) END"
    duckdb.sql(
        f"""COPY (
            SELECT * EXCLUDE (n, d, event_date, longitude), strftime(d, '%Y-%m-%d') AS event_date,
                   CAST(CAST(longitude AS DOUBLE) - CASE WHEN n % 10 = 0 THEN 0 ELSE 40 END AS VARCHAR) AS longitude,
                   year(d) AS year, CASE WHEN n % 10 = 0 THEN 'Middle East' ELSE 'Elsewhere' END AS region
            FROM (SELECT *, {shifted} AS d FROM (SELECT *, CAST(substr(event_id_cnty, 4) AS BIGINT) AS n
                  FROM read_csv('{csv}', all_varchar = true)))
        ) TO '{archive}' (FORMAT parquet, PARTITION_BY (year, region))"""
    )


def measure(mode: str, archive: Path) -> dict:
    return run_fresh(mode, PROBE, mode=mode, archive=str(archive))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--file", type=Path, help="an existing synthetic CSV (`mapapp synth-events`) instead of --rows")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mapapp-events-slice-") as tmp:
        csv = args.file or synthetic.write_events_csv(Path(tmp) / "events.csv", args.rows, seed=7)
        archive = Path(tmp) / "archive"
        write_archive(csv, archive)
        results: dict[str, list[dict]] = {"duckdb": [], "ours": []}
        for _ in range(args.runs):
            for mode in results:
                results[mode].append(measure(mode, archive))
    base = statistics.median(r["seconds"] for r in results["duckdb"])
    rows = results["duckdb"][0]["rows"]
    print(f"| {rows:,}-row archive, the story's slice | seconds | ratio to DuckDB's bare read | peak | events kept |")
    print("|---|---:|---:|---:|---:|")
    for mode, label in (("duckdb", "DuckDB, every row"), ("ours", "the story's slice, checked")):
        seconds = statistics.median(r["seconds"] for r in results[mode])
        peak = max(r["peak_mb"] for r in results[mode])
        print(f"| {label} | {seconds:.2f} s | {seconds / base:.2f}× | {peak:.0f} MB | {results[mode][0]['kept']:,} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
