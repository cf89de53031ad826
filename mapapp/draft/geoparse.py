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
   (the gazetteer has towns only), to be drawn from a boundary dataset. So is
   a region named with a capitalised ``State`` after it or a compass word
   before it (``North X``) when the gazetteer holds neither the whole nor X.
3. **Disambiguation**: each name's gazetteer records are scored by the
   article's country context (countries named, their adjectives, names with
   one reading), population, match strength and distance to the places that
   are already certain. A capital used without a place word ("Paris backed the
   deal") stands for a government and is not drawn.
4. **Unlocated**: a name after a place word (``in``, ``near``, ``the
   villages of``) that the gazetteer does not hold is listed as unlocated,
   never guessed; so is a name listed with one that follows a place word
   (``from X and Y``).

No rule names a place, a person or a date of any article: the word lists
below are English function words, titles and feature words.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from mapapp.draft.gazetteer import Country, Gazetteer, exact_key
from mapapp.draft.readings import Found, Geoparse, Occurrence
from mapapp.draft.resolve import one_sense_per_article, resolve_readings
from mapapp.draft.words import (
    ADJ_SUFFIX,
    ADJECTIVE_ENDINGS,
    COMPASS_WORDS,
    COUNTRY_ALIASES,
    FEATURE_AFTER,
    FEATURE_BEFORE,
    MAX_RUN,
    NAME_FEATURE_AFTER,
    NAME_RUN,
    ORGANISATION_WORDS,
    PLACE_CUES,
    POSSESSIVE,
    REGION_NOUNS,
    SETTLEMENT_WORDS,
    STOPWORDS,
    TITLE_WORDS,
    WORLD_REGIONS,
)

_NAME = r"[A-Z][\w’'.-]*(?: [A-Z][\w’'.-]*){0,3}"
# The names listed before a conjunction ("X and ", "X, Y and "), up to the list's first name.
_LISTED_BEFORE = re.compile(rf"(?<![\w’'-])(?:{_NAME}, )*{_NAME},? (?:and|or|et) $")


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
    stripped = POSSESSIVE.sub("", token.rstrip(".,"))
    if stripped != token.rstrip(".,"):
        return stripped, "possessive"
    match = ADJ_SUFFIX.search(token)
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
        for run in NAME_RUN.finditer(text):
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
        while tokens and exact_key(tokens[0][2]) in STOPWORDS and not self._compass_name(tokens):  # "The Galata Bridge"
            tokens = tokens[1:]
        if self._feature_run(pid, text, tokens):
            return
        i = self._compass_name(tokens)
        name = text[tokens[0][0] : tokens[i - 1][0] + len(_clean(tokens[i - 1][2])[0])] if i else ""
        if i and not (self._exact(name) or self._country(name)):  # "North X", a region the gazetteer has no record for
            self._add_feature(pid, "region", name, tokens[0][0], tokens[0][0] + len(name), text)
        else:
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
        elif last in NAME_FEATURE_AFTER and not self._adjective(tokens[-2][2]):
            name_tokens, kind = tokens[:-1], NAME_FEATURE_AFTER[last]
        elif first in FEATURE_BEFORE:
            name_tokens, kind = tokens[1:], FEATURE_BEFORE[first]
        else:
            return False
        name = text[name_tokens[0][0] : name_tokens[-1][1]]
        if self._country(name) or any(_clean(t[2])[1] for t in name_tokens[:-1]):
            return False
        self._add_feature(pid, kind, name, tokens[0][0], tokens[-1][1], text)
        return True

    def _adjective(self, word: str) -> bool:
        key = exact_key(word)
        return key.endswith(ADJECTIVE_ENDINGS) or self.gaz.country_of_adjective(word) is not None

    def _exact(self, name: str) -> bool:
        return any(how == "exact" for _record, how in self.gaz.lookup(name))

    def _compass_name(self, tokens: list) -> int:
        """How many tokens make a name that starts with a compass word ("North X", "South X Y"), 0 when none:
        the words after it are a country, a world region, a country's adjective or a place the gazetteer holds
        ("Northern" + a country or a town: the part of a known place, read as that place). A country or a
        gazetteer place whose own name starts so keeps it."""
        if len(tokens) < 2 or exact_key(tokens[0][2]) not in COMPASS_WORDS:
            return 0
        n = 1
        while n < min(len(tokens), 4) and exact_key(_clean(tokens[n][2])[0]) not in STOPWORDS | FEATURE_AFTER.keys():
            n += 1
            if _clean(tokens[n - 1][2])[1]:  # a possessive ends the name
                break
        words = [_clean(t[2])[0] for t in tokens[:n]]
        whole, rest = " ".join(words), " ".join(words[1:])
        if n > 1 and (self._country(whole) or self._exact(whole)):  # a country's or a town's own name
            return n
        if n == 1 or exact_key(whole) in WORLD_REGIONS or exact_key(rest) in WORLD_REGIONS or self._country(rest):
            return 0
        return 0 if self.gaz.country_of_adjective(rest) or self._exact(rest) else n

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
        if previous[-1] in ("and", "or", "et"):
            # "from X and Y", "in X, Y and Z": a name listed with one that follows a place word is a place too
            window = max(0, start - 300)
            listed = _LISTED_BEFORE.search(text[window:start])
            # the list's first name follows a place word, or the sentence opens with one ("In X, Y and Z"); a
            # country in the list says nothing ("between [a country] and [an armed group]")
            names = re.split(r",? (?:and|or|et) $|, ", listed.group(0)) if listed else []
            if (
                listed
                and not any(self._country(n) or self.gaz.country_of_adjective(n) for n in names if n)
                and (names[0].split()[0].casefold() in PLACE_CUES or self._cue(text, window + listed.start()))
            ):
                return True
        if previous[-1] in ("and", "or", "et") or text[:start].rstrip().endswith(","):
            # "the villages of X, Y and Z": the list's place word may be a dozen words back (names of two words)
            return any(w in SETTLEMENT_WORDS for w in _previous_words(text, start, 14))
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
    one_sense_per_article(parser)
    places, metonyms = resolve_readings(parser)
    skipped = sorted(parser.skipped.items())
    return Geoparse(places + list(parser.features.values()), parser.countries, skipped, metonyms)
