"""Reading an event file (ACLED or UCDP GED CSV) and checking every row with the same rules and one bounded
problem report: rows that cannot be drawn are not drawn and are reported with their row and line numbers,
smaller faults in rows that are still drawn too. Nothing is dropped silently.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
from collections.abc import Callable, Container, Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from mapapp import settings
from mapapp.events.dataset import (
    EVENT_FILE,
    EventSet,
    RowProblem,
    date_to_day,
)
from mapapp.events.reports import evict_reports, report_path_for
from mapapp.events.ucdp import is_ged, record_reader, undrawable
from mapapp.story.tables import safe_cell
from mapapp.story.validate import GeoDataError, Problem


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


def _integer_code(text: str, allowed: Container[int]) -> int | None:
    value = _number(text)
    return int(value) if value is not None and value == int(value) and int(value) in allowed else None


# Called every PROGRESS_ROWS rows of a long file: (rows read, problems so far, share of the file read, 0..1).
Progress = Callable[[int, int, float], None]
PROGRESS_ROWS = 100_000


def read_events(source: Path | bytes, name: str | None = None, progress: Progress | None = None) -> EventSet:
    """Read an ACLED-style CSV (a path or its bytes) and check every row.

    A file without the required columns raises :class:`GeoDataError` (one problem
    listing every missing column). Row problems never raise: they are returned in
    :attr:`EventSet.problems`, and rows that cannot be drawn are left out.
    """
    data = source.read_bytes() if isinstance(source, Path) else bytes(source)
    name = name or (source.name if isinstance(source, Path) else "events.csv")
    digest = hashlib.sha256(data).hexdigest()
    buffer = io.BytesIO(data)
    told = None if progress is None else (lambda rows, problems: progress(rows, problems, buffer.tell() / max(1, len(data))))
    try:
        return _read_rows(io.TextIOWrapper(buffer, encoding="utf-8-sig", newline=""), name, digest, told)
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


def _read_rows(lines: Iterable[str], name: str, digest: str, progress: Callable[[int, int], None] | None = None) -> EventSet:
    """The row loop of :func:`read_events`, streaming (a StringIO of the whole file would cost 4 bytes a character)."""
    reader = csv.reader(lines)
    header = [h.strip() for h in next(reader, [])]
    columns, to_record, extra = row_reader(header, name)
    return check_rows(_numbered(reader), header, columns, to_record, name, digest, extra=extra, progress=progress)


def _numbered(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of a csv.reader's rows: a quoted field may span lines, so a row's line is where it starts."""
    last = reader.line_num
    for cells in reader:
        line, last = last + 1, reader.line_num
        yield line, cells


Reader = tuple[tuple[str, ...], Callable[[list[str]], dict[str, Any]], Callable[[dict[str, Any]], str | None] | None]


def row_reader(header: list[str], name: str) -> Reader:
    """How a row of this header becomes a record: the detail columns, the cells-to-record function and a
    format's own refusal rule. ACLED's names, or UCDP GED's mapped to them; anything else is refused,
    naming every missing column."""
    if is_ged(header):  # UCDP GED: its columns mapped to the same fields (events/ucdp.py)
        columns, to_record = record_reader(header, settings.EVENT_COLUMNS)
        return columns, to_record, undrawable
    missing = [c for c in settings.EVENT_COLUMNS if c not in header]
    if missing:
        raise GeoDataError(
            [
                Problem(
                    name,
                    "missing column(s): " + ", ".join(missing) + " (an ACLED or a UCDP GED table expected; see the README)",
                    field=missing[0],
                )
            ],
            EVENT_FILE,
        )
    columns = settings.EVENT_COLUMNS + tuple(c for c in settings.EVENT_OPTIONAL_COLUMNS if c in header)
    index = [(c, header.index(c)) for c in columns]
    return columns, lambda cells: {c: cells[i].strip() for c, i in index}, None


def check_rows(
    rows: Iterable[tuple[int, list[str]]],
    header: list[str],
    columns: tuple[str, ...],
    to_record: Callable[[list[str]], dict[str, Any]],
    name: str,
    digest: str,
    extra: Callable[[dict[str, Any]], str | None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EventSet:
    """Every row, given with its line (in a CSV) or its row in its part file (Parquet), made a record
    (``to_record``), checked, and kept when it can be drawn; ``extra`` may refuse a row the generic checks
    pass (a format's own rule)."""
    checker = _RowChecker(name, report_path_for(digest))
    kept = _Columns()
    row_no = 0
    for line, cells in rows:
        if not any(c.strip() for c in cells):
            continue  # blank line
        row_no += 1
        if progress is not None and row_no % PROGRESS_ROWS == 0:
            progress(row_no, sum(checker.counts.values()))
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


class _Columns:
    """Drawable rows gathered column-wise, then sorted by (day, row) into an :class:`EventSet`."""

    def __init__(self) -> None:
        self.lon: list[float] = []
        self.lat: list[float] = []
        self.day: list[int] = []
        self.row: list[int] = []
        self.kind: list[str] = []
        self.details: list[str] = []
        self.kinds: dict[str, str] = {}  # one shared string per event type

    def add(self, record: dict, row: int, values: list) -> None:
        self.lon.append(record["longitude"])
        self.lat.append(record["latitude"])
        self.day.append(record["day"])
        self.row.append(row)
        self.kind.append(self.kinds.setdefault(record["event_type"], record["event_type"]))
        self.details.append(json.dumps(values, ensure_ascii=False, separators=(",", ":")))

    def event_set(self, **meta: Any) -> EventSet:
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


def load_csv(path: Path, progress: Progress | None = None) -> EventSet:
    """Read ``path``; a file-level fault (unreadable, not CSV, columns missing) raises GeoDataError."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise GeoDataError([Problem(str(path), f"cannot read: {exc.strerror or exc}")], EVENT_FILE) from None
    return read_events(data, name=Path(path).name, progress=progress)
