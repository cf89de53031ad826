"""Print-ready pictures of the story: ``python -m mapapp snapshot --out FILE.png|FILE.pdf|FILE.svg``.

A snapshot is the published site (:mod:`mapapp.render.publish`) in its print layout
(``?print=1``: the title, the map with its date, scale bar and locator, the legend of
what the map shows, a credit line of its sources), drawn by the project's Chromium.

- **PNG**: a screen-width page (``width`` CSS pixels at device pixel ratio ``scale``), or a paper page.
- **PDF**: one paper page per date (``--dates``) or walk step (``--steps``), A4 or US Letter, portrait or
  landscape, printed by Chromium from the page itself: the map's lines and areas are SVG and its labels
  are text, so they stay sharp when zoomed and can be searched; the relief is the one image. A last page
  lists every source of the pages in full (title, outlet, address), so no page repeats them.
- **SVG**: the map alone with its labels as text (:file:`static/mapapp/svg-export.js`), for editors who
  finish graphics in Illustrator or Inkscape.

Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright; nothing is
fetched from the internet (the site is served from a temporary folder on
localhost only). A picture is taken only when everything in it is drawn
(:data:`mapapp.render.chromium.READY_JS`), never after a fixed wait.
"""

from __future__ import annotations

import functools
import html
import io
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from mapapp import settings
from mapapp.render.chromium import FAILED_JS, PAINTED_JS, READY_JS, READY_TIMEOUT_MS, serve_folder
from mapapp.render.publish import publish_site
from mapapp.story.model import Story

if TYPE_CHECKING:
    from playwright.sync_api import Page

T = TypeVar("T")
VIEWPORT = {"width": 1280, "height": 860}
SCALE = 2  # device pixel ratio: 2560 x 1720 pixels, print resolution for a half page
SVG_EXPORT_JS = Path(__file__).resolve().parent.parent / "static" / "mapapp" / "svg-export.js"
# Paper sizes in millimetres (portrait); "-landscape" turns them.
PAPERS = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
FORMATS = (".png", ".pdf", ".svg")


class SnapshotError(ValueError):
    """No snapshot could be taken (no Chromium, a bad request); the message says why."""


@dataclass(frozen=True)
class Shot:
    """One picture: the site's permalink parameters."""

    day: date | None = None
    place: str | None = None
    step: str | None = None

    def query(self, paper: str | None = None) -> str:
        params = {"print": "1"}
        if paper:
            params["paper"] = paper
        if self.day:
            params["date"] = self.day.isoformat()
        if self.place:
            params["place"] = self.place
        if self.step:
            params["step"] = self.step
        return urlencode(params)


@dataclass(frozen=True)
class Layout:
    """How the pictures are laid out: a paper page (``a4``, ``letter``, either ``-landscape``), or a screen
    ``width`` in CSS pixels; ``scale`` is a PNG's device pixel ratio; ``references`` adds a PDF's sources page."""

    paper: str | None = None
    width: int = VIEWPORT["width"]
    scale: float = SCALE
    references: bool = True

    def __post_init__(self) -> None:
        if self.paper is not None and self.paper.removesuffix("-landscape") not in PAPERS:
            names = ", ".join(f"{p}, {p}-landscape" for p in PAPERS)
            raise SnapshotError(f"unknown paper {self.paper!r} (one of {names})")
        if not 320 <= self.width <= 4000:
            raise SnapshotError(f"a width of {self.width} px: give 320 to 4000")
        if not 1 <= self.scale <= 4:
            raise SnapshotError(f"a scale of {self.scale}: give 1 to 4 (device pixels per CSS pixel)")

    @property
    def page_mm(self) -> tuple[float, float]:
        """The paper's width and height in millimetres (A4 portrait without a paper)."""
        paper = self.paper or "a4"
        width, height = PAPERS[paper.removesuffix("-landscape")]
        return (height, width) if paper.endswith("-landscape") else (width, height)

    @property
    def viewport(self) -> dict[str, int]:
        """The browser window: a paper page at 96 CSS pixels per inch (rounded down, so the page holds it)."""
        if self.paper is None:
            return {"width": self.width, "height": round(self.width * VIEWPORT["height"] / VIEWPORT["width"])}
        width, height = self.page_mm
        return {"width": int(width / 25.4 * 96), "height": int(height / 25.4 * 96)}


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


def _drawn(page: Page, shot: Shot) -> None:
    """Wait until the map of ``shot`` is drawn whole; a half-drawn picture is worse than none."""
    from playwright.sync_api import Error as PlaywrightError

    # Twice: the credits and legend of the final view can change the map's size, which draws it again.
    for settle in (None, "() => window.mapappSite.printCredits()"):
        if settle:
            page.evaluate(settle)
        try:
            page.wait_for_function(READY_JS, timeout=READY_TIMEOUT_MS)
        except PlaywrightError:
            failed = page.evaluate(FAILED_JS)
            raise SnapshotError(f"the map of {shot.query()} never finished drawing: {failed or 'timed out'}") from None
    failed = page.evaluate(FAILED_JS)
    if failed:
        raise SnapshotError(f"the map of {shot.query()} could not be drawn whole: {'; '.join(failed)}")
    page.evaluate(PAINTED_JS)


def _in_browser(story: Story, shots: list[Shot], layout: Layout, work: Callable[[Page, Callable[[Shot], None]], T]) -> T:
    """Publish the story to a temporary folder, serve it on localhost and run ``work(page, show)`` in Chromium;
    ``show(shot)`` opens a shot's page and returns when it is drawn.

    Playwright's sync API refuses to run where an asyncio loop runs (the Streamlit server, a test that
    already drives Chromium): the work runs in a thread of its own."""
    _check(story, shots)

    def run() -> T:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright

        from mapapp.render.chromium import CHROMIUM, launch_chromium

        if not Path(CHROMIUM).exists():
            raise SnapshotError(f"snapshots need Chromium at {CHROMIUM} (Debian: apt install chromium)")
        with tempfile.TemporaryDirectory(prefix="mapapp-snapshot-") as tmp:
            site = publish_site(story, Path(tmp) / "site").out
            with serve_folder(site) as url:
                try:
                    with sync_playwright() as pw:
                        browser = launch_chromium(pw)
                        size = layout.viewport
                        context = browser.new_context(
                            viewport={"width": size["width"], "height": size["height"]}, device_scale_factor=layout.scale
                        )
                        page = context.new_page()
                        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())

                        def show(shot: Shot) -> None:
                            page.goto(f"{url}/?{shot.query(layout.paper)}")
                            _drawn(page, shot)

                        result = work(page, show)
                        browser.close()
                        return result
                except PlaywrightError as exc:
                    raise SnapshotError(f"Chromium could not take the snapshot: {exc}") from exc

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def photographs(story: Story, shots: list[Shot], layout: Layout = Layout()) -> list[bytes]:
    """A PNG of each shot, in order: the whole print page (a paper page is exactly the window)."""

    def work(page: Page, show: Callable[[Shot], None]) -> list[bytes]:
        pictures = []
        for shot in shots:
            show(shot)
            pictures.append(page.screenshot(full_page=layout.paper is None))
        return pictures

    return _in_browser(story, shots, layout, work)


def svg_map(story: Story, shot: Shot, layout: Layout = Layout()) -> str:
    """The map of ``shot`` as an SVG document: its drawn layers as vectors, its labels as text."""

    def work(page: Page, show: Callable[[Shot], None]) -> str:
        show(shot)
        page.add_script_tag(content=SVG_EXPORT_JS.read_text(encoding="utf-8"))
        return str(page.evaluate("() => window.mapappSvg(window.map)"))

    return _in_browser(story, [shot], layout, work)


def handout_pdf(story: Story, shots: list[Shot], layout: Layout = Layout(paper="a4")) -> bytes:
    """One vector page per shot at the layout's paper size, then (``references``) the sources in full."""
    from pypdf import PdfReader, PdfWriter

    width, height = (f"{v}mm" for v in layout.page_mm)

    def print_page(page: Page) -> bytes:
        return page.pdf(
            width=width, height=height, print_background=True, margin={"top": "0", "right": "0", "bottom": "0", "left": "0"}
        )

    def work(page: Page, show: Callable[[Shot], None]) -> list[bytes]:
        pages, sources = [], {}
        for shot in shots:
            show(shot)
            pages.append(print_page(page))
            sources.update({src["key"]: src for src in page.evaluate("() => window.mapappPrintSources || []")})
        if layout.references and sources:
            page.set_content(references_html(story, list(sources.values())))
            pages.append(print_page(page))
        return pages

    writer = PdfWriter()
    for pdf in _in_browser(story, shots, layout, work):
        writer.append(PdfReader(io.BytesIO(pdf)))
    for pdf_page in writer.pages:
        pdf_page.compress_content_streams()  # the map's outlines are long paths: deflated, as Chromium wrote them
    writer.compress_identical_objects()  # the relief and the fonts once, not once per page
    writer.add_metadata({"/Title": story.manifest.title, "/Creator": "mapapp snapshot"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def references_html(story: Story, sources: list[dict[str, Any]]) -> str:
    """The handout's last page: every source of its maps, with its outlet, leaning and address (escaped text)."""
    esc = html.escape
    rows = "".join(
        f"<li><b>{esc(src['title'])}</b>. {esc(src.get('publisher') or '')}"
        f"{' [' + esc(src['leaning']) + ']' if src.get('leaning') else ''}"
        f"{'<br><span class=url>' + esc(src['url']) + '</span>' if src.get('url') else ''}</li>"
        for src in sorted(sources, key=lambda s: str(s["title"]).lower())
    )
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(story.manifest.title)}: sources</title>
<style>body {{ font: 10.5px/1.35 system-ui, sans-serif; margin: 14mm 14mm; color: #111; }} h1 {{ font-size: 16px; }}
ol {{ padding-left: 1.4em; }} li {{ margin: 0 0 4px; }} .url {{ color: #444; overflow-wrap: anywhere; font-size: 9.5px; }}</style>
</head><body><h1>{esc(story.manifest.title)}: sources of the maps</h1><ol>{rows}</ol>
<p>{esc(story.manifest.credits)} {esc(story.manifest.licence)}</p></body></html>"""


def render(story: Story, shots: list[Shot], suffix: str, layout: Layout = Layout()) -> bytes:
    """The bytes of a ``.png`` (one shot), ``.pdf`` (a page per shot) or ``.svg`` (one shot)."""
    if suffix not in FORMATS:
        raise SnapshotError(f"the file must end in {', '.join(FORMATS)}")
    if suffix != ".pdf" and len(shots) != 1:
        raise SnapshotError(f"a {suffix[1:].upper()} holds one picture: write a .pdf for several dates or steps")
    if suffix == ".pdf":
        return handout_pdf(story, shots, layout if layout.paper else Layout(paper="a4", references=layout.references))
    if suffix == ".svg":
        return svg_map(story, shots[0], layout).encode("utf-8")
    return photographs(story, shots, layout)[0]


def snapshot(story: Story, out: Path, shots: list[Shot], layout: Layout = Layout()) -> Path:
    """Write ``out``: a PNG or SVG of the first shot, or a PDF with a page per shot (by the file's suffix)."""
    out = Path(out)
    data = render(story, shots, out.suffix.lower(), layout)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out
