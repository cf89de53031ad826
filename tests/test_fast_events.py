"""The fast path (DuckDB and vectorised checks, mapapp/events/fast.py) gives exactly what the row-by-row path gives:
the same problems (rows, lines, messages, counts, the report), the same drawn events and details."""

from __future__ import annotations

import tempfile

import numpy as np
import pytest

from mapapp import events, settings
from mapapp.events import fast, rows, store, suspect, synthetic

from .test_events import BAD_VALUES

# Every kind of bad row the checks know, and cells only the row-by-row path writes exactly (quotes, escapes,
# whitespace to strip, numbers Python prints otherwise).
ODD_VALUES = [
    ("notes", 'He said "no", twice'),
    ("notes", "back\\slash and tab\there"),
    ("notes", "  padded  "),
    ("notes", "trailing no-break space\u00a0"),
    ("actor1", "\u3000Ideographic space"),
    ("location", "Ünïcödé, ﬁne"),
    ("latitude", "35"),
    ("latitude", "35.5000"),
    ("longitude", "36.12000"),
    ("latitude", "1e1"),
    ("latitude", "0.00005"),
    ("longitude", "+36.5"),
    ("latitude", " 35.5 "),
    ("event_date", "27/02/2020"),
    ("event_date", " 2020-02-27 "),
    ("event_date", "27 february 2020"),
    ("fatalities", "007"),
    ("fatalities", "3.0"),
    ("fatalities", "1e400"),
    ("geo_precision", "2.0"),
    ("geo_precision", ""),
    ("event_type", "A type of our own"),
    ("event_id_cnty", " SYN1 "),
]


def _bad_rows(n: int = 400) -> list[dict]:
    data = synthetic.synthetic_events(n, seed=11)
    changes = [(f, v) for f, v, _words, _drawn in BAD_VALUES] + ODD_VALUES
    for i, (field, value) in enumerate(changes):
        data[5 + i * 7][field] = value
    data[300]["latitude"], data[300]["longitude"] = "0", "0.0"
    data[310]["event_id_cnty"] = data[20]["event_id_cnty"]  # duplicates: the first row is named
    data[320]["event_id_cnty"] = data[20]["event_id_cnty"]
    data[330]["event_id_cnty"] = data[12]["event_id_cnty"] + " "
    return data


def _same(path) -> events.EventSet:
    slow, quick = rows.load_csv(path), fast.load_csv_fast(path)
    assert quick is not None, "the fast path should read this file"
    for name in ("name", "digest", "rows", "columns", "types", "problem_counts", "report_omitted"):
        assert getattr(quick, name) == getattr(slow, name), name
    for name in ("lon", "lat", "day", "row", "type_code"):
        assert getattr(quick, name).dtype == getattr(slow, name).dtype
        assert np.array_equal(getattr(quick, name), getattr(slow, name)), name
    assert quick.problems == slow.problems
    assert list(quick.details) == list(slow.details)
    return quick


@pytest.fixture(autouse=True)
def _reports(monkeypatch, tmp_path):
    monkeypatch.setattr(settings, "PRIVATE_CACHE_DIR", tmp_path / "private")


def test_every_kind_of_bad_row_is_reported_exactly_as_row_by_row(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(synthetic.events_csv(_bad_rows()), encoding="utf-8")
    loaded = _same(path)
    kinds = {p.field for p in loaded.problems}
    assert kinds >= {"latitude", "longitude", "event_date", "event_id_cnty", "event_type", "fatalities", "geo_precision"}
    assert any("duplicate id (also row 21)" in p.message for p in loaded.problems)


def test_ragged_rows_keep_the_numbering_of_every_other_row(tmp_path):
    lines = synthetic.events_csv(_bad_rows()).splitlines()
    lines[40] += ",extra"
    lines[90] = lines[90].split(",", 3)[0]
    lines[91] += ",more,cells"
    path = tmp_path / "ragged.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    loaded = _same(path)
    assert [p.row for p in loaded.problems if p.field is None] == [40, 90, 91]


def test_line_numbers_follow_quoted_newlines(tmp_path):
    data = _bad_rows()
    data[3]["notes"] = "first line\nsecond line"
    data[50]["notes"] = "one\r\ntwo\nthree"
    path = tmp_path / "lines.csv"
    path.write_text(synthetic.events_csv(data), encoding="utf-8")
    _same(path)


def test_a_bounded_report_is_the_same_file(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "EVENT_PROBLEMS_PER_KIND", 3)
    monkeypatch.setattr(settings, "EVENT_REPORT_MAX_BYTES", 1_600)
    path = tmp_path / "capped.csv"
    path.write_text(synthetic.events_csv(_bad_rows()), encoding="utf-8")
    slow_report = rows.load_csv(path).report.read_bytes()
    quick = fast.load_csv_fast(path)
    assert quick is not None and quick.report_omitted > 0 and quick.report.read_bytes() == slow_report


@pytest.mark.parametrize(
    "text",
    [
        "\n",  # a blank line: no row
        ",,,,,,,,,,,,,,,,\n",  # a row of empty cells: no row either
        '1, "quoted after a space",2\n',
        "\x00\n",
    ],
)
def test_what_only_python_s_csv_reads_right_goes_row_by_row(tmp_path, text):
    lines = synthetic.events_csv(_bad_rows()).splitlines(keepends=True)
    path = tmp_path / "odd.csv"
    path.write_text("".join(lines[:30]) + text + "".join(lines[30:]), encoding="utf-8")
    slow = rows.load_csv(path)
    loaded = events.load_events(path)
    assert loaded.problems == slow.problems and list(loaded.details) == list(slow.details)


def test_scoped_events_share_the_details_file(tmp_path):
    path = tmp_path / "good.csv"
    path.write_text(synthetic.events_csv(synthetic.synthetic_events(200, seed=2)), encoding="utf-8")
    loaded = fast.load_csv_fast(path)
    assert loaded is not None
    scope = events.Scope(None, events.day_to_date(int(loaded.day[50])), events.day_to_date(int(loaded.day[150])), 0)
    assert list(events.within(loaded, scope).details) == list(events.within(rows.load_csv(path), scope).details)


# --- one scan: duplicates and ragged rows found in it, then a second scan knowing them --------------------------


def _scans(monkeypatch) -> list[bool]:
    """Records each scan of the fast path: whether it already knew the repeated ids and ragged rows."""
    seen: list[bool] = []
    read = fast._Reader.read

    def counted(self):
        seen.append(self.known is not None)
        return read(self)

    monkeypatch.setattr(fast._Reader, "read", counted)
    return seen


def test_the_whitespace_str_strip_removes_is_the_constant():
    assert "".join(c for c in map(chr, range(0x110000)) if c.isspace()) == suspect.WHITESPACE


def test_a_clean_file_is_scanned_once(tmp_path, monkeypatch):
    seen = _scans(monkeypatch)
    path = tmp_path / "clean.csv"
    path.write_text(synthetic.events_csv(synthetic.synthetic_events(300, seed=5)), encoding="utf-8")
    _same(path)
    assert seen == [False]


def test_duplicate_ids_in_later_batches_are_found_in_the_scan(tmp_path, monkeypatch):
    """Batches of 64 rows: a repeat far from its first row, across batches, a stripped id equal to a clean one."""
    monkeypatch.setattr(fast, "BATCH", 64)
    seen = _scans(monkeypatch)
    data = synthetic.synthetic_events(700, seed=6)
    data[650]["event_id_cnty"] = data[3]["event_id_cnty"]
    data[651]["event_id_cnty"] = "\u3000" + data[200]["event_id_cnty"]  # strip() makes it the same id
    data[652]["event_id_cnty"] = data[3]["event_id_cnty"]
    path = tmp_path / "dups.csv"
    path.write_text(synthetic.events_csv(data), encoding="utf-8")
    loaded = _same(path)
    assert seen == [False, True]
    messages = [(p.row, p.message) for p in loaded.problems]
    assert messages == [
        (651, "duplicate id (also row 4)"),
        (652, "duplicate id (also row 201)"),
        (653, "duplicate id (also row 4)"),
    ]


def test_ragged_rows_across_batches_keep_the_numbering(tmp_path, monkeypatch):
    monkeypatch.setattr(fast, "BATCH", 64)
    seen = _scans(monkeypatch)
    lines = synthetic.events_csv(_bad_rows()).splitlines()
    lines[70] += ",extra"
    lines[200] = lines[200].split(",", 5)[0]
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = _same(path)
    assert seen == [False, True]
    assert [p.row for p in loaded.problems if p.field is None] == [70, 200]


# --- what DuckDB's CSV reader and Python's csv module must read alike, or the file goes row by row ---------------


@pytest.mark.parametrize(
    "field, value",
    [
        ("notes", 'a "quoted" word'),  # in the file: "a ""quoted"" word"
        ("notes", "comma, inside"),
        ("notes", "line one\nline two"),
        ("notes", "windows\r\nline end inside"),
        ("notes", "NULL"),
        ("actor2", "NULL"),
        ("notes", "tab\tinside"),
        ("notes", "unit\x1fseparator"),
        ("notes", "delete \x7f kept"),
        ("notes", "\u00a0no-break at the start"),
        ("location", "ends with a thin space\u2009"),
        ("location", "Ḥalab (non-ASCII, no space at the edges)"),
        ("admin1", "'single quotes'"),
        ("source", "ends with a backslash\\"),
        ("event_type", "Battles "),
        ("fatalities", " 3"),
        ("latitude", "-0"),
        ("longitude", "36.0000000000001"),
    ],
)
def test_cells_only_python_writes_exactly_are_the_same(tmp_path, field, value):
    data = synthetic.synthetic_events(120, seed=8)
    data[40][field] = value
    path = tmp_path / "cells.csv"
    path.write_text(synthetic.events_csv(data), encoding="utf-8")
    _same(path)


def test_a_byte_order_mark_and_crlf_line_ends_read_the_same(tmp_path):
    data = _bad_rows()
    data[60]["notes"] = "two\r\nlines"
    text = synthetic.events_csv(data).replace("\n", "\r\n").replace("two\r\r\nlines", "two\r\nlines")
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    _same(path)


def test_no_line_end_after_the_last_row(tmp_path):
    path = tmp_path / "no-end.csv"
    path.write_text(synthetic.events_csv(_bad_rows()).rstrip("\n"), encoding="utf-8")
    _same(path)


@pytest.mark.parametrize(
    "text",
    [
        'x,"a lone\rcarriage return"\n',  # Python's csv counts it as a line end, DuckDB does not
        "\n\n",  # blank lines
        '"an unterminated quote\n',
    ],
)
def test_what_the_fast_path_cannot_number_falls_back(tmp_path, text):
    lines = synthetic.events_csv(_bad_rows()).splitlines(keepends=True)
    path = tmp_path / "odd.csv"
    path.write_text("".join(lines[:30]) + text + "".join(lines[30:]), encoding="utf-8", newline="")
    assert fast.load_csv_fast(path) is None
    slow = rows.load_csv(path)
    loaded = events.load_events(path)
    assert loaded.problems == slow.problems and list(loaded.details) == list(slow.details)


def test_a_cell_past_the_csv_field_limit_falls_back_to_the_same_refusal(tmp_path):
    import csv

    from mapapp.story.validate import GeoDataError

    data = synthetic.synthetic_events(50, seed=9)
    data[20]["notes"] = "x" * 3000
    path = tmp_path / "long.csv"
    path.write_text(synthetic.events_csv(data), encoding="utf-8")
    old = csv.field_size_limit(2000)
    try:
        assert fast.load_csv_fast(path) is None
        with pytest.raises(GeoDataError) as slow:
            rows.load_csv(path)
        with pytest.raises(GeoDataError) as quick:
            events.load_events(path)
        assert str(quick.value) == str(slow.value)
    finally:
        csv.field_size_limit(old)


def test_the_report_is_renamed_to_the_file_s_digest(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(synthetic.events_csv(_bad_rows()), encoding="utf-8")
    quick = fast.load_csv_fast(path)
    assert quick is not None and quick.report == rows.load_csv(path).report
    assert not list(quick.report.parent.glob(".*tmp")) and not list(quick.report.parent.glob("*pending*"))


def test_duckdb_prints_a_coordinate_as_python_does():
    """The details of a row not checked one by one take the coordinates as DuckDB prints them: the same as repr."""
    import random

    import duckdb
    import pyarrow as pa

    rng = random.Random(3)
    texts = ["0", "-0", "0.0", "-0.000", "0.0001", "-0.0001", "180", "180.000000000000", "179.999999999999", "35.5470", "100"]
    while len(texts) < 50_000:
        whole = rng.choice([0, rng.randint(1, 9), rng.randint(10, 99), rng.randint(100, 180)])
        decimals = "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 12)))
        text = ("-" if rng.random() < 0.5 else "") + str(whole) + ("." + decimals if decimals else "")
        if float(text) == 0 or abs(float(text)) >= 1e-4:
            texts.append(text)
    con = duckdb.connect()
    con.register("numbers", pa.table({"i": range(len(texts)), "t": texts}))
    printed = con.sql(f"SELECT {suspect._printed('t')} FROM numbers ORDER BY i").fetchall()
    assert [p for (p,) in printed] == [repr(float(t)) for t in texts]


def test_an_upload_is_checked_by_the_fast_path_under_its_own_name(tmp_path, monkeypatch):
    data = synthetic.events_csv(_bad_rows()).encode("utf-8")
    used = []
    real = fast.load_csv_fast

    def spy(path, progress=None, name=None):
        loaded = real(path, progress, name=name)
        used.append(loaded is not None)
        return loaded

    monkeypatch.setattr(store, "load_csv_fast", spy)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    quick = store._read_upload(data, "my export.csv", None)
    slow = rows.read_events(data, "my export.csv")
    assert used == [True]
    assert quick.name == "my export.csv" and quick.problems == slow.problems and quick.digest == slow.digest
    assert list(quick.details) == list(slow.details)
    assert all(p.file == "my export.csv" for p in quick.problems)
    assert not list(tmp_path.glob("mapapp-upload-*"))  # the private copy is gone


def test_an_upload_the_fast_path_cannot_read_is_read_row_by_row(tmp_path):
    data = synthetic.events_csv(synthetic.synthetic_events(50, seed=3)).replace("\n", "\n\n", 3).encode("utf-8")
    loaded = store._read_upload(data, "blank lines.csv", None)
    assert loaded.rows == rows.read_events(data, "blank lines.csv").rows == 50


def test_many_refused_lines_go_to_the_row_by_row_path_and_the_main_scan_keeps_none(tmp_path, monkeypatch):
    """DuckDB's rejects table costs ~14 KB a refused line (a million one-cell lines took 13 GB and 77 s): the main
    scan keeps none, a pass of their own finds a few, and more than REJECTS_LIMIT are read row by row."""
    header = ",".join(synthetic.synthetic_events(1)[0])
    sql, _ = suspect.query(tmp_path / "x.csv", header.split(","), tuple(settings.EVENT_COLUMNS))
    assert "store_rejects" not in sql
    data = synthetic.synthetic_events(60, seed=5)
    text = synthetic.events_csv(data).splitlines()
    for i in range(2, 50, 4):  # 12 one-cell lines
        text[i] = "x"
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    monkeypatch.setattr(fast, "REJECTS_LIMIT", 20)
    few = _same(path)
    assert few.problem_counts and few.rows == 60
    monkeypatch.setattr(fast, "REJECTS_LIMIT", 10)
    assert fast.load_csv_fast(path) is None  # too many to look for: the caller reads it row by row
    assert events.load_events(path).problem_counts == few.problem_counts
