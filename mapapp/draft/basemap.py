"""A drafted story's basemap, clipped to its region: countries and their provinces, named, from Natural Earth.

From the admin-1 index (:mod:`mapapp.draft.regions`, 1:10m simplified to about 1 km: coasts and borders within a
kilometre or two, provinces named on the map) when ``make setup`` built it; otherwise the 1:110m countries in
pyogrio's wheel (coasts off by kilometres, no provinces). Either way it says nothing about who holds an area.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import shapely
from shapely.geometry import box, mapping, shape

from mapapp.draft.gazetteer import exact_key
from mapapp.draft.regions import SOURCE as ADMIN1_SOURCE
from mapapp.draft.regions import SOURCE_ID as ADMIN1_SOURCE_ID
from mapapp.draft.regions import ccw_polygons, units_in

LOWRES_ID = "natural-earth-lowres"
LOWRES_SOURCE = {
    "title": "Natural Earth 1:110m admin-0 countries (naturalearth_lowres), as shipped in the pyogrio wheel's test fixtures",
    "url": "https://www.naturalearthdata.com/about/terms-of-use/",
    "publisher": "Natural Earth (public domain)",
    "leaning": "package",
}
ADMIN1_NOTE = (
    "Country and province outlines for orientation (Natural Earth 1:10m admin-1, simplified to about 1 km; an older "
    "edition: some provinces have changed since); clipped to the story's region; it says nothing about who controls "
    "an area."
)
LOWRES_NOTE = (
    "Schematic country outline for orientation only (Natural Earth 1:110m: borders and coasts are off by kilometres); "
    "clipped to the story's region; it says nothing about who controls an area. "
    "Replace it with a finer boundary file for the story's region."
)


@dataclass(frozen=True)
class Basemap:
    """The ``boundaries.geojson`` of a draft, and what the story's manifest and sources say of it."""

    collection: dict[str, Any]
    label: str
    source_id: str
    source: dict[str, str]


def draft_basemap(bounds: list[float], country_names: dict[str, str]) -> Basemap | None:
    """The basemap of a story whose region is ``bounds``; ``country_names``: ISO code → name. None without data."""
    area = box(*bounds)
    units = units_in(bounds)
    if units:
        features: list[dict] = []
        by_country: dict[str, list[Any]] = {}
        for unit in units:
            geom = shape(unit.geometry)
            by_country.setdefault(unit.country, []).append(geom)
            clipped = _clipped(geom, area)
            if clipped is not None:
                features.append(
                    _feature(f"admin1-{unit.country.lower()}-{_slug(unit.name)}", unit.name, "admin1", clipped, ADMIN1_NOTE)
                )
        countries = []
        for iso, shapes in sorted(by_country.items()):
            clipped = _clipped(shapely.union_all(shapes), area)
            if clipped is not None:
                name = country_names.get(iso, iso)
                countries.append(_feature(f"country-{iso.lower()}", name, "country", clipped, ADMIN1_NOTE))
        label = "Countries and provinces (Natural Earth 1:10m admin-1, simplified)"
        collection = {"type": "FeatureCollection", "features": countries + features}
        return Basemap(_unique_ids(collection), label, ADMIN1_SOURCE_ID, ADMIN1_SOURCE)
    return _lowres(area)


def _lowres(area: Any) -> Basemap | None:
    import geopandas as gpd

    path = resources.files("pyogrio") / "tests" / "fixtures" / "naturalearth_lowres" / "naturalearth_lowres.shp"
    if not path.is_file():
        return None
    world = gpd.read_file(str(path))
    features = []
    for _i, row in world[world.intersects(area)].iterrows():
        clipped = _clipped(row.geometry, area)
        if clipped is None:
            continue
        iso = str(row["iso_a3"]).lower()
        fid = f"country-{iso}" if iso != "-99" else f"country-{_slug(str(row['name']))}"
        features.append(_feature(fid, str(row["name"]), "country", clipped, LOWRES_NOTE, source=LOWRES_ID))
    if not features:
        return None
    collection = {"type": "FeatureCollection", "features": features}
    return Basemap(collection, "Countries (Natural Earth 1:110m, schematic)", LOWRES_ID, LOWRES_SOURCE)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", exact_key(name)).strip("-") or "area"


def _clipped(geom: Any, area: Any) -> Any | None:
    """``geom`` inside the story's region, as (Multi)Polygon with counter-clockwise exteriors (RFC 7946)."""
    return ccw_polygons(geom.intersection(area))


def _feature(fid: str, name: str, kind: str, geom: Any, note: str, source: str = ADMIN1_SOURCE_ID) -> dict:
    return {
        "type": "Feature",
        "geometry": mapping(geom),
        "properties": {"id": fid, "name": name, "kind": kind, "source": [source], "precision": "schematic", "note": note},
    }


def _unique_ids(collection: dict) -> dict:
    """Two units of one name in a country (a district and its town) get ``-2``, ``-3``…: ids are unique."""
    seen: dict[str, int] = {}
    for feature in collection["features"]:
        fid = feature["properties"]["id"]
        seen[fid] = seen.get(fid, 0) + 1
        if seen[fid] > 1:
            feature["properties"]["id"] = f"{fid}-{seen[fid]}"
    return collection
