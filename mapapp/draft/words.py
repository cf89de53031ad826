"""The geoparser's vocabulary and thresholds: how a name is written, English function words, titles,
organisation, feature and region words, place cues, and the distances and shares its rules use.

No word here names a place, a person or a date of any article.
"""

from __future__ import annotations

import re

_CAP = r"[A-Z][\w’'‘ʿ.]*(?:-[\w’'‘ʿ]+)*"
_ART = r"(?:al|el|an|ar|as|ash|at|az|ad|ed|es|ul)-[A-Za-z][\w’'‘ʿ]*(?:-[\w’'‘ʿ]+)*"
_TOKEN = rf"(?:{_CAP}|{_ART})"
# Lower-case particles inside Romance names ("Brisas del Micay", "Santa Cruz de la Sierra"), only between
# capitalised words.
_PARTICLE = r"(?:de la|de|del|du|des|da|do|dos|das|los|las)"
NAME_RUN = re.compile(rf"(?<![\w’'-]){_TOKEN}(?:[ \u00a0]+(?:{_PARTICLE}[ \u00a0]+)?{_TOKEN})*")
ADJ_SUFFIX = re.compile(
    r"-(?:backed|based|linked|led|held|controlled|run|supplied|bound|born|allied|aligned|owned|made|installed|appointed|sponsored|friendly)$"
)
POSSESSIVE = re.compile(r"(?:’s|'s|’|')$")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Capitalised words that are not names: function words, titles, roles, calendar words (English, generic).
STOPWORDS = _words(
    """
    a an the and or but if in on at of for to from by with as into onto after before since until while when
    where which who whom whose what why how this that these those there here it its he she they we you i our
    their his her my your us them meanwhile despite however although though also still yet then now once
    according earlier later late early most many some more much few several all both each every other another
    such no not only just even about over under between among against during within without toward towards
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
    september october november december today yesterday tomorrow tonight one two three four five six seven
    eight nine ten dozens hundreds thousands millions president minister prime foreign defense defence
    interior secretary general ambassador spokesman spokeswoman spokesperson governor mayor senator chancellor
    king queen prince sheikh gen lt col capt mr mrs ms dr sir lord commander chief director adviser advisor
    envoy official officials leader leaders activist activists correspondent reporter editor state national
    central military security human rights united north south east west northern southern eastern western read
    watch click story advertisement sponsored related video photo file
    """
)
# A run holding one of these names an organisation, not a place.
ORGANISATION_WORDS = _words(
    """
    council ministry observatory agency union party army forces news media tv committee office department
    organization organisation association front brigade brigades court parliament government commission bank
    company university institute channel group network coalition alliance movement authority authorities
    assembly cabinet police guard command centre center fund program programme service services
    """
)
# Words right after a name that make it a feature, and which kind.
FEATURE_AFTER = {
    "river": "river",
    "valley": "valley",
    "canyon": "valley",
    "gorge": "valley",
    "mountains": "mountains",
    "mountain": "mountain",
    "mount": "mountain",
    "hills": "hills",
    "sea": "sea",
    "lake": "lake",
    "dam": "dam",
    "bridge": "bridge",
    "plain": "plain",
    "desert": "desert",
    "gulf": "gulf",
    "bay": "bay",
    "strait": "strait",
    "island": "island",
    "islands": "island",
    "region": "region",
    "province": "region",
    "governorate": "region",
    "countryside": "region",
    "district": "region",
    "oblast": "region",
    "county": "region",
    "prefecture": "region",
    "territory": "region",
    "department": "region",
    "municipality": "region",
    "raion": "region",
    "rayon": "region",
    "highway": "road",
    "motorway": "road",
    "road": "road",
    "corridor": "road",
    "border": "border",
    "crossing": "crossing",
    "airport": "airport",
    "port": "port",
    "base": "base",
    "camp": "camp",
}
# Capitalised words that end a run of names and make it that feature ("Borno State"); lower-case they are
# not ("state media").
NAME_FEATURE_AFTER = {"state": "region"}
# A name ending so is an adjective, not a feature's name ("Islamic State" is not a state).
ADJECTIVE_ENDINGS = ("ic", "ian", "ish", "ese", "ist")
# A capitalised compass word before a name the gazetteer does not hold names a region ("South X").
COMPASS_WORDS = frozenset(("north", "south", "east", "west", "northern", "southern", "eastern", "western"))
FEATURE_BEFORE = {
    "river": "river",
    "lake": "lake",
    "mount": "mountain",
    "gulf of": "gulf",
    "sea of": "sea",
    "bay of": "bay",
    "strait of": "strait",
    "port of": "port",
    "isle of": "island",
}
# Lower-case region words after a possessive (``Lebanon's coastal region``): that phrase is a region.
REGION_NOUNS = (
    "region",
    "province",
    "coast",
    "countryside",
    "border",
    "north",
    "south",
    "east",
    "west",
    "north-west",
    "northwest",
    "north-east",
    "northeast",
    "south-west",
    "southwest",
    "south-east",
    "southeast",
)
# Words before a name that say it is a place (for names the gazetteer does not hold).
PLACE_CUES = _words(
    """
    in near at outside around from into inside toward towards across between through via of as town towns
    village villages city cities district neighbourhood neighborhood area
    à dans vers par près depuis entre localité localités ville villes village villages région
    """
)  # the second line: French place words (the one other language the drafter has been tried on)
SETTLEMENT_WORDS = frozenset(
    [
        "town",
        "towns",
        "village",
        "villages",
        "city",
        "cities",
        "hamlet",
        "hamlets",
        "suburb",
        "suburbs",
        "neighbourhood",
        "neighborhood",
        "settlement",
        "settlements",
        "localities",
        "communities",
        "localités",
        "villes",
    ]
)
# Country names as English news writes them, when GeoNames' short name differs.
COUNTRY_ALIASES = {
    "u.s.": "US",
    "us": "US",
    "usa": "US",
    "america": "US",
    "britain": "GB",
    "great britain": "GB",
    "u.k.": "GB",
    "uk": "GB",
    "uae": "AE",
    "czechia": "CZ",
    "holland": "NL",
    "ivory coast": "CI",
    "burma": "MM",
}
TITLE_WORDS = _words(
    """
    president minister secretary ambassador spokesman spokeswoman spokesperson governor mayor senator
    chancellor king queen prince sheikh gen lt col capt mr mrs ms dr sir lord commander chief director adviser
    advisor envoy activist reporter correspondent leader general premier pope cardinal writer photographer
    spokesmen officials activists writers reporters
    """
)
# Continents and world regions: context, not places to draw.
WORLD_REGIONS = frozenset(
    (
        "europe",
        "asia",
        "africa",
        "oceania",
        "antarctica",
        "the americas",
        "latin america",
        "north america",
        "south america",
        "central america",
        "middle east",
        "the middle east",
        "balkans",
        "the balkans",
        "caucasus",
        "scandinavia",
        "central asia",
        "southeast asia",
        "east africa",
        "west africa",
    )
)
# Where Arabic is an official language (Arab League members, and Chad): a drafted place keeps its Arabic name
# there, for the map's Arabic labels; elsewhere the gazetteer's Arabic transliteration is noise for a reader.
ARABIC_COUNTRIES = frozenset(
    [
        "AE",
        "BH",
        "DJ",
        "DZ",
        "EG",
        "EH",
        "IQ",
        "JO",
        "KM",
        "KW",
        "LB",
        "LY",
        "MA",
        "MR",
        "OM",
        "PS",
        "QA",
        "SA",
        "SD",
        "SO",
        "SY",
        "TD",
        "TN",
        "YE",
    ]
)

MAX_RUN = 6  # tokens tried together as one name
FAR_KM = 600  # a loose match farther than this from the story's places is not taken
# A reading that is not placed but listed as a doubt, with why and its candidates (issue: no wrong namesake):
DOUBT_KM = 150  # a small place this far from the story's other places (a namesake in the next province)
CONTEXT_SHARE = 0.2  # the article's evidence for a country below this: a reading there is outside its context
SMALL_PLACE = 20_000  # below this, a reading far from the story's other places is a doubt
BIG_CITY = 100_000  # a city this size in a country the article names is placed wherever it is (a capital)
