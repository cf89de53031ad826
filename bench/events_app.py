#!/usr/bin/env python3
"""The app ready with an event file of each size: from the server's start (``python -m mapapp serve`` with
``$MAPAPP_EVENTS``, which checks and publishes the file before it accepts connections) to the first painted
canvas of the event layer in Chromium; peak memory of the server (its ``VmHWM``).

    .venv/bin/python bench/events_app.py [--sizes 100000,1000000] [--runs 2] [--format csv|parquet]

The ratio is against the smallest size, measured in the same run (the issue's budget: 1,000,000 events
within 3x of 100,000).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mapapp import settings  # noqa: E402
from mapapp.events import synthetic  # noqa: E402
from tests import driver  # noqa: E402

PAINTED = "() => window.mapappEvents && window.mapappEvents.stats.draws > 0"


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def ready_s(browser, path: Path) -> tuple[float, float, float]:
    """(server start s, first painted canvas s after the process started, server peak MB)."""
    command = [sys.executable, "-m", "mapapp", "serve", "--port", "{port}"]
    server = driver.start_app(command, env_extra={settings.EVENTS_ENV: str(path)})
    try:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        page.goto(server.url)
        driver.map_frame(page, PAINTED, timeout_ms=600_000)
        painted = time.monotonic() - server.started_at
        peak = peak_mb(server.proc.pid)
        context.close()
        return server.ready_at - server.started_at, painted, peak
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="mapapp-events-app-") as tmp, sync_playwright() as p:
        browser = driver.launch_chromium(p)
        files = {}
        for n in sizes:
            csv = synthetic.write_events_csv(Path(tmp) / f"events-{n}.csv", n, seed=7)
            if args.format == "parquet":
                import duckdb

                parquet = csv.with_suffix(".parquet")
                duckdb.sql(f"COPY (SELECT * FROM read_csv('{csv}', all_varchar=true)) TO '{parquet}' (FORMAT parquet)")
                files[n] = parquet
            else:
                files[n] = csv
        results: dict[int, list[tuple[float, float, float]]] = {n: [] for n in sizes}
        for _ in range(args.runs):
            for n in sizes:  # interleaved
                results[n].append(ready_s(browser, files[n]))
        browser.close()
    base = statistics.median(r[1] for r in results[sizes[0]])
    print(f"| events ({args.format}) | server start | first painted events | ratio to {sizes[0]:,} | server peak |")
    print("|---:|---:|---:|---:|---:|")
    for n in sizes:
        start = statistics.median(r[0] for r in results[n])
        painted = statistics.median(r[1] for r in results[n])
        peak = max(r[2] for r in results[n])
        rows.append((n, start, painted, peak))
        print(f"| {n:,} | {start:.1f} s | {painted:.1f} s | {painted / base:.1f}× | {peak:.0f} MB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
