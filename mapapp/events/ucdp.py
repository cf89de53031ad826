"""UCDP's Georeferenced Event Dataset (GED, CSV) read as the app's event rows (the fields of ACLED's export).

UCDP GED is the other standard source of georeferenced political violence, openly licensed (CC BY 4.0). Its
columns map to the fields the map and the checks use; its own codes are kept beside them, as UCDP writes them:

- ``id`` → ``event_id_cnty`` (``UCDP-<id>``); ``date_start`` → ``event_date``; ``date_end`` kept (an event may
  span days: UCDP gives the range, the map draws it on its first day);
- ``type_of_violence`` 1, 2, 3 → ``event_type`` "State-based conflict", "Non-state conflict", "One-sided violence";
  ``dyad_name`` → ``sub_event_type``; ``side_a``, ``side_b`` → ``actor1``, ``actor2``;
- ``adm_1``, ``adm_2``, ``where_coordinates`` → ``admin1``, ``admin2``, ``location``; ``latitude``, ``longitude``;
- ``where_prec`` (1 exact place; 2 within about 25 km of a known point; 3 second-order administrative division;
  4 first-order division; 5 a part of the country larger than that, or a linear feature; 6 the country only;
  7 international waters or airspace) → ``geo_precision`` 1, 2, 3, 3, 3; codes 6 and 7 are not drawn (a point at
  a country's centre would say something false) and are reported;
- ``best`` → ``fatalities``, with ``low`` and ``high`` kept; ``source_article`` → ``source``; ``source_headline``
  → ``notes``; ``date_prec`` kept as UCDP's date precision code.

The codes' meanings are UCDP's (the GED codebook); check them against the codebook of your release.
"""

from __future__ import annotations

from collections.abc import Callable

# The columns whose presence says a file is UCDP GED (its own names, not ACLED's).
REQUIRED = ("id", "date_start", "type_of_violence", "latitude", "longitude", "where_prec", "best")
VIOLENCE_TYPES = {"1": "State-based conflict", "2": "Non-state conflict", "3": "One-sided violence"}
WHERE_PREC = {
    "1": "exact place",
    "2": "within about 25 km of a known point",
    "3": "second-order administrative division",
    "4": "first-order administrative division",
    "5": "part of the country larger than a first-order division, or a linear feature",
    "6": "the country only",
    "7": "international waters or airspace",
}
GEO_PRECISION = {"1": "1", "2": "2", "3": "3", "4": "3", "5": "3"}  # ACLED's 1..3; 6 and 7 are not drawn
# UCDP's own columns kept in an event's details, beside the mapped ones.
KEPT = ("date_end", "date_prec", "where_prec", "low", "high", "conflict_name", "country")


def is_ged(header: list[str]) -> bool:
    return all(column in header for column in REQUIRED)


def _day(text: str) -> str:
    """``2021-03-05 00:00:00.000`` (GED's CSV) or ``2021-03-05``: the date part."""
    return text.strip()[:10]


def record_reader(header: list[str], acled_columns: tuple[str, ...]) -> tuple[tuple[str, ...], Callable[[list[str]], dict]]:
    """The columns an event's details keep, and a function from a GED row's cells to the app's record."""
    at = {name: i for i, name in enumerate(header)}

    def cell(cells: list[str], name: str) -> str:
        i = at.get(name)
        return cells[i].strip() if i is not None else ""

    kept = tuple(c for c in KEPT if c in at)
    columns = acled_columns + kept

    def to_record(cells: list[str]) -> dict:
        violence = cell(cells, "type_of_violence")
        where = cell(cells, "where_prec")
        record = {
            "event_id_cnty": f"UCDP-{cell(cells, 'id')}" if cell(cells, "id") else "",
            "event_date": _day(cell(cells, "date_start")),
            "event_type": VIOLENCE_TYPES.get(violence, f"type_of_violence {violence}" if violence else ""),
            "sub_event_type": cell(cells, "dyad_name"),
            "actor1": cell(cells, "side_a"),
            "actor2": cell(cells, "side_b"),
            "admin1": cell(cells, "adm_1"),
            "admin2": cell(cells, "adm_2"),
            "admin3": "",
            "location": cell(cells, "where_coordinates"),
            "latitude": cell(cells, "latitude"),
            "longitude": cell(cells, "longitude"),
            "geo_precision": GEO_PRECISION.get(where, ""),
            "source": cell(cells, "source_article"),
            "notes": cell(cells, "source_headline"),
            "fatalities": cell(cells, "best"),
        }
        for name in kept:
            value = cell(cells, name)
            record[name] = _day(value) if name == "date_end" else value
        if "where_prec" in record and where in WHERE_PREC:
            record["where_prec"] = f"{where} ({WHERE_PREC[where]})"
        return record

    return columns, to_record


def undrawable(record: dict) -> str | None:
    """Why a GED row is not drawn though its coordinates are valid (its place is only a country or the sea)."""
    code = record.get("where_prec", "")[:1]
    if code in ("6", "7"):
        return f"UCDP where_prec {code}: {WHERE_PREC[code]}; not drawn (its point would stand for the whole area)"
    return None
