"""Label ranking (plain Python; placement is tested in Chromium: tests/test_browser.py)."""

from __future__ import annotations

from mapapp import mapbuild
from mapapp.labels import ranked_labels


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
