#!/usr/bin/env python3
"""The event layer's aggregated redraw: a published site with N events, all in the date window and in view
(drawn as a density grid past 20,000), panned step by step; each redraw's time as the layer measures it
(``stats.drawMs``: counting the events in view per cell and painting the cells).

    .venv/bin/python bench/events_grid.py [--sizes 100000,1000000] [--pans 15]

The issue's budget: the redraw stays under 100 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mapapp import settings  # noqa: E402
from mapapp.events import synthetic  # noqa: E402
from mapapp.render.chromium import serve_folder  # noqa: E402
from mapapp.render.publish import publish_site  # noqa: E402
from mapapp.story.model import load_story  # noqa: E402
from tests import driver  # noqa: E402


def redraws(browser, url: str, pans: int) -> tuple[int, list[float]]:
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(url)
    page.wait_for_function("() => window.mapappEvents && window.mapappEvents.stats.draws > 0", timeout=600_000)
    page.evaluate("() => { const e = window.mapappEvents; e.setFilter({from: null, to: e._m.lastDay, types: null}); }")
    page.wait_for_function("() => window.mapappEvents._grid !== null", timeout=60_000)
    times = []
    for step in range(pans):
        before = page.evaluate("() => window.mapappEvents.stats.draws")
        page.evaluate(f"() => window.map.panBy([{30 if step % 2 else -30}, 0], {{animate: false}})")
        page.wait_for_function(f"() => window.mapappEvents.stats.draws > {before}", timeout=60_000)
        times.append(page.evaluate("() => window.mapappEvents.stats.drawMs"))
    drawn = page.evaluate("() => window.mapappEvents.stats.drawn")
    page.close()
    return drawn, times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--pans", type=int, default=15)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    story = load_story(settings.DEFAULT_DATA_DIR)
    print("| events in view (density grid) | redraw median | p90 | max |")
    print("|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="mapapp-events-grid-") as tmp, sync_playwright() as p:
        browser = driver.launch_chromium(p)
        for n in (int(s) for s in args.sizes.split(",")):
            csv = synthetic.write_events_csv(Path(tmp) / f"events-{n}.csv", n, seed=4)
            site = publish_site(story, Path(tmp) / f"site-{n}", events_csv=csv)
            with serve_folder(site.out) as url:
                drawn, times = redraws(browser, url, args.pans)
            times.sort()
            mark = " ✓" if times[-1] < 100 else " ✗"
            p90 = times[int(0.9 * (len(times) - 1))]
            print(f"| {drawn:,} | {statistics.median(times):.0f} ms | {p90:.0f} ms | {times[-1]:.0f} ms{mark} |")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
