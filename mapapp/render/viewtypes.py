"""The shapes of what the view model sends to a page (the Streamlit panel, and the published site's ``site.js``).

Declared once, as TypedDicts, so that mypy checks what :mod:`mapapp.render.viewmodel` builds; the site reads the
same keys (its format version is :data:`mapapp.contract.VIEW`: bump it when a shape here changes). Dates are ISO
``YYYY-MM-DD`` text everywhere in these shapes; days as numbers are only in the map's timeline and event files.
"""

from __future__ import annotations

from typing import Any, TypedDict


class SourceView(TypedDict):
    key: str
    leaning: str
    title: str
    publisher: str | None
    url: str | None


class ClaimView(TypedDict):
    """Another account: what a source says, beside the adopted one."""

    date: str  # "" when the claim gives no date
    text: str
    source: list[str]  # source keys
    source_text: str  # the sources by outlet and title


class StatusClaimView(TypedDict):
    date: str
    text: str
    sources: list[str]
    source_text: str


class ControlInterval(TypedDict):
    """Who held a place from one day to another."""

    side: str
    label: str
    phrase: str  # "held by government", "contested"
    since: str | None
    disputed: bool
    note: str
    claims: list[StatusClaimView]


class StateInterval(TypedDict):
    status: str
    words: str  # "cut", "held by opposition"


class HistoryEntry(TypedDict):
    """One change of control in a place's history."""

    date: str
    precision: str
    name: str
    before: str
    after: str
    claims: list[ClaimView]
    sources: list[SourceView]


class StateEntry(TypedDict):
    date: str
    status: str
    words: str
    note: str
    claims: list[ClaimView]


class DatedClaim(TypedDict):
    text: str
    source: str  # the sources' titles


class DatedView(TypedDict):
    date: str | None
    date_to: str | None
    claims: list[DatedClaim]


class _PlaceViewBase(TypedDict):
    id: str
    name: str
    layer: str
    panel: str | None
    draft: str | None
    facts: list[tuple[str, str]]
    sources: list[SourceView]
    passages: list[str]


class PlaceView(_PlaceViewBase, total=False):
    """Everything the place panel shows; which of the optional keys are there follows the kind's panel."""

    status: list[dict[str, Any]]  # ControlInterval or StateInterval, each with "from" and "to"
    history: list[HistoryEntry]
    states: list[StateEntry]
    dated: DatedView


class PassageDate(TypedDict):
    phrase: str
    date: str
    date_to: str | None


class PassageView(TypedDict):
    id: str
    kind: str
    speakers: list[str]
    dates: list[PassageDate]
    segments: list[tuple[str, list[str]]]  # the text cut at every mention, with the ids it refers to
    places: list[str]


class TimelineEntry(TypedDict):
    date: str  # when it happened
    day: str  # the day the map shows for it (clamped to the story's timeline)
    kind: str
    title: str
    places: list[str]


class StepView(TypedDict):
    passage: str
    day: str | None
    places: list[str]


Description = TypedDict("Description", {"from": str, "to": str, "text": str})
