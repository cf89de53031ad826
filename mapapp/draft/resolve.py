"""Choosing a reading for each name: one sense per article, the article's country context, distance to the
places already certain, and the doubts a reviewer must see first (a namesake far away, a reading outside
the article's countries, a person's name)."""

from __future__ import annotations

import math
from collections import Counter
from typing import Protocol

from mapapp.draft.gazetteer import Gazetteer, Record, exact_key
from mapapp.draft.readings import Found, Occurrence
from mapapp.draft.words import BIG_CITY, CONTEXT_SHARE, DOUBT_KM, FAR_KM, SMALL_PLACE


class Candidates(Protocol):
    """What the parser collected (mapapp.draft.geoparse): names with their occurrences, features, context."""

    gaz: Gazetteer
    names: dict[str, list[Occurrence]]
    features: dict[str, Found]
    countries: Counter
    skipped: dict[str, str]
    person_tokens: set[str]


def one_sense_per_article(parser: Candidates) -> None:
    """A name the article calls a feature once ("the Tigris River") is that feature wherever it stands alone.

    An administrative unit named after its town ("Masisi territory", "X district") takes the name's
    occurrences too, but where the gazetteer holds a town of that name the town stays a candidate: which
    of the two a bare "X" means is the reviewer's call, and the town is never dropped unseen."""
    by_name = {key.split(":", 1)[1]: found for key, found in parser.features.items()}
    for name in list(parser.names):
        found = by_name.get(exact_key(name))
        if found is None:
            continue
        if found.kind == "region" and any(how == "exact" for _record, how in parser.gaz.lookup(name)):
            found.occurrences += [o for o in parser.names[name] if not o.settlement]
            if name not in found.spellings:
                found.spellings.append(name)
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


def _context_share(parser: Candidates) -> dict[str, float]:
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


def resolve_readings(parser: Candidates) -> tuple[list[Found], list[Found]]:
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
    record: Record,
    how: str,
    share: dict[str, float],
    centre: tuple[float, float] | None,
    cue: bool,
    name: str,
    parser: Candidates,
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
