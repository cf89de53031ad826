"""Driving the app in a real browser: shared by the browser tests and the benchmark (test tooling, not product).

Starts a Streamlit server on a free port and waits for its health check;
launches Debian's Chromium through Playwright (never a downloaded browser);
finds the map's iframe and reaches Leaflet inside it. Playwright is imported
only by the functions that need it, so the app never depends on it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from mapapp import settings
from mapapp.render.chromium import CHROMIUM, CHROMIUM_ARGS, launch_chromium  # noqa: F401 (the tests use them from here)

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
START_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class AppServer:
    """A running Streamlit server; ``ready_at`` is when it first answered its health check."""

    proc: subprocess.Popen
    port: int
    started_at: float
    ready_at: float = 0.0
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def peak_rss_mb(self) -> float | None:
        """Peak resident memory of the server process (VmHWM), when it is the Python process itself."""
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)


def streamlit_command(script: Path) -> list[str]:
    """The server itself (no make, no shell), so its PID is the process whose memory we read."""
    return [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", "{port}"]


def start_app(
    command: list[str] | None = None, *, env_extra: dict | None = None, port: int | None = None, log: Path | None = None
) -> AppServer:
    """Start the app (default: the README's ``make -s run``) and wait for its health check."""
    port = port or free_port()
    command = command or ["make", "-s", "run", f"PORT={port}"]
    command = [part.replace("{port}", str(port)) for part in command]
    env = {**os.environ, **(env_extra or {})}
    # The log file must outlive this function (the server writes to it until stopped): no context manager.
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=settings.REPO_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = AppServer(proc=proc, port=port, started_at=started, log=log)
    deadline = started + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            server.ready_at = time.monotonic()
            return server
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"the app exited during start-up (exit {proc.returncode}); log: {log}") from None
            time.sleep(0.05)  # polling a server that is starting, not waiting for a result
    server.stop()
    raise RuntimeError(f"the app did not answer its health check within {START_TIMEOUT_S} s")


def resident_mb(pid: int) -> float:
    """A process's resident memory now (``VmRSS``), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"no VmRSS for process {pid}")


def wait_for_http(url: str, timeout_s: float = 30) -> None:
    """Until ``url`` answers (a server that is starting)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)  # polling a server that is starting, not waiting for a result


def map_frame(page, ready_js: str = "() => window.map !== undefined", timeout_ms: int = 60000):
    """The st_folium iframe's Frame, once ``ready_js`` (evaluated inside it) is true."""
    page.locator(MAP_FRAME).first.wait_for(state="attached", timeout=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        # While a new map replaces an old one (a new event dataset), both frames exist for a moment:
        # the map is the frame where ready_js holds.
        for frame in [f for f in page.frames if "st_folium" in f.url and not f.is_detached()]:
            try:
                if frame.evaluate(ready_js):
                    return frame
            except Exception:  # a frame being replaced or still loading: try again
                continue
        page.wait_for_timeout(50)
    raise TimeoutError("the map's iframe never appeared")


def feature_ids_js() -> str:
    return (
        "() => { const ids = []; window.map.eachLayer(l => { if (l.feature && l.feature.id) ids.push(l.feature.id); });"
        " return ids; }"
    )


def has_features_js(ids: list[str]) -> str:
    """JS predicate: every id in ``ids`` is drawn on the map."""
    return (
        f"() => {{ if (!window.map) return false; const want = new Set({json.dumps(ids)});"
        " window.map.eachLayer(l => { if (l.feature) want.delete(l.feature.id); }); return want.size === 0; }"
    )


def lacks_features_js(ids: list[str]) -> str:
    """JS predicate: none of ``ids`` is drawn on the map."""
    return (
        f"() => {{ const ban = new Set({json.dumps(ids)}); let n = 0;"
        " window.map.eachLayer(l => { if (l.feature && ban.has(l.feature.id)) n++; }); return n === 0; }"
    )


def feature_point(frame, fid: str) -> dict:
    """Container point (in the iframe) of point feature ``fid``."""
    return frame.evaluate(
        f"() => {{ let p = null; window.map.eachLayer(l => {{ if (l.feature && l.feature.id === {json.dumps(fid)} && l.getLatLng)"
        " p = window.map.latLngToContainerPoint(l.getLatLng()); }); return p && {x: p.x, y: p.y}; }"
    )


def click_in_map(page, point: dict, container: str = MAP_FRAME) -> None:
    """A real mouse click at a container point of the map (in the app's frame, or ``container`` on a page)."""
    box = page.locator(container).first.bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def open_date_calendar(page, day_of_month: int):
    """Open the sidebar date input's calendar; returns the cell of ``day_of_month`` (in the month it shows)."""
    page.locator('[data-testid="stSidebar"] [data-testid="stDateInputCalendarButton"]').first.click()
    cells = page.locator('[data-testid="stDateInputCalendar"] td').filter(has_text=re.compile(rf"^\s*{day_of_month}\s*$"))
    cells.first.wait_for(timeout=30000)
    return cells.first


def frame_share_js() -> str:
    """JS: how much of the screen the map's frame covers, and how much of the frame is on screen."""
    return """() => { const r = document.querySelector('iframe[title="streamlit_folium.st_folium"]').getBoundingClientRect();
        const w = Math.max(0, Math.min(r.right, innerWidth) - Math.max(r.left, 0));
        const h = Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
        return {of_screen: w * h / (innerWidth * innerHeight), of_map: w * h / (r.width * r.height)}; }"""


AXE_JS = settings.REPO_DIR / ".cache" / "axe-core@4.14.1" / "axe.min.js"  # scripts/fetch_assets.py --dev


def axe_violations(target) -> list[dict]:
    """axe-core's violations in a page or frame: [{id, impact, help, nodes: [selector :: summary]}]."""
    target.evaluate(AXE_JS.read_text(encoding="utf-8"))
    return target.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + (n.failureSummary || "").slice(0, 200))}))"""
    )


IDLE_JS = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && document.querySelectorAll('[data-stale="true"]').length === 0"""


def wait_idle(page, timeout_ms: int = 30000) -> None:
    """Until Streamlit has finished its run: nothing is running and no element is faded as stale."""
    page.wait_for_function(IDLE_JS, timeout=timeout_ms)
