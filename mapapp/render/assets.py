"""Offline map assets: Leaflet served by the app itself, never from a CDN.

folium links Leaflet (and, for features this app does not use, jQuery,
Bootstrap, Font Awesome...) from CDNs, and streamlit-folium loads whatever
the map's elements list in ``default_js``/``default_css``. The map here only
needs Leaflet, so every element's lists are replaced per instance by the local
copy that ``scripts/fetch_assets.py`` unpacks from the npm package into
``mapapp/static/vendor/`` (served at ``/app/static/vendor/`` by Streamlit's
static file serving). Anything else would show up as a CDN link, which
:func:`cdn_links` reports and the tests forbid.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import branca
import folium
from folium.elements import JSCSSMixin
from folium.plugins import Draw

from mapapp import settings

LEAFLET_VERSION = "1.9.3"  # the version folium 0.20 asks for
LEAFLET_DIR = f"leaflet@{LEAFLET_VERSION}"
LEAFLET_FILES = ("dist/leaflet.js", "dist/leaflet.css", "dist/images/marker-icon.png")
LOCAL_JS = [("leaflet", f"{settings.STATIC_URL}/vendor/{LEAFLET_DIR}/dist/leaflet.js")]
LOCAL_CSS = [("leaflet_css", f"{settings.STATIC_URL}/vendor/{LEAFLET_DIR}/dist/leaflet.css")]
# The editor's drawing tools: leaflet-draw (MIT), the library streamlit-folium reports drawings from
# (its frontend listens for draw:created / draw:edited / draw:deleted).
DRAW_VERSION = "1.0.4"
DRAW_DIR = f"leaflet-draw@{DRAW_VERSION}"
DRAW_FILES = (
    "dist/leaflet.draw.js", "dist/leaflet.draw.css", "dist/images/spritesheet.png", "dist/images/spritesheet-2x.png",
    "dist/images/spritesheet.svg", "package.json",
)  # fmt: skip
DRAW_JS = [("leaflet_draw_js", f"{settings.STATIC_URL}/vendor/{DRAW_DIR}/dist/leaflet.draw.js")]
DRAW_CSS = [("leaflet_draw_css", f"{settings.STATIC_URL}/vendor/{DRAW_DIR}/dist/leaflet.draw.css")]


def vendor_path(relative: str) -> Path:
    return settings.VENDOR_DIR / LEAFLET_DIR / relative


def assets_installed() -> bool:
    """True when the local Leaflet and leaflet-draw copies are in place (run scripts/fetch_assets.py otherwise)."""
    drawing = settings.VENDOR_DIR / DRAW_DIR
    return all(vendor_path(f).is_file() for f in LEAFLET_FILES) and all((drawing / f).is_file() for f in DRAW_FILES)


def walk(element: branca.element.Element) -> Iterator[branca.element.Element]:
    """The element and all its descendants."""
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from walk(child)


def localize(element: branca.element.Element) -> None:
    """Point every JS/CSS link of ``element``'s tree at the app's own copies."""
    for item in walk(element):
        # streamlit-folium collects links only from JSCSSMixin elements (pinned in tests/test_internals.py).
        if isinstance(item, JSCSSMixin) and (item.default_js or item.default_css):
            # The app's own scripts (already local) stay; everything else becomes Leaflet or nothing.
            own_js = [link for link in getattr(item, "default_js", []) if link[1].startswith(settings.STATIC_URL)]
            own_css = [link for link in getattr(item, "default_css", []) if link[1].startswith(settings.STATIC_URL)]
            if isinstance(item, folium.Map):
                own_js, own_css = list(LOCAL_JS), list(LOCAL_CSS)
            elif isinstance(item, Draw):
                own_js, own_css = list(DRAW_JS), list(DRAW_CSS)
            item.default_js, item.default_css = own_js, own_css


def cdn_links(element: branca.element.Element) -> list[str]:
    """Every JS/CSS URL in the tree that is not served by the app (should be empty)."""
    urls = []
    for item in walk(element):
        for _name, url in list(getattr(item, "default_js", [])) + list(getattr(item, "default_css", [])):
            if not url.startswith(settings.STATIC_URL):
                urls.append(url)
    return urls


def inline_html(html: str) -> str:
    """A standalone page: every script and stylesheet the app serves itself, inlined instead of linked."""

    def local_text(url: str) -> str:
        return (settings.STATIC_DIR / url.removeprefix(settings.STATIC_URL + "/")).read_text(encoding="utf-8")

    prefix = re.escape(settings.STATIC_URL)
    html = re.sub(rf'<script src="({prefix}/[^"]+)"></script>', lambda m: f"<script>{local_text(m.group(1))}</script>", html)
    return re.sub(
        rf'<link rel="stylesheet" href="({prefix}/[^"]+)"/>', lambda m: f"<style>{local_text(m.group(1))}</style>", html
    )


def publish_file(source: Path, cache_dir: Path | None = None) -> str:
    """Copy ``source`` once as ``cache/<stem>-<content hash><suffix>`` and return its URL (see :func:`publish_json`)."""
    return _publish_bytes(Path(source).stem, Path(source).suffix, Path(source).read_bytes(), cache_dir)


def data_uri(source: Path, mime: str) -> str:
    """``source`` inlined as a data: URI (the standalone export has no server)."""
    return f"data:{mime};base64," + base64.b64encode(Path(source).read_bytes()).decode()


def publish_json(stem: str, data: Any, cache_dir: Path | None = None) -> str:
    """Write ``data`` once as ``cache/<stem>-<content hash>.json`` and return its URL.

    The name changes with the content, so browsers may cache it for good; the
    write goes through a temporary file so no reader sees half of it.
    """
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return _publish_bytes(stem, ".json", text.encode("utf-8"), cache_dir)


def _publish_bytes(stem: str, suffix: str, data: bytes, cache_dir: Path | None) -> str:
    """Write ``data`` once under a name made from its content hash, through a temporary file; return its URL."""
    name = f"{stem}-{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
    folder = Path(cache_dir or settings.CACHE_DIR)
    path = folder / name
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    return f"{settings.CACHE_URL}/{name}"
