"""Print-ready images of the story: ``python -m mapapp snapshot --out FILE.png|FILE.pdf``.

A snapshot is the published site (:mod:`mapapp.render.publish`) in its print layout
(``?print=1``: the title, the map with its date and scale bar, the legend, the
sources of what the map shows, the credits), photographed by the project's
Chromium at device pixel ratio 2. A PDF has one page per date (``--dates``) or
per walk step (``--steps``): each page is such a photograph, so the handout
looks exactly like the screen.

Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright; nothing is
fetched from the internet (the site is served from a temporary folder on
localhost only).
"""

from __future__ import annotations

import base64
import functools
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from mapapp import settings
from mapapp.render.chromium import FAILED_JS, PAINTED_JS, READY_JS, READY_TIMEOUT_MS, serve_folder
from mapapp.render.mapbuild import escape_text
from mapapp.render.publish import publish_site
from mapapp.story.model import Story

VIEWPORT = {"width": 1280, "height": 860}
SCALE = 2  # device pixel ratio: 2560 x 1720 pixels, print resolution for a half page


class SnapshotError(ValueError):
    """No snapshot could be taken (no Chromium, a bad request); the message says why."""


@dataclass(frozen=True)
class Shot:
    """One picture: the site's permalink parameters."""

    day: date | None = None
    place: str | None = None
    step: str | None = None

    def query(self) -> str:
        params = {"print": "1"}
        if self.day:
            params["date"] = self.day.isoformat()
        if self.place:
            params["place"] = self.place
        if self.step:
            params["step"] = self.step
        return urlencode(params)


@functools.cache
def chromium_available() -> bool:
    """Whether snapshots can be taken here: Debian's Chromium and the Playwright package (asked once per process:
    the app's Export section asks on every rerun)."""
    from importlib.util import find_spec

    from mapapp.render.chromium import CHROMIUM

    return Path(CHROMIUM).exists() and find_spec("playwright") is not None


def _check(story: Story, shots: list[Shot]) -> None:
    steps = {p.id for p in story.passages if p.kind == "body"}
    if not shots:
        raise SnapshotError("nothing to photograph: give a date, a step or a place")
    if len(shots) > settings.SNAPSHOT_MAX_SHOTS:
        raise SnapshotError(
            f"{len(shots)} pictures asked for; at most {settings.SNAPSHOT_MAX_SHOTS} in one file (each takes a few seconds)"
        )
    first, last = story.manifest.timeline_start, story.manifest.timeline_end
    for shot in shots:
        if shot.day is not None and not first <= shot.day <= last:
            raise SnapshotError(f"{shot.day} is outside the story's timeline ({first} to {last})")
        if shot.place is not None and shot.place not in story.entities:
            raise SnapshotError(f"unknown place {shot.place!r}")
        if shot.step is not None and shot.step not in steps:
            raise SnapshotError(f"unknown walk step {shot.step!r} (steps are body passages: p01...)")


def photographs(story: Story, shots: list[Shot], *, jpeg: bool = False) -> list[bytes]:
    """PNG (or, for a PDF's pages, JPEG at quality 90: a fifth of the bytes) of each shot, in order."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from mapapp.render.chromium import CHROMIUM, launch_chromium

    _check(story, shots)
    if not Path(CHROMIUM).exists():
        raise SnapshotError(f"snapshots need Chromium at {CHROMIUM} (Debian: apt install chromium)")
    with tempfile.TemporaryDirectory(prefix="mapapp-snapshot-") as tmp, serve_folder(_site(story, Path(tmp))) as url:
        try:
            with sync_playwright() as pw:
                browser = launch_chromium(pw)
                context = browser.new_context(viewport=VIEWPORT, device_scale_factor=SCALE)
                page = context.new_page()
                page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
                pictures = []
                for shot in shots:
                    page.goto(f"{url}/?{shot.query()}")
                    try:
                        page.wait_for_function(READY_JS, timeout=READY_TIMEOUT_MS)
                    except PlaywrightError:
                        failed = page.evaluate(FAILED_JS)
                        raise SnapshotError(
                            f"the map of {shot.query()} never finished drawing: {failed or 'timed out'}"
                        ) from None
                    failed = page.evaluate(FAILED_JS)
                    if failed:  # a half-drawn picture is worse than none
                        raise SnapshotError(f"the map of {shot.query()} could not be drawn whole: {'; '.join(failed)}")
                    page.evaluate(PAINTED_JS)
                    pictures.append(
                        page.screenshot(full_page=True, type="jpeg", quality=90) if jpeg else page.screenshot(full_page=True)
                    )
                browser.close()
        except PlaywrightError as exc:
            raise SnapshotError(f"Chromium could not take the snapshot: {exc}") from exc
    return pictures


def _site(story: Story, tmp: Path) -> Path:
    return publish_site(story, tmp / "site").out


def handout_pdf(pictures: list[bytes], title: str) -> bytes:
    """One A4 portrait page per picture (Chromium prints a page of JPEG images)."""
    from playwright.sync_api import sync_playwright

    from mapapp.render.chromium import launch_chromium

    pages = "".join(
        f'<section><img alt="" src="data:image/jpeg;base64,{base64.b64encode(p).decode()}"></section>' for p in pictures
    )
    html = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape_text(title)}</title><style>
@page {{ size: A4; margin: 8mm; }} body {{ margin: 0; }}
section {{ page-break-after: always; height: 280mm; display: flex; align-items: flex-start; justify-content: center; }}
section:last-child {{ page-break-after: auto; }} img {{ max-width: 100%; max-height: 100%; }}
</style></head><body>{pages}</body></html>"""
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page()
        page.set_content(html)
        pdf = page.pdf(format="A4", print_background=True)
        browser.close()
    return pdf


def render(story: Story, shots: list[Shot], *, pdf: bool) -> bytes:
    """PNG bytes of one shot, or PDF bytes of all of them.

    Playwright's sync API refuses to run where an asyncio loop runs (the Streamlit server, a test that
    already drives Chromium): the work runs in a thread of its own."""

    def work() -> bytes:
        pictures = photographs(story, shots, jpeg=pdf)
        return handout_pdf(pictures, story.manifest.title) if pdf else pictures[0]

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def snapshot(story: Story, out: Path, shots: list[Shot]) -> Path:
    """Write ``out``: a PNG of the first shot, or a PDF with a page per shot (by the file's suffix)."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".png", ".pdf"):
        raise SnapshotError(f"{out}: the file must end in .png or .pdf")
    if suffix == ".png" and len(shots) != 1:
        raise SnapshotError("a PNG holds one picture: write a .pdf for several dates or steps")
    data = render(story, shots, pdf=suffix == ".pdf")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out
