"""The editor's operations and sessions (mapapp.edit): each change validated, written whole, reversible."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mapapp import draft, load_story, settings
from mapapp.draft.gazetteer import load as load_gazetteer
from mapapp.edit.features import AddClaim, AddFeature, AddSegment, AddState, Reshape
from mapapp.edit.operations import (
    Accept,
    AddSource,
    Delete,
    EditError,
    Place,
    RemoveCallout,
    SetCallout,
    SetDates,
    SetManifest,
    SetSide,
    SetView,
    contrast,
    review_items,
)
from mapapp.edit.reading import LinkPassage, MarkFurniture, SetDate, SetSpeaker
from mapapp.edit.session import HISTORY, ConflictError, EditSession
from mapapp.story.validate import GeoDataError

KHERSON = Path(__file__).parent / "articles" / "kherson-2022.txt"


@pytest.fixture(scope="module")
def drafted(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("drafted") / "kherson"
    draft.write_draft(draft.draft_story(draft.read_article(KHERSON), gazetteer=load_gazetteer()), out)
    return out


@pytest.fixture
def folder(drafted, tmp_path) -> Path:
    copy = tmp_path / "kherson"
    shutil.copytree(drafted, copy)
    return copy


def _props(folder: Path, fid: str) -> dict:
    places = json.loads((folder / "places.geojson").read_text(encoding="utf-8"))
    return next(f for f in places["features"] if f["properties"]["id"] == fid)


def test_the_review_list_puts_doubts_then_unlocated_names_first(folder):
    items = review_items(EditSession(folder).docs)
    orders = [item["order"] for item in items]
    assert orders == sorted(orders) and items and any(not i["placed"] for i in items)


def test_accepting_a_place_clears_its_draft_flag_and_is_a_version(folder):
    session = EditSession(folder)
    assert session.apply(Accept("kherson")) == "accepted Kherson"
    props = _props(folder, "kherson")["properties"]
    assert "draft" not in props and "draft_review" not in props
    assert [h["summary"] for h in session.history()] == ["accepted Kherson"]
    load_story(folder)  # still a valid story


def test_placing_an_unlocated_name_with_a_new_source_then_moving_it(folder):
    session = EditSession(folder)
    unlocated = next(i for i in review_items(session.docs) if not i["placed"])
    session.apply(
        AddSource("osm-check", "OpenStreetMap node, checked by hand", "https://www.openstreetmap.org/", "OSM", "reference")
    )
    summary = session.apply(Place(unlocated["id"], 33.0, 46.7, "osm-check", precision="approximate", precision_m=1500))
    assert summary.startswith(f"placed {unlocated['name']} at 46.7000, 33.0000")
    feature = _props(folder, unlocated["id"])
    assert feature["geometry"]["coordinates"] == [33.0, 46.7] and feature["properties"]["source"] == ["osm-check"]
    assert session.apply(Place(unlocated["id"], 33.01, 46.7, "osm-check")).startswith(f"moved {unlocated['name']} 0.8 km")


def test_a_change_that_would_not_load_is_refused_and_nothing_is_written(folder):
    session = EditSession(folder)
    before = (folder / settings.MANIFEST_FILE).read_bytes()
    with pytest.raises(GeoDataError) as info:
        session.apply(SetManifest("events_date", "2099-01-01"))  # outside the timeline
    assert any(p.field == "events_date" for p in info.value.problems)
    assert (folder / settings.MANIFEST_FILE).read_bytes() == before and session.history() == []
    with pytest.raises(EditError, match="not a longitude"):
        session.apply(Place("kherson", 200.0, 46.6, "geonames"))
    with pytest.raises(EditError, match="no source"):
        session.apply(Place("kherson", 32.6, 46.6, "nowhere"))


def test_undo_and_redo_walk_the_versions(folder):
    session = EditSession(folder)
    session.apply(Accept("kherson"))

    def callout_targets() -> list[str]:
        manifest = json.loads((folder / settings.MANIFEST_FILE).read_text(encoding="utf-8"))
        return [c["target"] for c in manifest.get("callouts", [])]

    assert "snihurivka" in callout_targets()  # the draft wrote a callout at it
    session.apply(Delete("snihurivka"))
    assert "snihurivka" not in callout_targets()  # a callout at nothing goes with its place
    assert session.undo() == "undid deleted Snihurivka and its callout"
    assert _props(folder, "snihurivka") and "snihurivka" in callout_targets()  # both back
    assert session.redo() == "redid deleted Snihurivka and its callout"
    with pytest.raises(StopIteration):
        _props(folder, "snihurivka")
    assert session.undo() == "undid deleted Snihurivka and its callout" and session.undo() == "undid accepted Kherson"
    assert _props(folder, "kherson")["properties"]["draft"] is True and session.undo() is None
    session.apply(Accept("mykolaiv"))  # a new change: the undone ones can no longer be redone
    assert session.redo() is None and [h["summary"] for h in session.history()] == ["accepted Mykolaiv"]
    assert (folder / HISTORY).is_dir()
    load_story(folder)


def test_two_editors_on_one_folder_never_overwrite_each_other(folder):
    first, second = EditSession(folder), EditSession(folder)
    first.apply(Accept("kherson"))
    with pytest.raises(ConflictError, match="another editor"):
        second.apply(Delete("kherson"))
    assert "draft" not in _props(folder, "kherson")["properties"]  # the first editor's change stands
    second.reload()
    second.apply(Accept("mykolaiv"))  # after a reload, the second editor works on the current files
    assert [h["summary"] for h in second.history()] == ["accepted Kherson", "accepted Mykolaiv"]


def test_a_folder_that_cannot_be_written_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError):
        EditSession(tmp_path / "missing")


# --- the page (AppTest) ----------------------------------------------------------------------


def _editor(monkeypatch, folder: Path):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv(settings.DATA_DIR_ENV, str(folder))
    at = AppTest.from_file(str(settings.EDITOR_SCRIPT), default_timeout=60)
    at.run()
    return at


def test_the_editor_lists_the_review_and_accepting_saves_a_version(monkeypatch, folder):
    at = _editor(monkeypatch, folder)
    assert not at.exception
    assert any("To review:" in m.value for m in at.markdown)
    at.button(key="accept_kherson").click().run()
    assert any("accepted Kherson" in s.value for s in at.success)
    assert "draft" not in _props(folder, "kherson")["properties"]
    at.button(key="undo").click().run()
    assert any("undid accepted Kherson" in s.value for s in at.success)
    assert _props(folder, "kherson")["properties"]["draft"] is True


def test_the_editor_places_a_name_where_the_map_was_clicked(monkeypatch, folder):
    at = _editor(monkeypatch, folder)
    unlocated = next(i for i in review_items(EditSession(folder).docs) if not i["placed"])
    at.session_state["edit_click"] = (46.7, 33.0)
    at.run()
    at.button(key=f"place_{unlocated['id']}").click().run()
    assert not at.exception
    assert _props(folder, unlocated["id"])["geometry"]["coordinates"] == [33.0, 46.7]


def test_the_editor_shows_every_problem_and_saves_nothing(monkeypatch, folder):
    at = _editor(monkeypatch, folder)
    at.sidebar.text_input[0].set_value("")  # an empty title: the story would not load (sent with the form)
    at.button(key="save_manifest").click().run()
    assert any("Not saved" in e.value for e in at.error)
    assert json.loads((folder / settings.MANIFEST_FILE).read_text(encoding="utf-8"))["title"]


def test_the_edit_command_refuses_a_missing_folder(tmp_path, capsys):
    from mapapp import cli

    assert cli.main(["edit", str(tmp_path / "nowhere")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_publishing_from_the_editor_replaces_only_a_site_it_published(monkeypatch, folder, tmp_path):
    from mapapp.app.editor import publish

    session = EditSession(folder)
    site = tmp_path / "site"
    assert "published" in publish(session, site) and (site / "index.html").is_file()
    assert "published" in publish(session, site)  # the same site again: replaced
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "mine.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(EditError, match="not a published site"):
        publish(session, precious)
    assert (precious / "mine.txt").read_text(encoding="utf-8") == "keep me"


# --- drawing, dated states, the article's reading, the sides (mapapp.edit.features / reading) -------------

AREA_CW = {
    "type": "Polygon",
    "coordinates": [[[32.5, 46.6], [32.5, 46.7], [32.7, 46.7], [32.7, 46.6], [32.5, 46.6]]],
}  # Kherson in it
LINE = {"type": "LineString", "coordinates": [[32.3, 46.55], [32.6, 46.62], [32.9, 46.7]]}


def _layer(folder: Path, file: str) -> list[dict]:
    return json.loads((folder / file).read_text(encoding="utf-8"))["features"]


def _with_source(session: EditSession) -> str:
    session.apply(AddSource("isw-map", "ISW control map, 11 Nov 2022", "https://example.org/isw", "ISW", "reference"))
    return "isw-map"


def test_a_drawn_control_area_with_two_dated_changes_is_counter_clockwise_and_loads(folder):
    from shapely.geometry import shape

    session = EditSession(folder)
    source = _with_source(session)
    sides = list(session.docs[settings.MANIFEST_FILE]["sides"])
    said = session.apply(AddFeature("control", AREA_CW, "Kherson city", source, "approximate", 3000, date="2022-03-02",
                                    before=sides[1], after=sides[0]))  # fmt: skip
    assert said == "drew control kherson city (Polygon)".replace("kherson city", "Kherson city")
    later = session.apply(AddState("control", "kherson-city", "2022-11-11", source, after=sides[1]))
    assert later == f"added control change Kherson city → {sides[1]}, 2022-11-11"
    changes = _layer(folder, "control.geojson")
    assert [(c["properties"]["before"], c["properties"]["after"]) for c in changes] == [
        (sides[1], sides[0]),
        (sides[0], sides[1]),
    ]
    assert shape(changes[0]["geometry"]).exterior.is_ccw  # drawn clockwise, saved counter-clockwise (RFC 7946)
    assert "control" in json.loads((folder / settings.MANIFEST_FILE).read_text(encoding="utf-8"))["layers"]
    story = load_story(folder)
    assert changes[0]["properties"]["place_ids"] == ["kherson"]  # the place inside the drawn area
    assert [c.after for c in story.history("kherson")] == [sides[0], sides[1]]
    from datetime import date

    from mapapp.story.states import layer_states

    drawn = [s.id for s in layer_states(story, "control", date(2022, 11, 12))]
    assert drawn == ["kherson-city-2022-11-11"]  # the later change of the same area is drawn, not both
    with pytest.raises(EditError, match="comes after 2022-11-11"):
        session.apply(AddState("control", "kherson-city", "2022-10-01", source, after=sides[0]))


def test_a_drawn_front_line_gets_dated_states_and_undo_removes_the_new_layer_file(folder):
    session = EditSession(folder)
    source = _with_source(session)
    session.apply(
        AddFeature("frontlines", LINE, "Front line west of the Dnipro", source, "schematic", date="2022-10-01", status="active")
    )
    session.apply(AddState("frontlines", "front-line-west-of-the-dnipro", "2022-11-11", source, status="former"))
    states = _layer(folder, "frontlines.geojson")[0]["properties"]["states"]
    assert [s["status"] for s in states] == ["active", "former"]
    assert load_story(folder).layers["frontlines"].shape[0] == 1
    session.undo()
    session.undo()
    assert not (folder / "frontlines.geojson").exists()  # the layer the first change added went with it
    load_story(folder)
    session.redo()
    assert len(_layer(folder, "frontlines.geojson")) == 1


def test_a_drawing_of_the_wrong_kind_or_crossing_itself_is_refused_with_the_reason(folder):
    session = EditSession(folder)
    source = _with_source(session)
    with pytest.raises(EditError, match="LineString or MultiLineString, not a Polygon"):
        session.apply(AddFeature("frontlines", AREA_CW, "x", source, date="2022-10-01", status="active"))
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    with pytest.raises(EditError, match="crosses itself"):
        session.apply(AddFeature("control", bowtie, "x", source, date="2022-10-01", before="side-a", after="side-b"))
    with pytest.raises(EditError, match="not a status of"):
        session.apply(AddFeature("frontlines", LINE, "x", source, date="2022-10-01", status="besieged"))


def test_an_unlocated_feature_gets_a_drawn_shape(folder):
    session = EditSession(folder)
    source = _with_source(session)
    assert session.apply(Reshape("places", "river-dnipro", LINE, source)) == "drew Dnipro River (LineString)"
    props = _props(folder, "river-dnipro")["properties"]
    assert props["precision"] == "schematic" and "draft" not in props and props["source"] == [source]
    load_story(folder)


def test_a_passage_is_linked_by_its_words_and_its_speaker_and_date_are_set(folder):
    session = EditSession(folder)
    story = session.story()
    passage = next(p for p in story.passages if "Snihurivka" in p.text)
    phrase = passage.text[passage.text.index("Snihurivka") - 9 : passage.text.index("Snihurivka") + 10]
    session.apply(LinkPassage("kherson", passage.id, passage.text, phrase))
    assert "kherson" in load_story(folder).places_in(passage.id)
    with pytest.raises(EditError, match="is not in passage"):
        session.apply(LinkPassage("kherson", passage.id, passage.text, "words nobody wrote"))
    session.apply(SetSpeaker(passage.id, passage.text, "Ukraine's military"))
    assert load_story(folder).passages[story.passages.index(passage)].speakers == [{"who": "Ukraine's military"}]
    first_word = passage.text.split()[0]
    session.apply(SetDate(passage.id, passage.text, first_word, "2022-11-11"))
    assert any(d["phrase"] == first_word for d in load_story(folder).passages[story.passages.index(passage)].dates)


def test_a_passage_marked_as_furniture_leaves_and_the_later_references_move_with_their_passages(folder):
    session = EditSession(folder)
    story = session.story()
    ids = tuple(p.id for p in story.passages)
    callouts = session.docs[settings.MANIFEST_FILE]["callouts"]
    last = callouts[-1]["passage"]
    last_text = next(p.text for p in story.passages if p.id == last)
    session.apply(MarkFurniture(ids[1], story.passages[1].text, ids))
    after = load_story(folder)
    assert len(after.passages) == len(ids) - 1 and story.passages[1].text not in [p.text for p in after.passages]
    moved = json.loads((folder / settings.MANIFEST_FILE).read_text(encoding="utf-8"))["callouts"][-1]["passage"]
    assert next(p.text for p in after.passages if p.id == moved) == last_text  # the callout still quotes its passage


def test_a_side_is_named_with_its_contrast_said_and_the_view_is_set(folder):
    session = EditSession(folder)
    said = session.apply(SetSide("side-a", "Russian forces", "#c0392b", "held by Russian forces"))
    assert said.startswith("side side-a: Russian forces, #c0392b (contrast ") and "below 3:1" not in said
    assert "below 3:1" in session.apply(SetSide("side-b", "Ukrainian forces", "#ffd54f", "held by Ukrainian forces"))
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    session.apply(SetView(46.64, 32.61, 10))
    manifest = load_story(folder).manifest
    assert manifest.sides["side-a"].label == "Russian forces" and manifest.zoom == 10
    with pytest.raises(EditError, match="not a colour"):
        session.apply(SetSide("side-a", "x", "red", "y"))


def test_a_segment_of_a_road_gets_states_of_its_own_and_the_road_keeps_its_own(folder):
    session = EditSession(folder)
    source = _with_source(session)
    road = {"type": "LineString", "coordinates": [[32.0, 46.6], [32.5, 46.6], [33.0, 46.6]]}
    session.apply(AddFeature("highways", road, "M14", source, "schematic", date="2022-10-01", status="open"))
    assert session.apply(AddSegment("highways", "m14", (32.2, 46.61), (32.4, 46.59))) == "cut a segment of M14"
    session.apply(AddState("highways", "m14-segment", "2022-11-11", source, status="cut"))
    road_f, segment = _layer(folder, "highways.geojson")
    assert segment["properties"]["part_of"] == "m14"
    assert segment["geometry"]["coordinates"] == [[32.2, 46.6], [32.4, 46.6]]  # the road's own stretch
    assert [s["status"] for s in segment["properties"]["states"]] == ["open", "cut"]
    assert [s["status"] for s in road_f["properties"]["states"]] == ["open"]
    load_story(folder)
    with pytest.raises(EditError, match="same point"):
        session.apply(AddSegment("highways", "m14", (32.3, 46.6), (32.3, 46.6)))


def test_another_account_is_kept_beside_the_adopted_state_with_its_source(folder):
    session = EditSession(folder)
    source = _with_source(session)
    session.apply(AddFeature("frontlines", LINE, "Front", source, "schematic", date="2022-10-01", status="active"))
    said = session.apply(AddClaim("frontlines", "front", "the line ran 5 km further north", source, "2022-10-03"))
    assert said == f"Front: another account from {source}"
    state = _layer(folder, "frontlines.geojson")[0]["properties"]["states"][0]
    assert state["claims"] == [{"text": "the line ran 5 km further north", "source": source, "date": "2022-10-03"}]
    load_story(folder)
    with pytest.raises(EditError, match="no source"):
        session.apply(AddClaim("frontlines", "front", "x", "nowhere"))


def test_a_callout_is_written_at_a_feature_from_its_passage_changed_and_removed(folder):
    session = EditSession(folder)
    drafted = [c.id for c in load_story(folder).manifest.callouts]
    said = session.apply(SetCallout("kherson", "  Ukrainian troops   enter the city ", "p01", "2022-11-11"))
    assert said == "callout at kherson: “Ukrainian troops enter the city”"
    session.apply(SetCallout("kherson", "Residents greet the troops", "p02"))
    added = [c for c in load_story(folder).manifest.callouts if c.id not in drafted]
    assert [(c.target, c.text, c.passage, str(c.starts)) for c in added] == [
        ("kherson", "Ukrainian troops enter the city", "p01", "2022-11-11"),
        ("kherson", "Residents greet the troops", "p02", "None"),
    ]
    assert len({c.id for c in added} | set(drafted)) == len(drafted) + 2  # fresh ids
    first, second = (c.id for c in added)
    session.apply(SetCallout("kherson", "Troops enter Kherson", "p01", callout_id=first))
    assert next(c for c in load_story(folder).manifest.callouts if c.id == first).text == "Troops enter Kherson"
    with pytest.raises(GeoDataError) as info:  # the story's own checks: a date off the timeline
        session.apply(SetCallout("kherson", "Somewhere", "p01", "2030-01-01"))
    assert any(p.field.endswith(".date") and "outside the timeline" in p.message for p in info.value.problems)
    with pytest.raises(EditError, match="needs its words"):
        session.apply(SetCallout("kherson", "   ", "p01"))
    assert session.apply(RemoveCallout(second)) == f"removed callout {second}"
    assert [c.id for c in load_story(folder).manifest.callouts if c.id not in drafted] == [first]
    with pytest.raises(EditError, match="no callout"):
        session.apply(RemoveCallout(second))


def test_the_timeline_and_the_opening_day_are_set_together_and_checked(folder):
    session = EditSession(folder)
    assert session.apply(SetDates("2022-10-01", "2022-11-30", "2022-11-12")).startswith("timeline 2022-10-01 to 2022-11-30")
    manifest = load_story(folder).manifest
    assert (str(manifest.timeline_start), str(manifest.timeline_end), str(manifest.events_date)) == (
        "2022-10-01",
        "2022-11-30",
        "2022-11-12",
    )
    with pytest.raises(GeoDataError) as info:
        session.apply(SetDates("2022-11-30", "2022-10-01", "2022-11-12"))
    assert "timeline.end" in {p.field for p in info.value.problems}


def test_the_editor_saves_the_story_dates_and_says_what_does_not_fit(monkeypatch, folder):
    from datetime import date

    at = _editor(monkeypatch, folder)
    at.session_state["edit_tab"] = "Story"
    at.run()
    at.date_input(key="timeline_start").set_value(date(2022, 10, 1))
    at.date_input(key="timeline_end").set_value(date(2022, 11, 30))
    at.button(key="save_dates").click().run()
    assert any("timeline 2022-10-01 to 2022-11-30" in s.value for s in at.success)
    assert json.loads((folder / settings.MANIFEST_FILE).read_text(encoding="utf-8"))["timeline"]["start"] == "2022-10-01"
    at.date_input(key="events_date").set_value(date(2022, 12, 25))  # after the timeline's end
    at.button(key="save_dates").click().run()
    assert any("Not saved" in e.value and "outside the timeline" in e.value for e in at.error)


def test_the_editor_lists_a_features_callouts_and_removes_one(monkeypatch, folder):
    drafted = {c.id for c in load_story(folder).manifest.callouts}
    EditSession(folder).apply(SetCallout("kherson", "Troops enter the city", "p01"))
    added = next(c.id for c in load_story(folder).manifest.callouts if c.id not in drafted)
    at = _editor(monkeypatch, folder)
    at.session_state["edit_tab"] = "Features"
    at.run()
    at.selectbox(key="feature_pick").set_value("places kherson").run()
    assert any("Troops enter the city" in m.value for m in at.markdown)
    at.button(key=f"remove_callout_{added}").click().run()
    assert any(f"removed callout {added}" in s.value for s in at.success)
    assert {c.id for c in load_story(folder).manifest.callouts} == drafted


def test_the_editor_sends_only_the_open_tab(monkeypatch, folder):
    at = _editor(monkeypatch, folder)
    assert not [b for b in at.button if b.key in ("save_dates", "add_callout")]  # Review is open: its forms only
    at.session_state["edit_tab"] = "Story"
    at.run()
    assert [b.key for b in at.button if b.key == "save_dates"] == ["save_dates"]
    assert not [b for b in at.button if b.key and b.key.startswith("accept_")]  # the review list is not sent now
