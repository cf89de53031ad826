"""The editor's map: every feature of the story folder, the drawing tools, the last click.

Drawing happens in the browser (leaflet-draw, served by the app): a shape is drawn and edited without waiting
for the server, and streamlit-folium reports it (``all_drawings``) when it is finished. The last click is a
dynamic layer (``feature_group_to_add``), so moving it does not rebuild the map and lose a drawing under way.
"""

from __future__ import annotations

import json
import math

import folium
import streamlit as st
import streamlit_folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import Draw
from jinja2 import Template

from mapapp import settings
from mapapp.edit.features import features_of
from mapapp.edit.session import EditSession
from mapapp.render import assets
from mapapp.render.mapbuild import escape_text, fix_ids
from mapapp.story.layers import CONTROL, KINDS

KEY_CLICK = "edit_click"  # (lat, lon) of the last click on the map
KEY_DRAWING = "edit_drawing"  # the last finished drawing (a GeoJSON geometry), until it is saved or dropped
KEY_VIEW = "edit_view"  # (lat, lon, zoom) of the map as the editor left it
KEY_RESHAPE = "edit_reshape"  # (kind, feature id) whose shape is open for vertex editing
KEY_OPENED = "edit_opened"  # ((map version, folder revision), centre, zoom) this build of the map opened at
KEY_MAP_VERSION = "edit_map_version"  # bumped to rebuild the map (a saved drawing leaves the drawing layer)
KEY_READINGS = "edit_readings"  # [(lat, lon, label)]: a name's gazetteer readings, drawn on the map
DRAFT_COLOUR, CHECKED_COLOUR = "#e67e22", "#1f4e9c"


def _colour(editing: EditSession, kind_id: str, props: dict) -> str:
    """The colour a reader will see: the side that gained (control), the latest status (states), the kind's."""
    kind = KINDS[kind_id]
    if kind.id == CONTROL:
        side = (editing.docs[settings.MANIFEST_FILE].get("sides") or {}).get(props.get("after"), {})
        return str(side.get("colour", "#555555"))
    if kind.rule == "states" and props.get("states"):
        look = kind.statuses.get(str(props["states"][-1].get("status")))
        return look.colour if look else "#555555"
    if kind.rule == "controller":
        return DRAFT_COLOUR if props.get("draft") else CHECKED_COLOUR
    return kind.colour


def _opening_view(editing: EditSession) -> tuple[list[float], int]:
    """Where this build of the map opens, fixed until the story changes: a map whose location followed every pan
    would be new HTML on every run, and streamlit-folium would rebuild it under a drawing under way."""
    # A saved change redraws the map anyway (new HTML): it then opens where the editor was looking.
    version = (st.session_state.get(KEY_MAP_VERSION, 0), editing.revision)
    opened = st.session_state.get(KEY_OPENED)
    if opened is None or opened[0] != version:
        opened = (version, *_fresh_view(editing))
        st.session_state[KEY_OPENED] = opened
    return list(opened[1]), int(opened[2])


def _fresh_view(editing: EditSession) -> tuple[list[float], int]:
    """Where the editor left the map, else every placed feature in view, else the story's view."""
    view = st.session_state.get(KEY_VIEW)
    if view:
        return [view[0], view[1]], int(view[2])
    points = [
        f["geometry"]["coordinates"] for _k, f in features_of(editing.docs) if (f.get("geometry") or {}).get("type") == "Point"
    ]
    if not points:
        return list(editing.story().manifest.center), 8
    return _fit([p[1] for p in points], [p[0] for p in points])


def _fit(lats: list[float], lons: list[float]) -> tuple[list[float], int]:
    """A centre and zoom that hold every point (from the span: fitting bounds in the page ran before the frame
    had its size)."""
    mid = (min(lats) + max(lats)) / 2
    # Degrees of latitude are longer on a Mercator map away from the equator; the map is about 600 px across and
    # 256 px hold 360 degrees at zoom 0: a span of 450 px leaves room for the names beside the points.
    span = max((max(lats) - min(lats)) / max(math.cos(math.radians(mid)), 0.2), max(lons) - min(lons), 0.05)
    return [mid, (min(lons) + max(lons)) / 2], max(2, min(11, int(math.log2(450 * 360 / 256 / span))))


def show_readings(readings: list[tuple[float, float, str]], placed: tuple[float, float] | None) -> None:
    """Draw a name's gazetteer readings (lat, lon, label) on the map and bring them all into view, with the point
    placed now: a namesake 400 km away is seen as far away, not read as a label in a list."""
    st.session_state[KEY_READINGS] = readings
    points = [(lat, lon) for lat, lon, _label in readings] + ([placed] if placed else [])
    centre, zoom = _fit([p[0] for p in points], [p[1] for p in points])
    st.session_state[KEY_VIEW] = (centre[0], centre[1], zoom)
    st.session_state[KEY_MAP_VERSION] = st.session_state.get(KEY_MAP_VERSION, 0) + 1


def _readings(group: folium.FeatureGroup) -> None:
    """The readings shown by :func:`show_readings`: dashed purple rings, each named with its country and population."""
    for lat, lon, label in st.session_state.get(KEY_READINGS) or []:
        name = folium.Tooltip(escape_text(label), permanent=True, direction="right", offset=(8, 0),
                              class_name="mapapp-edit-label")  # fmt: skip
        folium.CircleMarker([lat, lon], radius=9, color="#6a1b9a", weight=2, dash_array="4 3", fill=False,
                            tooltip=name).add_to(group)  # fmt: skip


def _basemap(editing: EditSession, m: folium.Map) -> None:
    sea = f"<style>.leaflet-container {{ background: {settings.SEA_COLOUR}; }} .mapapp-edit-click {{ font: bold 22px sans-serif;"
    sea += " color: #b00020; transform: translate(-4px, -12px); }"
    # Every point named on the map (an editor must see which dot is which without hovering each).
    sea += " .mapapp-edit-label { background: rgba(255,255,255,.85); border: 0; box-shadow: none; padding: 0 3px;"
    sea += " font: 12px sans-serif; color: #222; } .mapapp-edit-label::before { display: none; }</style>"
    m.get_root().header.add_child(folium.Element(sea))  # type: ignore[attr-defined]  # a Figure, typed as Element
    outlines = editing.folder / "boundaries.geojson"
    if outlines.is_file():  # the story's own basemap, geometry only (offline; names and sources stay in the file)
        shapes = json.loads(outlines.read_text(encoding="utf-8"))
        geometry = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": f.get("geometry")} for f in shapes.get("features", [])
        ]}  # fmt: skip
        folium.GeoJson(geometry, style_function=lambda _f: dict(settings.BOUNDARY_STYLE), interactive=False).add_to(m)
    if st.session_state.get("edit_online_tiles"):
        spec = next(iter(settings.ONLINE_TILES.values()))
        folium.TileLayer(tiles=spec["tiles"], attr=spec["attr"]).add_to(m)


def _features(editing: EditSession, m: folium.Map, reshaping: tuple[str, str] | None) -> dict | None:
    """Every feature with a geometry, bottom kinds first; returns the one open for reshaping (drawn by the tools)."""
    open_shape = None
    latest: dict[str, tuple[str, str]] = {}  # an area's latest change of control: the one drawn (as the reader's map does)
    for kind_id, feature in features_of(editing.docs):
        if kind_id == CONTROL and feature.get("geometry"):
            area, props = json.dumps(feature["geometry"], sort_keys=True), feature["properties"]
            if str(props.get("date")) >= str(latest.get(area, ("", ""))[0]):
                latest[area] = (str(props.get("date")), props.get("id"))
    for kind_id, feature in sorted(features_of(editing.docs), key=lambda kf: KINDS[kf[0]].draw_order):
        props, geometry = feature.get("properties") or {}, feature.get("geometry")
        if not geometry:
            continue
        if kind_id == CONTROL and latest[json.dumps(geometry, sort_keys=True)][1] != props.get("id"):
            continue
        if reshaping == (kind_id, props.get("id")):
            open_shape = geometry
            continue
        colour, tip = (
            _colour(editing, kind_id, props),
            escape_text(f"{props.get('name', props.get('id'))} ({KINDS[kind_id].short_label})"),
        )
        if geometry.get("type") == "Point":
            lon, lat = geometry["coordinates"][:2]
            name = folium.Tooltip(escape_text(str(props.get("name", props.get("id")))), permanent=True, direction="right",
                                  offset=(8, 0), class_name="mapapp-edit-label")  # fmt: skip
            folium.CircleMarker([lat, lon], radius=7, color="#fff", weight=2, fill=True, fill_color=colour,
                                fill_opacity=0.95, tooltip=name).add_to(m)  # fmt: skip
        else:
            style = {"color": colour, "weight": 3, "fillColor": colour, "fillOpacity": 0.25}
            folium.GeoJson({"type": "Feature", "properties": {}, "geometry": geometry},
                           style_function=lambda _f, s=style: s, tooltip=tip).add_to(m)  # fmt: skip
    return open_shape


class QuietWhileDrawing(MacroElement):
    """While a shape is drawn or edited, its vertex clicks are not map clicks: each would rerun the page (a
    "last click" for streamlit-folium) under the hand that is drawing, and fast clicks lost vertices."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function (map) {
            let drawing = false;
            const fire = map.fire;
            map.on("draw:drawstart draw:editstart draw:deletestart", function () { drawing = true; });
            // The click that ends a shape comes after its stop event: it is still the drawing's.
            map.on("draw:drawstop draw:editstop draw:deletestop", function () {
                setTimeout(function () { drawing = false; }, 400);
            });
            map.fire = function (type) { return drawing && type === "click" ? this : fire.apply(this, arguments); };
        })({{ this._parent.get_name() }});
        {% endmacro %}"""
    )


class Snapping(JSCSSMixin, MacroElement):
    """Drawn and dragged vertices snap to the story's features (``static/mapapp/editor-snap.js``; Alt: no snap).
    leaflet-draw has no snapping, and a segment or a post drawn a few pixels off its road is a gap on the map."""

    default_js: list[tuple[str, str]] = [("mapapp_snap", f"{settings.APP_JS_URL}/editor-snap.js")]  # noqa: RUF012
    _template = Template(
        """{% macro script(this, kwargs) %}
        L.mapappSnap({{ this._parent.get_name() }});
        {% endmacro %}"""
    )


def _editable_layer(geometry: dict) -> folium.Marker | folium.PolyLine | folium.Polygon:
    """A plain Leaflet marker, polyline or polygon (leaflet-draw edits only those, not a GeoJSON group)."""
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind == "Point":
        return folium.Marker([coords[1], coords[0]])
    if kind == "LineString":
        return folium.PolyLine([[lat, lon] for lon, lat in coords])
    if kind == "Polygon":  # the outer ring (the tools edit one ring; holes are kept out of reach)
        return folium.Polygon([[lat, lon] for lon, lat in coords[0][:-1]])
    raise ValueError(f"a {kind} cannot be edited on the map; draw it again")


def render_map(editing: EditSession) -> dict:
    """Draw the map; returns what streamlit-folium reported (drawings, the view). A click picks a position."""
    centre, zoom = _opening_view(editing)
    m = folium.Map(location=centre, zoom_start=zoom, tiles=None, prefer_canvas=False)
    _basemap(editing, m)
    open_shape = _features(editing, m, st.session_state.get(KEY_RESHAPE))
    editable = folium.FeatureGroup(name="drawing")
    if open_shape is not None:  # the shape to edit sits in the tools' own layer, so its vertices can be dragged
        _editable_layer(open_shape).add_to(editable)
    editable.add_to(m)
    Draw(
        feature_group=editable, position="topleft", show_geometry_on_click=False,
        draw_options={"polyline": {"shapeOptions": {"color": "#b71c1c"}}, "polygon": {"allowIntersection": False},
                      "rectangle": {}, "circle": False, "circlemarker": False, "marker": {}},
        edit_options={"poly": {"allowIntersection": False}},
    ).add_to(m)  # fmt: skip
    QuietWhileDrawing().add_to(m)
    Snapping().add_to(m)
    assets.localize(m)  # Leaflet and leaflet-draw from the package: no CDN
    fix_ids(m, prefix="edit")  # the same map is the same HTML: streamlit-folium then keeps it (and a drawing under way)
    click = st.session_state.get(KEY_CLICK)
    marker = folium.FeatureGroup(name="click")
    if click is not None:
        folium.Marker(click, icon=folium.DivIcon(html='<div class="mapapp-edit-click">+</div>')).add_to(marker)
    _readings(marker)
    fix_ids(marker, prefix="click")
    event = streamlit_folium.st_folium(
        m, key=f"edit_map_{st.session_state.get(KEY_MAP_VERSION, 0)}", height=560, use_container_width=True,
        feature_group_to_add=marker,
        returned_objects=["last_clicked", "all_drawings", "center", "zoom"],
    ) or {}  # fmt: skip
    _remember(event)
    if click is not None:
        st.caption(f"Last click on the map: {click[0]:.5f}, {click[1]:.5f} (use it to place a name)")
    st.checkbox("Online base map (needs the internet)", key="edit_online_tiles")
    return event


def _remember(event: dict) -> None:
    """Keep the click, the view and the last drawing in the session (the map is rebuilt on every run)."""
    centre, zoom = event.get("center"), event.get("zoom")
    if isinstance(centre, dict) and isinstance(zoom, (int, float)):
        st.session_state[KEY_VIEW] = (float(centre["lat"]), float(centre["lng"]), int(zoom))
    drawings = event.get("all_drawings") or []
    last = drawings[-1] if drawings and isinstance(drawings[-1], dict) else None
    st.session_state[KEY_DRAWING] = (last or {}).get("geometry")
    clicked = event.get("last_clicked")
    if isinstance(clicked, dict) and isinstance(clicked.get("lat"), (int, float)):
        position = (round(float(clicked["lat"]), 5), round(float(clicked["lng"]), 5))
        if position != st.session_state.get(KEY_CLICK):
            st.session_state[KEY_CLICK] = position
            st.rerun()


def forget_drawing() -> None:
    """After a drawing is saved (or dropped): a fresh map, whose tools' layer is empty again. (Without a drawing
    the map stays: rebuilding it after every change would reload it for nothing.)"""
    if not st.session_state.get(KEY_DRAWING) and not st.session_state.get(KEY_RESHAPE):
        return
    st.session_state[KEY_DRAWING] = None
    st.session_state[KEY_RESHAPE] = None
    st.session_state[KEY_MAP_VERSION] = st.session_state.get(KEY_MAP_VERSION, 0) + 1
