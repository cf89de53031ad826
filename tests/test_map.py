"""The map as an object: layers, offline assets, escaping, click handling."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit_folium import _get_map_string

from mapapp import assets, mapbuild, settings

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "${alert(2)}",
    "a\\`);alert(3);//",
    "</script><script>alert(4)</script>",
    "\" onmouseover=\"alert(5)",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_escape_text_neutralises_payloads(payload):
    out = mapbuild.escape_text(payload)
    for dangerous in ("<", ">", "`", "${", "\\", '"'):
        assert dangerous not in out


def test_escape_text_keeps_ordinary_text_readable():
    assert mapbuild.escape_text("ran away like rats.") == "ran away like rats."
    assert mapbuild.escape_text("Saraqeb’s loss") == "Saraqeb’s loss"


def test_base_map_is_offline_and_stable(story):
    first, second = mapbuild.build_base_map(story), mapbuild.build_base_map(story)
    first.get_root().render()
    second.get_root().render()
    assert assets.cdn_links(first) == []
    assert _get_map_string(first) == _get_map_string(second)  # same component key on every rerun


def test_story_groups_hold_every_layer_with_counts(story):
    groups = mapbuild.build_story_groups(story, day=settings.ARTICLE_DATE)
    assert list(groups) == ["control", "highways", "incidents", "posts", "places"]
    assert [g.layer_name for g in groups.values()] == [settings.LAYER_LABELS[k] for k in groups]
    rows = mapbuild.place_rows(story, settings.ARTICLE_DATE)
    assert len(rows) == len(story.layers["places"])


@pytest.mark.parametrize("day, expected", [(date(2020, 2, 10), "government"), (date(2020, 2, 27), "opposition")])
def test_place_colour_follows_the_date(story, day, expected):
    row = next(r for r in mapbuild.place_rows(story, day) if r["id"] == "saraqeb")
    assert row["status"] == expected
    assert row["colour"] == settings.CONTROLLER_COLOURS[expected]


def test_incidents_appear_only_once_they_happened(story):
    assert mapbuild.incident_rows(story, date(2020, 2, 20)) == []
    assert {r["id"] for r in mapbuild.incident_rows(story, date(2020, 2, 27))} >= {"inc-airstrike-2020-02-27"}


def test_hostile_text_is_escaped_in_rendered_html(story, monkeypatch):
    places = story.layers["places"].copy()
    places.loc["saraqeb", "name"] = PAYLOADS[0] + PAYLOADS[1] + PAYLOADS[2]
    monkeypatch.setitem(story.layers, "places", places)
    m = mapbuild.build_standalone_map(story, day=settings.ARTICLE_DATE, visible=["places"])
    html = m.get_root().render()
    assert "<img src=x" not in html and "\\u003cimg" not in html  # never a real tag, raw or JSON-escaped
    assert "`);alert(3)" not in html
    assert "${alert(2)}" not in html
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html  # escaped, then JSON-encoded


def test_layer_control_hides_the_layers_the_app_switched_off(story):
    groups = mapbuild.build_story_groups(story, day=settings.ARTICLE_DATE)
    control = mapbuild.SyncedLayerControl(mapbuild.streamlit_group_vars(list(groups)), hidden=["highways"])
    m = mapbuild.build_base_map(story)
    for group in groups.values():
        group.add_to(m)
    control.add_to(m)
    js = m.get_root().render()
    assert 'var hidden = ["highways"]' in js
    assert '"highways": feature_group_feature_group_1' in js


CLICKS = [
    ({"last_active_drawing": {"type": "Feature", "properties": {"id": "saraqeb", "label": "x"}}}, "saraqeb"),
    ({"last_active_drawing": {"type": "Feature", "properties": {"id": "nowhere"}}}, None),
    ({"last_active_drawing": None}, None),
    ({}, None),
    (None, None),
]


@pytest.mark.parametrize("event, expected", CLICKS)
def test_place_id_from_click(story, event, expected):
    assert mapbuild.place_id_from_click(event, story.entities) == expected


@pytest.mark.parametrize(
    "tooltip, expected",
    [("layers:places,posts", ["places", "posts"]), ("layers:", []), ("Saraqeb: opposition", None), (None, None), ("layers:evil,places", ["places"])],
)
def test_layers_from_event(tooltip, expected):
    assert mapbuild.layers_from_event({"last_object_clicked_tooltip": tooltip}, settings.TOGGLE_LAYERS) == expected


def test_exports(story):
    import json

    geo = json.loads(mapbuild.visible_geojson(story, day=settings.ARTICLE_DATE, visible=["places", "highways"]))
    assert {f["properties"]["layer"] for f in geo["features"]} == {"places", "highways"}
    assert "crs" not in geo
    html = mapbuild.standalone_html(story, day=settings.ARTICLE_DATE, visible=["places"])
    assert "L.map(" in html and "/app/static" not in html and "cdn.jsdelivr" not in html
