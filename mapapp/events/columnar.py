"""Event archives in Parquet: one (Geo)Parquet file, or a folder of them partitioned the Hive way
(``year=2024/region=Eastern Africa/part-0.parquet``) as GeoPandas, DuckDB, Apache Sedona or Spark write them.

DuckDB reads only what a story needs: partitions outside its years are never opened, and the story's box
and dates are pushed down to the Parquet row groups (their min/max statistics skip the rest), so a folder far
larger than memory is read in proportion to the story's slice. Every row read then goes through the same
checks and the same bounded problem report as a CSV: the slice, written by DuckDB as a temporary CSV, through the
single scan of :mod:`mapapp.events.fast` when its columns print alike; otherwise row by row
(:func:`mapapp.events.rows.check_rows`). A row whose date or position cannot be read is always read and
reported, never filtered away unseen.

Columns are ACLED's or UCDP GED's names (:func:`mapapp.events.rows.row_reader`); the position is
``longitude``/``latitude``, or a GeoParquet ``geometry`` column of WKB points when those are absent.
"""

from __future__ import annotations

import dataclasses
import hashlib
import struct
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from mapapp.events.dataset import EVENT_FILE, EventSet, Scope, within
from mapapp.events.rows import check_rows, row_reader
from mapapp.events.suspect import sql_text
from mapapp.story.validate import GeoDataError, Problem

PARQUET_SUFFIXES = (".parquet", ".geoparquet", ".pq")
_INTERNAL = ("__file", "__file_row")
_BATCH = 50_000


def is_columnar(path: Path) -> bool:
    """Whether ``path`` is a folder (read as a partitioned archive) or a Parquet file (by its magic bytes,
    whatever its name)."""
    if path.is_dir():
        return True
    try:
        with path.open("rb") as file:
            return file.read(4) == b"PAR1"
    except OSError:
        return False


def parquet_files(path: Path) -> list[Path]:
    files = sorted(p for p in path.rglob("*") if p.suffix.lower() in PARQUET_SUFFIXES) if path.is_dir() else [path]
    if not files:
        raise GeoDataError([Problem(str(path), "no .parquet files in this folder")], EVENT_FILE)
    return files


def _partition_year(file: Path, root: Path) -> int | None:
    """The ``year=NNNN`` folder a part file sits in, if any (Hive partitioning)."""
    for part in file.relative_to(root).parts[:-1] if root.is_dir() else ():
        key, _, value = part.partition("=")
        if key == "year" and value.lstrip("-").isdigit():
            return int(value)
    return None


def in_years(files: list[Path], root: Path, scope: Scope | None) -> list[Path]:
    """The part files a story can need: those of its years, with the margin (and every file not partitioned
    by year). The others are never opened, so an archive is read in proportion to the story."""
    if scope is None:
        return files
    first = (scope.first - timedelta(days=scope.margin_days)).year
    last = (scope.last + timedelta(days=scope.margin_days)).year
    return [f for f in files if (year := _partition_year(f, root)) is None or first <= year <= last]


def _digest(files: list[Path], root: Path, scope: Scope | None) -> str:
    """The cache key of what is read: each file's path, size and modification time (an archive is not hashed
    byte by byte), and the scope, which decides the rows read."""
    text = "|".join(
        f"{p.relative_to(root) if root.is_dir() else p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files
    )
    return hashlib.sha256(f"{text}|{scope.text if scope else ''}".encode()).hexdigest()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _wkb_point(blob: bytes | None) -> tuple[str, str]:
    """(longitude, latitude) of a WKB point as text, or empty strings (the checks report them)."""
    if not blob or len(blob) < 21:
        return "", ""
    order = "<" if blob[0] == 1 else ">"
    kind = struct.unpack(order + "I", blob[1:5])[0] & 0xFF  # ISO WKB: 1 = Point (Z/M variants share the low byte)
    if kind != 1:
        return "", ""
    x, y = struct.unpack(order + "dd", blob[5:21])
    return repr(x), repr(y)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def read_columnar(path: Path, scope: Scope | None = None) -> EventSet:
    """The events of a Parquet file or partitioned folder in ``scope`` (all of them without one), checked."""
    import duckdb

    path = Path(path)
    every = parquet_files(path)
    files = in_years(every, path, scope)
    if not files:  # no partition of the story's years: nothing in its scope
        files = every[:1]
    name = path.name
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # DuckDB's own bar would be printed on the command's stdout
    # DuckDB's buffers within a budget (it spills the slice's sort to a temporary folder past it): a 10,000,000-row
    # archive's slice of 1,000,000 rows peaked at 1.6 GB without one, 0.6 GB with it. Order comes from ORDER BY.
    con.execute(f"SET temp_directory = '{sql_text(str(Path(tempfile.gettempdir()) / 'mapapp-duckdb'))}'")
    con.execute("SET memory_limit = '500MB'")
    con.execute("SET preserve_insertion_order = false")
    listing = "[" + ", ".join("'" + sql_text(str(p)) + "'" for p in files) + "]"
    source = (
        f"read_parquet({listing}, hive_partitioning = true, union_by_name = true, filename = '__file', file_row_number = true)"
    )
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    except duckdb.Error as exc:
        raise GeoDataError([Problem(str(path), f"not readable as Parquet: {exc}")], EVENT_FILE) from None
    types = {row[0]: str(row[1]).upper() for row in described}
    data_columns = [c for c in types if c not in (*_INTERNAL, "file_row_number", "bbox")]
    from_wkb = "latitude" not in types and "longitude" not in types and "geometry" in types
    header = [c for c in data_columns if c != "geometry"] + (["longitude", "latitude"] if from_wkb else [])
    columns, to_record, extra = row_reader(header, str(path))
    where = _pushdown(types, scope)
    total = int(con.execute(f"SELECT count(*) FROM {source}").fetchone()[0])  # type: ignore[index]  # Parquet metadata only
    select = ", ".join(_quote(c) for c in data_columns)
    order = "__file, file_row_number"
    geometry_at = data_columns.index("geometry") if from_wkb else None

    def rows() -> Iterator[tuple[int, list[str]]]:  # run only when the fast path declines
        cursor = con.execute(f"SELECT {select}, file_row_number FROM {source} WHERE {where} ORDER BY {order}")
        while batch := cursor.fetchmany(_BATCH):
            for values in batch:
                *cells, file_row = values
                if geometry_at is not None:
                    lon, lat = _wkb_point(cells.pop(geometry_at))
                    cells.extend((lon, lat))
                yield int(file_row) + 1, [_text(v) for v in cells]

    digest = _digest(files, path, scope)
    fast = None if from_wkb else _slice_through_csv(con, source, where, order, data_columns, types, name, digest)
    events = fast if fast is not None else check_rows(rows(), header, columns, to_record, name, digest, extra=extra)
    read = events.rows
    scoped = within(events, scope)
    if scope is None:
        return scoped
    # Rows never read are outside the scope too: those DuckDB skipped in the files it opened, and those of the
    # partitions of other years, counted from their footers alone.
    pruned, uncounted = _footer_rows([f for f in every if f not in set(files)])
    text = scope.text
    if uncounted:
        text += f"; {uncounted} part file(s) of other years could not be counted (not read)"
    return dataclasses.replace(scoped, outside_scope=scoped.outside_scope + total - read + pruned, scope_text=text)


# Column types whose text DuckDB's CSV writer prints as this module's _text does (a DOUBLE or a TIMESTAMP may not).
_PRINTED_ALIKE = {"VARCHAR", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER", "USMALLINT",
                  "UTINYINT", "DATE"}  # fmt: skip


def _slice_through_csv(
    con: Any, source: str, where: str, order: str, columns: list[str], types: dict[str, str], name: str, digest: str
) -> EventSet | None:
    """The story's slice written by DuckDB as a temporary CSV and checked by the fast path
    (:mod:`mapapp.events.fast`): the same rows, problems and report as row by row, each problem's line the
    row in its part file. None when the columns' text could differ, or the fast path cannot read it."""
    import numpy as np

    from mapapp.events.fast import load_csv_fast

    if any(types[c].split("(")[0] not in _PRINTED_ALIKE for c in columns):
        return None
    select = ", ".join(_quote(c) for c in columns)
    query = f"SELECT {select} FROM {source} WHERE {where} ORDER BY {order}"
    with tempfile.TemporaryDirectory(prefix="mapapp-slice-") as tmp:
        csv_path = Path(tmp) / "slice.csv"
        con.execute(f"COPY ({query}) TO '{sql_text(str(csv_path))}' (FORMAT csv, HEADER true)")
        lines = con.execute(f"SELECT file_row_number FROM {source} WHERE {where} ORDER BY {order}").fetchnumpy()
        rows = np.asarray(lines["file_row_number"], dtype=np.int64) + 1
        return load_csv_fast(csv_path, name=name, lines=rows, digest=digest)


def _footer_rows(files: list[Path]) -> tuple[int, int]:
    """Rows in ``files`` from their Parquet footers (no data read), and how many footers could not be read."""
    import pyarrow.parquet as pq

    rows = unreadable = 0
    for file in files:
        try:
            rows += pq.read_metadata(file).num_rows
        except (OSError, ValueError):  # pyarrow's ArrowInvalid is a ValueError
            unreadable += 1
    return rows, unreadable


def _pushdown(types: dict[str, str], scope: Scope | None) -> str:
    """The WHERE clause that lets DuckDB skip partitions and row groups outside ``scope``. A row whose
    position or date does not parse is kept: the checks must see and report it."""
    if scope is None:
        return "true"
    first, last = scope.first - timedelta(days=scope.margin_days), scope.last + timedelta(days=scope.margin_days)
    terms = []
    if "year" in types and types["year"] in ("BIGINT", "INTEGER", "SMALLINT", "HUGEINT"):  # ACLED's year, or a partition
        terms.append(f"(year IS NULL OR year BETWEEN {first.year} AND {last.year})")
    for column in ("event_date", "date_start"):
        if column in types:
            day = f"TRY_CAST({_quote(column)} AS DATE)"
            terms.append(f"({day} IS NULL OR {day} BETWEEN DATE '{first}' AND DATE '{last}')")
            break
    if scope.bounds is not None and "latitude" in types and "longitude" in types:
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in scope.bounds)
        lon, lat = "TRY_CAST(longitude AS DOUBLE)", "TRY_CAST(latitude AS DOUBLE)"
        inside = f"{lon} BETWEEN {min_lon} AND {max_lon} AND {lat} BETWEEN {min_lat} AND {max_lat}"
        impossible = f"NOT ({lon} BETWEEN -180 AND 180 AND {lat} BETWEEN -90 AND 90)"  # a fault: read, reported
        terms.append(f"({lon} IS NULL OR {lat} IS NULL OR {impossible} OR ({inside}))")
    elif scope.bounds is not None and types.get("bbox", "").startswith("STRUCT"):  # GeoParquet 1.1's covering box
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in scope.bounds)
        terms.append(
            "(bbox IS NULL OR NOT (bbox.xmin >= -180 AND bbox.xmax <= 180 AND bbox.ymin >= -90 AND bbox.ymax <= 90)"
            f" OR (bbox.xmax >= {min_lon} AND bbox.xmin <= {max_lon}"
            f" AND bbox.ymax >= {min_lat} AND bbox.ymin <= {max_lat}))"
        )
    return " AND ".join(terms) or "true"
