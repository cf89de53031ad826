"""UCDP GED files (mapapp.events.ucdp): read as the same event rows as ACLED's, with UCDP's own codes kept."""

from __future__ import annotations

import csv
import io

from mapapp import cli, events

HEADER = [
    "id", "relid", "year", "type_of_violence", "conflict_name", "dyad_name", "side_a", "side_b", "source_article",
    "source_headline", "where_prec", "where_coordinates", "adm_1", "adm_2", "latitude", "longitude", "country",
    "date_prec", "date_start", "date_end", "best", "high", "low",
]  # fmt: skip
# Synthetic rows in GED's layout (not real events): a place, a district, a country-only row, a bad date.
ROWS = [
    ["900001", "SYR-2020-1-1", "2020", "1", "Syria: Government", "Government of Syria - Syrian insurgents",
     "Government of Syria", "Syrian insurgents", "synthetic test row", "synthetic headline 1", "1",
     "Saraqib town", "Idlib governorate", "Idlib district", "35.8645", "36.8059", "Syria", "1",
     "2020-02-27 00:00:00.000", "2020-02-27 00:00:00.000", "12", "20", "10"],
    ["900002", "SYR-2020-1-2", "2020", "3", "Syria: one-sided", "IS - civilians", "IS", "Civilians",
     "synthetic test row", "synthetic headline 2", "3", "Ariha district", "Idlib governorate", "Ariha district",
     "35.81", "36.61", "Syria", "2", "2020-02-20 00:00:00.000", "2020-02-24 00:00:00.000", "3", "3", "3"],
    ["900003", "SYR-2020-1-3", "2020", "2", "Syria: non-state", "A - B", "A", "B", "synthetic test row",
     "synthetic headline 3", "6", "Syria", "", "", "35.0", "38.5", "Syria", "4",
     "2020-02-01 00:00:00.000", "2020-02-29 00:00:00.000", "1", "1", "1"],
    ["900004", "SYR-2020-1-4", "2020", "1", "Syria: Government", "X - Y", "X", "Y", "synthetic test row",
     "synthetic headline 4", "1", "Somewhere", "", "", "35.5", "36.5", "Syria", "1", "not a date", "", "0", "0", "0"],
]  # fmt: skip


def ged_csv(rows=ROWS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def test_ged_rows_become_events_with_ucdp_s_codes_kept(monkeypatch, tmp_path):
    from mapapp import settings

    monkeypatch.setattr(settings, "PRIVATE_CACHE_DIR", tmp_path)
    loaded = events.read_events(ged_csv(), "ged.csv")
    assert loaded.rows == 4 and len(loaded) == 2
    assert set(loaded.types) == {"State-based conflict", "One-sided violence"}
    first = loaded.record(1)  # by date: the 27 February row comes second
    assert first["event_id_cnty"] == "UCDP-900001" and first["event_date"] == "2020-02-27"
    assert first["actor1"] == "Government of Syria" and first["fatalities"] == "12"
    assert (first["low"], first["high"]) == ("10", "20") and first["where_prec"] == "1 (exact place)"
    second = loaded.record(0)
    assert second["date_end"] == "2020-02-24" and second["geo_precision"] == "3"  # ADM2 is ACLED's 3
    fields = {p.field for p in loaded.problems}
    assert fields == {"where_prec", "event_date"}  # the country-only row and the bad date: said, not drawn
    country_only = next(p for p in loaded.problems if p.field == "where_prec")
    assert "the country only" in country_only.message and "UCDP-900003" in str(country_only)


def test_the_command_reads_a_ged_file(tmp_path, capsys):
    path = tmp_path / "ged.csv"
    path.write_bytes(ged_csv(ROWS[:2]))
    assert cli.main(["events", str(path)]) == 0
    assert "2 rows, 2 drawable" in capsys.readouterr().out
