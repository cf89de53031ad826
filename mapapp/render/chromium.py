"""Debian's headless Chromium, driven by Playwright, photographing a published site (snapshots, share pictures).

Playwright is imported only when a browser is needed, so the app never depends on it. The site is served from
its folder on localhost only; nothing is fetched from the internet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

import functools
import http.server
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
# No sandbox (root in CI), no GPU, and nothing that phones home; DNS only resolves localhost,
# so a CDN link fails fast instead of hanging (the map must not need one).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost",
]


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless, driven by Playwright (never a browser Playwright downloads)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


# Everything in the frame is drawn: the story's layers and labels, every basemap file fetched and added, every
# image (the hillshade) decoded, no zoom under way. Never a fixed wait: a busy machine only takes longer.
READY_JS = """() => window.mapappSite && window.mapappSite.ready && window.mapappStory && window.mapappStory.ready
    && !window.map._animatingZoom && window.mapappStory.stats.labelLayouts > 0 && (window.mapappPending || 0) === 0
    && window.map.getSize().x === window.map.getContainer().clientWidth
    && window.map.getSize().y === window.map.getContainer().clientHeight
    && [...document.querySelectorAll('.leaflet-container img')].every(i => i.complete && i.naturalWidth > 0)"""
# Then two animation frames, so that what the last change drew has been painted before the picture.
PAINTED_JS = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))"
FAILED_JS = """() => [...(window.mapappErrors || []),
    ...(window.mapappStory.stats.error ? [window.mapappStory.stats.error] : []),
    ...[...document.querySelectorAll('.leaflet-container img')]
        .filter(i => i.complete && !i.naturalWidth).map(i => 'image ' + i.src)]"""
READY_TIMEOUT_MS = 120_000


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """A static server for ``folder`` on localhost (a free port) for the duration; yields its URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def share_picture(site: Path) -> bytes:
    """A link preview of a published site (1200×630 PNG): its print layout's top, where the title and map are."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"a share picture needs Chromium at {CHROMIUM} (Debian: apt install chromium)")

    def work() -> bytes:
        with serve_folder(site) as url, sync_playwright() as pw:
            browser = launch_chromium(pw)
            page = browser.new_page(viewport={"width": 1200, "height": 630})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
            page.goto(f"{url}/?print=1&share=1")
            page.wait_for_function(READY_JS, timeout=READY_TIMEOUT_MS)
            page.evaluate(PAINTED_JS)
            picture = page.screenshot(type="png")
            browser.close()
            return picture

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()
