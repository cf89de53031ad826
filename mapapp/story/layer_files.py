"""Load and validate the story's GeoJSON layers and its source register.

Which layers a story has comes from its manifest; what each kind may hold
(file, geometries, required properties, allowed states) from the registry in
:mod:`mapapp.story.layers`. Every layer becomes a GeoDataFrame (EPSG:4326) indexed by
feature id. All problems in all files are gathered and raised together as one
:class:`~mapapp.story.validate.GeoDataError`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import shape

from mapapp import settings
from mapapp.story.jsonfile import read_json
from mapapp.story.layers import KINDS, PLACES, SIDE_FIELDS, LayerKind
from mapapp.story.manifest import Manifest
from mapapp.story.validate import (
    GeoDataError,
    Problem,
    as_list,
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


def load_sources(data_dir: Path, leanings: tuple[str, ...] = settings.SOURCE_LEANINGS) -> tuple[dict[str, dict], list[Problem]]:
    """The source register: key -> {title, url, publisher, leaning, ...}; ``leanings`` from the manifest."""
    raw, problems = read_json(data_dir / settings.SOURCES_FILE)
    if problems:
        return {}, problems
    if not isinstance(raw, dict):
        return {}, [Problem(settings.SOURCES_FILE, "must be a JSON object of source key -> record")]
    for key, record in raw.items():
        if not isinstance(record, dict) or not isinstance(record.get("title"), str) or not record["title"]:
            problems.append(Problem(settings.SOURCES_FILE, "each source needs a 'title'", f"'{key}'", "title"))
        elif record.get("leaning") not in leanings:
            message = f"'leaning' {record.get('leaning')!r} is not one of {leanings} (story.json source_leanings adds more)"
            problems.append(Problem(settings.SOURCES_FILE, message, f"'{key}'", "leaning"))
    return raw, problems


class _Context:
    """What a layer's checks need besides the file: the kind, the sources, the manifest."""

    def __init__(self, kind: LayerKind, sources: dict[str, dict], manifest: Manifest | None):
        self.kind = kind
        self.file = kind.file
        self.sources = sources
        self.manifest = manifest


def validate_layer(raw: Any, kind: LayerKind, sources: dict[str, dict], manifest: Manifest | None = None) -> list[Problem]:
    """Every problem with one layer's FeatureCollection, structural and semantic."""
    file = kind.file
    problems = check_geojson(raw, file)
    if not isinstance(raw, dict) or raw.get("type") != "FeatureCollection":
        if isinstance(raw, dict) and raw.get("type") not in (None, "FeatureCollection"):
            problems.append(Problem(file, f"must be a FeatureCollection, got {raw.get('type')!r}", field="type"))
        return problems
    if problems:  # structure is broken: semantic checks would only echo it
        return problems
    context = _Context(kind, sources, manifest)
    seen: dict[str, int] = {}
    for index, feature in enumerate(raw["features"]):
        label = feature_label(index, feature)
        problems += _feature_problems(feature, label, context)
        fid = feature_id(feature)
        if fid is not None:
            if fid in seen:
                problems.append(Problem(file, f"duplicate id {fid!r} (also feature #{seen[fid]})", label, "id"))
            seen.setdefault(fid, index)
    return problems


def _feature_problems(feature: dict, label: str, ctx: _Context) -> list[Problem]:
    props = feature.get("properties") or {}
    file = ctx.file
    problems = [
        Problem(file, "missing required property", label, name) for name in ctx.kind.required if props.get(name) in (None, "")
    ]
    top_id = feature.get("id")
    if top_id is not None and props.get("id") is not None and str(top_id) != str(props["id"]):
        problems.append(Problem(file, f"top-level id {top_id!r} differs from properties.id {props['id']!r}", label, "id"))
    for name in ("id", "name"):
        if props.get(name) not in (None, "") and not isinstance(props[name], str):
            problems.append(Problem(file, f"'{name}' must be a string, got {props[name]!r}", label, name))
    fid = feature_id(feature)
    if fid is not None and not settings.ID_PATTERN.fullmatch(fid):
        problems.append(Problem(file, f"id {fid[:60]!r} {settings.ID_RULE}", label, "id"))
    if not isinstance(props.get("aliases"), (list, type(None))) or not all(
        isinstance(a, str) for a in props.get("aliases") or []
    ):
        problems.append(Problem(file, "'aliases' must be a list of strings", label, "aliases"))
    if not (feature.get("geometry") is None and props.get("precision") == "unlocated"):
        problems += _geometry_problems(feature.get("geometry"), label, ctx)
    problems += _property_value_problems(props, label, ctx)
    problems += _states_problems(props, label, ctx)
    problems += _source_problems(props, label, ctx)
    return problems


def _geometry_problems(geom: dict | None, label: str, ctx: _Context) -> list[Problem]:
    allowed, file, layer = ctx.kind.geometry_types, ctx.file, ctx.kind.id
    if geom is None:
        message = f"geometry is null (allowed only with precision 'unlocated'); the {layer} layer needs one of {sorted(allowed)}"
        return [Problem(file, message, label, "geometry")]
    if geom["type"] not in allowed:
        return [
            Problem(file, f"{geom['type']} is not allowed in the {layer} layer (allowed: {sorted(allowed)})", label, "geometry")
        ]
    try:
        shp = shape(geom)
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        return [Problem(file, f"geometry cannot be read: {exc}", label, "geometry")]
    if shp.is_empty:
        return [Problem(file, "geometry is empty", label, "geometry")]
    problems = region_problems(geom, file, label, ctx.manifest.region if ctx.manifest else None)
    if not shp.is_valid:
        problems.append(Problem(file, f"invalid geometry: {shapely.is_valid_reason(shp)}", label, "geometry"))
    return problems + orientation_problems(geom, file, label)


def _property_value_problems(props: dict, label: str, ctx: _Context) -> list[Problem]:
    file = ctx.file
    problems = []
    for name in settings.DATE_FIELDS:
        if props.get(name) is not None and parse_iso_date(props[name]) is None:
            problems.append(Problem(file, f"date {props[name]!r} is not YYYY-MM-DD", label, name))
    if parse_iso_date(props.get("date")) and parse_iso_date(props.get("date_to")) and props["date_to"] < props["date"]:
        problems.append(Problem(file, "'date_to' is before 'date'", label, "date_to"))
    enums: dict[str, tuple[str, ...]] = {"precision": settings.PRECISIONS, "date_precision": settings.DATE_PRECISIONS}
    if ctx.manifest is not None:
        sides = tuple(ctx.manifest.sides)
        enums.update({name: sides for name in SIDE_FIELDS})
    for name, allowed in enums.items():
        if props.get(name) not in (None, "") and props[name] not in allowed:
            where = " (the sides declared in story.json)" if name in SIDE_FIELDS else ""
            problems.append(Problem(file, f"{props[name]!r} is not one of {allowed}{where}", label, name))
    radius = props.get("precision_m")
    if props.get("precision") in ("exact", "approximate") and not _is_positive_number(radius):
        problems.append(Problem(file, "exact and approximate positions need a radius in metres", label, "precision_m"))
    elif radius is not None and not (_is_positive_number(radius) and radius <= settings.MAX_PRECISION_M):
        problems.append(
            Problem(file, f"{radius!r} is not a radius from 1 m to {settings.MAX_PRECISION_M:,} m", label, "precision_m")
        )
    return problems


def _states_problems(props: dict, label: str, ctx: _Context) -> list[Problem]:
    """A ``states`` list: objects with a real date and a status the kind allows (rule ``states``)."""
    states = props.get("states")
    if states is None:
        return []
    file = ctx.file
    if not isinstance(states, list):
        return [Problem(file, "'states' must be a list of {date, status, source}", label, "states")]
    allowed = tuple(ctx.kind.statuses)
    problems = []
    for i, state in enumerate(states):
        where = f"states[{i}]"
        if not isinstance(state, dict):
            problems.append(Problem(file, "must be an object {date, status, source}", label, where))
            continue
        if parse_iso_date(state.get("date")) is None:
            problems.append(Problem(file, f"date {state.get('date')!r} is not YYYY-MM-DD", label, f"{where}.date"))
        if allowed and state.get("status") not in allowed:
            message = f"status {state.get('status')!r} is not one of {allowed} (the {ctx.kind.id} kind's states)"
            problems.append(Problem(file, message, label, f"{where}.status"))
        elif allowed and ctx.kind.statuses[state["status"]].by_side and ctx.manifest is not None:
            sides = tuple(ctx.manifest.sides)
            if state.get("by") not in sides:
                message = f"a {state['status']!r} state names the side holding it: 'by' must be one of {sides}"
                problems.append(Problem(file, message, label, f"{where}.by"))
        if state.get("date_to") is not None and parse_iso_date(state["date_to"]) is None:
            problems.append(Problem(file, f"date {state['date_to']!r} is not YYYY-MM-DD", label, f"{where}.date_to"))
    return problems


def _source_keys(props: dict) -> list[tuple[str, Any]]:
    """(field path, source key) for every source a feature cites: its own, its claims', its states' and theirs."""
    keys = [("source", key) for key in as_list(props.get("source"))]
    keys += _claim_source_keys(props.get("claims"), "claims")
    states = props.get("states")
    for i, state in enumerate(states if isinstance(states, list) else []):
        if isinstance(state, dict):
            keys += [(f"states[{i}].source", key) for key in as_list(state.get("source"))]
            keys += _claim_source_keys(state.get("claims"), f"states[{i}].claims")
    return keys


def _claim_source_keys(claims: Any, path: str) -> list[tuple[str, Any]]:
    keys = []
    for j, claim in enumerate(claims if isinstance(claims, list) else []):
        if isinstance(claim, dict):
            keys += [(f"{path}[{j}].source", key) for key in as_list(claim.get("source"))]
    return keys


def _source_problems(props: dict, label: str, ctx: _Context) -> list[Problem]:
    """Every source key (the feature's, each claim's, each state's) must be in sources.json."""
    problems = []
    for path, key in _source_keys(props):
        if not isinstance(key, str) or key not in ctx.sources:
            problems.append(Problem(ctx.file, f"source {key!r} is not in {settings.SOURCES_FILE}", label, path))
    states = props.get("states")
    states = states if isinstance(states, list) else []
    claim_lists = [("claims", props.get("claims"))]
    claim_lists += [(f"states[{i}].claims", s.get("claims")) for i, s in enumerate(states) if isinstance(s, dict)]
    for path, claims in claim_lists:
        if claims is not None and not (isinstance(claims, list) and all(isinstance(c, dict) for c in claims)):
            problems.append(Problem(ctx.file, "must be a list of objects {text, source}", label, path))
    return problems


def _is_positive_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 and math.isfinite(value)


def _linked_place_ids(props: dict) -> list[tuple[str, Any]]:
    return [(name, pid) for name in PLACE_LINK_FIELDS for pid in as_list(props.get(name))]


def link_problems(raw_layers: dict[str, dict]) -> list[Problem]:
    """Links from any layer to places that do not exist, reported under the field that holds them."""
    places = raw_layers.get(PLACES) or {}
    known = {feature_id(f) for f in places.get("features", []) if isinstance(f, dict)}
    problems = []
    for layer, raw in raw_layers.items():
        for index, feature in enumerate(raw.get("features", [])):
            props = feature.get("properties") if isinstance(feature, dict) else None
            for name, pid in _linked_place_ids(props if isinstance(props, dict) else {}):
                if pid not in known:
                    label = feature_label(index, feature)
                    problems.append(Problem(KINDS[layer].file, f"links to unknown place {pid!r}", label, name))
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


def load_layers(
    data_dir: Path, sources: dict[str, dict], manifest: Manifest
) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, dict], list[Problem]]:
    """Read, validate and convert every layer the manifest lists; returns (layers, raw, problems)."""
    raw_layers: dict[str, dict] = {}
    problems: list[Problem] = []
    broken: set[str] = set()
    for kind_id in manifest.layers:
        kind = KINDS[kind_id]
        path = Path(data_dir) / kind.file
        if kind.optional_file and not path.exists():
            continue
        raw, read_problems = read_json(path)
        layer_problems = read_problems or validate_layer(raw, kind, sources, manifest)
        problems += layer_problems
        if layer_problems:
            broken.add(kind_id)
        # Keep a structurally sound collection even when some features are bad,
        # so that links into it can still be checked.
        if not read_problems and isinstance(raw, dict) and isinstance(raw.get("features"), list):
            raw_layers[kind_id] = raw
    problems += _unlisted_layer_files(data_dir, manifest)
    problems += link_problems(raw_layers)
    layers = {name: to_geodataframe(raw) for name, raw in raw_layers.items() if name not in broken}
    return layers, {k: v for k, v in raw_layers.items() if k not in broken}, problems


def _unlisted_layer_files(data_dir: Path, manifest: Manifest) -> list[Problem]:
    """A layer file the manifest does not list would be silently ignored: say so instead."""
    return [
        Problem(
            kind.file, f"is in the story folder but {settings.MANIFEST_FILE} does not list the {kind.id!r} layer", field="layers"
        )
        for kind in KINDS.values()
        if kind.id not in manifest.layers and (Path(data_dir) / kind.file).exists()
    ]


def load_basemap_extras(manifest: Manifest) -> tuple[dict, list[Problem]]:
    """The manifest's terrain (bounds and image) and rivers (GeoJSON), checked; ``{}`` when it names none."""
    extras: dict[str, Any] = {}
    problems: list[Problem] = []
    if manifest.terrain is not None:
        meta, read_problems = read_json(manifest.terrain)
        bounds: Any = meta.get("bounds") if isinstance(meta, dict) else None
        if read_problems:
            problems += read_problems
        elif not _is_south_west_north_east(bounds):
            problems.append(
                Problem(manifest.terrain.name, f"'bounds' must be [[south, west], [north, east]], got {bounds!r}", field="bounds")
            )
        else:
            extras["terrain"] = {"bounds": bounds, "image": manifest.terrain.with_suffix(".png")}
    if manifest.rivers is not None:
        raw, read_problems = read_json(manifest.rivers)
        name = manifest.rivers.name
        found = read_problems or check_geojson(raw, name)
        if not found:
            for index, feature in enumerate(raw.get("features") or []):
                if feature.get("geometry"):
                    found += orientation_problems(feature["geometry"], name, feature_label(index, feature))
        problems += found
        if not found:
            extras["rivers"] = raw
    return extras, problems


def _is_south_west_north_east(bounds: Any) -> bool:
    """``[[south, west], [north, east]]`` in degrees, south < north and west < east."""
    if not (isinstance(bounds, list) and len(bounds) == 2 and all(isinstance(c, list) and len(c) == 2 for c in bounds)):
        return False
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for c in bounds for v in c):
        return False
    (south, west), (north, east) = bounds
    return -90 <= south < north <= 90 and -180 <= west < east <= 180


def load_layer_file(path: Path, kind_id: str, sources: dict[str, dict] | None = None) -> gpd.GeoDataFrame:
    """Load one layer file of kind ``kind_id`` on its own; raise :class:`GeoDataError` listing every problem.

    Without ``sources`` the source keys are not checked (handy for one-off files);
    no manifest, so no region or side checks.
    """
    raw, problems = read_json(Path(path))
    if not problems:
        known = sources if sources is not None else _AnyKey()
        problems = validate_layer(raw, KINDS[kind_id], known)
    if problems:
        raise GeoDataError(problems)
    return to_geodataframe(raw)


class _AnyKey(dict):
    """A source register that knows every key (used when none is given)."""

    def __contains__(self, key: object) -> bool:
        return True
