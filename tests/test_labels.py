"""Label ranking (plain Python; placement is tested in Chromium: tests/test_browser.py)."""

from __future__ import annotations

from shapely.geometry import Point

from mapapp.render import mapbuild
from mapapp.render.labels import map_text, ranked_labels


def test_places_the_article_names_rank_above_those_it_does_not(story):
    labels = ranked_labels(story)
    rank = {label["id"]: label["rank"] for label in labels}
    named = [label for label in labels if label["passages"] > 0]
    unnamed = [label for label in labels if label["passages"] == 0]
    assert named and unnamed and max(rank[n["id"]] for n in named) < min(rank[u["id"]] for u in unnamed)
    assert rank["saraqeb"] < rank["sarmin"]  # 8 passages against none
    assert [label["rank"] for label in labels] == list(range(len(labels)))


def test_among_unnamed_places_larger_ones_come_first(story):
    labels = [label for label in ranked_labels(story) if label["passages"] == 0]
    kinds = [str(story.layers["places"].loc[label["id"], "kind"]) for label in labels]
    weights = [{"city": 3, "town": 2, "village": 1}.get(kind, 0) for kind in kinds]
    assert weights == sorted(weights, reverse=True)


def test_only_points_get_labels_and_arabic_names_come_along(story):
    labels = {label["id"]: label for label in ranked_labels(story)}
    assert "idlib-province" not in labels and "turkish-border" not in labels  # areas and lines are not point-labelled
    assert labels["saraqeb"]["text_ar"] == "سراقب"


def test_the_village_hass_is_not_linked_to_the_verb_has(story):
    assert story.passages_for("hass") == []  # its alias "Has" once matched "has" in nine passages


def test_labels_reach_the_browser_escaped_in_rank_order(story):
    timeline = mapbuild.story_timeline(story)
    assert [label["id"] for label in timeline["labels"]] == [label["id"] for label in ranked_labels(story)]
    assert all("<" not in label["text"] for label in timeline["labels"])


def test_callouts_come_from_the_manifest_with_their_feature_and_passage(story):
    callouts = {c["id"]: c for c in map_text(story)["callouts"]}
    assert len(callouts) == len(story.manifest.callouts) >= 4
    for callout in callouts.values():
        geometry = story.feature(callout["target"])["geometry"]
        anchor = Point(callout["anchor"][1], callout["anchor"][0])
        assert geometry.distance(anchor) < 1e-4  # on the point, on the line, inside the area
        assert callout["passage"] in story.article.passage_ids
    main = callouts["callout-airstrike"]
    assert "33" in main["text"] and main["target"] == "inc-airstrike-2020-02-27"


def test_roads_are_named_by_their_ref_and_a_segment_by_its_whole(story):
    names = map_text(story)["lines"]
    assert sorted(n["text"] for n in names) == ["M4", "M5"]
    assert "m5-saraqeb" not in {n["id"] for n in names}  # part_of m5: the whole road carries the name


def test_countries_and_provinces_are_offered_points_inside_them(story):
    areas = {a["text"]: a for a in map_text(story)["areas"]}
    assert {"Syria", "Turkey", "Idlib", "Hatay"} <= set(areas)  # " Governorate" and " Province" dropped
    boundaries = story.layers["boundaries"].set_index("name")
    for text, full in (("Idlib", "Idlib Governorate"), ("Turkey", "Turkey")):
        shape = boundaries.loc[full].geometry
        assert all(shape.covers(Point(lon, lat)) for lat, lon in areas[text]["points"])
