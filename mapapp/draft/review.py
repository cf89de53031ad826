"""``DRAFT.md``, the review list of a drafted story folder: doubts first, then what was placed, outlined, left
unlocated, written as callouts or set aside, with the article's country context."""

from __future__ import annotations

from mapapp.draft.readings import Geoparse
from mapapp.draft.regions import SOURCE_ID as REGION_SOURCE_ID


def review_list(manifest: dict, features: list[dict], parse: Geoparse, speakers: dict, dates: dict) -> str:
    """``DRAFT.md``: what was drafted and what a person must check before the story is published."""
    placed = [f["properties"] for f in features if f["geometry"] and REGION_SOURCE_ID not in f["properties"]["source"]]
    areas = [f["properties"] for f in features if f["geometry"] and REGION_SOURCE_ID in f["properties"]["source"]]
    doubts = [f["properties"] for f in features if not f["geometry"] and str(f["properties"]["draft_review"]).startswith("DOUBT")]
    other = [f["properties"] for f in features if not f["geometry"] and f["properties"] not in doubts]
    lines = [
        f"# Draft: {manifest['title']}",
        "",
        'Drafted by `python -m mapapp new`. Every place, speaker and date below carries `"draft": true`;',
        "clear it once you have checked the item. Then add control changes and other layers, and run",
        "`python -m mapapp validate` on this folder.",
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
        f"## Speakers ({sum(len(v) for v in speakers.values())}) and dates ({sum(len(v) for v in dates.values())})",
        "Check each in article.json: who speaks (and whether a pronoun was resolved to the right person), and",
        "what each date phrase resolves to.",
        "",
    ]
    return "\n".join(lines)
