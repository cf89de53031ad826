"""A story's dated facts as typed records (mapapp.story.records), parsed once when the story loads."""

from __future__ import annotations

from datetime import date

from mapapp.story.records import Claim, State, claims_from, state_on, states_from


def test_states_are_parsed_once_sorted_with_their_claims_and_sources():
    raw = [
        {"date": "2020-02-27", "status": "cut", "source": "sana", "claims": [{"text": "cut on the 26th", "source": ["a", "b"],
                                                                           "date": "2020-02-26"}]},
        {"date": "2020-02-06", "status": "held", "by": "opposition", "source": ["x"], "note": "taken"},
        {"status": "open"},  # no date: not a state (validation refuses it before this)
    ]  # fmt: skip
    first, second = states_from(raw)
    assert first == State(date(2020, 2, 6), "held", "opposition", ("x",), "taken")
    assert second.day == date(2020, 2, 27) and second.sources == ("sana",)
    assert second.claims == (Claim("cut on the 26th", ("a", "b"), date(2020, 2, 26)),)


def test_the_state_on_a_day_is_the_last_one_dated_on_or_before_it():
    states = states_from([{"date": "2020-02-10", "status": "cut"}, {"date": "2020-02-20", "status": "open"}])
    assert state_on(states, date(2020, 2, 9)) is None
    assert state_on(states, date(2020, 2, 10)).status == "cut"
    assert state_on(states, date(2020, 2, 19)).status == "cut"
    assert state_on(states, date(2020, 3, 1)).status == "open"


def test_a_claim_says_itself_as_the_command_line_prints_it():
    (claim,) = claims_from([{"text": "retaken", "source": "sohr"}, "not a claim"])
    assert claim.day is None and claim.sources == ("sohr",)
    assert claim.as_dict() == {"date": "", "text": "retaken", "source": ["sohr"], "adopted": False}


def test_the_shipped_story_reads_records_not_properties(story):
    assert [s.status for s in story.states_of("m5-saraqeb")][:2] == ["cut", "open"]
    assert story.states_of("saraqeb") == () and story.claims_of("no-such-feature") == ()


def test_every_feature_is_a_typed_record_with_its_position_source_and_dates(story):
    import pytest

    saraqeb = story.record("saraqeb")
    assert (saraqeb.layer, saraqeb.kind, saraqeb.precision, saraqeb.geonameid) == ("places", "town", "exact", 164816)
    assert saraqeb.precision_m == 1500.0 and "Saraqib" in saraqeb.aliases and saraqeb.sources == ("geonames",)
    strike = story.record("inc-airstrike-2020-02-27")
    assert strike.day == date(2020, 2, 27) and strike.geometry.geom_type == "Point"
    segment = story.record("m5-saraqeb")
    assert segment.part_of == "m5" and story.record("m5").ref
    with pytest.raises(KeyError, match="unknown feature"):
        story.record("nowhere")
