"""What an editor can do to a story folder's files, as plain data: each operation takes the folder's JSON
documents and returns the changed ones, with a sentence a reader of the history understands.

Operations never write: :class:`mapapp.edit.session.EditSession` validates what they return and saves it.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from typing import Any

from mapapp import settings
from mapapp.story.validate import Problem

PLACES = "places.geojson"
SOURCES = settings.SOURCES_FILE
Documents = dict[str, Any]  # file name -> parsed JSON


class EditError(ValueError):
    """An operation that cannot apply (an unknown id, a position off the globe); the message says why."""


def _feature(docs: Documents, fid: str, file: str = PLACES) -> dict:
    for feature in docs[file]["features"]:
        if (feature.get("properties") or {}).get("id") == fid:
            return feature
    raise EditError(f"{file}: no feature with id {fid!r}")


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 12742 * math.asin(math.sqrt(min(1.0, h)))


def _check_position(lon: float, lat: float) -> None:
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise EditError(f"{lon}, {lat} is not a longitude and latitude in degrees")


@dataclass(frozen=True)
class Accept:
    """The reviewer checked this place: its ``draft`` flag and its review note go."""

    fid: str

    def apply(self, docs: Documents) -> tuple[Documents, str]:
        out = copy.deepcopy(docs)
        props = _feature(out, self.fid)["properties"]
        props.pop("draft", None)
        props.pop("draft_review", None)
        return {PLACES: out[PLACES]}, f"accepted {props.get('name', self.fid)}"


@dataclass(frozen=True)
class Delete:
    """A wrong reading, or a name that is not a place: the feature goes (its passages' links stay checked),
    and so do the callouts written at it (a callout without its place would point at nothing)."""

    fid: str
    file: str = PLACES  # the layer file it is in

    def apply(self, docs: Documents) -> tuple[Documents, str]:
        out = copy.deepcopy(docs)
        feature = _feature(out, self.fid, self.file)
        out[self.file]["features"].remove(feature)
        changed: Documents = {self.file: out[self.file]}
        said = f"deleted {feature['properties'].get('name', self.fid)}"
        manifest = out.get(settings.MANIFEST_FILE) or {}
        callouts = manifest.get("callouts")
        if isinstance(callouts, list):
            kept = [c for c in callouts if not (isinstance(c, dict) and c.get("target") == self.fid)]
            if len(kept) != len(callouts):
                manifest["callouts"] = kept
                changed[settings.MANIFEST_FILE] = manifest
                said += f" and its callout{'s' if len(callouts) - len(kept) > 1 else ''}"
        return changed, said


@dataclass(frozen=True)
class Place:
    """Put a place at a position with its source: a click on the map for an unlocated name, a corrected
    reading (a gazetteer record), or a dragged point. ``source`` is a key of sources.json."""

    fid: str
    lon: float
    lat: float
    source: str
    precision: str = "approximate"
    precision_m: float = 2000
    source_text: str = ""
    geonameid: int | None = None

    def apply(self, docs: Documents) -> tuple[Documents, str]:
        _check_position(self.lon, self.lat)
        if self.source not in docs[SOURCES]:
            raise EditError(f"{SOURCES}: no source {self.source!r}; add it first")
        if self.precision not in ("exact", "approximate") or not 0 < self.precision_m <= settings.MAX_PRECISION_M:
            raise EditError(f"precision {self.precision!r} within {self.precision_m} m is not a position's precision")
        out = copy.deepcopy(docs)
        feature = _feature(out, self.fid)
        props, before = feature["properties"], feature.get("geometry")
        feature["geometry"] = {"type": "Point", "coordinates": [round(self.lon, 5), round(self.lat, 5)]}
        props.update(source=[self.source], precision=self.precision, precision_m=self.precision_m)
        props["source_text"] = self.source_text or f"placed in the editor from {self.source}"
        for stale in ("draft", "draft_review", "gazetteer_name", "country", "geonameid"):
            props.pop(stale, None)
        if self.geonameid is not None:
            props["geonameid"] = self.geonameid
        name = props.get("name", self.fid)
        if before and before.get("type") == "Point":
            km = _km(tuple(before["coordinates"]), (self.lon, self.lat))
            return {PLACES: out[PLACES]}, f"moved {name} {km:,.1f} km"
        return {PLACES: out[PLACES]}, f"placed {name} at {self.lat:.4f}, {self.lon:.4f} ({self.source})"


@dataclass(frozen=True)
class AddSource:
    """A source the story cites: title, publisher, URL, leaning (one of the story's leanings)."""

    key: str
    title: str
    url: str = ""
    publisher: str = ""
    leaning: str = "article"
    extra: dict = field(default_factory=dict)

    def apply(self, docs: Documents) -> tuple[Documents, str]:
        if not settings.ID_PATTERN.fullmatch(self.key):
            raise EditError(f"source key {self.key!r} {settings.ID_RULE}")
        if self.key in docs[SOURCES]:
            raise EditError(f"{SOURCES}: a source {self.key!r} exists already")
        if self.url and not self.url.startswith(("https://", "http://")):
            raise EditError(f"{self.url!r} is not a web address (https://...)")
        out = copy.deepcopy(docs)
        entry = {"title": self.title, "publisher": self.publisher, "leaning": self.leaning, **self.extra}
        if self.url:
            entry["url"] = self.url
        out[SOURCES][self.key] = entry
        return {SOURCES: out[SOURCES]}, f"added source {self.title}"


@dataclass(frozen=True)
class SetManifest:
    """A field of story.json: title, subtitle, outlet, credits, licence, a side's label, colour or legend words."""

    path: str  # "title" or "sides.government.colour"
    value: Any

    def apply(self, docs: Documents) -> tuple[Documents, str]:
        out = copy.deepcopy(docs)
        target = out[settings.MANIFEST_FILE]
        *parents, last = self.path.split(".")
        for part in parents:
            if not isinstance(target.get(part), dict):
                raise EditError(f"{settings.MANIFEST_FILE}: no field {self.path!r}")
            target = target[part]
        target[last] = self.value
        return {settings.MANIFEST_FILE: out[settings.MANIFEST_FILE]}, f"set {self.path} to {self.value!r}"


def contrast(colour: str, against: str = str(settings.BOUNDARY_STYLE["fillColor"])) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours (1 to 21); map symbols want 3:1 against the land."""

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(colour), luminance(against)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@dataclass(frozen=True)
class SetSide:
    """A side's name in running text, its colour and its legend words; the colour's contrast is said."""

    side: str
    label: str
    colour: str
    legend: str

    def apply(self, docs: Documents) -> tuple[Documents, str]:
        out = copy.deepcopy(docs)
        sides = out[settings.MANIFEST_FILE].get("sides") or {}
        if self.side not in sides:
            raise EditError(f"{settings.MANIFEST_FILE}: no side {self.side!r}")
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", self.colour):
            raise EditError(f"{self.colour!r} is not a colour (#rrggbb)")
        if not self.label.strip() or not self.legend.strip():
            raise EditError(f"side {self.side}: a reader needs its name and its legend words")
        sides[self.side] = {**sides[self.side], "label": self.label.strip(), "colour": self.colour.lower(),
                            "legend": self.legend.strip()}  # fmt: skip
        ratio = contrast(self.colour)
        said = f"side {self.side}: {self.label.strip()}, {self.colour.lower()} (contrast {ratio:.1f}:1 against the land"
        said += ")" if ratio >= 3 else "; below 3:1, hard to see on the map)"
        return {settings.MANIFEST_FILE: out[settings.MANIFEST_FILE]}, said


@dataclass(frozen=True)
class SetView:
    """The view a reader's map opens at: the editor's current map view."""

    lat: float
    lon: float
    zoom: int

    def apply(self, docs: Documents) -> tuple[Documents, str]:
        _check_position(self.lon, self.lat)
        if not 1 <= self.zoom <= 18:
            raise EditError(f"zoom {self.zoom} is not 1 to 18")
        out = copy.deepcopy(docs)
        out[settings.MANIFEST_FILE]["view"] = {"center": [round(self.lat, 4), round(self.lon, 4)], "zoom": int(self.zoom)}
        said = f"the map opens at {self.lat:.3f}, {self.lon:.3f}, zoom {self.zoom}"
        return {settings.MANIFEST_FILE: out[settings.MANIFEST_FILE]}, said


@dataclass(frozen=True)
class SetDates:
    """The story's timeline (first and last day a reader can move to) and the day its map opens at."""

    start: str
    end: str
    opens: str  # ``events_date``: the day of the story's events

    def apply(self, docs: Documents) -> tuple[Documents, str]:
        out = copy.deepcopy(docs)
        manifest = out[settings.MANIFEST_FILE]
        timeline = manifest.setdefault("timeline", {})
        timeline["start"], timeline["end"], manifest["events_date"] = self.start, self.end, self.opens
        said = f"timeline {self.start} to {self.end}, the map opens on {self.opens}"
        return {settings.MANIFEST_FILE: manifest}, said  # the manifest's own checks say what does not fit


@dataclass(frozen=True)
class SetCallout:
    """What happened at a feature, in a few words written on the map, from the passage that says it.

    A new callout when ``callout_id`` is empty; otherwise that callout's words, passage and dates change."""

    target: str
    text: str
    passage: str
    date: str = ""  # shown from (empty: whenever its target is drawn)
    date_to: str = ""
    callout_id: str = ""

    def apply(self, docs: Documents) -> tuple[Documents, str]:
        text = " ".join(self.text.split())
        if not text:
            raise EditError("a callout needs its words")
        out = copy.deepcopy(docs)
        manifest = out[settings.MANIFEST_FILE]
        callouts = manifest.setdefault("callouts", [])
        taken = {c.get("id") for c in callouts if isinstance(c, dict)}
        cid = self.callout_id or free_id(f"callout-{self.target}", taken)
        callout: dict[str, Any] = {"id": cid, "text": text, "target": self.target, "passage": self.passage}
        callout.update({k: v for k, v in (("date", self.date), ("date_to", self.date_to)) if v})
        if self.callout_id:
            at = next((i for i, c in enumerate(callouts) if isinstance(c, dict) and c.get("id") == cid), None)
            if at is None:
                raise EditError(f"{settings.MANIFEST_FILE}: no callout with id {cid!r}")
            callouts[at] = callout
        else:
            callouts.append(callout)
        return {settings.MANIFEST_FILE: manifest}, f"callout at {self.target}: “{text}”"


@dataclass(frozen=True)
class RemoveCallout:
    callout_id: str

    def apply(self, docs: Documents) -> tuple[Documents, str]:
        out = copy.deepcopy(docs)
        manifest = out[settings.MANIFEST_FILE]
        callouts = manifest.get("callouts") or []
        kept = [c for c in callouts if not (isinstance(c, dict) and c.get("id") == self.callout_id)]
        if len(kept) == len(callouts):
            raise EditError(f"{settings.MANIFEST_FILE}: no callout with id {self.callout_id!r}")
        manifest["callouts"] = kept
        return {settings.MANIFEST_FILE: manifest}, f"removed callout {self.callout_id}"


def free_id(base: str, taken: set) -> str:
    """``base``, or ``base-2``, ``base-3``… (the first not taken)."""
    n, cid = 1, base
    while cid in taken:
        n += 1
        cid = f"{base}-{n}"
    return cid


def review_items(docs: Documents) -> list[dict]:
    """The drafted places still to review, doubts first, then unlocated names, then placed readings."""
    items = []
    for feature in docs[PLACES]["features"]:
        props = feature.get("properties") or {}
        if not props.get("draft"):
            continue
        review = str(props.get("draft_review", ""))
        order = 0 if review.startswith("DOUBT") else 1 if feature.get("geometry") is None else 2
        items.append({"id": props["id"], "name": props.get("name", props["id"]), "review": review, "order": order,
                      "placed": feature.get("geometry") is not None})  # fmt: skip
    return sorted(items, key=lambda item: (item["order"], item["name"]))


def problems_by_field(problems: list[Problem]) -> dict[str, list[str]]:
    """Problems grouped as the page shows them next to their fields: ``file · feature · field`` → messages."""
    grouped: dict[str, list[str]] = {}
    for p in problems:
        grouped.setdefault(" · ".join(x for x in (p.file, p.feature, p.field) if x), []).append(p.message)
    return grouped
