"""Event datasets in ACLED's CSV format: load, check every row, publish for the map.

An analyst's export can hold 100,000 rows. Embedding them in the folium map
would re-send them on every Streamlit rerun, so they never enter the map's
JavaScript: :func:`publish` writes them once, under a name made from the
file's content hash, as static files the map's own script fetches (and the
browser caches):

- ``points.bin``: what drawing needs, as little-endian typed arrays
  (Float32 lon[n], Float32 lat[n], Int32 day[n], Uint8 type[n]), sorted by day so a
  date window is an index range;
- ``manifest.json``: counts, type names and colours, where the other files are;
- ``details-NNNN.json``: every column of :data:`settings.EVENT_COLUMNS` (and the
  optional ones present), :data:`settings.EVENT_DETAILS_CHUNK` events per file,
  fetched only when an event is clicked.

Rows that cannot be drawn (missing or out-of-range coordinates, bad dates) are
not drawn and are reported with their row and line numbers; so are smaller
faults (a negative fatality count, an unknown precision code) in rows that are
still drawn. Nothing is dropped silently.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import hashlib
import io
import json
import math
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from mapapp import contract, settings
from mapapp.events.ucdp import is_ged, record_reader, undrawable
from mapapp.story.tables import safe_cell
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
    details: list[str]  # per event: a JSON array of the values of ``columns``
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


def problem_table(problems) -> list[dict]:
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


def parse_event_date(text: str) -> date | None:
    """A date in any of ACLED's formats (:data:`settings.EVENT_DATE_FORMATS`), else None."""
    value = (text or "").strip()
    for fmt in settings.EVENT_DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _number(text: str) -> float | None:
    try:
        value = float((text or "").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _integer_code(text: str, allowed) -> int | None:
    value = _number(text)
    return int(value) if value is not None and value == int(value) and int(value) in allowed else None


def read_events(source: Path | bytes, name: str | None = None) -> EventSet:
    """Read an ACLED-style CSV (a path or its bytes) and check every row.

    A file without the required columns raises :class:`GeoDataError` (one problem
    listing every missing column). Row problems never raise: they are returned in
    :attr:`EventSet.problems`, and rows that cannot be drawn are left out.
    """
    data = source.read_bytes() if isinstance(source, Path) else bytes(source)
    name = name or (source.name if isinstance(source, Path) else "events.csv")
    digest = hashlib.sha256(data).hexdigest()
    try:
        return _read_rows(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline=""), name, digest)
    except UnicodeDecodeError:
        raise GeoDataError([_not_utf8(data, name)], EVENT_FILE) from None
    except csv.Error as exc:
        raise GeoDataError([Problem(name, f"not readable as CSV: {exc}")], EVENT_FILE) from None


def _not_utf8(data: bytes, name: str) -> Problem:
    """Where the file stops being UTF-8, as a line number (the decoder only knows its block's offset)."""
    for number, line in enumerate(data.splitlines(keepends=True), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            byte = line[exc.start : exc.start + 1].hex()
            return Problem(name, f"line {number} is not UTF-8 (byte 0x{byte} at column {exc.start + 1}); save the CSV as UTF-8")
    return Problem(name, "not UTF-8 text; save the CSV as UTF-8")


def _read_rows(lines, name: str, digest: str) -> EventSet:
    """The row loop of :func:`read_events`, streaming (a StringIO of the whole file would cost 4 bytes a character)."""
    reader = csv.reader(lines)
    header = [h.strip() for h in next(reader, [])]
    if is_ged(header):  # UCDP GED: its columns mapped to the same fields (events/ucdp.py)
        columns, to_record = record_reader(header, settings.EVENT_COLUMNS)
        return _check_rows(reader, header, columns, to_record, name, digest, extra=undrawable)
    missing = [c for c in settings.EVENT_COLUMNS if c not in header]
    if missing:
        raise GeoDataError(
            [
                Problem(
                    name,
                    "missing column(s): " + ", ".join(missing) + " (an ACLED or a UCDP GED CSV expected; see the README)",
                    field=missing[0],
                )
            ],
            EVENT_FILE,
        )
    columns = settings.EVENT_COLUMNS + tuple(c for c in settings.EVENT_OPTIONAL_COLUMNS if c in header)
    index = [(c, header.index(c)) for c in columns]
    return _check_rows(reader, header, columns, lambda cells: {c: cells[i].strip() for c, i in index}, name, digest)


def _check_rows(reader, header: list[str], columns, to_record, name: str, digest: str, extra=None) -> EventSet:
    """Every row made a record (``to_record``), checked, and kept when it can be drawn; ``extra`` may refuse
    a row the generic checks pass (a format's own rule)."""
    checker = _RowChecker(name, _report_path(digest))
    kept = _Columns()
    row_no, last_line = 0, reader.line_num
    for cells in reader:
        line = last_line + 1  # a quoted field may span lines: report where the row starts
        last_line = reader.line_num
        if not any(c.strip() for c in cells):
            continue  # blank line
        row_no += 1
        if len(cells) != len(header):
            checker.add(row_no, line, "", None, f"has {len(cells)} cells, the header has {len(header)} (row not drawn)")
            continue
        record = to_record(cells)
        refused = extra(record) if extra is not None else None
        if refused is not None:
            checker.add(row_no, line, record.get("event_id_cnty", ""), "where_prec", refused)
            continue
        if checker.check(record, row_no, line):
            kept.add(record, row_no, [record[c] for c in columns] + [row_no])
    checker.close()
    return kept.event_set(
        name=name,
        digest=digest,
        rows=row_no,
        columns=(*columns, "row"),
        problems=checker.problems,
        problem_counts=dict(checker.counts),
        report=checker.report_path if checker.counts else None,
        report_omitted=checker.omitted,
    )


def _reports_dir() -> Path:
    return settings.PRIVATE_CACHE_DIR / "event-reports"


def _report_path(digest: str) -> Path:
    return _reports_dir() / f"problems-{digest[:16]}.csv"


class _Columns:
    """Drawable rows gathered column-wise, then sorted by (day, row) into an :class:`EventSet`."""

    def __init__(self):
        self.lon, self.lat, self.day, self.row, self.kind, self.details = [], [], [], [], [], []
        self.kinds: dict[str, str] = {}  # one shared string per event type

    def add(self, record: dict, row: int, values: list) -> None:
        self.lon.append(record["longitude"])
        self.lat.append(record["latitude"])
        self.day.append(record["day"])
        self.row.append(row)
        self.kind.append(self.kinds.setdefault(record["event_type"], record["event_type"]))
        self.details.append(json.dumps(values, ensure_ascii=False, separators=(",", ":")))

    def event_set(self, **meta) -> EventSet:
        day = np.asarray(self.day, dtype=np.int32)
        row = np.asarray(self.row, dtype=np.int32)
        order = np.lexsort((row, day))
        types = tuple(sorted(self.kinds, key=_type_order))
        code = {t: i for i, t in enumerate(types)}
        return EventSet(
            types=types,
            lon=np.asarray(self.lon, dtype=np.float64)[order],
            lat=np.asarray(self.lat, dtype=np.float64)[order],
            day=day[order],
            # uint16 in memory so that a file with too many types is read and then refused with a message
            # (points.bin stores a Uint8: publishing checks the count), not an OverflowError here.
            type_code=np.asarray([code[k] for k in self.kind], dtype=np.uint16)[order] if self.kind else np.zeros(0, np.uint16),
            row=row[order],
            details=[self.details[i] for i in order],
            **meta,
        )


def _type_order(event_type: str) -> tuple[int, str]:
    """ACLED's types in the codebook's order first, then any others alphabetically."""
    known = list(settings.EVENT_TYPE_COLOURS)
    return (known.index(event_type) if event_type in known else len(known), event_type)


class _RowChecker:
    """Checks rows one by one, collecting problems (and remembering ids for duplicates)."""

    def __init__(self, name: str, report_path: Path | None = None):
        self.name = name
        self.problems: list[Problem] = []
        self.counts: dict[str, int] = {}
        self.seen_ids: dict[str, int] = {}
        self.dates: dict[str, date | None] = {}  # ACLED files repeat few distinct dates: parse each once
        # Memory is bounded by the drawn rows, not the bad ones: the first N problems of each kind are kept,
        # every problem is counted and written to the report file as it is found.
        self.report_path = report_path
        self._tmp: Path | None = None
        self._report: Any = None  # the open report file, from the first problem on
        self._writer: Any = None
        self._written = 0  # bytes in the report so far (UTF-8)
        self.omitted = 0  # problems past settings.EVENT_REPORT_MAX_BYTES: counted, not written

    def add(self, row: int, line: int, event_id: str, field_name: str | None, message: str) -> None:
        kind = field_name or "row"
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if self.counts[kind] <= settings.EVENT_PROBLEMS_PER_KIND:
            where = f"row {row} (line {line}" + (f", event {event_id!r})" if event_id else ")")
            self.problems.append(RowProblem(self.name, message, where, field_name, row=row, line=line, event_id=event_id))
        self._write(row, line, event_id, field_name, message)

    def _write(self, row: int, line: int, event_id: str, field_name: str | None, message: str) -> None:
        if self.report_path is None:
            return
        if self._writer is None:
            self.report_path.parent.mkdir(parents=True, exist_ok=True)
            self._tmp = self.report_path.with_name(f".{self.report_path.name}.{os.getpid()}.tmp")
            self._report = self._tmp.open("w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._report)
            self._writer.writerow(["row", "line", "event", "field", "problem"])
        cells = [safe_cell(v) for v in (row, line, event_id, field_name or "", message)]
        size = sum(len(str(c).encode("utf-8")) for c in cells) + 8  # separators, quotes, line end
        if self.omitted or self._written + size > settings.EVENT_REPORT_MAX_BYTES - 1024:  # room for the last line
            self.omitted += 1
            return
        self._written += size
        self._writer.writerow(cells)

    def close(self) -> None:
        if self._report is not None and self._tmp is not None and self.report_path is not None:
            if self.omitted:
                counts = "; ".join(f"{kind}: {n:,}" for kind, n in sorted(self.counts.items()))
                cap = settings.EVENT_REPORT_MAX_BYTES / 1024 / 1024
                self._writer.writerow(
                    [
                        "",
                        "",
                        "",
                        "",
                        f"{self.omitted:,} more problem(s) not written: this report stops at {cap:g} MB. "
                        f"All {sum(self.counts.values()):,} are counted, by field: {counts}",
                    ]
                )
            self._report.close()
            os.replace(self._tmp, self.report_path)
            evict_reports(keep=self.report_path)

    def check(self, record: dict, row: int, line: int) -> bool:
        """Whether the row can be drawn; parsed values are written back into ``record``."""
        eid = record["event_id_cnty"]
        drawable = True
        if not eid:
            self.add(row, line, eid, "event_id_cnty", "empty event id")
        elif eid in self.seen_ids:
            self.add(row, line, eid, "event_id_cnty", f"duplicate id (also row {self.seen_ids[eid]})")
        else:
            self.seen_ids[eid] = row
        lat, lon = _number(record["latitude"]), _number(record["longitude"])
        for name, value, limit in (("latitude", lat, 90), ("longitude", lon, 180)):
            raw = record[name]
            if value is None:
                self.add(row, line, eid, name, ("missing" if not raw else f"{raw!r} is not a number") + " (row not drawn)")
                drawable = False
            elif abs(value) > limit:
                self.add(row, line, eid, name, f"{raw} is outside -{limit}..{limit} (row not drawn)")
                drawable = False
        if drawable and lat == 0 and lon == 0:
            self.add(row, line, eid, "latitude", "0, 0 is a placeholder, not a place (row not drawn)")
            drawable = False
        raw_date = record["event_date"]
        if raw_date not in self.dates:
            self.dates[raw_date] = parse_event_date(raw_date)
        day = self.dates[raw_date]
        if day is None:
            formats = ", ".join(
                f.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD").replace("%B", "Month")
                for f in settings.EVENT_DATE_FORMATS
            )
            self.add(
                row,
                line,
                eid,
                "event_date",
                ("missing" if not raw_date else f"{raw_date!r} is not a date") + f" ({formats}; row not drawn)",
            )
            drawable = False
        if not record["event_type"]:
            self.add(row, line, eid, "event_type", "empty event type (drawn as 'unknown type')")
            record["event_type"] = "unknown type"
        fatalities = _number(record["fatalities"])
        if record["fatalities"] and (fatalities is None or fatalities < 0 or fatalities != int(fatalities)):
            self.add(row, line, eid, "fatalities", f"{record['fatalities']!r} is not a whole number ≥ 0 (kept as text)")
        if _integer_code(record["geo_precision"], settings.EVENT_GEO_PRECISIONS) is None:
            self.add(row, line, eid, "geo_precision", f"{record['geo_precision']!r} is not 1, 2 or 3 (kept as text)")
        if drawable and day is not None:
            record.update(day=date_to_day(day), latitude=lat, longitude=lon, event_date=day.isoformat())
        return drawable


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
        details=[events.details[i] for i in index],
        outside_scope=outside,
        scope_text=scope.text,
    )


def publish_or_error(source: Path | bytes, name: str | None = None, scope: Scope | None = None) -> PublishedEvents | GeoDataError:
    """Read and publish a file; a file-level fault is returned, not raised (the app shows it).

    A file on the server's disk (``$MAPAPP_EVENTS``) is published under its content hash; an upload
    (bytes) under a random name that only the uploading session's page knows (see :func:`publish`)."""
    try:
        if isinstance(source, Path):
            return publish(within(load_events(source), scope))
        return publish(within(read_events(source, name), scope), private=True)
    except GeoDataError as exc:
        return exc


def load_events(path: Path) -> EventSet:
    """Read ``path``; a file-level fault (unreadable, not CSV, columns missing) raises GeoDataError."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise GeoDataError([Problem(str(path), f"cannot read: {exc.strerror or exc}")], EVENT_FILE) from None
    return read_events(data, name=Path(path).name)


# --- publishing for the map ----------------------------------------------------------


def publish(
    events: EventSet, cache_dir: Path = settings.CACHE_DIR, cache_url: str = settings.CACHE_URL, *, private: bool = False
) -> PublishedEvents:
    """Write the static files the map fetches (once per content hash) and say where they are.

    ``private`` (an upload): the folder's name is 128 random bits, not derived from the content, so nobody
    can ask for it without the page that shows it; each such folder is removed by :func:`evict_cache`
    once no session has used it for :data:`settings.EVENT_CACHE_GRACE_S`. (Streamlit's static route sends
    ``Access-Control-Allow-Origin: *`` with every file: the name is the only lock. See the README.)
    """
    name = f"{events.key}-{secrets.token_hex(16)}" if private else events.key
    folder = Path(cache_dir) / f"events-{name}"
    chunk = settings.EVENT_DETAILS_CHUNK
    colours = tuple(settings.EVENT_TYPE_COLOURS.get(t, settings.EVENT_OTHER_COLOUR) for t in events.types)
    published = PublishedEvents(
        key=events.key,
        count=len(events),
        points_url=f"{cache_url}/events-{name}/points.bin",
        details_url=f"{cache_url}/events-{name}/details-",
        chunk=chunk,
        fields=events.columns,
        types=events.types,
        colours=colours,
        first_day=int(events.day[0]) if len(events) else 0,
        last_day=int(events.day[-1]) if len(events) else 0,
        name=events.name,
        rows=events.rows,
        problems=tuple(events.problems),
        manifest_url=f"{cache_url}/events-{name}/manifest.json",
        problem_counts=tuple(sorted(events.problem_counts.items())),
        report=events.report,
        report_omitted=events.report_omitted,
        outside_scope=events.outside_scope,
        scope_text=events.scope_text,
    )
    if not (folder / "manifest.json").is_file():
        _write_folder(folder, events, chunk, published.manifest())
        evict_cache(Path(cache_dir), keep=folder)
    touch(published, Path(cache_dir))
    return published


def _folder_of(published: PublishedEvents, cache_dir: Path) -> Path:
    return Path(cache_dir) / Path(published.manifest_url).parent.name


def touch(published: PublishedEvents, cache_dir: Path = settings.CACHE_DIR) -> None:
    """Mark a dataset as in use (its folder's time): the app calls this on every run that draws it."""
    with contextlib.suppress(OSError):  # not there: never published here, or removed by hand
        os.utime(_folder_of(published, cache_dir))
    if published.report is not None:  # its problem report is in use too (evict_reports)
        with contextlib.suppress(OSError):
            os.utime(published.report)


def evict_cache(cache_dir: Path = settings.CACHE_DIR, *, keep: Path | None = None, now: float | None = None) -> list[str]:
    """Remove the least recently used event folders until the cache is within :data:`settings.EVENT_CACHE_MAX_BYTES`.

    A folder used by any session within :data:`settings.EVENT_CACHE_GRACE_S` (and ``keep``) is never removed,
    so the cache may stay above its cap while many datasets are in use. Returns the names removed."""
    folders = []
    for folder in Path(cache_dir).glob("events-*"):
        if folder.is_dir():
            size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
            folders.append((folder.stat().st_mtime, size, folder))
    return _evict(folders, settings.EVENT_CACHE_MAX_BYTES, keep, now)


def evict_reports(reports_dir: Path | None = None, *, keep: Path | None = None, now: float | None = None) -> list[str]:
    """The problem reports, pruned by the same rule as :func:`evict_cache` to :data:`settings.EVENT_REPORTS_MAX_BYTES`."""
    files = []
    for report in Path(reports_dir or _reports_dir()).glob("problems-*.csv"):
        stat = report.stat()
        files.append((stat.st_mtime, stat.st_size, report))
    return _evict(files, settings.EVENT_REPORTS_MAX_BYTES, keep, now)


def _evict(entries: list[tuple[float, int, Path]], cap: int, keep: Path | None, now: float | None) -> list[str]:
    """Least recently used first, until ``cap`` bytes; nothing used within the grace period, nor ``keep``."""
    now = time.time() if now is None else now
    total = sum(size for _t, size, _p in entries)
    removed = []
    for used, size, path in sorted(entries):
        if total <= cap:
            break
        if path == keep or now - used < settings.EVENT_CACHE_GRACE_S:
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        total -= size
        removed.append(path.name)
    return removed


def points_bytes(events: EventSet) -> bytes:
    """The drawing arrays, little-endian: Float32 lon, Float32 lat, Int32 day, Uint8 type."""
    return (
        events.lon.astype("<f4").tobytes()
        + events.lat.astype("<f4").tobytes()
        + events.day.astype("<i4").tobytes()
        + events.type_code.astype("u1").tobytes()
    )


def details_chunks(events: EventSet, chunk: int = settings.EVENT_DETAILS_CHUNK):
    """(file number, JSON text) per chunk of events, in date order."""
    for start in range(0, len(events), chunk):
        yield start // chunk, "[" + ",".join(events.details[start : start + chunk]) + "]"


def refusal(events: EventSet) -> GeoDataError | None:
    """Why the map cannot draw this read file at all, or None: one rule for the app and ``mapapp events``."""
    if len(events.types) > 255:  # the type is one byte of each point in points.bin
        return GeoDataError(
            [Problem(events.name, f"{len(events.types)} event types; at most 255 can be drawn", field="event_type")], EVENT_FILE
        )
    return None


def _write_folder(folder: Path, events: EventSet, chunk: int, manifest: dict) -> None:
    """Write into a temporary folder, then rename it: a reader never sees half a dataset."""
    refused = refusal(events)
    if refused is not None:
        raise refused
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".tmp-"))
    for number, text in details_chunks(events, chunk):
        (tmp / f"details-{number:04d}.json").write_text(text, encoding="utf-8")
    (tmp / "points.bin").write_bytes(points_bytes(events))
    (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    if folder.is_dir() and not (folder / "manifest.json").is_file():
        shutil.rmtree(folder, ignore_errors=True)  # left half-written by a crash: replace it
    try:
        os.replace(tmp, folder)
    except OSError:  # another session published the same content first
        shutil.rmtree(tmp, ignore_errors=True)
