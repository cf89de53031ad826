"""The map as an object: layers, offline assets, escaping, click handling."""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from datetime import date

import pytest
from streamlit_folium import _get_map_string

from mapapp import events, settings
from mapapp.render import assets, mapbuild
from mapapp.render import control as mapcontrol
from mapapp.story.states import layer_states

from .conftest import SHIPPED

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "${alert(2)}",
    "a\\`);alert(3);//",
    "</script><script>alert(4)</script>",
    '" onmouseover="alert(5)',
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


def look_on(timeline: dict, fid: str, day: date):
    """[first day, last day, style, label, colour] of ``fid`` on ``day``, or None when not drawn."""
    number = events.date_to_day(day)
    for layer in timeline["layers"].values():
        for feature in layer["features"]:
            if feature["id"] == fid:
                return next((t for t in feature["properties"]["t"] if t[0] <= number <= t[1]), None)
    raise KeyError(fid)


def test_story_timeline_holds_every_layer_and_drawable_place(story):
    timeline = mapbuild.story_timeline(story)
    assert list(timeline["layers"]) == ["control", "highways", "incidents", "posts", "places"]
    drawn = {f["id"] for f in timeline["layers"]["places"]["features"]}
    located = {fid for fid, row in story.layers["places"].iterrows() if row.geometry is not None and not row.geometry.is_empty}
    assert drawn == located
    saraqeb = next(f for f in timeline["layers"]["places"]["features"] if f["id"] == "saraqeb")
    spans = saraqeb["properties"]["t"]
    assert spans[0][0] == timeline["start"] and spans[-1][1] == timeline["end"]
    assert all(a[1] + 1 == b[0] for a, b in itertools.pairwise(spans))  # every day covered once


@pytest.mark.parametrize(
    "day, expected", [(date(2020, 2, 10), "government"), (date(2020, 2, 27), "opposition"), (date(2020, 3, 3), "government")]
)
def test_timeline_colours_saraqeb_by_date(story, day, expected):
    look = look_on(mapbuild.story_timeline(story), "saraqeb", day)
    assert look[4] == SHIPPED.sides[expected].colour
    assert expected in look[3]


def test_timeline_draws_incidents_only_from_their_date(story):
    timeline = mapbuild.story_timeline(story)
    assert look_on(timeline, "inc-airstrike-2020-02-27", date(2020, 2, 26)) is None
    assert look_on(timeline, "inc-airstrike-2020-02-27", date(2020, 2, 27)) is not None


@pytest.mark.parametrize("day, expected", [(date(2020, 2, 10), "government"), (date(2020, 2, 27), "opposition")])
def test_place_colour_follows_the_date(story, day, expected):
    row = next(r for r in layer_states(story, "places", day) if r.id == "saraqeb")
    assert row.status == expected
    assert row.colour == SHIPPED.sides[expected].colour


def test_incidents_appear_only_once_they_happened(story):
    assert layer_states(story, "incidents", date(2020, 2, 20)) == []
    assert {r.id for r in layer_states(story, "incidents", date(2020, 2, 27))} >= {"inc-airstrike-2020-02-27"}


def test_hostile_text_is_escaped_in_rendered_html(story):
    places = story.layers["places"].copy()
    places.loc["saraqeb", "name"] = PAYLOADS[0] + PAYLOADS[1] + PAYLOADS[2]
    hostile = dataclasses.replace(story, layers={**story.layers, "places": places})  # a new story: maps are cached per story
    m = mapbuild.build_standalone_map(hostile, day=SHIPPED.events_date, visible=["places"])
    html = m.get_root().render()
    assert "<img src=x" not in html and "\\u003cimg" not in html  # never a real tag, raw or JSON-escaped
    assert "`);alert(3)" not in html
    assert "${alert(2)}" not in html
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html  # escaped, then JSON-encoded


def test_layer_control_carries_visibility_day_and_selection(story):
    m = mapbuild.build_base_map(story)
    control = mapcontrol.SyncedLayerControl(m, hidden=["highways"], state=mapbuild.story_state(date(2020, 2, 10), "saraqeb"))
    control.add_to(m)
    js = m.get_root().render()
    assert 'var hidden = ["highways"]' in js
    assert f'"highways": {mapbuild.toggle_elements(m)["highways"].get_name()}' in js
    day = events.date_to_day(date(2020, 2, 10))
    assert f'.setState({{"day": {day}, "focus": [], "lang": "en", "selected": "saraqeb"}})' in js  # tojson sorts keys
    assert "scrollIntoView" not in js  # no selection outside the map asked for the map to be revealed
    revealed = mapbuild.build_base_map(story)
    mapcontrol.SyncedLayerControl(revealed, hidden=[], state=mapbuild.story_state(date(2020, 2, 10), None), reveal=3).add_to(
        revealed
    )
    js = revealed.get_root().render()
    assert "reveal 3" in js and "frame.scrollIntoView" in js


def test_base_map_holds_no_story_data_only_where_to_fetch_it(story):
    js = _get_map_string(mapbuild.build_base_map(story))
    assert "Saraqeb" not in js and "loss is a big setback" not in js
    assert len(js) < 20_000  # re-sent whenever the control changes: it must stay small
    url = re.search(r'"(/app/static/cache/story-[0-9a-f]+\.json)"', js).group(1)
    published = settings.STATIC_DIR / url.removeprefix(settings.STATIC_URL + "/")
    assert json.loads(published.read_text(encoding="utf-8")) == json.loads(json.dumps(mapbuild.story_timeline(story)))


CLICKS = [
    ({"last_active_drawing": {"type": "Feature", "properties": {"id": "saraqeb", "label": "x"}}}, "saraqeb"),
    ({"last_active_drawing": {"type": "Feature", "properties": {"id": "nowhere"}}}, None),
    ({"last_active_drawing": None}, None),
    ({}, None),
    (None, None),
]


@pytest.mark.parametrize("event, expected", CLICKS)
def test_place_id_from_click(story, event, expected):
    assert mapcontrol.place_id_from_click(event, story.entities) == expected


@pytest.mark.parametrize(
    "tooltip, expected",
    [
        ("layers:places,posts", ["places", "posts"]),
        ("layers:", []),
        ("Saraqeb: opposition", None),
        (None, None),
        ("layers:evil,places", ["places"]),
    ],
)
def test_layers_from_event(tooltip, expected):
    assert mapcontrol.layers_from_event({"last_object_clicked_tooltip": tooltip}, list(SHIPPED.layers)) == expected


def test_exports(story):
    import json

    geo = json.loads(mapbuild.visible_geojson(story, day=SHIPPED.events_date, visible=["places", "highways"]))
    assert {f["properties"]["layer"] for f in geo["features"]} == {"places", "highways"}
    assert "crs" not in geo
    html = mapbuild.standalone_html(story, day=SHIPPED.events_date, visible=["places"])
    assert "L.map(" in html and "/app/static" not in html and "cdn.jsdelivr" not in html


def _look(timeline: dict, fid: str, day: date) -> dict:
    return timeline["styles"][look_on(timeline, fid, day)[2]]


def test_sieges_are_rings_claims_hollow_unknowns_hollow_grey(story):
    timeline = mapbuild.story_timeline(story)
    day = date(2020, 2, 27)
    besieged, partly, operating = (_look(timeline, fid, day) for fid in ("op-09-morek", "op-saraqeb", "op-01-salwa"))
    assert besieged["weight"] == 4 and besieged["dashArray"] is None and besieged["color"] != "#ffffff"
    assert partly["weight"] == 4 and partly["dashArray"] == "4 3"
    assert operating["color"] == "#ffffff" and operating["fillColor"] == besieged["fillColor"]  # same holder, no ring
    claimed = _look(timeline, "kafr-nabl", day)  # taken per SouthFront only (pro-government)
    assert (
        claimed["fillColor"] == "#ffffff"
        and claimed["dashArray"] == "3 2"
        and claimed["color"] == SHIPPED.sides["government"].colour
    )
    assert "claimed according to SouthFront" in look_on(timeline, "kafr-nabl", day)[3]
    confirmed = _look(timeline, "saraqeb", day)  # AP and Reuters
    assert confirmed["fillColor"] == SHIPPED.sides["opposition"].colour and confirmed.get("dashArray") is None
    unknown = _look(timeline, "sarmin", day)
    assert unknown["fillColor"] == "#ffffff" and unknown["color"] == SHIPPED.sides["unknown"].colour


@pytest.mark.parametrize(
    "tooltip, expected",
    [
        ("day:18319", date(2020, 2, 27)),
        ("day:", None),
        ("day:x", None),
        ("layers:places", None),
        (None, None),
        ("day:99999999", None),
    ],
)
def test_day_from_event(tooltip, expected):
    assert mapcontrol.day_from_event({"last_object_clicked_tooltip": tooltip}) == expected


TEMPLATE_PAYLOAD = "{{ 7*7 }}{{ cycler.__init__.__globals__.os.getcwd() }}"


def test_data_is_never_evaluated_as_a_jinja_template_on_the_server(data_copy):
    """branca re-parses rendered map parts as Jinja (mapapp/_branca.py): text from the data must stay text."""
    from mapapp.story.model import load_story

    manifest = json.loads((data_copy / "story.json").read_text(encoding="utf-8"))
    manifest["sides"]["government"]["label"] = TEMPLATE_PAYLOAD
    manifest["layers"]["posts"]["legend_title"] = TEMPLATE_PAYLOAD
    (data_copy / "story.json").write_text(json.dumps(manifest), encoding="utf-8")
    boundaries = json.loads((data_copy / "boundaries.geojson").read_text(encoding="utf-8"))
    boundaries["features"][0]["properties"]["name"] = TEMPLATE_PAYLOAD
    (data_copy / "boundaries.geojson").write_text(json.dumps(boundaries), encoding="utf-8")
    story = load_story(data_copy)
    page = mapbuild.standalone_html(story, day=story.manifest.events_date, visible=story.story_layers)
    assert "{{ 7*7 }}" in page and ">49<" not in page and "49{{" not in page
    assert str(settings.REPO_DIR) not in page  # os.getcwd() was not called


def test_every_file_the_browser_reads_carries_its_format_and_the_page_says_which_it_expects(story, tmp_path):
    """Declared once (mapapp/contract.py): a stale cached file or another release's script is refused."""
    from mapapp import contract
    from mapapp.events import synthetic
    from mapapp.render import viewmodel

    assert mapbuild.story_timeline(story)["format"] == contract.STORY
    assert viewmodel.site_view(story)["format"] == contract.VIEW
    loaded = events.read_events(synthetic.events_csv(synthetic.synthetic_events(20, seed=3)).encode(), "e.csv")
    published = events.publish(loaded, tmp_path / "cache", "/c")
    assert published.manifest()["format"] == contract.EVENTS
    html = mapbuild.build_base_map(story, events="/c/manifest.json").get_root().render()
    assert json.dumps(contract.expected(), sort_keys=True) in html and f"format: {contract.EVENTS}" in html
    scripts = {
        name: (settings.STATIC_DIR / "mapapp" / name).read_text(encoding="utf-8")
        for name in ("story-layers.js", "events-layer.js", "site.js")
    }
    assert "data.format !== this.formats.story" in scripts["story-layers.js"]
    assert "m.format !== self.options.format" in scripts["events-layer.js"]
    assert "V.format !== story.formats.view" in scripts["site.js"]
