"""The editor's page (``python -m mapapp edit DIR``): review a draft and edit a story folder without a text editor.

The review list of ``DRAFT.md`` as a checklist beside the map, doubts first: accept a place, pick another
reading (the gazetteer's, with country and population), place a name where the map was last clicked with a
source, delete a wrong one; add a source; the story's title and outlet; undo, redo, the history; publish.
Every change goes through :class:`mapapp.edit.session.EditSession` (validated like ``mapapp validate``,
written whole, kept as a version, refused when another editor saved first). Every text from the folder is
shown as text: widgets escape it, markdown gets :func:`escape_md`, the map's tooltips :func:`escape_text`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path

import folium
import streamlit as st
import streamlit_folium

from mapapp import settings
from mapapp.app.text import escape_md
from mapapp.edit.operations import Accept, AddSource, Delete, EditError, Place, SetManifest, review_items
from mapapp.edit.session import ConflictError, EditSession
from mapapp.render.mapbuild import escape_text
from mapapp.story.validate import GeoDataError

KEY_SESSION = "edit_session"
KEY_CLICK = "edit_click"  # (lat, lon) of the last click on the map
KEY_MESSAGE = "edit_message"
SEVERITY = {"info": st.info, "success": st.success, "error": st.error, "warning": st.warning}


def session() -> EditSession:
    folder = Path(os.environ.get(settings.DATA_DIR_ENV, settings.DEFAULT_DATA_DIR))
    if KEY_SESSION not in st.session_state or st.session_state[KEY_SESSION].folder != folder:
        st.session_state[KEY_SESSION] = EditSession(folder)
    return st.session_state[KEY_SESSION]


def run(change: Callable[[EditSession], object]) -> None:
    """Apply one change; say what happened (or every problem that stopped it) at the top of the page."""
    editing = session()
    try:
        st.session_state[KEY_MESSAGE] = ("success", change(editing) or "nothing to do")
    except GeoDataError as exc:
        lines = "\n".join(f"- {escape_md(p)}" for p in exc.problems)
        st.session_state[KEY_MESSAGE] = ("error", f"Not saved: the story would not load.\n\n{lines}")
    except ConflictError as exc:
        editing.reload()
        st.session_state[KEY_MESSAGE] = ("warning", f"{escape_md(exc)}. The page now shows the folder as it is.")
    except (EditError, OSError) as exc:
        st.session_state[KEY_MESSAGE] = ("error", f"Not saved: {escape_md(exc)}")


def render_map(editing: EditSession) -> None:
    """The places: checked ones blue, drafted ones orange, the last click a cross. A click picks a position."""
    features = editing.docs["places.geojson"]["features"]
    points = [f for f in features if (f.get("geometry") or {}).get("type") == "Point"]
    if points:
        lats = [f["geometry"]["coordinates"][1] for f in points]
        lons = [f["geometry"]["coordinates"][0] for f in points]
        centre = [(min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2]
        # Every placed name in view, from the span (fitting bounds in the page ran before the frame had its size).
        span = max(max(lats) - min(lats), max(lons) - min(lons), 0.05)
        zoom = max(3, min(11, int(math.log2(360 / span)) - 1))
    else:
        centre, zoom = list(editing.story().manifest.center), 8
    m = folium.Map(location=centre, zoom_start=zoom, tiles=None, prefer_canvas=False)
    sea = f"<style>.leaflet-container {{ background: {settings.SEA_COLOUR}; }}</style>"
    m.get_root().header.add_child(folium.Element(sea))  # type: ignore[attr-defined]  # a Figure, typed as Element
    outlines = editing.folder / "boundaries.geojson"
    if outlines.is_file():  # the story's own basemap, geometry only (offline; names and sources stay in the file)
        import json

        shapes = json.loads(outlines.read_text(encoding="utf-8"))
        geometry = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": f.get("geometry")} for f in shapes.get("features", [])
        ]}  # fmt: skip
        folium.GeoJson(geometry, style_function=lambda _f: dict(settings.BOUNDARY_STYLE), interactive=False).add_to(m)
    if st.session_state.get("edit_online_tiles"):
        spec = next(iter(settings.ONLINE_TILES.values()))
        folium.TileLayer(tiles=spec["tiles"], attr=spec["attr"]).add_to(m)
    for feature in points:
        props = feature["properties"]
        lon, lat = feature["geometry"]["coordinates"]
        colour = "#e67e22" if props.get("draft") else "#1f4e9c"
        folium.CircleMarker(
            [lat, lon], radius=7, color="#fff", weight=2, fill=True, fill_color=colour, fill_opacity=0.95,
            tooltip=escape_text(props.get("name", props.get("id"))),
        ).add_to(m)  # fmt: skip
    click = st.session_state.get(KEY_CLICK)
    if click is not None:
        folium.Marker(click, icon=folium.DivIcon(html='<div class="mapapp-edit-click">+</div>')).add_to(m)
    from mapapp.render import assets

    assets.localize(m)  # Leaflet from the package: no CDN
    event = streamlit_folium.st_folium(m, key="edit_map", height=520, use_container_width=True, returned_objects=["last_clicked"])
    clicked = (event or {}).get("last_clicked")
    if isinstance(clicked, dict) and isinstance(clicked.get("lat"), (int, float)):
        position = (round(float(clicked["lat"]), 5), round(float(clicked["lng"]), 5))
        if position != st.session_state.get(KEY_CLICK):
            st.session_state[KEY_CLICK] = position
            st.rerun()
    if click is not None:
        st.caption(f"Last click on the map: {click[0]:.5f}, {click[1]:.5f} (use it to place a name)")
    st.checkbox("Online base map (needs the internet)", key="edit_online_tiles")


def render_item(editing: EditSession, item: dict) -> None:
    fid = item["id"]
    with st.container(border=True, key=f"item_{fid}"):
        label = "Doubt" if item["order"] == 0 else "Unlocated" if not item["placed"] else "Placed, to check"
        st.markdown(f"**{escape_md(item['name'])}** · {label}")
        st.caption(escape_md(item["review"]))
        cols = st.columns(3)
        if item["placed"] and cols[0].button("Accept", key=f"accept_{fid}"):
            run(lambda s: s.apply(Accept(fid)))
            st.rerun()
        if cols[1].button("Delete", key=f"delete_{fid}"):
            run(lambda s: s.apply(Delete(fid)))
            st.rerun()
        render_readings(editing, item)
        click = st.session_state.get(KEY_CLICK)
        sources = sorted(editing.docs[settings.SOURCES_FILE])
        source = st.selectbox("Source of the position", sources, key=f"source_{fid}")
        radius = st.number_input("Within (metres)", 10, settings.MAX_PRECISION_M, 2000, key=f"radius_{fid}")
        if cols[2].button("Place at click", key=f"place_{fid}", disabled=click is None) and click is not None:
            lat, lon = click
            run(lambda s: s.apply(Place(fid, lon, lat, source, precision_m=float(radius))))
            st.rerun()


def render_readings(editing: EditSession, item: dict) -> None:
    """The gazetteer's readings of the name (country, population), for "use this reading instead"."""
    from mapapp.draft.gazetteer import load

    readings = [r for r, _how in load().lookup(item["name"])][:6]
    if not readings or "geonames" not in editing.docs[settings.SOURCES_FILE]:
        return
    labels = {f"{r.name} ({r.country}, pop {r.population:,}, {r.lat:.3f} {r.lon:.3f})": r for r in readings}
    choice = st.selectbox("Gazetteer readings", list(labels), key=f"reading_{item['id']}")
    if st.button("Use this reading", key=f"use_{item['id']}"):
        r = labels[choice]
        text = f"GeoNames {r.geonameid}: {r.name} ({r.country}, population {r.population:,}); chosen in the editor"
        run(lambda s: s.apply(Place(item["id"], r.lon, r.lat, "geonames", source_text=text, geonameid=r.geonameid)))
        st.rerun()


def render_sidebar(editing: EditSession) -> None:
    sb = st.sidebar
    manifest = editing.docs[settings.MANIFEST_FILE]
    sb.markdown(f"### {escape_md(manifest.get('title', ''))}")
    sb.caption(f"Editing {escape_md(editing.folder)}")
    undo, redo = sb.columns(2)
    if undo.button("Undo", key="undo"):
        run(lambda s: s.undo())
        st.rerun()
    if redo.button("Redo", key="redo"):
        run(lambda s: s.redo())
        st.rerun()
    with sb.expander("History", expanded=False):
        for entry in reversed(editing.history()):
            st.markdown(("~~" if entry["undone"] else "") + escape_md(entry["summary"]) + ("~~" if entry["undone"] else ""))
    with sb.form("manifest"):
        title = st.text_input("Title", manifest.get("title", ""))
        outlet = st.text_input("Outlet", manifest.get("outlet", ""))
        if st.form_submit_button("Save title and outlet", key="save_manifest"):
            run(
                lambda s: "; ".join(
                    s.apply(SetManifest(k, v)) for k, v in (("title", title), ("outlet", outlet)) if manifest.get(k) != v
                )
            )
            st.rerun()
    with sb.form("source"):
        st.markdown("**Add a source**")
        key = st.text_input("Short id (letters, digits, -)")
        title = st.text_input("Title")
        url = st.text_input("Web address")
        publisher = st.text_input("Outlet or publisher")
        leaning = st.selectbox("Leaning", list(settings.SOURCE_LEANINGS) + list(manifest.get("source_leanings", [])))
        if st.form_submit_button("Add source", key="add_source"):
            run(lambda s: s.apply(AddSource(key.strip(), title.strip(), url.strip(), publisher.strip(), leaning)))
            st.rerun()
    with sb.form("publish"):
        out = st.text_input("Publish the site to", str(editing.folder.parent / f"{editing.folder.name}-site"))
        if st.form_submit_button("Publish", key="publish"):
            run(lambda s: publish(s, Path(out)))
            st.rerun()


def publish(editing: EditSession, out: Path) -> str:
    """Publish to ``out``; an existing folder is replaced only when it is a site published before."""
    from mapapp.render.publish import publish_site

    earlier_site = (out / "index.html").is_file() and (out / "assets").is_dir()
    if out.exists() and not earlier_site:
        raise EditError(f"{out} exists and is not a published site: choose another folder")
    site = publish_site(editing.story(), out, force=earlier_site)
    return f"published {site.files} files to {site.out} (open index.html, or serve the folder)"


def main() -> None:
    st.set_page_config(page_title="mapapp editor", layout="wide")
    try:
        editing = session()
    except (FileNotFoundError, PermissionError) as exc:
        st.error(escape_md(exc))
        return
    message = st.session_state.pop(KEY_MESSAGE, None)
    if message is not None:
        SEVERITY[message[0]](message[1])
    render_sidebar(editing)
    items = review_items(editing.docs)
    left, right = st.columns([3, 2])
    with left:
        render_map(editing)
    with right:
        doubts = sum(1 for i in items if i["order"] == 0)
        st.markdown(f"**To review: {len(items)}** ({doubts} doubts, listed first)")
        for item in items:
            render_item(editing, item)
        if not items:
            st.success("Every drafted place is reviewed. Validate and publish from the sidebar.")
