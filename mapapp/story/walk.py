"""The guided walk through the article: one step per body passage, in the article's order.

Plain Python, so the app, a static site and the tests ask the same questions:
which steps there are, where a step takes the map (its places), which date it
sets (see :func:`step_day`) and what comes next.
Credits and page furniture are not steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mapapp.story.model import Story
from mapapp.story.validate import parse_iso_date


@dataclass(frozen=True)
class Step:
    """One step of the walk."""

    passage_id: str
    number: int  # from 1
    total: int
    day: date | None  # the passage's own date; None: the step keeps the date the reader has
    place_ids: tuple[str, ...]

    @property
    def progress(self) -> str:
        return f"{self.number} / {self.total}"


def walk_steps(story: Story) -> list[Step]:
    """Every body passage as a step, in order (computed once per story: the app asks on every rerun)."""
    return story.derived("walk-steps", lambda: _walk_steps(story))


def _walk_steps(story: Story) -> list[Step]:
    body = [p for p in story.passages if p.kind == "body"]
    steps = []
    for number, passage in enumerate(body, start=1):
        steps.append(Step(passage.id, number, len(body), step_day(passage.dates), tuple(story.places_in(passage.id))))
    return steps


def step_day(dates: list[dict]) -> date | None:
    """The date a step sets: the passage's first dated day; else the end of its first range.

    An open range ("since early February") is about the time up to the article's "now": jumping to its
    start showed a map from before the step's events, with none of its places drawn."""
    days = [parse_iso_date(d.get("date")) for d in dates if d.get("date_precision") == "day"]
    exact = next((d for d in days if d is not None), None)
    if exact is not None:
        return exact
    for entry in dates:
        day = parse_iso_date(entry.get("date_to")) or parse_iso_date(entry.get("date"))
        if day is not None:
            return day
    return None


def step_of(story: Story, passage_id: str | None) -> Step | None:
    """The step showing ``passage_id``, or None (not a step: credits, unknown id)."""
    return next((s for s in walk_steps(story) if s.passage_id == passage_id), None)


def step_from(story: Story, passage_id: str | None, delta: int) -> Step:
    """The step ``delta`` steps from ``passage_id`` (clamped to the first and last); the first when not walking."""
    steps = walk_steps(story)
    current = step_of(story, passage_id)
    if current is None:
        return steps[0]
    return steps[min(max(current.number - 1 + delta, 0), len(steps) - 1)]
