"""The sidebar: the story's title and controls, the event dataset (upload, filters, problems) and the exports."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import streamlit as st

from mapapp import events, settings
from mapapp.app.state import (
    KEY_EVENTS,
    KEY_LINK_HAD_EVENTS,
    KEY_UPLOAD_SENT,
    KEY_VIEW,
    loaded_events,
    on_pick_place,
    uploaded_file,
    visible_layers,
)
from mapapp.app.text import escape_md
from mapapp.render import mapbuild, snapshot
from mapapp.story import tables
from mapapp.story.article import passages_as_records
from mapapp.story.layers import KINDS
from mapapp.story.model import Story
from mapapp.story.validate import GeoDataError


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
    if story.has_arabic_names:  # only a story whose data holds Arabic names offers them
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


def render_events_panel(container: Any) -> None:
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


def render_exports(story: Story, container: Any) -> None:
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
        _print_exports(container, story, snapshot.Shot(day=day, place=selected), f"{story.manifest.slug}-{day.isoformat()}")
    else:
        container.caption("Snapshots for print need Chromium on the server (Debian: apt install chromium).")


PRINT_SIZES = {
    "Screen width (1280 px)": None,
    "A4 portrait": "a4",
    "A4 landscape": "a4-landscape",
    "US Letter portrait": "letter",
    "US Letter landscape": "letter-landscape",
}


def _print_exports(container: Any, story: Story, shot: snapshot.Shot, stem: str) -> None:
    """The print layouts of :mod:`mapapp.render.snapshot` for this date and selection: PNG, vector PDF, SVG."""
    size = container.selectbox("Print size", list(PRINT_SIZES), key="print_size")
    layout = snapshot.Layout(paper=PRINT_SIZES[size])
    taken = "Taken by Chromium on the server: a few seconds."
    files = (
        ("PNG", ".png", "image/png", "the page at twice screen resolution, with title, legend, scale bar, locator and credits"),
        (
            "PDF",
            ".pdf",
            "application/pdf",
            "vector: lines and text stay sharp when zoomed; A4 unless a paper is chosen; a last page lists the sources in full",
        ),
        ("SVG", ".svg", "image/svg+xml", "the map alone, its labels as text, to finish in Illustrator or Inkscape"),
    )
    for name, suffix, mime, words in files:
        container.download_button(
            f"Print: {name}",
            data=lambda suffix=suffix: snapshot.render(story, [shot], suffix, layout),
            file_name=stem + suffix,
            mime=mime,
            key=f"dl_print_{suffix[1:]}",
            help=f"The map on this date and selection: {words}. {taken}",
        )


def passages_csv(story: Story) -> str:
    return table_csv(passages_as_records(story.article))


def table_csv(records: list[dict]) -> str:
    return tables.csv_text(records)  # formula-looking cells neutralised (mapapp.story.tables)
