"""The guided walk's steps (mapapp.story.walk): which passages, which places, which date."""

from __future__ import annotations

from datetime import date

import pytest

from mapapp.story.walk import step_day, walk_steps


@pytest.mark.parametrize(
    "dates, expected",
    [
        ([{"date": "2020-02-27", "date_precision": "day"}], date(2020, 2, 27)),
        # "since early February": the range's end, not its start (a map from before the step's events)
        ([{"date": "2020-02-01", "date_to": "2020-02-27", "date_precision": "range"}], date(2020, 2, 27)),
        # a dated day wins over a range mentioned first
        (
            [
                {"date": "2020-02-01", "date_to": "2020-02-20", "date_precision": "range"},
                {"date": "2020-02-27", "date_precision": "day"},
            ],
            date(2020, 2, 27),
        ),
        ([{"date": "2020-02", "date_precision": "month"}], None),  # not a day: the step keeps the reader's date
        ([], None),
    ],
)
def test_a_step_sets_the_day_its_passage_is_about(dates, expected):
    assert step_day(dates) == expected


def test_the_shipped_walk_opens_on_the_story_day_and_steps_through_body_passages(story):
    steps = walk_steps(story)
    assert [s.number for s in steps] == list(range(1, len(steps) + 1)) and steps[0].total == len(steps)
    assert {s.passage_id for s in steps} <= story.article.passage_ids
    p03 = next(s for s in steps if s.passage_id == "p03")  # "since early February"
    assert p03.day == story.manifest.events_date
