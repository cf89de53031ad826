"""A second story folder, built in code: another continent, year, sides and layer kinds.

It is fictional and says so on every file: two invented towns by a river in
eastern Europe, two invented sides, dates in 2022, and a front-line layer (a
kind the shipped story does not have). The tests use it to show that nothing of
the shipped story is wired into the app.
"""

from __future__ import annotations

import json
from pathlib import Path

TITLE = "Test story: the Varta ford, May–June 2022 (fictional)"
SIDES = {
    "north": {"label": "Northern Guard", "colour": "#1565c0", "legend": "held by the Northern Guard"},
    "south": {"label": "Southern Compact", "colour": "#ef6c00", "legend": "held by the Southern Compact"},
    "unknown": {"label": "unknown", "colour": "#7f8c8d", "legend": "no dated claim in this test story"},
}
MANIFEST = {
    "title": TITLE,
    "subtitle": "A fictional story used by the tests; no place or event in it is real",
    "page_title": "Varta ford (test story)",
    "slug": "varta-test",
    "outlet": "The Test Gazette (fictional)",
    "credits": "Written for the tests",
    "licence": "CC0",
    "events_date": "2022-06-10",
    "published": "2022-06-11",
    "timeline": {"start": "2022-05-01", "end": "2022-06-30", "about": "the test story's two months"},
    "region": {"bounds": [22.0, 44.0, 41.0, 53.0], "about": "eastern Europe"},
    "view": {"center": [48.02, 37.80], "zoom": 11},
    "sides": SIDES,
    "layers": {
        "places": {"label": "Towns of the test story", "short_label": "Towns", "legend_title": "Who holds the town"},
        "frontlines": {"label": "Front line (test)", "short_label": "Front"},
        "control": {"label": "Changes of hands", "short_label": "Changes"},
        "highways": {"label": "Roads (test)", "short_label": "Roads"},
    },
    "callouts": [
        {
            "id": "callout-dolvik",
            "text": "Northern Guard takes Dolvik",
            "target": "dolvik",
            "passage": "p01",
            "date": "2022-06-10",
        }
    ],
}
ARTICLE = """Northern Guard retakes Dolvik as the front moves to the Varta ford
DOLVIK — The Northern Guard took the town of Dolvik on Friday, a spokesman said, after three weeks of fighting.
READ MORE: An unrelated story of the fictional Test Gazette
The Southern Compact still holds Brennitsa, across the ford, according to local officials.
Advertisement
The front line now runs along the river, the spokesman said.
"""
ARTICLE_META = {
    "meta": {"agency": "The Test Gazette", "note": "fictional text for the tests"},
    "passages": {
        "p01": {
            "starts": "DOLVIK",
            "speakers": [{"who": "a Northern Guard spokesman", "side": "north"}],
            "dates": [{"phrase": "on Friday", "date": "2022-06-10", "date_precision": "day"}],
        },
        "p02": {"starts": "The Southern Compact", "speakers": [{"who": "local officials"}]},
    },
}
SOURCES = {
    "test-article": {"title": "The Test Gazette, 11 June 2022 (fictional)", "leaning": "article"},
    "test-gazetteer": {"title": "Coordinates made up for the tests", "leaning": "gazetteer"},
}


def _point(fid: str, name: str, lon: float, lat: float, **props) -> dict:
    properties = {"id": fid, "name": name, "source": ["test-gazetteer"], "precision": "exact", "precision_m": 500, **props}
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": properties}


def _collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


PLACES = _collection(
    _point("dolvik", "Dolvik", 37.78, 48.03, kind="town", aliases=["Dolwik"]),
    _point("brennitsa", "Brennitsa", 37.83, 48.00, kind="town", aliases=[]),
)
CONTROL = _collection(
    _point(
        "ctl-dolvik-2022-06-10", "Northern Guard takes Dolvik", 37.78, 48.03,
        place_ids=["dolvik"], date="2022-06-10", date_precision="day", before="south", after="north",
        source=["test-article"], claims=[], passages=["p01"],
    ),
    _point(
        "ctl-brennitsa-2022-05-01", "Southern Compact holds Brennitsa", 37.83, 48.00,
        place_ids=["brennitsa"], date="2022-05-01", date_precision="approximate", before="unknown", after="south",
        source=["test-article"], claims=[],
    ),
)  # fmt: skip
FRONTLINES = _collection(
    {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[37.70, 48.01], [37.80, 48.015], [37.90, 48.02]]},
        "properties": {
            "id": "front-varta",
            "name": "Front line along the Varta",
            "source": ["test-article"],
            "precision": "schematic",
            "states": [
                {"date": "2022-05-01", "status": "former", "source": ["test-article"]},
                {"date": "2022-06-10", "status": "active", "event": "front moves to the ford", "source": ["test-article"]},
            ],
        },
    }
)

HIGHWAYS = _collection(
    {
        "type": "Feature",
        "geometry": {
            "type": "LineString",
            "coordinates": [[37.62, 48.09], [37.70, 48.06], [37.78, 48.035], [37.86, 48.00], [37.95, 47.97]],
        },
        "properties": {
            "id": "road-v1",
            "name": "V1 road (fictional)",
            "ref": "V1",
            "source": ["test-gazetteer"],
            "precision": "schematic",
            "states": [{"date": "2022-05-01", "status": "open", "source": ["test-article"]}],
        },
    }
)


def write_second_story(folder: Path) -> Path:
    """Write the fictional test story into ``folder`` (created) and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "story.json": MANIFEST,
        "article.json": ARTICLE_META,
        "sources.json": SOURCES,
        "places.geojson": PLACES,
        "control.geojson": CONTROL,
        "frontlines.geojson": FRONTLINES,
        "highways.geojson": HIGHWAYS,
    }
    for name, data in files.items():
        (folder / name).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    (folder / "article.txt").write_text(ARTICLE, encoding="utf-8")
    return folder


# Words of the shipped story that must not appear anywhere in the second story's page.
SHIPPED_WORDS = ("Idlib", "Saraqeb", "Turk", "M4", "M5", "2020", "Syria")
