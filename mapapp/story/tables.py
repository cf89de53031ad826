"""CSV exports that are safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
read as a formula by Excel, LibreOffice and Google Sheets: a shared event file or
story could plant ``=HYPERLINK(...)`` in an analyst's sheet. Such cells are
written with a leading ``'`` (OWASP's advice for CSV injection); a plain number
such as ``-12.5`` is left as it is, since it cannot be a formula. JSON and GeoJSON
exports keep the exact text.

Spreadsheets are looser than that list: Google Sheets and LibreOffice's import trim leading spaces and line
breaks, Excel in East Asian locales reads the full-width ``＝ ＋ － ＠`` as their ASCII forms, and a byte-order
mark or a zero-width character in front is invisible. So the first character that is not whitespace, a control
character or an invisible one decides.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\u2212")
# Skipped before the deciding character: whitespace, controls, the byte-order mark and zero-width characters.
_INVISIBLE_LEAD = re.compile(r"^[\s\x00-\x1f\x7f\ufeff\u200b-\u200f\u2060\u00a0\u3000]+")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet will not run it (strings only; other types pass through)."""
    if not isinstance(value, str) or _PLAIN_NUMBER.fullmatch(value):
        return value
    if value.startswith(_FORMULA_START) or _INVISIBLE_LEAD.sub("", value).startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_row(row: dict[str, Any]) -> dict[str, Any]:
    return {key: safe_cell(value) for key, value in row.items()}


def csv_text(records: Iterable[dict[str, Any]], fieldnames: list[str] | None = None) -> str:
    """The records as CSV text, every cell neutralised (see the module docstring)."""
    rows = list(records)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fieldnames or (list(rows[0]) if rows else []))
    writer.writeheader()
    writer.writerows(safe_row(r) for r in rows)
    return out.getvalue()
