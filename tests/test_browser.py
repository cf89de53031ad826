"""Real headless Chromium (Debian's package) against the app started by the README's run command.

Under CI=true a missing browser fails the run; elsewhere these tests skip.
The browser may only reach localhost: anything else is aborted and counted.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from mapapp import settings

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = settings.REPO_DIR / "artifacts"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {CHROMIUM} is missing: install Debian's chromium (make browser)", pytrace=False)
    pytest.skip(f"{CHROMIUM} not installed (make browser)", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(env_extra: dict | None = None):
    port = free_port()
    env = {**os.environ, **(env_extra or {})}
    proc = subprocess.Popen(["make", "-s", "run", f"PORT={port}"], cwd=settings.REPO_DIR, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            return proc, f"http://localhost:{port}"
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("the app exited during start-up")
            time.sleep(0.2)  # polling a server that is starting, not waiting for a result
    os.killpg(proc.pid, signal.SIGTERM)
    raise RuntimeError("the app did not answer its health check within 120 s")


def stop_app(proc) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def app_url():
    proc, url = start_app()
    yield url
    stop_app(proc)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    pg = context.new_page()
    pg.outside = []
    pg.dialogs = []
    pg.route("**/*", lambda r: r.continue_() if r.request.url.startswith("http://localhost") else (pg.outside.append(r.request.url), r.abort()))
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    yield pg
    context.close()


def map_frame(pg):
    pg.frame_locator(MAP_FRAME).locator("path.leaflet-interactive").nth(3).wait_for(state="attached", timeout=60000)
    return next(f for f in pg.frames if "st_folium" in f.url)


def feature_ids(frame) -> list[str]:
    return frame.evaluate("""() => { const ids = []; window.map.eachLayer(l => { if (l.feature && l.feature.id) ids.push(l.feature.id); }); return ids; }""")


def test_map_draws_offline_with_markers_and_lines(page, app_url):
    page.goto(app_url)
    frame = map_frame(page)
    ids = feature_ids(frame)
    assert {"saraqeb", "al-bara", "baliun", "m4", "m5"} <= set(ids)
    assert page.outside == []  # nothing outside localhost was even requested
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map.png"))


def click_feature(page, frame, fid: str) -> None:
    point = frame.evaluate(f"""() => {{ let p = null; window.map.eachLayer(l => {{ if (l.feature && l.feature.id === {json.dumps(fid)} && l.getLatLng) p = window.map.latLngToContainerPoint(l.getLatLng()); }}); return p; }}""")
    box = page.locator(MAP_FRAME).bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


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
    page.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"]').filter(has_text="M4 and M5 highways").click()
    frame.wait_for_function("() => { let n = 0; window.map.eachLayer(l => { if (l.feature && (l.feature.id === 'm4' || l.feature.id === 'm5')) n++; }); return n === 0; }", timeout=30000)
    assert frame.evaluate("() => window.map.getZoom()") == zoom
    assert "saraqeb" in feature_ids(frame)


@pytest.mark.parametrize("day, controller", [("2020-02-10", "government"), ("2020-02-27", "opposition")])
def test_permalink_restores_place_and_date(page, app_url, day, controller):
    page.goto(f"{app_url}/?place=saraqeb&date={day}&layers=places,highways")
    frame = map_frame(page)
    page.get_by_text(f"held by {controller}", exact=False).locator("visible=true").first.wait_for(timeout=30000)
    assert frame.evaluate("() => window.map.getZoom()") == settings.SELECTED_ZOOM
    assert "op-09-morek" not in feature_ids(frame)  # posts layer off in this permalink


def test_hostile_data_runs_no_script(browser, tmp_path):
    data = tmp_path / "hostile"
    shutil.copytree(settings.DEFAULT_DATA_DIR, data)
    payload = "<img src=x onerror=alert(1)>${alert(2)}a\\`);alert(3);//<script>alert(4)</script>"
    places = json.loads((data / "places.geojson").read_text(encoding="utf-8"))
    for feature in places["features"]:
        feature["properties"]["name"] = feature["properties"]["name"] + payload
        feature["properties"]["aliases"] = []
    (data / "places.geojson").write_text(json.dumps(places), encoding="utf-8")
    sources = json.loads((data / "sources.json").read_text(encoding="utf-8"))
    sources["geonames"]["title"] += payload
    sources["geonames"]["url"] = "javascript:alert(5)"
    (data / "sources.json").write_text(json.dumps(sources), encoding="utf-8")
    proc, url = start_app({settings.DATA_DIR_ENV: str(data)})
    try:
        context = browser.new_context()
        pg = context.new_page()
        dialogs = []
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        pg.goto(f"{url}/?place=saraqeb")
        frame = map_frame(pg)
        frame.evaluate("""() => { window.map.eachLayer(l => { if (l.openTooltip && l.feature) l.openTooltip(); }); }""")
        pg.get_by_text("alert(4)", exact=False).locator("visible=true").first.wait_for(timeout=30000)  # shown as text
        assert dialogs == []
        assert pg.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0
        assert frame.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0
        context.close()
    finally:
        stop_app(proc)
