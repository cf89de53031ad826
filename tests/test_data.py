"""Loading and validating story folders: every problem reported at once, each located."""

from __future__ import annotations

import json
import re

import pytest

from mapapp import GeoDataError, load_story, settings
from mapapp.story.layer_files import load_layer_file

from .conftest import SHIPPED, feature_by_id, read_layer, write_layer


def test_shipped_story_loads_every_layer(story):
    assert set(story.layers) == set(SHIPPED.layers) == {"boundaries", "places", "posts", "highways", "control", "incidents"}
    for name, gdf in story.layers.items():
        assert gdf.crs.to_epsg() == 4326, name
        assert gdf.index.is_unique, name
        assert len(gdf) > 0, name


def test_every_feature_carries_source_and_precision(story):
    for name, gdf in story.layers.items():
        for fid, row in gdf.iterrows():
            assert row["source"], (name, fid)
            assert row["precision"] in settings.PRECISIONS, (name, fid)
            for key in row["source"]:
                assert key in story.sources, (name, fid, key)


def test_places_of_the_story_are_present(story):
    for pid in (
        "saraqeb",
        "al-bara",
        "baliun",
        "jabal-al-zawiya",
        "idlib",
        "idlib-province",
        "hatay",
        "ankara",
        "aleppo",
        "damascus",
        "hama",
        "northern-hama",
        "coastal-region",
        "turkish-border",
        "sheer-maghar",
    ):
        assert pid in story.layers["places"].index


def test_twelve_numbered_observation_posts(story):
    numbers = sorted(n for n in story.layers["posts"]["number"].dropna())
    assert numbers == list(range(1, 13))


def _mutate(data_copy, layer, fid, **changes):
    """Set (or, with None, remove) properties of one feature; keys may be paths like ``states[1].status``."""
    raw = read_layer(data_copy, layer)
    feature = feature_by_id(raw, fid)
    for key, value in changes.items():
        if key == "geometry":
            feature["geometry"] = value
            continue
        *parents, last = re.findall(r"[^.\[\]]+", key)
        target = feature["properties"]
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is None:
            target.pop(last, None)
        else:
            target[int(last) if last.isdigit() else last] = value
    write_layer(data_copy, layer, raw)


BAD_INPUTS = [
    # (label, mutation, expected file, expected fragment of the message, expected field)
    ("missing id", ("places", "ankara", {"id": None}), "places.geojson", "missing required property", "id"),
    ("missing name", ("places", "ankara", {"name": None}), "places.geojson", "missing required property", "name"),
    ("bad date", ("control", "ctl-saraqeb-2020-02-27", {"date": "27/02/2020"}), "control.geojson", "not YYYY-MM-DD", "date"),
    ("bad precision", ("places", "ankara", {"precision": "roughly"}), "places.geojson", "is not one of", "precision"),
    ("unknown source", ("places", "ankara", {"source": ["nowhere"]}), "places.geojson", "not in sources.json", "source"),
    (
        "unknown controller",
        ("control", "ctl-saraqeb-2020-02-27", {"after": "aliens"}),
        "control.geojson",
        "is not one of",
        "after",
    ),
    (
        "link to unknown place",
        ("incidents", "inc-airstrike-2020-02-27", {"place_ids": ["atlantis"]}),
        "incidents.geojson",
        "unknown place 'atlantis'",
        "place_ids",
    ),
    (
        "link to unknown passage",
        ("incidents", "inc-airstrike-2020-02-27", {"passages": ["p99"]}),
        "incidents.geojson",
        "unknown passage 'p99'",
        "passages",
    ),
    (
        "wrong geometry type",
        ("posts", "op-09-morek", {"geometry": {"type": "LineString", "coordinates": [[36.6, 35.3], [36.7, 35.4]]}}),
        "posts.geojson",
        "not allowed in the posts layer",
        "geometry",
    ),
    (
        "empty geometry",
        ("places", "ankara", {"geometry": {"type": "Polygon", "coordinates": []}}),
        "places.geojson",
        "",
        "geometry",
    ),
    (
        "out of range",
        ("places", "ankara", {"geometry": {"type": "Point", "coordinates": [200.0, 39.9]}}),
        "places.geojson",
        "not a valid lon/lat",
        "geometry",
    ),
    (
        "swapped lat/lon",
        ("places", "damascus", {"geometry": {"type": "Point", "coordinates": [33.5, 26.3]}}),
        "places.geojson",
        "outside the story's region",
        "geometry",
    ),
    (
        "projected metres",
        ("places", "aleppo", {"geometry": {"type": "Point", "coordinates": [4000000.0, 4300000.0]}}),
        "places.geojson",
        "not a valid lon/lat",
        "geometry",
    ),
    (
        "self-intersecting polygon",
        (
            "control",
            "ctl-southern-idlib-2020-02-27",
            {
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[36.4, 35.5], [36.6, 35.7], [36.6, 35.5], [36.4, 35.7], [36.4, 35.5]]],
                }
            },
        ),
        "control.geojson",
        "invalid geometry",
        "geometry",
    ),
    ("name not a string", ("places", "ankara", {"name": 42}), "places.geojson", "must be a string", "name"),
    # entries of a states list: status, date and source, under their own paths
    (
        "post status misspelt",
        ("posts", "op-09-morek", {"states[1].status": "besiged"}),
        "posts.geojson",
        "'besiged' is not one of",
        "states[1].status",
    ),
    (
        "state date not a date",
        ("posts", "op-09-morek", {"states[1].date": "2020-02-3O"}),
        "posts.geojson",
        "not YYYY-MM-DD",
        "states[1].date",
    ),
    (
        "highway status misspelt",
        ("highways", "m5-saraqeb", {"states[2].status": "clsoed"}),
        "highways.geojson",
        "'clsoed' is not one of",
        "states[2].status",
    ),
    (
        "state cites an unknown source",
        ("highways", "m5-saraqeb", {"states[2].source": ["no-such-source"]}),
        "highways.geojson",
        "'no-such-source' is not in sources.json",
        "states[2].source",
    ),
    (
        "state's claim cites an unknown source",
        ("highways", "m5", {"states[1].claims[0].source": "no-such-source"}),
        "highways.geojson",
        "not in sources.json",
        "states[1].claims[0].source",
    ),
    (
        "state not an object",
        ("posts", "op-09-morek", {"states[0]": "besieged"}),
        "posts.geojson",
        "must be an object",
        "states[0]",
    ),
    # claims and links, under the field that holds them
    (
        "claim cites an unknown source",
        ("incidents", "inc-airstrike-2020-02-27", {"claims[0].source": "no-such-source"}),
        "incidents.geojson",
        "not in sources.json",
        "claims[0].source",
    ),
    (
        "claims not a list",
        ("incidents", "inc-airstrike-2020-02-27", {"claims": "many"}),
        "incidents.geojson",
        "must be a list",
        "claims",
    ),
    (
        "place_id to an unknown place",
        ("posts", "op-09-morek", {"place_id": "atlantis"}),
        "posts.geojson",
        "unknown place 'atlantis'",
        "place_id",
    ),
    (
        "member_place_ids to an unknown place",
        ("control", "ctl-southern-idlib-2020-02-27", {"member_place_ids": ["atlantis"]}),
        "control.geojson",
        "unknown place 'atlantis'",
        "member_place_ids",
    ),
    (
        "side not declared in the manifest",
        ("control", "ctl-saraqeb-2020-02-27", {"before": "turkey"}),
        "control.geojson",
        "the sides declared in story.json",
        "before",
    ),
    (
        "clockwise exterior ring",
        (
            "control",
            "ctl-southern-idlib-2020-02-27",
            {
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[36.4, 35.5], [36.4, 35.7], [36.6, 35.7], [36.6, 35.5], [36.4, 35.5]]],
                }
            },
        ),
        "control.geojson",
        "counter-clockwise",
        "geometry",
    ),
]


@pytest.mark.parametrize("label, mutation, file, fragment, field", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_reported_with_file_feature_and_field(data_copy, label, mutation, file, fragment, field):
    layer, fid, changes = mutation
    _mutate(data_copy, layer, fid, **changes)
    with pytest.raises(GeoDataError) as info:
        load_story(data_copy)
    matching = [p for p in info.value.problems if p.file == file and p.field == field and fragment in p.message]
    assert matching, "\n".join(map(str, info.value.problems))
    assert matching[0].feature and matching[0].feature.startswith("#")


def test_duplicate_ids_are_reported(data_copy):
    raw = read_layer(data_copy, "places")
    raw["features"].append(json.loads(json.dumps(raw["features"][0])))
    write_layer(data_copy, "places", raw)
    with pytest.raises(GeoDataError) as info:
        load_story(data_copy)
    assert any("duplicate id 'saraqeb'" in p.message for p in info.value.problems)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("{not json", "not valid JSON"),
        ('{"type": "Feature", "properties": {}, "geometry": null}', "must be a FeatureCollection"),
        ('{"type": "FeatureCollection", "features": [], "crs": {"type": "name"}}', "'crs' member"),
        ("[]", "expected a JSON object"),
    ],
)
def test_broken_files_are_reported_not_raised(data_copy, text, fragment):
    (data_copy / "highways.geojson").write_text(text, encoding="utf-8")
    with pytest.raises(GeoDataError) as info:
        load_story(data_copy)
    assert any(p.file == "highways.geojson" and fragment in p.message for p in info.value.problems)


def test_all_problems_are_reported_together(data_copy):
    _mutate(data_copy, "places", "ankara", name=None)
    _mutate(data_copy, "control", "ctl-saraqeb-2020-02-27", date="yesterday")
    (data_copy / "incidents.geojson").write_text("{", encoding="utf-8")
    with pytest.raises(GeoDataError) as info:
        load_story(data_copy)
    files = {p.file for p in info.value.problems}
    assert {"places.geojson", "control.geojson", "incidents.geojson"} <= files
    assert str(info.value).count("\n  - ") == len(info.value.problems)


def test_missing_file_is_a_problem(data_copy):
    (data_copy / "posts.geojson").unlink()
    with pytest.raises(GeoDataError) as info:
        load_story(data_copy)
    assert any(p.file == "posts.geojson" and "not found" in p.message for p in info.value.problems)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ('{"type": "FeatureCollection", "features": [], "x": NaN}', "NaN is not a number in JSON"),
        ('{"type": "FeatureCollection", "features": [], "x": Infinity}', "Infinity is not a number in JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
    ids=["NaN", "Infinity", "nested 100,000 deep"],
)
def test_hostile_json_is_a_problem_not_a_crash(data_copy, text, fragment):
    (data_copy / "places.geojson").write_text(text, encoding="utf-8")
    with pytest.raises(GeoDataError) as info:
        load_story(data_copy)
    assert any(p.file == "places.geojson" and fragment in p.message for p in info.value.problems), info.value


@pytest.mark.parametrize(
    "literal, value_text",
    [("1e400", "1e400"), ("-2E+999", "-2E+999"), ("9" * 400, "999999999999…")],
    ids=["1e400", "-2e999", "400-digit integer"],
)
def test_a_number_past_a_double_is_named_by_file_feature_and_field(data_copy, literal, value_text):
    # Python reads 1e400 as inf; a browser's JSON.parse as Infinity: the page drew nothing and ?place= crashed.
    text = (data_copy / "places.geojson").read_text(encoding="utf-8")
    text, replaced = re.subn(r'"precision_m": ?1500\b', f'"precision_m": {literal}', text, count=1)
    assert replaced == 1
    (data_copy / "places.geojson").write_text(text, encoding="utf-8")
    with pytest.raises(GeoDataError) as info:
        load_story(data_copy)
    [problem] = [p for p in info.value.problems if "out of range" in p.message]
    assert problem.file == "places.geojson" and problem.field == "properties.precision_m"
    assert problem.feature is not None and problem.feature.startswith("#") and value_text in problem.message


@pytest.mark.parametrize("radius", [0, -5, 500_001, 1e300])
def test_an_uncertainty_radius_out_of_range_is_a_problem(data_copy, radius):
    places = read_layer(data_copy, "places")
    feature_by_id(places, "saraqeb")["properties"]["precision_m"] = radius
    write_layer(data_copy, "places", places)
    with pytest.raises(GeoDataError) as info:
        load_story(data_copy)
    assert any(p.field == "precision_m" and "saraqeb" in (p.feature or "") for p in info.value.problems), info.value


@pytest.mark.parametrize("bad_id", ["saraqeb town", "<img src=x>", "-lead", "a" * 129, "x\u2028y"])
def test_a_feature_id_must_be_a_slug_because_it_goes_into_links(data_copy, bad_id):
    places = read_layer(data_copy, "places")
    feature = places["features"][-1]
    feature["properties"]["id"] = feature["id"] = bad_id
    write_layer(data_copy, "places", places)
    with pytest.raises(GeoDataError) as info:
        load_story(data_copy)
    assert any(p.field == "id" and "letters, digits" in p.message for p in info.value.problems), info.value


@pytest.mark.parametrize("name", ["places.geojson", "sources.json", "article.txt", "story.json"])
def test_a_link_leading_out_of_the_story_folder_is_refused_and_its_target_never_shown(data_copy, tmp_path, name):
    secret = tmp_path / "secret.txt"
    secret.write_text("ROOT_PASSWORD=hunter2\n", encoding="utf-8")
    (data_copy / name).unlink()
    (data_copy / name).symlink_to(secret)
    with pytest.raises(GeoDataError) as info:
        load_story(data_copy)
    assert any(p.file == name and "outside the story folder" in p.message for p in info.value.problems), info.value
    assert "hunter2" not in str(info.value)


def test_a_link_to_a_file_of_the_same_folder_is_fine(data_copy):
    (data_copy / "sources-real.json").write_bytes((data_copy / "sources.json").read_bytes())
    (data_copy / "sources.json").unlink()
    (data_copy / "sources.json").symlink_to(data_copy / "sources-real.json")
    assert load_story(data_copy).sources


def test_load_layer_file_on_its_own(tmp_path):
    path = tmp_path / "mine.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [36.8, 35.86]},
                        "properties": {
                            "id": "x",
                            "name": "X",
                            "source": ["mine"],
                            "precision": "exact",
                            "precision_m": 50,
                            "kind": "town",
                            "aliases": [],
                        },
                    }
                ],
            }
        )
    )
    gdf = load_layer_file(path, "places")
    assert list(gdf.index) == ["x"]
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": null}]}')
    with pytest.raises(GeoDataError) as info:
        load_layer_file(path, "places")
    assert len(info.value.problems) >= 4  # id, name, source, precision, kind, aliases, geometry


def test_derived_files_are_reproducible(tmp_path):
    """scripts/build_geodata.py rebuilds the shipped layers byte for byte."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "scripts/build_geodata.py", "--check"], cwd=settings.REPO_DIR, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_every_data_file_is_listed_in_the_data_readme():
    readme = (settings.DEFAULT_DATA_DIR / "README.md").read_text(encoding="utf-8")
    files = [p.relative_to(settings.DEFAULT_DATA_DIR).as_posix() for p in settings.DEFAULT_DATA_DIR.rglob("*") if p.is_file()]
    unlisted = [name for name in files if name != "README.md" and f"`{name}`" not in readme]
    assert unlisted == []


def test_a_road_held_by_a_side_names_the_side_in_its_colour_and_words(data_copy, story):
    """The registry says "held by one side"; which side is the story's data (``by``), checked against its sides."""
    from datetime import date

    from mapapp.render.legend import legend
    from mapapp.story.layers import KINDS
    from mapapp.story.records import State
    from mapapp.story.states import state_words

    opposition = story.manifest.side("opposition")
    assert state_words(story, KINDS["highways"], State(date(2020, 2, 1), "held", by="opposition")) == (
        "held by opposition",
        opposition.colour,
    )
    roads = next(b for b in legend(story) if b.layer == "highways")
    assert (opposition.colour, "held by opposition") in [(colour, name) for colour, name, _words, _ring in roads.entries]
    raw = read_layer(data_copy, "highways")
    feature_by_id(raw, "m4")["properties"]["states"][0]["by"] = "nobody"
    write_layer(data_copy, "highways", raw)
    with pytest.raises(GeoDataError) as caught:
        load_story(data_copy)
    assert any(p.field == "states[0].by" and "must be one of" in p.message for p in caught.value.problems)
