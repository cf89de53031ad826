"""The reading pane: the place panel (who holds it, its history, its passages), the article, the timeline."""

from __future__ import annotations

from datetime import date

import streamlit as st

from mapapp import settings
from mapapp.app.state import KEY_STATUS_INTO_VIEW, jump_to_event, select_passage, select_place
from mapapp.app.text import escape_html, escape_md, highlighted, holder_phrase, human_date, source_link, source_names
from mapapp.render import viewmodel
from mapapp.render.viewtypes import DatedView, PlaceView, SourceView
from mapapp.story.article import Passage
from mapapp.story.model import Story
from mapapp.story.states import changes_between


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
    # Who holds it first (a reader's question), then what the place is and where its position comes from.
    st.markdown('<span class="mapapp-status-anchor"></span>', unsafe_allow_html=True)
    render_status(story, view, day)
    if st.session_state.pop(KEY_STATUS_INTO_VIEW, False):
        # On a phone the panel is under the map: a tap on a place brings its status into view (a wide page
        # shows both side by side and is left alone). The script is ours; nothing from the data is in it.
        st.html(
            "<script>if (matchMedia('(max-width: 640px)').matches) { const a = document.querySelector("
            "'.mapapp-status-anchor'); if (a) a.scrollIntoView({block: 'start'}); }</script>",
            unsafe_allow_javascript=True,
        )
    st.markdown("\n".join(f"- **{k}:** {escape_md(v)}" for k, v in view["facts"]))
    render_sources(view["sources"])
    render_place_passages(story, place_id)


def render_sources(sources: list[SourceView]) -> None:
    for src in sources:
        st.caption(f"Source [{escape_md(src['leaning'])}]: {escape_md(src['title'])}{source_link(src['url'])}")


def render_status(story: Story, view: PlaceView, day: date) -> None:
    """The panel section the feature's kind declares (see mapapp.story.layers: ``panel``)."""
    if view["panel"] == "control-history":
        render_control_history(story, view, day)
    elif view["panel"] == "states":
        render_states(story, view, day)
    elif view["panel"] == "dated":
        render_dated(story, view["dated"])


def render_control_history(story: Story, view: PlaceView, day: date) -> None:
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


def render_states(story: Story, view: PlaceView, day: date) -> None:
    status = viewmodel.interval_on(view["status"], day)
    words = status["words"] if status else "unknown"
    st.markdown(f"**As of {human_date(day)}:** {escape_md(words)}")
    for entry in view["states"]:
        st.markdown(f"- **{human_date(entry['date'])}**: {escape_md(entry['words'])}. {escape_md(entry['note'])}")
        for claim in entry["claims"]:
            by = escape_md(source_names(story, claim["source"]))
            st.caption(f"  other account: {human_date(claim['date'])} {escape_md(claim['text'])} ({by})")


def render_dated(story: Story, dated: DatedView) -> None:
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
    dates = "; ".join(
        f"“{d['phrase']}” = {human_date(d['date'])}" + (f" to {human_date(d['date_to'])}" if d.get("date_to") else "")
        for d in passage.dates
    )
    st.markdown(f"<small>{escape_html(passage.id)} · speaker: {escape_html(speakers)}</small>", unsafe_allow_html=True)
    st.markdown(highlighted(passage, place_id, every=every), unsafe_allow_html=True)
    if dates:
        st.caption(f"Dates: {dates}")


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
    day = st.session_state[settings.KEY_DATE]
    st.caption("Every dated event; click one to move the map to that day and place.")
    for i, event in enumerate(viewmodel.timeline_view(story)):
        marker = "▶ " if event["day"] == day.isoformat() else ""
        st.button(
            f"{marker}{human_date(event['date'])} · {event['kind']} · {escape_md(event['title'])}",  # labels are markdown
            key=f"event_{i}",
            on_click=jump_to_event,
            args=(story, date.fromisoformat(event["day"]), event["places"]),
        )
