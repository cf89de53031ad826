"""The dashboard's page: the map and its region (walk, legend, description, toggles), laid out by :func:`main`.

Run from the repository root: ``python -m mapapp serve`` (Streamlit runs ``mapapp/streamlit_app.py``; see the
README). The other regions have their modules: ``state`` (session, permalink, callbacks), ``sidebar``, ``panel``
(the reading pane) and ``text``. Widget values live in ``st.session_state`` under the keys in
:mod:`mapapp.settings` and :mod:`mapapp.app.state`.
"""

from __future__ import annotations

import secrets

import streamlit as st
import streamlit_folium

from mapapp import settings
from mapapp.app.panel import render_passage, render_place_panel, render_reader, render_timeline
from mapapp.app.sidebar import render_sidebar
from mapapp.app.state import (
    KEY_APP_RERUN,
    KEY_EVENTS,
    KEY_FOCUS,
    KEY_LAST_EVENT,
    KEY_REVEAL,
    KEY_SESSION_TOKEN,
    KEY_STATUS_INTO_VIEW,
    KEY_TAB,
    KEY_VIEW,
    RETURNED,
    TABS,
    current_events,
    get_story,
    init_state,
    leave_walk,
    loaded_events,
    note_new_dataset,
    start_walk,
    sync_query_params,
    toggle_layers,
    visible_layers,
    walk_by,
)
from mapapp.app.text import escape_html
from mapapp.render import control as mapcontrol
from mapapp.render import legend, mapbuild
from mapapp.story.model import Story
from mapapp.story.states import describe_day
from mapapp.story.validate import GeoDataError
from mapapp.story.walk import step_of

# --- state -------------------------------------------------------------------------


# --- callbacks (run before the script, so they may set widget state) --------------------


# --- the guided walk (steps: mapapp/walk.py) -----------------------------------------------


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
    control = mapcontrol.SyncedLayerControl(base, hidden, state=state, events_filter=events_filter, reveal=reveal)
    view = st.session_state.get(KEY_FOCUS)
    # A keyed slot that page.css holds at the map's height: a new map (a dataset arrives or is lost) is
    # st_folium's 700 px until it loads, and the toggles under it jumped 170 px up and back under the reader's
    # pointer (a click made then landed on the page's background).
    with st.container(key=settings.KEY_MAP_SLOT):
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
        place_id = mapcontrol.place_id_from_click(event, story.entities)
        if place_id and place_id != st.session_state.get(settings.KEY_PLACE):
            st.session_state[settings.KEY_PLACE] = place_id
            st.session_state[KEY_TAB] = TABS[0]  # a place was clicked: show its passages
            st.session_state[KEY_STATUS_INTO_VIEW] = True
            st.session_state[KEY_APP_RERUN] = True  # the place panel is outside the map's fragment
    if event.get("last_object_clicked_tooltip") != previous.get("last_object_clicked_tooltip"):
        played = mapcontrol.day_from_event(event)
        if played is not None and played != st.session_state[settings.KEY_DATE]:
            st.session_state[settings.KEY_DATE] = story.manifest.clamp(played)
            st.session_state[KEY_APP_RERUN] = True  # the date control, the panel and the permalink follow
        layers = mapcontrol.layers_from_event(event, toggle_layers(story))
        if layers is not None:
            for layer in toggle_layers(story):
                st.session_state[settings.KEY_LAYER_PREFIX + layer] = layer in layers


def render_legend(story: Story) -> None:
    """Beside the map: open on a desktop, collapsed on a phone (page.css shows one of the two).

    st.markdown, not st.html: with st.html every click waited ~0.5 s more for the page to render (Chromium)."""
    st.markdown(
        '<div class="mapapp-legend-wide">' + legend.legend_html(story, open_=True) + "</div>"
        '<div class="mapapp-legend-narrow">' + legend.legend_html(story, open_=False) + "</div>",
        unsafe_allow_html=True,
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


@st.cache_data
def held_toggles_script() -> str:
    """``static/mapapp/held-toggles.js``, read once (it was read from disk on every full rerun)."""
    return (settings.STATIC_DIR / "mapapp" / "held-toggles.js").read_text(encoding="utf-8")


def render_held_toggles() -> None:
    """A small frame whose script holds the layer toggles clicked while the server is away (a restart) and applies
    them when it is back (``static/mapapp/held-toggles.js``). Its content is the same for the whole session, so a
    rerun never reloads it; a new session (a restarted server) replaces it, after the map's fragment has been
    registered, and that is when the new frame applies what was held."""
    script = held_toggles_script()
    session = st.session_state.setdefault(KEY_SESSION_TOKEN, secrets.token_hex(8))
    keys = f'data-toggles="{settings.KEY_TOGGLES}" data-prefix="{settings.KEY_LAYER_PREFIX}" data-session="{session}"'
    with st.sidebar:
        st.iframe(f"<script {keys}>{script}</script>", height=1)  # st.iframe: components.v1.html is deprecated


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
    render_held_toggles()
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
