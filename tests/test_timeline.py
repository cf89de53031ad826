"""Who held what on which date."""

from __future__ import annotations

from datetime import date

import pytest

from mapapp.story.records import state_on

STATUS_TABLE = [
    ("saraqeb", "2020-01-15", "opposition", False),
    ("saraqeb", "2020-02-05", "opposition", True),  # SANA says 5 Feb, others 6 Feb
    ("saraqeb", "2020-02-10", "government", False),
    ("saraqeb", "2020-02-26", "government", True),  # Wikipedia: retaken "by 26 February"
    ("saraqeb", "2020-02-27", "opposition", False),
    ("saraqeb", "2020-03-01", "opposition", True),  # Wikipedia: back on 1 March, Al-Masdar 2 March
    ("saraqeb", "2020-03-03", "government", False),
    ("kafr-nabl", "2020-02-24", "opposition", False),
    ("kafr-nabl", "2020-02-25", "government", True),  # SOHR reported it on the 26th
    ("kafr-nabl", "2020-02-27", "government", False),
    ("sufuhen", "2020-02-28", "government", False),
    ("sufuhen", "2020-03-01", "contested", False),
    ("ankara", "2020-02-27", "unknown", False),
]


@pytest.mark.parametrize("place_id, day, controller, disputed", STATUS_TABLE)
def test_status_at(story, place_id, day, controller, disputed):
    status = story.status(place_id, date.fromisoformat(day))
    assert (status.controller, status.disputed) == (controller, disputed)
    if controller != "unknown":
        assert status.sources


def test_disputed_status_lists_every_claim_with_its_source(story):
    status = story.status("saraqeb", date(2020, 2, 26))
    assert {key for c in status.claims for key in c.sources} >= {"wikipedia-m5"}
    assert any(c.adopted for c in status.claims) and any(c.day and not c.adopted for c in status.claims)
    said = status.as_dict()["claims"]  # the command line's JSON: dates as ISO text, sources as lists
    assert all(isinstance(c["date"], str) and isinstance(c["source"], list) for c in said)


def test_history_is_dated_and_ordered(story):
    dates = [c.date for c in story.history("saraqeb")]
    assert dates == sorted(dates) == [date(2020, 2, 6), date(2020, 2, 27), date(2020, 3, 2)]


@pytest.mark.parametrize(
    "day, status", [("2020-02-10", "cut"), ("2020-02-20", "open"), ("2020-02-27", "cut"), ("2020-03-03", "open")]
)
def test_m5_state_at_saraqeb(story, day, status):
    assert state_on(story.states_of("m5-saraqeb"), date.fromisoformat(day)).status == status


@pytest.mark.parametrize("day, status", [("2020-02-20", "operating"), ("2020-02-27", "besieged")])
def test_sheer_maghar_post(story, day, status):
    assert state_on(story.states_of("op-11-sheer-maghar"), date.fromisoformat(day)).status == status


def test_the_m5_is_cut_at_saraqeb_only(story):
    from datetime import date

    from mapapp.story.states import layer_states

    def states(day):
        return {s.id: s.status for s in layer_states(story, "highways", day)}

    assert states(date(2020, 2, 10))["m5"] == states(date(2020, 2, 10))["m5-saraqeb"] == "cut"  # in sections, before 11 Feb
    assert states(date(2020, 2, 27))["m5"] == "open" and states(date(2020, 2, 27))["m5-saraqeb"] == "cut"
    assert states(date(2020, 3, 2))["m5-saraqeb"] == "open"
    segment = story.layers["highways"].loc["m5-saraqeb"]
    assert segment["part_of"] == "m5" and segment.geometry.within(
        story.layers["highways"].loc["m5"].geometry.buffer(2e-5)
    )  # both rounded to 5 decimals
