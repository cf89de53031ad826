"""The fast path (DuckDB and vectorised checks, mapapp/events/fast.py) gives exactly what the row-by-row path gives:
the same problems (rows, lines, messages, counts, the report), the same drawn events and details."""

from __future__ import annotations

import numpy as np
import pytest

from mapapp import events, settings
from mapapp.events import fast, rows, synthetic

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
