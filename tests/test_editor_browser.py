"""The editor in Chromium (python -m mapapp edit DIR): a journalist's whole task through the page only, and two
editors on one folder. Screenshots of each stage go to artifacts/editor-journey-*.png."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mapapp import cli, draft, settings
from mapapp.draft.gazetteer import load as load_gazetteer
from tests import driver
from tests.driver import CHROMIUM, MAP_FRAME

ARTIFACTS = settings.REPO_DIR / "artifacts"
KHERSON = Path(__file__).parent / "articles" / "kherson-2022.txt"

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {CHROMIUM} is missing: install Debian's chromium (make browser)", pytrace=False)
    pytest.skip(f"{CHROMIUM} not installed (make browser)", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = driver.launch_chromium(p)
        yield b
        b.close()


@pytest.fixture
def drafted(tmp_path) -> Path:
    """`mapapp new` on the Kherson test article (the one step a journalist runs in a terminal)."""
    folder = tmp_path / "kherson"
    draft.write_draft(draft.draft_story(draft.read_article(KHERSON), gazetteer=load_gazetteer()), folder)
    return folder


@pytest.fixture
def editor(drafted):
    server = driver.start_app([sys.executable, "-m", "mapapp", "edit", str(drafted), "--port", "{port}"])
    yield server
    server.stop()


@pytest.fixture
def blank_editor(tmp_path):
    """The editor on an empty folder: the journalist drafts the story from the page."""
    folder = tmp_path / "kherson"
    folder.mkdir()
    server = driver.start_app([sys.executable, "-m", "mapapp", "edit", str(folder), "--port", "{port}"])
    yield server, folder
    server.stop()


class Editor:
    """The editor's page, driven as a person would: widgets by their labels' keys, the map by the mouse."""

    def __init__(self, page, folder: Path) -> None:
        self.page, self.folder, self.shots = page, folder, 0

    def idle(self) -> None:
        driver.wait_idle(self.page)

    def saved(self, words: str, timeout_ms: int = 30000) -> None:
        """The page says the change was saved (or the test fails with what it said instead)."""
        alert = self.page.get_by_test_id("stAlertContentSuccess").filter(has_text=words)
        try:
            alert.first.wait_for(timeout=timeout_ms)
        except Exception:
            said = self.page.locator('[data-testid="stAlert"]').all_inner_texts()
            raise AssertionError(f"expected a saved change {words!r}; the page says {said}") from None
        self.idle()
        driver.map_frame(
            self.page, "() => window.map !== undefined && !!window.map.getContainer().querySelector('.leaflet-draw')"
        )

    def tab(self, name: str) -> None:
        """Open a tab, and check that it is the one shown once the page is idle. The map reports its view when it
        is redrawn (after a save): a run that answers that report while the tab's click is on its way can show
        the tab the run began with (once in CI the Features tab's list never showed): then it is clicked again."""
        deadline = time.monotonic() + 30
        tab = self.page.get_by_role("tab", name=name)
        while True:
            tab.click()
            self.idle()
            if tab.get_attribute("aria-selected") == "true":
                return
            assert time.monotonic() < deadline, f"the {name} tab does not stay open"

    def type(self, key: str, text: str, *, in_form: bool = False) -> None:
        """Type into a field; outside a form, Enter sends it (in a form, Enter would submit the half-filled form).
        The map reports its view when it is redrawn, and the rerun that follows may draw the field again under the
        typing: the field is read back once the page is idle, and typed again until it holds the text (a form's
        field too: its submit button would otherwise send what the redrawn field holds)."""
        deadline = time.monotonic() + 30
        while True:
            field = self.page.locator(f".st-key-{key} input, .st-key-{key} textarea").first
            field.fill(text)
            if not in_form:
                field.press("Enter")
            self.idle()
            if field.input_value() == text:
                return
            assert time.monotonic() < deadline, f"{key}: typed {text!r}, the field holds {field.input_value()!r}"

    def date(self, key: str, iso: str) -> None:
        """A date typed into a date field's segments (year, month, day: each moves on when full), then left."""
        year, month, day = iso.split("-")
        field = self.page.locator(f".st-key-{key}")
        for part, digits in (("year", year), ("month", month), ("day", day)):
            field.locator(f"[data-type='{part}']").click()
            self.page.keyboard.type(digits)
        self.page.keyboard.press("Enter")
        self.idle()
        shown = field.locator("[role='spinbutton']").all_inner_texts()
        assert shown == [year, month, day], f"{key}: typed {iso}, the field shows {shown}"

    def select_words(self, pid: str, words: str) -> None:
        """Select words of the passage with the mouse (a drag over them); they become the words to link."""
        frame = self.page.frame_locator(f".st-key-select_{pid} iframe")
        passage = frame.locator("#passage")
        passage.wait_for(timeout=30000)
        box = passage.evaluate(
            """(p, words) => { const text = p.firstChild, at = text.data.indexOf(words), range = document.createRange();
            range.setStart(text, at); range.setEnd(text, at + 1); const first = range.getBoundingClientRect();
            range.setStart(text, at + words.length - 1); range.setEnd(text, at + words.length);
            const last = range.getBoundingClientRect();
            return {x1: first.left + 1, y1: first.top + first.height / 2, x2: last.right - 1, y2: last.top + last.height / 2}; }""",
            words,
        )
        origin = self.page.locator(f".st-key-select_{pid} iframe").bounding_box()
        self.page.mouse.move(origin["x"] + box["x1"], origin["y"] + box["y1"])
        self.page.mouse.down()
        self.page.mouse.move(origin["x"] + box["x2"], origin["y"] + box["y2"], steps=8)
        self.page.mouse.up()
        self.page.wait_for_function(
            f"() => (document.querySelector('.st-key-link_words input') || {{}}).value === {json.dumps(words)}", timeout=30000
        )
        self.idle()

    def choose(self, key: str, option: str) -> None:
        """Pick ``option`` from a select box. The map reports its view when it is redrawn, which reruns the page and
        may close a list just opened: the list is opened again until the option shows, within a deadline."""
        deadline = time.monotonic() + 30
        option_shown = self.page.get_by_role("option", name=option).first
        while True:
            self.idle()
            self.page.locator(f".st-key-{key} button[aria-label='Open']").first.click()  # the list's own button
            try:
                option_shown.wait_for(timeout=3000)
                option_shown.click(timeout=3000)
                break
            except Exception:
                if time.monotonic() > deadline:
                    offered = self.page.get_by_role("option").all_inner_texts()
                    raise AssertionError(f"{key}: no option {option!r} among {offered}") from None
                self.page.keyboard.press("Escape")
        self.idle()

    def click(self, key: str) -> None:
        self.page.locator(f".st-key-{key} button").first.click()

    def map_box(self) -> dict:
        """The map's box on the page (polled: a map being redrawn has no box for a moment)."""
        deadline = time.monotonic() + 30
        self.page.locator(MAP_FRAME).last.scroll_into_view_if_needed()  # the list beside it may have scrolled the page
        while (box := self.page.locator(MAP_FRAME).last.bounding_box()) is None:
            assert time.monotonic() < deadline, "the map is not on the page"
            self.page.wait_for_timeout(100)
        return box

    def look_at(self, lat: float, lon: float, zoom: int) -> None:
        """Pan and zoom the map (what a reader does with the mouse wheel and a drag)."""
        frame = driver.map_frame(self.page)
        frame.evaluate(f"() => window.map.setView([{lat}, {lon}], {zoom}, {{animate: false}})")
        self.idle()

    def on_page(self, lat: float, lon: float) -> tuple[float, float]:
        """Where a place is on the page, from the map's own projection."""
        box = self.map_box()
        point = driver.map_frame(self.page).evaluate(f"() => window.map.latLngToContainerPoint([{lat}, {lon}])")
        return box["x"] + point["x"], box["y"] + point["y"]

    def draw(self, tool: str, points: list[tuple[float, float]], *, close: bool) -> None:
        """A shape drawn with the map's tools (leaflet-draw) through ``points`` (lat, lon)."""
        self.tab("Draw")  # where the drawing is described once finished
        self.draw_through(tool, [(*self.on_page(lat, lon), False) for lat, lon in points], close=close)

    def draw_through(self, tool: str, clicks: list[tuple[float, float, bool]], *, close: bool) -> None:
        """A shape drawn by clicks at page positions (x, y, Alt held?)."""
        frame = driver.map_frame(self.page)
        frame.locator(f".leaflet-draw-draw-{tool}").click()
        vertices = "() => document.querySelectorAll('.leaflet-marker-icon.leaflet-editing-icon').length"
        for n, (x, y, alt) in enumerate(clicks, start=1):
            if alt:
                self.page.keyboard.down("Alt")
            self.page.mouse.move(x, y)  # the mouse comes to the vertex (the snapping ring follows it)
            self.page.mouse.click(x, y)
            if alt:
                self.page.keyboard.up("Alt")
            try:
                frame.wait_for_function(f"() => ({vertices})() >= {n}", timeout=10000)
            except Exception:
                self.page.screenshot(path=str(ARTIFACTS / "debug-draw.png"))
                raise AssertionError(f"vertex {n} at {x:.0f}, {y:.0f} (Alt: {alt}) was not drawn") from None
            # leaflet-draw ignores a press within 50 ms of the last vertex (its _enableNewMarkers timer)
            self.page.wait_for_timeout(60)
        last = clicks[0] if close else clicks[-1]
        self.page.mouse.click(last[0], last[1])  # on the first vertex: closed; on the last: finished
        try:
            self.page.get_by_text("drawn on the map. What is it?").wait_for(timeout=20000)
        except Exception:
            self.page.screenshot(path=str(ARTIFACTS / "debug-draw.png"))
            raise
        self.idle()

    def shot(self, what: str) -> None:
        self.shots += 1
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"editor-journey-{self.shots}-{what}.png"))

    def layer(self, file: str) -> list[dict]:
        return json.loads((self.folder / file).read_text(encoding="utf-8"))["features"]


def test_a_journalist_goes_from_the_article_to_a_published_story_through_the_page_only(browser, blank_editor, tmp_path):
    editor, drafted = blank_editor
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    ed = Editor(context.new_page(), drafted)
    ed.page.goto(editor.url)
    ed.page.get_by_text("has no story yet").wait_for(timeout=30000)
    ed.page.locator(".st-key-new_article input[type='file']").set_input_files(str(KHERSON))
    ed.idle()
    ed.click("new_draft")
    ed.saved("drafted kherson-2022.txt")
    ed.page.get_by_text("To review:").wait_for(timeout=30000)
    ed.shot("draft")

    # Review: accept Kherson; take Mykolaiv's gazetteer reading (the city of 470,000, not a namesake).
    ed.click("accept_kherson")
    ed.saved("accepted Kherson")
    ed.click("show_mykolaiv")  # the readings on the map, all in view: the namesake is seen where it is
    frame = driver.map_frame(ed.page, "() => window.map !== undefined && document.body.innerText.includes('pop 470,011')")
    named = frame.locator(".mapapp-edit-label").filter(has_text="Mykolayiv (UA, pop 470,011)")
    assert frame.evaluate("(el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.right <= innerWidth"
                          " && r.left >= 0 && r.top >= 0 && r.bottom <= innerHeight; }", named.element_handle())  # fmt: skip
    on_screen = ed.page.locator(MAP_FRAME).last.bounding_box()  # the map stays beside the list, which has scrolled
    assert on_screen is not None and on_screen["y"] >= 0 and on_screen["y"] + on_screen["height"] <= 1000
    ed.shot("readings")
    ed.choose("reading_mykolaiv", "Mykolayiv (UA, pop 470,011")
    ed.click("use_mykolaiv")
    ed.saved("Mykolaiv")
    assert next(f for f in ed.layer("places.geojson") if f["properties"]["id"] == "mykolaiv")["properties"]["geonameid"] == 700569

    # A source, then the bridge the draft could not place, where the reader clicks on the map.
    ed.type("source_key", in_form=True, text="osm-bridge")
    ed.type("source_title", in_form=True, text="OpenStreetMap: Antonivskyi Bridge")
    ed.type("source_url", in_form=True, text="https://www.openstreetmap.org/search?query=Antonivskyi%20Bridge")
    ed.type("source_publisher", in_form=True, text="OpenStreetMap contributors")
    ed.click("add_source")
    ed.saved("added source OpenStreetMap: Antonivskyi Bridge")
    ed.look_at(46.64, 32.62, 11)
    ed.page.mouse.click(*ed.on_page(46.672, 32.705))  # where the bridge crosses the river (approximately)
    ed.page.get_by_text("Last click on the map").wait_for(timeout=30000)
    ed.idle()
    ed.choose("source_bridge-antonivskyi", "osm-bridge")
    ed.click("place_bridge-antonivskyi")
    ed.saved("placed Antonivskyi Bridge")
    ed.shot("reviewed")

    # A control area with two dated changes and a source.
    ed.draw("polygon", [(46.70, 32.52), (46.70, 32.66), (46.61, 32.68), (46.60, 32.54)], close=True)
    ed.choose("draw_kind", "Control changes")
    ed.type("draw_name", "Kherson city")
    ed.choose("draw_source", "osm-bridge")
    ed.date("draw_date", "2022-03-02")
    ed.choose("draw_after", "side A (to be named)")
    ed.choose("draw_before", "side B (to be named)")
    ed.shot("control-area-form")
    ed.click("save_drawing")
    ed.saved("drew control Kherson city (Polygon)")
    ed.tab("Features")
    ed.choose("feature_pick", "Kherson city · Control")
    ed.date("state_date", "2022-11-11")
    ed.choose("state_after", "side B (to be named)")
    ed.click("add_state")
    ed.saved("added control change Kherson city → side-b, 2022-11-11")

    # A front line.
    ed.draw("polyline", [(46.58, 32.45), (46.60, 32.56), (46.62, 32.66), (46.66, 32.76)], close=False)
    ed.choose("draw_kind", "Front lines")
    ed.type("draw_name", "Front line on the Dnipro")
    ed.choose("draw_precision", "schematic (drawn by hand)")
    ed.choose("draw_source", "osm-bridge")
    ed.date("draw_date", "2022-11-11")
    ed.click("save_drawing")
    ed.saved("drew front Front line on the Dnipro (LineString)")
    ed.shot("drawn")
    ed.tab("Features")  # what happened there, written on the map
    ed.choose("feature_pick", "Front line on the Dnipro · Front")
    ed.choose("callout_passage", "p01 ·")
    ed.type("callout_text", "Russian forces pull back across the river")
    ed.click("add_callout")
    ed.saved("callout at front-line-on-the-dnipro")

    # A passage linked to the control area by its words; the sides named.
    ed.tab("Article")
    ed.choose("passage_pick", "p01 ·")
    ed.select_words("p01", "the southern city of Kherson")
    ed.choose("link_target", "Kherson city · Control")
    ed.shot("article")
    ed.click("link_passage")
    ed.saved("linked p01")
    ed.tab("Story")
    ed.type("side_label_side-a", "Russian forces")
    ed.type("side_legend_side-a", "held by Russian forces")
    ed.click("save_side_side-a")
    ed.saved("side side-a: Russian forces")
    ed.tab("Story")
    ed.type("side_label_side-b", "Ukrainian forces")
    ed.type("side_legend_side-b", "held by Ukrainian forces")
    ed.click("save_side_side-b")
    ed.saved("side side-b: Ukrainian forces")

    # Undo the last change and redo it.
    ed.click("undo")
    ed.saved("undid side side-b: Ukrainian forces")
    assert (
        json.loads((drafted / settings.MANIFEST_FILE).read_text(encoding="utf-8"))["sides"]["side-b"]["label"]
        != "Ukrainian forces"
    )
    ed.click("redo")
    ed.saved("redid side side-b: Ukrainian forces")
    ed.shot("story")

    # The story as a reader will see it (the dashboard's page, on the folder as saved), then back to editing.
    ed.page.get_by_role("link", name="Preview as a reader").click()
    driver.map_frame(ed.page, driver.has_features_js(["kherson-city-2022-11-11", "front-line-on-the-dnipro", "kherson"]))
    ed.page.locator(".mapapp-legend").get_by_text("held by Ukrainian forces").first.wait_for(timeout=30000)
    driver.map_frame(ed.page).get_by_text("Russian forces pull back across the river").wait_for(timeout=30000)
    ed.idle()
    ed.shot("preview")
    ed.page.get_by_role("link", name="Edit the story").click()
    ed.page.get_by_text("To review:").wait_for(timeout=30000)
    ed.idle()

    # Publish; the folder validates and the site shows what was done.
    site = tmp_path / "site"
    ed.type("publish_to", in_form=True, text=str(site))
    ed.click("publish")
    ed.saved("published", timeout_ms=120000)  # a whole site written: seconds here, longer on a loaded machine
    context.close()
    assert cli.main(["validate", str(drafted)]) == 0
    changes = ed.layer("control.geojson")
    assert [(c["properties"]["date"], c["properties"]["after"]) for c in changes] == [
        ("2022-03-02", "side-a"),
        ("2022-11-11", "side-b"),
    ]
    fronts = ed.layer("frontlines.geojson")
    assert [f["properties"]["name"] for f in fronts] == ["Front line on the Dnipro"]
    _the_site_shows(
        browser, site, ["kherson-city-2022-11-11", "front-line-on-the-dnipro", "bridge-antonivskyi"], "Ukrainian forces"
    )


def _the_site_shows(browser, site: Path, ids: list[str], words: str) -> None:
    port = driver.free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://localhost:{port}"
        driver.wait_for_http(url)
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        pg = context.new_page()
        pg.goto(f"{url}/?date=2022-11-12")
        pg.wait_for_function("() => window.mapappSite && window.mapappSite.ready", timeout=30000)
        pg.wait_for_function(driver.has_features_js(ids), timeout=30000)
        assert words in pg.locator("body").inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "editor-journey-published-site.png"))
        context.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_two_pages_on_one_folder_the_second_save_sees_the_conflict_and_nothing_is_lost(browser, editor, drafted):
    pages = []
    for _ in range(2):
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        ed = Editor(context.new_page(), drafted)
        ed.page.goto(editor.url)
        driver.map_frame(ed.page)
        ed.page.get_by_text("To review:").wait_for(timeout=30000)
        ed.idle()
        pages.append((context, ed))
    (first_context, first), (second_context, second) = pages
    first.click("accept_kherson")
    first.saved("accepted Kherson")
    second.click("accept_kyiv")  # read before the first page saved: refused, and said
    second.page.get_by_test_id("stAlertContentWarning").filter(has_text="changed since you opened it").wait_for(timeout=30000)
    second.idle()
    ARTIFACTS.mkdir(exist_ok=True)
    second.page.screenshot(path=str(ARTIFACTS / "editor-conflict.png"))
    places = {f["properties"]["id"]: f["properties"] for f in second.layer("places.geojson")}
    assert "draft" not in places["kherson"] and places["kyiv"].get("draft") is True  # the first save kept
    second.click("accept_kyiv")  # the page now shows the folder as it is: the change again
    second.saved("accepted Kyiv")
    places = {f["properties"]["id"]: f["properties"] for f in second.layer("places.geojson")}
    assert "draft" not in places["kherson"] and "draft" not in places["kyiv"]  # both changes, nothing lost
    first_context.close()
    second_context.close()


def test_a_vertex_drawn_near_a_feature_snaps_onto_it_and_alt_places_it_freely(browser, editor, drafted):
    """Snapping (leaflet-draw has none): a ring shows where a vertex will go; the click puts it exactly on the
    place's point; with Alt held the same click a few pixels off stays where it was made."""
    kherson = next(f for f in Editor(None, drafted).layer("places.geojson") if f["properties"]["id"] == "kherson")
    lon, lat = kherson["geometry"]["coordinates"]
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    ed = Editor(context.new_page(), drafted)
    ed.page.goto(editor.url)
    ed.page.get_by_text("To review:").wait_for(timeout=30000)
    ed.idle()
    ed.tab("Draw")
    ed.look_at(lat, lon, 11)
    x, y = ed.on_page(lat, lon)
    frame = driver.map_frame(ed.page)
    frame.locator(".leaflet-draw-draw-polyline").click()
    ed.page.mouse.move(x + 7, y + 2)
    frame.locator(".mapapp-snap-ring").wait_for(timeout=10000)  # the ring shows the snap before the click
    ring = frame.locator(".mapapp-snap-ring").bounding_box()  # in the page's pixels
    assert abs(ring["x"] + ring["width"] / 2 - x) <= 2 and abs(ring["y"] + ring["height"] / 2 - y) <= 2
    ed.page.mouse.move(x + 150, y + 150)
    frame.locator(".mapapp-snap-ring").wait_for(state="detached", timeout=10000)  # far from everything: no ring
    frame.get_by_title("Cancel drawing").click()  # leave the tool; draw the line from the start
    ed.draw_through("polyline", [(x - 9, y + 6, True), (x + 150, y + 60, False), (x + 7, y + 2, False)], close=False)
    ed.choose("draw_kind", "Front lines")
    ed.type("draw_name", "Snapped line")
    ed.choose("draw_precision", "schematic (drawn by hand)")
    ed.click("save_drawing")
    ed.saved("drew front Snapped line (LineString)")
    ed.page.screenshot(path=str(ARTIFACTS / "editor-snapped.png"))
    line = next(f for f in ed.layer("frontlines.geojson") if f["properties"]["name"] == "Snapped line")
    free, _, last = line["geometry"]["coordinates"]
    assert last == [round(lon, 5), round(lat, 5)]  # on the place, to the editor's 5 decimals
    assert abs(free[0] - lon) > 1e-4 or abs(free[1] - lat) > 1e-4  # Alt: where the click was, 11 px away

    # Editing the shape: the free vertex dragged near the place snaps onto it too.
    ed.tab("Features")
    ed.choose("feature_pick", "Snapped line · Front")
    ed.click("edit_shape")
    ed.idle()
    # The map is built again with the line in the tools' own layer (Leaflet's default blue, not the front's red).
    frame = driver.map_frame(ed.page, "() => window.map !== undefined && !!document.querySelector('path[stroke=\"#3388ff\"]')")
    frame.locator(".leaflet-draw-edit-edit").click()
    handle, (x, y) = ed.on_page(free[1], free[0]), ed.on_page(lat, lon)  # the new map keeps the view, maybe not the pixels
    ed.page.mouse.move(*handle)
    ed.page.mouse.down()
    ed.page.mouse.move(x + 40, y - 30, steps=5)
    ed.page.mouse.move(x + 6, y - 3, steps=5)  # near the place, not on it
    ed.page.mouse.up()
    frame.get_by_title("Save changes").click()
    ed.idle()
    ed.tab("Draw")  # where the shape being edited is saved
    ed.page.locator(".st-key-save_shape button:not([disabled])").wait_for(timeout=30000)
    ed.click("save_shape")
    ed.saved("reshaped Snapped line")
    context.close()
    line = next(f for f in ed.layer("frontlines.geojson") if f["properties"]["name"] == "Snapped line")
    assert line["geometry"]["coordinates"][0] == [round(lon, 5), round(lat, 5)]
