"""A story's features and dated facts as typed records, parsed once when the story loads: features, states, claims.

The layer files are validated first (:mod:`mapapp.story.layer_files`): every state has an ISO date and a status,
every claim's sources are in ``sources.json``. What reads a story above this package reads these records, with
parsed dates, never the GeoJSON properties they came from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from mapapp.story.validate import as_list, is_number, parse_iso_date


@dataclass(frozen=True)
class Claim:
    """What one source says, kept beside the adopted account: a date, a fact, or both."""

    text: str
    sources: tuple[str, ...]
    day: date | None  # the date it gives (None: it gives none)
    adopted: bool = False  # the account the story follows (listed with the others where sources disagree)

    def as_dict(self) -> dict[str, Any]:
        """As the command line's JSON says it."""
        return {"date": self.day.isoformat() if self.day else "", "text": self.text, "source": list(self.sources),
                "adopted": self.adopted}  # fmt: skip


@dataclass(frozen=True)
class State:
    """One dated entry of a feature's ``states``: a road cut, a post besieged, held by a side."""

    day: date
    status: str
    by: str | None = None  # the side a status like "held" names
    sources: tuple[str, ...] = ()
    note: str = ""
    event: str = ""  # what happened that day, when the entry records an event
    claims: tuple[Claim, ...] = ()


def claims_from(raw: Any) -> tuple[Claim, ...]:
    """The claims of a validated ``claims`` list."""
    return tuple(
        Claim(str(c.get("text") or ""), tuple(str(s) for s in as_list(c.get("source"))), parse_iso_date(c.get("date")))
        for c in as_list(raw)
        if isinstance(c, dict)
    )


def states_from(raw: Any) -> tuple[State, ...]:
    """The states of a validated ``states`` list, oldest first (an entry without a date is not a state)."""
    states = []
    for entry in as_list(raw):
        day = parse_iso_date(entry.get("date")) if isinstance(entry, dict) else None
        if day is None:
            continue
        by = entry.get("by")
        states.append(
            State(
                day,
                str(entry.get("status") or "unknown"),
                by if isinstance(by, str) else None,
                tuple(str(s) for s in as_list(entry.get("source"))),
                str(entry.get("note") or ""),
                str(entry.get("event") or ""),
                claims_from(entry.get("claims")),
            )
        )
    return tuple(sorted(states, key=lambda s: s.day))


def state_on(states: Iterable[State], day: date) -> State | None:
    """The state in force on ``day``: the last one dated on or before it (None before the first)."""
    current = None
    for state in states:
        if state.day <= day:
            current = state
    return current


@dataclass(frozen=True)
class Feature:
    """One feature of any layer: what a panel, a label or a view reads of it (its dated facts: ``states_of``,
    ``claims_of``, and the story's control changes)."""

    id: str
    layer: str
    name: str
    geometry: Any  # a shapely geometry, or None for a feature not yet located
    kind: str = ""  # "town", "governorate", an incident's kind...
    ref: str = ""  # a road's number, as its shields show it
    part_of: str | None = None  # the feature this one is a stretch of
    aliases: tuple[str, ...] = ()
    name_ar: str | None = None
    precision: str = ""  # exact, approximate, schematic, unlocated
    precision_m: float | None = None
    location_note: str = ""  # where the position comes from, in words
    geonameid: int | None = None
    draft: bool = False
    draft_review: str = ""
    sources: tuple[str, ...] = ()
    day: date | None = None  # a dated feature's day (an incident)
    day_to: date | None = None


def feature_from(fid: str, layer: str, row: Any) -> Feature:
    """The record of a validated layer row (a GeoDataFrame row: its properties and ``geometry``)."""

    def text(key: str) -> str:
        value = row.get(key)
        return value if isinstance(value, str) else ""

    radius, geonameid, aliases = row.get("precision_m"), row.get("geonameid"), row.get("aliases")
    return Feature(
        id=fid,
        layer=layer,
        name=text("name") or fid,
        geometry=row.geometry,
        kind=text("kind"),
        ref=text("ref"),
        part_of=text("part_of") or None,
        aliases=tuple(str(a) for a in aliases) if isinstance(aliases, list) else (),
        name_ar=text("name_ar") or None,
        precision=text("precision"),
        precision_m=float(radius) if is_number(radius) else None,
        location_note=text("source_text") or text("location_basis") or text("derivation"),
        geonameid=int(geonameid) if is_number(geonameid) else None,
        draft=row.get("draft") is True,
        draft_review=text("draft_review"),
        sources=tuple(str(s) for s in as_list(row.get("source"))),
        day=parse_iso_date(row.get("date")),
        day_to=parse_iso_date(row.get("date_to")),
    )
