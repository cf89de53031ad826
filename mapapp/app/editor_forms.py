"""The editor's forms beside the map: what a drawing is, each feature's dated states, the article's reading,
the story's sides and opening view. Each button applies one operation of :mod:`mapapp.edit` through
:func:`mapapp.app.editing.run` (validated, saved as a version, said at the top of the page)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial

import streamlit as st
from streamlit.components import v1 as components

from mapapp import settings
from mapapp.app.editing import run
from mapapp.app.editor_map import KEY_DRAWING, KEY_MAP_VERSION, KEY_RESHAPE, KEY_VIEW, forget_drawing
from mapapp.app.text import escape_md
from mapapp.edit.features import AddClaim, AddFeature, AddSegment, AddState, Reshape, features_of
from mapapp.edit.operations import Delete, RemoveCallout, SetCallout, SetDates, SetSide, SetView, contrast
from mapapp.edit.reading import LinkPassage, MarkFurniture, SetDate, SetSpeaker
from mapapp.edit.session import EditSession
from mapapp.story.layers import CONTROL, KINDS, LayerKind

KEY_SELECTION = "edit_selection"  # the words last selected in the passage
# A passage shown as text in its own frame, whose selected words come back (mapapp/static/mapapp/passage-select/).
_passage_select = components.declare_component("passage_select", path=str(settings.STATIC_DIR / "mapapp" / "passage-select"))
PRECISION_WORDS = {"approximate": "approximate (within a radius)", "exact": "exact", "schematic": "schematic (drawn by hand)"}
DRAWN_TYPES = {"Point": "point", "LineString": "line", "Polygon": "area"}


def _story_day(editing: EditSession) -> date:
    return date.fromisoformat(str(editing.docs[settings.MANIFEST_FILE].get("events_date")))


def _sources(editing: EditSession) -> list[str]:
    return sorted(editing.docs[settings.SOURCES_FILE])


def _source_label(editing: EditSession) -> Callable[[str], str]:
    """A selectbox's format_func: the source's key and title."""
    titles = editing.docs[settings.SOURCES_FILE]
    return lambda key: f"{key}: {titles.get(key, {}).get('title', '')}"[:90]


def _sides(editing: EditSession) -> dict[str, dict]:
    return dict(editing.docs[settings.MANIFEST_FILE].get("sides") or {})


def _state_fields(editing: EditSession, kind: LayerKind, key: str, *, first: bool) -> dict:
    """The kind's dated fields: a status (roads, front lines, posts), the sides (control), a kind of event."""
    sides = _sides(editing)
    side_label = lambda s: str(sides[s].get("label", s))  # noqa: E731
    if kind.rule == "states":
        status = st.selectbox("Status from that date", list(kind.statuses), key=f"{key}_status")
        if status is not None and kind.statuses[status].by_side:  # "held": by whom
            return {"status": status, "by": st.selectbox("By", list(sides), format_func=side_label, key=f"{key}_by")}
        return {"status": status}
    if kind.rule == "change":
        fields = {"after": st.selectbox("Now held by", list(sides), format_func=side_label, key=f"{key}_after")}
        if first:
            fields["before"] = st.selectbox("Held before by", list(sides), index=min(1, len(sides) - 1),
                                            format_func=side_label, key=f"{key}_before")  # fmt: skip
        return fields
    if kind.rule in ("happened", "controller") and first:
        return {"what": st.text_input("What it is (airstrike, village, bridge…)", key=f"{key}_what")}
    return {}


def render_drawing(editing: EditSession) -> None:
    """The last finished drawing: which layer it belongs to and its story, or the shape of a drafted name."""
    geometry = st.session_state.get(KEY_DRAWING)
    reshaping = st.session_state.get(KEY_RESHAPE)
    if reshaping:
        kind_id, fid = reshaping
        st.markdown(f"Editing the shape of **{escape_md(fid)}**: drag its vertices (the pencil tool; a vertex"
                    " near another feature snaps onto it, Alt held places it freely), then save.")  # fmt: skip
        if st.button("Save the new shape", key="save_shape", disabled=not geometry) and geometry:
            run(lambda s: s.apply(Reshape(kind_id, fid, geometry)))
        if st.button("Stop editing the shape", key="stop_shape"):
            forget_drawing()
            st.rerun()
        return
    if not geometry:
        st.info(
            "Draw a point, a line or an area with the tools at the map's top left. Finish it, and it is described here."
            " A vertex near a feature snaps onto it (a green ring shows where); hold Alt to place it freely."
        )
        return
    gtype = str(geometry.get("type"))
    kinds = [k.id for k in KINDS.values() if k.toggleable and gtype in k.geometry_types]
    st.markdown(f"**New {DRAWN_TYPES.get(gtype, gtype)}** drawn on the map. What is it?")
    kind_id = st.selectbox("Layer", kinds, format_func=lambda k: KINDS[k].label, key="draw_kind")
    if kind_id is None:
        return
    kind = KINDS[kind_id]
    name = st.text_input("Name (as a reader calls it)", key="draw_name")
    source = st.selectbox("Source", _sources(editing), format_func=_source_label(editing), key="draw_source")
    precision = st.selectbox("Precision", list(PRECISION_WORDS), format_func=PRECISION_WORDS.__getitem__, key="draw_precision")
    radius = 2000.0
    if precision != "schematic":
        radius = float(st.number_input("Within (metres)", 1, settings.MAX_PRECISION_M, 2000, key="draw_radius"))
    day = st.date_input("Date", _story_day(editing), key="draw_date") if kind.rule != "controller" else None
    fields = _state_fields(editing, kind, "draw", first=True)
    save, drop = st.columns(2)
    if save.button("Save drawing", key="save_drawing", type="primary"):
        run(lambda s: s.apply(AddFeature(kind.id, geometry, name.strip(), source or "", precision, radius,
                                         date=day.isoformat() if isinstance(day, date) else "", **fields)))  # fmt: skip
    if drop.button("Drop drawing", key="drop_drawing"):
        forget_drawing()
        st.rerun()
    shapeless = _choices(editing, lambda k, f: not f.get("geometry") and gtype in KINDS[k].geometry_types)
    if shapeless:
        st.markdown("…or the shape of a name the draft could not place:")
        pick = st.selectbox("Drafted name", list(shapeless), format_func=shapeless.__getitem__, key="shape_for")
        if pick is not None and st.button("Use the drawing as its shape", key="use_shape"):
            shaped_kind, fid = pick.split(" ", 1)
            run(lambda s: s.apply(Reshape(shaped_kind, fid, geometry, source or "")))


def _choices(editing: EditSession, keep: Callable[[str, dict], bool]) -> dict[str, str]:
    """Features as selectbox choices: ``"kind id"`` (plain strings survive reruns) → what the reader reads."""
    return {
        f"{k} {f['properties']['id']}": f"{f['properties'].get('name')} · {KINDS[k].short_label}"
        for k, f in features_of(editing.docs)
        if keep(k, f)
    }


def render_features(editing: EditSession) -> None:
    """Every drawn feature: its dated states, the next one, its shape, its removal."""
    drawn = [(k, f) for k, f in features_of(editing.docs) if f.get("geometry")]
    shaped = _choices(editing, lambda _k, f: bool(f.get("geometry")))
    if not shaped:
        st.info("No feature has a shape yet.")
        return
    pick = st.selectbox("Feature", list(shaped), format_func=shaped.__getitem__, key="feature_pick")
    if pick is None:
        return
    kind_id, fid = pick.split(" ", 1)
    feature = next(f for k, f in drawn if k == kind_id and f["properties"]["id"] == fid)
    kind, props = KINDS[kind_id], feature["properties"]
    for state in props.get("states") or []:
        st.markdown(f"- {escape_md(state.get('date'))}: {escape_md(state.get('status'))}")
    if kind.id == CONTROL:
        same = [f["properties"] for k, f in drawn if k == CONTROL and f.get("geometry") == feature.get("geometry")]
        for change in sorted(same, key=lambda p: str(p.get("date"))):
            st.markdown(
                f"- {escape_md(change.get('date'))}: {escape_md(change.get('before'))} → {escape_md(change.get('after'))}"
            )
    if kind.rule in ("states", "change"):
        with st.container(border=True):
            st.markdown("**Add a dated state**" if kind.rule == "states" else "**Add the next change of control**")
            day = st.date_input("From", _story_day(editing), key="state_date")
            fields = _state_fields(editing, kind, "state", first=False)
            source = st.selectbox("Source", _sources(editing), format_func=_source_label(editing), key="state_source")
            if st.button("Add", key="add_state"):
                run(lambda s: s.apply(AddState(kind_id, fid, day.isoformat(), source or "", **fields)))
    with st.container(border=True):
        st.markdown("**Another account** (a source that says otherwise, kept beside the adopted one)")
        claim = st.text_input("What it says", key="claim_text")
        claim_day = st.date_input("Dated", value=None, key="claim_date")
        claim_source = st.selectbox("Source", _sources(editing), format_func=_source_label(editing), key="claim_source")
        if st.button("Add the account", key="add_claim"):
            said = claim_day.isoformat() if isinstance(claim_day, date) else ""
            run(lambda s: s.apply(AddClaim(kind_id, fid, claim, claim_source or "", said)))
    _render_callouts(editing, fid)
    drawing = st.session_state.get(KEY_DRAWING) or {}
    if (feature.get("geometry") or {}).get("type") == "LineString" and kind.rule == "states":
        st.caption("A stretch with states of its own (cut at one town): draw a line across it, from one end to the other.")
        if st.button(
            "Make a segment between the drawing's ends", key="add_segment", disabled=drawing.get("type") != "LineString"
        ):
            ends = drawing["coordinates"]
            run(lambda s: s.apply(AddSegment(kind_id, fid, tuple(ends[0][:2]), tuple(ends[-1][:2]))))
    shape, remove = st.columns(2)
    if shape.button("Edit its shape", key="edit_shape"):
        st.session_state[KEY_RESHAPE] = (kind_id, fid)
        st.session_state[KEY_MAP_VERSION] = st.session_state.get(KEY_MAP_VERSION, 0) + 1
        st.rerun()
    if remove.button("Delete it", key="delete_feature"):
        run(lambda s: s.apply(Delete(fid, kind.file)))


def _render_callouts(editing: EditSession, fid: str) -> None:
    """What happened at the feature, written on the map (a few words from the passage that says it)."""
    with st.container(border=True):
        st.markdown("**Callout on the map** (what happened here, in a few words, with a line to it)")
        callouts = [c for c in editing.docs[settings.MANIFEST_FILE].get("callouts") or [] if c.get("target") == fid]
        for callout in callouts:
            words, remove = st.columns([4, 1])
            dates = " to ".join(str(callout[k]) for k in ("date", "date_to") if callout.get(k))
            words.markdown(f"“{escape_md(callout.get('text'))}” ({escape_md(callout.get('passage'))}"
                           f"{', ' + escape_md(dates) if dates else ''})")  # fmt: skip
            if remove.button("Remove", key=f"remove_callout_{callout.get('id')}"):
                run(partial(EditSession.apply, operation=RemoveCallout(str(callout.get("id")))))
        story = editing.story()
        linked = [p.id for p in story.passages_for(fid)]
        body = linked + [p.id for p in story.passages if p.kind == "body" and p.id not in linked]
        text = st.text_input(f"Words (at most {settings.CALLOUT_MAX_CHARS} characters)",
                             max_chars=settings.CALLOUT_MAX_CHARS, key="callout_text")  # fmt: skip
        passages = {p.id: p.text for p in story.passages}
        passage = st.selectbox("From the passage", body, key="callout_passage",
                               format_func=lambda pid: f"{pid} · {passages.get(pid, '')}"[:90])  # fmt: skip
        shown_from, shown_to = st.columns(2)
        first = shown_from.date_input("Shown from (optional)", value=None, key="callout_date")
        last = shown_to.date_input("until (optional)", value=None, key="callout_date_to")
        if st.button("Add the callout", key="add_callout"):
            iso = lambda d: d.isoformat() if isinstance(d, date) else ""  # noqa: E731
            run(lambda s: s.apply(SetCallout(fid, text, passage or "", iso(first), iso(last))))


def render_article(editing: EditSession) -> None:
    """One passage at a time: link its words to a feature, its speaker, its dates, or page furniture."""
    story = editing.story()
    passages = {p.id: p for p in story.passages}
    pid = st.selectbox("Passage", list(passages), format_func=lambda i: f"{i} · {passages[i].text[:70]}…", key="passage_pick")
    if pid is None:
        return
    pick = passages[pid]
    # The passage, whose words are selected with the mouse: the selection fills the words to link.
    selection = _passage_select(text=pick.text, key=f"select_{pick.id}", default=None)
    if isinstance(selection, str) and selection and selection != st.session_state.get(KEY_SELECTION):
        st.session_state[KEY_SELECTION] = selection
        st.session_state["link_words"] = selection  # before the field is drawn in this run
    ids = tuple(passages)
    targets = _choices(editing, lambda _k, _f: True)
    with st.container(border=True):
        words = st.text_input("Words that name a feature (select them in the passage, or type them)", key="link_words")
        target = st.selectbox("The feature they name", list(targets), format_func=targets.__getitem__, key="link_target")
        if st.button("Link", key="link_passage") and target is not None:
            run(lambda s: s.apply(LinkPassage(target.split(" ", 1)[1], pick.id, pick.text, words)))
    with st.container(border=True):
        current = ", ".join(str(sp.get("who")) for sp in pick.speakers)
        who = st.text_input("Who speaks (empty: nobody is quoted)", current, key=f"speaker_{pick.id}")
        if st.button("Save the speaker", key="save_speaker"):
            run(lambda s: s.apply(SetSpeaker(pick.id, pick.text, who)))
    with st.container(border=True):
        for d in pick.dates:
            st.markdown(f"- “{escape_md(d.get('phrase'))}” = {escape_md(d.get('date'))} ({escape_md(d.get('date_precision'))})")
        phrase = st.text_input("A date phrase of this passage", key="date_phrase")
        day = st.date_input("means", _story_day(editing), key="date_value")
        precision = st.selectbox("precision", settings.DATE_PRECISIONS, key="date_precision")
        keep, drop = st.columns(2)
        if keep.button("Save the date", key="save_date"):
            run(lambda s: s.apply(SetDate(pick.id, pick.text, phrase, day.isoformat(), precision)))
        if drop.button("Not a date", key="drop_date"):
            run(lambda s: s.apply(SetDate(pick.id, pick.text, phrase, "")))
    if st.button("This passage is page furniture, not story", key="mark_furniture"):
        run(lambda s: s.apply(MarkFurniture(pick.id, pick.text, ids)))


def render_story(editing: EditSession) -> None:
    """The sides (name, colour with its contrast against the land, legend words) and the opening view."""
    for side_id, side in _sides(editing).items():
        with st.container(border=True, key=f"side_{side_id}"):
            label = st.text_input("Name", side.get("label", ""), key=f"side_label_{side_id}")
            colour = st.color_picker("Colour", side.get("colour", "#777777"), key=f"side_colour_{side_id}")
            legend = st.text_input("Legend words", side.get("legend", ""), key=f"side_legend_{side_id}")
            ratio = contrast(colour)
            note = "" if ratio >= 3 else ": below 3:1, hard to tell from the land"
            st.caption(f"Contrast against the land: {ratio:.1f}:1{note}")
            if st.button("Save side", key=f"save_side_{side_id}"):
                run(partial(EditSession.apply, operation=SetSide(side_id, label, colour, legend)))
    manifest = editing.docs[settings.MANIFEST_FILE]
    with st.container(border=True):
        st.markdown("**Dates**: the days a reader can move through, and the day the map opens at")
        timeline = manifest.get("timeline") or {}
        day = lambda value: date.fromisoformat(str(value)) if value else _story_day(editing)  # noqa: E731
        start = st.date_input("Timeline from", day(timeline.get("start")), key="timeline_start")
        end = st.date_input("Timeline to", day(timeline.get("end")), key="timeline_end")
        opens = st.date_input("The map opens on (the day of the story's events)", _story_day(editing), key="events_date")
        if st.button("Save the dates", key="save_dates") and all(isinstance(d, date) for d in (start, end, opens)):
            run(lambda s: s.apply(SetDates(str(start), str(end), str(opens))))
    view = st.session_state.get(KEY_VIEW)
    if st.button("Open the story at the current map view", key="save_view", disabled=view is None) and view:
        run(lambda s: s.apply(SetView(view[0], view[1], view[2])))
