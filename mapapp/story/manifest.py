"""The story manifest (``story.json``): everything about a story that is not a feature.

Title, outlet, credits and licence; the events and publication dates; the
timeline's range; the region used to catch misplaced coordinates; the default
view; the sides that can hold ground, with their colours and legend words; the
layer kinds present, with their labels; extra page-furniture patterns for the
article. Nothing story-specific lives in the code: a new story is a new folder.

:func:`load_manifest` reports every problem with the field's path
(``sides.north.colour``), like the rest of the validation. The field list and
the defaults are documented in ``geodata/README.md``.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from mapapp import settings
from mapapp.story.jsonfile import read_json
from mapapp.story.layers import KINDS, UNKNOWN_LOOK
from mapapp.story.validate import Problem, is_number, parse_iso_date

MANIFEST_FILE = settings.MANIFEST_FILE
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,40}")
UNKNOWN_SIDE = "unknown"
FURNITURE_KINDS = ("video", "caption", "link", "advertisement", "sponsored", "timestamp", "credits", "banner")
# Named groups each furniture kind must capture.
FURNITURE_GROUPS = {"video": ("title",), "caption": ("title", "date"), "link": ("title",)}


@dataclass(frozen=True)
class Side:
    """A side that can hold ground: ``label`` in running text, ``legend`` beside its colour."""

    id: str
    label: str
    colour: str
    legend: str


@dataclass(frozen=True)
class LayerEntry:
    """A layer kind present in the story, with its labels (defaults from the registry)."""

    kind: str
    label: str
    short_label: str
    legend_title: str


@dataclass(frozen=True)
class FurniturePattern:
    """A page line matching ``pattern`` is furniture of ``kind`` (not a passage)."""

    kind: str
    pattern: re.Pattern[str]
    date_format: str | None = None  # captions: how their date group is written (strptime)


@dataclass(frozen=True)
class Callout:
    """What happened at a feature, in a few words, written on the map with a leader line to it.

    ``target`` is a feature id of any layer; ``passage`` the article paragraph that says it (its source).
    Shown while its target is drawn and, when given, only from ``starts`` to ``ends``."""

    id: str
    text: str
    target: str
    passage: str
    starts: date | None = None  # "date" in story.json
    ends: date | None = None  # "date_to"


@dataclass(frozen=True)
class Manifest:
    """A story's own facts, validated."""

    title: str
    events_date: date
    published: date
    timeline_start: date
    timeline_end: date
    sides: dict[str, Side]
    layers: dict[str, LayerEntry]
    subtitle: str = ""
    outlet: str = ""
    credits: str = ""
    licence: str = ""
    slug: str = "story"
    page_title: str = ""
    timeline_about: str = ""
    region: tuple[float, float, float, float] | None = None  # min lon, min lat, max lon, max lat
    region_about: str = ""
    center: tuple[float, float] = (0.0, 0.0)  # lat, lon
    zoom: int = settings.DEFAULT_ZOOM
    source_leanings: tuple[str, ...] = settings.SOURCE_LEANINGS
    furniture: tuple[FurniturePattern, ...] = ()
    terrain: Path | None = None  # a hillshade's JSON sidecar ({"bounds": [[s, w], [n, e]]}; the image beside it, .png)
    rivers: Path | None = None  # rivers and lakes, RFC 7946 GeoJSON drawn on the basemap
    callouts: tuple[Callout, ...] = ()  # what happened, written on the map (checked against layers and article)
    extra: dict[str, Any] = field(default_factory=dict)  # fields the app does not read, kept as written

    def side(self, side_id: str) -> Side:
        """The side ``side_id``; an undeclared id reads as unknown (validation reports it)."""
        return self.sides.get(side_id) or self.sides[UNKNOWN_SIDE]

    def label(self, kind: str) -> str:
        return self.layers[kind].label

    def clamp(self, day: date) -> date:
        """``day`` within the timeline."""
        return min(max(day, self.timeline_start), self.timeline_end)


_KNOWN_FIELDS = {
    "title", "subtitle", "page_title", "slug", "outlet", "credits", "licence", "events_date", "published",
    "timeline", "region", "view", "sides", "layers", "source_leanings", "furniture", "basemap", "callouts",
}  # fmt: skip


def load_manifest(data_dir: Path) -> tuple[Manifest | None, list[Problem]]:
    """Read and check ``story.json``; None (with the problems) when it cannot be used at all."""

    path = Path(data_dir) / MANIFEST_FILE
    if not path.exists():
        return None, [
            Problem(MANIFEST_FILE, f"not found in {data_dir}: every story folder needs a manifest (see geodata/README.md)")
        ]
    raw, problems = read_json(path)
    if problems:
        return None, problems
    if not isinstance(raw, dict):
        return None, [Problem(MANIFEST_FILE, "must be a JSON object")]
    manifest, problems = parse_manifest(raw)
    terrain, rivers, basemap_problems = _basemap_files(Path(data_dir), raw.get("basemap"))
    return dataclasses.replace(manifest, terrain=terrain, rivers=rivers), problems + basemap_problems


def _basemap_files(data_dir: Path, spec: Any) -> tuple[Path | None, Path | None, list[Problem]]:
    """``basemap.terrain`` and ``basemap.rivers``: files inside the story folder, checked to exist."""
    if spec is None:
        return None, None, []
    if not isinstance(spec, dict):
        return None, None, [Problem(MANIFEST_FILE, "must be an object {terrain, rivers}", field="basemap")]
    found: dict[str, Path | None] = {"terrain": None, "rivers": None}
    problems = []
    for key in found:
        value = spec.get(key)
        if value is None:
            continue
        path = (data_dir / value).resolve() if isinstance(value, str) else None
        if path is None or not path.is_relative_to(data_dir.resolve()):
            problems.append(
                Problem(MANIFEST_FILE, f"must be a path inside the story folder, got {value!r}", field=f"basemap.{key}")
            )
        elif not path.is_file() or (key == "terrain" and not path.with_suffix(".png").is_file()):
            missing = path if not path.is_file() else path.with_suffix(".png")
            problems.append(Problem(MANIFEST_FILE, f"file not found: {missing.name}", field=f"basemap.{key}"))
        else:
            found[key] = path
    return found["terrain"], found["rivers"], problems


def parse_manifest(raw: dict[str, Any]) -> tuple[Manifest, list[Problem]]:
    """A manifest from its JSON object, and every problem in it (the manifest is only usable without them)."""
    check = _Checker()
    title = check.text(raw, "title", required=True)
    events_date = check.date(raw, "events_date", required=True)
    published = check.date(raw, "published") or events_date
    timeline = check.obj(raw, "timeline", required=True)
    start = check.date(timeline, "start", required=True, path="timeline.start")
    end = check.date(timeline, "end", required=True, path="timeline.end")
    if start and end and start > end:
        check.problem("timeline.end", f"the timeline ends ({end}) before it starts ({start})")
    if start and end and events_date and not start <= events_date <= end:
        check.problem("events_date", f"{events_date} is outside the timeline ({start} to {end})")
    if events_date and published and published < events_date:
        check.problem("published", f"published ({published}) before the events it reports ({events_date})")
    region = _region(raw, check)
    center, zoom = _view(raw, check, region)
    sides = _sides(raw, check)
    layers = _layers(raw, check)
    leanings = check.strings(raw, "source_leanings")
    furniture = _furniture(raw, check)
    callouts = _callouts(raw, check, start, end)
    slug = check.text(raw, "slug") or "story"
    if not _SLUG.fullmatch(slug):
        check.problem("slug", f"{slug!r} must be lower-case letters, digits and hyphens (it names exported files)")
        slug = "story"
    # With problems, the rest still gets a best-effort manifest so that every other file is checked too.
    fallback = events_date or start or end or date.today()
    start, end = start or fallback, end or fallback
    events_date = events_date or start
    published = published or events_date
    manifest = Manifest(
        title=title or "(untitled story)",
        subtitle=check.text(raw, "subtitle") or "",
        page_title=check.text(raw, "page_title") or title or "",
        slug=slug,
        outlet=check.text(raw, "outlet") or "",
        credits=check.text(raw, "credits") or "",
        licence=check.text(raw, "licence") or "",
        events_date=events_date,
        published=published,
        timeline_start=start,
        timeline_end=end,
        timeline_about=check.text(timeline, "about", path="timeline.about") or "",
        region=region,
        region_about=check.text(raw.get("region") or {}, "about", path="region.about") or "",
        center=center,
        zoom=zoom,
        sides=sides,
        layers=layers,
        source_leanings=tuple(dict.fromkeys(settings.SOURCE_LEANINGS + tuple(leanings))),
        furniture=tuple(furniture),
        callouts=tuple(callouts),
        extra={k: v for k, v in raw.items() if k not in _KNOWN_FIELDS},
    )
    return manifest, check.problems


class _Checker:
    """Reads typed fields and records a :class:`Problem` (with the field's path) for each bad one."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(MANIFEST_FILE, message, field=path))

    def _get(self, obj: Any, key: str, required: bool, path: str) -> Any:
        value = obj.get(key) if isinstance(obj, dict) else None
        if value is None and required:
            self.problem(path, "missing required field")
        return value

    def text(self, obj: Any, key: str, *, required: bool = False, path: str | None = None) -> str | None:
        value = self._get(obj, key, required, path or key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(path or key, f"must be a non-empty string, got {value!r}")
            return None
        return value

    def date(self, obj: Any, key: str, *, required: bool = False, path: str | None = None) -> date | None:
        value = self._get(obj, key, required, path or key)
        if value is None:
            return None
        parsed = parse_iso_date(value)
        if parsed is None:
            self.problem(path or key, f"date {value!r} is not YYYY-MM-DD")
        return parsed

    def obj(self, obj: Any, key: str, *, required: bool = False, path: str | None = None) -> dict[str, Any]:
        value = self._get(obj, key, required, path or key)
        if value is not None and not isinstance(value, dict):
            self.problem(path or key, f"must be a JSON object, got {type(value).__name__}")
            return {}
        return value or {}

    def strings(self, obj: Any, key: str) -> list[str]:
        value = self._get(obj, key, False, key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.problem(key, "must be a list of non-empty strings")
            return []
        return value


def _region(raw: dict, check: _Checker) -> tuple[float, float, float, float] | None:
    region = check.obj(raw, "region")
    bounds = region.get("bounds")
    if bounds is None:
        return None  # documented default: any valid lon/lat
    if not (isinstance(bounds, list) and len(bounds) == 4 and all(is_number(b) for b in bounds)):
        check.problem("region.bounds", f"must be [min lon, min lat, max lon, max lat], got {bounds!r}")
        return None
    min_lon, min_lat, max_lon, max_lat = (float(b) for b in bounds)
    if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
        check.problem("region.bounds", f"{bounds!r} is not a box in WGS84 degrees (min < max, lon ±180, lat ±90)")
        return None
    return min_lon, min_lat, max_lon, max_lat


def _view(raw: dict, check: _Checker, region: tuple[float, float, float, float] | None) -> tuple[tuple[float, float], int]:
    view = check.obj(raw, "view")
    default_center = ((region[1] + region[3]) / 2, (region[0] + region[2]) / 2) if region else (0.0, 0.0)
    center = view.get("center", list(default_center))
    zoom = view.get("zoom", settings.DEFAULT_ZOOM)
    if not (isinstance(center, list) and len(center) == 2 and all(is_number(c) for c in center)):
        check.problem("view.center", f"must be [lat, lon], got {center!r}")
        center = list(default_center)
    elif not (-90 <= center[0] <= 90 and -180 <= center[1] <= 180):
        check.problem("view.center", f"{center!r} is not [lat, lon] in degrees")
    elif region and not (region[1] <= center[0] <= region[3] and region[0] <= center[1] <= region[2]):
        check.problem("view.center", f"[lat, lon] {center!r} is outside region.bounds")
    if isinstance(zoom, bool) or not isinstance(zoom, int) or not 0 <= zoom <= 18:
        check.problem("view.zoom", f"must be a whole number from 0 to 18, got {zoom!r}")
        zoom = settings.DEFAULT_ZOOM
    return (float(center[0]), float(center[1])), zoom


def _sides(raw: dict, check: _Checker) -> dict[str, Side]:
    declared = check.obj(raw, "sides", required=True)
    sides: dict[str, Side] = {}
    for side_id, spec in declared.items():
        path = f"sides.{side_id}"
        if not isinstance(spec, dict):
            check.problem(path, "must be an object with label, colour and legend")
            continue
        label = check.text(spec, "label", required=True, path=f"{path}.label")
        colour = spec.get("colour")
        if not isinstance(colour, str) or not _COLOUR.fullmatch(colour):
            check.problem(f"{path}.colour", f"must be a colour written #rrggbb, got {colour!r}")
        legend = check.text(spec, "legend", path=f"{path}.legend")
        if label and isinstance(colour, str) and _COLOUR.fullmatch(colour):
            sides[side_id] = Side(side_id, label, colour, legend or f"held by {label}")
    if declared and len([s for s in declared if s != UNKNOWN_SIDE]) < 1:
        check.problem("sides", "declares no side that can hold ground")
    # "unknown" always exists: a place no source speaks for is unknown, never someone's.
    sides.setdefault(
        UNKNOWN_SIDE, Side(UNKNOWN_SIDE, "unknown", UNKNOWN_LOOK[0], "no dated control claim in this dataset (not 'nobody')")
    )
    return sides


def _layers(raw: dict, check: _Checker) -> dict[str, LayerEntry]:
    declared = check.obj(raw, "layers", required=True)
    layers: dict[str, LayerEntry] = {}
    for kind_id, spec in declared.items():
        path = f"layers.{kind_id}"
        kind = KINDS.get(kind_id)
        if kind is None:
            check.problem(path, f"unknown layer kind {kind_id!r} (known: {sorted(KINDS)})")
            continue
        if spec is None:
            spec = {}
        if not isinstance(spec, dict):
            check.problem(path, "must be an object (label, short_label, legend_title) or null for the defaults")
            continue
        layers[kind_id] = LayerEntry(
            kind_id,
            check.text(spec, "label", path=f"{path}.label") or kind.label,
            check.text(spec, "short_label", path=f"{path}.short_label") or kind.short_label,
            check.text(spec, "legend_title", path=f"{path}.legend_title") or kind.legend_title,
        )
    # Toggle order follows the registry, whatever order the manifest lists them in.
    return {k: layers[k] for k in KINDS if k in layers}


def _callouts(raw: dict, check: _Checker, start: date | None, end: date | None) -> list[Callout]:
    declared = raw.get("callouts")
    if declared is None:
        return []
    if not isinstance(declared, list):
        check.problem("callouts", "must be a list of {id, text, target, passage, date?, date_to?}")
        return []
    callouts, seen = [], set()
    for i, spec in enumerate(declared):
        path = f"callouts[{i}]"
        if not isinstance(spec, dict):
            check.problem(path, "must be an object {id, text, target, passage, date?, date_to?}")
            continue
        before = len(check.problems)
        cid = check.text(spec, "id", required=True, path=f"{path}.id")
        if cid is not None and not settings.ID_PATTERN.fullmatch(cid):
            check.problem(f"{path}.id", f"id {cid[:60]!r} {settings.ID_RULE}")
        elif cid in seen:
            check.problem(f"{path}.id", f"duplicate callout id {cid!r}")
        text = check.text(spec, "text", required=True, path=f"{path}.text")
        if text is not None and len(text) > settings.CALLOUT_MAX_CHARS:
            check.problem(f"{path}.text", f"{len(text)} characters; a callout holds at most {settings.CALLOUT_MAX_CHARS}")
        target = check.text(spec, "target", required=True, path=f"{path}.target")
        passage = check.text(spec, "passage", required=True, path=f"{path}.passage")
        first = check.date(spec, "date", path=f"{path}.date")
        last = check.date(spec, "date_to", path=f"{path}.date_to")
        if first and last and last < first:
            check.problem(f"{path}.date_to", f"{last} is before the callout's date {first}")
        for name, day in (("date", first), ("date_to", last)):
            if day and start and end and not start <= day <= end:
                check.problem(f"{path}.{name}", f"{day} is outside the timeline ({start} to {end})")
        if len(check.problems) == before and cid and text and target and passage:
            seen.add(cid)
            callouts.append(Callout(cid, text, target, passage, first, last))
    return callouts


def _furniture(raw: dict, check: _Checker) -> list[FurniturePattern]:
    declared = raw.get("furniture")
    if declared is None:
        return []
    if not isinstance(declared, list):
        check.problem("furniture", "must be a list of {kind, pattern}")
        return []
    patterns = []
    for i, spec in enumerate(declared):
        path = f"furniture[{i}]"
        if not isinstance(spec, dict):
            check.problem(path, "must be an object {kind, pattern}")
            continue
        kind, text = spec.get("kind"), spec.get("pattern")
        if kind not in FURNITURE_KINDS:
            check.problem(f"{path}.kind", f"{kind!r} is not one of {FURNITURE_KINDS}")
            continue
        try:
            pattern = re.compile(text) if isinstance(text, str) else None
        except re.error as exc:
            check.problem(f"{path}.pattern", f"not a valid regular expression: {exc}")
            continue
        if pattern is None:
            check.problem(f"{path}.pattern", "missing regular expression")
            continue
        missing = [g for g in FURNITURE_GROUPS.get(kind, ()) if g not in pattern.groupindex]
        if missing:
            check.problem(f"{path}.pattern", f"a {kind} pattern needs the named group(s) {missing}")
            continue
        date_format = spec.get("date_format")
        if kind == "caption" and not isinstance(date_format, str):
            check.problem(f"{path}.date_format", "a caption pattern needs a date_format (strptime, e.g. '%b %d, %Y')")
            continue
        patterns.append(FurniturePattern(kind, pattern, date_format))
    return patterns
