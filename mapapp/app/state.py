"""The dashboard's state: session keys, the story and event dataset in use, the permalink, and the callbacks
that change them (they run before the script, so they may set widget state)."""

from __future__ import annotations

import math
import os
import time
from datetime import date
from pathlib import Path
from typing import Any

import streamlit as st

from mapapp import events, settings
from mapapp.app import preload
from mapapp.story.model import Story, load_story
from mapapp.story.records import Feature
from mapapp.story.validate import GeoDataError, Problem, parse_iso_date
from mapapp.story.walk import Step, step_from, step_of

KEY_FOCUS = "map_focus"  # (lat, lon, zoom) to move the map to, set by non-map selections

KEY_STATUS_INTO_VIEW = "status_into_view"  # a tap on the map chose a place: on a phone, scroll to who holds it
KEY_REVEAL = "map_reveal"  # set with KEY_FOCUS: the next map script scrolls the map on screen (a sequence number)

KEY_REVEAL_SEQ = "map_reveal_seq"

KEY_LAST_EVENT = "last_map_event"  # the last st_folium value handled, so old clicks are not replayed

KEY_INIT = "initialised"
# A token per session: the frame of held toggles carries it, so a new session (a restart) replaces that frame.
KEY_SESSION_TOKEN = "session_token"

KEY_TAB = "side_tab"

KEY_APP_RERUN = "rerun_app"  # set inside the map fragment when the whole page must follow

KEY_VIEW = "export_view"  # a dict the export buttons read when clicked (they run outside the script)

TABS = ("Place", "Article", "Timeline")

KEY_EVENTS = "events_loaded"  # this run's event dataset (PublishedEvents), its load error, or None

KEY_EVENTS_SEEN = "events_seen"  # the manifest URL of the last dataset this session drew

KEY_LINK_HAD_EVENTS = "link_had_events"  # the page's link listed the event layer (an upload, before a reload)

KEY_UPLOAD_SENT = "upload_sent"  # the file a reconnecting page's uploader still shows (None: none)

RETURNED = ["last_active_drawing", "last_object_clicked_tooltip"]


@st.cache_resource(show_spinner="Loading the story…")
def get_story(data_dir: str) -> Story:
    """Validated story, shared by all sessions (read-only: never mutate it); preloaded by ``mapapp serve``."""
    return preload.story(data_dir) or load_story(Path(data_dir))


@st.cache_resource(max_entries=4, show_spinner="Loading the event dataset…")
def get_events_file(path: str, mtime_ns: int, size: int, scope: events.Scope) -> events.PublishedEvents | GeoDataError:
    """An event CSV from disk (``$MAPAPP_EVENTS``), read and published once per version of the file."""
    return preload.events_file(path) or events.publish_or_error(Path(path), scope=scope)


KEY_UPLOAD_READ = "upload_read"  # ((file id, scope), what it read to): the upload this page sent, read once


def get_events_upload(uploaded: Any, scope: events.Scope) -> events.PublishedEvents | GeoDataError:
    """An uploaded event CSV, read and published once per upload (reruns do not touch its bytes); while it is
    read, a progress bar at the top of the sidebar says the rows read, the problems so far and the time left.
    (Not st.cache_resource: elements written while a cached function runs would be replayed on every later hit.)"""
    key = (str(uploaded.file_id), scope)
    kept = st.session_state.get(KEY_UPLOAD_READ)
    if kept is not None and kept[0] == key:
        return kept[1]
    slot, started = st.sidebar.empty(), time.monotonic()

    def progress(rows: int, problems: int, share: float) -> None:
        elapsed = time.monotonic() - started
        left = f", about {elapsed * (1 - share) / share:.0f} s left" if share > 0 else ""
        slot.progress(min(share, 1.0), text=f"Reading {uploaded.name}: {rows:,} rows, {problems:,} problems so far{left}")

    slot.progress(0.0, text=f"Reading {uploaded.name}…")
    try:
        result = events.publish_or_error(uploaded.getvalue(), uploaded.name, scope=scope, progress=progress)
    finally:
        slot.empty()
    # Kept with the page's session, not the server: an upload is the sending page's alone, and what it read goes
    # with the session once the page has closed.
    st.session_state[KEY_UPLOAD_READ] = (key, result)
    return result


def story_scope(story: Story) -> events.Scope:
    """What of an event file this story needs: its region and its timeline, with the margin of days."""
    manifest = story.manifest
    return events.Scope(manifest.region, manifest.timeline_start, manifest.timeline_end)


def current_events(story: Story) -> events.PublishedEvents | GeoDataError | None:
    """The event dataset in use: the uploaded file, else ``$MAPAPP_EVENTS``, else none."""
    uploaded = uploaded_file()
    if uploaded is not None:
        return get_events_upload(uploaded, story_scope(story))
    path = os.environ.get(settings.EVENTS_ENV)
    if not path:
        return None
    try:
        stat = Path(path).stat()
    except OSError as exc:
        return GeoDataError([Problem(path, f"cannot read ${settings.EVENTS_ENV}: {exc.strerror or exc}")], events.EVENT_FILE)
    return get_events_file(path, stat.st_mtime_ns, stat.st_size, story_scope(story))


def uploaded_file() -> Any:
    """The uploaded event file, or None. After a server restart the uploader's value is a DeletedFile
    (Streamlit's stand-in for a file it no longer has): that is no file."""
    value = st.session_state.get(settings.KEY_EVENTS_FILE)
    return value if hasattr(value, "getvalue") else None


def loaded_events() -> events.PublishedEvents | None:
    loaded = st.session_state.get(KEY_EVENTS)
    return loaded if isinstance(loaded, events.PublishedEvents) else None


def init_state(story: Story) -> None:
    """Defaults, then whatever the URL asks for (once per session)."""
    if st.session_state.get(KEY_INIT):
        return
    params = st.query_params
    place = params.get(settings.QP_PLACE)
    layers = params.get(settings.QP_LAYERS)
    day = parse_iso_date(params.get(settings.QP_DATE))
    # A page that reconnects after a server restart starts a new session but sends its widgets' values:
    # those are the reader's latest choices (a toggle made just now), so they win over the URL's.
    sent = page_sent_widgets()

    def default(key: str, value: object) -> None:
        st.session_state[key] = sent_value(sent[key], value) if key in sent else value

    st.session_state[KEY_UPLOAD_SENT] = sent_upload_name(sent)  # the page still shows an upload: is it here?
    names = {e["name"]: fid for fid, e in story.entities.items()}
    if settings.KEY_PLACE in sent:  # a selectbox sends its option's label: the place's name
        label = sent[settings.KEY_PLACE].string_value
        st.session_state[settings.KEY_PLACE] = names.get(label, "")
    else:
        st.session_state[settings.KEY_PLACE] = place if place in story.entities else ""
    visible = set(layers.split(",")) if layers is not None else set(story.story_layers)
    # A link written while an upload was shown: uploads stay with the page that sent them (see the README).
    st.session_state[KEY_LINK_HAD_EVENTS] = settings.EVENTS_LAYER in visible
    for layer in story.story_layers:
        default(settings.KEY_LAYER_PREFIX + layer, layer in visible)
    # An event dataset is shown unless the link says it was switched off (the layers a link lists were
    # written before or without a dataset: they say nothing about one).
    default(settings.KEY_LAYER_PREFIX + settings.EVENTS_LAYER, params.get(settings.QP_EVENTS) != "off")
    default(settings.KEY_EVENTS_WINDOW, settings.EVENT_DEFAULT_WINDOW)
    default(settings.KEY_DATE, story.manifest.clamp(day or story.manifest.events_date))
    st.session_state[settings.KEY_PASSAGE] = params.get(settings.QP_PASSAGE) if params.get(settings.QP_PASSAGE) else ""
    if st.session_state.get(settings.KEY_PLACE):
        st.session_state[KEY_FOCUS] = focus_for(story, [st.session_state[settings.KEY_PLACE]])
    if st.session_state[settings.KEY_PASSAGE] and not st.session_state.get(settings.KEY_PLACE):
        st.session_state[KEY_TAB] = TABS[1]  # a passage permalink opens the reader
    default(settings.KEY_COMPARE, parse_iso_date(params.get(settings.QP_COMPARE)))
    if st.session_state[settings.KEY_COMPARE] is not None and settings.KEY_COMPARE not in sent:
        st.session_state[settings.KEY_COMPARE] = story.manifest.clamp(st.session_state[settings.KEY_COMPARE])
        st.session_state[KEY_TAB] = TABS[2]  # a comparison permalink opens the timeline, where the list is
    step = step_of(story, params.get(settings.QP_STEP))
    st.session_state[settings.KEY_WALK] = ""
    if step is not None:  # a walk permalink: that step, on the link's date if it has one
        go_to_step(story, step, keep_date=day is not None)
    st.session_state[KEY_INIT] = True


def page_sent_widgets() -> dict:
    """User key → the value (a WidgetState proto) the page sent with this run, for its keyed widgets.

    Empty on a first page load; a page reconnecting after a server restart sends them all. Streamlit names
    a keyed widget ``$$ID-<hash>-<key>`` and keeps the page's values in the session state's
    ``_new_widget_state`` until the widgets are created (both pinned by tests/test_internals.py)."""
    from streamlit.runtime.state import get_session_state

    states = get_session_state()._state._new_widget_state.states
    out = {}
    for wid, state in states.items():
        proto = getattr(state, "value", None)  # Serialized(value=WidgetState): sent by the page, not yet read
        if wid.startswith("$$ID-") and hasattr(proto, "WhichOneof"):
            out[wid.rsplit("-", 1)[-1]] = proto
    return out


def sent_upload_name(sent: dict) -> str | None:
    """The name of the file the page's uploader still shows, when the page sent one (a reconnect)."""
    state = sent.get(settings.KEY_EVENTS_FILE)
    if state is None or state.WhichOneof("value") != "file_uploader_state_value":
        return None
    files = state.file_uploader_state_value.uploaded_file_info
    return files[0].name if files else None


def sent_value(state: Any, fallback: Any) -> Any:
    """A checkbox's, a date input's or a selectbox's value as the page sent it; ``fallback`` otherwise."""
    kind = state.WhichOneof("value")
    if kind == "bool_value":
        return state.bool_value
    if kind == "string_array_value":
        days = [parse_iso_date(d) for d in state.string_array_value.data]
        return days[0] if days and days[0] is not None else None
    if kind == "string_value" and isinstance(fallback, str):
        return state.string_value
    return fallback


def note_new_dataset() -> None:
    """A dataset new to this session is shown (ticked), and marked in use so the cache keeps it."""
    loaded = loaded_events()
    if loaded is None:
        return
    events.touch(loaded)
    if st.session_state.get(KEY_EVENTS_SEEN) != loaded.manifest_url:
        if st.session_state.get(KEY_EVENTS_SEEN) is not None:  # a new upload replaces the last one: show it
            st.session_state[settings.KEY_LAYER_PREFIX + settings.EVENTS_LAYER] = True
        st.session_state[KEY_EVENTS_SEEN] = loaded.manifest_url


def toggle_layers(story: Story) -> list[str]:
    """The layers the user can switch: the story's, plus events when a dataset is loaded."""
    return story.story_layers + ([settings.EVENTS_LAYER] if loaded_events() else [])


def visible_layers(story: Story) -> list[str]:
    return [layer for layer in toggle_layers(story) if st.session_state.get(settings.KEY_LAYER_PREFIX + layer, True)]


def sync_query_params(story: Story) -> None:
    """The URL always describes the current view (place, layers, date, passage)."""
    wanted = {
        settings.QP_LAYERS: ",".join(visible_layers(story)),
        settings.QP_DATE: st.session_state[settings.KEY_DATE].isoformat(),
    }
    if st.session_state.get(settings.KEY_PLACE):
        wanted[settings.QP_PLACE] = st.session_state[settings.KEY_PLACE]
    if st.session_state.get(settings.KEY_PASSAGE):
        wanted[settings.QP_PASSAGE] = st.session_state[settings.KEY_PASSAGE]
    if st.session_state.get(settings.KEY_WALK):
        wanted[settings.QP_STEP] = st.session_state[settings.KEY_WALK]
    if st.session_state.get(settings.KEY_COMPARE):
        wanted[settings.QP_COMPARE] = st.session_state[settings.KEY_COMPARE].isoformat()
    if loaded_events() and not st.session_state.get(settings.KEY_LAYER_PREFIX + settings.EVENTS_LAYER, True):
        wanted[settings.QP_EVENTS] = "off"  # a dataset loaded and hidden: the link keeps it hidden
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)


def focus_for(story: Story, place_ids: list[str], max_zoom: int = settings.SELECTED_ZOOM) -> tuple[float, float, int] | None:
    """Centre and zoom that show ``place_ids``; a walk step passes ``settings.STEP_MAX_ZOOM`` so that its view
    keeps enough of the surroundings to say where it is. An approximate point counts with its circle of
    uncertainty: the view never zooms closer than its position is known (the site's walk does the same)."""
    found = [_uncertain_bounds(story.record(pid)) for pid in place_ids if pid in story.entities]
    boxes = [b for b in found if b is not None]
    if not boxes:
        return None
    minx, miny = min(b[0] for b in boxes), min(b[1] for b in boxes)
    maxx, maxy = max(b[2] for b in boxes), max(b[3] for b in boxes)
    span = max(maxx - minx, maxy - miny)
    zoom = settings.SELECTED_ZOOM if span < 0.05 else 11 if span < 0.3 else 9 if span < 1.2 else 7 if span < 4 else 5
    return ((miny + maxy) / 2, (minx + maxx) / 2, min(zoom, max_zoom))


def _uncertain_bounds(feature: Feature) -> tuple[float, float, float, float] | None:
    """The feature's bounds, an approximate point's grown by its radius (``precision_m``)."""
    geometry = feature.geometry
    if geometry is None or geometry.is_empty:
        return None
    minx, miny, maxx, maxy = geometry.bounds
    radius = feature.precision_m
    if feature.precision == "approximate" and geometry.geom_type == "Point" and radius:
        dlat = radius / 111_320
        dlon = dlat / max(math.cos(math.radians(miny)), 0.05)
        return (minx - dlon, miny - dlat, maxx + dlon, maxy + dlat)
    return (minx, miny, maxx, maxy)


def move_map(view: tuple[float, float, int] | None) -> None:
    """Move the map to ``view`` and bring it on screen (it may be scrolled away on a phone)."""
    st.session_state[KEY_FOCUS] = view
    st.session_state[KEY_REVEAL] = st.session_state.get(KEY_REVEAL_SEQ, 0) + 1
    st.session_state[KEY_REVEAL_SEQ] = st.session_state[KEY_REVEAL]


def select_place(story: Story, place_id: str) -> None:
    st.session_state[settings.KEY_PLACE] = place_id
    move_map(focus_for(story, [place_id]))


def select_passage(story: Story, passage_id: str) -> None:
    st.session_state[settings.KEY_PASSAGE] = passage_id
    move_map(focus_for(story, story.places_in(passage_id)))


def jump_to_event(story: Story, day: date, place_ids: list[str]) -> None:
    st.session_state[settings.KEY_DATE] = story.manifest.clamp(day)
    if place_ids and place_ids[0] in story.entities:
        select_place(story, place_ids[0])


def on_pick_place(story: Story) -> None:
    place_id = st.session_state[settings.KEY_PLACE]
    if place_id:
        move_map(focus_for(story, [place_id]))
        st.session_state[KEY_TAB] = TABS[0]


def go_to_step(story: Story, step: Step, *, keep_date: bool = False) -> None:
    """Show ``step``: its passage, its date (when it has one) and the map on its places.

    ArcGIS's map choreography: a step changes the view (and the date, where the passage has its own),
    never the layers the reader chose."""
    st.session_state[settings.KEY_WALK] = step.passage_id
    st.session_state[settings.KEY_WALK_LAST] = step.passage_id
    st.session_state[settings.KEY_PASSAGE] = step.passage_id
    if step.day is not None and not keep_date:
        st.session_state[settings.KEY_DATE] = story.manifest.clamp(step.day)
    view = focus_for(story, list(step.place_ids), settings.STEP_MAX_ZOOM)
    if view is not None:
        move_map(view)


def start_walk(story: Story) -> None:
    go_to_step(story, step_from(story, st.session_state.get(settings.KEY_WALK_LAST), 0))


def walk_by(story: Story, delta: int) -> None:
    go_to_step(story, step_from(story, st.session_state.get(settings.KEY_WALK), delta))


def leave_walk() -> None:
    """Back to exploring: the view, the date and the passage stay as the last step left them."""
    st.session_state[settings.KEY_WALK] = ""
