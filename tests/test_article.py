"""The article as data: every line classified, passages, speakers, links."""

from __future__ import annotations

import pytest

from mapapp import settings
from mapapp.story.article import alias_patterns, find_mentions, parse_page, split_sentences

TEXT = (settings.DEFAULT_DATA_DIR / settings.ARTICLE_TEXT_FILE).read_text(encoding="utf-8")


def test_every_non_empty_line_is_classified_and_kept():
    headline, blocks = parse_page(TEXT)
    lines = [n for n, line in enumerate(TEXT.splitlines(), start=1) if line.strip()]
    kept = {b["line"] for b in blocks} | {b["caption_line"] for b in blocks if "caption_line" in b} | {1}
    assert kept == set(lines)
    assert headline.startswith("Turkey raises death toll")


def test_page_furniture_is_separated_from_the_body(story):
    kinds = [line["kind"] for line in story.article.lines]
    assert kinds.count("advertisement") == 7 and kinds.count("sponsored") == 1
    assert not any("Story continues" in p.text or p.text.startswith("READ MORE") for p in story.passages)
    videos = [r for r in story.article.related if r["kind"] == "video"]
    assert [v["date"] for v in videos] == ["2020-02-27", "2020-02-12", "2020-02-10", "2020-02-07", "2020-02-04"]
    assert sum(r["kind"] == "link" for r in story.article.related) == 5


def test_passage_ids_are_stable_and_ordered(story):
    assert [p.id for p in story.passages] == [f"p{i:02d}" for i in range(1, len(story.passages) + 1)]
    assert story.article.passage("p23").text.startswith("Saraqeb’s loss is a big setback")
    assert story.passages[-1].kind == "credits"


def test_sentence_spans_respect_abbreviations():
    text = "He spoke to U.S. National Security Advisor Robert O’Brien. Then he left."
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "He spoke to U.S. National Security Advisor Robert O’Brien.",
        "Then he left.",
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Fighters entered Saraqib overnight.", ["saraqeb"]),
        ("Strikes near Balyun and al-Barah.", ["baliun", "al-bara"]),
        ("The post at Shir Mughar was besieged.", ["sheer-maghar"]),
        ("قصف على سراقب", ["saraqeb"]),
        ("northern parts of Hama province", ["northern-hama"]),
        ("Sarmin is not Saraqebville.", ["sarmin"]),
    ],
)
def test_spellings_link_to_places(story, text, expected):
    patterns = alias_patterns(story.entities.values())
    assert [m.place_id for m in find_mentions(text, patterns)] == expected


# Exactly the passages that concern each place (read by hand from the article).
EXPECTED = {
    "saraqeb": ["p16", "p17", "p22", "p23", "p25", "p26", "p27", "p28"],
    "al-bara": ["p15"],
    "baliun": ["p15"],
    "sheer-maghar": ["p29"],
    "m5": ["p16", "p23", "p27", "p28"],
}


@pytest.mark.parametrize("place_id", list(EXPECTED))
def test_passages_for(story, place_id):
    assert [p.id for p in story.passages_for(place_id)] == EXPECTED[place_id]


def test_implicit_references_are_curated_links(story):
    p16 = story.article.passage("p16")
    curated = {(m.place_id, m.text) for m in p16.mentions if m.how == "curated"}
    assert ("saraqeb", "a strategic northwestern town") in curated
    assert ("m5", "a key highway") in curated


def test_places_in_a_passage(story):
    assert story.places_in("p15")[:3] == ["inc-airstrike-2020-02-27", "al-bara", "baliun"] or {
        "al-bara",
        "baliun",
        "jabal-al-zawiya",
        "inc-airstrike-2020-02-27",
    } <= set(story.places_in("p15"))
    assert "op-11-sheer-maghar" in story.places_in("p29")


@pytest.mark.parametrize(
    "passage_id, who",
    [
        ("p04", "Rahmi Dogan, governor of Hatay province"),
        ("p15", "Syrian Observatory for Human Rights (SOHR)"),
        ("p26", "Syrian Observatory for Human Rights (SOHR)"),
        ("p27", "Syrian state media"),
        ("p33", "Recep Tayyip Erdogan, President of Turkey"),
    ],
)
def test_speakers(story, passage_id, who):
    assert who in [s["who"] for s in story.article.passage(passage_id).speakers]


def test_relative_dates_are_resolved(story):
    p04 = story.article.passage("p04")
    assert p04.dates[0]["date"] == "2020-02-27"
    p21 = story.article.passage("p21")
    assert (p21.dates[0]["date"], p21.dates[0]["date_to"], p21.dates[0]["date_precision"]) == (
        "2020-02-01",
        "2020-02-26",
        "range",
    )


def test_annotation_that_no_longer_matches_the_text_is_reported(data_copy):
    import json

    from mapapp import GeoDataError, load_story

    meta = json.loads((data_copy / "article.json").read_text(encoding="utf-8"))
    meta["passages"]["p16"]["links"][0]["phrase"] = "a town that is not in the text"
    meta["passages"]["p99"] = {"starts": "Nothing"}
    (data_copy / "article.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(GeoDataError) as info:
        load_story(data_copy)
    messages = [str(p) for p in info.value.problems]
    assert any("passages.p16.links[0]" in m and "not in passage p16" in m for m in messages)
    assert any("p99" in m for m in messages)


def test_other_sites_furniture_is_not_the_story():
    """A list of other stories, a donation or newsletter banner and a photo credit are not body passages."""
    from mapapp.story.article import parse_page

    page = "\n".join(
        [
            "Headline",
            "Rebels took the town on Sunday, officials said.",
            "Photo: Jean Dupont / Reuters",
            "Recommended Stories",
            "Vance says talks with allies will continue",
            "Floods hit coastal towns in the south",
            "The last paragraph of the story ends here.",
            "Support independent journalism. Donate now.",
            "Sign up for our daily newsletter",
        ]
    )
    kinds = [(b["kind"], b["text"][:20]) for b in parse_page(page)[1]]
    assert [k for k, _t in kinds] == ["body", "photo", "list", "link", "link", "body", "banner", "banner"]
