"""Publish a story as a static site: ``python -m mapapp publish OUT [--data DIR] [--events FILE]``.

The site is the app's map and reading pane without a server: ``index.html``,
the content-hashed scripts, styles and data beside it. Nothing is computed at
view time that the app computes in Python:

- the map is the one :func:`mapapp.render.mapbuild.build_base_map` builds for the
  app, with the story's per-day timeline embedded, drawn by the same
  ``story-layers.js`` (and ``events-layer.js`` for an event dataset);
- the place panel, the reader, the walk and the text alternative are the view
  model of :mod:`mapapp.render.viewmodel`, written as ``data/view-<hash>.js`` and
  rendered by ``site.js``, which puts every string in the page as text
  (``textContent``), never as HTML.

The story works from ``file://`` too (its data are scripts, not fetched); an
event dataset is fetched, so it needs any web server. Every file but
``index.html`` is named by its content's hash, so a CDN may cache it for good.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from mapapp import settings
from mapapp.events.dataset import Scope
from mapapp.events.sources import load_events
from mapapp.events.store import publish as publish_events
from mapapp.render import assets, legend, mapbuild, viewmodel
from mapapp.story.files import new_folder
from mapapp.story.model import Story

SITE_JS = "site.js"
SITE_CSS = "site.css"
SITE_FILES = (settings.LEGEND_CSS, SITE_JS, SITE_CSS)  # static/mapapp/ files only the site (and the legend) use
BUDGET_BYTES = 2_000_000  # without event data (issue: at most 2 MB)
_VIEWPORT = re.compile(r'<meta name="viewport" content="[^"]*"\s*/>', re.S)


@dataclass
class Site:
    out: Path
    files: int
    bytes_without_events: int
    events_bytes: int


def _hashed(data: bytes, stem: str, suffix: str) -> str:
    return f"{stem}-{hashlib.sha256(data).hexdigest()[:12]}{suffix}"


class _Writer:
    """Writes files under a folder, content-hashed unless told otherwise; counts bytes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bytes = 0
        self.files = 0

    def write(self, relative: str, data: bytes) -> str:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.bytes += len(data)
        self.files += 1
        return relative

    def hashed(self, folder: str, name: str, data: bytes) -> str:
        stem, dot, suffix = name.rpartition(".")
        return self.write(f"{folder}/{_hashed(data, stem, dot + suffix)}", data)


def _copy_assets(writer: _Writer) -> dict[str, str]:
    """The app's static files the map links (``/app/static/...``) → their hashed copies in the site."""
    links: dict[str, str] = {}
    leaflet = settings.VENDOR_DIR / assets.LEAFLET_DIR / "dist"
    for image in sorted((leaflet / "images").glob("*.png")):  # leaflet.css links them as images/<name>
        writer.write(f"assets/images/{image.name}", image.read_bytes())
    for url, path in (
        (assets.LOCAL_JS[0][1], leaflet / "leaflet.js"),
        (assets.LOCAL_CSS[0][1], leaflet / "leaflet.css"),
        *(
            (f"{settings.APP_JS_URL}/{name}", settings.STATIC_DIR / "mapapp" / name)
            for name in (settings.STORY_LAYERS_JS, settings.EVENTS_LAYER_JS, settings.MAP_CSS, *SITE_FILES)
        ),
    ):
        links[url] = writer.hashed("assets", path.name, path.read_bytes())
    return links


def _images_to_files(html: str, writer: _Writer) -> str:
    """The map embeds its images (the hillshade) as data: URIs; the site serves them as hashed files (cacheable)."""

    def to_file(match: re.Match) -> str:
        data = base64.b64decode(match.group(2))
        return writer.hashed("assets", f"image.{match.group(1)}", data)

    return re.sub(r"data:image/(png|jpeg);base64,([A-Za-z0-9+/=]+)", to_file, html)


def _absolute(base_url: str | None, name: str) -> str:
    return f"{base_url.rstrip('/')}/{name}" if base_url else name


def share_tags(story: Story, base_url: str | None, share_image: str | None) -> str:
    """Open Graph and Twitter card tags: the title and subtitle from the manifest, the share picture when made.
    Networks want absolute URLs: give ``base_url`` (``mapapp publish --base-url``) where the site will live."""
    esc = mapbuild.escape_text
    manifest = story.manifest
    tags = [
        ("property", "og:type", "article"),
        ("property", "og:title", manifest.title),
        ("property", "og:description", manifest.subtitle or manifest.title),
        ("name", "twitter:card", "summary_large_image" if share_image else "summary"),
        ("name", "twitter:title", manifest.title),
        ("name", "twitter:description", manifest.subtitle or manifest.title),
        ("name", "description", manifest.subtitle or manifest.title),
    ]
    if base_url:
        tags.append(("property", "og:url", _absolute(base_url, "")))
    if share_image:
        image = _absolute(base_url, share_image)
        tags += [("property", "og:image", image), ("property", "og:image:width", str(SHARE_SIZE[0])),
                 ("property", "og:image:height", str(SHARE_SIZE[1])), ("name", "twitter:image", image),
                 ("property", "og:image:alt", f"Map: {manifest.title}")]  # fmt: skip
    return "".join(f'<meta {attr}="{name}" content="{esc(value)}"/>\n' for attr, name, value in tags)


def embed_snippet(story: Story, base_url: str | None) -> str:
    """The HTML an article page pastes to show the site: an iframe that takes its content's height (the site
    posts it; only messages from this iframe are read, and the height is clamped), and, for readers without
    JavaScript, a link to the map with its text."""
    esc = mapbuild.escape_text
    manifest = story.manifest
    src = _absolute(base_url, "index.html")
    return f"""<div class="mapapp-embed">
<iframe src="{esc(src)}" title="{esc("Map: " + manifest.title)}" loading="lazy" style="width:100%;height:720px;border:0"
 allow="fullscreen"></iframe>
<noscript><p><a href="{esc(src)}">{esc(manifest.title)}: the map of the story</a>. {esc(manifest.subtitle)}</p></noscript>
<script>(function (box) {{
  var frame = box.querySelector("iframe");
  window.addEventListener("message", function (e) {{
    if (e.source !== frame.contentWindow || !e.data || typeof e.data.mapappHeight !== "number") return;
    frame.style.height = Math.max(320, Math.min(4000, Math.round(e.data.mapappHeight))) + "px";
  }});
}})(document.currentScript.parentNode);</script>
</div>
"""


def oembed(story: Story, base_url: str | None) -> dict:
    """oEmbed's ``rich`` type (oembed.com), for publishing systems that embed by URL."""
    return {
        "version": "1.0",
        "type": "rich",
        "provider_name": "mapapp",
        "title": story.manifest.title,
        "html": embed_snippet(story, base_url),
        "width": 1200,
        "height": 720,
    }


FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#37474f"/>'
    '<path d="M16 5a8 8 0 0 0-8 8c0 6 8 14 8 14s8-8 8-14a8 8 0 0 0-8-8z" fill="#fff"/>'
    '<circle cx="16" cy="13" r="3" fill="#c0392b"/></svg>'
)
SHARE_SIZE = (1200, 630)


def site_html(
    story: Story,
    links: dict[str, str],
    view_js: str,
    events_url: str | None,
    base_url: str | None = None,
    share_image: str | None = None,
) -> str:
    """``index.html``: the app's map (data embedded) inside the site's page, then the view model and its renderer."""
    state = mapbuild.story_state(story.manifest.events_date, None)
    m = mapbuild.build_base_map(story, standalone=state, events=events_url, legend_on_map=False)
    html = m.get_root().render()
    for url, local in links.items():
        html = html.replace(f'"{url}"', f'"{local}"')
    leftover = re.findall(r'(?:src|href)="(/app/static/[^"]+)"', html)
    if leftover:
        raise RuntimeError(f"the site links files it does not ship: {leftover}")
    manifest = story.manifest
    esc = mapbuild.escape_text
    # Pinch zoom stays allowed (folium's page forbids it): WCAG 1.4.4.
    html = _VIEWPORT.sub('<meta name="viewport" content="width=device-width, initial-scale=1" />', html, count=1)
    head = (
        f"<title>{esc(manifest.page_title or manifest.title)}</title>\n"
        + share_tags(story, base_url, share_image)
        + '<link rel="icon" href="favicon.svg" type="image/svg+xml"/>\n'
        + f'<link rel="alternate" type="application/json+oembed" href="{esc(_absolute(base_url, "oembed.json"))}"/>\n'
    )
    head += (
        f'<link rel="stylesheet" href="{links[settings.APP_JS_URL + "/" + settings.LEGEND_CSS]}"/>\n'
        f'<link rel="stylesheet" href="{links[settings.APP_JS_URL + "/" + SITE_CSS]}"/>\n'
    )
    html = html.replace("<head>", '<head>\n<meta charset="utf-8" />\n' + head, 1)
    html = html.replace("<html>", '<html lang="en">', 1)
    map_div = re.search(r'<div class="folium-map" id="[^"]+" ></div>', html)
    if map_div is None:
        raise RuntimeError("folium's map element was not found in the page")
    page = f"""<header class="site-head"><h1>{esc(manifest.title)}</h1><p>{esc(manifest.subtitle)}</p></header>
<main class="site-main">
<section class="site-map-col" aria-label="Map">
<div class="site-map">{map_div.group(0)}</div>
<div class="site-toggles" id="site-toggles" role="group" aria-label="Layers"></div>
<p class="mapapp-description" id="site-description" role="status" aria-live="polite" tabindex="0"></p>
</section>
<aside class="site-panel" aria-label="Story">
<div class="site-controls"><label>As of <output id="site-date-text"></output> <input type="date" id="site-date"
 aria-label="As of date"></label>
<label>Compare with <output id="site-compare-text"></output> <input type="date" id="site-compare"
 aria-label="Compare with date"></label> <button type="button" id="site-compare-off" hidden>No comparison</button>
<button type="button" id="site-walk">Story: walk me through the article</button></div>
<div id="site-changes" class="site-changes" hidden></div>
<div id="site-walk-panel" hidden></div>
{legend.legend_html(story, open_=True)}
<div class="site-tabs" role="tablist"><button type="button" role="tab" id="tab-place" aria-selected="true">Place</button>
<button type="button" role="tab" id="tab-article" aria-selected="false">Article</button>
<button type="button" role="tab" id="tab-timeline" aria-selected="false">Timeline</button></div>
<div id="site-place" role="tabpanel" aria-labelledby="tab-place"></div>
<div id="site-article" role="tabpanel" aria-labelledby="tab-article" hidden></div>
<div id="site-timeline" role="tabpanel" aria-labelledby="tab-timeline" hidden></div>
<section id="site-print-sources" class="site-print-sources" hidden></section>
<footer class="site-foot"><p>{esc(manifest.credits)}</p><p>{esc(manifest.licence)}</p>
<p>Published with mapapp from the story folder; no server, no CDN: everything is in this site.</p></footer>
</aside>
</main>"""
    html = html[: map_div.start()] + page + html[map_div.end() :]
    scripts = f'<script src="{view_js}"></script>\n<script src="{links[settings.APP_JS_URL + "/" + SITE_JS]}"></script>\n'
    return html.replace("</html>", scripts + "</html>") if "</html>" in html else html + scripts


def publish_site(
    story: Story,
    out: Path,
    *,
    events_csv: Path | None = None,
    force: bool = False,
    base_url: str | None = None,
    share_image: bool = False,
) -> Site:
    """Write the site into ``out`` (see :func:`mapapp.story.files.new_folder`: never half-written, kept unless ``force``).

    Beside ``index.html``: ``embed.html`` (the snippet an article pastes), ``oembed.json``, ``favicon.svg`` and,
    with ``share_image``, ``share.png`` (1200×630, photographed by the snapshot's Chromium) for link previews."""
    with new_folder(out, force=force) as tmp:
        writer = _Writer(tmp)
        links = _copy_assets(writer)
        view = json.dumps(viewmodel.site_view(story), ensure_ascii=False, separators=(",", ":"))
        # A script, not a fetched file: the story then opens from file:// too. "</" cannot end the script early.
        script = "window.MAPAPP_SITE=" + view.replace("</", "<\\/") + ";\n"
        view_js = writer.hashed("data", "view.js", script.encode("utf-8"))
        events_url, events_bytes = None, 0
        if events_csv is not None:
            manifest = story.manifest
            scope = Scope(manifest.region, manifest.timeline_start, manifest.timeline_end)
            published = publish_events(load_events(events_csv, scope), tmp / "data", "data")
            events_url = published.manifest_url
            events_bytes = sum(p.stat().st_size for p in (tmp / "data").glob("events-*/**/*") if p.is_file())
        writer.write("favicon.svg", FAVICON.encode("utf-8"))
        writer.write("embed.html", embed_snippet(story, base_url).encode("utf-8"))
        writer.write("oembed.json", json.dumps(oembed(story, base_url), ensure_ascii=False, indent=1).encode("utf-8"))
        share = "share.png" if share_image else None
        html = _images_to_files(site_html(story, links, view_js, events_url, base_url, share), writer)
        writer.write("index.html", html.encode("utf-8"))
        if share is not None:  # a picture of this very site: it must exist first
            from mapapp.render.chromium import share_picture

            writer.write(share, share_picture(tmp))
    return Site(out, writer.files, writer.bytes, events_bytes)
