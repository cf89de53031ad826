"""Event archives in Parquet (mapapp.events.columnar): a file, a GeoParquet file, a Hive-partitioned folder.

The archives are written here by DuckDB (the same layout Apache Sedona and Spark write: ``year=…/region=…``)
and GeoPandas from one synthetic table, so every reader must find the same events as the CSV reader, with
the same problem report, and read only the story's slice.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from mapapp import cli, events
from mapapp.events import columnar, synthetic
from mapapp.events.dataset import Scope
from mapapp.events.rows import load_csv
from mapapp.events.sources import load_events
from mapapp.story.validate import GeoDataError

SCOPE = Scope((35.5, 35.0, 37.5, 36.5), date(2020, 2, 1), date(2020, 3, 1), margin_days=10)


def _archive_rows() -> list[dict]:
    """Ten years of synthetic events, a third of them moved far outside the story's box; two bad rows."""
    rows = synthetic.synthetic_events(600, seed=3, iso_dates=True)
    start = date(2015, 1, 1)
    for i, row in enumerate(rows):
        day = start + timedelta(days=(i * 61) % 3650)
        if i % 7 == 0:
            day = date(2020, 2, 1) + timedelta(days=i % 29)  # some inside the story's dates
        row["event_date"] = day.isoformat()
        if i % 3 == 0:
            row["longitude"] = f"{float(row['longitude']) + 20:.4f}"  # another region
        row["year"] = str(day.year)
        row["region"] = "Far" if i % 3 == 0 else "Near"
    rows[14]["event_date"] = "not a date"  # inside the story's partitions: must be read and reported
    rows[14]["year"] = "2020"
    rows[21]["latitude"] = "95"  # out of range
    rows[21]["event_date"], rows[21]["year"] = "2020-02-10", "2020"
    return rows


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("archive")
    rows = _archive_rows()
    csv_path = folder / "events.csv"
    csv_path.write_text(synthetic.events_csv(rows), encoding="utf-8")  # year and region: columns of the first row
    con = duckdb.connect()
    table = f"read_csv('{csv_path}', all_varchar = true)"
    con.execute(f"COPY (SELECT * FROM {table}) TO '{folder / 'events.parquet'}' (FORMAT PARQUET)")
    con.execute(f"COPY (SELECT * FROM {table}) TO '{folder / 'partitioned'}' (FORMAT PARQUET, PARTITION_BY (year, region))")
    import geopandas as gpd
    import pandas as pd

    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    points = gpd.points_from_xy(pd.to_numeric(frame["longitude"]), pd.to_numeric(frame["latitude"]), crs="EPSG:4326")
    geo = gpd.GeoDataFrame(frame.drop(columns=["longitude", "latitude"]), geometry=points)
    geo.to_parquet(folder / "events.geoparquet", write_covering_bbox=True)
    return {
        "csv": csv_path,
        "file": folder / "events.parquet",
        "folder": folder / "partitioned",
        "geo": folder / "events.geoparquet",
    }


def _ids(events_set) -> set[str]:
    return {events_set.record(i)["event_id_cnty"] for i in range(len(events_set))}


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_parquet_finds_what_the_csv_reader_finds_with_the_same_problems(archive, kind):
    from_csv, from_parquet = load_csv(archive["csv"]), load_events(archive[kind])
    assert _ids(from_parquet) == _ids(from_csv) and len(from_parquet) == len(from_csv)
    assert from_parquet.problem_counts == from_csv.problem_counts == {"event_date": 1, "latitude": 1}
    assert {p.field for p in from_parquet.problems} == {"event_date", "latitude"}


def test_geoparquet_points_are_read_from_their_geometry(archive):
    from_geo, from_csv = load_events(archive["geo"]), load_csv(archive["csv"])
    # The row with latitude 95 cannot be a valid point in GeoParquet either: it is still read and reported.
    assert _ids(from_geo) == _ids(from_csv)
    i = next(i for i in range(len(from_geo)) if from_geo.record(i)["event_id_cnty"] == "SYN2")
    j = next(i for i in range(len(from_csv)) if from_csv.record(i)["event_id_cnty"] == "SYN2")
    assert (from_geo.lon[i], from_geo.lat[i]) == (from_csv.lon[j], from_csv.lat[j])


@pytest.mark.parametrize("kind", ["file", "folder", "geo"])
def test_a_story_reads_only_its_slice_and_says_how_many_were_left_out(archive, kind):
    expected = events.within(load_csv(archive["csv"]), SCOPE)
    sliced = load_events(archive[kind], SCOPE)
    assert _ids(sliced) == _ids(expected) and len(sliced) > 10
    assert sliced.outside_scope + len(sliced) + sliced.skipped_rows == expected.rows  # every row is counted
    assert sliced.rows < expected.rows / 3  # pushed down: most rows never reached Python
    assert sliced.problem_counts == {"event_date": 1, "latitude": 1}  # bad rows in the slice's partitions: read, reported
    assert sliced.scope_text == SCOPE.text


def test_partitions_outside_the_story_are_not_read(archive, tmp_path):
    import shutil

    folder = tmp_path / "partitioned"
    shutil.copytree(archive["folder"], folder)
    (folder / "year=2016" / "region=Near" / "broken.parquet").write_bytes(b"PAR1 not really parquet PAR1")
    sliced = load_events(folder, dataclasses.replace(SCOPE, bounds=None))
    assert len(sliced) > 10  # the broken file's year is outside the story: not read, and said
    assert "1 part file(s) of other years could not be counted" in sliced.scope_text
    with pytest.raises(GeoDataError, match=r"not readable as Parquet|broken\.parquet"):
        load_events(folder)  # the whole archive: the broken file is named


def test_bad_archives_get_clear_errors(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(GeoDataError, match=r"no \.parquet files"):
        load_events(empty)
    duckdb.connect().execute(f"COPY (SELECT 1 AS id, 'x' AS name) TO '{tmp_path / 'other.parquet'}' (FORMAT PARQUET)")
    with pytest.raises(GeoDataError, match=r"missing column\(s\): event_id_cnty, event_date"):
        load_events(tmp_path / "other.parquet")
    (tmp_path / "fake.parquet").write_bytes(b"PAR1" + b"\0" * 40)
    with pytest.raises(GeoDataError, match="not readable as Parquet"):
        load_events(tmp_path / "fake.parquet")


def test_a_parquet_file_is_recognised_by_its_bytes_not_its_name(archive, tmp_path):
    renamed = tmp_path / "export.csv"
    renamed.write_bytes(archive["file"].read_bytes())
    assert columnar.is_columnar(renamed) and not columnar.is_columnar(archive["csv"])
    assert len(load_events(renamed)) == len(load_csv(archive["csv"]))


def test_the_command_checks_a_partitioned_folder(archive, capsys):
    assert cli.main(["events", str(archive["folder"])]) == 1  # usable, with problems listed
    err = capsys.readouterr().err
    assert "event_date" in err and "latitude" in err


def test_reading_an_archive_prints_nothing_of_duckdbs_own(archive, monkeypatch):
    """DuckDB draws a progress bar on stdout for a scan longer than two seconds unless told not to (a 10M-row
    archive's read printed it into `mapapp events`' output): every connection the reader opens is told."""
    opened = []
    real = duckdb.connect

    def connect(*args, **kwargs):
        opened.append(real(*args, **kwargs))
        # on, as DuckDB has it by default in a plain process (an import made it off in this test process)
        opened[-1].execute("SET enable_progress_bar = true")
        return opened[-1]

    monkeypatch.setattr(duckdb, "connect", connect)
    columnar.read_columnar(archive["folder"], None)
    assert opened  # the reader's own connection first (the fast path's, closed by now, sets it too)
    assert opened[0].execute("SELECT current_setting('enable_progress_bar')").fetchone()[0] is False


@pytest.mark.parametrize("kind", ["file", "folder"])
@pytest.mark.parametrize("scope", [None, SCOPE])
def test_an_archive_checked_through_the_fast_path_is_what_row_by_row_gives(archive, kind, scope, monkeypatch):
    """Text columns: the slice goes to DuckDB's one-scan check through a temporary CSV; the rows, problems (each
    line the row in its part file), report and details are the row-by-row path's."""
    import numpy as np

    used = []
    real = columnar._slice_through_csv
    monkeypatch.setattr(columnar, "_slice_through_csv", lambda *a: used.append(real(*a)) or used[-1])
    quick = load_events(archive[kind], scope)
    assert used and used[0] is not None, "the fast path should read this archive"
    monkeypatch.setattr(columnar, "_slice_through_csv", lambda *a: None)
    slow = load_events(archive[kind], scope)
    for name in ("name", "digest", "rows", "columns", "types", "problem_counts", "report_omitted", "outside_scope"):
        assert getattr(quick, name) == getattr(slow, name), name
    for name in ("lon", "lat", "day", "row", "type_code"):
        assert np.array_equal(getattr(quick, name), getattr(slow, name)), name
    assert quick.problems == slow.problems and list(quick.details) == list(slow.details)
    assert any("line" in str(p) for p in quick.problems)


def test_an_archive_with_numbers_stored_as_doubles_is_checked_row_by_row(archive, tmp_path):
    """A DOUBLE's text from DuckDB's CSV writer may differ from Python's repr: such an archive keeps the
    row-by-row check (the same answer, slower)."""
    path = tmp_path / "typed.parquet"
    duckdb.sql(
        f"COPY (SELECT * REPLACE (CAST(latitude AS DOUBLE) AS latitude) FROM read_parquet('{archive['file']}')"
        f" WHERE latitude <> '95') TO '{path}' (FORMAT parquet)"
    )
    assert columnar.read_columnar(path).rows > 0  # read (row by row: the slice's fast path declines)
    con = duckdb.connect()
    source = f"read_parquet(['{path}'], filename = '__file', file_row_number = true)"
    types = {r[0]: str(r[1]).upper() for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    assert columnar._slice_through_csv(con, source, "true", "__file, file_row_number", ["latitude"], types, "x", "d") is None
