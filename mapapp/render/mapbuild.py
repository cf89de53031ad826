"""Folium maps of the story: a fixed base map plus one feature group per layer.

The base map (offline basemap, the story's layer groups, optional online
tiles, legend) never changes between reruns, so streamlit-folium keeps the
same component and the user's zoom. The story's features and their look on
every day are published once as a static file (:func:`story_timeline`) and
drawn by ``static/mapapp/story-layers.js``; what a rerun sends is only the
:class:`SyncedLayerControl` script (visible layers, day, selection, event
filter). Every string from the data goes through :func:`escape_text` before it
reaches HTML or JavaScript.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import folium
import numpy as np
import shapely
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from mapapp import contract, settings
from mapapp.events.dataset import date_to_day, day_to_date
from mapapp.render import _branca, assets
from mapapp.render.labels import map_text, ranked_labels
from mapapp.story.layers import KINDS, drawing_order
from mapapp.story.model import Story
from mapapp.story.states import FeatureState, layer_states

DISPLAY_DECIMALS = 5

_branca.apply()  # rendered map parts are literal text, never Jinja templates (see mapapp/_branca.py)


def escape_text(value: Any) -> str:
    """Text safe inside HTML *and* inside a JavaScript template literal.

    HTML-escapes, then neutralises the characters that act inside folium's
    backtick strings: backslash, backtick and ``$`` (for ``${...}``).
    """
    text = html.escape("" if value is None else str(value), quote=True)
    return text.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


# --- folium --------------------------------------------------------------------------


def _display_geometry(geom) -> dict:
    """GeoJSON geometry with coordinates rounded to 5 decimals (about 1 m): what a map can show,
    at a fraction of the bytes re-sent on each rerun. The data files keep full precision."""
    return shapely.transform(geom, lambda xy: np.round(xy, DISPLAY_DECIMALS)).__geo_interface__


def _style(state: FeatureState, radius: int, ring: str | None = None) -> dict:
    """Leaflet path options for one feature's look on one day.

    The field's conventions: the fill is the holder; a thick outer ring marks a siege (dashed when partial);
    a claim only one side makes is hollow and dashed; a place no source speaks for is hollow grey; an area
    drawn only schematically ("in the province") is an outline with the faintest fill, so it never reads as held.
    """
    kind, colour = state.geometry.geom_type, state.colour
    dash = settings.PRECISION_DASH.get(state.precision)
    if "Polygon" in kind:
        fill = 0.0 if not state.filled else 0.04 if state.precision == "schematic" else 0.08 if state.claimed else 0.2
        return {
            "color": colour,
            "weight": 2,
            "fillColor": colour,
            "fillOpacity": fill,
            "dashArray": dash if not state.claimed else "5 4",
        }
    if "LineString" in kind:
        return {"color": colour, "weight": 5, "opacity": 0.85, "dashArray": dash}
    if ring is not None:  # besieged (solid ring) or partly besieged (dashed ring) around the holder's fill
        dashed = ring.endswith(":dashed")
        return {"color": ring.removesuffix(":dashed"), "weight": 4, "fillColor": colour, "fillOpacity": 0.95,
                "radius": radius, "dashArray": "4 3" if dashed else None}  # fmt: skip
    if state.claimed:
        return {"color": colour, "weight": 3, "fillColor": "#ffffff", "fillOpacity": 0.85, "radius": radius, "dashArray": "3 2"}
    if not state.filled:  # unknown: hollow, small and light, so it is context, never a side's colour
        return {"color": colour, "weight": 1.5, "opacity": 0.75, "fillColor": "#ffffff", "fillOpacity": 0.9,
                "radius": max(3, radius - 2), "context": True}  # fmt: skip
    return {"color": "#ffffff", "weight": 2, "fillColor": colour, "fillOpacity": 0.95, "radius": radius}


# Areas under lines under points, so a point inside an area (a town in its province) keeps its clicks.
_GEOMETRY_ORDER = {"MultiPolygon": 0, "Polygon": 0, "MultiLineString": 1, "LineString": 1}


def story_timeline(story: Story) -> dict:
    """Every drawable story feature with its look on each day of the timeline, as intervals.

    ``{"start", "end", "defaultDay", "styles": [...], "order": [ids bottom first],
    "layers": {layer: FeatureCollection}}``; each feature's ``properties.t`` is a list of
    ``[first day, last day, style index, escaped label, colour]`` (days since 1970-01-01),
    and a feature is absent on days no interval covers. The rules stay in Python
    (:func:`mapapp.story.states.layer_states`, evaluated for every day); the browser only looks
    intervals up. Computed once per story (~0.6 s).
    """
    return story.derived("timeline", lambda: _compute_timeline(story))


def _compute_timeline(story: Story) -> dict:
    manifest = story.manifest
    start, end = date_to_day(manifest.timeline_start), date_to_day(manifest.timeline_end)
    styles: list[dict] = []
    style_index: dict[str, int] = {}
    layers: dict[str, dict] = {}
    drawn: list[tuple[int, str]] = []
    for layer in drawing_order(story.story_layers):
        radius = KINDS[layer].point_radius
        features: dict[str, dict] = {}
        for day_number in range(start, end + 1):
            for r in layer_states(story, layer, day_to_date(day_number)):
                if r.geometry is None or r.geometry.is_empty:
                    continue  # unlocated: listed in the panel, not drawn
                feature = features.get(r.id) or features.setdefault(r.id, _timeline_feature(r))
                style = _style(r, radius, _ring(KINDS[layer], r.status))
                key = json.dumps(style, sort_keys=True)
                if key not in style_index:
                    style_index[key] = len(styles)
                    styles.append(style)
                look = [style_index[key], escape_text(r.label), r.colour]
                t = feature["properties"]["t"]
                if t and t[-1][1] == day_number - 1 and t[-1][2:] == look:
                    t[-1][1] = day_number
                else:
                    t.append([day_number, day_number, *look])
        ordered = sorted(features.values(), key=lambda f: _GEOMETRY_ORDER.get(f["geometry"]["type"], 2))
        layers[layer] = {"type": "FeatureCollection", "features": ordered}
        drawn += [(_GEOMETRY_ORDER.get(f["geometry"]["type"], 2), f["id"]) for f in ordered]
    timeline = {
        "format": contract.STORY,
        "start": start,
        "end": end,
        "defaultDay": date_to_day(manifest.events_date),
        "styles": styles,
        "order": [fid for _, fid in sorted(drawn, key=lambda pair: pair[0])],  # stable: layer order within a kind
        "layers": layers,
        "selectedColour": settings.SELECTED_COLOUR,
        # Place labels, most important first; the browser places them (story-layers.js: layoutLabels).
        "labels": [
            {"id": r["id"], "text": escape_text(r["text"]), "textAr": escape_text(r["text_ar"]) if r["text_ar"] else None}
            for r in ranked_labels(story)
        ],
        # Plain text below (the browser writes it with textContent): callouts, road names, area names.
        **map_text(story),
    }
    return timeline


def _ring(kind, status: str) -> str | None:
    """The ring a status draws around its fill (``colour`` or ``colour:dashed``), from the registry."""
    look = kind.statuses.get(status)
    return look.ring if look is not None else None


def _timeline_feature(row: FeatureState) -> dict:
    """Only the id, the precision and the look per day reach the browser."""
    return {
        "type": "Feature",
        "id": row.id,
        "geometry": _display_geometry(row.geometry),
        "properties": {"id": row.id, "precision": row.precision, "precision_m": row.precision_m, "t": []},
    }


class StoryGroup(folium.FeatureGroup):
    """The (empty) group of one story layer; ``story-layers.js`` fills it. Knows its layer id."""

    def __init__(self, layer_id: str, label: str):
        # Leaflet's layer control writes a layer's name with innerHTML: it must arrive as escaped text.
        super().__init__(name=escape_text(label), overlay=True, control=True)
        self.layer_id = layer_id


class StoryLayers(JSCSSMixin, MacroElement):
    """Fills the story's (empty) layer groups from :func:`story_timeline` (``static/mapapp/story-layers.js``).

    ``source`` is the URL of the published timeline (the app: fetched once and
    cached by the browser) or the timeline itself (the standalone export).
    The day and the selection arrive through :class:`SyncedLayerControl`.
    """

    # Instance attributes in folium (JSCSSMixin declares them so, and assets.localize sets them per instance).
    default_js: list[tuple[str, str]] = [("mapapp_story", f"{settings.APP_JS_URL}/{settings.STORY_LAYERS_JS}")]  # noqa: RUF012
    default_css: list[tuple[str, str]] = [("mapapp_map", f"{settings.APP_JS_URL}/{settings.MAP_CSS}")]  # noqa: RUF012
    _template = Template(
        """{% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.mapappStory({{ this._parent.get_name() }},
            { {% for layer_id, group in this.groups.items() %}{{ layer_id|tojson }}: {{ group.get_name() }},{% endfor %} },
            {{ this.source|tojson }}, {{ this.state|tojson }}, {{ this.formats|tojson }});
        {% endmacro %}"""
    )

    def __init__(self, groups: dict[str, folium.FeatureGroup], source, state: dict | None = None):
        super().__init__()
        self._name = "StoryLayers"
        self.groups = groups
        self.source = source
        self.state = state or {"day": None, "selected": None}
        self.formats = contract.expected()  # the data formats this page's scripts must be given


def story_state(
    day: date,
    selected: str | None,
    *,
    focus: Iterable[str] = (),
    lang: str = "en",
    dim: bool = False,
    compare: date | None = None,
) -> dict:
    """What the story's layers are told on each rerun: the day, the selection, the current passage's places
    (their labels come first and stand out), the labels' language, whether features not in ``focus`` are
    dimmed (the guided walk), and a second day shown left of a swipe divider (two dates compared)."""
    state: dict = {"day": date_to_day(day), "selected": selected, "focus": list(focus), "lang": lang}
    if dim:
        state["dim"] = True
    if compare is not None:
        state["compare"] = date_to_day(compare)
    return state


class _MapFrameStyle(MacroElement):
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


@dataclass(frozen=True)
class LegendBlock:
    """One heading of the legend and its entries: (fill colour, short label, words, ring or None)."""

    title: str
    shape: str  # "dot" or "line"
    entries: tuple[tuple[str, str, str, str | None], ...]
    layer: str = ""  # the story layer it explains (a print page lists only the layers in its view)


def legend(story: Story) -> list[LegendBlock]:
    """What the legend explains, from the manifest's sides and the registry's looks (plain text, not escaped)."""
    blocks = []
    for layer in story.story_layers:
        kind, entry = KINDS[layer], story.manifest.layers[layer]
        if kind.rule == "controller":
            sides = story.manifest.sides.values()
            # Unknown is drawn hollow: its swatch says so with a ring of its colour and no fill.
            looks = tuple(
                (s.colour, "no dated claim" if s.id == "unknown" else s.label, s.legend, s.colour if s.id == "unknown" else None)
                for s in sides
            )
            blocks.append(LegendBlock(entry.legend_title, "dot", looks, layer))
        elif kind.rule == "states":
            states = tuple(
                (look.colour, status.replace("-", " "), look.legend, look.ring)
                for status, look in kind.statuses.items()
                if status != "unknown"
            )
            shape = "line" if kind.geometry_types <= {"LineString", "MultiLineString"} else "dot"
            blocks.append(LegendBlock(entry.legend_title, shape, states, layer))
        elif kind.rule == "change":  # a place or an area that changed hands, in the gaining side's colour
            gains = tuple(
                (s.colour, f"→ {s.label}", f"→ {s.label} (shaded: an area of places at once)", None)
                for s in story.manifest.sides.values()
                if s.id != "unknown" and _side_gains(story, layer, s.id)
            )
            if gains:
                blocks.append(LegendBlock(entry.legend_title, "area", gains, layer))
        elif kind.rule == "happened":
            blocks.append(
                LegendBlock(
                    entry.legend_title, "big", ((kind.colour or "#000000", "", "what happened there, on its date", None),), layer
                )
            )
    if story.manifest.callouts:
        words = "what happened, in a few words from the article, with a line to where"
        blocks.append(LegendBlock("Written on the map", "callout", (("#111111", "what happened", words, None),), "callouts"))
    return blocks


def _side_gains(story: Story, layer: str, side: str) -> bool:
    """Whether any change in ``layer`` went to ``side`` (the legend lists only what the map can draw)."""
    gdf = story.layers.get(layer)
    return gdf is not None and "after" in gdf.columns and bool((gdf["after"] == side).any())


def legend_html(story: Story, *, open_: bool) -> str:
    """The legend in words, as a collapsible block: each colour's and symbol's meaning (manifest and registry)."""
    rows = []
    for block in legend(story):
        items = "".join(_legend_item(block.shape, colour, words, ring, name) for colour, name, words, ring in block.entries)
        rows.append(f'<div data-layer="{escape_text(block.layer)}"><b>{escape_text(block.title)}</b><ul>{items}</ul></div>')
    rows.append(
        '<div><b>How sure</b><ul><li><span class="swatch line dashed"></span><span class="legend-words">dashed line: approximate'
        ' or schematic position</span><span class="legend-short">approximate position</span></li>'
        '<li><span class="swatch ring"></span><span class="legend-words">faint circle: how far off an approximate position'
        ' may be</span><span class="legend-short">possible error</span></li>'
        '<li><span class="swatch claimed"></span><span class="legend-words">hollow, dashed: claimed by one side\'s sources'
        ' only (“according to …” in its tooltip)</span><span class="legend-short">one side\'s claim only</span></li></ul></div>'
    )
    state = " open" if open_ else ""
    return f'<details class="mapapp-legend"{state}><summary>Legend</summary><div class="grid">{"".join(rows)}</div></details>'


def _legend_item(shape: str, colour: str, words: str, ring: str | None, name: str = "") -> str:
    """One legend line: a swatch drawn like the map draws it, then the words (colours are validated #rrggbb);
    ``name``, when given, is the short form a print page's compact legend shows instead of the words."""
    style = f"--c:{colour}"
    classes = f"swatch {shape}"
    if ring is not None and ring == colour:
        classes += " hollow"
    elif ring is not None:
        classes += " ringed dashed-ring" if ring.endswith(":dashed") else " ringed"
        style += f";--r:{ring.removesuffix(':dashed')}"
    short = f'<span class="legend-short">{escape_text(name)}</span>' if name else ""
    words_html = f'<span class="legend-words">{escape_text(words)}</span>'
    return f'<li><span class="{classes}" style="{style}"></span>{words_html}{short}</li>'


PRECISION_NOTE = "approximate or schematic; dashed circle: how far off it may be"


class _Legend(MacroElement):
    """The map's legend, from :func:`legend`; every text is escaped (it comes from the story's files)."""

    _template = Template(
        """{% macro html(this, kwargs) %}
<div class="mapapp-legend" style="position:absolute;bottom:18px;left:10px;z-index:9999;background:rgba(255,255,255,.92);
 padding:6px 9px;border-radius:5px;font:12px/1.4 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3)">
{% for block in this.blocks %}<b>{{ block.title }}</b>{% if block.dots %}<br>{% for colour, name in block.entries %}<span
 style="display:inline-block;width:10px;height:10px;border-radius:50%;background:{{ colour }}"></span>
 {{ name }}<br>{% endfor %}{% else %} {% for colour, name in block.entries %}<span
 style="color:{{ colour }}">{{ block.symbol }}</span> {{ name }} {% endfor %}<br>{% endif %}{% endfor %}<span
 style="border-bottom:2px dashed #555">dashed</span>: {{ this.note }}
</div>
{% endmacro %}"""
    )

    def __init__(self, blocks: list[LegendBlock]):
        super().__init__()
        self.note = PRECISION_NOTE
        # The first block (who holds what) gets a line per side; the others share a line.
        self.blocks = [
            {
                "title": escape_text(block.title),
                "dots": i == 0 and block.shape == "dot",
                "symbol": "&#9679;" if block.shape == "dot" else "&#9644;",
                "entries": [(entry[0], escape_text(entry[1])) for entry in block.entries],
            }
            for i, block in enumerate(blocks)
        ]


class EventsLayer(JSCSSMixin, folium.map.Layer):
    """An event dataset drawn by the app's own canvas layer (``static/mapapp/events-layer.js``).

    Only the URL of the manifest (counts, type names, where the files are) is in
    the map's JavaScript; the manifest and the events are static files the browser fetches once
    and caches, so a rerun never re-sends them. The date window and type filter
    arrive through :class:`SyncedLayerControl`, which is re-sent on each rerun.
    """

    # A JSCSSMixin: streamlit-folium only collects scripts from those.
    default_js: list[tuple[str, str]] = [("mapapp_events", f"{settings.APP_JS_URL}/{settings.EVENTS_LAYER_JS}")]  # noqa: RUF012
    default_css: list[tuple[str, str]] = []  # noqa: RUF012
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.mapappEvents({{ this.source|tojson }},
            {radius: {{ this.radius }}, format: {{ this.format }}});
        {% endmacro %}
        """
    )

    def __init__(self, source: str | dict, radius: int = settings.EVENT_RADIUS_PX):
        """``source``: the manifest's URL (the app) or the manifest itself."""
        super().__init__(name=escape_text(settings.EVENTS_LABEL), overlay=True, control=True, show=True)
        self._name = "EventsLayer"
        self.source = source
        self.radius = int(radius)
        self.format = contract.EVENTS


def events_filter(all_types: Iterable[str], day: date, window_days: int | None, types: Iterable[str] | None = None) -> dict:
    """The layer's filter for the date control: ``window_days`` up to ``day`` (None: all up to it);
    ``types`` chosen among the dataset's ``all_types`` (their positions are the codes in points.bin)."""
    to_day = date_to_day(day)
    codes = None if types is None else [i for i, t in enumerate(all_types) if t in set(types)]
    return {"from": None if window_days is None else to_day - window_days + 1, "to": to_day, "types": codes}


class _BasemapOutlines(MacroElement):
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


class _BasemapImage(MacroElement):
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


def build_base_map(
    story: Story,
    *,
    online_tiles: bool = False,
    events: str | dict | None = None,
    standalone: dict | None = None,
    legend_on_map: bool = True,
) -> folium.Map:
    """The map that never changes: view, offline basemap, the story's layers, event layer, legend.

    Element ids are fixed so the generated JavaScript (and so the component's
    identity in streamlit-folium) is the same on every rerun; the day and the
    selection reach the layers through :class:`SyncedLayerControl`. ``events`` is
    the URL of a published event set's manifest (or the manifest itself);
    a new dataset is a new map. The basemap outlines and the story's layers are
    fetched from static files, or embedded when ``standalone`` (a
    :func:`story_state`; the exported file has no server) is given; the
    exported file then has the legend on the map, unless ``legend_on_map`` is
    false (the published site shows it beside the map).
    """
    manifest = story.manifest
    m = folium.Map(location=manifest.center, zoom_start=manifest.zoom, tiles=None, control_scale=True, prefer_canvas=False)
    basemap_label = manifest.layers["boundaries"].label if "boundaries" in manifest.layers else KINDS["boundaries"].label
    basemap = folium.FeatureGroup(name=escape_text(basemap_label), overlay=False, control=True)  # innerHTML, as above
    boundaries = story.layers.get("boundaries")
    if boundaries is not None:
        for kind, style in (("country", settings.BOUNDARY_STYLE), ("admin1", settings.ADMIN1_STYLE)):
            outlines: str | dict
            if standalone is not None:
                outlines = _outline_collection(boundaries[boundaries["kind"] == kind])
            else:
                outlines = _published_outlines(story, kind)
            # Countries (filled) at the bottom; terrain over them; admin lines and rivers over the terrain.
            pane, z_index = ("mapappBasemap", 250) if kind == "country" else ("mapappLines", 252)
            _BasemapOutlines(kind, outlines, style, pane, z_index).add_to(basemap)
    _add_terrain(story, basemap, standalone=standalone is not None)
    basemap.add_to(m)
    groups: dict[str, folium.FeatureGroup] = {}
    for layer in drawing_order(story.story_layers):  # the layer control lists them bottom first, as drawn
        groups[layer] = StoryGroup(layer, manifest.label(layer))
        groups[layer].add_to(m)
    source = story_timeline(story) if standalone is not None else published_timeline(story)
    StoryLayers(groups, source, standalone).add_to(m)
    if events is not None:
        EventsLayer(events).add_to(m)
    if online_tiles:
        for name, spec in settings.ONLINE_TILES.items():
            folium.TileLayer(
                tiles=spec["tiles"], attr=spec["attr"], name=escape_text(name), overlay=False, control=True, show=False
            ).add_to(m)
    _MapFrameStyle(settings.SEA_COLOUR).add_to(m)
    if standalone is not None and legend_on_map:  # the app and the site show it beside the map, where it covers nothing
        _Legend(legend(story)).add_to(m)
    assets.localize(m)
    fix_ids(m, prefix="base")
    return m


def _add_terrain(story: Story, basemap: folium.FeatureGroup, *, standalone: bool) -> None:
    """The manifest's hillshade and rivers, when it names them (static files; inlined in the export)."""
    terrain, rivers = story.basemap.get("terrain"), story.basemap.get("rivers")
    if terrain is not None:
        image = terrain["image"]
        url = (
            assets.data_uri(image, "image/png")
            if standalone
            else story.derived("terrain-url", lambda: assets.publish_file(image))
        )
        _BasemapImage(url, terrain["bounds"]).add_to(basemap)
    if rivers is not None:
        source = (
            _geometry_only(rivers)
            if standalone
            else story.derived("rivers-url", lambda: assets.publish_json("rivers", _geometry_only(rivers)))
        )
        _BasemapOutlines("rivers", source, settings.RIVER_STYLE, "mapappLines", 252).add_to(basemap)


def _geometry_only(collection: dict) -> dict:
    """Only geometry reaches the page (names and sources stay in the data files)."""
    features = [{"type": "Feature", "properties": {}, "geometry": f["geometry"]} for f in collection.get("features", [])]
    return {"type": "FeatureCollection", "features": features}


def _published_outlines(story: Story, kind: str) -> str:
    """URL of the story's boundary outlines of ``kind``, published once per story."""
    boundaries = story.layers["boundaries"]

    def publish() -> str:  # filtering the outlines costs ~1 ms: only on the first call
        return assets.publish_json(f"basemap-{kind}", _outline_collection(boundaries[boundaries["kind"] == kind]))

    return story.derived(f"basemap-{kind}-url", publish)


def published_timeline(story: Story) -> str:
    """URL of the story's per-day timeline, computed and published once per story."""
    return story.derived("timeline-url", lambda: assets.publish_json("story", story_timeline(story)))


def _outline_collection(gdf) -> dict:
    """Boundary shapes with no properties: nothing from the file but geometry reaches the page."""
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": g.__geo_interface__} for g in gdf.geometry],
    }


def fix_ids(element, *, prefix: str) -> None:
    """Deterministic element ids (folium draws random ones) so the JavaScript is stable."""
    for i, item in enumerate(assets.walk(element)):
        item._id = f"{prefix}{i}"


class SyncedLayerControl(folium.LayerControl):
    """A layer control that starts with the app's hidden layers unticked and reports user toggles.

    After folium's control is built, the layers the app has switched off are
    removed from the map (the control then shows them unticked), and the event
    layer, if any, gets the date window: this script is re-sent on every rerun,
    the base map is not. When the user
    ticks a box, the visible layer ids go back to Python through
    streamlit-folium's ``last_object_clicked_tooltip`` value as
    ``"layers:id1,id2"``, so the sidebar can follow.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent_macro(this, kwargs) }}
        (function () {
            var map = {{ this._parent.get_name() }};
            var groups = { {% for layer_id, var in this.resolved_vars().items() %}{{ layer_id|tojson }}: {{ var }},{% endfor %} };
            var hidden = {{ this.hidden|tojson }};
            // Story groups arrive on the map; the base map's event layer persists, so it may need adding back.
            Object.keys(groups).forEach(function (id) {
                var off = hidden.indexOf(id) >= 0;
                if (off && map.hasLayer(groups[id])) { map.removeLayer(groups[id]); }
                if (!off && !map.hasLayer(groups[id])) { map.addLayer(groups[id]); }
            });
            {% if this.story_layers %}{{ this.story_layers.get_name() }}.setState({{ this.story_state|tojson }});{% endif %}
            {% if this.events_layer %}{{ this.events_layer.get_name() }}.setFilter({{ this.events_filter|tojson }});{% endif %}
            {% if this.reveal %}
            // A selection made outside the map (a passage, a timeline entry, the picker) moved it: bring the
            // map's frame on screen if most of it is not (reveal {{ this.reveal }}: each request is a new script).
            (function () {
                var frame = window.frameElement;
                if (!frame) return;
                var r = frame.getBoundingClientRect(), h = window.parent.innerHeight;
                var seen = Math.max(0, Math.min(r.bottom, h) - Math.max(r.top, 0)) / Math.max(1, r.height);
                if (seen < 0.6) frame.scrollIntoView({block: "start"});
            })();
            {% endif %}
            // The only door back to the app: streamlit-folium's value, sent by its debounced update (pinned in
            // tests/test_internals.py). Reports are "layers:..." (the layer control) or "day:N" (playback stopped).
            window.mapappReport = function (text) {
                if (window.__GLOBAL_DATA__ && typeof debouncedUpdateComponentValue === "function") {
                    window.__GLOBAL_DATA__.last_object_clicked_tooltip = text;
                    debouncedUpdateComponentValue({{ this._parent.get_name() }});
                }
            };
            {% if this.story_layers %}
            // The page's own layer checkboxes and date act on the map at once, and a click reaches the app
            // without streamlit-folium's debounce (static/mapapp/story-layers.js: mirrorPage).
            {{ this.story_layers.get_name() }}.mirrorPage(groups, {{ this.page_classes|tojson }},
                typeof updateComponentValue === "function" ? updateComponentValue : null);
            {% endif %}
            L.DomEvent.on({{ this.get_name() }}.getContainer(), "change", function () {
                var on = Object.keys(groups).filter(function (id) { return {{ this._parent.get_name() }}.hasLayer(groups[id]); });
                if (window.__GLOBAL_DATA__ && typeof debouncedUpdateComponentValue === "function") {
                    window.__GLOBAL_DATA__.last_object_clicked_tooltip = "layers:" + on.join(",");
                    debouncedUpdateComponentValue({{ this._parent.get_name() }});
                }
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        base: folium.Map,
        hidden: Iterable[str],
        *,
        state: dict | None = None,
        events_filter: dict | None = None,
        reveal: int = 0,
        **kwargs,
    ):
        """``reveal``: a new number when a selection outside the map moved it (the frame scrolls into view)."""
        # Collapsed: the sidebar has the same toggles, and an open control covers the map's top right
        # (with an event dataset listed it hid a story marker at the default view).
        super().__init__(collapsed=True, **kwargs)
        self.layers = toggle_elements(base)
        self.hidden = sorted(hidden)
        self.story_layers = next((item for item in assets.walk(base) if isinstance(item, StoryLayers)), None)
        self.story_state = state
        self.events_layer = self.layers.get(settings.EVENTS_LAYER)
        self.events_filter = events_filter
        self.reveal = reveal
        # Streamlit marks a keyed widget's element with the class "st-key-<key>".
        self.page_classes = {"layerPrefix": "st-key-" + settings.KEY_LAYER_PREFIX, "date": "st-key-" + settings.KEY_DATE}

    def resolved_vars(self) -> dict[str, str]:
        """Layer id -> JS name, read at render time: streamlit-folium renames the base map's
        variables while it renders the map, before this control."""
        return {layer: element.get_name() for layer, element in self.layers.items()}

    def render(self, **kwargs):
        self._parent_macro = folium.LayerControl._template.module.script
        super().render(**kwargs)


def toggle_elements(base: folium.Map) -> dict[str, folium.map.Layer]:
    """Layer id -> the base map's element for each switchable layer (story groups, events)."""
    found: dict[str, folium.map.Layer] = {}
    for item in assets.walk(base):
        if isinstance(item, EventsLayer):
            found[settings.EVENTS_LAYER] = item
        elif isinstance(item, StoryGroup):
            found[item.layer_id] = item
    return found


# --- clicks (plain functions, unit-tested) --------------------------------------------


def place_id_from_click(event: dict | None, known: Iterable[str]) -> str | None:
    """The id of the clicked feature from st_folium's return value, or None."""
    drawing = (event or {}).get("last_active_drawing") or {}
    props = drawing.get("properties") if isinstance(drawing, dict) else None
    fid = props.get("id") if isinstance(props, dict) else None
    return fid if isinstance(fid, str) and fid in set(known) else None


def day_from_event(event: dict | None) -> date | None:
    """The day playback stopped on (``"day:N"``, days since 1970-01-01), or None when it reported nothing."""
    tooltip = (event or {}).get("last_object_clicked_tooltip")
    if not isinstance(tooltip, str) or not tooltip.startswith("day:"):
        return None
    number = tooltip.removeprefix("day:")
    return day_to_date(int(number)) if number.lstrip("-").isdigit() and abs(int(number)) < 10**6 else None


def layers_from_event(event: dict | None, known: Iterable[str]) -> list[str] | None:
    """Visible layer ids reported by the map's layer control, or None when it reported nothing."""
    tooltip = (event or {}).get("last_object_clicked_tooltip")
    if not isinstance(tooltip, str) or not tooltip.startswith("layers:"):
        return None
    known = list(known)
    ids = [part for part in tooltip.removeprefix("layers:").split(",") if part]
    return [layer for layer in known if layer in ids]


# --- standalone export ----------------------------------------------------------------


def build_standalone_map(story: Story, *, day: date, visible: Iterable[str], selected: str | None = None) -> folium.Map:
    """One self-contained map (story data inlined) for the HTML export; hidden layers start unticked."""
    m = build_base_map(story, standalone=story_state(day, selected))
    for layer, element in toggle_elements(m).items():
        element.show = layer in set(visible)
    folium.LayerControl(collapsed=False).add_to(m)
    assets.localize(m)
    return m


def standalone_html(story: Story, *, day: date, visible: Iterable[str], selected: str | None = None) -> str:
    """The exported page: Leaflet inlined, works from a file with no server and no internet."""
    html_text = build_standalone_map(story, day=day, visible=visible, selected=selected).get_root().render()
    return assets.inline_html(html_text)


def visible_geojson(story: Story, *, day: date, visible: Iterable[str]) -> str:
    """The visible layers as one RFC 7946 FeatureCollection (all properties, with a 'layer')."""
    features = []
    for layer in visible:
        gdf = story.layers.get(layer)
        if gdf is None:
            continue
        shown = {r.id for r in layer_states(story, layer, day)} if KINDS[layer].toggleable else set(gdf.index)
        for feature in json.loads(gdf[gdf.index.isin(shown)].to_json(drop_id=True, to_wgs84=True))["features"]:
            feature["properties"]["layer"] = layer
            features.append(feature)
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
