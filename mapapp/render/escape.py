"""Text from a story or an event file made safe for the page: HTML and folium's JavaScript template literals."""

from __future__ import annotations

import html
from typing import Any


def escape_text(value: Any) -> str:
    """Text safe inside HTML *and* inside a JavaScript template literal.

    HTML-escapes, then neutralises the characters that act inside folium's
    backtick strings: backslash, backtick and ``$`` (for ``${...}``).
    """
    text = html.escape("" if value is None else str(value), quote=True)
    return text.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")
