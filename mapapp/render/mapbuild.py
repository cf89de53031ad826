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

import json
from collections.abc import Iterable
from datetime import date

import folium
import numpy as np
import shapely
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template
from shapely.geometry.base import BaseGeometry

from mapapp import contract, settings
from mapapp.events.dataset import date_to_day, day_to_date
from mapapp.render import _branca, assets
from mapapp.render.basemap import BasemapOutlines, MapFrameStyle, add_terrain, outline_collection, published_outlines
from mapapp.render.escape import escape_text
from mapapp.render.labels import map_text, ranked_labels
from mapapp.render.legend import MapLegend, legend
from mapapp.story.layers import BOUNDARIES, KINDS, LayerKind, drawing_order
from mapapp.story.model import Story
from mapapp.story.states import FeatureState, layer_states

DISPLAY_DECIMALS = 5

_branca.apply()  # rendered map parts are literal text, never Jinja templates (see mapapp/_branca.py)


# --- folium --------------------------------------------------------------------------


def _display_geometry(geom: BaseGeometry) -> dict:
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


def _ring(kind: LayerKind, status: str) -> str | None:
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

    def __init__(self, groups: dict[str, folium.FeatureGroup], source: str | dict, state: dict | None = None) -> None:
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
    basemap_label = manifest.layers[BOUNDARIES].label if BOUNDARIES in manifest.layers else KINDS[BOUNDARIES].label
    basemap = folium.FeatureGroup(name=escape_text(basemap_label), overlay=False, control=True)  # innerHTML, as above
    boundaries = story.layers.get(BOUNDARIES)
    if boundaries is not None:
        for kind, style in (("country", settings.BOUNDARY_STYLE), ("admin1", settings.ADMIN1_STYLE)):
            outlines: str | dict
            if standalone is not None:
                outlines = outline_collection(boundaries[boundaries["kind"] == kind])
            else:
                outlines = published_outlines(story, kind)
            # Countries (filled) at the bottom; terrain over them; admin lines and rivers over the terrain.
            pane, z_index = ("mapappBasemap", 250) if kind == "country" else ("mapappLines", 252)
            BasemapOutlines(kind, outlines, style, pane, z_index).add_to(basemap)
    add_terrain(story, basemap, standalone=standalone is not None)
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
    MapFrameStyle(settings.SEA_COLOUR).add_to(m)
    if standalone is not None and legend_on_map:  # the app and the site show it beside the map, where it covers nothing
        MapLegend(legend(story)).add_to(m)
    assets.localize(m)
    fix_ids(m, prefix="base")
    return m


def published_timeline(story: Story) -> str:
    """URL of the story's per-day timeline, computed and published once per story."""
    return story.derived("timeline-url", lambda: assets.publish_json("story", story_timeline(story)))


def fix_ids(element: Element, *, prefix: str) -> None:
    """Deterministic element ids (folium draws random ones) so the JavaScript is stable."""
    for i, item in enumerate(assets.walk(element)):
        item._id = f"{prefix}{i}"


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
