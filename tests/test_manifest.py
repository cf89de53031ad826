"""The story manifest (story.json), a second story, and the registry of layer kinds."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from types import MappingProxyType

import pytest
from shapely.geometry import Point

from mapapp import GeoDataError, load_story, settings
from mapapp.render import legend, mapbuild
from mapapp.story.layers import KINDS, LayerKind, Look
from mapapp.story.states import layer_states
from mapapp.story.timeline import timeline_events

from .conftest import SHIPPED
from .second_story import MANIFEST, SHIPPED_WORDS, SIDES, TITLE, write_second_story


def _edit_manifest(folder: Path, edit) -> None:
    path = folder / settings.MANIFEST_FILE
    raw = json.loads(path.read_text(encoding="utf-8"))
    edit(raw)
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")


def test_shipped_manifest_holds_the_story_facts():
    assert SHIPPED.title.startswith("Idlib")
    assert (SHIPPED.events_date, SHIPPED.published) == (date(2020, 2, 27), date(2020, 2, 28))
    assert (SHIPPED.timeline_start, SHIPPED.timeline_end) == (date(2019, 12, 1), date(2020, 3, 6))
    assert list(SHIPPED.sides) == ["government", "opposition", "contested", "unknown"]
    assert SHIPPED.layers["posts"].label == "Turkish observation posts"
    assert SHIPPED.region == (25.0, 29.0, 49.0, 42.5)
    assert SHIPPED.center == (35.75, 36.62) and SHIPPED.zoom == 10


def _set(path: str, value):
    """An edit that sets (or with None deletes) a dotted path of the manifest."""

    def edit(raw: dict) -> None:
        *parents, last = path.split(".")
        target = raw
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is None:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return edit


BAD_MANIFESTS = [
    # (label, edit, expected field, fragment of the message)
    ("title missing", _set("title", None), "title", "missing required field"),
    ("events date not a date", _set("events_date", "2020-02-3O"), "events_date", "not YYYY-MM-DD"),
    ("timeline backwards", _set("timeline.end", "2019-11-01"), "timeline.end", "before it starts"),
    ("events outside the timeline", _set("events_date", "2021-01-01"), "events_date", "outside the timeline"),
    ("published before the events", _set("published", "2020-02-01"), "published", "before the events"),
    ("bounds min > max", _set("region.bounds", [49.0, 29.0, 25.0, 42.5]), "region.bounds", "not a box"),
    ("bounds too short", _set("region.bounds", [25.0, 29.0, 49.0]), "region.bounds", "must be [min lon"),
    ("bounds beyond the globe", _set("region.bounds", [25.0, 29.0, 190.0, 42.5]), "region.bounds", "not a box"),
    ("colour not #rrggbb", _set("sides.government.colour", "red"), "sides.government.colour", "#rrggbb"),
    ("side without a label", _set("sides.opposition.label", None), "sides.opposition.label", "missing required field"),
    ("unknown layer kind", _set("layers.trenches", {}), "layers.trenches", "unknown layer kind"),
    ("layer label empty", _set("layers.posts.label", ""), "layers.posts.label", "non-empty string"),
    ("view outside the region", _set("view.center", [0.0, 0.0]), "view.center", "outside region.bounds"),
    ("zoom not a number", _set("view.zoom", "close"), "view.zoom", "whole number"),
    ("slug with spaces", _set("slug", "my story"), "slug", "lower-case letters"),
    (
        "furniture regex broken",
        _set("furniture.0.pattern", "(?P<title>"),
        "furniture[0].pattern",
        "not a valid regular expression",
    ),
    ("caption without a date group", _set("furniture.1.pattern", "^(?P<title>.+)$"), "furniture[1].pattern", "named group"),
    ("furniture of no known kind", _set("furniture.0.kind", "billboard"), "furniture[0].kind", "is not one of"),
    ("source leanings not strings", _set("source_leanings", [1, 2]), "source_leanings", "list of non-empty strings"),
    ("callout at no feature", _set("callouts.0.target", "nowhere"), "callouts[0].target", "no feature of the story's layers"),
    ("callout citing no passage", _set("callouts.0.passage", "p999"), "callouts[0].passage", "not in the article"),
    ("callout a paragraph long", _set("callouts.0.text", "word " * 20), "callouts[0].text", "at most"),
    (
        "callout ends before it starts",
        _set("callouts.1.date_to", "2020-01-01"),
        "callouts[1].date_to",
        "before the callout's date",
    ),
    ("callout outside the timeline", _set("callouts.0.date", "2021-01-01"), "callouts[0].date", "outside the timeline"),
    ("callout id not a slug", _set("callouts.0.id", "my callout"), "callouts[0].id", "letters, digits"),
    ("callout without text", _set("callouts.0.text", None), "callouts[0].text", "missing required field"),
    ("callouts not a list", _set("callouts", {"a": 1}), "callouts", "must be a list"),
]


@pytest.mark.parametrize("label, edit, field, fragment", BAD_MANIFESTS, ids=[b[0] for b in BAD_MANIFESTS])
def test_bad_manifest_is_reported_by_field(data_copy, label, edit, field, fragment):
    _edit_manifest(data_copy, edit)
    with pytest.raises(GeoDataError) as info:
        load_story(data_copy)
    matching = [p for p in info.value.problems if p.file == settings.MANIFEST_FILE and p.field == field and fragment in p.message]
    assert matching, "\n".join(map(str, info.value.problems))


def test_a_side_the_data_uses_must_be_declared(data_copy):
    _edit_manifest(data_copy, _set("sides.contested", None))
    with pytest.raises(GeoDataError) as info:
        load_story(data_copy)
    [problem] = [p for p in info.value.problems if p.field == "after" and "'contested'" in p.message]
    assert problem.file == "control.geojson" and "ctl-" in (problem.feature or "")


def test_a_layer_file_the_manifest_does_not_list_is_reported(data_copy):
    _edit_manifest(data_copy, _set("layers.incidents", None))
    with pytest.raises(GeoDataError) as info:
        load_story(data_copy)
    assert any(p.file == "incidents.geojson" and "does not list" in p.message for p in info.value.problems)


def test_a_folder_without_a_manifest_gets_a_clear_error(data_copy):
    (data_copy / settings.MANIFEST_FILE).unlink()
    with pytest.raises(GeoDataError) as info:
        load_story(data_copy)
    [problem] = info.value.problems
    assert problem.file == "story.json" and "every story folder needs a manifest" in problem.message


def test_several_manifest_problems_and_data_problems_come_together(data_copy):
    _edit_manifest(data_copy, _set("sides.government.colour", "red"))
    _edit_manifest(data_copy, _set("timeline.start", "someday"))
    (data_copy / "posts.geojson").write_text("{", encoding="utf-8")
    with pytest.raises(GeoDataError) as info:
        load_story(data_copy)
    fields = {(p.file, p.field) for p in info.value.problems}
    assert {("story.json", "sides.government.colour"), ("story.json", "timeline.start")} <= fields
    assert any(p.file == "posts.geojson" for p in info.value.problems)


# --- a second story: other country, year, sides and layers --------------------------------


@pytest.fixture(scope="module")
def second(tmp_path_factory):
    return load_story(write_second_story(tmp_path_factory.mktemp("second") / "story"))


def test_second_story_validates_with_its_own_region_dates_and_sides(second):
    assert second.manifest.title == TITLE
    assert second.story_layers == ["places", "highways", "frontlines", "control"]
    assert list(second.manifest.sides) == list(SIDES)
    assert second.manifest.region == tuple(MANIFEST["region"]["bounds"])  # eastern Europe: a point there is not "swapped"
    assert second.status("dolvik", date(2022, 6, 9)).controller == "south"
    assert second.status("dolvik", date(2022, 6, 10)).controller == "north"


def test_second_story_map_uses_its_sides_labels_and_view(second):
    m = mapbuild.build_base_map(second)
    html = mapbuild.build_standalone_map(second, day=date(2022, 6, 10), visible=second.story_layers).get_root().render()
    labels = {layer: element.layer_name for layer, element in mapbuild.toggle_elements(m).items()}
    assert labels == {
        "places": "Towns of the test story",
        "highways": "Roads (test)",
        "frontlines": "Front line (test)",
        "control": "Changes of hands",
    }
    assert "Northern Guard" in html and SIDES["north"]["colour"] in html
    for word in SHIPPED_WORDS:
        assert word not in html, word
    assert m.location == [48.02, 37.80]
    timeline = mapbuild.story_timeline(second)
    assert timeline["defaultDay"] == (date(2022, 6, 10) - date(1970, 1, 1)).days
    assert {"front-varta", "dolvik"} <= set(timeline["order"])


def test_second_story_front_line_follows_its_states(second):
    [before] = layer_states(second, "frontlines", date(2022, 6, 9))
    [after] = layer_states(second, "frontlines", date(2022, 6, 10))
    assert (before.status, after.status) == ("former", "active")
    assert after.colour == KINDS["frontlines"].statuses["active"].colour
    assert any(e["kind"] == "front" and e["id"] == "front-varta" for e in timeline_events(second.layers, []))


def test_second_story_article_uses_generic_furniture(second):
    kinds = [line["kind"] for line in second.article.lines]
    assert kinds == ["body", "link", "body", "advertisement", "body"]
    assert [p.id for p in second.passages_for("dolvik")] == ["p01"]


# --- the registry: a new kind needs an entry and nothing else ----------------------------


def test_a_new_layer_kind_needs_only_a_registry_entry(tmp_path, monkeypatch):
    kind = LayerKind(
        id="checkpoints",
        file="checkpoints.geojson",
        geometry_types=frozenset({"Point"}),
        required=("id", "name", "source", "precision", "states"),
        rule="states",
        label="Checkpoints",
        short_label="Checkpoints",
        legend_title="Checkpoints",
        panel="states",
        statuses=MappingProxyType({"manned": Look("#000080", "manned"), "abandoned": Look("#bbbbbb", "abandoned")}),
        draw_order=45,
    )
    monkeypatch.setitem(KINDS, "checkpoints", kind)
    folder = write_second_story(tmp_path / "story")
    _edit_manifest(folder, _set("layers.checkpoints", {"label": "Checkpoints on the road"}))
    point = {"type": "Point", "coordinates": list(Point(37.8, 48.01).coords[0])}
    states = [{"date": "2022-05-01", "status": "manned", "source": ["test-article"]},
              {"date": "2022-06-01", "status": "abandonned", "source": ["test-article"]}]  # fmt: skip
    props = {"id": "cp-1", "name": "Checkpoint 1", "source": ["test-article"], "precision": "schematic", "states": states}
    collection = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": point, "properties": props}]}
    (folder / "checkpoints.geojson").write_text(json.dumps(collection), encoding="utf-8")
    with pytest.raises(GeoDataError) as info:  # its states are checked against its own statuses
        load_story(folder)
    assert [(p.field, "'abandonned'" in p.message) for p in info.value.problems] == [("states[1].status", True)]
    states[1]["status"] = "abandoned"
    (folder / "checkpoints.geojson").write_text(json.dumps(collection), encoding="utf-8")
    story = load_story(folder)
    assert "checkpoints" in story.story_layers and "cp-1" in story.entities
    assert [s.status for s in layer_states(story, "checkpoints", date(2022, 6, 10))] == ["abandoned"]
    assert mapbuild.toggle_elements(mapbuild.build_base_map(story))["checkpoints"].layer_name == "Checkpoints on the road"
    assert any(block.title == "Checkpoints" for block in legend.legend(story))


# --- nothing story-specific in the package -------------------------------------------------

FORBIDDEN = re.compile(r"Idlib|Saraq|Turk|\bM[45]\b|\b20(19|20)\b|Syria", re.IGNORECASE)


def test_the_package_names_nothing_of_the_shipped_story():
    package_files = [*settings.PACKAGE_DIR.rglob("*.py"), *(settings.STATIC_DIR / "mapapp").glob("*.[jc]s*")]
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in package_files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if FORBIDDEN.search(line)
    ]
    assert found == []
