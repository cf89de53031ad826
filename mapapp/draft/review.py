"""``DRAFT.md``, the review list of a drafted story folder: doubts first, then what was placed, outlined, left
unlocated, written as callouts or set aside, with the article's country context."""

from __future__ import annotations

import re

from mapapp.draft.readings import Geoparse
from mapapp.draft.regions import SOURCE_ID as REGION_SOURCE_ID


def review_list(manifest: dict, features: list[dict], parse: Geoparse, speakers: dict, dates: dict, texts: dict[str, str]) -> str:
    """``DRAFT.md``: what was drafted and what a person must check before the story is published, counted at the
    top, doubts first; each speaker and date with the sentence it was read from (``texts``: passage id → text)."""
    placed = [f["properties"] for f in features if f["geometry"] and REGION_SOURCE_ID not in f["properties"]["source"]]
    areas = [f["properties"] for f in features if f["geometry"] and REGION_SOURCE_ID in f["properties"]["source"]]
    doubts = [f["properties"] for f in features if not f["geometry"] and str(f["properties"]["draft_review"]).startswith("DOUBT")]
    other = [f["properties"] for f in features if not f["geometry"] and f["properties"] not in doubts]
    said = [(pid, s) for pid, rows in speakers.items() for s in rows]
    dated = [(pid, d) for pid, rows in dates.items() for d in rows]
    counts = (
        f"**{len(placed)} placed, {len(areas)} outlined, {len(doubts)} doubts, {len(other)} without a position, "
        f"{len(parse.skipped)} names set aside; {len(said)} speakers and {len(dated)} dates to check.**"
    )
    lines = [
        f"# Draft: {manifest['title']}",
        "",
        counts,
        "",
        'Drafted by `python -m mapapp new`. Every place, speaker and date below carries `"draft": true`;',
        "clear it once you have checked the item (or review it in `python -m mapapp edit`). Then add control",
        "changes and other layers, and run `python -m mapapp validate` on this folder.",
        "",
        f"## Doubts first: names not placed because every reading may be a namesake ({len(doubts)})",
        *[f"- `{p['id']}` {p['name']}: {p['draft_review']}" for p in doubts],
        "",
        f"## Places placed from GeoNames ({len(placed)})",
        *[f"- `{p['id']}` {p['name']} → {p['source_text']}. Review: {p['draft_review']}" for p in placed],
        "",
        f"## Regions outlined from Natural Earth admin-1 ({len(areas)})",
        *[f"- `{p['id']}` {p['name']} → {p['source_text']}. Review: {p['draft_review']}" for p in areas],
        "",
        f"## Features and unlocated names, no geometry ({len(other)})",
        *[f"- `{p['id']}` {p['name']} ({p['kind']}): {p['draft_review']}" for p in other],
        "",
        f"## Callouts drafted from incident sentences ({len(manifest.get('callouts', []))})",
        "Written on the map with a line to their place. Check the words and the place; shorten or delete them",
        "in story.json (`callouts`).",
        *[f"- {c['passage']}: “{c['text']}”, at {c['target']}" for c in manifest.get("callouts", [])],
        "",
        "## Capitals read as governments (not drawn)",
        *[f"- {m.spellings[0]}: {m.note}" for m in parse.metonyms],
        "",
        "## Names not taken as places",
        *[f"- {name}: {why}" for name, why in parse.skipped],
        "",
        "## Country context",
        ", ".join(f"{iso} {weight}" for iso, weight in parse.countries.most_common()) or "none",
        "",
        f"## Speakers ({len(said)})",
        "Who speaks, with the words it was read from (a pronoun resolved to the last speaker says so). Fix them in",
        "article.json or the editor's Article tab.",
        *[f"- {pid}: **{s.get('who', '')}** ({s.get('how', '')}): “{_quote(s.get('phrase', ''))}”" for pid, s in said],
        "",
        f"## Dates ({len(dated)})",
        "What each date phrase was read as, in its sentence.",
        *[
            f"- {pid}: “{d.get('phrase', '')}” = {d.get('date', '')}{' to ' + d['date_to'] if d.get('date_to') else ''} "
            f"({d.get('date_precision', '')}), in “{_quote(_sentence(texts.get(pid, ''), str(d.get('phrase', ''))))}”"
            for pid, d in dated
        ],
        "",
    ]
    return "\n".join(lines)


def _sentence(text: str, phrase: str) -> str:
    """The sentence of ``text`` that holds ``phrase`` (the whole text when none does)."""
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if phrase and phrase in sentence:
            return sentence
    return text


def _quote(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
