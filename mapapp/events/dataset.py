"""Event datasets: the checked rows of a file (:class:`EventSet`), their problems, a story's scope of them,
and what a published folder holds (:class:`PublishedEvents`).

Reading and checking rows is :mod:`mapapp.events.rows`; publishing them for the map, and the cache of
published folders and problem reports, is :mod:`mapapp.events.store`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from mapapp import contract, settings
from mapapp.story.validate import GeoDataError, Problem

EPOCH = date(1970, 1, 1)
EVENT_FILE = "the event file"
FORMAT_VERSION = contract.EVENTS  # the published layout's version (mapapp/contract.py), part of the cache key


@dataclass(frozen=True, eq=False)
class EventSet:
    """The drawable events of one file, sorted by (date, row), and every problem found in it.

    Kept compact (numpy arrays and one JSON string per event) because a file
    can hold 100,000 rows: a dict per row would cost ten times the memory.
    """

    name: str
    digest: str  # sha256 of the file's bytes
    rows: int  # data rows read, drawable or not
    columns: tuple[str, ...]  # detail columns kept (required + optional present), then "row"
    types: tuple[str, ...]  # event types, index = the type code in points.bin
    problems: list[Problem]
    lon: np.ndarray
    lat: np.ndarray
    day: np.ndarray  # days since 1970-01-01
    type_code: np.ndarray
    row: np.ndarray  # 1-based data row in the file
    details: Sequence[str]  # per event: a JSON array of the values of ``columns`` (a list, or a DiskDetails)
    problem_counts: dict[str, int] = field(default_factory=dict)  # every problem, by kind (field), kept or not
    report: Path | None = None  # every problem, one CSV row each, written while reading (up to a size cap)
    report_omitted: int = 0  # problems past the report's cap: counted, not written
    outside_scope: int = 0  # drawable events outside the story's region and dates (see :class:`Scope`): not sent
    scope_text: str = ""  # what the scope was, for the page ("this story's region and dates, ±30 days")

    def __len__(self) -> int:
        return len(self.day)

    @property
    def skipped_rows(self) -> int:
        return self.rows - len(self)

    @property
    def key(self) -> str:
        """Short id of the published files (content hash, format version, and the scope that selected them)."""
        text = f"{self.digest}:{FORMAT_VERSION}:{settings.EVENT_DETAILS_CHUNK}:{self.scope_text}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def record(self, i: int) -> dict:
        """Event ``i`` (in date order) as a dict of its columns."""
        return dict(zip(self.columns, json.loads(self.details[i]), strict=False))

    def day_range(self) -> tuple[date, date] | None:
        if not len(self):
            return None
        return day_to_date(self.day[0]), day_to_date(self.day[-1])


def problem_table(problems: Iterable[Problem]) -> list[dict]:
    """Problems as table rows: row, line, event id, field, problem."""
    return [
        {
            "row": getattr(p, "row", None),
            "line": getattr(p, "line", None),
            "event": getattr(p, "event_id", None),
            "field": p.field,
            "problem": p.message,
        }
        for p in problems
    ]


@dataclass(frozen=True)
class RowProblem(Problem):
    """A problem in one CSV row; ``feature`` reads "row 12 (line 13, event 'SYR1')"."""

    row: int = 0
    line: int = 0
    event_id: str = ""


@dataclass(frozen=True)
class PublishedEvents:
    """Where the map finds a published event set, and what it needs to draw it."""

    key: str
    count: int
    points_url: str
    details_url: str  # prefix: + "NNNN.json"
    chunk: int
    fields: tuple[str, ...]
    types: tuple[str, ...]
    colours: tuple[str, ...]
    first_day: int
    last_day: int
    name: str
    rows: int = 0  # data rows in the file, drawn or not
    problems: tuple[Problem, ...] = ()  # the first settings.EVENT_PROBLEMS_PER_KIND of each kind
    manifest_url: str = ""  # manifest.json beside the data: the map's script only carries this URL
    problem_counts: tuple[tuple[str, int], ...] = ()  # (kind, how many in all), kept or not
    report: Path | None = None  # the full problem report (CSV), outside the public static folder
    report_omitted: int = 0  # problems the report left out at its size cap (settings.EVENT_REPORT_MAX_BYTES)
    outside_scope: int = 0  # drawable events left out: outside the story's region and dates
    scope_text: str = ""

    @property
    def problem_total(self) -> int:
        return sum(n for _kind, n in self.problem_counts) if self.problem_counts else len(self.problems)

    @property
    def problems_not_listed(self) -> int:
        return self.problem_total - len(self.problems)

    @property
    def skipped_rows(self) -> int:
        return self.rows - self.count

    def problem_rows(self) -> list[dict]:
        """The problems as table rows (row, line, event id, field, problem)."""
        return problem_table(self.problems)

    def manifest(self) -> dict:
        """What the map's script is given (no event data, only where to fetch it)."""
        return {
            "format": FORMAT_VERSION,
            "key": self.key,
            "count": self.count,
            "points": self.points_url,
            "details": self.details_url,
            "chunk": self.chunk,
            "fields": list(self.fields),
            "types": list(self.types),
            "colours": list(self.colours),
            "firstDay": self.first_day,
            "lastDay": self.last_day,
            "name": self.name,
            "geoPrecision": {str(k): v for k, v in settings.EVENT_GEO_PRECISIONS.items()},
            "timePrecision": {str(k): v for k, v in settings.EVENT_TIME_PRECISIONS.items()},
        }


# --- parsing -----------------------------------------------------------------------


def date_to_day(day: date) -> int:
    return (day - EPOCH).days


def day_to_date(day: int) -> date:
    return date.fromordinal(EPOCH.toordinal() + int(day))


@dataclass(frozen=True)
class Scope:
    """What of a file a story needs: its region (lon/lat box) and its dates, with a margin of days either side.

    A country's whole history, or ACLED's global file, holds millions of events; the map gets the story's."""

    bounds: tuple[float, float, float, float] | None  # min lon, min lat, max lon, max lat; None: anywhere
    first: date
    last: date
    margin_days: int = settings.EVENT_SCOPE_MARGIN_DAYS

    @property
    def text(self) -> str:
        return f"this story's region and dates ({self.first - timedelta(days=self.margin_days)} to " \
            f"{self.last + timedelta(days=self.margin_days)})"  # fmt: skip


def within(events: EventSet, scope: Scope | None) -> EventSet:
    """``events`` with only the events inside ``scope``; how many were left out is counted and said."""
    if scope is None or not len(events):
        return events
    first, last = date_to_day(scope.first) - scope.margin_days, date_to_day(scope.last) + scope.margin_days
    keep = (events.day >= first) & (events.day <= last)
    if scope.bounds is not None:
        min_lon, min_lat, max_lon, max_lat = scope.bounds
        keep &= (events.lon >= min_lon) & (events.lon <= max_lon) & (events.lat >= min_lat) & (events.lat <= max_lat)
    outside = int(len(events) - np.count_nonzero(keep))
    if not outside:
        return dataclasses.replace(events, scope_text=scope.text)
    index = np.flatnonzero(keep)
    used = np.unique(events.type_code[index]) if len(index) else np.zeros(0, np.uint16)
    recode = np.zeros(len(events.types) or 1, np.uint16)
    recode[used] = np.arange(len(used), dtype=np.uint16)
    return dataclasses.replace(
        events,
        types=tuple(events.types[i] for i in used),
        lon=events.lon[index],
        lat=events.lat[index],
        day=events.day[index],
        type_code=recode[events.type_code[index]],
        row=events.row[index],
        details=take(events.details, index),
        outside_scope=outside,
        scope_text=scope.text,
    )


def take(details: Sequence[str], index: np.ndarray) -> Sequence[str]:
    """The details at ``index``: a list's strings, or a :class:`~mapapp.events.details.DiskDetails` of the same file."""
    picker = getattr(details, "take", None)
    return picker(index) if picker is not None else [details[i] for i in index]


def refusal(events: EventSet) -> GeoDataError | None:
    """Why the map cannot draw this read file at all, or None: one rule for the app and ``mapapp events``."""
    if len(events.types) > 255:  # the type is one byte of each point in points.bin
        return GeoDataError(
            [Problem(events.name, f"{len(events.types)} event types; at most 255 can be drawn", field="event_type")], EVENT_FILE
        )
    return None
