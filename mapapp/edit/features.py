"""Drawn features as editing operations: a new feature of any story layer kind, its dated states, a new shape.

A drawing arrives as a GeoJSON geometry from the map (leaflet-draw); it is rounded to 5 decimals (about 1 m)
and polygons are turned counter-clockwise (RFC 7946), so what is saved is what ``mapapp validate`` expects.
Each kind's rule (:mod:`mapapp.story.layers`) says which properties a new feature gets: the first dated state
of a road, front line or post; the date and the sides of a control change; the date and kind of an incident.
A kind the story does not have yet is added to ``story.json`` with its file.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import shapely
from shapely.geometry import Point, mapping, shape
from shapely.geometry.polygon import orient
from shapely.ops import substring

from mapapp import settings
from mapapp.edit.operations import Documents, EditError, free_id
from mapapp.story.layers import CONTROL, KINDS, PLACES, LayerKind

DRAWN = "drawn in the editor"


def kind_of(kind_id: str) -> LayerKind:
    kind = KINDS.get(kind_id)
    if kind is None or not kind.toggleable:
        raise EditError(f"{kind_id!r} is not a story layer kind (one of {', '.join(k for k in KINDS if KINDS[k].toggleable)})")
    return kind


def clean_geometry(geometry: Any, kind: LayerKind) -> dict:
    """The drawing as RFC 7946 GeoJSON of a type the kind takes: rounded, polygons counter-clockwise, valid."""
    try:
        shaped = shape(geometry)
    except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.GEOSException) as exc:
        raise EditError(f"the drawing is not a GeoJSON geometry ({exc})") from exc
    if shaped.is_valid and not shaped.is_empty:
        shaped = shapely.set_precision(shaped, 1e-5)  # about 1 m; what a hand on a map can mean
    if shaped.is_empty or not shaped.is_valid:
        raise EditError("the drawing is empty or crosses itself: draw it again")
    if shaped.geom_type not in kind.geometry_types:
        takes = " or ".join(sorted(kind.geometry_types))
        raise EditError(f"a {kind.label.lower()} feature is a {takes}, not a {shaped.geom_type}")
    minx, miny, maxx, maxy = shaped.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise EditError("the drawing is off the globe (longitude -180..180, latitude -90..90)")
    if shaped.geom_type == "Polygon":
        shaped = orient(shaped, 1.0)
    elif shaped.geom_type == "MultiPolygon":
        shaped = shapely.MultiPolygon([orient(p, 1.0) for p in shaped.geoms])
    return _listed(mapping(shaped))


def _listed(value: Any) -> Any:
    """shapely's mapping() gives tuples; JSON (and the comparison with a file read back) wants lists."""
    if isinstance(value, (list, tuple)):
        return [_listed(v) for v in value]
    if isinstance(value, dict):
        return {k: _listed(v) for k, v in value.items()}
    return value


def _check_date(text: str, what: str = "date") -> str:
    try:
        date.fromisoformat(text)
    except (TypeError, ValueError):
        raise EditError(f"{what} {text!r} is not a date (YYYY-MM-DD)") from None
    return text


def new_id(docs: Documents, file: str, name: str) -> str:
    """An id from the name, unique in the file (``-2``, ``-3``... when taken)."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "feature"
    return free_id(base, {(f.get("properties") or {}).get("id") for f in docs.get(file, {}).get("features", [])})


def _sides(docs: Documents) -> list[str]:
    return list((docs[settings.MANIFEST_FILE].get("sides") or {}).keys())


def _check_source(docs: Documents, source: str) -> None:
    if source not in docs[settings.SOURCES_FILE]:
        raise EditError(f"{settings.SOURCES_FILE}: no source {source!r}; add it first")


def places_within(docs: Documents, geometry: dict) -> list[str]:
    """The story's placed places inside a drawn area: a change of control over the area is theirs too."""
    area = shape(geometry)
    if area.geom_type not in ("Polygon", "MultiPolygon"):
        return []
    return [
        f["properties"]["id"]
        for f in (docs.get("places.geojson") or {}).get("features", [])
        if (f.get("geometry") or {}).get("type") == "Point" and area.covers(shape(f["geometry"]))
    ]


@dataclass(frozen=True)
class AddFeature:
    """A drawn feature of a story layer kind with its first dated state (see the module docstring).

    ``status`` is a status of the kind (roads, front lines, posts); ``before``/``after`` are sides of the manifest
    (control changes); ``what`` is the incident's kind ("airstrike") or the place's ("village")."""

    kind: str
    geometry: dict
    name: str
    source: str
    precision: str = "approximate"
    precision_m: float = 2000
    date: str = ""
    status: str = ""
    before: str = ""
    after: str = ""
    what: str = ""
    by: str = ""  # the side a state such as "held" names

    def properties(self, docs: Documents, kind: LayerKind, fid: str, geometry: dict) -> dict:
        props: dict[str, Any] = {"id": fid, "name": self.name, "source": [self.source], "precision": self.precision}
        if self.precision in ("exact", "approximate"):
            if not 0 < self.precision_m <= settings.MAX_PRECISION_M:
                raise EditError(f"a radius of {self.precision_m} m is not within 1 m to {settings.MAX_PRECISION_M:,} m")
            props["precision_m"] = self.precision_m
        elif self.precision != "schematic":
            raise EditError(f"precision {self.precision!r} is not one of exact, approximate, schematic")
        props.update(derivation=DRAWN, passages=[], claims=[])
        if kind.rule == "states":
            props["states"] = [self._state(kind)]
            if "ref" in kind.required:
                props["ref"] = self.name
        elif kind.rule == "change":
            props.update(_change_fields(docs, self.date, self.before, self.after), place_ids=places_within(docs, geometry))
        elif kind.rule == "happened":
            props.update(date=_check_date(self.date), date_precision="day", kind=self.what.strip() or kind.id.rstrip("s"))
        elif kind.rule == "controller":
            props.update(kind=self.what.strip() or "place", aliases=[self.name])
        return props

    def _state(self, kind: LayerKind) -> dict:
        return _state(kind, self.date, self.status, self.source, self.by)

    def apply(self, docs: Documents) -> tuple[Documents, str]:
        kind = kind_of(self.kind)
        if not self.name.strip():
            raise EditError("a drawn feature needs a name (what a reader calls it)")
        _check_source(docs, self.source)
        geometry = clean_geometry(self.geometry, kind)
        out = copy.deepcopy(docs)
        changed: Documents = {}
        manifest = out[settings.MANIFEST_FILE]
        if kind.id not in (manifest.get("layers") or {}):  # a kind the story did not have: listed, with its file
            manifest.setdefault("layers", {})[kind.id] = {"label": kind.label, "short_label": kind.short_label}
            changed[settings.MANIFEST_FILE] = manifest
        collection = out.setdefault(kind.file, {"type": "FeatureCollection", "features": []})
        fid = new_id(out, kind.file, self.name)
        props = self.properties(out, kind, fid, geometry)
        collection["features"].append({"type": "Feature", "id": fid, "geometry": geometry, "properties": props})
        changed[kind.file] = collection
        return changed, f"drew {kind.short_label.lower()} {self.name.strip()} ({geometry['type']})"


def _state(kind: LayerKind, day: str, status: str, source: str, by: str) -> dict:
    """A dated state of a kind with rule "states"; a status that names a side (``held``) carries it in ``by``."""
    if status not in kind.statuses:
        raise EditError(f"{status!r} is not a status of {kind.label.lower()} ({', '.join(kind.statuses)})")
    state = {"date": _check_date(day), "status": status, "source": [source]}
    if kind.statuses[status].by_side:
        state["by"] = by  # validated against the manifest's sides with the rest of the story
    return state


def _change_fields(docs: Documents, day: str, before: str, after: str) -> dict:
    sides = _sides(docs)
    for field, side in (("before", before), ("after", after)):
        if side not in sides:
            raise EditError(f"{field}: {side!r} is not a side of the story ({', '.join(sides)})")
    if before == after:
        raise EditError(f"a change of control goes from one side to another, not {before!r} to {after!r}")
    return {"date": _check_date(day), "date_precision": "day", "before": before, "after": after}


def _find(docs: Documents, file: str, fid: str) -> dict:
    for feature in (docs.get(file) or {}).get("features", []):
        if (feature.get("properties") or {}).get("id") == fid:
            return feature
    raise EditError(f"{file}: no feature with id {fid!r}")


@dataclass(frozen=True)
class AddState:
    """A feature's next dated state: a road cut, a post besieged. For a control area, the next change of control
    over the same area (a new change feature: each change is dated and sourced on its own), from the side that
    held it after the latest change to ``after``."""

    kind: str
    fid: str
    date: str
    source: str
    status: str = ""
    after: str = ""
    by: str = ""

    def apply(self, docs: Documents) -> tuple[Documents, str]:
        kind = kind_of(self.kind)
        _check_source(docs, self.source)
        out = copy.deepcopy(docs)
        feature = _find(out, kind.file, self.fid)
        props = feature["properties"]
        name = props.get("name", self.fid)
        if kind.rule == "states":
            state = _state(kind, self.date, self.status, self.source, self.by)
            props["states"] = sorted([*(props.get("states") or []), state], key=lambda s: str(s.get("date")))
            return {kind.file: out[kind.file]}, f"{name}: {self.status} from {self.date}"
        if kind.id != CONTROL:
            raise EditError(f"{kind.label.lower()} have no dated states: each is one dated event")
        area = [f for f in out[kind.file]["features"] if f.get("geometry") == feature.get("geometry")]
        latest = max(area, key=lambda f: str(f["properties"].get("date")))["properties"]
        if self.date <= str(latest.get("date")):
            raise EditError(f"the next change of {name} comes after {latest.get('date')}, not on {self.date}")
        fields = _change_fields(out, self.date, str(latest.get("after")), self.after)
        base = re.sub(r"-\d{4}-\d{2}-\d{2}$", "", self.fid)
        fid = new_id(out, kind.file, f"{base}-{self.date}")
        new = {"id": fid, "name": props.get("name"), "source": [self.source], "precision": props.get("precision")}
        if "precision_m" in props:
            new["precision_m"] = props["precision_m"]
        new.update(fields, place_ids=list(props.get("place_ids") or []), derivation=DRAWN, passages=[], claims=[])
        out[kind.file]["features"].append({"type": "Feature", "id": fid, "geometry": copy.deepcopy(feature["geometry"]),
                                           "properties": new})  # fmt: skip
        return {kind.file: out[kind.file]}, f"added control change {name} → {self.after}, {self.date}"


@dataclass(frozen=True)
class Reshape:
    """A feature's new shape: its vertices moved in the map, or a geometry for a named feature the draft had none
    for (a river, a bridge, a region)."""

    kind: str
    fid: str
    geometry: dict
    source: str = ""

    def apply(self, docs: Documents) -> tuple[Documents, str]:
        kind = kind_of(self.kind)
        geometry = clean_geometry(self.geometry, kind)
        out = copy.deepcopy(docs)
        feature = _find(out, kind.file, self.fid)
        props = feature["properties"]
        had = feature.get("geometry")
        feature["geometry"] = geometry
        if self.source:
            _check_source(docs, self.source)
            props["source"] = [self.source]
        if had is None:  # an unlocated feature gets a drawn shape: what it is drawn from is said
            props.update(precision="schematic", derivation=DRAWN)
            props.pop("precision_m", None)
            for stale in ("draft", "draft_review"):
                props.pop(stale, None)
            return {kind.file: out[kind.file]}, f"drew {props.get('name', self.fid)} ({geometry['type']})"
        return {kind.file: out[kind.file]}, f"reshaped {props.get('name', self.fid)}"


@dataclass(frozen=True)
class AddClaim:
    """Another account with its source, kept beside the adopted one (where sources disagree, both are shown): on
    a feature's latest dated state (roads, front lines, posts), else on the feature itself."""

    kind: str
    fid: str
    text: str
    source: str
    date: str = ""

    def apply(self, docs: Documents) -> tuple[Documents, str]:
        kind = kind_of(self.kind)
        _check_source(docs, self.source)
        words = " ".join(self.text.split())
        if not words:
            raise EditError("a claim says what the source reports: write it")
        claim: dict[str, Any] = {"text": words, "source": self.source}
        if self.date:
            claim["date"] = _check_date(self.date)
        out = copy.deepcopy(docs)
        props = _find(out, kind.file, self.fid)["properties"]
        states = props.get("states") if kind.rule == "states" else None
        holder = max(states, key=lambda s: str(s.get("date"))) if isinstance(states, list) and states else props
        holder.setdefault("claims", []).append(claim)
        return {kind.file: out[kind.file]}, f"{props.get('name', self.fid)}: another account from {self.source}"


@dataclass(frozen=True)
class AddSegment:
    """A stretch of a line with states of its own (a road cut at one town while the rest stays open): the part
    of the line between the points nearest ``start`` and ``end`` (lon, lat), ``part_of`` the line, starting with
    the line's own states and sources."""

    kind: str
    fid: str
    start: tuple[float, float]
    end: tuple[float, float]

    def apply(self, docs: Documents) -> tuple[Documents, str]:
        kind = kind_of(self.kind)
        out = copy.deepcopy(docs)
        feature = _find(out, kind.file, self.fid)
        line = shape(feature["geometry"]) if feature.get("geometry") else None
        if line is None or line.geom_type != "LineString":
            raise EditError(f"{self.fid} is not a single line: a segment is cut from one")
        first, last = sorted(line.project(Point(*p)) for p in (self.start, self.end))
        if last - first < 1e-4:  # about 10 m
            raise EditError("the segment's two ends are the same point of the line: draw across the stretch")
        props = copy.deepcopy(feature["properties"])
        name = f"{props.get('name', self.fid)} (segment)"
        fid = new_id(out, kind.file, f"{self.fid}-segment")
        props.update(id=fid, name=name, part_of=self.fid, derivation=f"the stretch of {self.fid} drawn in the editor")
        props.pop("aliases", None)
        geometry = _listed(mapping(shapely.set_precision(substring(line, first, last), 1e-5)))
        out[kind.file]["features"].append({"type": "Feature", "id": fid, "geometry": geometry, "properties": props})
        return {kind.file: out[kind.file]}, f"cut a segment of {feature['properties'].get('name', self.fid)}"


def features_of(docs: Documents) -> list[tuple[str, dict]]:
    """Every feature of every story layer in the folder: ``(kind id, feature)``, registry order."""
    return [
        (kind.id, feature)
        for kind in KINDS.values()
        if kind.toggleable and kind.file in docs
        for feature in docs[kind.file].get("features", [])
    ]


__all__ = [
    "PLACES",
    "AddClaim",
    "AddFeature",
    "AddSegment",
    "AddState",
    "Reshape",
    "clean_geometry",
    "features_of",
    "kind_of",
    "new_id",
]
