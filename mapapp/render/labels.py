"""Place labels written on the map: which places, in which order of importance.

Placement itself happens in the browser (``static/mapapp/story-layers.js``:
greedy placement with eight candidate positions per label, in rank order,
re-run after every zoom and pan), because only the browser knows each label's
size and the view. Python decides what only the story knows: the order. The
selected place and the places of the current passage come first (the browser
has those from the state it is sent); then the places the article names, by
the number of passages that name them; then larger places (city, town,
village); then names, so that the order is stable.
"""

from __future__ import annotations

import math
from datetime import date

import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from mapapp import settings
from mapapp.story.layers import BOUNDARIES, KINDS, PLACES
from mapapp.story.model import Story

EPOCH = date(1970, 1, 1)
# How much the size of a place weighs when the article does not decide (a city outranks a town...).
KIND_WEIGHT = {"city": 3, "capital": 3, "town": 2, "village": 1}
LABELLED_LAYER = PLACES


def ranked_labels(story: Story) -> list[dict]:
    """Point places as ``{"id", "text", "text_ar", "rank", "passages"}``, most important first (rank 0).

    Texts are plain; :func:`mapapp.render.mapbuild.story_timeline` escapes them for the browser.
    """
    places = story.layers.get(LABELLED_LAYER)
    if places is None:
        return []
    named = {pid: len(story.passages_for(pid)) for pid in places.index}
    keyed: list[tuple[tuple[int, int, str], dict]] = []
    for fid in places.index:
        place = story.record(str(fid))
        geom = place.geometry
        if geom is None or geom.is_empty or geom.geom_type != "Point":
            continue  # areas and lines are named by their outline and tooltip, not a point label
        key = (-named[fid], -KIND_WEIGHT.get(place.kind, 0), place.name.casefold())
        keyed.append((key, {"id": place.id, "text": place.name, "text_ar": place.name_ar, "passages": named[fid]}))
    keyed.sort(key=lambda pair: pair[0])
    return [{**row, "rank": rank} for rank, (_key, row) in enumerate(keyed)]


def map_text(story: Story) -> dict:
    """The other text of the map, placed by the browser with the place labels (story-layers.js: layoutLabels).

    ``callouts``: what happened, at its feature (``anchor`` [lat, lon]), on the days ``from``..``to``;
    ``lines``: road names (a line's ``ref``; a segment ``part_of`` another is named by its whole);
    ``areas``: countries and provinces of the basemap, each with points inside it to choose from.
    Days are days since 1970-01-01; texts are plain.
    """
    return {"callouts": _callouts(story), "lines": _line_names(story), "areas": _area_names(story)}


def _day(value: date | None) -> int | None:
    return None if value is None else (value - EPOCH).days


def _anchor(geom: BaseGeometry) -> list[float]:
    """Where a callout's leader line starts: the point, a line's middle, or a point inside an area."""
    if geom.geom_type == "Point":
        point = geom
    elif "LineString" in geom.geom_type:
        line = max(getattr(geom, "geoms", [geom]), key=lambda g: g.length)
        point = line.interpolate(0.5, normalized=True)
    else:
        point = geom.representative_point()
    return [round(point.y, 5), round(point.x, 5)]


def _callouts(story: Story) -> list[dict]:
    geometry = {
        str(fid): row.geometry for layer, gdf in story.layers.items() if layer != BOUNDARIES for fid, row in gdf.iterrows()
    }
    return [
        {
            "id": c.id,
            "text": c.text,
            "target": c.target,
            "passage": c.passage,
            "from": _day(c.starts),
            "to": _day(c.ends),
            "anchor": _anchor(geometry[c.target]),
        }
        for c in story.manifest.callouts
        if geometry.get(c.target) is not None
    ]


def _line_names(story: Story) -> list[dict]:
    names = []
    for layer in story.story_layers:
        if KINDS[layer].id == BOUNDARIES:
            continue
        for fid in story.layers[layer].index:
            line = story.record(str(fid))
            geom = line.geometry
            if geom is None or "LineString" not in geom.geom_type or not line.ref or line.part_of is not None:
                continue
            names.append({"id": line.id, "text": line.ref})
    return names


def _area_names(story: Story) -> list[dict]:
    """Each named country and province, with points inside it (a grid, clipped to the story's region)."""
    boundaries = story.layers.get(BOUNDARIES)
    if boundaries is None:
        return []
    region = story.manifest.region or (-180.0, -85.0, 180.0, 85.0)
    out = []
    for fid in boundaries.index:
        area = story.record(str(fid))
        name, geom = area.name, area.geometry
        spec = settings.AREA_LABELS.get(area.kind)
        if spec is None or geom is None or geom.is_empty:
            continue
        clipped = geom.intersection(shapely.box(*region))
        if clipped.is_empty:
            continue
        step = spec["grid_degrees"]
        min_x, min_y, max_x, max_y = clipped.bounds
        grid = [
            Point(min_x + (i + 0.5) * step, min_y + (j + 0.5) * step)
            for i in range(max(1, math.ceil((max_x - min_x) / step)))
            for j in range(max(1, math.ceil((max_y - min_y) / step)))
        ]
        inside = [p for p in grid if clipped.contains(p)] or [clipped.representative_point()]
        text = name
        for suffix in settings.AREA_NAME_SUFFIXES:
            text = text.removesuffix(suffix)
        out.append(
            {
                "text": text,
                "kind": area.kind,
                "minZoom": spec["min_zoom"],
                "maxZoom": spec["max_zoom"],
                "points": [[round(p.y, 4), round(p.x, 4)] for p in inside],
            }
        )
    return out
