"""Print outputs in Chromium (mapapp.render.snapshot): PNG at a chosen size, vector PDF pages, SVG.

Each test reads what a graphics desk would check: the map drawn across its whole frame, labels beside
their markers, the map's share of the page, print-size text, text that stays text, the size per page.
The outputs are copied to ``artifacts/`` to be looked at.
"""

from __future__ import annotations

import io
import os
import shutil
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from mapapp import settings
from mapapp.render import snapshot
from tests.driver import CHROMIUM

ARTIFACTS = settings.REPO_DIR / "artifacts"
pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {CHROMIUM} is missing: install Debian's chromium (make browser)", pytrace=False)
    pytest.skip(f"{CHROMIUM} not installed (make browser)", allow_module_level=True)

from pypdf import PdfReader  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"
DAY = date(2020, 2, 27)
MM_TO_PT = 72 / 25.4

# What the page says about itself once drawn: the map's box, the page's, every visible text's size in CSS
# pixels, and each place label's distance from its marker's centre (the label layout's own anchor).
LAYOUT_JS = """() => {
  const box = r => ({x: r.x, y: r.y, w: r.width, h: r.height});
  const map = box(document.querySelector('.site-map').getBoundingClientRect());
  const page = {w: document.documentElement.clientWidth, h: document.documentElement.clientHeight};
  const sizes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    const el = t.parentElement;
    if (!t.data.trim() || !el || !el.getClientRects().length || el.closest('script, style, .leaflet-control-attribution')) continue;
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || el.closest('[hidden]')) continue;
    sizes.push([parseFloat(s.fontSize), t.data.trim().slice(0, 40)]);
  }
  const reach = window.mapappStory.labels.filter(l => l.p && l.el.style.display !== 'none').map(l => {
    const r = l.el.getBoundingClientRect(), c = window.map.getContainer().getBoundingClientRect();
    const x = Math.max(r.left - c.left, Math.min(l.p.x, r.right - c.left)), y = Math.max(r.top - c.top, Math.min(l.p.y, r.bottom - c.top));
    return [l.el.textContent, Math.hypot(x - l.p.x, y - l.p.y)];
  });
  return {map, page, sizes, reach};
}"""


def _layout(story, layout: snapshot.Layout, shot: snapshot.Shot) -> tuple[dict, bytes]:
    """The page's own measurements and its screenshot, taken the way a snapshot takes its pictures."""

    def work(page, show):
        show(shot)
        return page.evaluate(LAYOUT_JS), page.screenshot(full_page=layout.paper is None)

    return snapshot._in_browser(story, [shot], layout, work)


def _longest_flat_band(pixels: np.ndarray) -> int:
    """The widest run of neighbouring columns that are each one flat colour (a strip the map never drew)."""
    flat = (pixels.max(axis=0) - pixels.min(axis=0)).max(axis=-1) <= 2
    longest = run = 0
    for column_is_flat in flat:
        run = run + 1 if column_is_flat else 0
        longest = max(longest, run)
    return longest


def test_a_png_is_drawn_across_its_whole_map_with_every_label_beside_its_marker(story):
    from PIL import Image

    layout = snapshot.Layout(width=1000, scale=2)
    measured, png = _layout(story, layout, snapshot.Shot(day=DAY, place="saraqeb"))
    with Image.open(io.BytesIO(png)) as image:
        assert image.width == 2000  # the chosen width at the chosen device pixel ratio
        pixels = np.asarray(image.convert("RGB"), dtype=int)
    m = {k: round(v * layout.scale) for k, v in measured["map"].items()}
    frame = pixels[m["y"] + 4 : m["y"] + m["h"] - 4, m["x"] + 4 : m["x"] + m["w"] - 4]
    assert frame.shape[1] > 1500
    assert _longest_flat_band(frame) < 0.03 * frame.shape[1], "a strip of the map is one flat colour"
    far = [(name, round(d)) for name, d in measured["reach"] if d > 16]
    assert len(measured["reach"]) >= 3 and far == []  # every drawn label within a marker's reach
    (ARTIFACTS / "print-screen-1000px@2x.png").write_bytes(png)


@pytest.mark.parametrize("paper", ["a4", "a4-landscape", "letter", "letter-landscape"])
def test_a_paper_page_is_mostly_map_with_print_size_text(story, paper):
    layout = snapshot.Layout(paper=paper, scale=1)
    measured, png = _layout(story, layout, snapshot.Shot(day=DAY))
    page, box = measured["page"], measured["map"]
    assert (page["w"], page["h"]) == (layout.viewport["width"], layout.viewport["height"])
    share = box["w"] * box["h"] / (page["w"] * page["h"])
    assert share >= 0.60, f"the map is {share:.0%} of the page"
    assert box["y"] + box["h"] <= page["h"]  # the whole layout on the page
    small = [(size, text) for size, text in measured["sizes"] if size < 7 / 0.75]  # 7 pt at 96 CSS px per inch
    assert small == []
    texts = " ".join(text for _size, text in measured["sizes"])
    assert "Sources:" in texts and "Legend" not in texts  # a credit line; no disclosure toggle
    assert "no server" not in texts
    (ARTIFACTS / f"print-{paper}.png").write_bytes(png)


def test_a_pdf_handout_is_vector_with_a_page_per_date_and_the_sources_at_the_end(story, tmp_path):
    days = [date(2020, 2, 10), DAY, date(2020, 3, 5)]
    out = snapshot.snapshot(story, tmp_path / "handout.pdf", [snapshot.Shot(day=d) for d in days])
    reader = PdfReader(out)
    map_pages, rest = reader.pages[: len(days)], reader.pages[len(days) :]
    assert rest, "the sources' page"
    for pdf_page, day in zip(map_pages, days, strict=True):
        width, height = float(pdf_page.mediabox.width), float(pdf_page.mediabox.height)
        assert abs(width - 210 * MM_TO_PT) < 1 and abs(height - 297 * MM_TO_PT) < 1  # A4
        text = pdf_page.extract_text()
        assert story.manifest.title in text and f"As of {day.day} {day:%b %Y}" in text
        assert "Saraqeb" in text and "Sources:" in text  # labels and credits stay text
        assert "http" not in text  # addresses only on the sources' page
        assert len(pdf_page.images) <= 12  # vector: the relief and shadows are the only images
    references = " ".join(p.extract_text() for p in rest)
    assert "sources of the maps" in references and "https://" in references
    assert out.stat().st_size / len(reader.pages) < 2_000_000
    shutil.copy(out, ARTIFACTS / "handout.pdf")


def test_a_pdf_on_letter_landscape_without_references(story, tmp_path):
    layout = snapshot.Layout(paper="letter-landscape", references=False)
    out = snapshot.snapshot(story, tmp_path / "page.pdf", [snapshot.Shot(step="p02")], layout)
    reader = PdfReader(out)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 279.4 * MM_TO_PT) < 1 and abs(float(box.height) - 215.9 * MM_TO_PT) < 1


def test_an_svg_holds_the_map_as_vectors_and_its_labels_as_text(story, tmp_path):
    out = snapshot.snapshot(story, tmp_path / "map.svg", [snapshot.Shot(day=DAY)], snapshot.Layout(paper="a4"))
    root = ET.parse(out).getroot()
    texts = [t.text for t in root.iter(f"{SVG}text")]
    callouts = " ".join(texts)
    assert "Saraqeb" in texts and "M5" in texts
    assert "retake Saraqeb" in callouts  # a callout, line by line as the page wrapped it
    assert len(list(root.iter(f"{SVG}path"))) > 50  # outlines, roads, areas, markers
    leaders = [e for e in root.iter(f"{SVG}line") if e.get("stroke") not in (None, "none")]
    assert leaders  # the callouts' leader lines, styled (the file has no stylesheet)
    assert not list(root.iter(f"{SVG}script")) and not list(root.iter(f"{SVG}foreignObject"))
    assert float(root.get("width")) > 500
    shutil.copy(out, ARTIFACTS / "map.svg")


def test_a_published_site_gets_a_share_picture_of_its_map(story, tmp_path):
    from PIL import Image

    from mapapp.render.publish import publish_site

    site = publish_site(story, tmp_path / "site", share_image=True, base_url="https://maps.example.org/story/")
    with Image.open(site.out / "share.png") as image:
        assert image.size == (1200, 630)  # the size link previews use
        pixels = np.asarray(image.convert("RGB"), dtype=int)
    assert _longest_flat_band(pixels[120:600, 20:1180]) < 0.03 * 1160  # a drawn map, not a blank frame
    page = (site.out / "index.html").read_text(encoding="utf-8")
    assert '<meta property="og:image" content="https://maps.example.org/story/share.png"/>' in page
    shutil.copy(site.out / "share.png", ARTIFACTS / "share.png")
