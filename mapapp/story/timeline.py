"""Who held what on which date: control, siege and road status as of a day.

Plain Python over the loaded layers, so that the CLI, the map and the tests all
ask the same question the same way. Where sources give different dates for a
change, the adopted date decides the status and the days between the earliest
and the latest claimed date are reported as disputed, with every claim.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import geopandas as gpd

from mapapp.story.layers import CONTROL, KINDS
from mapapp.story.records import Claim, claims_from
from mapapp.story.validate import as_list, parse_iso_date

Day = date  # the field Change.date shadows the type inside the class body


@dataclass(frozen=True)
class Change:
    """One dated change of control of a place or area."""

    id: str
    name: str
    place_ids: tuple[str, ...]
    date: date
    date_precision: str
    before: str
    after: str
    sources: tuple[str, ...]
    claims: tuple[Claim, ...]
    note: str = ""
    layer: str = CONTROL  # the layer it comes from (a kind with rule "change")

    @property
    def claimed_dates(self) -> list[Day]:
        """The adopted date and every date a claim gives."""
        dates = [self.date] + [c.day for c in self.claims]
        return sorted({d for d in dates if d is not None})

    def disputed_on(self, day: Day) -> bool:
        """True when ``day`` lies between the earliest and latest claimed dates."""
        dates = self.claimed_dates
        return len(dates) > 1 and dates[0] <= day < dates[-1]


@dataclass
class Status:
    """A place's state as of a day."""

    place_id: str
    as_of: date
    controller: str
    since: date | None
    change_id: str | None
    sources: list[str] = field(default_factory=list)
    disputed: bool = False
    claims: list[Claim] = field(default_factory=list)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "place_id": self.place_id,
            "as_of": self.as_of.isoformat(),
            "controller": self.controller,
            "since": self.since.isoformat() if self.since else None,
            "change_id": self.change_id,
            "sources": self.sources,
            "disputed": self.disputed,
            "claims": [c.as_dict() for c in self.claims],
            "note": self.note,
        }


def changes_from_layers(layers: dict[str, gpd.GeoDataFrame]) -> list[Change]:
    """The features of every layer whose kind's rule is ``change``, as :class:`Change` records, oldest first."""
    rows = []
    for kind in KINDS.values():
        gdf = layers.get(kind.id) if kind.rule == "change" else None
        for fid, row in [] if gdf is None else gdf.iterrows():
            changed = parse_iso_date(row["date"])
            if changed is None:  # validation reports it; a change with no date cannot be placed in time
                continue
            rows.append(
                Change(
                    id=str(fid),
                    name=row["name"],
                    place_ids=tuple(as_list(row.get("place_ids"))),
                    date=changed,
                    date_precision=row["date_precision"],
                    before=row["before"],
                    after=row["after"],
                    sources=tuple(as_list(row.get("source"))),
                    claims=claims_from(row.get("claims")),
                    note=row.get("note") if isinstance(row.get("note"), str) else "",
                    layer=kind.id,
                )
            )
    return sorted(rows, key=lambda c: (c.date, c.id))


def history(changes: Iterable[Change], place_id: str) -> list[Change]:
    """The changes that concern ``place_id``, oldest first."""
    return [c for c in changes if place_id in c.place_ids]


def status_at(changes: Iterable[Change], place_id: str, day: date) -> Status:
    """Who held ``place_id`` on ``day``; 'unknown' when no source says."""
    own = history(changes, place_id)
    if not own:
        return Status(place_id, day, "unknown", None, None, note="no dated control change is recorded for this place")
    past = [c for c in own if c.date <= day]
    current = past[-1] if past else None
    if current is None:
        first = own[0]
        status = Status(place_id, day, first.before, None, None, list(first.sources), note=f"before {first.name}")
    else:
        status = Status(place_id, day, current.after, current.date, current.id, list(current.sources), note=current.name)
    for change in own:  # a disputed window around any change overrides the plain answer
        if change.disputed_on(day):
            status.disputed = True
            status.claims = [Claim("", change.sources, change.date, adopted=True), *change.claims]
            status.note = f"sources disagree on the date of {change.name}"
    return status


def timeline_events(layers: dict[str, gpd.GeoDataFrame], related: list[dict]) -> list[dict]:
    """Every dated event, by date: changes, dated features, states that record an ``event``, related items."""
    events: list[dict] = []
    for change in changes_from_layers(layers):
        label = KINDS[change.layer].timeline_kind or change.layer
        events.append(_event(change.date, label, change.id, change.name, change.place_ids, change.date_precision))
    for kind in KINDS.values():
        gdf = layers.get(kind.id)
        if gdf is None or kind.timeline_kind is None or kind.rule not in ("happened", "states"):
            continue
        for fid, row in gdf.iterrows():
            day = parse_iso_date(row.get("date"))
            if kind.rule == "happened" and day:
                places = as_list(row.get("place_ids"))
                events.append(_event(day, kind.timeline_kind, fid, row["name"], places, row["date_precision"]))
            for state in as_list(row.get("states")) if kind.rule == "states" else []:
                day = parse_iso_date(state.get("date"))
                if day and state.get("event"):
                    events.append(_event(day, kind.timeline_kind, fid, state["event"], [fid], state.get("date_precision", "day")))
    for item in related:
        day = parse_iso_date(item.get("date"))
        if day:
            events.append(_event(day, "related", item["id"], item["title"], [], "day"))
    return sorted(events, key=lambda e: (e["date"], e["kind"], e["id"]))


def _event(day: date, kind: str, eid: str, title: str, place_ids: Iterable[str], precision: str) -> dict:
    return {"date": day, "kind": kind, "id": str(eid), "title": title, "place_ids": list(place_ids), "date_precision": precision}
