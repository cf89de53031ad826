"""Validation that gathers every problem in a story folder and raises once.

Each :class:`Problem` names the file, the feature (index and id) and the field,
so that a user fixing their data sees the whole list at once, not one error per
run. Structural checks follow RFC 7946; layer checks add what this app needs
(required properties, dates, the region, links between files).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

_GEOMETRY_DEPTH = {  # nesting depth of "coordinates" for each geometry type
    "Point": 0,
    "MultiPoint": 1,
    "LineString": 1,
    "MultiLineString": 2,
    "Polygon": 2,
    "MultiPolygon": 3,
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data, located as precisely as we can."""

    file: str
    message: str
    feature: str | None = None  # "#3 (id 'harbour')" or "#3"
    field: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.feature is not None:
            where += f", feature {self.feature}"
        if self.field is not None:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class GeoDataError(ValueError):
    """Bad story data: carries every :class:`Problem` found, not just the first."""

    def __init__(self, problems: Iterable[Problem], what: str = "the story data"):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in {what}:\n{lines}")


def is_number(value: Any) -> bool:
    """A finite real number (not a bool, not NaN from a missing column, not infinite): the one guard."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def as_list(value: Any) -> list:
    """A property that may hold one value or a list, as a list (None and NaN from missing columns: empty)."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def feature_label(index: int, feature: Any) -> str:
    """'#3 (id 'harbour')' when the feature has an id, else '#3'."""
    fid = feature_id(feature)
    return f"#{index} (id {fid!r})" if fid is not None else f"#{index}"


def feature_id(feature: Any) -> str | None:
    """The feature's id: ``properties.id``, else the top-level ``id`` member."""
    if not isinstance(feature, dict):
        return None
    props = feature.get("properties")
    if isinstance(props, dict) and props.get("id") not in (None, ""):
        return str(props["id"])
    if isinstance(feature.get("id"), (str, int, float)) and not isinstance(feature.get("id"), bool):
        return str(feature["id"])
    return None


# --- RFC 7946 structure -------------------------------------------------------


def check_geojson(obj: Any, file: str) -> list[Problem]:
    """Structural RFC 7946 checks of any GeoJSON object (collection, feature or geometry)."""
    if not isinstance(obj, dict):
        return [Problem(file, f"expected a JSON object, got {type(obj).__name__}")]
    problems: list[Problem] = []
    if "crs" in obj:
        problems.append(Problem(file, "has a 'crs' member: RFC 7946 GeoJSON is always WGS84 lon/lat", field="crs"))
    kind = obj.get("type")
    if kind == "FeatureCollection":
        problems += _check_bbox(obj, file, None)
        features = obj.get("features")
        if not isinstance(features, list):
            problems.append(Problem(file, "a FeatureCollection needs a 'features' array", field="features"))
            return problems
        for i, feature in enumerate(features):
            problems += _check_feature(feature, file, i)
    elif kind == "Feature":
        problems += _check_feature(obj, file, None)
    elif kind in _GEOMETRY_DEPTH or kind == "GeometryCollection":
        problems += _check_geometry(obj, file, None, "geometry")
    elif kind is None:
        problems.append(Problem(file, "missing 'type'", field="type"))
    else:
        problems.append(Problem(file, f"unknown GeoJSON type {kind!r}", field="type"))
    return problems


def _check_feature(feature: Any, file: str, index: int | None) -> list[Problem]:
    label = feature_label(index, feature) if index is not None else None
    if not isinstance(feature, dict):
        return [Problem(file, "a feature must be a JSON object", feature=label)]
    problems: list[Problem] = []
    if feature.get("type") != "Feature":
        problems.append(Problem(file, f"'type' must be 'Feature', got {feature.get('type')!r}", label, "type"))
    if "id" in feature and (isinstance(feature["id"], bool) or not isinstance(feature["id"], (str, int, float))):
        problems.append(Problem(file, "'id' must be a string or a number", label, "id"))
    if "properties" not in feature:
        problems.append(Problem(file, "missing 'properties' (it may be null, not absent)", label, "properties"))
    elif feature["properties"] is not None and not isinstance(feature["properties"], dict):
        problems.append(Problem(file, "'properties' must be an object or null", label, "properties"))
    if "geometry" not in feature:
        problems.append(Problem(file, "missing 'geometry' (it may be null, not absent)", label, "geometry"))
    elif feature["geometry"] is not None:
        problems += _check_geometry(feature["geometry"], file, label, "geometry")
    problems += _check_bbox(feature, file, label)
    return problems


def _check_geometry(geom: Any, file: str, label: str | None, field: str) -> list[Problem]:
    if not isinstance(geom, dict):
        return [Problem(file, "a geometry must be a JSON object", label, field)]
    kind = geom.get("type")
    problems = _check_bbox(geom, file, label, field)
    if kind == "GeometryCollection":
        members = geom.get("geometries")
        if not isinstance(members, list):
            return [*problems, Problem(file, "a GeometryCollection needs a 'geometries' array", label, field)]
        for j, member in enumerate(members):
            problems += _check_geometry(member, file, label, f"{field}.geometries[{j}]")
        return problems
    if kind not in _GEOMETRY_DEPTH:
        return [*problems, Problem(file, f"unknown geometry type {kind!r}", label, f"{field}.type")]
    if "coordinates" not in geom:
        return [*problems, Problem(file, f"a {kind} needs 'coordinates'", label, f"{field}.coordinates")]
    message = _coordinates_shape_error(geom["coordinates"], _GEOMETRY_DEPTH[kind], kind)
    if message:
        problems.append(Problem(file, message, label, f"{field}.coordinates"))
    return problems


def _coordinates_shape_error(coords: Any, depth: int, kind: str) -> str | None:
    """Why ``coords`` is not a valid nesting for ``kind``, or None when it is."""
    if depth == 0:
        if not isinstance(coords, list) or len(coords) < 2:
            return f"a position needs at least [lon, lat], got {coords!r}"
        if not all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c) for c in coords):
            return f"a position holds numbers only, got {coords!r}"
        return None
    if not isinstance(coords, list):
        return f"expected an array of positions for {kind}, got {coords!r}"
    for item in coords:
        message = _coordinates_shape_error(item, depth - 1, kind)
        if message:
            return message
    if kind in ("LineString", "MultiLineString") and depth == 1 and len(coords) < 2:
        return "a line needs at least two positions"
    if kind in ("Polygon", "MultiPolygon") and depth == 1:
        if len(coords) < 4:
            return "a linear ring needs at least four positions"
        if coords[0] != coords[-1]:
            return "a linear ring must end where it starts"
    return None


def _check_bbox(obj: dict, file: str, label: str | None, field: str | None = None) -> list[Problem]:
    if "bbox" not in obj:
        return []
    bbox = obj["bbox"]
    name = f"{field}.bbox" if field else "bbox"
    ok = isinstance(bbox, list) and len(bbox) >= 4 and len(bbox) % 2 == 0
    ok = ok and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in bbox)
    return [] if ok else [Problem(file, f"'bbox' must hold 2×n numbers (n ≥ 2), got {bbox!r}", label, name)]


# --- rings, regions, dates -----------------------------------------------------


def ring_is_ccw(ring: list[list[float]]) -> bool:
    """True when a closed ring runs counter-clockwise (shoelace sum > 0)."""
    area2 = sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in itertools.pairwise(ring))
    return area2 > 0


def orientation_problems(geom: dict, file: str, label: str) -> list[Problem]:
    """RFC 7946 §3.1.6: exterior rings counter-clockwise, holes clockwise."""
    kind = geom.get("type")
    polygons = [geom["coordinates"]] if kind == "Polygon" else geom["coordinates"] if kind == "MultiPolygon" else []
    problems = []
    for p, rings in enumerate(polygons):
        for r, ring in enumerate(rings):
            if ring_is_ccw(ring) != (r == 0):
                which = "exterior ring" if r == 0 else f"hole {r}"
                want = "counter-clockwise" if r == 0 else "clockwise"
                where = f"polygon {p}, " if kind == "MultiPolygon" else ""
                problems.append(Problem(file, f"{where}{which} must run {want} (RFC 7946 §3.1.6)", label, "geometry"))
    return problems


def iter_positions(coords: Any) -> Iterator[list[float]]:
    """Every position in a (nested) coordinates array."""
    if coords and isinstance(coords[0], (int, float)):
        yield coords
    else:
        for item in coords:
            yield from iter_positions(item)


def region_problems(geom: dict, file: str, label: str, bounds: tuple[float, float, float, float] | None) -> list[Problem]:
    """Positions that are not lon/lat, or outside the story's region; says so when lat/lon look swapped."""
    for lon, lat, *_ in iter_positions(geom.get("coordinates", [])):
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return [Problem(file, f"position [{lon}, {lat}] is not a valid lon/lat (WGS84 degrees)", label, "geometry")]
        if bounds is None:
            continue
        min_lon, min_lat, max_lon, max_lat = bounds
        if not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat):
            swapped = min_lon <= lat <= max_lon and min_lat <= lon <= max_lat
            hint = " (lat and lon look swapped)" if swapped else ""
            message = f"position [{lon}, {lat}] is outside the story's region {list(bounds)} (story.json region.bounds){hint}"
            return [Problem(file, message, label, "geometry")]
    return []


def parse_iso_date(value: Any) -> date | None:
    """A ``YYYY-MM-DD`` string as a date, or None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None
