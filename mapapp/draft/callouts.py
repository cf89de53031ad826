"""Callouts a draft proposes: what happened at a placed name, in the article's own words, for review.

A candidate comes from a sentence of the body that reports an incident (someone killed, a town taken or left,
a strike, a siege, a road cut) and names a place the draft placed on the map. Its text is the sentence's
first clause, cut at a word before the callout's limit: the article's words, never new ones. Its date is the
passage's first date resolved to a day, if any. At most one per place, and a few per story, in article order.
"""

from __future__ import annotations

import re
from typing import Any

from mapapp import settings

MAX_CALLOUTS = 4
# Verbs of incidents, as wire reports write them (past tense and passive forms).
INCIDENT = re.compile(
    r"\b(?:killed|killing|died|wounded|injured|captured|seized|took control|taken|retook|recaptured|regained|"
    r"entered|withdrew|withdrawn|pulled back|retreated|fell|shelled|struck|hit|bombed|attacked|destroyed|"
    r"blew up|besieged|surrounded|encircled|cut|liberated|evacuated|fled|exploded|collapsed)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])[”\"]?\s+(?=[A-Z“\"])")
_CLAUSE_END = re.compile(r"[,;:—–(]|\s(?:as|after|while|which|who|when|but|and said|said)\s")
# A dateline says where the reporter was, not where it happened: "KYIV, Ukraine (AP) — ".
_DATELINE = re.compile(r"^[A-Z][A-Z .'’-]+(?:,\s*[A-Z][\w .'’-]*)?\s*(?:\([^)]*\))?\s*[—–-]+\s*")
# What might happen is not what happened: "would cut", "could fall", "if ... took".
_MODAL = re.compile(r"\b(?:would|could|might|may|will|threaten\w*|if|unless|plans? to|aims? to)\b", re.IGNORECASE)


def _clause(sentence: str, name_end: int | None) -> str:
    """The sentence's first clause, cut to fit a callout: after the place's name when the clause is long."""
    text = sentence.strip().strip('“”"').rstrip(".!?")
    cut = _CLAUSE_END.search(text, 25)  # a clause of a few words at least
    if cut is not None:
        text = text[: cut.start()]
    if len(text) > settings.CALLOUT_MAX_CHARS and name_end is not None and name_end <= settings.CALLOUT_MAX_CHARS:
        text = text[:name_end]
    while len(text) > settings.CALLOUT_MAX_CHARS:
        text = text.rsplit(" ", 1)[0]
    return text.strip(" ,;:")


def candidate_callouts(
    passages: list[tuple[str, str]], placed: list[dict[str, Any]], dates: dict[str, list[dict]]
) -> list[dict[str, Any]]:
    """Callouts for ``story.json`` (id, text, target, passage, date?) from the body's incident sentences.

    ``placed`` are the draft's features with a position (id, name, aliases); ``dates`` each passage's
    resolved dates (:func:`mapapp.draft.dates.find_dates`)."""
    spellings = []
    for feature in placed:
        props = feature["properties"]
        for name in {props["name"], *(props.get("aliases") or [])}:
            spellings.append((re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])"), props["id"]))
    callouts: list[dict[str, Any]] = []
    used: set[str] = set()
    for pid, text in passages:
        for sentence in _SENTENCE.split(_DATELINE.sub("", text, count=1)):
            verb = INCIDENT.search(sentence)
            if len(callouts) >= MAX_CALLOUTS or verb is None or _MODAL.search(sentence, 0, verb.start()):
                continue
            # The place named nearest the incident's verb is where it happened.
            found = [
                (abs(m.start() - verb.start()), m.end(), fid) for pattern, fid in spellings for m in pattern.finditer(sentence)
            ]
            found = [f for f in found if f[2] not in used]
            if not found:
                continue
            _distance, name_end, target = min(found)
            words = _clause(sentence, name_end - (len(sentence) - len(sentence.lstrip())))
            if (
                len(words.split()) < 3
                or not INCIDENT.search(words)
                or target not in {fid for pattern, fid in spellings if pattern.search(words)}
            ):
                continue  # the map's words must hold the incident and its place
            callout: dict[str, Any] = {"id": f"callout-{target}"[:60], "text": words, "target": target, "passage": pid}
            day = next((d["date"] for d in dates.get(pid, []) if d.get("date_precision") == "day"), None)
            if day:
                callout["date"] = day
            callouts.append(callout)
            used.add(target)
    return callouts
