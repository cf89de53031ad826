#!/usr/bin/env python3
"""Editor benchmark: a save of the shipped story, and the editor's first map against the dashboard's.

    .venv/bin/python bench/editor.py [--runs 5] [--readme]

- **Save**: one change (the title set, then set back) applied to a copy of the shipped story through
  :class:`mapapp.edit.session.EditSession` (validate + write + version), median of ``--runs`` × 2 saves; the
  baseline in the same run is a bare :func:`mapapp.load_story` of the same folder (what validation must do).
- **First map**: from ``page.goto`` to the map drawn with its features, for ``python -m mapapp edit`` and
  ``python -m mapapp serve`` on the same folder, each a fresh server, interleaved; median of ``--runs``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mapapp import load_story, settings  # noqa: E402
from mapapp.edit.operations import SetManifest  # noqa: E402
from mapapp.edit.session import EditSession  # noqa: E402
from tests import driver  # noqa: E402

README_START, README_END = "<!-- editor-bench:start -->", "<!-- editor-bench:end -->"
DRAWN = "() => { let n = 0; window.map && window.map.eachLayer(l => { if (l.getLatLng || l.getLatLngs) n++; }); return n > 20; }"


def measure_saves(folder: Path, runs: int) -> dict:
    session = EditSession(folder)
    title = session.docs[settings.MANIFEST_FILE]["title"]
    saves, loads = [], []
    for _ in range(runs):
        for value in (title + " (edited)", title):
            started = time.perf_counter()
            session.apply(SetManifest("title", value))
            saves.append(time.perf_counter() - started)
        started = time.perf_counter()
        load_story(folder)
        loads.append(time.perf_counter() - started)
    return {"save_ms": statistics.median(saves) * 1000, "load_ms": statistics.median(loads) * 1000}


def first_map_s(browser, command: list[str], env: dict) -> float:
    server = driver.start_app(command, env_extra=env)
    try:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        started = time.monotonic()
        page.goto(server.url)
        driver.map_frame(page, DRAWN)
        took = time.monotonic() - started
        context.close()
        return took
    finally:
        server.stop()


def measure_first_maps(folder: Path, runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    commands = {
        "editor": [sys.executable, "-m", "mapapp", "edit", str(folder), "--port", "{port}"],
        "dashboard": [sys.executable, "-m", "mapapp", "serve", "--port", "{port}"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    with sync_playwright() as p:
        browser = driver.launch_chromium(p)
        for _ in range(runs):
            for name, command in commands.items():  # interleaved, so drift hits both alike
                times[name].append(first_map_s(browser, command, {settings.DATA_DIR_ENV: str(folder)}))
        browser.close()
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mapapp-editor-bench-") as tmp:
        folder = Path(tmp) / "story"
        shutil.copytree(settings.DEFAULT_DATA_DIR, folder)
        saves = measure_saves(folder, args.runs)
        maps = measure_first_maps(folder, args.runs)
    table = "\n".join(
        [
            f"| measure (median of {args.runs}) | time | baseline in the same run | ratio | budget |",
            "|---|---:|---:|---:|---|",
            f"| a save of the shipped story (validate + write + version) | {saves['save_ms']:.0f} ms "
            f"| {saves['load_ms']:.0f} ms (a bare `load_story`) | {saves['save_ms'] / saves['load_ms']:.1f}× | < 300 ms |",
            f"| the editor's first map | {maps['editor']:.2f} s | {maps['dashboard']:.2f} s (the dashboard's) "
            f"| {maps['editor'] / maps['dashboard']:.2f}× | ≤ 1.3× |",
        ]
    )
    print(table)
    if args.readme:
        readme = ROOT / "README.md"
        text = readme.read_text(encoding="utf-8")
        head, rest = text.split(README_START, 1)
        _old, tail = rest.split(README_END, 1)
        readme.write_text(f"{head}{README_START}\n{table}\n{README_END}{tail}", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
