"""What the geoparser finds: each name as written (:class:`Occurrence`), each drafted feature with its reading
and alternatives (:class:`Found`), and the article's result (:class:`Geoparse`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from mapapp.draft.gazetteer import Record


@dataclass
class Occurrence:
    """A name as written in one passage."""

    passage: str
    start: int
    end: int
    text: str
    cue: bool  # preceded by a place word
    settlement: bool = False  # "the town of X": a settlement, whatever else the article calls X


@dataclass
class Found:
    """One drafted feature: a gazetteer place, a named feature without geometry, or an unlocated name."""

    key: str  # what groups the spellings (gazetteer id, feature phrase, or name)
    kind: str  # town/city/village/place, or a feature kind (river, region, road...)
    status: str  # "placed", "feature", "unlocated"
    spellings: list[str] = field(default_factory=list)
    occurrences: list[Occurrence] = field(default_factory=list)
    record: Record | None = None
    match: str = ""  # exact / loose
    alternatives: list[Record] = field(default_factory=list)
    note: str = ""
    base_name: str = ""  # a feature's name without its feature word ("Tigris" of "the Tigris River")


@dataclass
class Geoparse:
    places: list[Found]
    countries: Counter  # ISO code → weight of the article's evidence
    skipped: list[tuple[str, str]]  # (name, why) for review
    metonyms: list[Found]
