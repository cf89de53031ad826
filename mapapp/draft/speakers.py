"""Who speaks in an article: attribution phrases ("X said", "according to X", "..., X said."), cleaned to a
person or an institution, and the people's names the geoparser must not read as places."""

from __future__ import annotations

import re

_VERBS = (
    r"said|says|say|told|added|reported|reports|announced|stated|claimed|claims|warned|threatened|vowed|"
    r"hailed|aired|tweeted|wrote|confirmed|denied|insisted|accused|urged|noted|argued|acknowledged|alleged|"
    r"declared|estimated"
)
_AUX = (
    r"(?:(?:has|had|have|also|repeatedly|later|earlier|recently|then|previously|again|further|\w+day|"
    r"did|does|do|would|could|will|not|n[’']t|declined to|refused to|on \w+day)\s+)*"
)
_PRONOUNS = {"he", "she", "they", "it", "we"}
_SUBJECT_BEFORE = re.compile(rf"(?P<who>[^.;:“”\"]{{2,160}}?)\s+{_AUX}(?:{_VERBS})\b")
_SUBJECT_AFTER = re.compile(rf"(?:[Aa]ccording to|[”\"],? (?:{_VERBS})) (?P<who>[^,.;“”\"]{{2,120}})")
_CLAUSE_FINAL = re.compile(rf",\s+(?P<who>[^,;“”\"]{{2,80}}?)\s+{_AUX}(?:{_VERBS})\s*(?:[,.]|$)")
# Words that open a sentence before its subject ("Since then X said", "However, X said").
_OPENERS = frozenset(
    [
        "the",
        "a",
        "an",
        "however",
        "meanwhile",
        "but",
        "and",
        "since",
        "then",
        "now",
        "later",
        "earlier",
        "also",
        "still",
        "yet",
        "so",
        "thus",
    ]
)
_TRAILING = re.compile(r"(?:\s+(?:later|earlier|also|on \w+day|\w+day|in a statement|in a message|by telephone))+$")
MAX_SPEAKER_WORDS = 12


_ROLE_THEN_NAME = re.compile(r"^(?:[Tt]he|[Aa]n?) (?P<role>[^,]{3,60}), (?P<name>(?:[A-Z][\w’'.-]+ ?){2,4}),?$")


def _clean_speaker(who: str) -> str | None:
    who = _TRAILING.sub("", who.strip().lstrip('“"').strip(" ,")).strip(" ,")
    apposition = _ROLE_THEN_NAME.match(who)  # "The provincial governor, Jean Dupont, (on Tuesday) confirmed"
    if apposition:
        return f"{apposition['name'].strip()}, the {apposition['role']}"
    words = who.split()
    while words and words[0].casefold().strip(",") in _OPENERS:
        words = words[1:]
    who = _TRAILING.sub("", " ".join(words)).strip(" ,")
    if "," in who:  # "Name, the governor of ..., said": the name leads, the role follows
        head = who.partition(",")[0]
        who = head if len(head.split()) <= 5 and head[:1].isupper() else who
    words = who.split()
    if not words or len(words) > MAX_SPEAKER_WORDS:
        return None
    if re.search(r"\b(?:that|which|after|before|when|while|because|if|were|was|is|are)\b", who):
        return None
    return who


_OPENING_PHRASE = re.compile(
    r"^(?:In|On|At|From|Near|Across|Inside|Outside|Elsewhere|Meanwhile|Further|Farther|Back)\b[^,]{0,60},\s+"
)  # "In Kinshasa, the government ... said": a place or time phrase opens the sentence, it does not speak


def _subject(raw: str) -> str:
    """The subject before a reporting verb: after the last clause break, unless it is 'Name, role,' or
    'The role, Name,' (an apposition; a time phrase after it is dropped first). A subject whose first verb is
    another ("Rwanda denies backing the M23 and says") is the noun phrase before that verb."""
    raw = _OPENING_PHRASE.sub("", _TRAILING.sub("", raw.rstrip()).rstrip())
    if re.match(r"^[A-Z][^,]*,[^,]+,?\s*$", raw) and raw.count(",") <= 2:
        return raw
    part = re.split(r"(?<=[.!?])\s+|,\s+|\b(?:after|before|when|while|because|since|as|but|and then)\s+", raw)[-1]
    if re.search(r"\s+and$", part):
        return _leading_noun_phrase(part.split()[:-1])
    return part


def _leading_noun_phrase(words: list[str]) -> str:
    """A name's capitalised words ("Rwanda", "the United Nations"), or a determiner and its nouns up to the first
    word that reads as a verb ("the government" of "the government called ... and said")."""
    if not words:
        return ""
    start = 1 if words[0].casefold() in ("the", "a", "an") else 0
    if start < len(words) and words[start][:1].isupper():
        end = start
        while end < len(words) and (words[end][:1].isupper() or words[end] in ("of", "for", "al", "el", "de")):
            end += 1
        return " ".join(words[:end])
    end = start + 1  # the determiner's first noun, then more until a word that reads as a verb (at most three)
    while end < len(words) and end - start < 3 and not re.search(r"(?:ed|es|s)$", words[end]):
        end += 1
    return " ".join(words[:end])


def find_speakers(passages: list[tuple[str, str]]) -> dict[str, list[dict]]:
    """Who speaks in each passage, from attribution phrases; pronouns and bare quotes continue the last speaker."""
    out: dict[str, list[dict]] = {}
    last: dict | None = None
    patterns = ((_SUBJECT_AFTER, "according to / after a quote"), (_CLAUSE_FINAL, "clause-final"), (_SUBJECT_BEFORE, "subject"))
    for pid, text in passages:
        matches = sorted(
            ((m.start("who"), m, how) for pattern, how in patterns for m in pattern.finditer(text)), key=lambda t: t[0]
        )
        speakers: list[dict] = []
        taken: list[tuple[int, int]] = []
        for _pos, match, how in matches:
            span = match.span()
            if any(span[0] < e and s < span[1] for s, e in taken):
                continue
            who = _clean_speaker(_subject(match["who"]) if how == "subject" else match["who"])
            if not who:
                continue
            taken.append(span)
            if who.casefold() in _PRONOUNS:
                previous = speakers[-1] if speakers else last
                if previous is None or (who.casefold() == "it" and _a_person(previous["who"])):
                    continue  # "it" is an organisation or a statement, never a person: left unresolved
                speaker = {
                    "who": previous["who"],
                    "phrase": match.group(0).strip(),
                    "how": f"'{who}': the last speaker",
                    "draft": True,
                }
            else:
                speaker = {"who": who, "phrase": match.group(0).strip(), "how": how, "draft": True}
            if all(s["who"] != speaker["who"] for s in speakers):
                speakers.append(speaker)
        if not speakers and last is not None and re.match(r"^\s*(?:The\s[^“”\"]{0,80})?[“\"]", text):
            speakers.append(
                {"who": last["who"], "phrase": "", "how": "a quote with no attribution: the previous speaker", "draft": True}
            )
        if speakers:
            last = speakers[-1]
        out[pid] = speakers
    return out


def _a_person(who: str) -> bool:
    return bool(re.match(r"(?:[A-Z][\w’'-]+\s+){1,3}[A-Z][\w’'-]+(?:,|$)", who))


def person_names(speakers: dict[str, list[dict]]) -> set[str]:
    """Speaker names that look like people (two or more capitalised words, no organisation word)."""
    names: set[str] = set()
    for rows in speakers.values():
        for row in rows:
            caps = re.findall(r"(?:[A-Z][\w’'-]+|al-[A-Z][\w’'-]+)(?:\s+(?:[A-Z][\w’'-]+|al-[A-Z][\w’'-]+))+", row["who"])
            names.update(c for c in caps if not re.search(r"Ministry|Council|Observatory|Agency|Media|News|TV|Union|Nations", c))
    return names
