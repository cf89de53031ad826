"""Real headless Chromium (Debian's package) against the app started by the README's run command.

Under CI=true a missing browser fails the run; elsewhere these tests skip.
The browser may only reach localhost: anything else is aborted and counted.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from mapapp import events, settings
from mapapp.app import server as server_module
from mapapp.events import synthetic
from tests import driver
from tests.driver import CHROMIUM, MAP_FRAME

from . import hostile
from .conftest import SHIPPED

ARTIFACTS = settings.REPO_DIR / "artifacts"

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {CHROMIUM} is missing: install Debian's chromium (make browser)", pytrace=False)
    pytest.skip(f"{CHROMIUM} not installed (make browser)", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

READY = driver.has_features_js(["saraqeb", "m4", "m5", "al-bara"])


def start_app(env_extra: dict | None = None):
    """The README's run command (make run), on a free port."""
    server = driver.start_app(env_extra=env_extra)
    return server, server.url


def stop_app(server) -> None:
    server.stop()


@pytest.fixture(scope="module")
def app_url():
    server, url = start_app()
    yield url
    stop_app(server)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = driver.launch_chromium(p)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    pg = context.new_page()
    pg.outside = []
    pg.dialogs = []
    pg.route(
        "**/*",
        lambda r: (
            r.continue_() if r.request.url.startswith("http://localhost") else (pg.outside.append(r.request.url), r.abort())
        ),
    )
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    yield pg
    context.close()


def map_frame(pg, ready: str = READY):
    return driver.map_frame(pg, ready)


def feature_ids(frame) -> list[str]:
    return frame.evaluate(driver.feature_ids_js())


def test_map_draws_offline_with_markers_and_lines(page, app_url):
    page.goto(app_url)
    frame = map_frame(page)
    ids = feature_ids(frame)
    assert {"saraqeb", "al-bara", "baliun", "m4", "m5"} <= set(ids)
    assert page.outside == []  # nothing outside localhost was even requested
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map.png"))


def test_published_data_is_sent_without_a_wildcard_cors_header(app_url):
    """An uploaded dataset lives under /app/static/cache/: no other web page may read it from a reader's browser."""
    import urllib.request

    from mapapp.render import mapbuild
    from mapapp.story.model import load_story

    timeline = mapbuild.published_timeline(load_story(settings.DEFAULT_DATA_DIR))  # a file under the cache URL
    with urllib.request.urlopen(app_url + timeline) as response:
        assert response.status == 200 and response.headers.get("Access-Control-Allow-Origin") is None
    with urllib.request.urlopen(f"{app_url}{settings.APP_JS_URL}/{settings.STORY_LAYERS_JS}") as response:
        assert response.status == 200  # the app's own scripts are served as before


def test_the_agent_api_that_is_off_answers_404(app_url):
    import urllib.error
    import urllib.request

    for path in ("/_stcore/agent/openapi.json", "/_stcore/agent/interact", "/_stcore/agent/mcp"):
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(app_url + path)
        info.value.close()
        assert info.value.code == 404, path
    with urllib.request.urlopen(app_url + "/_stcore/health") as response:  # what the page needs stays open
        assert response.status == 200


def click_feature(page, frame, fid: str) -> None:
    driver.click_in_map(page, driver.feature_point(frame, fid))


def test_click_on_saraqeb_shows_its_passages(page, app_url):
    page.goto(app_url)
    frame = map_frame(page)
    click_feature(page, frame, "saraqeb")
    page.wait_for_url("**place=saraqeb**", timeout=30000)
    # the Place tab: the passage, with Saraqeb's mention highlighted
    page.locator("p.passage:visible", has_text="loss is a big setback").locator("mark").first.wait_for(timeout=30000)
    assert "place=saraqeb" in page.url


def test_unticking_highways_removes_the_m4_and_m5(page, app_url):
    page.goto(app_url)
    frame = map_frame(page)
    zoom = frame.evaluate("() => window.map.getZoom()")
    page.locator('[data-testid="stCheckbox"]').filter(has_text=SHIPPED.layers["highways"].short_label).click()
    frame.wait_for_function(driver.lacks_features_js(["m4", "m5"]), timeout=30000)
    assert frame.evaluate("() => window.map.getZoom()") == zoom
    assert "saraqeb" in feature_ids(frame)


@pytest.mark.parametrize("day, controller", [("2020-02-10", "government"), ("2020-02-27", "opposition")])
def test_permalink_restores_place_and_date(page, app_url, day, controller):
    page.goto(f"{app_url}/?place=saraqeb&date={day}&layers=places,highways")
    frame = map_frame(page)
    page.get_by_text(f"held by {controller}", exact=False).locator("visible=true").first.wait_for(timeout=30000)
    assert frame.evaluate("() => window.map.getZoom()") == settings.SELECTED_ZOOM
    assert "op-09-morek" not in feature_ids(frame)  # posts layer off in this permalink


# --- hostile text: every string a story folder, an article or an event file can carry ----------

NO_SCRIPT_RAN_JS = """() => ({
    ran: window.__xss === undefined ? null : window.__xss,
    img: document.querySelectorAll('img[src="x"]').length,
    svg: document.querySelectorAll('svg[onload]').length,
    scripts: [...document.scripts].filter(s => (s.textContent || '').trim() === 'window.__xss=4').length,
    links: [...document.querySelectorAll('a')].filter(a => (a.getAttribute('href') || '').trim().toLowerCase().startsWith('javascript')).length,
    shown: (document.body.innerText.match(/XSSLINK/g) || []).length,
})"""
OPEN_EVERYTHING_JS = """() => {
    (window.map || window.mapappStory.map).eachLayer(l => { if (l.openTooltip && l.feature) l.openTooltip(); });
    document.querySelectorAll('.leaflet-control-layers').forEach(c => c.classList.add('leaflet-control-layers-expanded'));
}"""


def _poisoned_events(path: Path) -> Path:
    """A synthetic ACLED file with the payload in every text column (and one event type)."""
    import csv

    rows = synthetic.synthetic_events(400, seed=5)
    numeric = {"latitude", "longitude", "geo_precision", "fatalities", "time_precision", "event_date", "event_id_cnty"}
    for row in rows:
        for key, value in row.items():
            if key not in numeric and isinstance(value, str):
                row[key] = value + hostile.PAYLOAD
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _assert_nothing_ran(target, where: str) -> int:
    """No payload ran or became an element in ``target``; returns how often its text is shown."""
    seen = target.evaluate(NO_SCRIPT_RAN_JS)
    assert seen["ran"] is None and seen["img"] == seen["svg"] == seen["scripts"] == seen["links"] == 0, (where, seen)
    return seen["shown"]


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory):
    """The shipped story with the payload in every string the validator accepts (tests/hostile.py)."""
    folder = tmp_path_factory.mktemp("hostile") / "story"
    count = hostile.poison_story(settings.DEFAULT_DATA_DIR, folder)
    assert count > 500  # names, labels, notes, legends, sources, passages: not a handful
    return folder


def test_poisoned_story_and_events_run_no_script_in_the_app(browser, poisoned, tmp_path):
    csv_path = _poisoned_events(tmp_path / "hostile-events.csv")
    server, url = start_app({settings.DATA_DIR_ENV: str(poisoned), settings.EVENTS_ENV: str(csv_path)})
    try:
        context = browser.new_context(viewport={"width": 1500, "height": 1000})
        pg = context.new_page()
        dialogs: list[str] = []
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        shown = 0
        for query in ("?place=saraqeb", "?passage=p05", "?date=2020-02-27&compare=2020-02-10", "?step=p03", "?place=op-09-morek"):
            pg.goto(f"{url}/{query}")
            frame = map_frame(pg)
            frame.wait_for_function(EVENTS_READY, timeout=60000)
            driver.wait_idle(pg)
            frame.evaluate(OPEN_EVERYTHING_JS)
            target = frame.evaluate(FREE_EVENT_JS)
            if target is not None:  # an event's popup: its actors, notes and source
                driver.click_in_map(pg, target)
                pg.frame_locator(MAP_FRAME).locator(".leaflet-popup-content .mapapp-event").first.wait_for(timeout=30000)
            for tab in pg.get_by_role("tab").all():  # every tab of the reading pane
                tab.click()
                driver.wait_idle(pg)
            shown += _assert_nothing_ran(pg, f"page {query}") + _assert_nothing_ran(frame, f"map {query}")
        assert shown > 20  # the poisoned texts are on screen, as text
        assert dialogs == []
        context.close()
    finally:
        stop_app(server)


def test_a_poisoned_story_published_and_exported_runs_no_script(browser, poisoned, tmp_path):
    from mapapp.render.mapbuild import standalone_html
    from mapapp.render.publish import publish_site
    from mapapp.render.snapshot import serve_folder
    from mapapp.story.model import load_story

    story = load_story(poisoned)
    out = publish_site(story, tmp_path / "site").out
    (out / "export.html").write_text(
        standalone_html(story, day=date(2020, 2, 27), visible=story.story_layers, selected="saraqeb"), encoding="utf-8"
    )
    with serve_folder(out) as url:
        context, pg = site_page(browser, url)
        shown = 0
        for query in ("?place=saraqeb", "?passage=p05", "?place=inc-airstrike-2020-02-27", "?step=p03"):
            pg.goto(f"{url}/{query}")
            pg.wait_for_function(SITE_READY, timeout=30000)
            pg.evaluate(OPEN_EVERYTHING_JS)
            for tab in pg.locator('[role="tab"]').all():
                tab.click()
            shown += _assert_nothing_ran(pg, f"site {query}")
        pg.goto(f"{url}/export.html")
        pg.wait_for_function("() => window.mapappStory && window.mapappStory.ready", timeout=30000)
        pg.evaluate(OPEN_EVERYTHING_JS)
        shown += _assert_nothing_ran(pg, "export.html")
        assert shown > 20
        assert pg.dialogs == []
        context.close()


def test_a_poisoned_story_opened_in_the_editor_runs_no_script(browser, poisoned, tmp_path):
    """Every tab of the editor, a feature and a passage chosen, the map's tooltips open: all of it as text."""
    import shutil

    folder = tmp_path / "story"
    shutil.copytree(poisoned, folder)
    server = driver.start_app([sys.executable, "-m", "mapapp", "edit", str(folder), "--port", "{port}"])
    try:
        context = browser.new_context(viewport={"width": 1500, "height": 1000})
        pg = context.new_page()
        dialogs: list[str] = []
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        pg.goto(server.url)
        frame = driver.map_frame(pg)  # the editor's map (its features carry no ids)
        driver.wait_idle(pg)
        shown = 0
        for tab in ("Review", "Draw", "Features", "Article", "Story"):
            pg.get_by_role("tab", name=tab).click()
            driver.wait_idle(pg)
            shown += _assert_nothing_ran(pg, f"editor {tab}")
        pg.get_by_role("tab", name="Article").click()
        passage = pg.frame_locator('[class*="st-key-select_"] iframe').locator("#passage")
        passage.wait_for(timeout=30000)
        assert hostile.VISIBLE_MARK in passage.inner_text()  # the passage, as text, in its own frame
        for inner in [f for f in pg.frames if "passage_select" in f.url or "passage-select" in f.url]:
            shown += _assert_nothing_ran(inner, "editor passage")
        frame.evaluate(
            "() => window.map.eachLayer(l => { if (l.openTooltip && l.getTooltip && l.getTooltip()) l.openTooltip(); })"
        )
        shown += _assert_nothing_ran(frame, "editor map")
        assert shown > 10 and dialogs == []
        context.close()
    finally:
        server.stop()


# --- an event dataset loaded ($MAPAPP_EVENTS) ----------------------------------------------------

EVENTS_N = 3000
EVENTS_READY = "() => window.mapappEvents && window.mapappEvents.stats.draws > 0"
# Events shown away from any story feature, so a click reaches the event layer alone.
FREE_EVENT_JS = """() => {
    const layer = window.mapappEvents;
    for (const i of layer.inView(3000)) {
        const p = layer.pointOf(i);
        const hit = document.elementFromPoint(p.x, p.y);
        const free = hit && (hit === window.map.getContainer() || (hit.closest(".leaflet-map-pane") && !hit.classList.contains("leaflet-interactive")));
        if (free) return {i: i, x: p.x, y: p.y, hit: hit.tagName + "." + (hit.getAttribute("class") || "")};
    }
    return null;
}"""


@pytest.fixture(scope="module")
def events_app(tmp_path_factory):
    path = synthetic.write_events_csv(tmp_path_factory.mktemp("events") / "acled.csv", EVENTS_N, seed=11)
    server, url = start_app({settings.EVENTS_ENV: str(path)})
    yield url, events.read_events(path)
    stop_app(server)


def open_events_map(page, url: str):
    """The map's frame once the event layer has drawn."""
    page.goto(url)
    frame = map_frame(page)
    frame.wait_for_function(EVENTS_READY, timeout=60000)
    return frame


def test_an_event_opens_its_details(page, events_app):
    url, loaded = events_app
    frame = open_events_map(page, url)
    target = frame.evaluate(FREE_EVENT_JS)
    assert target is not None, "no event visible away from the story's markers"
    hits = frame.evaluate("(p) => window.mapappEvents.hitTest(L.point(p.x, p.y)).slice(0, 10)", target)
    assert target["i"] in hits  # listed in the popup (newest first, at most 10)
    driver.click_in_map(page, target)
    popup = page.frame_locator(MAP_FRAME).locator(".leaflet-popup-content")
    popup.locator(".mapapp-event").first.wait_for(state="attached", timeout=30000)
    frame.wait_for_function("() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'", timeout=10000)
    # the date's box fades where it lies over the popup (controls are above popups in Leaflet)
    overlap = frame.evaluate(
        """() => { const a = document.querySelector('.leaflet-popup').getBoundingClientRect(),
                         d = document.querySelector('.mapapp-date'), b = d.getBoundingClientRect();
                   return [a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top, d.style.opacity]; }"""
    )
    assert overlap in ([True, "0.15"], [False, ""]), overlap
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "event.png"))
    record = loaded.record(target["i"])
    text = popup.text_content()
    for value in (record["event_id_cnty"], record["event_date"], record["notes"], record["source"], record["actor1"]):
        assert value in text


def test_events_follow_the_date_window(page, events_app):
    url, loaded = events_app
    frame = open_events_map(page, f"{url}/?date=2020-02-10")
    last = events.date_to_day(date(2020, 2, 10))
    window = settings.EVENT_WINDOWS[settings.EVENT_DEFAULT_WINDOW]
    expected = int(np.count_nonzero((loaded.day <= last) & (loaded.day > last - window)))
    frame.wait_for_function(f"() => window.mapappEvents.stats.inWindow === {expected}", timeout=30000)
    assert 0 < expected < len(loaded)


def test_events_under_a_place_are_offered_not_fetched(page, events_app):
    url, _ = events_app
    frame = open_events_map(page, url)
    details = []
    page.on("request", lambda r: details.append(r.url) if "/details-" in r.url else None)
    click_feature(page, frame, "saraqeb")
    page.wait_for_url("**place=saraqeb**", timeout=30000)  # the place is selected as without events
    offer = page.frame_locator(MAP_FRAME).locator(".mapapp-event-show")
    offer.wait_for(timeout=30000)
    assert details == []
    offer.click()
    page.frame_locator(MAP_FRAME).locator(".mapapp-event").first.wait_for(timeout=30000)
    assert details


def test_an_uploaded_event_file_is_drawn_and_its_bad_rows_listed(page, app_url, tmp_path):
    rows = synthetic.synthetic_events(500, seed=12)
    rows[41]["longitude"] = "east"
    path = tmp_path / "upload.csv"
    path.write_text(synthetic.events_csv(rows), encoding="utf-8")
    page.goto(app_url)
    map_frame(page)
    page.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(str(path))
    page.get_by_text("500 rows, 499 drawn, 1 not drawn", exact=False).first.wait_for(timeout=60000)
    frame = map_frame(page, "() => window.mapappEvents && window.mapappEvents.stats.draws > 0")  # a new map: new data
    assert frame.evaluate("() => window.mapappEvents.stats.loaded") is True
    page.get_by_text("1 problem(s) in upload.csv", exact=False).first.wait_for(timeout=30000)
    assert page.outside == []


def test_a_long_upload_says_its_progress_in_the_page_then_draws(page, app_url, tmp_path):
    """An upload of 250,000 rows is read with a progress bar in the sidebar (rows read, problems so far, time
    left), updated every 100,000 rows, gone when the dataset is drawn."""
    path = synthetic.write_events_csv(tmp_path / "long.csv", 250_000, seed=5)
    page.goto(app_url)
    map_frame(page)
    # Every text the bar shows, however briefly (the fast path reads 250,000 rows in about a second).
    page.evaluate(
        """() => { window.barTexts = []; new MutationObserver(() => {
            for (const bar of document.querySelectorAll('[data-testid="stSidebar"] [data-testid="stProgress"]'))
                if (window.barTexts.at(-1) !== bar.innerText) window.barTexts.push(bar.innerText);
        }).observe(document.body, {subtree: true, childList: true, characterData: true}); }"""
    )
    page.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(str(path))
    page.get_by_text("250,000 rows, 250,000 drawn", exact=False).first.wait_for(timeout=120000)
    page.locator('[data-testid="stSidebar"] [data-testid="stProgress"]').first.wait_for(state="detached", timeout=30000)
    texts = page.evaluate("() => window.barTexts")
    counted = [t for t in texts if re.search(r"Reading long\.csv: [12]00,000 rows, 0 problems so far, about \d+ s left", t)]
    assert counted, texts


# --- a second story (fictional, 2022, other sides and layers) --------------------------------


def test_a_second_story_shows_its_own_page_and_nothing_of_the_first(browser, tmp_path):
    from .second_story import SHIPPED_WORDS, SIDES, TITLE, write_second_story

    server, url = start_app({settings.DATA_DIR_ENV: str(write_second_story(tmp_path / "second"))})
    try:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        pg = context.new_page()
        pg.goto(url)
        frame = map_frame(pg, driver.has_features_js(["dolvik", "brennitsa", "front-varta"]))
        pg.get_by_text(TITLE).first.wait_for(timeout=30000)
        click_feature(pg, frame, "dolvik")
        pg.locator("p.passage:visible", has_text="took the town of").locator("mark").first.wait_for(timeout=30000)
        pg.get_by_text("held by Northern Guard", exact=False).first.wait_for(timeout=30000)
        page_text, map_text = pg.inner_text("body"), frame.inner_text("body")
        assert "As of 10 Jun 2022" in page_text
        for side in SIDES.values():
            assert side["legend"] in page_text  # the legend beside the map, in words
        for word in SHIPPED_WORDS:
            assert word not in page_text and word not in map_text and word not in pg.title(), word
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "second-story.png"))
        context.close()
    finally:
        stop_app(server)


def test_a_drafted_story_opens_and_a_click_on_a_place_shows_its_passage(browser, tmp_path):
    from mapapp import draft

    from .test_draft import KHERSON

    out = tmp_path / "drafted"
    draft.write_draft(draft.draft_story(draft.read_article(KHERSON)), out)
    server, url = start_app({settings.DATA_DIR_ENV: str(out)})
    try:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        pg = context.new_page()
        pg.goto(url)
        frame = map_frame(pg, driver.has_features_js(["kherson", "snihurivka", "mykolaiv"]))
        click_feature(pg, frame, "kherson")
        pg.wait_for_url("**place=kherson**", timeout=30000)
        pg.locator("p.passage:visible", has_text="entered the southern city of").locator("mark").first.wait_for(timeout=30000)
        pg.get_by_text("Draft, not yet reviewed", exact=False).first.wait_for(timeout=30000)  # the panel says so
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "drafted-story.png"))
        context.close()
    finally:
        stop_app(server)


# --- a map that reads at a glance: labels, size, phone layout, accessibility ---------------------

VISIBLE_LABELS_JS = """() => [...document.querySelectorAll('.mapapp-label')]
    .filter(e => e.style.display !== 'none')
    .map(e => { const r = e.getBoundingClientRect(); return {text: e.textContent, x: r.left, y: r.top, w: r.width, h: r.height}; })"""
MARKER_CENTRES_JS = """() => { const out = []; window.map.eachLayer(l => { if (l.feature && l.getLatLng && l._map) {
    const p = window.map.latLngToContainerPoint(l.getLatLng()); out.push({id: l.feature.id, x: p.x, y: p.y}); } }); return out; }"""


def _overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    return [
        (a["text"], b["text"])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]
    ]


def _labels_settled(frame, layouts_before: int) -> list[dict]:
    frame.wait_for_function(f"() => window.mapappStory.stats.labelLayouts > {layouts_before}", timeout=30000)
    return frame.evaluate(VISIBLE_LABELS_JS)


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


def test_labels_name_the_places_without_overlaps_at_two_zooms(desktop, app_url):
    desktop.goto(app_url)
    frame = map_frame(desktop)
    # Laid out with its labels (the frame may be laid out once before the page gives it its size)
    frame.wait_for_function("() => window.mapappStory && window.mapappStory.stats.labelsShown >= 8", timeout=30000)
    labels = frame.evaluate(VISIBLE_LABELS_JS)
    assert len(labels) >= 8 and "Saraqeb" in {label["text"] for label in labels}
    assert _overlapping(labels) == []
    for centre in frame.evaluate(MARKER_CENTRES_JS):  # no label over a story marker's centre
        assert not [
            lb["text"] for lb in labels if lb["x"] < centre["x"] < lb["x"] + lb["w"] and lb["y"] < centre["y"] < lb["y"] + lb["h"]
        ]
    assert frame.evaluate("() => window.mapappStory.stats.labelMs") < 50
    ARTIFACTS.mkdir(exist_ok=True)
    desktop.screenshot(path=str(ARTIFACTS / "desktop-1440x900.png"))
    layouts = frame.evaluate("() => window.mapappStory.stats.labelLayouts")
    frame.evaluate("() => window.map.zoomOut()")
    zoomed_out = _labels_settled(frame, layouts)
    assert frame.evaluate("() => window.map.getZoom()") == SHIPPED.zoom - 1
    assert zoomed_out and _overlapping(zoomed_out) == []


def test_the_map_is_large_and_stays_on_screen_when_a_passage_moves_it(desktop, app_url):
    desktop.goto(app_url)
    frame = map_frame(desktop)
    share = desktop.evaluate(driver.frame_share_js())
    assert share["of_screen"] >= 0.40
    desktop.get_by_role("tab", name="Article").click()
    button = desktop.locator(".st-key-passage_p15 button")
    button.scroll_into_view_if_needed()
    button.click()
    desktop.get_by_text("Places in this passage:", exact=False).first.wait_for(timeout=30000)
    frame.wait_for_function(f"() => window.map.getZoom() !== {SHIPPED.zoom}", timeout=30000)
    assert desktop.evaluate(driver.frame_share_js())["of_map"] >= 0.6
    assert frame.evaluate("() => window.map.getBounds().contains(L.latLng(35.683, 36.533))")  # al-Bara
    assert frame.evaluate("() => document.querySelector('.mapapp-label-strong') !== null")  # its places' labels stand out


def test_phone_layout_map_first_full_width_legend_collapsed(browser, app_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.goto(app_url)
    map_frame(pg)
    box = pg.locator(MAP_FRAME).bounding_box()
    assert box["width"] >= 0.9 * 390 and box["height"] >= 0.45 * 844
    header = pg.locator("header").first.bounding_box()
    assert header is None or box["y"] >= header["y"] + header["height"] - 1  # the map's top is not under the header
    assert pg.evaluate("() => document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    legends = pg.locator("details.mapapp-legend:visible")
    assert legends.count() == 1 and legends.first.evaluate("d => d.open") is False
    assert pg.locator('[data-testid="stCheckbox"]').filter(has_text=SHIPPED.layers["highways"].short_label).is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "phone-390x844.png"))
    context.close()


def test_no_serious_accessibility_violations_and_pinch_zoom_allowed(desktop, app_url):
    desktop.goto(f"{app_url}/?place=saraqeb")
    frame = map_frame(desktop)
    desktop.locator("p.passage").first.wait_for(timeout=30000)
    driver.wait_idle(desktop)  # a running page fades its elements, which would fail every contrast check
    for target in (desktop, frame):
        violations = driver.axe_violations(target)
        assert [v for v in violations if v["impact"] in ("serious", "critical")] == []
    viewports = frame.evaluate("() => [...document.querySelectorAll('meta[name=viewport]')].map(m => m.content)")
    assert viewports and not [v for v in viewports if "user-scalable=no" in v or "maximum-scale=1" in v]


# --- the guided walk, playback, two dates --------------------------------------------------------

VIEW_JS = "() => { const c = window.map.getCenter(); return [c.lat, c.lng, window.map.getZoom()]; }"
# The map has stopped moving: no zoom or pan animation under way (a step's move is animated).
MAP_STILL_JS = "() => window.map && !window.map._animatingZoom && !(window.map._panAnim && window.map._panAnim._inProgress)"


def _step_text(pg) -> str:
    return pg.locator(".st-key-walk_panel p.passage").first.inner_text(timeout=30000)


def _view_is_js(view) -> str:
    """The map shows ``view`` (lat, lon, zoom) and has stopped moving: the component applies a new
    center after Streamlit's run has ended, so "idle" alone may still read the previous step's view."""
    lat, lon, zoom = view
    return (
        f"{MAP_STILL_JS} && Math.abs(window.map.getCenter().lat - {lat}) < 1e-3"
        f" && Math.abs(window.map.getCenter().lng - {lon}) < 1e-3 && window.map.getZoom() === {zoom}"
    )


def test_the_walk_steps_with_next_and_the_arrow_key_and_esc_keeps_the_view(desktop, app_url):
    from mapapp.app.state import focus_for
    from mapapp.story.model import load_story
    from mapapp.story.walk import walk_steps

    story = load_story(settings.DEFAULT_DATA_DIR)
    expected = [focus_for(story, list(step.place_ids), settings.STEP_MAX_ZOOM) for step in walk_steps(story)[:7]]
    assert len({v for v in expected if v}) >= 3  # the steps go to different places: the check below can fail
    desktop.goto(app_url)
    frame = map_frame(desktop)
    desktop.locator(".st-key-walk_start button").click()
    desktop.get_by_text("step 1 / 33").wait_for(timeout=30000)
    texts = [_step_text(desktop)]
    for number in range(2, 8):  # six steps: three with the button, three with the → key
        if number <= 4:
            desktop.locator(".st-key-walk_next button").click()
        else:
            desktop.locator("body").press("ArrowRight")
        desktop.get_by_text(f"step {number} / 33").wait_for(timeout=30000)
        driver.wait_idle(desktop)
        texts.append(_step_text(desktop))
        if expected[number - 1] is not None:  # the map moved to the step's places
            frame.wait_for_function(_view_is_js(expected[number - 1]), timeout=30000)
    assert len(set(texts)) == 7  # a new passage at every step
    assert "step=p07" in desktop.url
    frame.wait_for_function(MAP_STILL_JS, timeout=30000)
    kept = frame.evaluate(VIEW_JS)
    desktop.locator("body").press("Escape")
    desktop.locator(".st-key-walk_start button").wait_for(timeout=30000)
    driver.wait_idle(desktop)
    assert frame.evaluate(VIEW_JS) == kept and "step=" not in desktop.url


def test_play_draws_successive_days_in_the_browser_with_no_server_message(desktop, app_url):
    sent = []
    desktop.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    desktop.goto(f"{app_url}/?date=2020-02-01")
    frame = map_frame(desktop)
    driver.wait_idle(desktop)
    frame.wait_for_function("() => window.mapappStory && window.mapappStory.ready", timeout=30000)
    first = frame.evaluate("() => window.mapappStory.currentDay()")
    before = len(sent)
    frame.locator(".mapapp-play-button").click()
    frame.wait_for_function("() => window.mapappStory.stats.playedDays >= 6", timeout=30000)
    shown = frame.locator(".mapapp-date").inner_text()
    assert len(sent) == before  # six days drawn, not one message to the server
    day = frame.evaluate("() => window.mapappStory.currentDay()")
    assert day >= first + 6 and shown.startswith("As of ")
    frame.locator(".leaflet-container").click(position={"x": 200, "y": 200})  # any interaction pauses
    frame.wait_for_function("() => window.mapappStory.playing === false", timeout=30000)
    paused_on = events.day_to_date(frame.evaluate("() => window.mapappStory.currentDay()"))
    desktop.wait_for_url(f"**date={paused_on.isoformat()}**", timeout=30000)  # the final date is in the permalink
    # (the click landed on Idlib province: it is selected too, through the same channel)


def test_comparing_two_dates_swipes_the_map_and_lists_saraqeb_from_government_to_opposition(desktop, app_url):
    desktop.goto(f"{app_url}/?date=2020-02-27&compare=2020-02-10")
    map_frame(desktop)
    frame = map_frame(desktop, "() => window.mapappStory && window.mapappStory.compare")
    # The same view, two dates: Saraqeb in the government's colour left of the divider, the opposition's right of it.
    colours = frame.evaluate("""() => { const s = window.mapappStory, main = s.features['saraqeb'].layer.options;
        const clone = s.compare.clones['saraqeb'].options; return [clone.color, clone.fillColor, main.fillColor]; }""")
    assert SHIPPED.sides["government"].colour in colours[:2] and colours[2] == SHIPPED.sides["opposition"].colour
    assert frame.locator(".mapapp-swipe-left").inner_text() == "10 Feb 2020"
    assert frame.locator(".mapapp-swipe-right").inner_text() == "27 Feb 2020"
    clip_before = frame.evaluate("() => window.mapappStory.compare.pane.style.clip")
    handle = frame.locator(".mapapp-swipe").bounding_box()
    desktop.mouse.move(handle["x"] + 2, handle["y"] + 200)
    desktop.mouse.down()
    desktop.mouse.move(handle["x"] - 150, handle["y"] + 200, steps=5)
    desktop.mouse.up()
    assert frame.evaluate("() => window.mapappStory.compare.pane.style.clip") != clip_before  # the swipe moved
    ARTIFACTS.mkdir(exist_ok=True)
    desktop.screenshot(path=str(ARTIFACTS / "compare-swipe.png"))
    entry = desktop.locator('[class*="st-key-compare_"] button', has_text="Saraqeb: government → opposition")
    entry.first.wait_for(timeout=30000)
    entry.first.click()
    desktop.wait_for_url("**place=saraqeb**", timeout=30000)


SARAQEB_HELD_BY_GOVERNMENT = (
    "() => { let ok = false; window.map.eachLayer(l => { if (l.feature && l.feature.id === 'saraqeb'"
    f" && [l.options.fillColor, l.options.color].includes({json.dumps(SHIPPED.sides['government'].colour)})) ok = true; }});"
    " return ok; }"
)


def test_the_pages_checkbox_and_date_act_on_the_map_before_the_server_answers(browser, app_url):
    """The server's answers are held back from the page: a layer checkbox still hides its layer and a new
    date still recolours Saraqeb, so both are done in the browser. Released, the answers agree with the map."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    hold: dict = {"on": False, "held": [], "page": None}

    def route(ws):
        server = ws.connect_to_server()
        hold["page"] = ws
        server.on_message(lambda message: hold["held"].append(message) if hold["on"] else ws.send(message))

    context.route_web_socket(re.compile(r"/_stcore/stream$"), route)
    pg = context.new_page()
    try:
        pg.goto(app_url)
        frame = map_frame(pg)
        driver.wait_idle(pg)
        assert not frame.evaluate(SARAQEB_HELD_BY_GOVERNMENT)  # 27 Feb: the opposition's
        hold["on"] = True
        toggle = pg.locator('[data-testid="stCheckbox"]').filter(has_text=SHIPPED.layers["highways"].short_label)
        toggle.click()
        frame.wait_for_function(driver.lacks_features_js(["m4", "m5"]), timeout=10000)
        driver.open_date_calendar(pg, 10).click()  # 10 Feb 2020: Saraqeb held by the government
        frame.wait_for_function(SARAQEB_HELD_BY_GOVERNMENT, timeout=10000)
        assert hold["held"], "the page sent no rerun, or the server never answered it"
        # Released in order: the app's answers agree with what the map already shows.
        hold["on"] = False
        for message in hold["held"]:
            hold["page"].send(message)
        driver.wait_idle(pg)
        pg.wait_for_url("**date=2020-02-10**", timeout=30000)
        assert frame.evaluate(driver.lacks_features_js(["m4", "m5"])) and frame.evaluate(SARAQEB_HELD_BY_GOVERNMENT)
        assert toggle.locator("input").is_checked() is False
    finally:
        context.close()


def test_a_click_on_the_map_reaches_the_app_without_streamlit_folium_s_debounce(page, app_url):
    """streamlit-folium reports a click after a 250 ms debounce (a setTimeout). With every timer of 200 ms or
    more held in the map's frame, a click on Saraqeb still selects it: the app sends the click itself."""
    page.goto(app_url)
    frame = map_frame(page)
    driver.wait_idle(page)
    frame.evaluate(
        """() => { const real = window.setTimeout; window.__heldTimers = 0;
            window.setTimeout = function (fn, ms) { if (ms >= 200) { window.__heldTimers++; return 0; }
                return real.apply(window, arguments); }; }"""
    )
    click_feature(page, frame, "saraqeb")
    page.locator("p.passage", has_text="loss is a big setback").locator("mark").first.wait_for(timeout=30000)
    assert frame.evaluate("() => window.__heldTimers") >= 1  # the debounced report was among the held timers


def test_after_a_server_restart_the_first_toggle_applies_and_a_lost_upload_is_announced(browser, tmp_path):
    """SIGKILL the server under an open page, start it again on the same port: the page reconnects to a
    new session, its first toggle (a rerun of the map's fragment, unknown to that session) applies, the
    upload that lived in the old server's memory is said to be lost, and the map keeps the reader's view."""
    import signal

    upload = tmp_path / "mine.csv"
    upload.write_text(synthetic.events_csv(synthetic.synthetic_events(50, seed=2)), encoding="utf-8")
    server = driver.start_app()
    port = server.port
    try:
        context = browser.new_context(viewport={"width": 1500, "height": 1000})
        pg = context.new_page()
        sockets: list = []
        pg.on("websocket", lambda ws: sockets.append(ws))
        pg.goto(server.url)
        map_frame(pg, READY)
        pg.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(str(upload))
        pg.get_by_text("50 rows, 50 drawn", exact=False).first.wait_for(timeout=60000)
        driver.wait_idle(pg)
        # The reader's own view, away from the story's: it must survive the restart.
        map_frame(pg, READY).evaluate("() => window.map.setView([35.95, 36.55], 12, {animate: false})")
        view_js = "() => [window.map.getZoom(), window.map.getCenter().lat, window.map.getCenter().lng]"
        assert map_frame(pg, READY).evaluate(view_js) == pytest.approx([12, 35.95, 36.55], abs=1e-4)
        os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait(timeout=30)
        server = driver.start_app(port=port)
        # The page reconnects by itself (Streamlit's client retries with a back-off of up to ~30 s): a second
        # websocket. Polled (Playwright delivers the event while the page is driven), with a deadline.
        deadline = time.monotonic() + 90
        while len(sockets) < 2 and time.monotonic() < deadline:
            pg.wait_for_timeout(100)
        assert len(sockets) >= 2, "the page did not reconnect within 90 s"
        driver.wait_idle(pg)
        toggle = pg.locator('[data-testid="stCheckbox"]').filter(has_text=SHIPPED.layers["highways"].short_label)
        # The map is replaced (its lost dataset is gone) during these reruns: each check finds the live frame.
        without_highways = f"() => ({driver.has_features_js(['saraqeb'])})() && ({driver.lacks_features_js(['m4', 'm5'])})()"
        # Where the toggles row sits while the map is replaced: a new map was st_folium's 700 px until it
        # loaded, and the row jumped 170 px up and back under the pointer (page.css holds the map's slot).
        pg.evaluate(
            """() => { window.toggleTops = [];
            const row = () => document.querySelector('.st-key-layer_toggles').getBoundingClientRect().top;
            new MutationObserver(() => window.toggleTops.push(row())).observe(document.body,
                {subtree: true, childList: true, attributes: true}); window.toggleTops.push(row()); }"""
        )
        toggle.click()  # the first interaction after the restart
        map_frame(pg, without_highways)
        # The lost upload's map is replaced by one without it: once that is done, the next click.
        pg.get_by_text("mine.csv was lost when the server restarted", exact=False).first.wait_for(timeout=30000)
        driver.wait_idle(pg)
        tops = pg.evaluate("window.toggleTops")
        assert max(tops) - min(tops) < 20, f"the toggles jumped while the map was replaced: {min(tops)}..{max(tops)} px"
        toggle.click()  # and the next
        map_frame(pg, driver.has_features_js(["saraqeb", "m4", "m5"]))
        driver.wait_idle(pg)
        # The lost dataset's map was replaced by one without it (a new frame): it opens where the reader was.
        # (to within a pixel: Leaflet settles the centre by a fraction of one when a frame gets its height)
        assert map_frame(pg, READY).evaluate(view_js) == pytest.approx([12, 35.95, 36.55], abs=3e-4)
        context.close()
    finally:
        stop_app(server)


def test_layer_toggles_clicked_while_the_server_is_away_are_held_said_and_applied_when_it_is_back(browser):
    """Streamlit disables every widget while its server is away, and a click on a disabled checkbox did
    nothing and said nothing: the clicks are held (held-toggles.js), said in a status line, and applied once."""
    import signal

    server = driver.start_app()
    port = server.port
    try:
        pg = browser.new_context(viewport={"width": 1500, "height": 1000}).new_page()
        sockets: list = []
        pg.on("websocket", lambda ws: sockets.append(ws))
        pg.goto(server.url)
        map_frame(pg, READY)
        driver.wait_idle(pg)
        label = SHIPPED.layers["highways"].short_label
        toggle = pg.locator('[data-testid="stCheckbox"]').filter(has_text=label)
        os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait(timeout=30)
        toggle.locator("input").wait_for(state="attached")
        pg.wait_for_function(
            "() => document.querySelector('.st-key-layer_highways input').disabled", timeout=30000
        )  # the page knows its server is gone
        for _ in range(3):  # an odd number of clicks: the layer is switched off once the server is back
            toggle.click()
        status = pg.locator(".mapapp-held")
        status.wait_for(timeout=10000)
        assert f"{label} will switch when it is back" in status.inner_text()
        pg.screenshot(path=str(ARTIFACTS / "restart-held-toggle.png"))
        server = driver.start_app(port=port)
        deadline = time.monotonic() + 90
        while len(sockets) < 2 and time.monotonic() < deadline:
            pg.wait_for_timeout(100)
        assert len(sockets) >= 2, "the page did not reconnect within 90 s"
        map_frame(pg, f"() => ({driver.has_features_js(['saraqeb'])})() && ({driver.lacks_features_js(['m4', 'm5'])})()")
        status.wait_for(state="detached", timeout=10000)
        driver.wait_idle(pg)
        assert not toggle.locator("input").is_checked() and "highways" not in pg.url.split("layers=")[1].split("&")[0]
    finally:
        stop_app(server)


def _held_toggles_frame(session: str) -> str:
    script = (settings.STATIC_DIR / "mapapp" / "held-toggles.js").read_text(encoding="utf-8")
    keys = f'data-toggles="{settings.KEY_TOGGLES}" data-prefix="{settings.KEY_LAYER_PREFIX}" data-session="{session}"'
    return f"<script {keys}>{script}</script>"


def _held_toggles_page(browser, server_sets_back: int):
    """A stand-in for the app's page around held-toggles.js: one layer toggle, disabled (the server is away).

    When the toggle is clicked, a simulated run starts (Streamlit's status widget shows); when it ends, the
    simulated server sets the toggle back for the first ``server_sets_back`` clicks. Each click records
    whether a run was going and whether the frame had been replaced by a new session's (``window.replaced``)."""
    key = settings.KEY_LAYER_PREFIX + "highways"
    pg = browser.new_page()
    pg.set_content(
        f"""<div class="st-key-{settings.KEY_TOGGLES}"><div class="st-key-{key}"><div data-testid="stCheckbox">
        <label><input type="checkbox" checked disabled><span>M4 / M5</span></label></div></div></div>
        <iframe id="held"></iframe>"""
    )
    pg.evaluate(
        """([frame, setsBack]) => {
            window.clicks = [];
            window.replaced = false;
            const input = document.querySelector("input");
            let left = setsBack;
            input.addEventListener("click", () => {
                if (input.disabled) return;
                window.clicks.push([!!document.querySelector("[data-testid='stStatusWidget']"), window.replaced]);
                const status = document.createElement("div");
                status.setAttribute("data-testid", "stStatusWidget");
                document.body.appendChild(status);
                setTimeout(() => { status.remove(); if (left > 0) { left -= 1; input.checked = true; } }, 400);
            });
            document.getElementById("held").srcdoc = frame;
        }""",
        [_held_toggles_frame("first"), server_sets_back],
    )
    pg.wait_for_function("() => window.mapappHeldToggles !== undefined")
    return pg


def _click_disabled_toggle(pg, times: int) -> None:
    for _ in range(times):  # a real click on a disabled checkbox's box: the event still reaches the page
        pg.evaluate(
            "() => document.querySelector('[data-testid=stCheckbox]').dispatchEvent(new MouseEvent('click', {bubbles: true}))"
        )


def test_a_held_toggle_ends_as_the_reader_asked_even_when_a_run_sets_it_back(browser):
    """The held state is what the reader asked for: a toggle is clicked only when no run is going, and
    clicked again when a run sets it back."""
    pg = _held_toggles_page(browser, server_sets_back=1)
    _click_disabled_toggle(pg, 3)
    assert "M4 / M5 will switch when it is back" in pg.locator(".mapapp-held").inner_text()
    assert pg.locator("input").is_checked()  # held, not applied: the server is away
    # The same session is back and a run is going.
    pg.evaluate(
        """() => { const s = document.createElement("div"); s.setAttribute("data-testid", "stStatusWidget");
        document.body.appendChild(s); document.querySelector("input").disabled = false;
        setTimeout(() => s.remove(), 600); }"""
    )
    pg.wait_for_function("() => window.clicks.length === 2 && !document.querySelector('.mapapp-held')", timeout=15000)
    assert not pg.locator("input").is_checked()
    assert pg.evaluate("window.clicks") == [[False, False], [False, False]]  # never while a run was going
    pg.close()


def test_after_a_restart_the_new_sessions_frame_applies_what_the_old_one_held(browser):
    """After a restart the held click is applied by the frame the new session's first run puts on the page (a
    new session token), once that run is over, not while it is going; and only once."""
    pg = _held_toggles_page(browser, server_sets_back=0)
    _click_disabled_toggle(pg, 1)
    pg.evaluate(
        """(frame) => { const s = document.createElement("div"); s.setAttribute("data-testid", "stStatusWidget");
        document.body.appendChild(s); document.querySelector("input").disabled = false;
        setTimeout(() => { window.replaced = true; document.getElementById("held").srcdoc = frame; s.remove(); }, 800); }""",
        _held_toggles_frame("second"),
    )
    pg.wait_for_function("() => window.clicks.length === 1 && !document.querySelector('.mapapp-held')", timeout=15000)
    assert not pg.locator("input").is_checked()
    assert pg.evaluate("window.clicks") == [[False, True]]
    pg.close()


def test_a_held_toggle_the_server_keeps_setting_back_is_said_not_dropped(browser):
    pg = _held_toggles_page(browser, server_sets_back=100)
    _click_disabled_toggle(pg, 1)
    pg.evaluate("() => { document.querySelector('input').disabled = false; }")
    pg.wait_for_function(
        "() => /could not be switched/.test((document.querySelector('.mapapp-held') || {}).textContent)", timeout=30000
    )
    assert pg.locator(".mapapp-held").inner_text().startswith("M4 / M5 could not be switched after the restart")
    assert len(pg.evaluate("window.clicks")) == 5
    pg.close()


# --- the published static site (python -m mapapp publish) -----------------------------------------

SITE_READY = "() => window.mapappSite && window.mapappSite.ready && window.mapappStory.ready && !window.map._animatingZoom"


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    """The shipped story published, served by `python -m http.server` (the README's way to try a site)."""
    from mapapp.render.publish import publish_site
    from mapapp.story.model import load_story

    out = publish_site(load_story(settings.DEFAULT_DATA_DIR), tmp_path_factory.mktemp("site") / "site").out
    port = driver.free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://localhost:{port}"
    driver.wait_for_http(url)
    yield url
    server.terminate()
    server.wait(timeout=10)


def site_page(browser, url: str, viewport=(1440, 900)):
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    pg = context.new_page()
    pg.outside, pg.dialogs = [], []
    pg.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else (pg.outside.append(r.request.url), r.abort()))
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    return context, pg


def test_the_site_draws_the_map_and_a_click_on_saraqeb_shows_its_passage(browser, site_url):
    context, pg = site_page(browser, site_url)
    pg.goto(site_url)
    pg.wait_for_function(SITE_READY, timeout=30000)
    assert {"saraqeb", "al-bara", "baliun", "m4", "m5"} <= set(pg.evaluate(driver.feature_ids_js()))
    driver.click_in_map(pg, driver.feature_point(pg, "saraqeb"), container=".site-map .folium-map")
    passage = pg.locator("#site-place p.passage", has_text="Saraqeb’s loss is a big setback")
    passage.locator("mark").first.wait_for(timeout=10000)
    assert "place=saraqeb" in pg.url  # the permalink follows
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "site-desktop-1440x900.png"))
    # a passage → its places: the Article tab's button moves the map to them and lists them
    pg.locator("#tab-article").click()
    pg.locator("#site-article button").nth(15).click()
    pg.locator(".site-found", has_text="al-Bara").wait_for(timeout=10000)
    assert pg.outside == [] and pg.dialogs == []  # zero requests left the server
    context.close()


LEGEND_SHOWN_JS = """() => [...document.querySelectorAll('.mapapp-legend [data-layer]')]
    .filter(b => b.getClientRects().length > 0).map(b => b.getAttribute('data-layer'))"""


def test_the_app_legend_explains_only_what_is_in_view(desktop, app_url):
    """The map's frame hides the page's legend blocks whose layer draws nothing in its view."""
    desktop.goto(app_url)
    frame = map_frame(desktop)
    driver.wait_idle(desktop)
    legend = f"() => [...new Set(({LEGEND_SHOWN_JS})())]"
    desktop.wait_for_function(f"() => ({legend})().includes('posts')", timeout=30000)
    at_story = set(desktop.evaluate(legend))
    view = frame.evaluate("() => [window.map.getCenter().lat, window.map.getCenter().lng, window.map.getZoom()]")
    frame.evaluate("() => window.map.setView([29.3, 47.9], 11, {animate: false})")
    desktop.wait_for_function(f"() => !({legend})().includes('posts')", timeout=10000)
    assert "highways" not in desktop.evaluate(legend)
    frame.evaluate(f"() => window.map.setView([{view[0]}, {view[1]}], {view[2]}, {{animate: false}})")
    desktop.wait_for_function(f"() => ({legend})().length === {len(at_story)}", timeout=10000)
    assert set(desktop.evaluate(legend)) == at_story


def test_the_site_legend_explains_only_what_is_in_view(browser, site_url):
    """Move the map to where the story draws nothing and back: the legend's blocks follow the view."""
    context, pg = site_page(browser, site_url)
    pg.goto(site_url)
    pg.wait_for_function(SITE_READY, timeout=30000)
    at_story = set(pg.evaluate(LEGEND_SHOWN_JS))
    assert {"places", "highways", "posts"} <= at_story
    pg.evaluate("() => window.map.setView([29.3, 47.9], 11, {animate: false})")  # the far corner of the region
    pg.wait_for_function(f"() => ({LEGEND_SHOWN_JS})().length < {len(at_story)}", timeout=10000)
    away = set(pg.evaluate(LEGEND_SHOWN_JS))
    assert "posts" not in away and "highways" not in away
    assert "Only what is in view" in pg.locator(".mapapp-legend-note").inner_text()
    pg.evaluate("() => window.map.setView([35.75, 36.62], 10, {animate: false})")
    pg.wait_for_function(f"() => ({LEGEND_SHOWN_JS})().length === {len(at_story)}", timeout=10000)
    assert set(pg.evaluate(LEGEND_SHOWN_JS)) == at_story
    context.close()


MAP_TEXT_JS = """() => [...document.querySelectorAll('.mapapp-label, .mapapp-callout, .mapapp-shield, .mapapp-area')]
    .filter(e => e.style.display !== 'none' && e.offsetWidth > 0)
    .map(e => { const r = e.getBoundingClientRect();
        return {kind: e.className.split(' ')[0], text: e.textContent, x: r.left, y: r.top, w: r.width, h: r.height}; })"""


def _map_text(pg) -> list[dict]:
    return pg.evaluate(MAP_TEXT_JS)


def test_the_first_view_says_what_happened_and_names_roads_and_regions(browser, site_url):
    context, pg = site_page(browser, site_url)
    pg.goto(site_url)
    pg.wait_for_function(SITE_READY, timeout=30000)
    texts = _map_text(pg)
    by_kind: dict[str, set[str]] = {}
    for t in texts:
        by_kind.setdefault(t["kind"], set()).add(t["text"])
    assert any("33 Turkish troops killed" in t for t in by_kind["mapapp-callout"])  # the story's main event, in words
    assert {"M4", "M5"} <= by_kind["mapapp-shield"]  # the roads, named on their lines
    assert {"Syria", "Idlib"} <= by_kind["mapapp-area"]  # where this is
    assert _overlapping(texts) == []
    leaders = pg.evaluate("() => document.querySelectorAll('.mapapp-leaders line').length")
    assert leaders == len(by_kind["mapapp-callout"])  # each callout has its line to its feature
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "site-first-view-1440x900.png"))
    layouts = pg.evaluate("() => window.mapappStory.stats.labelLayouts")
    pg.evaluate("() => window.map.zoomOut()")
    pg.wait_for_function(f"() => window.mapappStory.stats.labelLayouts > {layouts} && !window.map._animatingZoom", timeout=30000)
    zoomed_out = _map_text(pg)
    assert _overlapping(zoomed_out) == [] and any(t["kind"] == "mapapp-shield" for t in zoomed_out)
    context.close()


def test_a_second_story_names_its_own_road_and_writes_its_own_callout(browser, tmp_path):
    """Nothing of the shipped story is wired in: the fictional second story's road and callout, from its data."""
    from mapapp.render.chromium import serve_folder
    from mapapp.render.publish import publish_site
    from mapapp.story.model import load_story

    from .second_story import write_second_story

    story = load_story(write_second_story(tmp_path / "second"))
    site = publish_site(story, tmp_path / "site")
    with serve_folder(site.out) as url:
        context, pg = site_page(browser, url)
        pg.goto(url)
        pg.wait_for_function(SITE_READY, timeout=30000)
        texts = _map_text(pg)
        by_kind: dict[str, set[str]] = {}
        for t in texts:
            by_kind.setdefault(t["kind"], set()).add(t["text"])
        assert "Northern Guard takes Dolvik" in by_kind.get("mapapp-callout", set())
        assert "V1" in by_kind.get("mapapp-shield", set())
        assert _overlapping(texts) == []
        pg.screenshot(path=str(ARTIFACTS / "second-story-site-1440x900.png"))
        context.close()


def test_a_crowded_window_is_drawn_as_a_density_grid_and_points_come_back_on_zoom(browser, tmp_path):
    """Past 20,000 events in view the layer draws counts per cell (a click says how many); zoomed in, points."""
    from mapapp.render.chromium import serve_folder
    from mapapp.render.publish import publish_site
    from mapapp.story.model import load_story

    csv_path = synthetic.write_events_csv(tmp_path / "many.csv", 60_000, seed=4)
    site = publish_site(load_story(settings.DEFAULT_DATA_DIR), tmp_path / "site", events_csv=csv_path)
    with serve_folder(site.out) as url:
        context, pg = site_page(browser, url)
        pg.goto(url)
        pg.wait_for_function("() => window.mapappEvents && window.mapappEvents.stats.draws > 0", timeout=30000)
        pg.evaluate("() => { const e = window.mapappEvents; e.setFilter({from: null, to: e._m.lastDay, types: null}); }")
        pg.wait_for_function("() => window.mapappEvents._grid !== null", timeout=10000)
        stats = pg.evaluate("() => window.mapappEvents.stats")
        assert stats["drawn"] > 20_000 and stats["gridCells"] > 10
        assert stats["drawMs"] < 100, stats["drawMs"]  # the aggregated redraw stays interactive
        assert "density grid" in pg.locator(".mapapp-events-status").inner_text()
        counted = pg.evaluate(
            """() => { const g = window.mapappEvents._grid, size = window.map.getSize(), marks = [];
              window.map.eachLayer(l => { if (l.feature && l.getLatLng) marks.push(window.map.latLngToContainerPoint(l.getLatLng())); });
              let best = null;  // a cell with events, away from the story's markers (a marker's click is the place's)
              g.counts.forEach((n, i) => {
                const x = g.x + (i % g.gw + 0.5) * g.px, y = g.y + (Math.floor(i / g.gw) + 0.5) * g.px;
                if (!n || x < 60 || y < 60 || x > size.x - 60 || y > size.y - 60) return;
                const away = Math.min(...marks.map(m => Math.hypot(m.x - x, m.y - y)), 1e9);
                const box = window.map.getContainer().getBoundingClientRect();
                const under = document.elementFromPoint(box.left + x, box.top + y);
                if (under && under.closest('.leaflet-interactive, .leaflet-control, .mapapp-callout, .mapapp-label')) return;
                if (away > 25 && (!best || n > best.n)) best = {n, x, y};
              });
              return best; }"""
        )
        driver.click_in_map(pg, counted, container=".site-map .folium-map")
        pg.locator(".leaflet-popup .mapapp-event-count").filter(has_text=f"{counted['n']:,} events in this cell").wait_for(
            timeout=5000
        )
        point = pg.evaluate("() => window.mapappEvents.pointOf(window.mapappEvents.inView(1, 40)[0])")
        pg.evaluate(
            f"() => window.map.setView(window.map.containerPointToLatLng([{point['x']}, {point['y']}]), 16, {{animate: false}})"
        )
        pg.wait_for_function("() => window.mapappEvents._grid === null && window.mapappEvents.stats.drawn > 0", timeout=10000)
        context.close()


def test_a_drafted_story_writes_its_own_callouts_on_the_map(browser, tmp_path):
    """`mapapp new` on a test article, published: its drafted callouts are on the map, in its own words."""
    from mapapp import draft
    from mapapp.render.chromium import serve_folder
    from mapapp.render.publish import publish_site
    from mapapp.story.model import load_story

    text = (Path(__file__).parent / "articles" / "kherson-2022.txt").read_text(encoding="utf-8")
    draft.write_draft(draft.draft_story(text), tmp_path / "draft")
    story = load_story(tmp_path / "draft")
    assert story.manifest.callouts
    site = publish_site(story, tmp_path / "site")
    with serve_folder(site.out) as url:
        context, pg = site_page(browser, url)
        pg.goto(f"{url}/?date={story.manifest.events_date}")
        pg.wait_for_function(SITE_READY, timeout=30000)
        texts = _map_text(pg)
        shown = {t["text"] for t in texts if t["kind"] == "mapapp-callout"}
        assert shown and shown <= {c.text for c in story.manifest.callouts}
        assert _overlapping(texts) == []
        pg.screenshot(path=str(ARTIFACTS / "drafted-site-1440x900.png"))
        context.close()


def test_every_walk_step_shows_where_it_is_without_overlaps(browser, site_url):
    context, pg = site_page(browser, site_url)
    pg.goto(site_url)
    pg.wait_for_function(SITE_READY, timeout=30000)
    steps = pg.evaluate("() => window.MAPAPP_SITE.walk.map(s => s.passage)")[:10]
    assert len(steps) == 10
    for number, passage in enumerate(steps, start=1):
        pg.goto(f"{site_url}/?step={passage}")
        pg.wait_for_function(SITE_READY, timeout=30000)
        texts = _map_text(pg)
        named = [t for t in texts if t["kind"] in ("mapapp-label", "mapapp-callout", "mapapp-area")]
        areas = [t for t in named if t["kind"] == "mapapp-area"]
        assert len(named) >= 3 or (areas and len(named) >= 2), (passage, named)  # never a dot on an empty map
        assert _overlapping(texts) == [], passage
        if number <= 5:
            pg.screenshot(path=str(ARTIFACTS / f"site-walk-step-{number}.png"))
    context.close()


def test_a_place_known_only_roughly_is_shown_with_its_whole_circle_of_uncertainty(browser, site_url):
    """A selected place zooms in close (zoom 13), but never closer than its position is known: Jabal al-Zawiya's
    point is approximate within 15 km, so the view holds the whole circle."""
    context, pg = site_page(browser, site_url)
    for place in ("jabal-al-zawiya", "sheer-maghar", "saraqeb"):
        pg.goto(f"{site_url}/?place={place}")
        pg.wait_for_function(SITE_READY, timeout=30000)
        inside = pg.evaluate(
            """(id) => { const f = mapappStory.features[id], view = map.getBounds();
            return f.circle ? view.contains(f.circle.getLatLng().toBounds(2 * f.circle.getRadius())) : null; }""",
            place,
        )
        assert inside is (None if place == "saraqeb" else True), place
    context.close()


def test_the_site_compares_two_dates_with_the_swipe_and_the_list_in_human_dates(browser, site_url):
    context, pg = site_page(browser, site_url)
    pg.goto(f"{site_url}/?date=2020-02-27&compare=2020-02-10")
    pg.wait_for_function(SITE_READY + " && window.mapappStory.compare", timeout=30000)
    assert pg.locator("#site-date-text").inner_text() == "27 Feb 2020"  # not the browser's 02/27/2020
    assert pg.locator("#site-compare-text").inner_text() == "10 Feb 2020"
    assert pg.locator(".mapapp-swipe-left").inner_text() == "10 Feb 2020"
    entry = pg.locator("#site-changes button", has_text="Saraqeb: government → opposition")
    entry.click()
    pg.wait_for_url("**place=saraqeb**", timeout=10000)
    assert "compare=2020-02-10" in pg.url
    pg.locator("#site-compare-off").click()
    pg.wait_for_function("() => !window.mapappStory.compare || !window.mapappStory.compare.pane", timeout=10000)
    assert "compare=" not in pg.url
    with pg.expect_response("**/favicon.svg") as favicon:
        pg.evaluate("() => fetch('favicon.svg')")
    assert favicon.value.status == 200
    context.close()


@pytest.mark.parametrize("width", [360, 768, 1280])
def test_the_embed_snippet_shows_the_map_at_its_content_height(browser, site_url, width):
    from urllib.request import urlopen

    with urlopen(f"{site_url}/embed.html") as response:
        snippet = response.read().decode("utf-8")
    context, pg = site_page(browser, site_url, viewport=(width, 900))
    article = f"<!DOCTYPE html><html><body><h1>An article</h1><p>Text before the map.</p>{snippet}<p>After.</p></body></html>"
    pg.route(f"{site_url}/article.html", lambda r: r.fulfill(status=200, content_type="text/html", body=article))
    pg.goto(f"{site_url}/article.html")
    frame = pg.frame_locator(".mapapp-embed iframe")
    frame.locator("#site-description").wait_for(timeout=30000)
    pg.wait_for_function(
        "() => { const f = document.querySelector('.mapapp-embed iframe'); const d = f.contentDocument;"
        " return d && Math.abs(f.getBoundingClientRect().height - d.documentElement.scrollHeight) <= 2; }",
        timeout=30000,
    )  # the frame took its content's height: no scroll bar inside it
    box = pg.locator(".mapapp-embed iframe").bounding_box()
    assert box["width"] >= width - 40 and box["height"] >= 320
    pg.screenshot(path=str(ARTIFACTS / f"embed-{width}.png"))
    assert pg.outside == []
    context.close()


def test_site_permalinks_with_reserved_names_find_nothing_and_break_nothing(browser, site_url):
    context, pg = site_page(browser, site_url)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    for name in ("constructor", "__proto__", "hasOwnProperty", "toString", "valueOf"):
        pg.goto(f"{site_url}/?place={name}&passage={name}&step={name}")
        pg.wait_for_function(SITE_READY, timeout=30000)
        assert f"place={name}" not in pg.url and f"passage={name}" not in pg.url  # treated as no selection
        body = pg.locator("body").inner_text()
        assert "native code" not in body and "[object" not in body and "undefined" not in body
        description = pg.locator("#site-description").text_content() or ""
        assert description.startswith("As of") or len(description) > 40, description
        assert "function" not in description and "[object" not in description
    assert errors == []
    context.close()


@pytest.mark.parametrize("day, holder", [("2020-02-10", "government"), ("2020-02-27", "opposition")])
def test_the_site_permalink_sets_place_and_date(browser, site_url, day, holder):
    context, pg = site_page(browser, site_url)
    pg.goto(f"{site_url}/?place=saraqeb&date={day}")
    pg.wait_for_function(SITE_READY, timeout=30000)
    assert pg.locator("#site-place .site-holder").inner_text() == f"held by {holder}"
    assert pg.input_value("#site-date") == day
    assert pg.evaluate("() => window.map.getZoom()") == settings.SELECTED_ZOOM
    assert pg.outside == []
    context.close()


def test_a_site_toggle_hides_the_highways(browser, site_url):
    context, pg = site_page(browser, site_url)
    pg.goto(site_url)
    pg.wait_for_function(SITE_READY, timeout=30000)
    pg.locator('#site-toggles input[data-layer="highways"]').uncheck()
    pg.wait_for_function(driver.lacks_features_js(["m4", "m5"]), timeout=10000)
    assert "saraqeb" in pg.evaluate(driver.feature_ids_js())
    assert "layers=" in pg.url and "highways" not in pg.url.split("layers=")[1].split("&")[0]
    context.close()


def test_the_site_on_a_phone_and_its_accessibility(browser, site_url):
    context, pg = site_page(browser, site_url, viewport=(390, 844))
    pg.goto(f"{site_url}/?place=saraqeb")
    pg.wait_for_function(SITE_READY, timeout=30000)
    box = pg.locator(".site-map").bounding_box()
    assert box["width"] >= 370 and box["height"] >= 0.45 * 844  # map first, full width
    assert pg.evaluate("() => document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    pg.screenshot(path=str(ARTIFACTS / "site-phone-390x844.png"))
    serious = [v for v in driver.axe_violations(pg) if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
    context.close()


def test_on_a_phone_the_walk_step_is_a_caption_on_the_map(browser, site_url):
    context, pg = site_page(browser, site_url, viewport=(390, 844))
    pg.goto(f"{site_url}/?step=p02")
    pg.wait_for_function(SITE_READY, timeout=30000)
    caption = pg.locator(".site-step-caption")
    caption.wait_for(state="visible", timeout=5000)
    assert caption.inner_text().startswith("2/") and "fatalities" in caption.inner_text()
    box, frame = caption.bounding_box(), pg.locator(".site-map").bounding_box()
    assert frame["y"] <= box["y"] and box["y"] + box["height"] <= frame["y"] + frame["height"]  # on the map
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    others = pg.evaluate(
        "() => [...document.querySelectorAll('.leaflet-control')].filter(c => !c.classList.contains('site-step-caption'))"
        ".map(c => c.getBoundingClientRect()).filter(r => r.width).map(r => ({x: r.x, y: r.y, w: r.width, h: r.height}))"
    )
    covered = [
        o
        for o in others
        if o["x"] < box["x"] + box["width"]
        and box["x"] < o["x"] + o["w"]
        and o["y"] < box["y"] + box["height"]
        and box["y"] < o["y"] + o["h"]
    ]
    assert covered == []  # no control covers the step's words
    pg.screenshot(path=str(ARTIFACTS / "site-phone-walk-step-2.png"))
    pg.locator("body").press("Escape")
    caption.wait_for(state="hidden", timeout=5000)  # gone with the walk
    context.close()
    context, pg = site_page(browser, site_url)  # wide screens: the panel beside the map says it
    pg.goto(f"{site_url}/?step=p02")
    pg.wait_for_function(SITE_READY, timeout=30000)
    assert not pg.locator(".site-step-caption").is_visible()
    context.close()


def test_on_a_phone_a_tap_on_a_place_shows_who_holds_it_and_tooltips_stay_on_screen(browser, site_url):
    context, pg = site_page(browser, site_url, viewport=(390, 844))
    pg.goto(f"{site_url}/?date=2020-02-27")
    pg.wait_for_function(SITE_READY, timeout=30000)
    point = driver.feature_point(pg, "saraqeb")
    driver.click_in_map(pg, point, container=".site-map .folium-map")
    status = pg.locator("#site-place .site-status")
    status.wait_for(timeout=5000)
    pg.wait_for_function(
        "() => { const r = document.querySelector('#site-place .site-status').getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }",
        timeout=5000,
    )  # scrolled into view, who holds it first
    assert status.inner_text().startswith("As of 27 Feb 2020: held by") or "contested" in status.inner_text()
    assert "2020-02" not in pg.locator("#site-place").inner_text()  # dates as the map writes them
    pg.evaluate("() => window.scrollTo(0, 0)")
    outside = pg.evaluate(
        """() => {
          const out = [], box = document.querySelector('.site-map').getBoundingClientRect();
          for (const [id, f] of Object.entries(window.mapappStory.features)) {
            if (!f.layer._map || !f.layer.getLatLng || !window.map.getBounds().contains(f.layer.getLatLng())) continue;
            f.layer.openTooltip();
            const t = f.layer.getTooltip().getElement();
            if (t && t.textContent) {
              const r = t.getBoundingClientRect();
              if (r.left < 0 || r.right > window.innerWidth) out.push([id, Math.round(r.left), Math.round(r.right)]);
            }
            f.layer.closeTooltip();
          }
          return out;
        }"""
    )
    assert outside == []
    context.close()


def test_the_site_has_the_apps_timeline_and_a_click_moves_the_date_and_the_map(browser, site_url):
    from mapapp.render.viewmodel import timeline_view
    from mapapp.story.model import load_story

    entries = timeline_view(load_story(settings.DEFAULT_DATA_DIR))
    context, pg = site_page(browser, site_url)
    pg.goto(f"{site_url}/?date=2020-02-10")
    pg.wait_for_function(SITE_READY, timeout=30000)
    pg.locator("#tab-timeline").click()
    items = pg.locator("#site-timeline li button")
    assert items.count() == len(entries)  # the same entries as the app's tab, each once
    texts = items.all_inner_texts()
    assert len(set(texts)) == len(texts)
    target = next(e for e in entries if e["kind"] == "road" and e["date"] == "2020-03-02")
    button = items.filter(has_text=target["title"])
    assert "2 Mar 2020" in button.inner_text()  # the map's date format, not ISO
    button.click()
    pg.wait_for_function("() => new URLSearchParams(location.search).get('date') === '2020-03-02'", timeout=5000)
    assert pg.locator("#site-date-text").inner_text() == "2 Mar 2020"
    assert pg.locator("#site-timeline [aria-current=date]").count() >= 1  # the chosen day is marked
    pg.wait_for_function(
        "ids => ids.every(id => window.map.getBounds().intersects(window.mapappStory.features[id].layer.getBounds ?"
        " window.mapappStory.features[id].layer.getBounds() : L.latLngBounds([window.mapappStory.features[id].layer.getLatLng()])))",
        arg=target["places"],
        timeout=5000,
    )
    context.close()


def test_the_site_walks_through_the_story_with_the_keyboard(browser, site_url):
    context, pg = site_page(browser, site_url)
    pg.goto(site_url)
    pg.wait_for_function(SITE_READY, timeout=30000)
    pg.locator("#site-walk").click()
    step = pg.locator("#site-walk-panel .site-step")
    step.filter(has_text="Step 1 /").wait_for(timeout=10000)
    pg.locator("body").press("ArrowRight")
    step.filter(has_text="Step 2 /").wait_for(timeout=10000)
    assert "step=p02" in pg.url  # the permalink follows the walk
    pg.locator("body").press("Escape")
    pg.wait_for_function("() => document.getElementById('site-walk-panel').hidden", timeout=10000)
    assert "step=" not in pg.url
    context.close()


# --- the editor (python -m mapapp edit DIR) -------------------------------------------------------


def test_the_editor_places_an_unlocated_name_where_the_reader_clicks_the_map(browser, tmp_path):
    from mapapp import draft
    from mapapp.draft.gazetteer import load as load_gazetteer
    from mapapp.edit.operations import review_items
    from mapapp.edit.session import EditSession

    folder = tmp_path / "kherson"
    article = Path(__file__).parent / "articles" / "kherson-2022.txt"
    draft.write_draft(draft.draft_story(draft.read_article(article), gazetteer=load_gazetteer()), folder)
    unlocated = next(i for i in review_items(EditSession(folder).docs) if not i["placed"])
    server = driver.start_app([sys.executable, "-m", "mapapp", "edit", str(folder), "--port", "{port}"])
    try:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        pg = context.new_page()
        pg.goto(server.url)
        frame = driver.map_frame(pg)
        pg.get_by_text("To review:").wait_for(timeout=30000)
        box = pg.locator(MAP_FRAME).bounding_box()
        target = frame.evaluate(
            """() => { const r = window.map.getContainer().getBoundingClientRect(), x = r.width / 2, y = r.height / 2;
            const ll = window.map.containerPointToLatLng([x, y]); return {x: r.left + x, y: r.top + y, lat: ll.lat, lng: ll.lng}; }"""
        )  # the map's own idea of where the click lands
        clicked = {"lat": target["lat"], "lng": target["lng"]}
        pg.mouse.click(box["x"] + target["x"], box["y"] + target["y"])  # a click on the map
        pg.get_by_text("Last click on the map").wait_for(timeout=30000)
        button = pg.locator(f".st-key-place_{unlocated['id']} button")
        button.wait_for(timeout=30000)
        pg.wait_for_function(f"() => !document.querySelector('.st-key-place_{unlocated['id']} button').disabled", timeout=30000)
        button.click()
        pg.get_by_test_id("stAlertContentSuccess").get_by_text(f"placed {unlocated['name']}").wait_for(timeout=30000)
        ARTIFACTS.mkdir(exist_ok=True)
        driver.map_frame(pg, "() => window.map && document.querySelectorAll('.leaflet-interactive').length > 0")
        pg.screenshot(path=str(ARTIFACTS / "editor-1440x900.png"))
        feature = next(
            f for f in json.loads((folder / "places.geojson").read_text(encoding="utf-8"))["features"]
            if f["properties"]["id"] == unlocated["id"]
        )  # fmt: skip
        lon, lat = feature["geometry"]["coordinates"]
        assert abs(lat - clicked["lat"]) < 0.01 and abs(lon - clicked["lng"]) < 0.01  # where the click was
        assert "draft" not in feature["properties"]
        context.close()
    finally:
        server.stop()


def test_a_passage_shown_on_the_map_is_in_the_address_bar(desktop, app_url):
    desktop.goto(f"{app_url}/?passage=p01")
    map_frame(desktop)
    desktop.get_by_role("tab", name="Article").click()
    button = desktop.locator('[class*="st-key-passage_p16"] button').first
    button.click()
    desktop.wait_for_url("**passage=p16**", timeout=5000)  # within seconds, not "10 s later, or the previous one"
    desktop.get_by_text("Places in this passage").first.wait_for(timeout=10000)
    assert "passage=p16" in desktop.url


def test_a_site_whose_data_is_of_another_format_says_so_and_draws_nothing_wrong(browser, tmp_path):
    from mapapp import contract
    from mapapp.render.publish import publish_site
    from mapapp.render.snapshot import serve_folder
    from mapapp.story.model import load_story

    out = publish_site(load_story(settings.DEFAULT_DATA_DIR), tmp_path / "site").out
    view = next((out / "data").glob("view-*.js"))
    view.write_text(view.read_text(encoding="utf-8").replace(f'"format":{contract.VIEW},', '"format":999,', 1), encoding="utf-8")
    with serve_folder(out) as url:
        context, pg = site_page(browser, url)
        pg.goto(url)
        pg.locator("#site-description", has_text="reload the page").wait_for(timeout=30000)
        assert "format 999" in pg.locator("#site-description").inner_text()
        context.close()


def test_on_a_phone_the_title_is_on_screen_and_no_map_text_covers_a_control(browser, app_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.goto(app_url)
    frame = map_frame(pg)
    driver.wait_idle(pg)
    title = pg.locator(".mapapp-phone-title b")
    box = title.bounding_box()
    assert title.inner_text() == SHIPPED.title and box is not None and 0 <= box["y"] < 200  # first thing on screen
    frame.wait_for_function("() => window.mapappStory && window.mapappStory.stats.labelsShown >= 3", timeout=30000)
    texts = frame.evaluate(MAP_TEXT_JS)
    controls = frame.evaluate(
        """() => [...document.querySelectorAll('.leaflet-control')].map(e => { const r = e.getBoundingClientRect();
        return {text: e.className.split(' ')[0], x: r.left, y: r.top, w: r.width, h: r.height}; })"""
    )
    assert [pair for pair in _overlapping(texts + controls) if pair[0] in {t["text"] for t in texts}] == []
    pg.screenshot(path=str(ARTIFACTS / "app-phone-390x844.png"))
    context.close()


def test_on_a_phone_a_tap_on_a_place_in_the_app_brings_who_holds_it_into_view(browser, app_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.goto(f"{app_url}/?date=2020-02-27")
    frame = map_frame(pg)
    driver.wait_idle(pg)
    frame.wait_for_function(READY, timeout=30000)
    driver.click_in_map(pg, driver.feature_point(frame, "saraqeb"))
    status = pg.locator("strong", has_text="As of 27 Feb 2020:").first  # the panel's status line (bold, as written)
    status.wait_for(timeout=30000)
    pg.wait_for_function(
        "() => { const a = document.querySelector('.mapapp-status-anchor');"
        " if (!a) return false; const r = a.getBoundingClientRect(); return r.top >= -5 && r.top < window.innerHeight / 2; }",
        timeout=15000,
    )  # scrolled to the status, which the panel shows first
    box = status.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844
    context.close()


def test_the_walk_keys_work_after_a_click_on_the_map(desktop, app_url, browser, site_url):
    desktop.goto(app_url)
    frame = map_frame(desktop)
    desktop.locator(".st-key-walk_start button").click()
    desktop.get_by_text("step 1 / 33").wait_for(timeout=30000)
    driver.wait_idle(desktop)
    box = desktop.locator(MAP_FRAME).bounding_box()
    desktop.mouse.click(box["x"] + 60, box["y"] + box["height"] - 60)  # a click on the map: the keys go to its frame
    frame.locator(".leaflet-container").press("ArrowRight")
    desktop.get_by_text("step 2 / 33").wait_for(timeout=30000)
    frame.locator(".leaflet-container").press("Escape")
    desktop.locator(".st-key-walk_start button").wait_for(timeout=30000)
    # the published site: the same after a click on its map
    context, pg = site_page(browser, site_url)
    pg.goto(site_url)
    pg.wait_for_function(SITE_READY, timeout=30000)
    pg.locator("#site-walk").click()
    step = pg.locator("#site-walk-panel .site-step")
    step.filter(has_text="Step 1 /").wait_for(timeout=10000)
    map_box = pg.locator(".site-map").bounding_box()
    pg.mouse.click(map_box["x"] + 60, map_box["y"] + map_box["height"] - 60)
    pg.keyboard.press("ArrowRight")
    step.filter(has_text="Step 2 /").wait_for(timeout=10000)
    pg.keyboard.press("Escape")
    pg.wait_for_function("() => document.getElementById('site-walk-panel').hidden", timeout=10000)
    context.close()


def test_a_closed_pages_upload_is_let_go_once_its_session_expires(browser, tmp_path):
    """An upload lives in the server's memory with the page's session; once the page has closed and the session
    has expired (here after 2 s) the server gives the memory back: the server's resident memory falls by at
    least half the upload's size (measured: 90 MB for a 92 MB upload; without mapapp serve's reaper it did not
    fall at all)."""
    path = synthetic.write_events_csv(tmp_path / "big.csv", 400_000, seed=9)
    size_mb = path.stat().st_size / 2**20
    server = driver.start_app(
        [sys.executable, "-m", "mapapp", "serve", "--port", "{port}"],
        env_extra={"STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": "2"},
    )
    try:
        context = browser.new_context()
        pg = context.new_page()
        pg.goto(server.url)
        map_frame(pg, READY)
        pg.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(str(path))
        pg.get_by_text("400,000 rows, 400,000 drawn", exact=False).first.wait_for(timeout=120000)
        loaded = driver.resident_mb(server.proc.pid)
        context.close()
        deadline = time.monotonic() + 4 * server_module.REAP_EVERY_S
        while (now := driver.resident_mb(server.proc.pid)) > loaded - size_mb / 2 and time.monotonic() < deadline:
            time.sleep(0.5)  # polling the server's memory until it falls (or the deadline passes)
        assert now <= loaded - size_mb / 2, f"{loaded:.0f} MB with the upload, {now:.0f} MB after; the upload is {size_mb:.0f} MB"
    finally:
        server.stop()


def test_an_uploaded_ucdp_ged_file_is_drawn_with_ucdps_own_codes(page, app_url, tmp_path):
    """A UCDP GED CSV uploaded in the app: recognised by its columns, drawn by UCDP's violence types, its rows
    known only to the country (and its bad date) said and not drawn, and an event's popup in UCDP's terms
    (its date range, where_prec in UCDP's words, best with low and high)."""
    from .test_ucdp import ROWS, ged_csv

    page.goto(app_url)
    frame = map_frame(page)
    # The ranged event is put where no story feature is drawn, so that a click reaches it alone.
    free = frame.evaluate(
        """() => { const size = window.map.getSize();
            for (let y = 40; y < size.y - 40; y += 23) for (let x = 40; x < size.x - 40; x += 23) {
                const hit = document.elementFromPoint(x, y);
                if (hit === window.map.getContainer() || (hit && hit.closest(".leaflet-map-pane") && !hit.closest(".leaflet-interactive")
                        && !hit.classList.contains("leaflet-interactive"))) {
                    const at = window.map.containerPointToLatLng([x, y]); return [at.lat, at.lng];
                }
            }
            return null; }"""
    )
    assert free is not None, "no free spot on the story's map"
    rows = [list(r) for r in ROWS]
    rows[1][14], rows[1][15] = f"{free[0]:.5f}", f"{free[1]:.5f}"
    path = tmp_path / "ged.csv"
    path.write_bytes(ged_csv(rows))
    page.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(str(path))
    page.get_by_text("4 rows, 2 drawn, 2 not drawn", exact=False).first.wait_for(timeout=60000)
    page.get_by_text("2 problem(s) in ged.csv", exact=False).first.wait_for(timeout=30000)
    frame = map_frame(page, EVENTS_READY)
    assert sorted(frame.evaluate("() => window.mapappEvents._m.types")) == ["One-sided violence", "State-based conflict"]
    frame.evaluate("(at) => window.map.setView(at, 12, {animate: false})", free)
    frame.wait_for_function("() => window.mapappEvents.inView(10).length > 0", timeout=10000)
    target = frame.evaluate(FREE_EVENT_JS)
    assert target is not None, "the ranged event is not visible away from the story's features"
    driver.click_in_map(page, target)
    popup = page.frame_locator(MAP_FRAME).locator(".leaflet-popup-content .mapapp-event").first
    popup.wait_for(state="attached", timeout=30000)
    frame.wait_for_function("() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'", timeout=10000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ucdp-event.png"))
    text = popup.text_content()
    assert "2020-02-20 to 2020-02-24 (UCDP gives a range" in text
    assert "UCDP where_prec 3 (second-order administrative division)" in text
    assert "UCDP-900002" in text and "3 (UCDP best; low 3, high 3)" in text
    assert page.outside == []
