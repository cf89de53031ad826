"""A drafted story's basemap (mapapp.draft.basemap): countries and named provinces from Natural Earth admin-1."""

from __future__ import annotations

from pathlib import Path

from shapely.geometry import Point, shape

from mapapp import draft
from mapapp.draft.basemap import draft_basemap
from mapapp.draft.gazetteer import load as load_gazetteer
from mapapp.render.labels import map_text
from mapapp.story.model import load_story

KHERSON = Path(__file__).parent / "articles" / "kherson-2022.txt"


def test_the_basemap_holds_the_countries_and_named_provinces_of_the_region_clipped_to_it():
    bounds = [30.5, 45.5, 35.5, 48.5]  # the lower Dnipro
    basemap = draft_basemap(bounds, {"UA": "Ukraine"})
    assert basemap is not None and basemap.source_id == "natural-earth-admin1"
    by_kind: dict[str, list[dict]] = {}
    for f in basemap.collection["features"]:
        by_kind.setdefault(f["properties"]["kind"], []).append(f)
    assert "Ukraine" in {f["properties"]["name"] for f in by_kind["country"]}
    provinces = {f["properties"]["name"]: shape(f["geometry"]) for f in by_kind["admin1"]}
    assert {"Kherson", "Mykolayiv", "Zaporizhzhya"} <= set(provinces)
    assert provinces["Mykolayiv"].distance(Point(31.99541, 46.96591)) < 0.01  # Mykolaiv city, GeoNames 700569
    west, south, east, north = bounds
    for geom in provinces.values():
        x0, y0, x1, y1 = geom.bounds
        assert west - 1e-6 <= x0 and x1 <= east + 1e-6 and south - 1e-6 <= y0 and y1 <= north + 1e-6
    ids = [f["properties"]["id"] for f in basemap.collection["features"]]
    assert len(ids) == len(set(ids))


def test_a_drafted_story_names_its_provinces_on_the_map(tmp_path):
    files = draft.draft_story(draft.read_article(KHERSON), gazetteer=load_gazetteer())
    draft.write_draft(files, tmp_path / "kherson")
    story = load_story(tmp_path / "kherson")  # validates the basemap: ids, RFC 7946 rings, its source
    assert "natural-earth-admin1" in story.sources
    areas = {a["text"] for a in map_text(story)["areas"]}
    assert {"Ukraine", "Kherson", "Mykolayiv"} <= areas
