"""The editor's page (``python -m mapapp edit DIR``): review a draft and edit a story folder without a text editor.

The review list of ``DRAFT.md`` as a checklist beside the map, doubts first: accept a place, pick another
reading (the gazetteer's, with country and population), place a name where the map was last clicked with a
source, delete a wrong one; add a source; the story's title and outlet; undo, redo, the history; publish.
Every change goes through :class:`mapapp.edit.session.EditSession` (validated like ``mapapp validate``,
written whole, kept as a version, refused when another editor saved first). Every text from the folder is
shown as text: widgets escape it, markdown gets :func:`escape_md`, the map's tooltips :func:`escape_text`.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from mapapp import settings
from mapapp.app import editor_forms
from mapapp.app.editing import KEY_MESSAGE, run, session, show_message
from mapapp.app.editor_map import KEY_CLICK, render_map, show_readings
from mapapp.app.text import escape_md
from mapapp.edit.operations import PLACES, Accept, AddSource, Delete, EditError, Place, SetManifest, review_items
from mapapp.edit.session import EditSession


def render_item(editing: EditSession, item: dict) -> None:
    fid = item["id"]
    with st.container(border=True, key=f"item_{fid}"):
        label = "Doubt" if item["order"] == 0 else "Unlocated" if not item["placed"] else "Placed, to check"
        st.markdown(f"**{escape_md(item['name'])}** · {label}")
        st.caption(escape_md(item["review"]))
        cols = st.columns(3)
        if item["placed"] and cols[0].button("Accept", key=f"accept_{fid}"):
            run(lambda s: s.apply(Accept(fid)))
        if cols[1].button("Delete", key=f"delete_{fid}"):
            run(lambda s: s.apply(Delete(fid)))
        render_readings(editing, item)
        click = st.session_state.get(KEY_CLICK)
        sources = sorted(editing.docs[settings.SOURCES_FILE])
        source = st.selectbox("Source of the position", sources, key=f"source_{fid}")
        radius = st.number_input("Within (metres)", 10, settings.MAX_PRECISION_M, 2000, key=f"radius_{fid}")
        if cols[2].button("Place at click", key=f"place_{fid}", disabled=click is None) and click is not None:
            lat, lon = click
            run(lambda s: s.apply(Place(fid, lon, lat, source, precision_m=float(radius))))


def render_readings(editing: EditSession, item: dict) -> None:
    """The gazetteer's readings of the name (country, population), for "use this reading instead"."""
    from mapapp.draft.gazetteer import load

    readings = [r for r, _how in load().lookup(item["name"])][:6]
    if not readings or "geonames" not in editing.docs[settings.SOURCES_FILE]:
        return
    labels = {f"{r.name} ({r.country}, pop {r.population:,}, {r.lat:.3f} {r.lon:.3f})": r for r in readings}
    choice = st.selectbox("Gazetteer readings", list(labels), key=f"reading_{item['id']}")
    feature = next(f for f in editing.docs[PLACES]["features"] if f["properties"]["id"] == item["id"])
    placed = feature.get("geometry")
    at = (placed["coordinates"][1], placed["coordinates"][0]) if placed else None
    shown = [(r.lat, r.lon, f"{r.name} ({r.country}, pop {r.population:,})") for r in readings]
    show, use = st.columns(2)
    show.button("Show them on the map", key=f"show_{item['id']}", on_click=show_readings, args=(shown, at))
    if use.button("Use this reading", key=f"use_{item['id']}"):
        r = labels[choice]
        text = f"GeoNames {r.geonameid}: {r.name} ({r.country}, population {r.population:,}); chosen in the editor"
        run(lambda s: s.apply(Place(item["id"], r.lon, r.lat, "geonames", source_text=text, geonameid=r.geonameid)))


def render_sidebar(editing: EditSession) -> None:
    sb = st.sidebar
    manifest = editing.docs[settings.MANIFEST_FILE]
    sb.markdown(f"### {escape_md(manifest.get('title', ''))}")
    sb.caption(f"Editing {escape_md(editing.folder)}")
    undo, redo = sb.columns(2)
    if undo.button("Undo", key="undo"):
        run(lambda s: s.undo())
    if redo.button("Redo", key="redo"):
        run(lambda s: s.redo())
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
    with sb.form("source"):
        st.markdown("**Add a source**")
        key = st.text_input("Short id (letters, digits, -)", key="source_key")
        title = st.text_input("Title", key="source_title")
        url = st.text_input("Web address", key="source_url")
        publisher = st.text_input("Outlet or publisher", key="source_publisher")
        leaning = st.selectbox("Leaning", list(settings.SOURCE_LEANINGS) + list(manifest.get("source_leanings", [])))
        if st.form_submit_button("Add source", key="add_source"):
            run(lambda s: s.apply(AddSource(key.strip(), title.strip(), url.strip(), publisher.strip(), leaning)))
    with sb.form("publish"):
        out = st.text_input("Publish the site to", str(editing.folder.parent / f"{editing.folder.name}-site"), key="publish_to")
        if st.form_submit_button("Publish", key="publish"):
            with st.spinner("Publishing the site (the map, its data and every page)…"):
                run(lambda s: publish(s, Path(out)))


def publish(editing: EditSession, out: Path) -> str:
    """Publish to ``out``; an existing folder is replaced only when it is a site published before."""
    from mapapp.render.publish import publish_site

    earlier_site = (out / "index.html").is_file() and (out / "assets").is_dir()
    if out.exists() and not earlier_site:
        raise EditError(f"{out} exists and is not a published site: choose another folder")
    site = publish_site(editing.story(), out, force=earlier_site)
    return f"published {site.files} files to {site.out} (open index.html, or serve the folder)"


KEY_PREVIEWED = "edit_previewed"  # the folder revision the preview last showed


def pages() -> None:
    """Two pages on one server: the editor, and the dashboard on the folder as last saved (a reader's view)."""
    st.navigation(
        [
            st.Page(main, title="Edit the story", url_path="edit", default=True),
            st.Page(preview, title="Preview as a reader", url_path="preview"),
        ],
        position="top",
    ).run()


def preview() -> None:
    """The story as a reader will see it: the dashboard, on the folder as the editor last saved it."""
    from mapapp.app import page
    from mapapp.app.state import get_story

    try:
        editing = session()
    except (FileNotFoundError, PermissionError) as exc:
        st.error(escape_md(exc))
        return
    if st.session_state.get(KEY_PREVIEWED) != editing.revision:
        get_story.clear()  # the dashboard's cache holds the folder as it was before the last save
        st.session_state[KEY_PREVIEWED] = editing.revision
    page.main()


def render_new_story(folder: Path) -> None:
    """An empty folder: draft its story from an article here (what ``mapapp new`` does), then review it."""
    from mapapp import draft
    from mapapp.draft.drafter import MAX_BYTES
    from mapapp.draft.gazetteer import load

    st.title("A new story")
    st.markdown(f"`{escape_md(folder)}` has no story yet. Draft one from the article: plain text, headline first.")
    upload = st.file_uploader("The article (.txt, UTF-8)", type=["txt"], key="new_article")
    day = st.date_input("Its publication date, if the text does not give one", value=None, key="new_date")
    if not st.button("Draft the story", key="new_draft", type="primary", disabled=upload is None) or upload is None:
        return
    raw = upload.getvalue()
    try:
        if len(raw) > MAX_BYTES:
            raise draft.DraftError(f"{upload.name}: {len(raw):,} bytes; an article is at most {MAX_BYTES:,}")
        if any(folder.iterdir()):
            raise draft.DraftError(f"{folder} is not empty: the editor drafts only into an empty folder")
        files = draft.draft_story(raw.decode("utf-8-sig"), day=day, gazetteer=load())
        draft.write_draft(files, folder, force=True)  # the folder is empty: replacing it loses nothing
    except UnicodeDecodeError:
        st.error(f"{escape_md(upload.name)} is not UTF-8 text: save it as UTF-8 and upload it again")
        return
    except draft.DraftError as exc:
        st.error(escape_md(exc))
        return
    counts = draft.summary(files)
    said = ", ".join(f"{n:,} {what}" for what, n in counts.items())
    st.session_state[KEY_MESSAGE] = ("success", escape_md(f"drafted {upload.name}: {said}. Review it below."))
    st.rerun()


def main() -> None:
    st.set_page_config(page_title="mapapp editor", layout="wide")
    folder = Path(os.environ.get(settings.DATA_DIR_ENV, settings.DEFAULT_DATA_DIR))
    if folder.is_dir() and not (folder / settings.MANIFEST_FILE).is_file():
        render_new_story(folder)
        return
    try:
        editing = session()
    except (FileNotFoundError, PermissionError) as exc:
        st.error(escape_md(exc))
        return
    show_message()
    render_sidebar(editing)
    items = review_items(editing.docs)
    # The map stays on screen while the list beside it scrolls: what a button shows on the map is seen at once.
    # (Found through a keyed container, as the dashboard's page.css does: a :has() selector slows every rerun.)
    st.html(
        "<style>@media (min-width: 900px) { .st-key-edit_layout > * > [data-testid='stHorizontalBlock'] >"
        " [data-testid='stColumn']:first-child { position: sticky; top: 4rem; align-self: flex-start; z-index: 2; } }"
        "</style>"
    )
    left, right = st.container(key="edit_layout").columns([3, 2])
    with left:
        render_map(editing)
    with right:
        # Lazy tabs, as the dashboard's: only the open tab runs and is sent (the first map comes sooner, and a
        # change in one tab does not re-send the others' forms).
        review, drawing, features, article, story = st.tabs(
            ["Review", "Draw", "Features", "Article", "Story"], key="edit_tab", on_change="rerun"
        )
        if review.open:
            with review:
                doubts = sum(1 for i in items if i["order"] == 0)
                st.markdown(f"**To review: {len(items)}** ({doubts} doubts, listed first)")
                for item in items:
                    render_item(editing, item)
                if not items:
                    st.success("Every drafted place is reviewed. Validate and publish from the sidebar.")
        for tab, render in (
            (drawing, editor_forms.render_drawing),
            (features, editor_forms.render_features),
            (article, editor_forms.render_article),
            (story, editor_forms.render_story),
        ):
            if tab.open:
                with tab:
                    render(editing)
