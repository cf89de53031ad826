"""The offline basemap under the story: land and sea, country and province outlines, relief and rivers.

Outlines are published once per story as static files (or inlined in a standalone page); only geometry
reaches the page. The country outlines are also what a print page's locator inset draws.
"""

from __future__ import annotations

import folium
import geopandas as gpd
from branca.element import MacroElement
from jinja2 import Template

from mapapp import settings
from mapapp.render import assets
from mapapp.story.layers import BOUNDARIES
from mapapp.story.model import Story


class MapFrameStyle(MacroElement):
    """The map fills its frame (whose height the page sets from the screen's), on a sea-coloured background
    so that the offline basemap reads as land and sea."""

    _template = Template(
        """{% macro header(this, kwargs) %}<style>.leaflet-container { background: {{ this.colour }}; }
html, body { height: 100%; margin: 0; overflow: hidden; } .folium-map, #map_div { height: 100vh !important; }
</style>{% endmacro %}
{% macro script(this, kwargs) %}
// folium's page forbids pinch zoom (maximum-scale=1, user-scalable=no): readers on phones must be able to zoom.
document.querySelectorAll('meta[name="viewport"]').forEach(function (m) { m.content = "width=device-width, initial-scale=1"; });
{% endmacro %}"""
    )

    def __init__(self, colour: str):
        super().__init__()
        self.colour = colour


class BasemapOutlines(MacroElement):
    """Non-interactive outlines in a pane of their own, under the event layer and the story.

    ``source`` is a URL (the app: fetched once, cached by the browser; inside the
    map's script these ~230 KB were re-sent with every rerun) or the GeoJSON itself.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent._parent.get_name() }};
            var pane = {{ this.pane|tojson }};
            if (!map.getPane(pane)) { map.createPane(pane).style.zIndex = {{ this.z_index }}; }
            var layer = L.geoJSON(null, {style: {{ this.style|tojson }}, interactive: false, pane: pane})
                .addTo({{ this._parent.get_name() }});
            var source = {{ this.source|tojson }};
            var outlines = window.mapappOutlines = window.mapappOutlines || {};  // the print page's locator reads them
            // What is still loading, and what failed: a snapshot waits for the first and refuses the second.
            window.mapappPending = (window.mapappPending || 0) + 1;
            var data = typeof source === "string"
                ? fetch(source).then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
                : Promise.resolve(source);
            outlines[{{ this.kind|tojson }}] = data;
            data.then(function (d) { layer.addData(d); })
                .catch(function (err) {
                    console.error("basemap: " + err);
                    (window.mapappErrors = window.mapappErrors || []).push("basemap: " + err);
                })
                .then(function () { window.mapappPending -= 1; });
        })();
        {% endmacro %}"""
    )

    def __init__(self, kind: str, source: str | dict, style: dict, pane: str = "mapappBasemap", z_index: int = 250):
        super().__init__()
        self._name = "BasemapOutlines"
        self.kind = kind
        self.source = source
        self.style = style
        self.pane = pane
        self.z_index = int(z_index)


class BasemapImage(MacroElement):
    """A hillshade image over the land fill and under the outlines, rivers and the story (non-interactive)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent._parent.get_name() }};
            if (!map.getPane("mapappTerrain")) { map.createPane("mapappTerrain").style.zIndex = 251; }
            L.imageOverlay({{ this.url|tojson }}, {{ this.bounds|tojson }},
                {interactive: false, pane: "mapappTerrain", opacity: 0.9, alt: "shaded relief", className: "mapapp-terrain"})
                .addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}"""
    )

    def __init__(self, url: str, bounds: list):
        super().__init__()
        self._name = "BasemapImage"
        self.url = url
        self.bounds = bounds


def add_terrain(story: Story, basemap: folium.FeatureGroup, *, standalone: bool) -> None:
    """The manifest's hillshade and rivers, when it names them (static files; inlined in the export)."""
    terrain, rivers = story.basemap.get("terrain"), story.basemap.get("rivers")
    if terrain is not None:
        image = terrain["image"]
        url = (
            assets.data_uri(image, "image/png")
            if standalone
            else story.derived("terrain-url", lambda: assets.publish_file(image))
        )
        BasemapImage(url, terrain["bounds"]).add_to(basemap)
    if rivers is not None:
        source = (
            geometry_only(rivers)
            if standalone
            else story.derived("rivers-url", lambda: assets.publish_json("rivers", geometry_only(rivers)))
        )
        BasemapOutlines("rivers", source, settings.RIVER_STYLE, "mapappLines", 252).add_to(basemap)


def geometry_only(collection: dict) -> dict:
    """Only geometry reaches the page (names and sources stay in the data files)."""
    features = [{"type": "Feature", "properties": {}, "geometry": f["geometry"]} for f in collection.get("features", [])]
    return {"type": "FeatureCollection", "features": features}


def published_outlines(story: Story, kind: str) -> str:
    """URL of the story's boundary outlines of ``kind``, published once per story."""
    boundaries = story.layers[BOUNDARIES]

    def publish() -> str:  # filtering the outlines costs ~1 ms: only on the first call
        return assets.publish_json(f"basemap-{kind}", outline_collection(boundaries[boundaries["kind"] == kind]))

    return story.derived(f"basemap-{kind}-url", publish)


def outline_collection(gdf: gpd.GeoDataFrame) -> dict:
    """Boundary shapes with no properties: nothing from the file but geometry reaches the page."""
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": g.__geo_interface__} for g in gdf.geometry],
    }
