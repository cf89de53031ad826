"""The article's reading as editing operations: a passage's links to features, its speaker, its dates, and the
page lines that are furniture rather than story.

Annotations live in ``article.json`` keyed by passage id, each with the passage's first words (``starts``), so
an annotation never lands on another paragraph. The operations take the passage's text from the loaded story
(the session passes it in) and check every phrase against it before anything is saved.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from mapapp import settings
from mapapp.edit.features import _check_date
from mapapp.edit.operations import Documents, EditError
from mapapp.story.layers import KINDS

ARTICLE = settings.ARTICLE_META_FILE


def starts_of(text: str) -> str:
    """The passage's first words, as annotations quote them (a few words, cut at a word's end)."""
    words = text.split(" ")
    return " ".join(words[:4]) if len(words) > 4 else text


def _note(out: Documents, pid: str, text: str) -> dict:
    passages = out.setdefault(ARTICLE, {}).setdefault("passages", {})
    return passages.setdefault(pid, {"starts": starts_of(text)})


def _phrase_in(phrase: str, pid: str, text: str) -> str:
    phrase = " ".join(phrase.split())
    if not phrase:
        raise EditError("select or type the words of the passage first")
    if phrase not in text:
        raise EditError(f"{phrase!r} is not in passage {pid} (words must be copied exactly)")
    return phrase


@dataclass(frozen=True)
class LinkPassage:
    """The words of a passage that name a feature: the passage is then linked to it (and shown with it)."""

    fid: str
    pid: str
    text: str  # the passage's text, from the loaded story
    phrase: str

    def apply(self, docs: Documents) -> tuple[Documents, str]:
        phrase = _phrase_in(self.phrase, self.pid, self.text)
        out = copy.deepcopy(docs)
        links = _note(out, self.pid, self.text).setdefault("links", [])
        if any(link.get("place") == self.fid and link.get("phrase") == phrase for link in links):
            raise EditError(f"{phrase!r} in {self.pid} is linked to {self.fid} already")
        links.append({"place": self.fid, "phrase": phrase, "note": "linked in the editor"})
        return {ARTICLE: out[ARTICLE]}, f"linked {self.pid} (“{phrase}”) to {self.fid}"


@dataclass(frozen=True)
class SetSpeaker:
    """Who speaks in a passage (empty: nobody is quoted); the drafted reading goes, this one is checked."""

    pid: str
    text: str
    who: str
    phrase: str = ""  # the words that attribute it ("officials said"), when given

    def apply(self, docs: Documents) -> tuple[Documents, str]:
        out = copy.deepcopy(docs)
        note = _note(out, self.pid, self.text)
        if not self.who.strip():
            note["speakers"] = []
            return {ARTICLE: out[ARTICLE]}, f"{self.pid}: no speaker"
        speaker = {"who": " ".join(self.who.split())}
        if self.phrase.strip():
            speaker["phrase"] = _phrase_in(self.phrase, self.pid, self.text)
        note["speakers"] = [speaker]
        return {ARTICLE: out[ARTICLE]}, f"{self.pid}: speaker {speaker['who']}"


@dataclass(frozen=True)
class SetDate:
    """What a date phrase of a passage means (``date`` empty: the phrase is not a date after all)."""

    pid: str
    text: str
    phrase: str
    date: str = ""
    date_precision: str = "day"

    def apply(self, docs: Documents) -> tuple[Documents, str]:
        phrase = _phrase_in(self.phrase, self.pid, self.text)
        out = copy.deepcopy(docs)
        note = _note(out, self.pid, self.text)
        kept = [d for d in note.get("dates") or [] if d.get("phrase") != phrase]
        if not self.date:
            note["dates"] = kept
            return {ARTICLE: out[ARTICLE]}, f"{self.pid}: “{phrase}” is not a date"
        if self.date_precision not in settings.DATE_PRECISIONS:
            raise EditError(f"date precision {self.date_precision!r} is not one of {settings.DATE_PRECISIONS}")
        note["dates"] = [*kept, {"phrase": phrase, "date": _check_date(self.date), "date_precision": self.date_precision}]
        return {ARTICLE: out[ARTICLE]}, f"{self.pid}: “{phrase}” = {self.date}"


@dataclass(frozen=True)
class MarkFurniture:
    """A passage that is page furniture (a banner, a list of other stories): it leaves the story's passages.

    The passages after it are numbered one less, so every reference to them moves too: their annotations in
    article.json, the callouts' ``passage`` and the features' ``passages`` lists. Its own links go with it."""

    pid: str
    text: str
    passage_ids: tuple[str, ...]  # every passage id in order, from the loaded story

    def apply(self, docs: Documents) -> tuple[Documents, str]:
        if self.pid not in self.passage_ids:
            raise EditError(f"no passage {self.pid}")
        at = self.passage_ids.index(self.pid)
        renumber = {old: new for old, new in zip(self.passage_ids[at + 1 :], self.passage_ids[at:], strict=False)}
        out = copy.deepcopy(docs)
        manifest = out[settings.MANIFEST_FILE]
        pattern = {"kind": "banner", "pattern": "^" + re.escape(self.text.strip()) + "$"}
        manifest["furniture"] = [*(manifest.get("furniture") or []), pattern]
        changed: Documents = {settings.MANIFEST_FILE: manifest}
        notes = (out.get(ARTICLE) or {}).get("passages")
        if isinstance(notes, dict):
            out[ARTICLE]["passages"] = {renumber.get(k, k): v for k, v in notes.items() if k != self.pid}
            changed[ARTICLE] = out[ARTICLE]
        for callout in manifest.get("callouts") or []:
            if isinstance(callout, dict) and callout.get("passage") in renumber:
                callout["passage"] = renumber[callout["passage"]]
            elif isinstance(callout, dict) and callout.get("passage") == self.pid:
                callout.pop("passage")
        for kind in KINDS.values():
            for feature in (out.get(kind.file) or {}).get("features", []):
                props = feature.get("properties") or {}
                if isinstance(props.get("passages"), list):
                    moved = [renumber.get(p, p) for p in props["passages"] if p != self.pid]
                    if moved != props["passages"]:
                        props["passages"] = moved
                        changed[kind.file] = out[kind.file]
        return changed, f"{self.pid} (“{starts_of(self.text)}…”) is page furniture, not story"
