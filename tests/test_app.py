"""App flow with Streamlit's AppTest (st_folium runs, but nothing renders: check its arguments)."""

from __future__ import annotations

import json
import re
from datetime import date
from unittest import mock

import pytest
from streamlit.testing.v1 import AppTest

from mapapp import events, settings

from .conftest import SHIPPED

APP = str(settings.APP_SCRIPT)


def run_app(params: dict | None = None, env_data=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    return at


def map_args(at: AppTest) -> dict:
    return json.loads(at.get("component_instance")[0].proto.json_args)


def test_loads_with_local_assets_and_every_layer():
    at = run_app()
    assert not at.exception
    args = map_args(at)
    assert args["js_links"] and all(link.startswith(settings.STATIC_URL) for link in args["js_links"] + args["css_links"])
    for layer in SHIPPED.layers.values():
        assert layer.label in args["layer_control"]
    assert settings.EVENTS_LABEL not in args["layer_control"]  # no event dataset loaded
    assert "As of 27 Feb 2020:" in next(m.value for m in at.markdown if "aria-live" in m.value)


def test_unticking_a_layer_hides_it_without_changing_the_base_map():
    at = run_app()
    script = map_args(at)["script"]
    at.checkbox(key=settings.KEY_LAYER_PREFIX + "highways").uncheck().run()
    args = map_args(at)
    assert 'var hidden = ["highways"]' in args["layer_control"]
    assert args["script"] == script  # same component: no remount, zoom kept
    assert "highways" not in at.query_params[settings.QP_LAYERS]


def test_a_click_on_the_map_selects_the_place_and_shows_its_passages():
    click = {"last_active_drawing": {"type": "Feature", "properties": {"id": "saraqeb"}}, "last_object_clicked_tooltip": None}
    with mock.patch("streamlit_folium.st_folium", return_value=click):
        at = run_app()
    assert at.session_state[settings.KEY_PLACE] == "saraqeb"
    text = " ".join(m.value for m in at.markdown)
    assert "loss is a big setback" in text
    assert at.query_params[settings.QP_PLACE] == ["saraqeb"] or at.query_params[settings.QP_PLACE] == "saraqeb"


def test_layer_control_toggle_reaches_the_sidebar():
    event = {"last_active_drawing": None, "last_object_clicked_tooltip": "layers:places,posts"}
    with mock.patch("streamlit_folium.st_folium", return_value=event):
        at = run_app()
    assert at.checkbox(key=settings.KEY_LAYER_PREFIX + "places").value is True
    assert at.checkbox(key=settings.KEY_LAYER_PREFIX + "highways").value is False


@pytest.mark.parametrize(
    "day, controller", [("2020-02-10", "government"), ("2020-02-27", "opposition"), ("2020-03-03", "government")]
)
def test_permalink_restores_place_layers_and_date(day, controller):
    at = run_app({"place": "saraqeb", "layers": "places,highways", "date": day})
    assert at.session_state[settings.KEY_PLACE] == "saraqeb"
    assert str(at.session_state[settings.KEY_DATE]) == day
    assert at.checkbox(key=settings.KEY_LAYER_PREFIX + "posts").value is False
    text = " ".join(m.value for m in at.markdown)
    assert f"held by **{controller}**" in text


def test_only_the_open_tab_is_rendered():
    at = run_app()
    assert not [b for b in at.button if b.key and b.key.startswith("passage_")]  # the reader is not sent with the Place tab
    at.session_state["side_tab"] = "Article"
    at.run()
    assert len([b for b in at.button if b.key and b.key.startswith("passage_")]) == 34


def test_passage_button_selects_its_places():
    at = run_app()
    at.session_state["side_tab"] = "Article"
    at.run()
    at.button(key="passage_p15").click().run()
    assert at.session_state[settings.KEY_PASSAGE] == "p15"
    assert any("al-Bara" in s.value and "Baliun" in s.value for s in at.success)


def test_bad_data_shows_the_problems_instead_of_a_traceback(data_copy, monkeypatch):
    (data_copy / "places.geojson").write_text("{", encoding="utf-8")
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(data_copy))
    at = run_app()
    assert not at.exception
    assert "problem" in at.error[0].value
    assert "places.geojson: not valid JSON" in at.code[0].value


@pytest.fixture
def events_env(tmp_path, monkeypatch):
    from mapapp.events import synthetic

    rows = synthetic.synthetic_events(40, seed=4)
    rows[6]["latitude"] = "north"
    rows[9]["event_date"] = "31 February 2020"
    path = tmp_path / "acled.csv"
    path.write_text(synthetic.events_csv(rows), encoding="utf-8")
    monkeypatch.setenv(settings.EVENTS_ENV, str(path))
    return path


def test_an_event_file_is_drawn_from_static_files_and_its_bad_rows_listed(events_env):
    at = run_app()
    assert not at.exception
    args = map_args(at)
    assert any(link.endswith(settings.EVENTS_LAYER_JS) for link in args["js_links"])
    assert "/events-" in args["script"] and "manifest.json" in args["script"]
    assert "SYN1" not in args["script"] and "SYN1" not in args["layer_control"]  # no event data in what reruns send
    assert settings.EVENTS_LABEL in args["layer_control"] and ".setFilter(" in args["layer_control"]
    caption = " ".join(c.value for c in at.sidebar.caption)
    assert "40 rows, 38 drawn, 2 not drawn" in caption
    assert "2 problem(s)" in at.sidebar.warning[0].value
    table = at.sidebar.dataframe[0].value
    assert list(table["row"]) == [7, 10] and list(table["field"]) == ["latitude", "event_date"]


def test_the_event_layer_toggles_and_follows_the_date(events_env):
    at = run_app()
    script = map_args(at)["script"]
    at.checkbox(key=settings.KEY_LAYER_PREFIX + "events").uncheck().run()
    args = map_args(at)
    assert '"events"' in args["layer_control"].split("var hidden = ")[1].split(";")[0]
    assert args["script"] == script  # same component: the events are not reloaded
    at.selectbox(key=settings.KEY_EVENTS_WINDOW).select("that day").run()
    day = events.date_to_day(SHIPPED.events_date)
    assert f'.setFilter({{"from": {day}, "to": {day}, "types": null}})' in map_args(at)["layer_control"]


def _param(at: AppTest, key: str) -> str:
    value = at.query_params[key]
    return value[0] if isinstance(value, list) else value


def test_a_loaded_dataset_is_shown_after_a_reload_and_the_link_records_when_it_is_off(events_env):
    # A link written before the dataset was loaded lists layers without "events": the dataset still shows.
    at = run_app({settings.QP_LAYERS: "places,highways"})
    assert at.checkbox(key=settings.KEY_LAYER_PREFIX + "events").value is True
    assert "events" in _param(at, settings.QP_LAYERS).split(",")
    at.checkbox(key=settings.KEY_LAYER_PREFIX + "events").uncheck().run()
    assert _param(at, settings.QP_EVENTS) == "off"
    again = run_app({settings.QP_LAYERS: "places,highways", settings.QP_EVENTS: "off"})  # that link, reopened
    assert again.checkbox(key=settings.KEY_LAYER_PREFIX + "events").value is False


def test_exports_say_that_they_leave_the_event_dataset_out(events_env):
    at = run_app()
    labels = [b.label for b in at.sidebar.get("download_button")]
    assert any("without the event dataset" in label for label in labels), labels


def test_the_export_offers_the_print_layouts_at_a_chosen_size(monkeypatch):
    from mapapp.render import snapshot

    asked = []
    monkeypatch.setattr(snapshot, "chromium_available", lambda: True)
    monkeypatch.setattr(snapshot, "render", lambda story, shots, suffix, layout: asked.append((shots, suffix, layout)) or b"x")
    at = run_app({"place": "saraqeb", "date": "2020-02-27"})
    at.sidebar.selectbox(key="print_size").set_value("A4 landscape").run()
    buttons = {b.label: b for b in at.sidebar.get("download_button")}
    assert {"Print: PNG", "Print: PDF", "Print: SVG"} <= set(buttons)
    # The files are made on click (a callable each); call them as the download would.
    from mapapp.app import sidebar

    story = mapapp_story()
    shot = snapshot.Shot(day=date(2020, 2, 27), place="saraqeb")
    container = _Recorder()
    sidebar._print_exports(container, story, shot, "stem")
    for data in container.calls:
        data()
    assert [suffix for _shots, suffix, _layout in asked] == [".png", ".pdf", ".svg"]
    assert all(shots == [shot] and layout.paper == "a4-landscape" for shots, _suffix, layout in asked)


class _Recorder:
    """A stand-in for the sidebar: records each download's callable; the print size is A4 landscape."""

    def __init__(self):
        self.calls = []

    def selectbox(self, label, options, key):
        return "A4 landscape"

    def download_button(self, label, data, **kwargs):
        self.calls.append(data)


def mapapp_story():
    from mapapp.story.model import load_story

    return load_story(settings.DEFAULT_DATA_DIR)


# --- a second story: nothing of the shipped one on the page ---------------------------------


def _all_text(at: AppTest) -> str:
    """Every element's protobuf as text: labels, values, markdown, the map's arguments."""

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            yield str(proto)
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    return "\n".join([*walk(at.main), *walk(at.sidebar)])


def test_a_second_story_shows_its_own_title_dates_sides_and_legend(tmp_path, monkeypatch):
    from .second_story import SHIPPED_WORDS, SIDES, TITLE, write_second_story

    monkeypatch.setenv(settings.DATA_DIR_ENV, str(write_second_story(tmp_path / "second")))
    at = run_app({"place": "dolvik"})
    assert not at.exception
    assert at.sidebar.header[0].value == TITLE
    assert "Place names in Arabic" not in [c.label for c in at.sidebar.checkbox]  # its data has no Arabic names
    assert "As of 10 Jun 2022:" in next(m.value for m in at.markdown if "aria-live" in m.value)
    assert str(at.sidebar.date_input[0].value) == "2022-06-10"
    assert [c.label for c in at.checkbox if c.key and c.key.startswith(settings.KEY_LAYER_PREFIX)] == [
        "Towns",
        "Roads",
        "Front",
        "Changes",
    ]
    text = _all_text(at)
    assert "held by **Northern Guard**" in text  # the place panel, as of the events date
    for side in SIDES.values():
        assert side["legend"] in text  # the sidebar legend, in words
    for word in SHIPPED_WORDS:
        assert word not in text, word


def test_the_map_has_a_text_alternative_that_follows_the_date_and_selection():
    at = run_app({"place": "saraqeb", "date": "2020-02-27"})
    [live] = [m.value for m in at.markdown if "aria-live" in m.value]
    assert 'role="status"' in live
    assert "As of 27 Feb 2020: 33 Turkish troops killed in an airstrike; " in live  # the callouts first: what happened
    assert "Saraqeb held by opposition since 27 Feb" in live
    assert "M5 highway open; M4 highway held by opposition; M5 at Saraqeb cut" in live
    assert "selected: Saraqeb" in live
    at.sidebar.date_input[0].set_value(date(2020, 2, 10)).run()
    [live] = [m.value for m in at.markdown if "aria-live" in m.value]
    assert "As of 10 Feb 2020:" in live and "Saraqeb held by government since 6 Feb" in live


# --- the guided walk ------------------------------------------------------------------------------


def test_the_walk_steps_through_passages_and_is_in_the_permalink():
    at = run_app()
    at.button(key="walk_start").click().run()
    assert at.session_state[settings.KEY_WALK] == "p01" and at.query_params[settings.QP_STEP] == "p01"
    assert "step 1 / 33" in " ".join(m.value for m in at.markdown)
    at.button(key="walk_next").click().run()
    at.button(key="walk_next").click().run()
    assert at.session_state[settings.KEY_WALK] == at.session_state[settings.KEY_PASSAGE] == "p03"
    assert '"dim": true' in map_args(at)["layer_control"]  # its places lead the labels, the rest is dimmed
    at.button(key="walk_previous").click().run()
    assert at.session_state[settings.KEY_WALK] == "p02"
    at.button(key="walk_leave").click().run()
    assert at.session_state[settings.KEY_WALK] == "" and settings.QP_STEP not in at.query_params
    assert '"dim": true' not in map_args(at)["layer_control"]
    assert "resume the walk at 2 / 33" in at.button(key="walk_start").label


def test_a_walk_permalink_opens_that_step_on_its_date_and_moves_the_map():
    at = run_app({"step": "p21"})  # "earlier this month" resolves to 1–26 Feb: the step sets its last day
    assert at.session_state[settings.KEY_WALK] == "p21"
    assert str(at.session_state[settings.KEY_DATE]) == "2020-02-26"  # not 1 Feb: a map from before the events
    assert "step 21 / 33" in " ".join(m.value for m in at.markdown)
    at = run_app({"step": "p15"})  # the airstrike between al-Bara and Baliun: the map goes there
    args = map_args(at)
    (lat, lon), zoom = args["center"], args["zoom"]  # the bounds of its places, Idlib province among them
    assert zoom == 9 and 35.5 < lat < 36.1 and 36.3 < lon < 36.9


def test_comparing_two_dates_lists_saraqeb_and_is_in_the_permalink():
    at = run_app({"date": "2020-02-27", "compare": "2020-02-10"})
    assert at.query_params[settings.QP_COMPARE] == "2020-02-10"
    labels = [b.label.replace("\\", "") for b in at.button if b.key and b.key.startswith("compare_")]  # markdown-escaped
    saraqeb = [label for label in labels if "· Saraqeb: government → opposition" in label]
    assert saraqeb and saraqeb[0].startswith("2020-02-27") and "Reuters" in saraqeb[0]
    assert any("Kafr Nabl: opposition → government [SouthFront" in label for label in labels)
    at.button(
        key=next(b.key for b in at.button if b.key and b.key.startswith("compare_") and "Saraqeb:" in b.label)
    ).click().run()
    assert at.session_state[settings.KEY_PLACE] == "saraqeb"


def test_a_link_that_showed_an_upload_says_it_must_be_uploaded_again(monkeypatch):
    monkeypatch.delenv(settings.EVENTS_ENV, raising=False)
    at = run_app({"layers": "places,posts,highways,control,incidents,events"})
    assert any("upload the file again" in w.value for w in at.warning)
    at = run_app({"layers": "places,posts"})  # a link without the event layer: nothing to say
    assert not any("upload the file again" in w.value for w in at.warning)


@pytest.mark.parametrize("name", ["constructor", "__proto__", "toString"])
def test_reserved_names_in_a_link_select_nothing(name):
    at = run_app({"place": name, "passage": name, "step": name})
    assert not at.exception
    assert at.session_state[settings.KEY_PLACE] == "" and at.session_state[settings.KEY_WALK] == ""


def test_the_place_panel_reads_as_text_for_readers_not_as_data():
    at = run_app({"place": "saraqeb", "date": "2020-02-05"})  # a disputed day: claims with their sources
    text = " ".join(m.value for m in at.markdown)
    assert "As of 5 Feb 2020:" in text and "2020-02-05" not in text.split("Control history")[0]
    assert "[rossa-sana-2020-03-02]" not in text and "rossa-sana-2020-03-02" not in text  # sources by name
    at = run_app({"place": "op-09-morek"})
    text = " ".join(m.value for m in at.markdown)
    assert "partly-besieged" not in text


def test_a_selected_place_known_only_roughly_is_shown_with_its_whole_circle():
    """The view never zooms closer than a position is known: an approximate point's circle fits a map of
    600 px (the narrowest desktop map) at the zoom chosen; an exact point gets the close zoom."""
    import math

    from mapapp.app.state import focus_for
    from mapapp.story.model import load_story

    story = load_story(settings.DEFAULT_DATA_DIR)
    for place in ("jabal-al-zawiya", "sheer-maghar", "al-bara"):
        feature = story.feature(place)
        lat, lon, zoom = focus_for(story, [place])
        metres_per_px = 156_543.03 * math.cos(math.radians(lat)) / 2**zoom
        assert 600 * metres_per_px >= 2 * feature["precision_m"], (place, zoom)
        assert (lat, lon) == pytest.approx((feature["geometry"].y, feature["geometry"].x), abs=1e-6)
    assert focus_for(story, ["saraqeb"])[2] == settings.SELECTED_ZOOM  # an exact point: close


def test_every_keyed_container_the_page_style_names_is_a_key_the_app_declares():
    """page.css finds Streamlit's elements by their keys (class ``st-key-<key>``): a renamed key must not
    leave a rule that silently matches nothing (the map's slot, the layout, the toggles)."""
    css = (settings.STATIC_DIR / "mapapp" / "page.css").read_text(encoding="utf-8")
    named = set(re.findall(r"\.st-key-([A-Za-z0-9_-]+)", css))
    declared = {value for name, value in vars(settings).items() if name.startswith("KEY_") and isinstance(value, str)}
    assert named, "page.css names no keyed container"
    assert named <= declared, f"page.css names keys the app does not declare: {sorted(named - declared)}"
