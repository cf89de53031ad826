"""The Streamlit dashboard: map, place panel, article reader, timeline.

Run from the repository root: ``python -m mapapp serve`` (Streamlit runs ``mapapp/streamlit_app.py``; see
the README). This is the only module that imports Streamlit. Widget values
live in ``st.session_state`` under the keys in :mod:`mapapp.settings`; the
page is built by small ``render_*`` functions called from :func:`main`.
"""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import streamlit as st
import streamlit_folium

from mapapp import events, settings
from mapapp.app import preload
from mapapp.render import mapbuild, snapshot, viewmodel
from mapapp.story import tables
from mapapp.story.article import Passage, passages_as_records
from mapapp.story.layers import KINDS
from mapapp.story.model import Story, load_story
from mapapp.story.states import changes_between, describe_day
from mapapp.story.timeline import timeline_events
from mapapp.story.validate import GeoDataError, Problem, parse_iso_date
from mapapp.story.walk import Step, step_from, step_of

KEY_FOCUS = "map_focus"  # (lat, lon, zoom) to move the map to, set by non-map selections
KEY_REVEAL = "map_reveal"  # set with KEY_FOCUS: the next map script scrolls the map on screen (a sequence number)
KEY_REVEAL_SEQ = "map_reveal_seq"
KEY_LAST_EVENT = "last_map_event"  # the last st_folium value handled, so old clicks are not replayed
KEY_INIT = "initialised"
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


@st.cache_resource(max_entries=4, show_spinner="Loading the event dataset…")
def get_events_upload(file_id: str, _uploaded, scope: events.Scope) -> events.PublishedEvents | GeoDataError:
    """An uploaded event CSV, read and published once per upload (reruns do not touch its bytes)."""
    return events.publish_or_error(_uploaded.getvalue(), _uploaded.name, scope=scope)


def story_scope(story: Story) -> events.Scope:
    """What of an event file this story needs: its region and its timeline, with the margin of days."""
    manifest = story.manifest
    return events.Scope(manifest.region, manifest.timeline_start, manifest.timeline_end)


def current_events(story: Story) -> events.PublishedEvents | GeoDataError | None:
    """The event dataset in use: the uploaded file, else ``$MAPAPP_EVENTS``, else none."""
    uploaded = uploaded_file()
    if uploaded is not None:
        return get_events_upload(uploaded.file_id, uploaded, story_scope(story))
    path = os.environ.get(settings.EVENTS_ENV)
    if not path:
        return None
    try:
        stat = Path(path).stat()
    except OSError as exc:
        return GeoDataError([Problem(path, f"cannot read ${settings.EVENTS_ENV}: {exc.strerror or exc}")], events.EVENT_FILE)
    return get_events_file(path, stat.st_mtime_ns, stat.st_size, story_scope(story))


def uploaded_file():
    """The uploaded event file, or None. After a server restart the uploader's value is a DeletedFile
    (Streamlit's stand-in for a file it no longer has): that is no file."""
    value = st.session_state.get(settings.KEY_EVENTS_FILE)
    return value if hasattr(value, "getvalue") else None


def loaded_events() -> events.PublishedEvents | None:
    loaded = st.session_state.get(KEY_EVENTS)
    return loaded if isinstance(loaded, events.PublishedEvents) else None


# --- state -------------------------------------------------------------------------


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

    def default(key: str, value) -> None:
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


def sent_value(state, fallback):
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
    keeps enough of the surroundings to say where it is."""
    geoms = [story.feature(pid)["geometry"] for pid in place_ids if pid in story.entities]
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        return None
    minx = min(g.bounds[0] for g in geoms)
    miny = min(g.bounds[1] for g in geoms)
    maxx = max(g.bounds[2] for g in geoms)
    maxy = max(g.bounds[3] for g in geoms)
    span = max(maxx - minx, maxy - miny)
    zoom = settings.SELECTED_ZOOM if span < 0.05 else 11 if span < 0.3 else 9 if span < 1.2 else 7 if span < 4 else 5
    return ((miny + maxy) / 2, (minx + maxx) / 2, min(zoom, max_zoom))


# --- callbacks (run before the script, so they may set widget state) --------------------


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


# --- the guided walk (steps: mapapp/walk.py) -----------------------------------------------


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


def render_walk(story: Story) -> None:
    """The "Story" control, or the current step: progress, passage (mentions marked, speaker named), buttons."""
    step = step_of(story, st.session_state.get(settings.KEY_WALK))
    if step is None:
        last = step_of(story, st.session_state.get(settings.KEY_WALK_LAST))
        label = f"Story: resume the walk at {last.progress}" if last else "Story: walk me through the article"
        st.button(label, key="walk_start", on_click=start_walk, args=(story,), type="primary", width="stretch")
        return
    with st.container(key="walk_panel", border=True):
        st.markdown(f"**Story · step {step.progress}**")
        render_passage(story.article.passage(step.passage_id), every=True)
        previous, following, leave = st.columns(3)
        previous.button(
            "← Previous", key="walk_previous", on_click=walk_by, args=(story, -1), disabled=step.number == 1, shortcut="Left"
        )
        following.button(
            "Next →", key="walk_next", on_click=walk_by, args=(story, 1), disabled=step.number == step.total, shortcut="Right"
        )
        leave.button("Leave (Esc)", key="walk_leave", on_click=leave_walk, shortcut="Esc")


# --- the page -----------------------------------------------------------------------------


def render_map(story: Story) -> None:
    """The map component; clicks and layer-control toggles update the session state."""
    day = st.session_state[settings.KEY_DATE]
    selected = st.session_state.get(settings.KEY_PLACE) or None
    published = loaded_events()
    # Fixed for the session (changes only with the dataset or the online-tiles choice): the component
    # keeps the user's zoom, and the browser fetches the layers' data once.
    base = mapbuild.build_base_map(
        story, online_tiles=bool(st.session_state.get("online_tiles")), events=published.manifest_url if published else None
    )
    events_filter = None
    if published:
        window = settings.EVENT_WINDOWS.get(st.session_state.get(settings.KEY_EVENTS_WINDOW, settings.EVENT_DEFAULT_WINDOW))
        types = st.session_state.get(settings.KEY_EVENTS_TYPES) or None
        events_filter = mapbuild.events_filter(published.types, day, window, types)
    hidden = [layer for layer in toggle_layers(story) if layer not in visible_layers(story)]
    # What changes per rerun is only this control's small script: visibility, day, selection, event filter.
    passage = st.session_state.get(settings.KEY_PASSAGE)
    focus = story.places_in(passage) if passage and passage in story.article.passage_ids else []
    lang = "ar" if st.session_state.get(settings.KEY_LABELS_ARABIC) else "en"
    walking = bool(st.session_state.get(settings.KEY_WALK))
    compare = st.session_state.get(settings.KEY_COMPARE)
    state = mapbuild.story_state(day, selected, focus=focus, lang=lang, dim=walking, compare=compare)
    reveal = st.session_state.pop(KEY_REVEAL, 0)
    control = mapbuild.SyncedLayerControl(base, hidden, state=state, events_filter=events_filter, reveal=reveal)
    view = st.session_state.get(KEY_FOCUS)
    event = streamlit_folium.st_folium(  # looked up per call (tests replace it)
        base,
        key=settings.KEY_MAP,
        height=settings.MAP_HEIGHT,
        use_container_width=True,
        returned_objects=RETURNED,
        layer_control=control,
        center=(view[0], view[1]) if view else None,
        zoom=view[2] if view else None,
    )
    handle_map_event(story, event)


@st.fragment
def render_map_fragment(story: Story) -> None:
    """The map and its layer toggles, rerun on their own: a toggle or a pan does not rebuild the page.

    A click that selects a place needs the place panel too, so it asks for a full rerun, before the map is
    drawn again for nothing: the map's value is in the session state before the component is called.
    (The toggles sit under the map, not in the sidebar: a fragment cannot write to the sidebar.)
    """
    handle_map_event(story, st.session_state.get(settings.KEY_MAP))
    if st.session_state.pop(KEY_APP_RERUN, False):
        st.rerun(scope="app")
    render_map(story)
    render_layer_toggles(story)
    view = st.session_state.get(KEY_VIEW)
    if view is not None:
        view["visible"] = visible_layers(story)
    sync_query_params(story)
    if st.session_state.pop(KEY_APP_RERUN, False):
        st.rerun(scope="app")


def render_map_description(story: Story) -> None:
    """The map's text alternative, from the data; a live region, so a screen reader hears each change."""
    day = st.session_state[settings.KEY_DATE]
    selected = st.session_state.get(settings.KEY_PLACE) or None
    # Once per (day, selection) for the story: a full rerun asked for it every time (~10 ms).
    text = story.derived(f"describe-{day.isoformat()}-{selected}", lambda: describe_day(story, day, selected))
    step = step_of(story, st.session_state.get(settings.KEY_WALK))
    if step is not None:  # announced with the map's description at each step
        passage = story.article.passage(step.passage_id).text
        text = f"Story step {step.number} of {step.total}: {passage[:120]}{'…' if len(passage) > 120 else ''} {text}"
    # tabindex: it scrolls when long, so a keyboard must be able to reach it (axe: scrollable-region-focusable).
    # st.markdown, not st.html: in Chromium each st.html element added ~0.5 s to a rerun's rendering (measured).
    description = f'<p class="mapapp-description" role="status" aria-live="polite" tabindex="0">{escape_html(text)}</p>'
    st.markdown(description, unsafe_allow_html=True)


def render_layer_toggles(story: Story) -> None:
    layers = toggle_layers(story)
    toggles = st.container(key=settings.KEY_TOGGLES)  # page.css lays them out on one wrapping row on phones
    for column, layer in zip(toggles.columns(len(layers)), layers, strict=False):
        label = settings.EVENTS_SHORT_LABEL if layer == settings.EVENTS_LAYER else story.manifest.layers[layer].short_label
        column.checkbox(label, key=settings.KEY_LAYER_PREFIX + layer)


def handle_map_event(story: Story, event: dict | None) -> None:
    """Apply a new click or layer toggle from the map; ignore values already handled."""
    if not event or event == st.session_state.get(KEY_LAST_EVENT):
        return
    previous = st.session_state.get(KEY_LAST_EVENT) or {}
    st.session_state[KEY_LAST_EVENT] = event
    if event.get("last_active_drawing") != previous.get("last_active_drawing"):
        place_id = mapbuild.place_id_from_click(event, story.entities)
        if place_id and place_id != st.session_state.get(settings.KEY_PLACE):
            st.session_state[settings.KEY_PLACE] = place_id
            st.session_state[KEY_TAB] = TABS[0]  # a place was clicked: show its passages
            st.session_state[KEY_APP_RERUN] = True  # the place panel is outside the map's fragment
    if event.get("last_object_clicked_tooltip") != previous.get("last_object_clicked_tooltip"):
        played = mapbuild.day_from_event(event)
        if played is not None and played != st.session_state[settings.KEY_DATE]:
            st.session_state[settings.KEY_DATE] = story.manifest.clamp(played)
            st.session_state[KEY_APP_RERUN] = True  # the date control, the panel and the permalink follow
        layers = mapbuild.layers_from_event(event, toggle_layers(story))
        if layers is not None:
            for layer in toggle_layers(story):
                st.session_state[settings.KEY_LAYER_PREFIX + layer] = layer in layers


def render_sidebar(story: Story) -> None:
    sb = st.sidebar
    manifest = story.manifest
    sb.header(manifest.title)
    sb.caption(escape_md(manifest.subtitle or story.article.meta.get("headline", "")))
    about = f" ({manifest.timeline_about})" if manifest.timeline_about else ""
    sb.date_input(
        "As of date",
        key=settings.KEY_DATE,
        min_value=manifest.timeline_start,
        max_value=manifest.timeline_end,
        help=f"The map shows who held what on this day{about}.",
    )
    pickable = (e for e in story.entities.values() if KINDS[e["layer"]].pickable)
    ids = sorted(pickable, key=lambda e: e["name"].casefold())
    names = {e["id"]: e["name"] for e in ids}
    sb.selectbox(
        "Place",
        options=[""] + [e["id"] for e in ids],
        key=settings.KEY_PLACE,
        format_func=lambda pid: names.get(pid, "(choose a place)") if pid else "(choose a place)",
        on_change=on_pick_place,
        args=(story,),
    )
    sb.checkbox(
        "Place names in Arabic", key=settings.KEY_LABELS_ARABIC, help="Labels on the map, where the data has the Arabic name."
    )
    sb.checkbox(
        "Online base maps (OpenStreetMap, satellite)",
        key="online_tiles",
        help="Needs internet; the offline basemap always works.",
    )
    render_events_panel(sb)
    render_exports(story, sb)


def render_events_panel(container) -> None:
    """Load an ACLED or UCDP GED CSV; filter its events; see every row that could not be used."""
    container.subheader("Event dataset")
    container.file_uploader(
        "ACLED or UCDP GED CSV",
        type=["csv"],
        key=settings.KEY_EVENTS_FILE,
        help="Columns as in ACLED's export (see the README). Drawn from the app's own static files; "
        "clicking a dot shows the event's date, type, actors, source and notes.",
    )
    lost, uploaded = st.session_state.get(KEY_UPLOAD_SENT), uploaded_file()
    if lost and uploaded is None:
        # The server restarted: uploads lived in its memory. The uploader still shows the name; say so.
        container.warning(
            f"**{escape_md(lost)}** was lost when the server restarted: upload it again, or "
            f"[reload the page](?{escape_md(urlencode(dict(st.query_params)))}) to clear the uploader."
        )
    elif uploaded is not None:
        st.session_state[KEY_UPLOAD_SENT] = None
    loaded = st.session_state.get(KEY_EVENTS)
    if isinstance(loaded, GeoDataError):
        container.error("The event file could not be used:\n\n" + "\n".join(f"- {escape_md(p)}" for p in loaded.problems))
        return
    if loaded is None and st.session_state.get(KEY_LINK_HAD_EVENTS):
        container.warning(
            "This link was showing an uploaded event dataset. An upload stays with the page that sent it, "
            "so it is not shown after a reload or on another screen: upload the file again to see it."
        )
    if loaded is None:
        container.caption(f"No event dataset loaded (upload one, or start the app with ${settings.EVENTS_ENV}=file.csv).")
        return
    if not loaded.rows:
        container.warning(f"**{escape_md(loaded.name)}** has no rows: only its header. Nothing to draw.")
        return
    span = f"; {events.day_to_date(loaded.first_day)} to {events.day_to_date(loaded.last_day)}" if loaded.count else ""
    container.caption(
        f"**{escape_md(loaded.name)}**: {loaded.rows:,} rows, {loaded.count:,} drawn"
        + (f", {loaded.skipped_rows - loaded.outside_scope:,} not drawn" if loaded.skipped_rows - loaded.outside_scope else "")
        + f"{span}."
    )
    if loaded.outside_scope:
        container.caption(
            f"{loaded.count + loaded.outside_scope:,} usable events in the file; {loaded.count:,} in "
            f"{escape_md(loaded.scope_text)}; {loaded.outside_scope:,} outside it are counted, not drawn "
            f"(a margin of {settings.EVENT_SCOPE_MARGIN_DAYS} days; MAPAPP_EVENT_MARGIN_DAYS widens it)."
        )
    container.selectbox("Events shown, up to the date", list(settings.EVENT_WINDOWS), key=settings.KEY_EVENTS_WINDOW)
    container.multiselect("Event types (none chosen: all)", list(loaded.types), key=settings.KEY_EVENTS_TYPES)
    if loaded.problems:
        more = loaded.problems_not_listed
        listed = f"the first {len(loaded.problems):,} listed below, all in the CSV" if more else "listed by row below"
        container.warning(f"{loaded.problem_total:,} problem(s) in {escape_md(loaded.name)}, {listed}.")
        with container.expander("Rows with problems", expanded=loaded.problem_total <= 20):
            if more:
                counts = ", ".join(f"{kind}: {n:,}" for kind, n in loaded.problem_counts)
                st.caption(f"By field: {escape_md(counts)}. Up to {settings.EVENT_PROBLEMS_PER_KIND:,} of each are shown.")
            rows = loaded.problem_rows()
            st.dataframe(rows, hide_index=True, width="stretch")
            report = loaded.report
            if loaded.report_omitted:
                cap = settings.EVENT_REPORT_MAX_BYTES / 1024 / 1024
                st.caption(
                    f"The CSV stops at {cap:g} MB: it lists {loaded.problem_total - loaded.report_omitted:,} problems "
                    f"and leaves out {loaded.report_omitted:,} (all counted above, by field)."
                )
            st.download_button(
                "Problems (CSV, all of them)" if not loaded.report_omitted else "Problems (CSV, up to its size cap)",
                data=(lambda: report.read_bytes()) if report is not None and report.is_file() else (lambda: table_csv(rows)),
                file_name="event-problems.csv",
                mime="text/csv",
                key="dl_event_problems",
            )


def render_legend(story: Story) -> None:
    """Beside the map: open on a desktop, collapsed on a phone (page.css shows one of the two).

    st.markdown, not st.html: with st.html every click waited ~0.5 s more for the page to render (Chromium)."""
    st.markdown(
        '<div class="mapapp-legend-wide">' + mapbuild.legend_html(story, open_=True) + "</div>"
        '<div class="mapapp-legend-narrow">' + mapbuild.legend_html(story, open_=False) + "</div>",
        unsafe_allow_html=True,
    )


def render_exports(story: Story, container) -> None:
    day = st.session_state[settings.KEY_DATE]
    selected = st.session_state.get(settings.KEY_PLACE) or None
    # The files are built on click, outside any script run: they read the visible layers from this
    # session's view dict, which the map fragment keeps current (a toggle reruns only the fragment).
    view = st.session_state.setdefault(KEY_VIEW, {})
    view["visible"] = visible_layers(story)
    container.subheader("Export")
    # The exports hold the story's layers; an event dataset is the user's own file: say it is left out.
    without_events = " (story layers; without the event dataset)" if loaded_events() else ""
    container.download_button(
        f"Visible layers (GeoJSON){without_events}",
        data=lambda: mapbuild.visible_geojson(story, day=day, visible=view["visible"]),
        file_name=f"{story.manifest.slug}-{day.isoformat()}.geojson",
        mime="application/geo+json",
        key="dl_geojson",
    )
    container.download_button(
        "Passages and places (CSV)", data=lambda: passages_csv(story), file_name="passages.csv", mime="text/csv", key="dl_csv"
    )
    container.download_button(
        f"Map (standalone HTML){without_events}",
        data=lambda: mapbuild.standalone_html(story, day=day, visible=view["visible"], selected=selected),
        file_name=f"{story.manifest.slug}-map-{day.isoformat()}.html",
        mime="text/html",
        key="dl_html",
    )
    if snapshot.chromium_available():
        container.download_button(
            "Snapshot for print (PNG)",
            data=lambda: snapshot.render(story, [snapshot.Shot(day=day, place=selected)], pdf=False),
            file_name=f"{story.manifest.slug}-{day.isoformat()}.png",
            mime="image/png",
            key="dl_png",
            help="The map on this date, with its title, legend, scale bar, credits and the sources of what it shows, "
            "at twice screen resolution (taken by Chromium on the server: a few seconds).",
        )
    else:
        container.caption("Snapshots for print need Chromium on the server (Debian: apt install chromium).")


def passages_csv(story: Story) -> str:
    return table_csv(passages_as_records(story.article))


def table_csv(records: list[dict]) -> str:
    return tables.csv_text(records)  # formula-looking cells neutralised (mapapp.story.tables)


def render_place_panel(story: Story) -> None:
    place_id = st.session_state.get(settings.KEY_PLACE)
    if not place_id:
        st.info("Click a place on the map, or choose one in the sidebar.")
        return
    view = viewmodel.place_view(story, place_id)  # the same view the published site renders
    day = st.session_state[settings.KEY_DATE]
    st.subheader(view["name"])
    if view["draft"] is not None:  # drafted by `python -m mapapp new`: say so before anything else
        st.warning(f"Draft, not yet reviewed: {escape_md(view['draft'])}")
    st.markdown("\n".join(f"- **{k}:** {escape_md(v)}" for k, v in view["facts"]))
    render_sources(view["sources"])
    render_status(story, view, day)
    render_place_passages(story, place_id)


def render_sources(sources: list[dict]) -> None:
    for src in sources:
        st.caption(f"Source [{escape_md(src['leaning'])}]: {escape_md(src['title'])}{source_link(src['url'])}")


def source_link(url) -> str:
    """A markdown link for http(s) URLs only; anything else (javascript:, data:) is not linked."""
    if isinstance(url, str) and re.fullmatch(r"https?://[^\s()<>]+", url):
        return f" ([link]({url}))"
    return ""


def render_status(story: Story, view: dict, day: date) -> None:
    """The panel section the feature's kind declares (see mapapp.story.layers: ``panel``)."""
    if view["panel"] == "control-history":
        render_control_history(story, view, day)
    elif view["panel"] == "states":
        render_states(story, view, day)
    elif view["panel"] == "dated":
        render_dated(story, view["dated"])


def human_date(value: date | str | None) -> str:
    """ "5 Mar 2021", as the map writes dates (ISO strings from the view model too)."""
    day = parse_iso_date(value) if isinstance(value, str) else value
    return f"{day.day} {day:%b %Y}" if day else str(value or "")


def source_names(story: Story, keys) -> str:
    """Sources by outlet and title, not by their ids (the ids stay in the exports)."""
    names = []
    for key in keys if isinstance(keys, (list, tuple)) else [keys]:
        source = story.source(str(key))
        outlet, title = source.get("publisher") or "", source.get("title") or str(key)
        names.append(f"{outlet}: {title}" if outlet and outlet not in title else title)
    return "; ".join(names)


def holder_phrase(side_id: str, label: str) -> str:
    """ "held by the government", "contested", "no dated claim": a side's label read as a state of a place."""
    if side_id == "unknown":
        return "no dated control claim in this dataset"
    if side_id == "contested" or label.startswith("contested"):
        return "**contested**"
    return f"held by **{escape_md(label)}**"


def render_control_history(story: Story, view: dict, day: date) -> None:
    status = viewmodel.interval_on(view["status"], day)
    if status is None:
        st.caption("No dated control claim for this place in the dataset.")
        return
    since = f" since {human_date(status['since'])}" if status["since"] else ""
    st.markdown(f"**As of {human_date(day)}:** {holder_phrase(status['side'], status['label'])}{since}")
    if status["disputed"]:
        st.warning(status["note"])
        for claim in status["claims"]:
            st.markdown(
                f"- {human_date(claim['date'])}: {escape_md(claim['text'])} ({escape_md(source_names(story, claim['sources']))})"
            )
    st.markdown("**Control history**")
    seen = set()
    for change in view["history"]:
        key = (change["date"], change["before"], change["after"])
        if key in seen:  # one change told by two features (a place and its area): listed once
            continue
        seen.add(key)
        st.markdown(
            f"- **{human_date(change['date'])}** ({change['precision']}): {escape_md(change['name'])}: "
            f"{escape_md(change['before'])} → {escape_md(change['after'])}"
        )
        for claim in change["claims"]:
            st.caption(
                f"  {human_date(claim['date'])} {escape_md(claim['text'])} ({escape_md(source_names(story, claim['source']))})"
            )
        render_sources(change["sources"])


def render_states(story: Story, view: dict, day: date) -> None:
    status = viewmodel.interval_on(view["status"], day)
    words = status["status"].replace("-", " ") if status else "unknown"
    st.markdown(f"**As of {human_date(day)}:** {escape_md(words)}")
    for entry in view["states"]:
        st.markdown(
            f"- **{human_date(entry['date'])}**: {escape_md(entry['status'].replace('-', ' '))}. {escape_md(entry['note'])}"
        )
        for claim in entry["claims"]:
            by = escape_md(source_names(story, claim["source"]))
            st.caption(f"  other account: {human_date(claim['date'])} {escape_md(claim['text'])} ({by})")


def render_dated(story: Story, dated: dict) -> None:
    until = f" to {human_date(dated['date_to'])}" if dated["date_to"] else ""
    st.markdown(f"**Date:** {human_date(dated['date'])}{until}")
    if dated["claims"]:
        st.markdown("**What each source says** (claims side by side, none picked):")
        st.table([{"claim": c["text"], "source": source_names(story, c["source"])} for c in dated["claims"]])


def render_place_passages(story: Story, place_id: str) -> None:
    passages = story.passages_for(place_id)
    st.markdown(f"**Passages ({len(passages)})**")
    for passage in passages:
        render_passage(passage, place_id)


def render_passage(passage: Passage, place_id: str | None = None, *, every: bool = False) -> None:
    """The passage with its speaker and dates; the mentions of ``place_id`` (or, ``every``, of all places) marked."""
    speakers = ", ".join(s.get("who", "") for s in passage.speakers) or "unattributed"
    dates = "; ".join(f"“{d['phrase']}” = {d['date']}" + (f"…{d['date_to']}" if d.get("date_to") else "") for d in passage.dates)
    st.markdown(f"<small>{escape_html(passage.id)} · speaker: {escape_html(speakers)}</small>", unsafe_allow_html=True)
    st.markdown(highlighted(passage, place_id, every=every), unsafe_allow_html=True)
    if dates:
        st.caption(f"Dates: {dates}")


def highlighted(passage: Passage, place_id: str | None, *, every: bool = False) -> str:
    """Passage text as HTML with the place's (or every place's) mentions in <mark>; everything else escaped."""
    out = []
    for text, ids in viewmodel.passage_segments(passage):  # the same segments the published site marks
        marked = bool(ids) if every else place_id in ids
        out.append(f"<mark>{escape_html(text)}</mark>" if marked else escape_html(text))
    return f'<p class="passage" data-passage="{escape_html(passage.id)}">' + "".join(out) + "</p>"


def escape_html(text: str) -> str:
    return mapbuild.escape_text(text)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>$~|#])")


def escape_md(text) -> str:
    """Markdown-neutral text (st.markdown renders no raw HTML, but links and emphasis would apply)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def render_reader(story: Story) -> None:
    """The whole article, in order; a button per passage shows its places on the map."""
    current = st.session_state.get(settings.KEY_PASSAGE)
    manifest = story.manifest
    st.markdown(f"**{escape_md(story.article.meta.get('headline', ''))}**")
    st.caption(f"{escape_md(manifest.outlet)} · events {manifest.events_date} · published {manifest.published}")
    related = {r["line"]: r for r in story.article.related}
    for line in story.article.lines:
        if line["kind"] in ("body", "credits"):
            passage = story.article.passage(line["ref"])
            render_passage(passage, None)
            st.button(
                "Show its places on the map",
                key=f"passage_{passage.id}",
                on_click=select_passage,
                args=(story, passage.id),
                type="primary" if passage.id == current else "secondary",
            )
            if passage.id == current:
                names = [story.entity(pid)["name"] for pid in story.places_in(passage.id)]
                st.success("Places in this passage: " + (", ".join(names) if names else "none"))
        elif line["kind"] in ("video", "link") and line["line"] in related:
            item = related[line["line"]]
            st.caption(f"Related {item['kind']}: {escape_md(item['title'])}" + (f" ({item['date']})" if item.get("date") else ""))


def render_comparison(story: Story) -> None:
    """Two dates: what changed between the map's date and another, each entry dated and sourced."""
    manifest = story.manifest
    st.date_input(
        "Compare the map's date with",
        key=settings.KEY_COMPARE,
        value=None,
        min_value=manifest.timeline_start,
        max_value=manifest.timeline_end,
        help="Lists the places whose holder changed, posts and roads whose state changed, and the changes of hands "
        "and incidents in between.",
    )
    other = st.session_state.get(settings.KEY_COMPARE)
    if other is None:
        return
    day = st.session_state[settings.KEY_DATE]
    entries = changes_between(story, other, day)
    first, second = sorted((other, day))
    st.markdown(f"**What changed from {first:%d %b %Y} to {second:%d %b %Y}** ({len(entries)})")
    for i, entry in enumerate(entries):
        change = f": {entry['before']} → {entry['after']}" if entry["before"] or entry["after"] else ""
        sources = ", ".join(story.source(k).get("publisher") or story.source(k)["title"] for k in entry["sources"])
        # Button labels are markdown: the data's text is escaped so that it cannot become a link or an image.
        label = escape_md(f"{entry['date'] or ''} · {entry['name']}{change} [{sources}]")
        st.button(label, key=f"compare_{i}_{entry['id']}", on_click=select_place, args=(story, entry["id"]), width="stretch")


def render_timeline(story: Story) -> None:
    render_comparison(story)
    events = timeline_events(story.layers, story.article.related)
    day = st.session_state[settings.KEY_DATE]
    st.caption("Every dated event; click one to move the map to that day and place.")
    earliest = story.manifest.timeline_start - timedelta(days=200)  # background events, not the founding of every post
    for i, event in enumerate(e for e in events if e["date"] >= earliest):
        marker = "▶ " if event["date"] == day else ""
        st.button(
            f"{marker}{event['date'].isoformat()} · {event['kind']} · {escape_md(event['title'])}",  # labels are markdown
            key=f"event_{i}_{event['id']}",
            on_click=jump_to_event,
            args=(story, event["date"], event["place_ids"]),
        )


@st.cache_data
def page_css() -> str:
    """The page layout (``static/mapapp/page.css``): a larger map that stays on screen, a phone layout."""
    sheets = (settings.PAGE_CSS, settings.LEGEND_CSS)
    css = "\n".join((settings.STATIC_DIR / "mapapp" / name).read_text(encoding="utf-8") for name in sheets)
    return f"<style>{css}</style>"


def render_errors(exc: GeoDataError) -> None:
    st.error(f"The story data has {len(exc.problems)} problem(s); fix them and reload.")
    st.code("\n".join(str(p) for p in exc.problems), language=None)


def render_phone_title(story: Story) -> None:
    """The story's title and date above the map on a phone (page.css shows it only there: on a desktop the
    sidebar has them). st.markdown, not st.html, for the same reason as the legend."""
    manifest = story.manifest
    st.markdown(
        f'<div class="mapapp-phone-title"><b>{escape_html(manifest.title)}</b>'
        f"<span>{escape_html(manifest.subtitle)}</span></div>",
        unsafe_allow_html=True,
    )


def main() -> None:
    try:
        story = get_story(str(settings.data_dir_from_env()))
    except GeoDataError as exc:
        st.set_page_config(page_title=settings.APP_TITLE, layout="wide")
        render_errors(exc)
        return
    st.set_page_config(page_title=story.manifest.page_title, layout="wide")
    st.session_state[KEY_EVENTS] = current_events(story)
    init_state(story)
    note_new_dataset()
    st.html(page_css())
    render_phone_title(story)
    # A keyed container, so page.css can find the map's column without :has() (which made every rerun's
    # style recalculation slow: about 0.5 s per click in Chromium).
    col_map, col_side = st.container(key=settings.KEY_LAYOUT).columns(list(settings.COLUMNS))
    with col_map:
        render_map_fragment(story)
        # Outside the fragment: it depends on the date and the selection (full reruns), not on a toggle.
        render_map_description(story)
    render_sidebar(story)
    with col_side:
        render_walk(story)
        render_legend(story)
        # Lazy tabs: only the open tab runs and is sent, so a click or a toggle does not
        # re-send the whole article and timeline (about 300 elements) on every rerun.
        place_tab, article_tab, timeline_tab = st.tabs(list(TABS), key=KEY_TAB, on_change="rerun")
        if place_tab.open:
            with place_tab:
                render_place_panel(story)
        if article_tab.open:
            with article_tab:
                render_reader(story)
        if timeline_tab.open:
            with timeline_tab:
                render_timeline(story)
    sync_query_params(story)
