#!/usr/bin/env python3
"""How good is a draft? Run the drafter on the shipped article and compare it with the curated story.

    python bench/draft_quality.py            # print the figures and every miss
    python bench/draft_quality.py --readme   # also write them into README.md (between the draft markers)
    python bench/draft_quality.py --json     # the figures as JSON

What is compared (the curated ``geodata/`` is the reference):

- **places found**: curated point places with a GeoNames id that the article
  names (linked to a passage): drafted within 3 km;
- **drafted places correct**: drafted places with a position that lie within
  3 km of a curated place (or carry its GeoNames id);
- **links**: curated passage → place links (places layer) that the draft also
  makes; a drafted feature stands for a curated one when it lies within 3 km
  or, without a position, when a spelling matches;
- **speakers**: passages whose curated speaker is named in the passage (a word
  of the curated name is in its text) for which the draft names a speaker
  sharing a word with it;
- **dates**: curated date phrases with a calendar word (weekday, month, day,
  week, year...) resolved by the draft to the same day or range. Phrases whose
  curated note resolves them from another source are listed apart.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from shapely.geometry import Point, shape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mapapp import draft, settings  # noqa: E402
from mapapp.draft.gazetteer import exact_key  # noqa: E402
from mapapp.draft.gazetteer import load as load_gazetteer  # noqa: E402
from mapapp.draft.geoparse import geoparse  # noqa: E402
from mapapp.draft.words import STOPWORDS  # noqa: E402
from mapapp.story.model import Story, load_story  # noqa: E402

README = ROOT / "README.md"
MARK_START, MARK_END = "<!-- draft-quality:start -->", "<!-- draft-quality:end -->"
WITHIN_KM = 3.0
TARGETS = {"places_found": 0.90, "drafted_correct": 0.85, "links_found": 0.85, "speakers_found": 0.80, "dates_resolved": 1.0,
           "gazetteer_reach": 0.90}  # fmt: skip
_CALENDAR = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|july|"
    r"august|september|october|november|december|today|yesterday|day|days|week|weeks|month|months|year|years|\d{4})\b",
    re.I,
)
_GENERIC = STOPWORDS | {"government", "reporting", "official", "forces", "syrian", "turkish"}


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 12742 * math.asin(math.sqrt(min(1.0, h)))


def _points(story: Story) -> dict[str, tuple[float, float]]:
    gdf = story.layers["places"]
    return {fid: (geom.x, geom.y) for fid, geom in gdf.geometry.items() if geom is not None and geom.geom_type == "Point"}


def _spellings(story: Story, fid: str) -> set[str]:
    entity = story.entities[fid]
    return {exact_key(s) for s in [entity["name"], *entity.get("aliases", [])] if s}


def _has_geonames_id(feature: dict) -> bool:
    value = feature.get("geonameid")
    return isinstance(value, (int, float)) and value == value  # geopandas reads a missing id as NaN


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]{4,}", exact_key(text)) if w not in _GENERIC}


def draft_of(article: Path, day: date) -> tuple[Story, dict]:
    """Draft the article into a temporary folder and load it as the app would."""
    files = draft.draft_story(draft.read_article(article), day)
    out = Path(tempfile.mkdtemp(prefix="draft-quality-")) / "draft"
    draft.write_draft(files, out)
    return load_story(out), files


def measure(curated_dir: Path = settings.DEFAULT_DATA_DIR) -> dict:
    curated = load_story(curated_dir)
    drafted, _files = draft_of(curated_dir / settings.ARTICLE_TEXT_FILE, curated.manifest.published)
    c_points, d_points = _points(curated), _points(drafted)
    c_gn = {fid: curated.entities[fid] for fid in c_points}
    gn_ids = {fid for fid in c_points if _has_geonames_id(curated.feature(fid))}
    named = {fid for fid in gn_ids if curated.passages_for(fid)}

    def counterpart(did: str) -> str | None:
        """The curated place a drafted one stands for."""
        if did in d_points:
            near = [(_km(d_points[did], c_points[c]), c) for c in c_points]
            best = min(near, default=(math.inf, None))
            return best[1] if best[0] <= WITHIN_KM else None
        base = drafted.feature(did).get("feature_of")
        spell = _spellings(drafted, did) | ({exact_key(base)} if isinstance(base, str) else set())
        return next(
            (c for c in curated.entities if curated.entities[c]["layer"] == "places" and spell & _spellings(curated, c)), None
        )

    found = {c for c in named if any(_km(c_points[c], p) <= WITHIN_KM for p in d_points.values())}
    correct = {d for d in d_points if counterpart(d) is not None}
    c_links = {(p.id, pid) for p in curated.passages for pid in p.place_ids if curated.entities[pid]["layer"] == "places"}
    d_links = {(p.id, counterpart(pid)) for p in drafted.passages for pid in p.place_ids}
    links_found = c_links & d_links

    d_speakers = {p.id: p.speakers for p in drafted.passages}
    speaker_rows, speaker_hits = [], []
    for p in curated.passages:
        named_speakers = [s for s in p.speakers if _words(s.get("who", "")) & _words(p.text)]
        if not named_speakers:
            continue
        speaker_rows.append(p.id)
        wanted = set().union(*(_words(s["who"]) | _words(s.get("phrase") or "") for s in named_speakers))
        if any(_words(s["who"]) & wanted for s in d_speakers.get(p.id, [])):
            speaker_hits.append(p.id)

    d_dates = {p.id: p.dates for p in drafted.passages}
    date_rows, date_hits, outside = [], [], []
    for p in curated.passages:
        for d in p.dates:
            label = f"{p.id} “{d['phrase']}”"
            if d.get("note") or not _CALENDAR.search(d["phrase"]):
                outside.append(f"{label} ({d.get('note') or 'resolved from outside the text'})")
                continue
            date_rows.append(label)
            overlap = [x for x in d_dates.get(p.id, []) if x["start"] < d["end"] and d["start"] < x["end"]]
            if any(x["date"] == d["date"] and x.get("date_to") == d.get("date_to") for x in overlap):
                date_hits.append(label)

    def figure(hit: set | list, of: set | list, misses: list[str]) -> dict:
        return {"hit": len(hit), "of": len(of), "ratio": len(hit) / len(of) if of else 1.0, "misses": sorted(misses)}

    name = {fid: curated.entities[fid]["name"] for fid in curated.entities}
    figures = {
        "places_found": figure(found, named, [name[c] for c in named - found]),
        "drafted_correct": figure(correct, d_points, [drafted.entities[d]["name"] for d in set(d_points) - correct]),
        "links_found": figure(links_found, c_links, [f"{p} → {name[c]}" for p, c in sorted(c_links - d_links)]),
        "speakers_found": figure(speaker_hits, speaker_rows, [r for r in speaker_rows if r not in speaker_hits]),
        "dates_resolved": figure(date_hits, date_rows, [r for r in date_rows if r not in date_hits]),
    }
    figures["gazetteer_reach"] = _gazetteer_reach(curated, {c: c_points[c] for c in gn_ids})
    return {
        "figures": figures,
        "context": {
            "curated_points_with_geonames_id": len(gn_ids),
            "of_which_named_in_article": len(named),
            "not_named": sorted(c_gn[c]["name"] for c in gn_ids - named),
            "dates_outside_the_text": outside,
        },
    }


def _gazetteer_reach(curated: Story, points: dict[str, tuple[float, float]]) -> dict:
    """Every curated GeoNames place, named once more in the article's context ("in the town of X"): placed within 3 km?"""
    gaz = load_gazetteer()
    body = [(p.id, p.text) for p in curated.passages]
    hits, misses = [], []
    for fid, point in points.items():
        name = re.sub(r"\s*\(.*\)$", "", curated.entities[fid]["name"])
        parse = geoparse(gaz, [*body, ("probe", f"Fighting was reported in the town of {name} on Monday.")])
        placed = [f.record for f in parse.places if f.record and any(o.passage == "probe" for o in f.occurrences)]
        ok = any(_km((r.lon, r.lat), point) <= WITHIN_KM for r in placed)
        (hits if ok else misses).append(name)
    return {"hit": len(hits), "of": len(points), "ratio": len(hits) / len(points) if points else 1.0, "misses": sorted(misses)}


LABELS = {
    "places_found": "curated GeoNames places the article names, drafted within 3 km",
    "drafted_correct": "drafted places that match a curated place",
    "links_found": "curated passage → place links found",
    "speakers_found": "passages with a named curated speaker, speaker found",
    "dates_resolved": "calendar date phrases resolved to the same day or range",
    "gazetteer_reach": "every curated GeoNames place, named once more in the article (“in the town of X”), placed within 3 km",
}


def table(result: dict) -> str:
    rows = ["| measure | found | ratio | target | misses |", "|---|---:|---:|---:|---|"]
    for key, f in result["figures"].items():
        misses = "; ".join(f["misses"]) or "none"
        rows.append(f"| {LABELS[key]} | {f['hit']}/{f['of']} | {f['ratio']:.0%} | {TARGETS[key]:.0%} | {misses} |")
    ctx = result["context"]
    rows += [
        "",
        f"The curated story has {ctx['curated_points_with_geonames_id']} point places with a GeoNames id; the article names "
        f"{ctx['of_which_named_in_article']} of them (the others come from other sources: {', '.join(ctx['not_named'])}).",
        "Date phrases resolved from outside the text (not counted): "
        + ("; ".join(ctx["dates_outside_the_text"]) or "none")
        + ".",
    ]
    return "\n".join(rows)


ARTICLES = ROOT / "tests" / "articles"
PLACED_KM = 5.0


def score_article(article: Path, gaz: Any = None) -> dict:
    """One test article drafted and compared with its ``.expected.json``: each expected place placed within
    5 km, flagged for review (listed without a position), missed, or wrong (placed farther, or a name the
    gazetteer lacks placed anyway); a drafted point in a country the article is not about is wrong too."""
    expected = json.loads(article.with_suffix(".expected.json").read_text(encoding="utf-8"))
    files = draft.draft_story(article.read_text(encoding="utf-8"), gazetteer=gaz)
    features = files["places.geojson"]["features"]

    def names(f: dict) -> set[str]:
        return {f["properties"]["name"], *(f["properties"].get("aliases") or [])}

    placed = {n: f for f in features if f["geometry"] for n in names(f)}
    flagged = {n for f in features if not f["geometry"] for n in names(f)}
    out: dict[str, list[str]] = {"placed": [], "flagged": [], "missed": [], "wrong": []}
    for area in expected.get("areas", []):  # a region: its drafted shape must hold a known point of it
        f = placed.get(area["name"])
        if f is None:
            out["flagged" if area["name"] in flagged else "missed"].append(area["name"])
            continue
        # Inside, or within the outline's own precision (a border town on a simplified edge: Goma, 270 m out).
        slack = float(f["properties"].get("precision_m") or 0) / 111_320
        inside = (
            f["geometry"]["type"] != "Point"
            and shape(f["geometry"]).distance(Point(area["contains"]["lon"], area["contains"]["lat"])) <= slack
        )
        out["placed" if inside else "wrong"].append(area["name"] + ("" if inside else f" (misses {area['contains']['name']})"))
    for place in expected["places"]:
        f = placed.get(place["name"])
        if f is not None:
            lon, lat = f["geometry"]["coordinates"]
            km = _km((lon, lat), (place["lon"], place["lat"]))
            out["placed" if km <= PLACED_KM else "wrong"].append(
                place["name"] + ("" if km <= PLACED_KM else f" ({km:.0f} km off)")
            )
        else:
            out["flagged" if place["name"] in flagged else "missed"].append(place["name"])
    for place in expected.get("unlocated", []):
        if place["name"] in placed:
            out["wrong"].append(f"{place['name']} (not in the gazetteer, placed anyway)")
        else:
            out["flagged" if place["name"] in flagged else "missed"].append(place["name"])
    countries = set(expected.get("countries") or [expected["country"]])
    expected_names = {p["name"] for p in expected["places"]}
    for f in features:
        props = f["properties"]
        iso = str(props.get("source_text", "")).split("(", 1)[-1][:2]  # "GeoNames 123: Name (UA, population …"
        if f["geometry"] and not names(f) & expected_names and iso not in countries:
            out["wrong"].append(f"{props['name']} (placed in {iso}, not an expected place)")
    total = len(expected["places"]) + len(expected.get("unlocated", [])) + len(expected.get("areas", []))
    return {"article": article.stem, "total": total, **out}


def articles_table(scores: list[dict]) -> str:
    rows = [
        "| article | expected | placed ≤5 km | flagged | missed | wrong | placed + flagged |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    totals = dict.fromkeys(("total", "placed", "flagged", "missed", "wrong"), 0)
    for sc in scores:
        counts = {k: (sc[k] if k == "total" else len(sc[k])) for k in totals}
        for k in totals:
            totals[k] += counts[k]
        share = (counts["placed"] + counts["flagged"]) / counts["total"] if counts["total"] else 1.0
        rows.append(
            f"| {sc['article']} | {counts['total']} | {counts['placed']} | {counts['flagged']} | {counts['missed']} "
            f"| {counts['wrong']} | {share:.0%} |"
        )
    share = (totals["placed"] + totals["flagged"]) / totals["total"] if totals["total"] else 1.0
    rows.append(
        f"| **all** | {totals['total']} | {totals['placed']} | {totals['flagged']} | {totals['missed']} | {totals['wrong']} "
        f"| {share:.0%} |"
    )
    details = [f"- {sc['article']}: missed {', '.join(sc['missed'])}; wrong {', '.join(sc['wrong']) or 'none'}"
               for sc in scores if sc["missed"] or sc["wrong"]]  # fmt: skip
    return "\n".join(rows + (["", *details] if details else []))


def write_readme(text: str) -> None:
    readme = README.read_text(encoding="utf-8")
    start, end = readme.index(MARK_START) + len(MARK_START), readme.index(MARK_END)
    README.write_text(readme[:start] + "\n" + text + "\n" + readme[end:], encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure()
    gaz = load_gazetteer()
    scores = [score_article(path, gaz) for path in sorted(ARTICLES.glob("*.txt")) if path.with_suffix(".expected.json").exists()]
    text = table(result) + "\n\nTest articles (our own words; expected places from GeoNames):\n\n" + articles_table(scores)
    print(json.dumps({**result, "articles": scores}, ensure_ascii=False, indent=1) if args.json else text)
    if args.readme:
        write_readme(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
