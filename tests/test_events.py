"""The ACLED CSV loader, its publishing for the map, and the synthetic generator."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import date

import numpy as np
import pytest

from mapapp import cli, events, settings
from mapapp.events import synthetic
from mapapp.story.validate import GeoDataError

from .conftest import SHIPPED

GOOD_ROWS = 5


def csv_text(rows: list[dict]) -> str:
    return synthetic.events_csv(rows)


@pytest.fixture
def rows() -> list[dict]:
    return synthetic.synthetic_events(GOOD_ROWS, seed=1)


# field, bad value, words the problem must contain, whether the row is still drawn
BAD_VALUES = [
    ("latitude", "", "missing", False),
    ("latitude", "35,9", "not a number", False),
    ("latitude", "95.2", "outside -90..90", False),
    ("longitude", "-181", "outside -180..180", False),
    ("longitude", "nan", "not a number", False),
    ("event_date", "", "missing", False),
    ("event_date", "2020-02-30", "not a date", False),
    ("event_date", "Feb 27, 2020", "not a date", False),
    ("event_id_cnty", "", "empty event id", True),
    ("event_type", "", "empty event type", True),
    ("fatalities", "-1", "whole number", True),
    ("fatalities", "2.5", "whole number", True),
    ("geo_precision", "7", "not 1, 2 or 3", True),
]


@pytest.mark.parametrize("field, value, words, drawn", BAD_VALUES)
def test_a_bad_value_is_reported_with_its_row_and_line(rows, field, value, words, drawn):
    rows[2][field] = value  # data row 3, line 4 (the header is line 1)
    loaded = events.read_events(csv_text(rows).encode(), "acled.csv")
    assert len(loaded.problems) == 1
    problem = loaded.problems[0]
    assert (problem.row, problem.line, problem.field) == (3, 4, field)
    assert words in problem.message
    assert str(problem).startswith("acled.csv, feature row 3 (line 4")
    assert len(loaded) == GOOD_ROWS - (0 if drawn else 1)
    assert loaded.rows == GOOD_ROWS
    assert ("row not drawn" in problem.message) == (not drawn)


def test_zero_zero_is_a_placeholder_not_a_place(rows):
    rows[0]["latitude"], rows[0]["longitude"] = "0", "0"
    loaded = events.read_events(csv_text(rows).encode())
    assert [(p.row, p.field) for p in loaded.problems] == [(1, "latitude")]
    assert "placeholder" in loaded.problems[0].message and len(loaded) == GOOD_ROWS - 1


def test_duplicate_ids_name_the_first_row(rows):
    rows[3]["event_id_cnty"] = rows[1]["event_id_cnty"]
    loaded = events.read_events(csv_text(rows).encode())
    assert [(p.row, p.message) for p in loaded.problems] == [(4, "duplicate id (also row 2)")]


def test_line_numbers_follow_quoted_newlines(rows):
    rows[0]["notes"] = "first line\nsecond line"
    rows[1]["latitude"] = "x"
    loaded = events.read_events(csv_text(rows).encode())
    assert [(p.row, p.line) for p in loaded.problems] == [(2, 4)]  # row 1 spans lines 2-3
    assert any(loaded.record(i)["notes"] == "first line\nsecond line" for i in range(len(loaded)))


def test_a_ragged_row_is_reported_not_guessed(rows):
    text = csv_text(rows).splitlines()
    text[2] += ",extra"
    loaded = events.read_events("\n".join(text).encode())
    assert [(p.row, p.field) for p in loaded.problems] == [(2, None)]
    assert "cells" in loaded.problems[0].message and len(loaded) == GOOD_ROWS - 1


def test_missing_columns_are_all_named_at_once(rows):
    for row in rows:
        del row["latitude"], row["notes"]
    with pytest.raises(GeoDataError) as err:
        events.read_events(csv_text(rows).encode(), "export.csv")
    assert "problem(s) in the event file" in str(err.value)
    assert "export.csv, field 'latitude': missing column(s): latitude, notes" in str(err.value)


def test_a_file_that_is_not_utf8_is_rejected():
    with pytest.raises(GeoDataError, match="not UTF-8"):
        events.read_events("event_id_cnty,notes\nSYR1,caf\xe9\n".encode("latin-1"))


@pytest.mark.parametrize("text", ["2020-02-27", "27 February 2020", "27-February-2020", "27-02-2020", "27/02/2020"])
def test_acled_date_formats(text):
    assert str(events.parse_event_date(text)) == "2020-02-27"


def test_events_are_sorted_by_date_and_keep_every_column(rows):
    loaded = events.read_events(csv_text(rows).encode())
    assert np.all(np.diff(loaded.day) >= 0)
    by_id = {r["event_id_cnty"]: r for r in rows}
    for i in range(len(loaded)):
        record = loaded.record(i)
        source = by_id[record["event_id_cnty"]]
        assert record["notes"] == source["notes"] and record["actor1"] == source["actor1"]
        assert record["latitude"] == pytest.approx(float(source["latitude"]))
        assert events.day_to_date(loaded.day[i]).isoformat() == record["event_date"]


def test_publish_writes_points_details_and_manifest_once(tmp_path, rows):
    loaded = events.read_events(csv_text(rows).encode(), "x.csv")
    published = events.publish(loaded, tmp_path, "/cache")
    folder = tmp_path / f"events-{loaded.key}"
    assert (folder / "points.bin").stat().st_size == 13 * len(loaded)
    points = np.frombuffer((folder / "points.bin").read_bytes()[: 4 * len(loaded)], dtype="<f4")
    assert np.allclose(points, loaded.lon, atol=1e-5)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == published.manifest() and manifest["count"] == len(loaded)
    assert published.manifest_url == f"/cache/events-{loaded.key}/manifest.json"
    details = json.loads((folder / "details-0000.json").read_text(encoding="utf-8"))
    assert dict(zip(manifest["fields"], details[0], strict=False)) == loaded.record(0)
    mtime = (folder / "points.bin").stat().st_mtime_ns
    assert events.publish(loaded, tmp_path, "/cache") == published
    assert (folder / "points.bin").stat().st_mtime_ns == mtime  # not rewritten


def test_different_content_gets_different_files(rows):
    first = events.read_events(csv_text(rows).encode())
    rows[0]["notes"] = "changed"
    assert events.read_events(csv_text(rows).encode()).key != first.key


# --- the generator -------------------------------------------------------------------------


def test_generator_is_deterministic_and_valid():
    rows = synthetic.synthetic_events(300, seed=5)
    assert rows == synthetic.synthetic_events(300, seed=5)
    assert rows != synthetic.synthetic_events(300, seed=6)
    loaded = events.read_events(synthetic.events_csv(rows).encode())
    assert loaded.problems == [] and len(loaded) == 300
    assert set(settings.EVENT_COLUMNS) <= set(rows[0])
    first, last = loaded.day_range()
    assert SHIPPED.timeline_start <= first and last <= SHIPPED.timeline_end


def test_generator_stays_near_the_story_places_and_says_it_is_synthetic():
    places = synthetic.story_locations()
    assert places
    for row in synthetic.synthetic_events(200, seed=2):
        assert row["event_id_cnty"].startswith("SYN") and "not a real report" in row["notes"]
        assert row["source"] == synthetic.SOURCE
        near = min(abs(float(row["latitude"]) - p["lat"]) + abs(float(row["longitude"]) - p["lon"]) for p in places)
        assert near <= 0.1


def test_generator_writes_iso_dates_when_asked(tmp_path):
    path = synthetic.write_events_csv(tmp_path / "e.csv", 20, seed=3, iso_dates=True)
    dates = [r["event_date"] for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))]
    assert len(dates) == 20 and all(len(d) == 10 and d[4] == "-" for d in dates)


# --- the command line -------------------------------------------------------------------------


def test_cli_events_lists_bad_rows_and_exits_1(tmp_path, rows, capsys):
    rows[1]["event_date"] = "someday"
    (tmp_path / "e.csv").write_text(csv_text(rows), encoding="utf-8")
    assert cli.main(["events", str(tmp_path / "e.csv")]) == 1
    out = capsys.readouterr()
    assert "row 2 (line 3" in out.err and "event_date" in out.err
    assert f"{GOOD_ROWS} rows, {GOOD_ROWS - 1} drawable" in out.out


def test_cli_synth_then_events_is_clean(tmp_path, capsys):
    assert cli.main(["synth-events", "50", str(tmp_path / "s.csv"), "--seed", "9"]) == 0
    assert cli.main(["events", str(tmp_path / "s.csv")]) == 0
    assert "50 rows, 50 drawable" in capsys.readouterr().out


def test_cli_events_says_its_progress_on_a_long_file(tmp_path, capsys, monkeypatch):
    """Every PROGRESS_ROWS rows: rows read, problems so far, the share of the file, a time estimate (stderr)."""
    from mapapp.events import rows as event_rows

    monkeypatch.setattr(event_rows, "PROGRESS_ROWS", 100)
    assert cli.main(["synth-events", "450", str(tmp_path / "s.csv"), "--seed", "9"]) == 0
    assert cli.main(["events", str(tmp_path / "s.csv")]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if "rows read" in line]
    assert [line.split(": ", 1)[1].split(" rows")[0] for line in lines] == ["100", "200", "300", "400"]
    shares = [int(line.split("problem(s) so far, ")[1].split("%")[0]) for line in lines]
    assert shares == sorted(shares) and shares[0] > 0 and shares[-1] <= 100 and "s left" in lines[-1]


def test_cli_events_exits_2_on_a_file_it_cannot_use(tmp_path):
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert cli.main(["events", str(tmp_path / "bad.csv")]) == 2


def test_more_event_types_than_the_layer_can_draw_is_a_message_not_a_crash():
    rows = synthetic.synthetic_events(300, seed=9)
    for i, row in enumerate(rows):
        row["event_type"] = f"Type {i}"
    loaded = events.read_events(synthetic.events_csv(rows).encode())
    assert len(loaded.types) == 300 and loaded.problems == []
    result = events.publish_or_error(synthetic.events_csv(rows).encode(), "many-types.csv")
    assert isinstance(result, GeoDataError)
    assert "300 event types; at most 255 can be drawn" in str(result)


def test_cli_events_exits_2_on_a_file_the_app_would_refuse(tmp_path, capsys):
    rows = synthetic.synthetic_events(300, seed=9)
    for i, row in enumerate(rows):
        row["event_type"] = f"Type {i}"
    (tmp_path / "many-types.csv").write_text(synthetic.events_csv(rows), encoding="utf-8")
    assert cli.main(["events", str(tmp_path / "many-types.csv")]) == 2
    assert "at most 255 can be drawn" in capsys.readouterr().err


# --- bounded memory, full reports, spreadsheet-safe exports (issue: reliability) -----------------


def test_problems_are_bounded_per_kind_counted_exactly_and_all_written_to_the_report(monkeypatch, tmp_path, rows):
    monkeypatch.setattr(settings, "PRIVATE_CACHE_DIR", tmp_path)
    monkeypatch.setattr(settings, "EVENT_PROBLEMS_PER_KIND", 10)
    bad = [dict(rows[0], event_id_cnty=f"BAD{i}", latitude="") for i in range(250)]
    loaded = events.read_events(csv_text(rows + bad).encode(), "acled.csv")
    assert loaded.problem_counts == {"latitude": 250}
    assert len(loaded.problems) == 10  # kept in memory
    with loaded.report.open(encoding="utf-8", newline="") as fh:
        report = list(csv.DictReader(fh))
    assert len(report) == 250 and report[-1]["row"] == str(GOOD_ROWS + 250)
    published = events.publish(loaded, tmp_path / "cache", "/c")
    assert published.problem_total == 250 and published.problems_not_listed == 240
    assert str(loaded.report).startswith(str(tmp_path)) and "static" not in loaded.report.parts  # never served


def test_a_report_stops_at_its_cap_and_says_exactly_what_it_left_out(monkeypatch, tmp_path, rows):
    monkeypatch.setattr(settings, "PRIVATE_CACHE_DIR", tmp_path)
    monkeypatch.setattr(settings, "EVENT_REPORT_MAX_BYTES", 20_000)
    bad = [dict(rows[0], event_id_cnty=f"BAD{i}", latitude="") for i in range(2000)]
    loaded = events.read_events(csv_text(rows + bad).encode(), "acled.csv")
    assert loaded.report.stat().st_size <= 20_000
    with loaded.report.open(encoding="utf-8", newline="") as fh:
        report = list(csv.DictReader(fh))
    written = len(report) - 1  # the last line says what was left out
    assert 0 < written < 2000 and loaded.report_omitted == 2000 - written
    assert f"{loaded.report_omitted:,} more problem(s) not written" in report[-1]["problem"]
    assert "latitude: 2,000" in report[-1]["problem"]  # the exact counts, by field
    published = events.publish(loaded, tmp_path / "cache", "/c")
    assert published.report_omitted == loaded.report_omitted and published.problem_total == 2000


def test_reports_are_pruned_least_recently_used_first_and_never_within_the_grace(monkeypatch, tmp_path):
    monkeypatch.setattr(settings, "EVENT_REPORTS_MAX_BYTES", 2500)
    now = 1_000_000_000.0
    for i, age in enumerate((9000, 8000, 7000, 10)):  # seconds since last use; the newest is in use
        report = tmp_path / f"problems-{i}.csv"
        report.write_bytes(b"x" * 1000)
        os.utime(report, (now - age, now - age))
    removed = events.evict_reports(tmp_path, now=now)
    assert removed == ["problems-0.csv", "problems-1.csv"]  # 4000 bytes to 2000: the two oldest go
    assert sorted(p.name for p in tmp_path.iterdir()) == ["problems-2.csv", "problems-3.csv"]


def test_a_cp1252_file_is_refused_with_its_line_number():
    data = "event_id_cnty,notes\nSYR1,ok\nSYR2,caf\xe9\n".encode("cp1252")
    with pytest.raises(GeoDataError, match=r"line 3 is not UTF-8 \(byte 0xe9"):
        events.read_events(data, "acled.csv")


def test_a_headers_only_file_says_no_rows(tmp_path, capsys, rows):
    path = tmp_path / "empty.csv"
    path.write_text(csv_text(rows).splitlines()[0] + "\n", encoding="utf-8")
    assert cli.main(["events", str(path)]) == 1
    out = capsys.readouterr().out
    assert "no rows" in out and "1970" not in out


PAYLOADS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]
# What spreadsheets also read as formulas: leading spaces or a line break (trimmed on import), the full-width
# sign (Excel, East Asian locales), a byte-order mark or a zero-width space in front (invisible).
PAYLOADS += [" =1+1", "\n=1+1", "\uff1dSUM(A1)", "\ufeff=1+1", "\u200b@SUM(A1)", "\u00a0+1+1", "\u2212 1+1"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_csv_exports_neutralise_formulas_and_keep_numbers(payload):
    from mapapp.story import tables

    text = tables.csv_text([{"event": payload, "longitude": "-12.5", "note": "plain"}])
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["event"] == "'" + payload
    assert row["longitude"] == "-12.5" and row["note"] == "plain"


@pytest.mark.parametrize("text", ["plain", "a = b", "1990-2000", "-12.5", " 42", "Kafr Nabl"])
def test_csv_exports_leave_text_that_is_no_formula_alone(text):
    from mapapp.story import tables

    assert tables.safe_cell(text) == text


def test_the_problem_report_is_spreadsheet_safe(monkeypatch, tmp_path, rows):
    monkeypatch.setattr(settings, "PRIVATE_CACHE_DIR", tmp_path)
    bad = [dict(rows[0], event_id_cnty=p, latitude="") for p in PAYLOADS]
    loaded = events.read_events(csv_text(rows + bad).encode(), "acled.csv")
    with loaded.report.open(encoding="utf-8", newline="") as fh:
        ids = [r["event"] for r in csv.DictReader(fh)]
    from mapapp.story import tables

    # Ids are trimmed when read ("\tTAB" is "TAB"); every id left that a spreadsheet would run is quoted.
    assert len(ids) >= len(PAYLOADS) and all(i.startswith("'") or tables.safe_cell(i) == i for i in ids), ids


def test_an_upload_is_published_under_a_random_name_a_server_file_under_its_hash(monkeypatch, tmp_path, rows):
    monkeypatch.setattr(settings, "CACHE_DIR", tmp_path)
    data = csv_text(rows).encode()
    loaded = events.read_events(data, "acled.csv")
    a = events.publish(loaded, tmp_path, "/c", private=True)
    b = events.publish(loaded, tmp_path, "/c", private=True)
    assert a.manifest_url != b.manifest_url and loaded.key not in a.manifest_url.split("/")[-2].split("-", 2)[-1]
    assert events.publish(loaded, tmp_path, "/c").manifest_url == events.publish(loaded, tmp_path, "/c").manifest_url


def test_the_cache_evicts_least_recently_used_folders_but_never_recent_ones(monkeypatch, tmp_path):
    import os
    import time

    monkeypatch.setattr(settings, "EVENT_CACHE_MAX_BYTES", 2500)
    now = time.time()
    for i, age_h in enumerate([10, 5, 3, 0.1]):  # four 1,000-byte datasets, the last used six minutes ago
        folder = tmp_path / f"events-{i}"
        folder.mkdir()
        (folder / "points.bin").write_bytes(b"x" * 1000)
        os.utime(folder, (now - age_h * 3600, now - age_h * 3600))
    removed = events.evict_cache(tmp_path, now=now)
    assert removed == ["events-0", "events-1"]  # oldest first, until within 2,500 bytes
    monkeypatch.setattr(settings, "EVENT_CACHE_MAX_BYTES", 0)
    assert events.evict_cache(tmp_path, now=now) == ["events-2"]  # the one in use (within the grace) stays
    assert [p.name for p in tmp_path.iterdir()] == ["events-3"]


def test_only_the_story_s_region_and_dates_reach_the_map_and_the_rest_is_counted(rows):
    far = [dict(rows[0], event_id_cnty="FAR1", latitude="9.0", longitude="7.0", event_type="Protests")]  # Nigeria
    late = [dict(rows[0], event_id_cnty="LATE1", event_date="2023-01-01")]
    loaded = events.read_events(csv_text(rows + far + late).encode(), "acled.csv")
    scope = events.Scope((25.0, 29.0, 49.0, 42.5), date(2019, 12, 1), date(2020, 3, 6), margin_days=30)
    kept = events.within(loaded, scope)
    assert kept.outside_scope == 2 and len(kept) == len(loaded) - 2
    assert "FAR1" not in "".join(kept.details) and "LATE1" not in "".join(kept.details)
    # each kept event keeps its type under the renumbered codes ("Protests" was only the far event's)
    assert all(kept.types[kept.type_code[i]] == kept.record(i)["event_type"] for i in range(len(kept)))
    assert "Protests" in loaded.types and "Protests" not in kept.types
    assert "2019-11-01 to 2020-04-05" in kept.scope_text
    assert kept.key != loaded.key  # another selection, other published files
    assert events.within(loaded, None) is loaded


def test_a_published_upload_gives_its_memory_back(tmp_path):
    """After an upload is read row by row and published (the path of a file the DuckDB scan cannot read, which
    leaves the most garbage behind: a Python object per cell), the server's process returns the freed heap to
    the system (malloc_trim): measured against the same work without it, in two fresh processes."""
    import subprocess
    import sys

    script = (
        "import re, sys\n"
        "from mapapp.events import synthetic, store\n"
        "store.load_csv_fast = lambda *args, **kwargs: None\n"
        "if sys.argv[1] == 'off':\n    store.release_freed_memory = lambda: None\n"
        "data = synthetic.events_csv(synthetic.synthetic_events(150_000, seed=2)).encode()\n"
        "store.publish_or_error(data, 'upload.csv')\n"
        "del data\n"
        "print(int(re.search(r'VmRSS:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) // 1024)\n"
    )
    rss = {}
    for mode in ("on", "off"):
        done = subprocess.run(
            [sys.executable, "-c", script, mode], check=True, capture_output=True, text=True, cwd=settings.REPO_DIR
        )
        rss[mode] = int(done.stdout.strip().splitlines()[-1])
    assert rss["on"] < rss["off"] - 8, rss
