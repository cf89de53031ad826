"""Text for the page: escaping for markdown and HTML, dates as the map writes them, sources by name."""

from __future__ import annotations

import re
from datetime import date

from mapapp.render import mapbuild, viewmodel
from mapapp.story.article import Passage
from mapapp.story.model import Story
from mapapp.story.validate import parse_iso_date


def source_link(url: object) -> str:
    """A markdown link for http(s) URLs only; anything else (javascript:, data:) is not linked."""
    if isinstance(url, str) and re.fullmatch(r"https?://[^\s()<>]+", url):
        return f" ([link]({url}))"
    return ""


def human_date(value: date | str | None) -> str:
    """ "5 Mar 2021", as the map writes dates (ISO strings from the view model too)."""
    day = parse_iso_date(value) if isinstance(value, str) else value
    return f"{day.day} {day:%b %Y}" if day else str(value or "")


def source_names(story: Story, keys: object) -> str:
    """Sources by outlet and title, not by their ids (the ids stay in the exports)."""
    return viewmodel.source_text(story, keys)


def holder_phrase(side_id: str, label: str) -> str:
    """ "held by **government**", "**contested**": :func:`viewmodel.holder_text`, its side in bold."""
    text = viewmodel.holder_text(side_id, label)
    if text.startswith("held by "):
        return f"held by **{escape_md(label)}**"
    return f"**{escape_md(text)}**" if text == "contested" else escape_md(text)


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


def escape_md(text: object) -> str:
    """Markdown-neutral text (st.markdown renders no raw HTML, but links and emphasis would apply)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))
