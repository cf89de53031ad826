"""Find the places an article names and place them with the offline gazetteer (a rule-based geoparser).

The steps follow the established geoparsers (CLAVIN, Mordecai, the Edinburgh
Geoparser), without a statistical model:

1. **Candidates**: runs of capitalised words (with the Arabic article's
   lower-case ``al-``/``ash-`` forms) in each passage. People (after a title
   word, or named as speakers), organisations (a run holding an organisation
   word), common words at a sentence's start and country adjectives are set
   aside; countries give context.
2. **Features**: a name next to a feature word (``the X River``, ``X
   province``, ``Lebanon's coastal region``, ``the A1 highway``) is that
   feature, not the town of the same name. It is listed without a geometry
   (the gazetteer has towns only), to be drawn from a boundary dataset.
3. **Disambiguation**: each name's gazetteer records are scored by the
   article's country context (countries named, their adjectives, names with
   one reading), population, match strength and distance to the places that
   are already certain. A capital used without a place word ("Paris backed the
   deal") stands for a government and is not drawn.
4. **Unlocated**: a name after a place word (``in``, ``near``, ``the
   villages of``) that the gazetteer does not hold is listed as unlocated,
   never guessed.

No rule names a place, a person or a date of any article: the word lists
below are English function words, titles and feature words.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from mapapp.draft.gazetteer import Country, Gazetteer, Record, exact_key

_CAP = r"[A-Z][\w’'‘ʿ.]*(?:-[\w’'‘ʿ]+)*"
_ART = r"(?:al|el|an|ar|as|ash|at|az|ad|ed|es|ul)-[A-Za-z][\w’'‘ʿ]*(?:-[\w’'‘ʿ]+)*"
_TOKEN = rf"(?:{_CAP}|{_ART})"
_RUN = re.compile(rf"(?<![\w’'-]){_TOKEN}(?:[ \u00a0]+{_TOKEN})*")
_ADJ_SUFFIX = re.compile(
    r"-(?:backed|based|linked|led|held|controlled|run|supplied|bound|born|allied|aligned|owned|made|installed|appointed|sponsored|friendly)$"
)
_POSSESSIVE = re.compile(r"(?:’s|'s|’|')$")


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
    "highway": "road",
    "motorway": "road",
    "road": "road",
    "border": "border",
    "crossing": "crossing",
    "airport": "airport",
    "port": "port",
    "base": "base",
    "camp": "camp",
}
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
    """
)
SETTLEMENT_WORDS = frozenset(
    ["town", "towns", "village", "villages", "city", "cities", "hamlet", "suburb", "neighbourhood", "neighborhood"]
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
MAX_RUN = 6  # tokens tried together as one name
FAR_KM = 600  # a loose match farther than this from the story's places is not taken
# A reading that is not placed but listed as a doubt, with why and its candidates (issue: no wrong namesake):
DOUBT_KM = 150  # a small place this far from the story's other places (a namesake in the next province)
CONTEXT_SHARE = 0.2  # the article's evidence for a country below this: a reading there is outside its context
SMALL_PLACE = 20_000  # below this, a reading far from the story's other places is a doubt
BIG_CITY = 100_000  # a city this size in a country the article names is placed wherever it is (a capital)


@dataclass
class Occurrence:
    """A name as written in one passage."""

    passage: str
    start: int
    end: int
    text: str
    cue: bool  # preceded by a place word
    settlement: bool = False  # "the town of X": a settlement, whatever else the article calls X


@dataclass
class Found:
    """One drafted feature: a gazetteer place, a named feature without geometry, or an unlocated name."""

    key: str  # what groups the spellings (gazetteer id, feature phrase, or name)
    kind: str  # town/city/village/place, or a feature kind (river, region, road...)
    status: str  # "placed", "feature", "unlocated"
    spellings: list[str] = field(default_factory=list)
    occurrences: list[Occurrence] = field(default_factory=list)
    record: Record | None = None
    match: str = ""  # exact / loose
    alternatives: list[Record] = field(default_factory=list)
    note: str = ""
    base_name: str = ""  # a feature's name without its feature word ("Tigris" of "the Tigris River")


@dataclass
class Geoparse:
    places: list[Found]
    countries: Counter  # ISO code → weight of the article's evidence
    skipped: list[tuple[str, str]]  # (name, why) for review
    metonyms: list[Found]


def _token_groups(run: str, offset: int) -> list[list[tuple[int, int, str]]]:
    """The run's words, split where a sentence ends: a full stop ends a name unless the word is an abbreviation (U.S.)."""
    groups: list[list[tuple[int, int, str]]] = [[]]
    for m in re.finditer(r"\S+", run):
        word, ends = m.group(0), False
        if word.endswith(".") and not re.fullmatch(r"(?:[A-Z]\.)+", word):
            word, ends = word.rstrip("."), True
        if word:
            groups[-1].append((offset + m.start(), offset + m.start() + len(word), word))
        if ends:
            groups.append([])
    return [g for g in groups if g]


def _clean(token: str) -> tuple[str, str]:
    """(the token without a trailing possessive or adjective suffix, what was removed)."""
    stripped = _POSSESSIVE.sub("", token.rstrip(".,"))
    if stripped != token.rstrip(".,"):
        return stripped, "possessive"
    match = _ADJ_SUFFIX.search(token)
    return (token[: match.start()], "adjective") if match else (token.rstrip(","), "")


def _is_abbreviation(token: str) -> bool:
    return bool(re.fullmatch(r"(?:[A-Z]\.){2,}|[A-Z]{2,5}", token))


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" “\"‘'(")
    return not before or before[-1] in ".!?:—–"


def _previous_words(text: str, start: int, n: int = 2) -> list[str]:
    return [w.casefold().strip('“”"(,') for w in text[:start].split()[-n:]]


def _next_words(text: str, end: int, n: int = 2) -> list[str]:
    return [w.casefold().strip('”"),.;:') for w in text[end:].split()[:n]]


class _Parser:
    def __init__(self, gazetteer: Gazetteer, people: Iterable[str]) -> None:
        self.gaz = gazetteer
        self.people = {exact_key(p) for p in people}
        self.person_tokens = {exact_key(t) for p in people for t in p.split() if len(t) > 2}
        self.countries: Counter = Counter()
        self.names: dict[str, list[Occurrence]] = {}
        self.features: dict[str, Found] = {}
        self.skipped: dict[str, str] = {}

    # -- candidates --------------------------------------------------------
    def scan(self, pid: str, text: str, lowercase_words: set[str]) -> None:
        for run in _RUN.finditer(text):
            for tokens in _token_groups(run.group(0), run.start()):
                self._scan_run(pid, text, tokens, lowercase_words)

    def _scan_run(self, pid: str, text: str, tokens: list, lowercase_words: set[str]) -> None:
        words = [t[2] for t in tokens]
        lowered = [exact_key(_clean(w)[0]) for w in words]
        if any(w in ORGANISATION_WORDS for w in lowered):
            self._country_context(words, weight=1)
            self.skipped.setdefault(" ".join(words), "an organisation's name")
            return
        before = _previous_words(text, tokens[0][0], 1)
        if before and before[0] in TITLE_WORDS:  # "activist X Y", "writers X Y"
            self.skipped.setdefault(" ".join(words), "a person (after a title)")
            return
        for k, w in enumerate(lowered):
            if w in TITLE_WORDS:  # "President X Y": the rest of the run is a person
                if k + 1 < len(words):
                    self.skipped.setdefault(" ".join(words[k + 1 :]), "a person (after a title)")
                tokens, words = tokens[:k], words[:k]
                break
        if self._looks_like_a_person(text, tokens, lowercase_words):
            self.skipped.setdefault(
                " ".join(words), "a name of two to four words the gazetteer does not hold, no place word before it"
            )
            return
        while tokens and exact_key(tokens[0][2]) in STOPWORDS:  # "The Galata Bridge"
            tokens = tokens[1:]
        if self._feature_run(pid, text, tokens):
            return
        i = 0
        while i < len(tokens):
            i += self._longest_name(pid, text, tokens, i, lowercase_words)

    def _feature_run(self, pid: str, text: str, tokens: list) -> bool:
        """A run that ends or starts with a feature word names that feature: "Tigris River", "Lake Chad"."""
        if len(tokens) < 2:
            return False
        last, first = exact_key(tokens[-1][2]), exact_key(tokens[0][2])
        if last in FEATURE_AFTER:
            name_tokens, kind = tokens[:-1], FEATURE_AFTER[last]
        elif first in FEATURE_BEFORE:
            name_tokens, kind = tokens[1:], FEATURE_BEFORE[first]
        else:
            return False
        name = text[name_tokens[0][0] : name_tokens[-1][1]]
        if self._country(name) or any(_clean(t[2])[1] for t in name_tokens[:-1]):
            return False
        self._add_feature(pid, kind, name, tokens[0][0], tokens[-1][1], text)
        return True

    def _add_feature(self, pid: str, kind: str, name: str, start: int, end: int, text: str) -> None:
        key = f"{kind}:{exact_key(name)}"
        found = self.features.setdefault(key, Found(key=key, kind=kind, status="feature", base_name=name))
        phrase = text[start:end]
        if phrase not in found.spellings:
            found.spellings.append(phrase)
        found.occurrences.append(Occurrence(pid, start, end, phrase, True))

    def _looks_like_a_person(self, text: str, tokens: list, lowercase_words: set[str]) -> bool:
        """Two to four plain capitalised words, not one gazetteer name, no place or feature word around: a name."""
        if not 2 <= len(tokens) <= 4:
            return False
        words = [t[2] for t in tokens]
        if any(
            _clean(w)[1]
            or exact_key(w) in STOPWORDS
            or exact_key(w) in FEATURE_AFTER
            or self._country(w)
            or self.gaz.country_of_adjective(w)
            for w in words
        ):
            return False
        name = text[tokens[0][0] : tokens[-1][1]]
        after = _next_words(text, tokens[-1][1], 1)
        if self.gaz.lookup(name) or self._cue(text, tokens[0][0]) or (after and after[0] in FEATURE_AFTER):
            return False
        return not any(exact_key(w) in WORLD_REGIONS for w in words)

    def _country_context(self, words: list[str], weight: int) -> None:
        for w in words:
            country = self.gaz.country_of_adjective(_clean(w)[0])
            if country:
                self.countries[country.iso] += weight

    def _longest_name(self, pid: str, text: str, tokens: list, i: int, lowercase_words: set[str]) -> int:
        """Match the longest name starting at token ``i``; returns how many tokens it took (at least 1)."""
        last_j = len(tokens)
        for k in range(i, len(tokens)):  # a possessive ends a name: "Spain's Murcia province" is two
            if _clean(tokens[k][2])[1] == "possessive":
                last_j = k + 1
                break
        whole = text[tokens[i][0] : tokens[last_j - 1][0] + len(_clean(tokens[last_j - 1][2])[0])]
        if (
            last_j - i > 1
            and self._cue(text, tokens[i][0])
            and not self.gaz.lookup(whole)
            and not any(self._known(t[2]) for t in tokens[i:last_j])
        ):
            # "an area known as Wadi Qarn": a place name of several words the gazetteer does not hold
            self.names.setdefault(whole, []).append(Occurrence(pid, tokens[i][0], tokens[i][0] + len(whole), whole, True))
            return last_j - i
        for j in range(min(last_j, i + MAX_RUN), i, -1):
            start = tokens[i][0]
            last, removed = _clean(tokens[j - 1][2])
            end = tokens[j - 1][0] + len(last)
            name = text[start:end].strip()
            if not name:
                continue
            single = j - i == 1
            key = exact_key(name)
            if single and self._not_a_name(name, key, text, start, lowercase_words):
                return 1
            if key in self.people or (single and key in self.person_tokens):
                return j - i
            if key in WORLD_REGIONS:
                self.skipped.setdefault(name, "a continent or world region (context, not drawn)")
                return j - i
            country = self._country(name)
            if self._feature(pid, text, name, start, end):
                if country is not None:
                    self.countries[country.iso] += 3
                return j - i
            if country is not None:
                self.countries[country.iso] += 3
                return j - i
            if single and (removed == "adjective" or self.gaz.country_of_adjective(name)):
                self._country_context([name], weight=1)
                return 1
            if self.gaz.lookup(name) or single:
                cue = self._cue(text, start) or (start == 0 and name.isupper())  # a dateline is a place
                settlement = bool(SETTLEMENT_WORDS & set(_previous_words(text, start, 2)))
                self.names.setdefault(name, []).append(Occurrence(pid, start, end, name, cue, settlement))
                return j - i
        return 1

    def _known(self, word: str) -> bool:
        """Whether the word alone is a function word, a country or a country's adjective (so not part of a name)."""
        word = _clean(word)[0]
        return bool(exact_key(word) in STOPWORDS or self._country(word) or self.gaz.country_of_adjective(word))

    def _not_a_name(self, name: str, key: str, text: str, start: int, lowercase_words: set[str]) -> bool:
        dateline = start == 0 and name.isupper() and len(name) > 3  # "CAIRO, Egypt —" opens a dispatch
        if key in STOPWORDS or (_is_abbreviation(name) and not dateline and key not in COUNTRY_ALIASES):
            return True
        # A capitalised word that the article also writes in lower case is a common word at a sentence's start.
        return _sentence_start(text, start) and key in lowercase_words

    def _country(self, name: str) -> Country | None:
        iso = COUNTRY_ALIASES.get(exact_key(name))
        return self.gaz.countries.get(iso) if iso else self.gaz.country(name)

    def _cue(self, text: str, start: int) -> bool:
        previous = _previous_words(text, start, 6)
        if not previous:
            return False
        if previous[-1] == "as":
            return previous[-2:-1] == ["known"]  # "an area known as X"
        if previous[-1] in PLACE_CUES:
            return True
        if previous[-1] in ("and", "or") or text[:start].rstrip().endswith(","):
            return any(w in SETTLEMENT_WORDS for w in previous)  # "the villages of X and Y"
        return False

    def _feature(self, pid: str, text: str, name: str, start: int, end: int) -> bool:
        after = _next_words(text, end, 1)
        before = _previous_words(text, start, 2)
        kind, phrase_start, phrase_end = None, start, end
        if after and after[0] in FEATURE_AFTER:
            kind = FEATURE_AFTER[after[0]]
            phrase_end = end + text[end:].casefold().index(after[0]) + len(after[0])
        elif before and (before[-1] in FEATURE_BEFORE or " ".join(before[-2:]) in FEATURE_BEFORE):
            word = " ".join(before[-2:]) if " ".join(before[-2:]) in FEATURE_BEFORE else before[-1]
            kind = FEATURE_BEFORE[word]
            phrase_start = text[:start].casefold().rindex(word.split()[0])
        elif text[end : end + 2] in ("’s", "'s"):
            match = re.match(r"(?:’s|'s) ((?:[a-z-]+ ){0,2}?(?:" + "|".join(REGION_NOUNS) + r"))\b", text[end:])
            if match:
                kind, phrase_end = "region", end + match.end()
        if kind is None:
            return False
        if kind == "road" and not re.search(r"\d", name) and not name.istitle():
            return False
        self._add_feature(pid, kind, name, phrase_start, phrase_end, text)
        return True


def geoparse(gazetteer: Gazetteer, passages: list[tuple[str, str]], people: Iterable[str] = ()) -> Geoparse:
    """Places named in ``passages`` ((id, text) pairs); ``people`` are names known to be persons (speakers)."""
    parser = _Parser(gazetteer, people)
    lowercase_words = {w for _pid, text in passages for w in re.findall(r"(?<![\w’'-])[a-z][a-z’'-]+", text)}
    for pid, text in passages:
        parser.scan(pid, text, lowercase_words)
    _one_sense_per_article(parser)
    places, metonyms = _resolve(parser)
    skipped = sorted(parser.skipped.items())
    return Geoparse(places + list(parser.features.values()), parser.countries, skipped, metonyms)


def _one_sense_per_article(parser: _Parser) -> None:
    """A name the article calls a feature once ("the Tigris River") is that feature wherever it stands alone."""
    by_name = {key.split(":", 1)[1]: found for key, found in parser.features.items()}
    for name in list(parser.names):
        found = by_name.get(exact_key(name))
        if found is None:
            continue
        moved = [o for o in parser.names[name] if not o.settlement]
        kept = [o for o in parser.names[name] if o.settlement]
        if kept:
            parser.names[name] = kept
        else:
            del parser.names[name]
        if moved:
            found.occurrences += moved
            if name not in found.spellings:
                found.spellings.append(name)


# --- disambiguation -----------------------------------------------------------


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 12742 * math.asin(math.sqrt(min(1.0, h)))


def _context_share(parser: _Parser) -> dict[str, float]:
    evidence = Counter(parser.countries)
    for name in parser.names:  # a name with one reading is evidence for its country
        countries = {r.country for r, how in parser.gaz.lookup(name) if how == "exact"}
        if len(countries) == 1:
            evidence[next(iter(countries))] += 1
    total = sum(evidence.values()) or 1
    share = {iso: weight / total for iso, weight in evidence.items()}
    if share:  # neighbours of the leading country get a little of its weight
        top = max(share, key=lambda iso: share[iso])
        country = parser.gaz.countries.get(top)
        for iso in country.neighbours if country else ():
            share[iso] = share.get(iso, 0.0) + 0.05
    return share


def _score(record: Record, how: str, share: dict[str, float], centre: tuple[float, float] | None) -> float:
    score = 3.0 * share.get(record.country, 0.0) + math.log10(record.population + 10) / 7 + (0.4 if how == "exact" else 0.0)
    if centre is not None:
        score -= min(1.5, _distance_km((record.lat, record.lon), centre) / 400)
    return score


def _acceptable(record: Record, how: str, share: dict[str, float], centre: tuple[float, float] | None, cue: bool) -> bool:
    in_context = share.get(record.country, 0.0) >= 0.05
    near = centre is None or _distance_km((record.lat, record.lon), centre) <= FAR_KM
    if how == "exact":
        return (in_context and near) or record.population >= 100_000 or (cue and record.population >= 20_000)
    return in_context and near and centre is not None


def _resolve(parser: _Parser) -> tuple[list[Found], list[Found]]:
    share = _context_share(parser)
    candidates = {name: parser.gaz.lookup(name) for name in parser.names}
    # First pass without distance; the sure ones (exact, in the leading countries) fix the story's centre.
    first = {name: max(options, key=lambda o: _score(o[0], o[1], share, None)) for name, options in candidates.items() if options}
    sure = [r for r, how in first.values() if how == "exact" and share.get(r.country, 0) >= 0.2]
    centre = (_median([r.lat for r in sure]), _median([r.lon for r in sure])) if sure else None
    by_record: dict[int, Found] = {}
    unlocated: dict[str, Found] = {}
    metonyms: list[Found] = []
    capitals = {exact_key(c.capital): c for c in parser.gaz.countries.values() if c.capital}
    for name, occurrences in parser.names.items():
        options = candidates[name]
        cue = any(o.cue for o in occurrences)
        ranked = sorted(options, key=lambda o: -_score(o[0], o[1], share, centre))
        best = next((o for o in ranked if _acceptable(o[0], o[1], share, centre, cue)), None)
        if best is None:
            if cue:
                found = unlocated.setdefault(exact_key(name), Found(key=exact_key(name), kind="place", status="unlocated"))
                found.spellings.append(name)
                found.occurrences += occurrences
                found.note = "not in the gazetteer" if not options else "the gazetteer's readings are far from the story"
                found.alternatives = [r for r, _ in ranked[:3]]
            else:
                parser.skipped.setdefault(name, "not a place the gazetteer holds, and no place word before it")
            continue
        record, how = best
        place_like = [o for o in occurrences if o.cue]
        if exact_key(name) in capitals and not place_like:  # "Paris backed the deal": the government, not the city
            metonyms.append(
                Found(
                    key=name,
                    kind="capital",
                    status="metonym",
                    spellings=[name],
                    occurrences=occurrences,
                    record=record,
                    match=how,
                    note=f"stands for the government of {capitals[exact_key(name)].name}",
                )
            )
            continue
        doubts = _doubts(record, how, share, centre, cue, name, parser)
        if doubts:  # not placed: listed first in the review, with why and the readings to choose from
            found = unlocated.setdefault(exact_key(name), Found(key=exact_key(name), kind="place", status="doubt"))
            found.spellings.append(name)
            found.occurrences += occurrences
            found.note = "; ".join(doubts)
            found.alternatives = [r for r, _ in ranked[:3]]
            continue
        found = by_record.setdefault(
            record.geonameid,
            Found(key=str(record.geonameid), kind=_settlement_kind(record), status="placed", record=record, match=how),
        )
        if name not in found.spellings:
            found.spellings.append(name)
        found.occurrences += occurrences
        found.alternatives = [r for r, _ in ranked if r.geonameid != record.geonameid][:3]
        if how == "exact":
            found.match = "exact"
    return list(by_record.values()) + list(unlocated.values()), metonyms


def _doubts(
    record: Record, how: str, share: dict[str, float], centre: tuple[float, float] | None, cue: bool, name: str, parser: _Parser
) -> list[str]:
    """Why the best reading of ``name`` may be a namesake (empty: place it). Measured on wire reports the rules
    had not seen: a surname read as a US town, a front-line village read as its namesake 425 km away in Crimea,
    a border town read as a population-0 place in China through a loose match."""
    reasons = []
    country = parser.gaz.countries.get(record.country)
    where = country.name if country else record.country
    # "in Springfield" is a place cue, but says nothing of the country: size alone does not place a city abroad
    big = record.population >= BIG_CITY and share.get(record.country, 0.0) >= 0.05
    leading = max(share, key=lambda iso: share[iso]) if share else None
    if share and share.get(record.country, 0.0) < CONTEXT_SHARE and not big:  # no evidence at all: nothing to go by
        reasons.append(f"in {where}, outside the article's country context")
    if how != "exact" and record.population == 0 and record.country != leading:
        # GeoNames gives many of the leading country's villages no population: only elsewhere is this a doubt
        reasons.append("a loose (transliteration) match to a place of unknown population")
    if centre is not None and record.population < SMALL_PLACE:  # namesakes that trap are villages and small towns
        km = _distance_km((record.lat, record.lon), centre)
        if km > DOUBT_KM:
            reasons.append(f"{km:,.0f} km from the story's other places")
    if exact_key(name) in parser.person_tokens:
        reasons.append("also the name of a person in the article")
    return reasons


def _median(values: list[float]) -> float:
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def _settlement_kind(record: Record) -> str:
    if record.population >= 100_000:
        return "city"
    if record.population >= 10_000:
        return "town"
    return "village" if record.population else "place"
