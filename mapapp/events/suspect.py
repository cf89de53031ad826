"""The SQL of the fast path's one scan (:mod:`mapapp.events.fast`): DuckDB reads every cell as text and computes,
per row, whether it could have a problem or details the fast path could not write exactly as the row-by-row
path does (``suspect``), the details JSON around the date, and a hash of the stripped event id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# The most lines DuckDB may refuse (ragged rows) for the fast path to find them in a pass of their own (its
# rejects table is in memory); a file with more is read by the row-by-row path.
REJECTS_LIMIT = 2_000
_BUFFER = 2 * 1024 * 1024  # DuckDB reads the file in buffers of this size (its default, 32 MB a thread, costs ~100 MB more)
_NUMBER = r"-?(0|[1-9][0-9]{0,2})(\.[0-9]{1,12})?"  # ≤ 15 digits: Python prints it back as written
_WHOLE = r"[0-9]{1,15}"
_COORDINATES = ("latitude", "longitude")
# What str.strip() removes (every character whose isspace() is true; a test checks the list).
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
)
_WIDE_SPACE = "".join(c for c in WHITESPACE if ord(c) > 127)


def _class(chars: str) -> str:
    return "".join(f"\\x{{{ord(c):x}}}" for c in chars)  # RE2 syntax


def sql_text(text: str) -> str:
    """``text`` inside a SQL string literal."""
    return text.replace("'", "''")


def rejects_limit(cells: int) -> int:
    """Entries of DuckDB's rejects table for REJECTS_LIMIT refused lines of a file of ``cells`` columns at most."""
    return REJECTS_LIMIT * max(1, cells)


def csv_source(path: Path, cells: int, *, store_rejects: bool = False) -> str:
    """DuckDB's reading of ``path``: every one of its ``cells`` columns as text (``c0``, ``c1``...), the lines it
    refuses skipped, and kept in its ``reject_errors`` table only with ``store_rejects``. That table holds an entry
    per missing cell (a one-cell line of a 16-column file is 15), about 1 KB each, even past its limit: a file of
    a million one-cell lines took 13 GB. Its limit, :func:`rejects_limit` entries, covers REJECTS_LIMIT lines."""
    names = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(cells))
    where = sql_text(str(path))
    rejects = f"store_rejects = true, rejects_limit = {rejects_limit(cells)}, " if store_rejects else ""
    return (
        f"read_csv('{where}', columns = {{{names}}}, header = true, auto_detect = false, delim = ',', quote = '\"',"
        f" escape = '\"', strict_mode = true, ignore_errors = true, {rejects}buffer_size = {_BUFFER})"
    )


def query(path: Path, header: list[str], columns: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    """The scan's SQL and its parameters: every cell of ``path`` as text (``c0``, ``c1``... in the header's
    order) and, per row, ``suspect``, ``raw`` (its cells, when suspect), ``lon``, ``lat``, ``date``, ``kind``, ``hash``
    (of the stripped id, NULL when empty), and ``head`` and ``tail``, its details JSON before and after the date."""

    def cell(name: str) -> str:
        return f"c{header.index(name)}"

    source = csv_source(path, len(header))
    split = columns.index("event_date")
    head_parts, tail_parts = ["'['"], ["'\",'"]
    for name in columns[:split]:
        head_parts += ["'\"'", cell(name), "'\",'"]
    head_parts.append("'\"'")
    for name in columns[split + 1 :]:
        if name in _COORDINATES:
            tail_parts += [_printed(cell(name)), "','"]
        else:
            tail_parts += ["'\"'", cell(name), "'\",'"]
    head_parts, tail_parts = _merged(head_parts), _merged(tail_parts)
    quotes = {"head": sum(p.count('"') for p in head_parts if p.startswith("'")), "tail": 0}
    quotes["tail"] = sum(p.count('"') for p in tail_parts if p.startswith("'"))
    # A cell's first and last characters: ASCII whitespace there is a space (the others are control characters,
    # found above); whitespace beyond ASCII is looked for, next to the quotes, only in rows not all ASCII.
    texts = [cell(n) for n in columns if n not in (*_COORDINATES, "event_date")]
    edges = [f"coalesce(prefix({c}, ' ') OR suffix({c}, ' '), false)" for c in texts]
    edges += [f"CASE WHEN strlen({p}) = length({p}) THEN false ELSE regexp_matches({p}, $wide) END" for p in ("head", "tail")]
    lat, lon = cell("latitude"), cell("longitude")
    rules = [
        f"coalesce({cell('event_id_cnty')}, '') = ''",
        f"coalesce({cell('event_type')}, '') = ''",
        # every quote, backslash or control character in a cell (and only those) makes json_quote longer
        f"strlen(json_quote(head)) <> strlen(head) + {2 + quotes['head']}",
        f"strlen(json_quote(tail)) <> strlen(tail) + {2 + quotes['tail']}",
        *edges,
        f"NOT coalesce(regexp_full_match({cell('fatalities')}, '{_WHOLE}'), true)",
        f"coalesce({cell('geo_precision')}, '') NOT IN ('1', '2', '3')",
        f"NOT (regexp_full_match({lat}, $number) AND regexp_full_match({lon}, $number))",
        "abs(lat) > 90 OR abs(lon) > 180 OR (lat = 0 AND lon = 0)",
        "(abs(lat) < 1e-4 AND lat <> 0) OR (abs(lon) < 1e-4 AND lon <> 0)",  # Python prints it as 5e-05
    ]
    cells = ", ".join(f"c{i}" for i in range(len(header)))
    ws = _class(WHITESPACE)
    sql = f"""
        WITH parsed AS (
            SELECT *, TRY_CAST({lat} AS DOUBLE) AS lat, TRY_CAST({lon} AS DOUBLE) AS lon,
                   concat({", ".join(head_parts)}) AS head, concat({", ".join(tail_parts)}) AS tail,
                   regexp_replace({cell("event_id_cnty")}, $strip, '', 'g') AS id
            FROM {source}
        ), flagged AS (
            SELECT *, coalesce({" OR ".join(f"({r})" for r in rules)}, true) AS suspect FROM parsed
        )
        SELECT suspect, CASE WHEN suspect THEN [{cells}] END AS raw, lon, lat,
               {cell("event_date")} AS date, {cell("event_type")} AS kind,
               CASE WHEN id <> '' THEN hash(id) END AS hash, head, tail
        FROM flagged
    """
    wide = _class(_WIDE_SPACE)
    params: dict[str, Any] = {"number": _NUMBER, "strip": f"^[{ws}]+|[{ws}]+$", "wide": f'"[{wide}]|[{wide}]"'}
    return sql, params


# --- the scan --------------------------------------------------------------------------------


def _merged(parts: list[str]) -> list[str]:
    """Adjacent SQL string literals as one: fewer arguments to concat."""
    out: list[str] = []
    for part in parts:
        if part.startswith("'") and out and out[-1].startswith("'"):
            out[-1] = out[-1][:-1] + part[1:]
        else:
            out.append(part)
    return out


def _printed(cell: str) -> str:
    """How Python prints the number written as ``cell`` (one that matches ``_NUMBER`` and is 0 or at least 1e-4 in
    size): DuckDB prints a DOUBLE the shortest way that reads back the same, as ``repr`` does (35.5470 → 35.547,
    35 → 35.0); a test holds DuckDB to it."""
    return f"CAST(TRY_CAST({cell} AS DOUBLE) AS VARCHAR)"
