"""The editor's session in the page: one :class:`EditSession` per reader, and how a change is applied and said."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import streamlit as st

from mapapp import settings
from mapapp.app.editor_map import KEY_READINGS, forget_drawing
from mapapp.app.text import escape_md
from mapapp.edit.operations import EditError
from mapapp.edit.session import ConflictError, EditSession
from mapapp.story.validate import GeoDataError

KEY_SESSION = "edit_session"
KEY_MESSAGE = "edit_message"
SEVERITY = {"info": st.info, "success": st.success, "error": st.error, "warning": st.warning}


def session() -> EditSession:
    folder = Path(os.environ.get(settings.DATA_DIR_ENV, settings.DEFAULT_DATA_DIR))
    if KEY_SESSION not in st.session_state or st.session_state[KEY_SESSION].folder != folder:
        st.session_state[KEY_SESSION] = EditSession(folder)
    return st.session_state[KEY_SESSION]


def run(change: Callable[[EditSession], object]) -> NoReturn:
    """Apply one change and rerun; say what happened (or every problem that stopped it) at the top of the page.
    A saved change rebuilds the map (what was drawn is now a feature of its layer)."""
    editing = session()
    try:
        st.session_state[KEY_MESSAGE] = ("success", escape_md(change(editing) or "nothing to do"))
        forget_drawing()
        st.session_state.pop(KEY_READINGS, None)  # a name's readings were shown to choose one: the choice is made
    except GeoDataError as exc:
        lines = "\n".join(f"- {escape_md(p)}" for p in exc.problems)
        st.session_state[KEY_MESSAGE] = ("error", f"Not saved: the story would not load.\n\n{lines}")
    except ConflictError as exc:
        editing.reload()
        said = f"Not saved: {escape_md(exc)}. The page now shows the folder as it is: make the change again."
        st.session_state[KEY_MESSAGE] = ("warning", said)
    except (EditError, OSError) as exc:
        st.session_state[KEY_MESSAGE] = ("error", f"Not saved: {escape_md(exc)}")
    st.rerun()


def show_message() -> None:
    """What the last change did, until the next one: the map reruns the page when it redraws, and a message
    shown for one run only would vanish before it is read."""
    message = st.session_state.get(KEY_MESSAGE)
    if message is not None:
        SEVERITY[message[0]](message[1])
