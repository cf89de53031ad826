"""The article as data: page lines classified, body passages, and place links.

The raw page text (``article.txt``) mixes the story with page furniture. Every
line is kept and classified (nothing is dropped): body paragraphs become
passages with stable ids (``p01``...), related videos and "READ MORE" links
become related items with their titles and dates, advertising markers are kept
as furniture. ``article.json`` adds what the text does not say by itself:
metadata, who speaks in each passage, implicit references and the dates
relative expressions resolve to. Validation checks that every annotation still
matches the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from mapapp import settings
from mapapp.story.jsonfile import outside_link, read_json
from mapapp.story.layers import KINDS
from mapapp.story.manifest import FurniturePattern
from mapapp.story.validate import Problem, parse_iso_date

# Generic page furniture (news sites in general); a story's manifest adds its outlet's own patterns
# (kind, regex): video and link patterns capture the item's title, captions its title and date.
GENERIC_FURNITURE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("video", re.compile(r"^Click to play video: '(?P<title>.+?)'(?: .*)?$")),
    ("link", re.compile(r"^(?:READ MORE|Read more|RELATED|Related|SEE ALSO|See also|MORE|More): (?P<title>.+)$")),
    (
        "advertisement",
        re.compile(r"^(?:Story continues below advertisement|Advertisement|ADVERTISEMENT|Continue reading below)$"),
    ),
    ("sponsored", re.compile(r"^(?:Sponsored content|Sponsored|Promoted content|Paid content)$")),
    ("timestamp", re.compile(r"^(?:Published|Posted|Updated|Last updated)\b.{0,80}\d{4}.{0,40}$")),
    # Lists of other stories: their header; the headlines under it are links (see parse_page).
    (
        "list",
        re.compile(
            r"^(?:Recommended(?: Stories| stories| for you| reading)?|Most (?:Read|Popular|Viewed|read|popular)|"
            r"More (?:Stories|stories|from [^.]{1,40})|Related (?:Stories|Articles|Coverage|stories)|"
            r"You (?:may|might) also (?:like|be interested in)|Trending(?: Now| now)?|Top Stories|Editor[’']s Picks|"
            r"Latest(?: News| news)?|Keep reading|Read next|Up next)\s*:?$"
        ),
    ),
    # Banners: donations, newsletters, subscriptions, app downloads.
    (
        "banner",
        re.compile(
            r"^(?:(?:Please )?(?:Support|Help fund|Fund) (?:independent|our|quality|trusted|fearless)\b.{0,160}|"
            r"(?:Donate|Subscribe|Give)(?: now| today)?[.!]?|Sign up (?:for|to) .{0,120}|"
            r"(?:Subscribe|Get|Join) (?:to )?(?:our|the) [^.]{0,60}(?:newsletter|briefing|alerts)\b.{0,80}|"
            r"Download (?:our|the) .{0,40}app\b.{0,80})$",
            re.IGNORECASE,
        ),
    ),
    # Photo credits under pictures: "Photo: Name / Agency", "(AP Photo/Name)".
    (
        "photo",
        re.compile(
            r"^(?:(?:File )?(?:Photo|Photograph|Image|Picture)(?: credit)?\s*[:/].{0,160}|.{0,200}\((?:AP|AFP|Reuters)"
            r" Photo/[^)]+\)|.{0,160}\s/\s(?:Reuters|AFP|AP|Getty Images|EPA)\.?)$"
        ),
    ),
    ("credits", re.compile(r"\breported from\b.*\bcontributed to this report\.$")),
)
# A caption under a video: its title (optionally after "WATCH:") and a date, as news sites print it.
GENERIC_CAPTIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(r"^(?:WATCH: |VIDEO: )?(?P<title>.+?) [–—-] (?P<date>[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4})$"), fmt)
    for fmt in ("%b %d, %Y", "%B %d, %Y")
)
# Abbreviations whose full stop does not end a sentence in this text.
_ABBREVIATIONS = ("U.S.", "U.N.", "Mr.", "Mrs.", "Dr.", "St.", "Gen.", "Lt.")
_SENTENCE_END = re.compile(r"(?<=[.!?])[”\"]?\s+(?=[“\"A-Z])")


@dataclass(frozen=True)
class Mention:
    """Where a passage refers to a place: a span and how the link was made."""

    place_id: str
    start: int
    end: int
    text: str
    how: str  # "name" (a spelling of the place) or "curated" (an implicit reference)
    note: str = ""


@dataclass
class Passage:
    """One body paragraph of the article."""

    id: str
    index: int  # order in the article, from 1
    line: int  # line number in article.txt, from 1
    text: str
    kind: str = "body"  # "body" or "credits"
    speakers: list[dict] = field(default_factory=list)
    dates: list[dict] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)

    @property
    def place_ids(self) -> list[str]:
        """Linked place ids in order of first mention."""
        return list(dict.fromkeys(m.place_id for m in sorted(self.mentions, key=lambda m: m.start)))


@dataclass
class Article:
    """The whole page: metadata, passages, related items, furniture, in order."""

    meta: dict
    passages: list[Passage]
    related: list[dict]
    furniture: list[dict]
    lines: list[dict]  # every non-empty line: {line, kind, ref}

    @property
    def passage_ids(self) -> set[str]:
        return {p.id for p in self.passages}

    def passage(self, passage_id: str) -> Passage:
        for p in self.passages:
            if p.id == passage_id:
                return p
        raise KeyError(passage_id)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in ``text``."""
    guarded = text
    for abbr in _ABBREVIATIONS:  # hide abbreviation full stops from the splitter
        guarded = guarded.replace(abbr, abbr.replace(".", "\x00"))
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(guarded):
        end = match.start() + len(match.group(0).rstrip())
        spans.append((start, end))
        start = match.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def parse_page(text: str, furniture: Iterable[FurniturePattern] = ()) -> tuple[str, list[dict]]:
    """Classify every line of the page; returns (headline, blocks in order).

    Each block is ``{"line", "kind", "text", ...}`` with kind one of body,
    credits, video, link, advertisement, sponsored, timestamp. ``furniture`` (the
    manifest's patterns) is tried before the generic ones. A caption line right
    under a video is folded into it, with its date.
    """
    patterns = [(p.kind, p.pattern, p.date_format) for p in furniture]
    patterns += [(kind, pattern, None) for kind, pattern in GENERIC_FURNITURE]
    patterns += [("caption", pattern, fmt) for pattern, fmt in GENERIC_CAPTIONS]
    raw_lines = text.splitlines()
    headline = raw_lines[0].strip() if raw_lines else ""
    blocks: list[dict] = []
    for number, raw in enumerate(raw_lines[1:], start=2):
        line = raw.strip()
        if not line:
            continue
        in_list = bool(blocks) and (blocks[-1]["kind"] == "list" or bool(blocks[-1].get("listed")))
        if in_list and len(line) <= 160 and not line.endswith((".", "”", '"')):  # a headline under "Recommended Stories"
            blocks.append({"line": number, "kind": "link", "text": line, "title": line, "listed": True})
            continue
        block = _classify(line, number, patterns, blocks[-1] if blocks else None)
        if block is not None:
            blocks.append(block)
    return headline, blocks


def _classify(line: str, number: int, patterns: list, previous: dict | None) -> dict | None:
    """The block for one line, or None when the line was folded into ``previous`` (a video's caption)."""
    for kind, pattern, date_format in patterns:
        match = pattern.search(line) if kind == "credits" else pattern.match(line)
        if not match:
            continue
        if kind == "caption":
            if previous is None or previous["kind"] != "video" or "date" in previous:
                continue  # a caption only belongs under a video
            try:
                day = datetime.strptime(match["date"], date_format).date()
            except ValueError:
                continue
            previous.update(caption=line, caption_line=number, date=day.isoformat())
            return None
        block = {"line": number, "kind": kind, "text": line}
        if "title" in pattern.groupindex:
            block["title"] = match["title"]
        return block
    return {"line": number, "kind": "body", "text": line}


def build_article(text: str, meta: dict, furniture: Iterable[FurniturePattern] = ()) -> Article:
    """Passages, related items and furniture from the page text and its annotations."""
    headline, blocks = parse_page(text, furniture)
    passages: list[Passage] = []
    related: list[dict] = []
    furniture_items: list[dict] = []
    lines: list[dict] = []
    for block in blocks:
        kind = block["kind"]
        if kind in ("body", "credits"):
            pid = f"p{len(passages) + 1:02d}"
            passages.append(Passage(pid, len(passages) + 1, block["line"], block["text"], kind))
            ref = pid
        elif kind in ("video", "link"):
            ref = f"r{len(related) + 1:02d}"
            related.append({"id": ref, **{k: v for k, v in block.items()}})
        else:
            ref = f"f{len(furniture_items) + 1:02d}"
            furniture_items.append({"id": ref, **block})
        lines.append({"line": block["line"], "kind": kind, "ref": ref})
    return Article({"headline": headline, **meta.get("meta", {})}, passages, related, furniture_items, lines)


# --- linking -----------------------------------------------------------------


def alias_patterns(entities: Iterable[dict]) -> list[tuple[str, str, re.Pattern]]:
    """(entity id, spelling, regex) for every spelling, longest spelling first."""
    rows = []
    for entity in entities:
        spellings = [entity.get("name"), *list(entity.get("aliases") or []), entity.get("name_ar")]
        for spelling in dict.fromkeys(s for s in spellings if s):
            # \b does not work beside Arabic letters or hyphens the same way: use look-arounds. Case matters
            # (the alias "Has" of the village Hass must not match the verb "has"): a spelling matches as
            # written, with a capital first letter (sentence start) or in capitals (a dateline).
            variants = dict.fromkeys([spelling, spelling[:1].upper() + spelling[1:], spelling.upper()])
            alternatives = "|".join(re.escape(v) for v in variants)
            pattern = re.compile(r"(?<![\w-])(?:" + alternatives + r")(?![\w-])")
            rows.append((entity["id"], spelling, pattern))
    return sorted(rows, key=lambda row: -len(row[1]))


def find_mentions(text: str, patterns: list[tuple[str, str, re.Pattern]]) -> list[Mention]:
    """Spelling matches in ``text``; longer spellings win where matches overlap."""
    taken: list[tuple[int, int]] = []
    found = []
    for place_id, _spelling, pattern in patterns:
        for match in pattern.finditer(text):
            span = match.span()
            if any(span[0] < end and start < span[1] for start, end in taken):
                continue
            taken.append(span)
            found.append(Mention(place_id, span[0], span[1], match.group(0), "name"))
    return sorted(found, key=lambda m: m.start)


def annotate(article: Article, meta: dict, entities: list[dict]) -> list[Problem]:
    """Attach speakers, dates, spelling links and curated links; report mismatches."""
    problems: list[Problem] = []
    file = settings.ARTICLE_META_FILE
    known = {e["id"] for e in entities}
    patterns = alias_patterns(entities)
    by_id = {p.id: p for p in article.passages}
    for passage in article.passages:
        passage.mentions = find_mentions(passage.text, patterns)
    for pid, note in (meta.get("passages") or {}).items():
        annotated = by_id.get(pid)
        if annotated is None:
            problems.append(Problem(file, f"annotates passage {pid!r}, which the article does not have", f"passages.{pid}"))
            continue
        passage = annotated
        problems += _check_starts(passage, note, file)
        passage.speakers = list(note.get("speakers") or [])
        passage.dates, date_problems = _resolve_dates(passage, note.get("dates") or [], file)
        problems += date_problems
        for i, link in enumerate(note.get("links") or []):
            mention, problem = _curated_mention(passage, link, known, file, f"passages.{pid}.links[{i}]")
            if problem:
                problems.append(problem)
            elif mention:
                passage.mentions.append(mention)
        passage.mentions.sort(key=lambda m: (m.start, m.place_id))
    return problems


def _check_starts(passage: Passage, note: dict, file: str) -> list[Problem]:
    """Annotations carry the passage's first words, so that edits to the text are caught."""
    starts = note.get("starts")
    if not starts:
        return [
            Problem(file, "missing 'starts' (the first words of the passage it annotates)", f"passages.{passage.id}", "starts")
        ]
    if not passage.text.startswith(starts):
        return [
            Problem(
                file, f"passage {passage.id} starts {passage.text[:40]!r}, not {starts!r}", f"passages.{passage.id}", "starts"
            )
        ]
    return []


def _resolve_dates(passage: Passage, notes: list[dict], file: str) -> tuple[list[dict], list[Problem]]:
    dates, problems = [], []
    for i, note in enumerate(notes):
        where = f"passages.{passage.id}.dates[{i}]"
        start = passage.text.find(note.get("phrase") or "\x00")
        if start < 0:
            problems.append(Problem(file, f"phrase {note.get('phrase')!r} is not in passage {passage.id}", where, "phrase"))
            continue
        for name in ("date", "date_to"):
            if name in note and parse_iso_date(note[name]) is None:
                problems.append(Problem(file, f"date {note[name]!r} is not YYYY-MM-DD", where, name))
        if note.get("date_precision") not in settings.DATE_PRECISIONS:
            problems.append(Problem(file, f"'date_precision' must be one of {settings.DATE_PRECISIONS}", where, "date_precision"))
        dates.append({**note, "start": start, "end": start + len(note["phrase"])})
    return dates, problems


def _curated_mention(passage: Passage, link: dict, known: set, file: str, where: str) -> tuple[Mention | None, Problem | None]:
    place_id, phrase = link.get("place"), link.get("phrase")
    if not isinstance(place_id, str) or place_id not in known:
        return None, Problem(file, f"links to unknown place {place_id!r}", where, "place")
    start = passage.text.find(phrase) if isinstance(phrase, str) and phrase else -1
    if start < 0 or not isinstance(phrase, str):
        return None, Problem(file, f"phrase {phrase!r} is not in passage {passage.id}", where, "phrase")
    return Mention(place_id, start, start + len(phrase), phrase, "curated", link.get("note", "")), None


def link_targets(layers: dict[str, Any]) -> list[dict]:
    """The linkable entities of every linkable kind present, as plain dicts (registry order)."""
    rows: list[dict] = []
    for kind in KINDS.values():
        gdf = layers.get(kind.id) if kind.linkable else None
        if gdf is None:
            continue
        for fid, row in gdf.iterrows():
            aliases = row.get("aliases") if "aliases" in gdf.columns else None
            name_ar = row.get("name_ar") if "name_ar" in gdf.columns else None
            rows.append(
                {
                    "id": fid,
                    "layer": kind.id,
                    "name": row["name"],
                    "aliases": aliases if isinstance(aliases, list) else [],
                    "name_ar": name_ar if isinstance(name_ar, str) else None,
                }
            )
    return rows


def load_article(
    data_dir: Path, entities: list[dict], furniture: Iterable[FurniturePattern] = ()
) -> tuple[Article | None, list[Problem]]:
    """Read ``article.txt`` and ``article.json``, build passages and links."""
    text_path = Path(data_dir) / settings.ARTICLE_TEXT_FILE
    link = outside_link(text_path)
    if link is not None:
        return None, [link]
    try:
        text = text_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(settings.ARTICLE_TEXT_FILE, f"cannot be read: {exc}")]
    meta, problems = read_json(Path(data_dir) / settings.ARTICLE_META_FILE)
    if problems:
        return None, problems
    if not isinstance(meta, dict):
        return None, [Problem(settings.ARTICLE_META_FILE, "must be a JSON object")]
    article = build_article(text, meta, furniture)
    problems += annotate(article, meta, entities)
    return article, problems


def passages_as_records(article: Article) -> list[dict[str, Any]]:
    """One flat record per passage (for CSV export and the CLI)."""
    return [
        {
            "passage_id": p.id,
            "index": p.index,
            "kind": p.kind,
            "speakers": "; ".join(s.get("who", "") for s in p.speakers),
            "places": " ".join(p.place_ids),
            "dates": "; ".join(f"{d['phrase']}={d['date']}" + (f"..{d['date_to']}" if d.get("date_to") else "") for d in p.dates),
            "text": p.text,
        }
        for p in article.passages
    ]
