"""Checking a large ACLED CSV at DuckDB's speed, with the same rules and the same problem report.

DuckDB parses the file (every cell as text, in batches); vectorised tests (pyarrow) find each row that could
have any problem, or whose details the fast path could not write exactly as the row-by-row path does (a quote,
a backslash, a control character, whitespace to strip, a number not written the way Python prints it...).
Those rows, and only those, go through the row-by-row checker of :mod:`mapapp.events.rows` itself, in row
order, so every message, row and line number and count is the one it gives. The other rows' details are
written as JSON by joining their cells, straight into a file (:mod:`mapapp.events.details`).

Whatever the fast path cannot prove it reads exactly as Python's ``csv`` module does (blank lines, a quote
after leading spaces, a NUL byte, a UCDP GED file, a line DuckDB refuses for any reason other than its number
of cells...) is read by the row-by-row path instead: slower, never different.
"""

from __future__ import annotations

import csv
import hashlib
import io
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

import mapapp.events.rows as row_rules
from mapapp import settings
from mapapp.events.dataset import EventSet, date_to_day
from mapapp.events.details import DetailsFile, DiskDetails
from mapapp.events.reports import report_path_for
from mapapp.events.ucdp import is_ged

BATCH = 100_000
_READ = 16 * 1024 * 1024
_CELLS = ("TOO MANY COLUMNS", "MISSING COLUMNS")  # the only lines DuckDB refuses that the checks report themselves
_NUMBER = r"^-?(0|[1-9][0-9]{0,2})(\.[0-9]{1,12})?$"  # ≤ 15 digits: Python prints it back as written
_WHOLE = r"^[0-9]{1,15}$"


class _Fallback(Exception):
    """The fast path cannot prove it reads this file exactly as the row-by-row path does."""


@cache
def _whitespace() -> str:
    return "".join(c for c in map(chr, range(0x110000)) if c.isspace())  # what str.strip() removes


@cache
def _needs_python() -> str:
    """A cell JSON would escape, or that ``strip()`` would change (RE2 syntax)."""
    space = "".join(f"\\x{{{ord(c):x}}}" for c in _whitespace())
    return f'[\\x00-\\x1f"\\\\]|^[{space}]|[{space}]$'


def scan(path: Path) -> tuple[str, int]:
    """The file's sha256 and its number of lines; :class:`_Fallback` if it holds what only Python's ``csv`` reads
    right (a NUL byte, a carriage return that does not end a line, a quote after leading spaces)."""
    digest, lines, last = hashlib.sha256(), 0, b""
    with path.open("rb") as file:
        while chunk := file.read(_READ):
            digest.update(chunk)
            lines += chunk.count(b"\n")
            returns = chunk.count(b"\r")
            if b"\x00" in chunk or (returns and returns != chunk.count(b"\r\n")) or _quote_after_space(last[-64:] + chunk):
                raise _Fallback
            last = chunk
    return digest.hexdigest(), lines + (1 if last and not last.endswith(b"\n") else 0)


def _quote_after_space(data: bytes) -> bool:
    """``, "x"``: Python's csv keeps the spaces and the quotes, DuckDB drops both."""
    if b'"' not in data:
        return False
    byte = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(byte[1:] == 34) + 1
    for at in quotes[(byte[quotes - 1] == 32) | (byte[quotes - 1] == 9)] - 1:
        start = int(at)
        while start > 0 and data[start - 1 : start] in (b" ", b"\t"):
            start -= 1
        if start == 0 or data[start - 1 : start] in (b",", b"\n"):
            return True
    return False


def load_csv_fast(path: Path, progress: row_rules.Progress | None = None) -> EventSet | None:
    """The events of an ACLED CSV, exactly as :func:`mapapp.events.rows.load_csv` gives them, or None when
    only the row-by-row path can read this file (the caller then uses it)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            header = [h.strip() for h in next(csv.reader(file), [])]
        if not header or is_ged(header) or any(c not in header for c in settings.EVENT_COLUMNS):
            return None  # the row-by-row path gives the refusal, or reads UCDP GED
        import duckdb  # noqa: F401  (a missing DuckDB falls back below)

        digest, lines = scan(path)
        return _Reader(path, header, digest, lines, progress).read()
    except (_Fallback, ImportError, OSError, UnicodeDecodeError, csv.Error):
        return None
    except Exception as exc:  # DuckDB's own errors: the row-by-row path says what is wrong
        if type(exc).__module__.startswith("duckdb") or isinstance(exc, pa.ArrowException):
            return None
        raise


class _Reader:
    def __init__(self, path: Path, header: list[str], digest: str, lines: int, progress: row_rules.Progress | None):
        self.path, self.header, self.digest, self.lines, self.progress = path, header, digest, lines, progress
        self.name = path.name
        self.columns, self.to_record, _ = row_rules.row_reader(header, self.name)
        self.at = {c: header.index(c) for c in self.columns}
        self.checker = row_rules._RowChecker(self.name, report_path_for(digest))
        self.slow = row_rules._Columns()  # rows checked one by one and drawn
        self.store = DetailsFile()
        self.parts: list[tuple[np.ndarray, ...]] = []  # per batch: lon, lat, day, row, kind, start, length
        self.kinds: dict[str, int] = {}
        self.dates: dict[str, tuple[int, str] | None] = {}
        self.shift = 0  # lines inside quoted cells so far (a row's line is where it starts)

    def source(self, extra: str = "") -> str:
        names = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(self.header)))
        where = str(self.path).replace("'", "''")
        return (
            f"read_csv('{where}', columns = {{{names}}}, header = true, auto_detect = false, delim = ',', quote = '\"',"
            f" escape = '\"', strict_mode = true, ignore_errors = true{extra})"
        )

    def read(self) -> EventSet:
        import duckdb

        try:
            con = duckdb.connect()
            con.execute("SET enable_progress_bar = false")
            idc = f"c{self.header.index('event_id_cnty')}"
            self.dups = {
                r[0]
                for r in con.execute(
                    f"SELECT trim({idc}, $ws) AS k FROM {self.source(', store_rejects = true')} GROUP BY k"
                    " HAVING count(*) > 1 AND k <> ''",
                    {"ws": _whitespace()},
                ).fetchall()
            }
            self.rejects = self._rejects(con.execute("SELECT line, error_type, csv_line FROM reject_errors").fetchall())
            reject_rows = np.asarray(sorted(self.rejects), dtype=np.int64)
            self.after = reject_rows - np.arange(len(reject_rows))  # rejects up to a good row: searchsorted on this
            self.rejects_left = sorted(self.rejects)
            done = 0
            for batch in con.sql(f"SELECT * FROM {self.source()}").to_arrow_reader(BATCH):
                rows = np.arange(done + 1, done + batch.num_rows + 1, dtype=np.int64)
                rows += np.searchsorted(self.after, rows, side="right")
                before = int(rows[-1]) if len(rows) else 0
                self._batch(batch, rows)
                self._progress(before, done)
                done += batch.num_rows
            self._rejected_until(None)
            total = done + len(self.rejects)
            if (self.shift and self.rejects) or self.lines != 1 + total + self.shift:
                raise _Fallback  # blank lines, or a layout only Python's csv numbers right
        except BaseException:
            self._abandon()
            raise
        self.checker.close()
        return self._event_set(total)

    def _rejects(self, found: list[tuple[Any, ...]]) -> dict[int, list[str]]:
        rows: dict[int, list[str]] = {}
        for line, error, text in found:
            parsed = list(csv.reader(io.StringIO(text.strip("\r\n"), newline="")))  # DuckDB keeps a line end
            cells = parsed[0] if len(parsed) == 1 else []
            if error not in _CELLS or len(cells) == len(self.header) or not any(c.strip() for c in cells):
                raise _Fallback
            rows[int(line) - 1] = cells
        return rows

    def _progress(self, last_row: int, done_before: int) -> None:
        step = row_rules.PROGRESS_ROWS
        if self.progress is None:
            return
        for at in range((done_before // step + 1) * step, last_row + 1, step):
            self.progress(at, sum(self.checker.counts.values()), min(1.0, (at + 1) / max(1, self.lines)))

    def _abandon(self) -> None:
        self.store.close()
        checker = self.checker
        if checker._report is not None and checker._tmp is not None:
            checker._report.close()
            checker._tmp.unlink(missing_ok=True)

    # --- one batch -------------------------------------------------------------------------------

    def _cell(self, batch: pa.RecordBatch, name: str) -> pa.Array:
        return batch.column(self.at[name])

    def _batch(self, batch: pa.RecordBatch, rows: np.ndarray) -> None:
        if not batch.num_rows:
            return
        flag = np.zeros(batch.num_rows, dtype=bool)

        def mark(mask: Any, empty: bool = True) -> None:  # empty: whether a missing cell is flagged
            flag[pc.fill_null(mask, empty).to_numpy(zero_copy_only=False)] = True

        for column in batch.columns:
            if (pc.max(pc.binary_length(column)).as_py() or 0) > csv.field_size_limit():
                raise _Fallback  # Python's csv refuses the file: the row-by-row path says so
        for name in self.columns:
            if name not in ("latitude", "longitude"):
                mark(pc.match_substring_regex(self._cell(batch, name), _needs_python()), empty=False)
        ids = self._cell(batch, "event_id_cnty")
        mark(pc.or_kleene(pc.equal(ids, ""), pc.is_in(ids, pa.array(sorted(self.dups), pa.string()))))
        mark(pc.equal(self._cell(batch, "event_type"), ""))
        fatalities = self._cell(batch, "fatalities")
        mark(pc.invert(pc.or_(pc.is_null(fatalities), pc.fill_null(pc.match_substring_regex(fatalities, _WHOLE), False))))
        mark(pc.invert(pc.is_in(self._cell(batch, "geo_precision"), pa.array(["1", "2", "3"]))))
        lon, lon_text = self._coordinate(batch, "longitude", 180, flag)
        lat, lat_text = self._coordinate(batch, "latitude", 90, flag)
        flag |= (lat == 0) & (lon == 0)
        day, iso = self._dates(batch, flag)
        self._rows_one_by_one(batch, rows, flag)
        self._rejected_until(int(rows[-1]) + 1)
        keep = ~flag
        if not keep.any():
            return
        self._write(batch, keep, rows, lon[keep], lat[keep], day[keep], iso, lon_text, lat_text)

    def _coordinate(self, batch: pa.RecordBatch, name: str, limit: int, flag: np.ndarray) -> tuple[np.ndarray, pa.Array]:
        text = self._cell(batch, name)
        plain = pc.fill_null(pc.match_substring_regex(text, _NUMBER), False)
        value = pc.cast(pc.if_else(plain, text, pa.scalar(None, pa.string())), pa.float64())
        number = value.to_numpy(zero_copy_only=False)
        with np.errstate(invalid="ignore"):
            flag |= ~plain.to_numpy(zero_copy_only=False) | (np.abs(number) > limit)
            flag |= (np.abs(number) < 1e-4) & (number != 0)  # Python prints it as 5e-05
        printed = pc.replace_substring_regex(text, r"(\.[0-9]*?)0+$", r"\1")  # 35.5470 → 35.547
        printed = pc.replace_substring_regex(printed, r"\.$", ".0")  # 35.000 → 35. → 35.0
        printed = pc.replace_substring_regex(printed, r"^(-?[0-9]+)$", r"\1.0")  # 35 → 35.0
        return number, printed

    def _dates(self, batch: pa.RecordBatch, flag: np.ndarray) -> tuple[np.ndarray, pa.Array]:
        encoded = pc.dictionary_encode(self._cell(batch, "event_date"))
        days, texts = [], []
        for raw in encoded.dictionary.to_pylist():
            if raw not in self.dates:
                parsed = row_rules.parse_event_date(raw)
                self.dates[raw] = None if parsed is None else (date_to_day(parsed), parsed.isoformat())
            known = self.dates[raw]
            days.append(-(2**31) if known is None else known[0])
            texts.append("" if known is None else known[1])
        index = pc.fill_null(encoded.indices, len(days)).to_numpy(zero_copy_only=False)
        day = np.asarray([*days, -(2**31)], dtype=np.int64)[index]
        flag |= day == -(2**31)
        return day, pa.array([*texts, ""], pa.string()).take(pa.array(index))

    def _rejected_until(self, row: int | None) -> None:
        """The ragged rows before ``row`` (all that are left, for None), in order."""
        while self.rejects_left and (row is None or self.rejects_left[0] < row):
            at = self.rejects_left.pop(0)
            cells = self.rejects[at]
            n = len(self.header)
            self.checker.add(at, at + 1, "", None, f"has {len(cells)} cells, the header has {n} (row not drawn)")

    def _rows_one_by_one(self, batch: pa.RecordBatch, rows: np.ndarray, flag: np.ndarray) -> None:
        index = np.flatnonzero(flag)
        if not len(index):
            return
        picked = batch.take(pa.array(index))
        values = [picked.column(i).to_pylist() for i in range(picked.num_columns)]
        for k, i in enumerate(index):
            cells = [v if v is not None else "" for v in (column[k] for column in values)]
            if not any(c.strip() for c in cells):
                raise _Fallback  # a blank row is no row: the numbering the fast path assumed is off
            row = int(rows[i])
            self._rejected_until(row)
            record = self.to_record(cells)
            if self.checker.check(record, row, row + 1 + self.shift):
                self.slow.add(record, row, [record[c] for c in self.columns] + [row])
            if record["event_id_cnty"] not in self.dups:
                self.checker.seen_ids.pop(record["event_id_cnty"], None)  # never seen again: memory stays bounded
            self.shift += sum(c.count("\n") for c in cells)

    def _write(self, batch: pa.RecordBatch, keep: np.ndarray, rows: np.ndarray, lon: np.ndarray, lat: np.ndarray,
               day: np.ndarray, iso: pa.Array, lon_text: pa.Array, lat_text: pa.Array) -> None:  # fmt: skip
        mask = pa.array(keep)
        parts: list[Any] = []
        for i, name in enumerate(self.columns):
            opening = "[" if i == 0 else ","
            if name in ("latitude", "longitude"):
                parts += [opening, (lat_text if name == "latitude" else lon_text).filter(mask)]
            else:
                cell = iso.filter(mask) if name == "event_date" else self._cell(batch, name).filter(mask)
                parts += [opening + '"', cell, '"']
        kept_rows = rows[keep]
        parts += [",", pc.cast(pa.array(kept_rows), pa.string()), "]"]
        joined = pc.binary_join_element_wise(*_merge(parts), "", null_handling="replace", null_replacement="")
        joined = joined.cast(pa.large_string())
        offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64)[joined.offset : joined.offset + len(joined) + 1]
        data = joined.buffers()[2]
        base = self.store.append(memoryview(data)[int(offsets[0]) : int(offsets[-1])]) - int(offsets[0])
        kinds = pc.dictionary_encode(self._cell(batch, "event_type").filter(mask))
        code = np.asarray([self.kinds.setdefault(k, len(self.kinds)) for k in kinds.dictionary.to_pylist()], np.int32)
        self.parts.append(
            (lon, lat, day.astype(np.int32), kept_rows.astype(np.int32), code[kinds.indices.to_numpy()],
             (base + offsets[:-1]).astype(np.int64), np.diff(offsets).astype(np.int32))
        )  # fmt: skip

    # --- the event set -----------------------------------------------------------------------------

    def _event_set(self, total: int) -> EventSet:
        slow = self.slow
        starts, lengths = [], []
        for details in slow.details:
            data = details.encode("utf-8")
            starts.append(self.store.append(data))
            lengths.append(len(data))
        slow_kind = np.asarray([self.kinds.setdefault(k, len(self.kinds)) for k in slow.kind], np.int32)
        columns = list(zip(*self.parts, strict=True)) if self.parts else [[] for _ in range(7)]

        def joined(i: int, extra: Any, dtype: type[np.generic]) -> np.ndarray:
            return np.concatenate([*columns[i], np.asarray(extra, dtype=dtype)])

        lon, lat = joined(0, slow.lon, np.float64), joined(1, slow.lat, np.float64)
        day, row = joined(2, slow.day, np.int32), joined(3, slow.row, np.int32)
        kind, start, length = joined(4, slow_kind, np.int32), joined(5, starts, np.int64), joined(6, lengths, np.int32)
        self.parts.clear()
        order = np.lexsort((row, day))
        names = list(self.kinds)
        types = tuple(sorted(names, key=row_rules._type_order))
        recode = np.asarray([types.index(n) for n in names] or [0], dtype=np.uint16)
        return EventSet(
            name=self.name,
            digest=self.digest,
            rows=total,
            columns=(*self.columns, "row"),
            types=types,
            problems=self.checker.problems,
            lon=lon[order],
            lat=lat[order],
            day=day[order],
            type_code=recode[kind[order]] if len(kind) else np.zeros(0, np.uint16),
            row=row[order],
            details=DiskDetails(self.store, start[order], length[order]),
            problem_counts=dict(self.checker.counts),
            report=self.checker.report_path if self.checker.counts else None,
            report_omitted=self.checker.omitted,
        )


def _merge(parts: list[Any]) -> list[Any]:
    """Adjacent literal strings joined, so the join has fewer arguments."""
    out: list[Any] = []
    for part in parts:
        if isinstance(part, str) and out and isinstance(out[-1], str):
            out[-1] += part
        else:
            out.append(part)
    return [pa.scalar(p, pa.string()) if isinstance(p, str) else p for p in out]
