"""Benchmark: the dashboard against a bare baseline, and event layers up to 100,000 points.

Run with ``make bench`` (or ``.venv/bin/python bench/run.py``; ``--quick`` for a
short run). Everything is measured in this run, on this machine, in Debian's
headless Chromium with only localhost reachable; absolute times drift on a
shared machine, so the headline is the ratio to a baseline measured alongside.

Part 1, interactions (median of ``--runs`` runs, each a fresh server and a
fresh browser context):

- ``baseline``: ``bench/baseline_app.py``, Streamlit + streamlit-folium with one
  marker and an echo of the click, served the same way (static Leaflet);
- ``story``: the dashboard with the story's layers;
- ``story+events``: the same with a synthetic 100,000-event ACLED file loaded.

For each: time to first map (server answering → the component's markers
drawn), click → passages (or the echo), date change → map recoloured, toggle
→ layer gone, the bytes the browser received (HTTP and websocket), the
server's peak RSS, and whether the page or the map was ever reloaded (a
marker set on ``window`` must survive, and the zoom must not change). Each
interaction is timed in the browser (``timed``): from its pointerdown to the
first animation frame that shows the result; the date's calendar is opened
before its timer starts.

Part 2, scale (median of ``--scale-runs``): for 1,000 / 10,000 / 100,000 events,
the time to build the layer, the bytes the browser loads, and the browser's
time to draw (navigation → drawn, then one frame), for the app's event layer
(static binary + canvas) and for a naive folium layer of one ``Marker`` (with
a popup) per event, both in a standalone page served over HTTP.

Writes ``bench/results/latest.json``, prints a table; ``--readme`` also
replaces the table between the benchmark markers in README.md.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import folium  # noqa: E402

from mapapp import events, settings  # noqa: E402
from mapapp.events import synthetic  # noqa: E402
from mapapp.render import assets, mapbuild  # noqa: E402
from mapapp.render.snapshot import serve_folder  # noqa: E402
from mapapp.story.manifest import load_manifest  # noqa: E402
from tests import driver  # noqa: E402

# The shipped story's own labels, colours and view (its manifest), so the bench follows the data.
STORY, _ = load_manifest(settings.DEFAULT_DATA_DIR)
assert STORY is not None

RESULTS = ROOT / "bench" / "results"
README = ROOT / "README.md"
MARK_START, MARK_END = "<!-- bench:start -->", "<!-- bench:end -->"
QUIET_MS = 400  # the websocket counts as finished after this long without a frame
TARGET_RATIO = 1.3
TARGET_BYTES_RATIO = 1.1


# --- counting what the browser receives ------------------------------------------------


class ByteMeter:
    """Bytes received by the page (HTTP bodies+headers and websocket frames), through the DevTools protocol."""

    def __init__(self, page):
        self.page = page
        self.http = 0
        self.ws = 0
        self.sent = 0  # websocket frames the page sent (each rerun starts with one)
        self.last_frame = time.monotonic()
        cdp = page.context.new_cdp_session(page)
        cdp.on("Network.loadingFinished", self._http)
        cdp.on("Network.webSocketFrameReceived", self._frame)
        cdp.on("Network.webSocketFrameSent", self._sent)
        cdp.send("Network.enable")
        self.cdp = cdp

    def _http(self, event):
        self.http += int(event.get("encodedDataLength", 0))

    def _frame(self, event):
        payload = event["response"].get("payloadData", "")
        opcode = event["response"].get("opcode", 1)
        self.ws += len(base64.b64decode(payload)) if opcode == 2 else len(payload.encode())
        self.last_frame = time.monotonic()

    def _sent(self, _event):
        self.sent += 1

    def take(self) -> dict:
        """Bytes since the last call."""
        out = {"http": self.http, "ws": self.ws, "total": self.http + self.ws}
        self.http = self.ws = 0
        return out

    def wait_quiet(self, quiet_ms: int = QUIET_MS, timeout_s: float = 20) -> None:
        """Until no websocket frame has arrived for ``quiet_ms`` (Streamlit's trailing messages)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if (time.monotonic() - self.last_frame) * 1000 >= quiet_ms:
                return
            self.page.wait_for_timeout(50)


# --- the three apps and their interactions -------------------------------------------------


def baseline_script(workdir: Path) -> Path:
    """The baseline app in a folder whose static/ is the dashboard's (same files, same serving)."""
    folder = workdir / "baseline"
    folder.mkdir(exist_ok=True)
    shutil.copy(ROOT / "bench" / "baseline_app.py", folder / "app.py")
    (folder / "static").symlink_to(settings.STATIC_DIR)
    return folder / "app.py"


SPECS = {
    "baseline": {
        "ready": "() => window.map && document.querySelectorAll('path.leaflet-interactive').length >= 1",
        "click_target": None,
        "click_done": ("text", "Clicked: Saraqeb"),
        "date_done": "() => { let ok = false; window.map.eachLayer(l => {"
        " if (l.options && l.options.fillColor === '#c0392b') ok = true; }); return ok; }",
        "toggle_label": "Marker",
        "toggle_done": "() => document.querySelectorAll('path.leaflet-interactive').length === 0",
    },
    "story": {
        "ready": driver.has_features_js(["saraqeb", "m4", "m5", "al-bara"]),
        "click_target": "saraqeb",
        "click_done": ("passage", "loss is a big setback"),
        "date_done": "() => { let ok = false; window.map.eachLayer(l => {"
        # filled (confirmed) or ringed (claimed by one side's sources) in the government's colour
        " if (l.feature && l.feature.id === 'saraqeb' && [l.options.fillColor, l.options.color].includes('"
        + STORY.sides["government"].colour
        + "')) ok = true; }); return ok; }",
        "toggle_label": STORY.layers["highways"].short_label,
        "toggle_done": driver.lacks_features_js(["m4", "m5"]),
        "control_label": STORY.layers["posts"].label,
        "control_checkbox": STORY.layers["posts"].short_label,
        "control_feature": "op-09-morek",
    },
}
SPECS["story+events"] = dict(SPECS["story"], events=True)
NEW_DAY = 10  # 10 Feb 2020: Saraqeb changes from opposition to government


def view_of(frame) -> dict:
    return frame.evaluate("() => ({zoom: window.map.getZoom(), center: window.map.getCenter(), mark: window.map.__bench === 1})")


def click_target_point(frame, spec) -> dict:
    if spec["click_target"]:
        return driver.feature_point(frame, spec["click_target"])
    return frame.evaluate(
        "() => { let p = null; window.map.eachLayer(l => { if (l.getLatLng && l.options && l.options.fillColor)"
        " p = window.map.latLngToContainerPoint(l.getLatLng()); }); return {x: p.x, y: p.y}; }"
    )


SHOWN_JS = """([selector, text, marked]) => [...document.querySelectorAll(selector)].some(e =>
    e.getClientRects().length > 0 && e.textContent.includes(text) && (!marked || e.querySelector("mark")))"""

START_JS = """() => { window.top.__benchStart = null; document.addEventListener("pointerdown", () => {
    window.top.__benchStart = window.top.__benchStart || performance.timeOrigin + performance.now(); },
    {capture: true, once: true}); }"""

WATCH_JS = """([source, arg]) => { const done = new Function("arg", "return (" + source + ")(arg)");
    window.top.__benchDone = null;
    (function tick() { if (done(arg)) { window.top.__benchDone = performance.timeOrigin + performance.now(); return; }
        requestAnimationFrame(tick); })(); }"""


def timed(page, action, done_js: str, done_in=None, arg=None) -> float:
    """Seconds from the action's pointerdown to ``done_js`` first true, both read in the browser.

    The start is the pointerdown in whichever frame gets it (the page, or the map's frame for a click on
    the map); the end is the first animation frame of ``done_in`` (a frame; default the page) on which
    ``done_js(arg)`` holds. Playwright's own timing would add its click and polling overheads (its locator
    waits re-check at intervals that grow to 500 ms: ~350 ms added to a click → passages).
    """
    for frame in page.frames:
        frame.evaluate(START_JS)
    (done_in or page).evaluate(WATCH_JS, [done_js, arg])
    action()
    page.wait_for_function("() => window.__benchStart && window.__benchDone", timeout=30000)
    start, done = page.evaluate("() => [window.__benchStart, window.__benchDone]")
    return max(0.0, done - start) / 1000


# The event layer redraws synchronously when its filter changes: a filter ending on the day means drawn.
EVENTS_DRAWN_FOR_DAY_JS = "() => !!window.mapappEvents && window.mapappEvents._filter.to === {day}"


def click_done(spec) -> tuple[str, list]:
    """The predicate (and its argument) that says a click's result is on screen."""
    kind, text = spec["click_done"]
    if kind == "text":
        return SHOWN_JS, ['[data-testid="stMarkdownContainer"] p', text, False]
    return SHOWN_JS, ["p.passage", text, True]


def measure_app(browser, name: str, command: list[str], env: dict, workdir: Path) -> dict:
    """One run: start the server, load the page, then click, change the date, toggle."""
    spec = SPECS[name]
    server = driver.start_app(command, env_extra=env, log=workdir / f"{name}.log")
    out: dict = {"server_start_s": server.ready_at - server.started_at}
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    outside = []
    page.on(
        "request",
        lambda r: None if r.url.startswith(("http://localhost", "ws://localhost", "data:", "blob:")) else outside.append(r.url),
    )
    meter = ByteMeter(page)
    try:
        page.goto(server.url)
        frame = driver.map_frame(page, spec["ready"])
        out["first_map_s"] = time.monotonic() - server.ready_at
        if spec.get("events"):
            frame.wait_for_function("() => window.mapappEvents && window.mapappEvents.stats.draws > 0", timeout=60000)
            out["events_drawn_s"] = time.monotonic() - server.ready_at
            out["events_stats"] = frame.evaluate("() => Object.assign({}, window.mapappEvents.stats)")
        meter.wait_quiet()
        out["load_bytes"] = meter.take()
        page.evaluate("() => { window.__bench = 1; }")
        frame.evaluate("() => { window.map.__bench = 1; }")
        before = view_of(frame)

        point = click_target_point(frame, spec)
        done_js, arg = click_done(spec)
        out["click_s"] = timed(page, lambda: driver.click_in_map(page, point), done_js, arg=arg)
        meter.wait_quiet()
        out["click_bytes"] = meter.take()
        out["views"] = [before, view_of(frame)]

        cell = driver.open_date_calendar(page, NEW_DAY)  # not timed: the same two clicks in both apps
        if spec.get("events"):  # the event layer's own redraw for the new day, timed on a second click
            out["date_s"] = timed(page, cell.click, spec["date_done"], frame)
            meter.wait_quiet()
            meter.take()
            cell = driver.open_date_calendar(page, NEW_DAY + 1)
            drawn = EVENTS_DRAWN_FOR_DAY_JS.format(day=events.date_to_day(date(2020, 2, NEW_DAY + 1)))
            out["date_events_s"] = timed(page, cell.click, drawn, frame)
        else:
            out["date_s"] = timed(page, cell.click, spec["date_done"], frame)
        meter.wait_quiet()
        out["date_bytes"] = meter.take()
        out["views"].append(view_of(frame))

        checkbox = page.locator('[data-testid="stCheckbox"]').filter(has_text=spec["toggle_label"])
        out["toggle_s"] = timed(page, checkbox.click, spec["toggle_done"], frame)
        meter.wait_quiet()
        out["toggle_bytes"] = meter.take()

        if spec.get("control_label"):  # the map's own layer control: no server round trip before the map changes
            frame.wait_for_function(driver.has_features_js([spec["control_feature"]]), timeout=30000)
            frame.locator(".leaflet-control-layers").hover()
            label = frame.locator(".leaflet-control-layers label").filter(has_text=spec["control_label"])
            out["control_toggle_s"] = timed(page, label.click, driver.lacks_features_js([spec["control_feature"]]), frame)
            page.locator('[data-testid="stCheckbox"]').filter(has_text=spec["control_checkbox"]).locator(
                "input:not(:checked)"
            ).wait_for(state="attached", timeout=30000)  # the app's toggles followed
            meter.wait_quiet()
            out["control_toggle_bytes"] = meter.take()
        after = view_of(frame)
        out["views"].append(after)
        out["page_kept"] = page.evaluate("() => window.__bench === 1")
        out["map_kept"] = after["mark"]
        # Leaflet settles the centre by a fraction of a pixel when the iframe gets its height: allow
        # half a pixel at this zoom (360° / (256 · 2^zoom) per pixel), not a move.
        half_pixel = 0.5 * 360 / (256 * 2 ** before["zoom"])
        out["zoom_kept"] = after["zoom"] == before["zoom"] and all(
            abs(after["center"][k] - before["center"][k]) < half_pixel for k in ("lat", "lng")
        )
        if spec.get("events"):
            out["pan"] = measure_pan(frame)
        if spec is not SPECS["baseline"]:
            out["label_ms"] = measure_label_layout(frame)
            out.update(measure_playback(page, frame, meter))
            out["walk_s"] = measure_walk_step(page)
            # the label layout the walk step's move ran (its last one, in the map's frame)
            frame.wait_for_function("() => !window.map._animatingZoom", timeout=30000)
            out["walk_label_ms"] = frame.evaluate("() => window.mapappStory.stats.labelMs")
        out["outside_requests"] = len(outside)
    finally:
        context.close()
        out["peak_rss_mb"] = server.peak_rss_mb()
        server.stop()
    return out


def measure_walk_step(page) -> float:
    """Start the guided walk, then time one Next: click → the next step's passage shown (as click → passages)."""
    page.locator(".st-key-walk_start button").click()
    page.get_by_text("step 1 / 33").wait_for(timeout=30000)
    driver.wait_idle(page)
    button = page.locator(".st-key-walk_next button")
    return timed(page, button.click, SHOWN_JS, arg=[".st-key-walk_panel p.passage[data-passage='p02']", "", False])


def measure_playback(page, frame, meter) -> dict:
    """Play 20 days at 8 days a second: each day's redraw in the browser, and the messages sent meanwhile."""
    frame.evaluate("() => { const s = window.mapappStory; s.stats.dayTimes = []; s.stats.playedDays = 0; }")
    frame.select_option(".mapapp-play-speed", "8")
    sent_before = meter.sent
    frame.locator(".mapapp-play-button").click()
    frame.wait_for_function("() => window.mapappStory.stats.playedDays >= 20", timeout=60000)
    frame.evaluate("() => window.mapappStory.pause(true)")  # quiet: no report, so the count is the playback's own
    times = sorted(frame.evaluate("() => window.mapappStory.stats.dayTimes"))
    meter.wait_quiet()
    meter.take()
    return {
        "play_day_ms": statistics.median(times),
        "play_day_p95_ms": times[min(len(times) - 1, int(0.95 * len(times)))],
        "play_messages_per_day": (meter.sent - sent_before) / max(1, len(times)),
    }


def measure_label_layout(frame) -> float:
    """Zoom out and back in (no animation); the median time of the story's label layout after each move, in ms."""
    return frame.evaluate(
        """() => new Promise(done => {
            const story = window.mapappStory, times = [];
            let left = 6;
            const step = () => {
                if (left-- === 0) { times.sort((a, b) => a - b); done(times[Math.floor(times.length / 2)]); return; }
                window.map.once("moveend", () => setTimeout(() => { times.push(story.stats.labelMs); step(); }, 0));
                window.map.setZoom(window.map.getZoom() + (left % 2 ? -1 : 1), {animate: false});
            };
            step();
        })"""
    )


def measure_pan(frame) -> dict:
    """Pan the map 8 times (no animation) and time each redraw of the event layer, in the page."""
    return frame.evaluate(
        """() => {
            const layer = window.mapappEvents, times = [];
            for (let k = 0; k < 8; k++) {
                const t = performance.now();
                window.map.panBy([k % 2 ? -160 : 160, 60], {animate: false});
                times.push(performance.now() - t);
            }
            layer.setFilter({from: null, to: null, types: null});
            const all = layer.stats.drawMs;
            times.sort((a, b) => a - b);
            return {median_ms: times[4], max_ms: times[7], draw_all_ms: all, drawn_all: layer.stats.inWindow};
        }"""
    )


# --- scale: the event layer against one Marker per event --------------------------------------


SITE_READY = """() => window.mapappSite && window.mapappSite.ready && window.mapappStory.ready
    && window.mapappStory.stats.labelLayouts > 0"""


def measure_site(browser, url: str) -> dict:
    """The published site from a local static server: navigation → story markers drawn and labelled; a click → passage."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    outside: list[str] = []
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else (outside.append(r.request.url), r.abort()))
    t = time.perf_counter()
    page.goto(url)
    page.wait_for_function(SITE_READY, timeout=30000)
    page.wait_for_function(driver.has_features_js(["saraqeb", "m4", "m5", "al-bara"]), timeout=30000)
    first = time.perf_counter() - t
    point = driver.feature_point(page, "saraqeb")
    click = timed(
        page,
        lambda: driver.click_in_map(page, point, container=".site-map .folium-map"),
        SHOWN_JS,
        arg=["#site-place p.passage", "loss is a big setback", True],
    )
    context.close()
    return {"first_map_s": first, "click_s": click, "outside_requests": len(outside)}


DRAWN_MARK = """<script>
window.addEventListener("load", function () {
  function done() { requestAnimationFrame(function () { window.__drawnAt = performance.now(); }); }
  if (window.mapappEvents) {
    (function wait() { if (window.mapappEvents.stats.draws > 0) done(); else setTimeout(wait, 5); })();
  } else { done(); }
});
</script>"""


def scale_page_ours(site: Path, csv_path: Path) -> dict:
    t = time.perf_counter()
    loaded = events.read_events(csv_path)
    published = events.publish(loaded, site / "app" / "static" / "cache", settings.CACHE_URL)
    m = folium.Map(location=STORY.center, zoom_start=STORY.zoom, tiles=None)
    mapbuild.EventsLayer(published.manifest_url).add_to(m)  # as in the app: manifest, then points
    assets.localize(m)
    html = m.get_root().render().replace("</body>", DRAWN_MARK + "</body>")
    build_s = time.perf_counter() - t
    (site / "ours.html").write_text(html, encoding="utf-8")
    folder = site / "app" / "static" / "cache" / f"events-{published.key}"
    return {
        "build_s": build_s,
        "page": "ours.html",
        "html_bytes": len(html.encode()),
        "data_bytes": (folder / "points.bin").stat().st_size,
        "details_chunk_bytes": max(f.stat().st_size for f in folder.glob("details-*.json")),
    }


def scale_page_naive(site: Path, csv_path: Path) -> dict:
    """What a folium user would write first: one Marker with a popup per event."""
    t = time.perf_counter()
    loaded = events.read_events(csv_path)
    m = folium.Map(location=STORY.center, zoom_start=STORY.zoom, tiles=None)
    for i in range(len(loaded)):
        rec = loaded.record(i)
        text = f"{rec['event_date']} {rec['event_type']}: {rec['actor1']}; {rec['actor2']}. {rec['source']}. {rec['notes']}"
        folium.Marker((rec["latitude"], rec["longitude"]), popup=folium.Popup(mapbuild.escape_text(text))).add_to(m)
    assets.localize(m)
    html = m.get_root().render().replace("</body>", DRAWN_MARK + "</body>")
    build_s = time.perf_counter() - t
    (site / "naive.html").write_text(html, encoding="utf-8")
    return {"build_s": build_s, "page": "naive.html", "html_bytes": len(html.encode()), "data_bytes": 0}


def draw_time(browser, url: str, timeout_s: float) -> float | None:
    """Navigation start → the layer drawn and one frame painted, in the page's clock; None on timeout."""
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    try:
        page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        page.wait_for_function("() => window.__drawnAt !== undefined", timeout=timeout_s * 1000, polling=100)
        return page.evaluate("() => window.__drawnAt") / 1000
    except Exception as exc:  # Playwright's TimeoutError: reported as a timeout, not a number
        if "Timeout" in type(exc).__name__ or "Timeout" in str(exc):
            return None
        raise
    finally:
        context.close()


def measure_scale(browser, workdir: Path, sizes: list[int], runs: int, naive_timeout: float, naive_max: int) -> list[dict]:
    site = workdir / "site"
    static = site / "app" / "static"
    static.mkdir(parents=True)
    (static / "vendor").symlink_to(settings.VENDOR_DIR)
    (static / "mapapp").symlink_to(settings.STATIC_DIR / "mapapp")
    rows = []
    with serve_folder(site) as base:
        for n in sizes:
            csv_path = synthetic.write_events_csv(workdir / f"events-{n}.csv", n, seed=n)
            ours = scale_page_ours(site, csv_path)
            ours_draw = [draw_time(browser, f"{base}/{ours['page']}", 60) for _ in range(runs)]
            row = {"events": n, "ours": ours, "ours_draw_s": ours_draw}
            if n <= naive_max:
                naive = scale_page_naive(site, csv_path)
                naive_draw = [
                    draw_time(browser, f"{base}/{naive['page']}", naive_timeout) for _ in range(runs if n < 100_000 else 1)
                ]
                row.update(naive=naive, naive_draw_s=naive_draw)
                (site / "naive.html").unlink()
            rows.append(row)
            print(
                f"  scale {n:>7,}: ours draw {fmt_s(median(ours_draw))}"
                + (f", naive draw {fmt_s(median(row['naive_draw_s']))}" if "naive" in row else ""),
                flush=True,
            )
    return rows


# --- summary -------------------------------------------------------------------------------------


def median(values):
    nums = [v for v in values if v is not None]
    if not nums or len(nums) < len(values) / 2:
        return None  # more than half timed out: no honest median
    return statistics.median(nums)


def fmt_s(value) -> str:
    return "timeout" if value is None else f"{value:.2f} s"


def summarize(apps: dict[str, list[dict]]) -> dict:
    summary = {}
    for name, runs in apps.items():
        s = {}
        for key in (
            "server_start_s",
            "first_map_s",
            "click_s",
            "date_s",
            "date_events_s",
            "toggle_s",
            "control_toggle_s",
            "peak_rss_mb",
            "events_drawn_s",
            "label_ms",
            "walk_label_ms",
            "walk_s",
            "play_day_ms",
            "play_day_p95_ms",
            "play_messages_per_day",
        ):
            vals = [r[key] for r in runs if r.get(key) is not None]
            if vals:
                s[key] = statistics.median(vals)
        for key in ("load_bytes", "click_bytes", "date_bytes", "toggle_bytes", "control_toggle_bytes"):
            if all(key in r for r in runs):
                s[key] = statistics.median(r[key]["total"] for r in runs)
        s["no_reload"] = all(r["page_kept"] and r["map_kept"] for r in runs)
        s["view_kept"] = all(r["zoom_kept"] for r in runs)
        s["outside_requests"] = sum(r["outside_requests"] for r in runs)
        if any("pan" in r for r in runs):
            s["pan_median_ms"] = statistics.median(r["pan"]["median_ms"] for r in runs)
            s["pan_max_ms"] = max(r["pan"]["max_ms"] for r in runs)
            s["draw_all_ms"] = statistics.median(r["pan"]["draw_all_ms"] for r in runs)
        summary[name] = s
    return summary


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def interaction_table(summary: dict, n_events: int) -> list[str]:
    base, story, ev = summary["baseline"], summary["story"], summary.get("story+events")
    lines = [
        f"| measure (median) | baseline | story | story ÷ baseline | story + {n_events:,} events | events ÷ story |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for key, label in (
        ("first_map_s", "first map (server ready → markers drawn)"),
        ("click_s", "click → passages (baseline: echo)"),
        ("date_s", "date change (calendar day picked) → map recoloured"),
        ("toggle_s", "toggle (checkbox) → layer gone"),
    ):
        r1 = ratio(story.get(key), base.get(key))
        row = f"| {label} | {secs(base[key])} | {secs(story[key])} | **{r1:.2f}×** {'✓' if r1 <= TARGET_RATIO else '✗'} |"
        if ev:
            r2 = ratio(ev.get(key), story.get(key))
            row += f" {secs(ev[key])} | **{r2:.2f}×** {'✓' if r2 <= TARGET_RATIO else '✗'} |"
        else:
            row += " – | – |"
        lines.append(row)
        if key == "date_s" and ev and "date_events_s" in ev:
            lines.append(
                f"| date change → event layer redrawn for the day (after the story's colours) | – | – | – |"
                f" {secs(ev['date_events_s'])} | {ratio(ev['date_events_s'], base['date_s']):.2f}× the baseline's date change |"
            )
    if "control_toggle_s" in story:
        control_ratio = ratio(story["control_toggle_s"], base["toggle_s"])
        row = (
            f"| toggle in the map's layer control → gone (the app's toggles follow) | – | {secs(story['control_toggle_s'])}"
            f" | **{control_ratio:.2f}×** of the baseline's toggle |"
        )
        if ev:
            r2 = ratio(ev.get("control_toggle_s"), story["control_toggle_s"])
            row += f" {secs(ev['control_toggle_s'])} | **{r2:.2f}×** |"
        lines.append(row)
    for key, label in (
        ("load_bytes", "bytes received, page load"),
        ("click_bytes", "bytes received, click"),
        ("date_bytes", "bytes received, date change"),
        ("toggle_bytes", "bytes received, toggle"),
    ):
        row = f"| {label} | {kb(base[key])} | {kb(story[key])} | {ratio(story[key], base[key]):.2f}× |"
        if ev:
            r2 = ratio(ev[key], story[key])
            mark = "" if key == "load_bytes" else (" ✓" if r2 <= TARGET_BYTES_RATIO else " ✗")
            row += f" {kb(ev[key])} | **{r2:.2f}×**{mark} |"
        else:
            row += " – | – |"
        lines.append(row)
    rss_ratio = ratio(story["peak_rss_mb"], base["peak_rss_mb"])
    rss = f"| server peak RSS | {base['peak_rss_mb']:.0f} MB | {story['peak_rss_mb']:.0f} MB | {rss_ratio:.2f}× |"
    rss += f" {ev['peak_rss_mb']:.0f} MB | {ratio(ev['peak_rss_mb'], story['peak_rss_mb']):.2f}× |" if ev else " – | – |"
    lines.append(rss)
    kept = " | ".join("yes" if s["no_reload"] and s["view_kept"] else "**no**" for s in (base, story) + ((ev,) if ev else ()))
    lines.append(
        f"| no reload, zoom and centre kept | {kept} | | |" if ev else f"| no reload, zoom and centre kept | {kept} | | – | – |"
    )
    if "walk_s" in story:
        walk_ratio = ratio(story["walk_s"], base["click_s"])
        walk = f"| walk step (Next → passage shown; baseline: click echo) | {secs(base['click_s'])} | {secs(story['walk_s'])}"
        walk += f" | **{walk_ratio:.2f}×** {'✓' if walk_ratio <= TARGET_RATIO else '✗'} |"
        walk += f" {secs(ev['walk_s'])} | |" if ev and "walk_s" in ev else " | |"
        lines.append(walk)
        play = f"| playback: redraw per day, median / p95; messages to the server per day | | {story['play_day_ms']:.1f} / "
        play += f"{story['play_day_p95_ms']:.1f} ms; {story['play_messages_per_day']:.0f} | |"
        if ev and "play_day_ms" in ev:
            play += f" {ev['play_day_ms']:.1f} / {ev['play_day_p95_ms']:.1f} ms; {ev['play_messages_per_day']:.0f} | |"
        else:
            play += " | |"
        lines.append(play)
    if "label_ms" in story:
        ev_labels = f" {ev['label_ms']:.1f} ms | |" if ev and "label_ms" in ev else " | |"
        lines.append(f"| label layout after a zoom (target < 50 ms) | | {story['label_ms']:.1f} ms | |{ev_labels}")
    if "walk_label_ms" in story:
        ev_walk = f" {ev['walk_label_ms']:.1f} ms | |" if ev and "walk_label_ms" in ev else " | |"
        lines.append(f"| label layout after a walk step (target < 50 ms) | | {story['walk_label_ms']:.1f} ms | |{ev_walk}")
    site = summary.get("site")
    if site:
        first_ratio = ratio(site["first_map_s"], story["first_map_s"])
        mark = "✓" if site["first_map_s"] < 1 else "✗"
        label = f"published site ({mb(site['bytes'])}, static server): navigation → map drawn and labelled (target < 1 s)"
        lines.append(f"| {label} | | {secs(site['first_map_s'])} | **{first_ratio:.2f}×** of the app's first map {mark} | | |")
        click_ratio = ratio(site["click_s"], story["click_s"])
        lines.append(f"| published site: click → passages | | {secs(site['click_s'])} | {click_ratio:.2f}× of the app's | | |")
    if ev:
        lines.append(f"| events drawn (server ready → canvas painted) | | | | {ev['events_drawn_s']:.2f} s | |")
        lines.append(
            f"| pan with the events: redraw median / max | | | | {ev['pan_median_ms']:.0f} / {ev['pan_max_ms']:.0f} ms | |"
        )
        lines.append(f"| redraw of all {n_events:,} events | | | | {ev['draw_all_ms']:.0f} ms | |")
    return lines


def measure_print(runs: int) -> dict:
    """Print pages (mapapp.render.snapshot) against their fixed cost measured in the same run: publishing the
    site to a temporary folder, serving it and starting Chromium, with no page drawn (the floor of any snapshot)."""
    from mapapp.render import snapshot
    from mapapp.story.model import load_story

    story = load_story(settings.DEFAULT_DATA_DIR)
    day = story.manifest.events_date
    handout = [snapshot.Shot(day=d) for d in (story.manifest.timeline_start, day, story.manifest.timeline_end)]
    cases = {
        "floor (publish, serve, start Chromium)": lambda: snapshot._in_browser(
            story, [snapshot.Shot(day=day)], snapshot.Layout(), lambda page, show: page.title()
        ),
        "PNG, 1280 px at 2×": lambda: snapshot.render(story, [snapshot.Shot(day=day)], ".png"),
        "PDF, 3 A4 pages + sources": lambda: snapshot.render(story, handout, ".pdf"),
        "SVG, A4 map": lambda: snapshot.render(story, [snapshot.Shot(day=day)], ".svg", snapshot.Layout(paper="a4")),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, work in cases.items():  # interleaved, so drift hits every case alike
            t = time.perf_counter()
            work()
            times[name].append(time.perf_counter() - t)
    return {name: statistics.median(values) for name, values in times.items()}


def print_table(medians: dict[str, float]) -> list[str]:
    floor = next(iter(medians.values()))
    lines = ["| print | time | ÷ floor |", "| --- | --- | --- |"]
    for name, seconds in medians.items():
        lines.append(f"| {name} | {seconds:.2f} s | {seconds / floor:.1f}× |")
    return lines


def scale_table(rows: list[dict], naive_timeout: float) -> list[str]:
    lines = [
        "| events | build: layer / naive | bytes to browser: layer / naive | draw: layer / naive | naive ÷ layer (draw) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        ours = row["ours"]
        ours_draw = median(row["ours_draw_s"])
        if "naive" in row:
            naive_draw = median(row["naive_draw_s"])
            if naive_draw is None:
                speed = f"≥ {naive_timeout / ours_draw:.1f}× (naive timed out at {naive_timeout:.0f} s)"
            else:
                speed = f"**{naive_draw / ours_draw:.1f}×**"
            naive_build = f"{row['naive']['build_s']:.2f} s"
            naive_bytes = mb(row["naive"]["html_bytes"])
            naive_draw_txt = fmt_s(naive_draw) if naive_draw is not None else f"> {naive_timeout:.0f} s"
        else:
            speed, naive_build, naive_bytes, naive_draw_txt = "not run", "–", "–", "–"
        lines.append(
            f"| {row['events']:,} | {ours['build_s']:.2f} s / {naive_build}"
            f" | {mb(ours['html_bytes'] + ours['data_bytes'])} / {naive_bytes} "
            f"| {fmt_s(ours_draw)} / {naive_draw_txt} | {speed} |"
        )
    return lines


def kb(n) -> str:
    return f"{n / 1024:.1f} KB"


def secs(t: float) -> str:
    """Seconds under one as milliseconds: an interaction of 30 ms is not "0.03 s"."""
    return f"{t * 1000:.0f} ms" if t < 1 else f"{t:.2f} s"


def mb(n) -> str:
    return f"{n / 1024 / 1024:.2f} MB" if n >= 1024 * 1024 else kb(n)


def write_readme(table: str) -> None:
    text = README.read_text(encoding="utf-8")
    start, end = text.index(MARK_START) + len(MARK_START), text.index(MARK_END)
    README.write_text(text[:start] + "\n" + table + "\n" + text[end:], encoding="utf-8")


# --- main ------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per app (fresh server each); median reported")
    parser.add_argument("--events", type=int, default=100_000, help="events loaded in the story+events runs")
    parser.add_argument("--sizes", default="1000,10000,100000", help="event counts for the scale part")
    parser.add_argument("--scale-runs", type=int, default=3)
    parser.add_argument(
        "--naive-timeout", type=float, default=60.0, help="seconds before the naive layer's draw counts as a timeout"
    )
    parser.add_argument("--naive-max", type=int, default=100_000, help="largest size the naive layer is built for")
    parser.add_argument("--quick", action="store_true", help="3 runs, sizes 1,000 and 10,000 (a smoke run)")
    parser.add_argument("--readme", action="store_true", help="write the tables into README.md")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, generated pages)")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.sizes, args.scale_runs, args.events = 3, "1000,10000", 2, 10_000
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if not assets.assets_installed():
        print("Leaflet is not installed: run `make setup` first", file=sys.stderr)
        return 2

    from playwright.sync_api import sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="mapapp-bench-"))
    started = time.monotonic()
    try:
        events_csv = synthetic.write_events_csv(workdir / "events.csv", args.events, seed=7)
        # The dashboard starts the way the README runs it (`python -m mapapp serve`, which preloads
        # the story and the events before accepting connections); the baseline with `streamlit run`.
        serve = [sys.executable, "-m", "mapapp", "serve", "--port", "{port}"]
        apps = {
            "baseline": (driver.streamlit_command(baseline_script(workdir)), {}),
            "story": (serve, {}),
            "story+events": (serve, {settings.EVENTS_ENV: str(events_csv)}),
        }
        # Publish the events once before timing: loading a dataset is not an interaction.
        events.publish(events.load_events(events_csv))
        results: dict[str, list[dict]] = {name: [] for name in apps}
        with sync_playwright() as p:
            browser = driver.launch_chromium(p)
            for run in range(args.runs):
                for name, (command, env) in apps.items():  # interleaved, so drift hits every app alike
                    try:
                        results[name].append(measure_app(browser, name, command, env, workdir))
                    except Exception:
                        print(f"  run {run + 1} of {name} failed; server log: {workdir / (name + '.log')}", file=sys.stderr)
                        args.keep = True
                        raise
                print(
                    f"  run {run + 1}/{args.runs}: "
                    + ", ".join(f"{n} first map {r[-1]['first_map_s']:.2f} s" for n, r in results.items()),
                    flush=True,
                )
            from mapapp.render.publish import publish_site
            from mapapp.story.model import load_story

            site = publish_site(load_story(settings.DEFAULT_DATA_DIR), workdir / "site")
            with serve_folder(site.out) as site_url:
                site_runs = [measure_site(browser, site_url) for _ in range(args.runs)]
            scale = measure_scale(browser, workdir, sizes, args.scale_runs, args.naive_timeout, args.naive_max)
            browser.close()
        printing = measure_print(args.scale_runs)
        summary = summarize(results)
        summary["site"] = {
            "first_map_s": statistics.median(r["first_map_s"] for r in site_runs),
            "click_s": statistics.median(r["click_s"] for r in site_runs),
            "outside_requests": sum(r["outside_requests"] for r in site_runs),
            "bytes": site.bytes_without_events,
        }
        table = "\n".join(
            [
                f"Interactions (median of {args.runs} runs; story + events has {args.events:,} events loaded):",
                "",
                *interaction_table(summary, args.events),
                "",
                f"Event layers (median of {args.scale_runs} draws; naive: one folium `Marker` with a popup per event):",
                "",
                *scale_table(scale, args.naive_timeout),
                "",
                f"Print (median of {args.scale_runs} runs; each a fresh Chromium; budgets: PNG 5 s, 3-page PDF 15 s):",
                "",
                *print_table(printing),
            ]
        )
        payload = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
            "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "summary": summary,
            "runs": results,
            "scale": scale,
            "print": printing,
            "table": table,
            "seconds": time.monotonic() - started,
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
        print()
        print(table)
        print(f"\nwritten {args.out} ({payload['seconds']:.0f} s)")
        if args.readme:
            write_readme(
                f"Measured {payload['when'][:10]} on {os.cpu_count()} CPUs, Python {platform.python_version()}, "
                f"Chromium headless (`{' '.join(sys.argv[1:]) or 'make bench'}`).\n\n" + table
            )
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
