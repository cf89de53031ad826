"""Load and validate the story's GeoJSON layers and its source register.

Every layer becomes a GeoDataFrame (EPSG:4326) indexed by feature id. All
problems in all files are gathered and raised together as one
:class:`~mapapp._validate.GeoDataError`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import shape

from . import settings
from ._validate import (
    GeoDataError,
    Problem,
    check_geojson,
    feature_id,
    feature_label,
    orientation_problems,
    parse_iso_date,
    region_problems,
)

# Properties that point at places, checked after every file is read. An area's
# member_place_ids are the villages it was drawn around: linked, but not changes of their own.
PLACE_LINK_FIELDS = ("place_ids", "place_id", "member_place_ids")


def read_json(path: Path) -> tuple[Any, list[Problem]]:
    """Parse a JSON file; a missing or unparsable file is a problem, not a crash."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(name, f"file not found in {path.parent}")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(name, f"cannot be read: {exc}")]
    try:
        return json.loads(text), []
    except json.JSONDecodeError as exc:
        return None, [Problem(name, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")]


def load_sources(data_dir: Path) -> tuple[dict[str, dict], list[Problem]]:
    """The source register: key -> {title, url, publisher, leaning, ...}."""
    raw, problems = read_json(data_dir / settings.SOURCES_FILE)
    if problems:
        return {}, problems
    if not isinstance(raw, dict):
        return {}, [Problem(settings.SOURCES_FILE, "must be a JSON object of source key -> record")]
    for key, record in raw.items():
        if not isinstance(record, dict) or not record.get("title"):
            problems.append(Problem(settings.SOURCES_FILE, "each source needs a 'title'", f"'{key}'", "title"))
        elif record.get("leaning") not in SOURCE_LEANINGS:
            problems.append(
                Problem(settings.SOURCES_FILE, f"'leaning' must be one of {SOURCE_LEANINGS}", f"'{key}'", "leaning")
            )
    return raw, problems


# How a source leans, shown on every item (what-users-ask.md: sources per claim).
SOURCE_LEANINGS = (
    "gazetteer",
    "reference",
    "wire",
    "monitor",
    "pro-government",
    "pro-opposition",
    "turkish-official",
    "article",
    "package",
)


def validate_layer(raw: Any, layer: str, file: str, sources: dict[str, dict]) -> list[Problem]:
    """Every problem with one layer's FeatureCollection, structural and semantic."""
    problems = check_geojson(raw, file)
    if not isinstance(raw, dict) or raw.get("type") != "FeatureCollection":
        if isinstance(raw, dict) and raw.get("type") not in (None, "FeatureCollection"):
            problems.append(Problem(file, f"must be a FeatureCollection, got {raw.get('type')!r}", field="type"))
        return problems
    if problems:  # structure is broken: semantic checks would only echo it
        return problems
    seen: dict[str, int] = {}
    for index, feature in enumerate(raw["features"]):
        label = feature_label(index, feature)
        problems += _feature_problems(feature, layer, file, label, sources)
        fid = feature_id(feature)
        if fid is not None:
            if fid in seen:
                problems.append(Problem(file, f"duplicate id {fid!r} (also feature #{seen[fid]})", label, "id"))
            seen.setdefault(fid, index)
    return problems


def _feature_problems(feature: dict, layer: str, file: str, label: str, sources: dict) -> list[Problem]:
    props = feature.get("properties") or {}
    problems = [
        Problem(file, "missing required property", label, name)
        for name in settings.REQUIRED_PROPERTIES[layer]
        if props.get(name) in (None, "")
    ]
    top_id = feature.get("id")
    if top_id is not None and props.get("id") is not None and str(top_id) != str(props["id"]):
        problems.append(Problem(file, f"top-level id {top_id!r} differs from properties.id {props['id']!r}", label, "id"))
    if not (feature.get("geometry") is None and props.get("precision") == "unlocated"):
        problems += _geometry_problems(feature.get("geometry"), layer, file, label)
    problems += _property_value_problems(props, file, label, sources)
    return problems


def _geometry_problems(geom: dict | None, layer: str, file: str, label: str) -> list[Problem]:
    allowed = settings.GEOMETRY_TYPES[layer]
    if geom is None:
        return [Problem(file, f"geometry is null (allowed only with precision 'unlocated'); the {layer} layer needs one of {sorted(allowed)}", label, "geometry")]
    if geom["type"] not in allowed:
        return [Problem(file, f"{geom['type']} is not allowed in the {layer} layer (allowed: {sorted(allowed)})", label, "geometry")]
    try:
        shp = shape(geom)
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        return [Problem(file, f"geometry cannot be read: {exc}", label, "geometry")]
    if shp.is_empty:
        return [Problem(file, "geometry is empty", label, "geometry")]
    problems = region_problems(geom, file, label)
    if not shp.is_valid:
        problems.append(Problem(file, f"invalid geometry: {shapely.is_valid_reason(shp)}", label, "geometry"))
    return problems + orientation_problems(geom, file, label)


def _property_value_problems(props: dict, file: str, label: str, sources: dict) -> list[Problem]:
    problems = []
    for name in settings.DATE_FIELDS:
        if props.get(name) is not None and parse_iso_date(props[name]) is None:
            problems.append(Problem(file, f"date {props[name]!r} is not YYYY-MM-DD", label, name))
    if parse_iso_date(props.get("date")) and parse_iso_date(props.get("date_to")):
        if props["date_to"] < props["date"]:
            problems.append(Problem(file, "'date_to' is before 'date'", label, "date_to"))
    enums = {
        "precision": settings.PRECISIONS,
        "date_precision": settings.DATE_PRECISIONS,
        "before": settings.CONTROLLERS,
        "after": settings.CONTROLLERS,
    }
    for name, allowed in enums.items():
        if props.get(name) not in (None, "") and props[name] not in allowed:
            problems.append(Problem(file, f"{props[name]!r} is not one of {allowed}", label, name))
    if props.get("precision") in ("exact", "approximate") and not _is_positive_number(props.get("precision_m")):
        problems.append(Problem(file, "exact and approximate positions need a radius in metres", label, "precision_m"))
    problems += _source_problems(props, file, label, sources)
    return problems


def _source_problems(props: dict, file: str, label: str, sources: dict) -> list[Problem]:
    """Every ``source`` key (and every claim's source) must be in sources.json."""
    problems = []
    keys = _as_list(props.get("source"))
    for claim in props.get("claims") or []:
        keys += _as_list(claim.get("source") if isinstance(claim, dict) else None)
    for key in keys:
        if key not in sources:
            problems.append(Problem(file, f"source {key!r} is not in {settings.SOURCES_FILE}", label, "source"))
    return problems


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _is_positive_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def linked_place_ids(props: dict) -> list[str]:
    """Place ids a feature links to (``place_id`` or ``place_ids``)."""
    ids: list[str] = []
    for name in PLACE_LINK_FIELDS:
        ids += _as_list(props.get(name))
    return ids


def link_problems(raw_layers: dict[str, dict], file_names: dict[str, str]) -> list[Problem]:
    """Links from posts, control changes and incidents to places that do not exist."""
    places = raw_layers.get("places") or {}
    known = {feature_id(f) for f in places.get("features", []) if isinstance(f, dict)}
    problems = []
    for layer, raw in raw_layers.items():
        for index, feature in enumerate(raw.get("features", [])):
            props = feature.get("properties") if isinstance(feature, dict) else None
            for pid in linked_place_ids(props if isinstance(props, dict) else {}):
                if pid not in known:
                    problems.append(
                        Problem(file_names[layer], f"links to unknown place {pid!r}", feature_label(index, feature), "place_ids")
                    )
    return problems


def to_geodataframe(raw: dict) -> gpd.GeoDataFrame:
    """A validated FeatureCollection as a GeoDataFrame indexed by feature id."""
    features = raw["features"]
    gdf = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    # from_features drops properties that are lists/dicts into object columns: keep them.
    gdf.index = [feature_id(f) for f in features]
    gdf.index.name = "fid"
    if "id" not in gdf.columns:
        gdf["id"] = gdf.index
    return gdf


def load_layers(data_dir: Path, sources: dict[str, dict]) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, dict], list[Problem]]:
    """Read, validate and convert every layer file; returns (layers, raw, problems)."""
    raw_layers: dict[str, dict] = {}
    problems: list[Problem] = []
    broken: set[str] = set()
    for layer, file in settings.LAYER_FILES.items():
        path = Path(data_dir) / file
        if layer in settings.OPTIONAL_LAYERS and not path.exists():
            continue
        raw, read_problems = read_json(path)
        layer_problems = read_problems or validate_layer(raw, layer, file, sources)
        problems += layer_problems
        if layer_problems:
            broken.add(layer)
        # Keep a structurally sound collection even when some features are bad,
        # so that links into it can still be checked.
        if not read_problems and isinstance(raw, dict) and isinstance(raw.get("features"), list):
            raw_layers[layer] = raw
    problems += link_problems(raw_layers, settings.LAYER_FILES)
    layers = {name: to_geodataframe(raw) for name, raw in raw_layers.items() if name not in broken}
    return layers, {k: v for k, v in raw_layers.items() if k not in broken}, problems


def load_layer_file(path: Path, layer: str, sources: dict[str, dict] | None = None) -> gpd.GeoDataFrame:
    """Load one layer file on its own; raise :class:`GeoDataError` listing every problem.

    Without ``sources`` the source keys are not checked (handy for one-off files).
    """
    raw, problems = read_json(Path(path))
    if not problems:
        known = sources if sources is not None else _AnyKey()
        problems = validate_layer(raw, layer, Path(path).name, known)
    if problems:
        raise GeoDataError(problems)
    return to_geodataframe(raw)


class _AnyKey(dict):
    """A source register that knows every key (used when none is given)."""

    def __contains__(self, key: object) -> bool:
        return True
