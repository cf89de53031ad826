"""What the place panel and the article reader show, computed once in Python as plain data.

The Streamlit UI (:mod:`mapapp.app`) and the published site's small renderer
(``static/mapapp/site.js``) both render these dicts, so a place's facts, its
sources, its status on any day, its passages and their highlighted mentions
are decided in one place. Values are plain text: each renderer escapes them
for its medium (markdown in the app, ``textContent`` on the site).

A status that depends on the day is given as intervals (``from``/``to``, ISO
dates, inclusive) computed with the same functions the map uses, so a
renderer only looks up the interval that holds its day.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta

from mapapp import contract
from mapapp.render.legend import legend
from mapapp.render.viewtypes import (
    ClaimView,
    Description,
    HistoryEntry,
    PassageView,
    PlaceView,
    SourceView,
    StatusClaimView,
    StepView,
    TimelineEntry,
)
from mapapp.story.article import Passage
from mapapp.story.layers import KINDS
from mapapp.story.model import Story
from mapapp.story.records import Claim, Feature
from mapapp.story.states import current_state, describe_day, state_words
from mapapp.story.timeline import timeline_events
from mapapp.story.walk import walk_steps

_ISO = date.isoformat


def describe_precision(feature: Feature) -> str:
    if feature.precision in ("exact", "approximate") and feature.precision_m is not None:
        return f"{feature.precision}, within about {int(feature.precision_m):,} m"
    return feature.precision


def source_view(story: Story, key: str) -> SourceView:
    src = story.source(key)
    url = src.get("url")
    publisher = src.get("publisher")
    return {
        "key": key,
        "leaning": src.get("leaning", "?"),
        "title": src["title"],
        "publisher": publisher if isinstance(publisher, str) else None,
        "url": url if isinstance(url, str) else None,
    }


def place_facts(story: Story, feature: Feature) -> list[tuple[str, str]]:
    """(label, text) rows of the place panel, in order, empty ones left out."""
    facts = [
        ("Layer", story.manifest.label(feature.layer)),
        ("Kind", feature.kind or feature.ref),
        ("Part of", story.entity(feature.part_of)["name"] if feature.part_of in story.entities else ""),
        ("Also written", ", ".join(feature.aliases)),
        ("Arabic", feature.name_ar or ""),
        ("Precision", describe_precision(feature)),
        ("Location source", feature.location_note),
        ("GeoNames id", str(feature.geonameid) if feature.geonameid is not None else ""),
    ]
    return [(k, str(v)) for k, v in facts if v]


def draft_note(feature: Feature) -> str | None:
    """The review note of a drafted feature (``python -m mapapp new``), or None when it is not a draft."""
    if not feature.draft:
        return None
    return feature.draft_review or "check this place"


def _intervals(story: Story, boundaries: list[date], at: Callable[[date], dict]) -> list[dict]:
    """``at(day)`` on each stretch between ``boundaries``, merged where equal, over the story's timeline."""
    start, end = story.manifest.timeline_start, story.manifest.timeline_end
    days = sorted({start, *(d for d in boundaries if start < d <= end)})
    out: list[dict] = []
    for i, day in enumerate(days):
        last = days[i + 1] - timedelta(days=1) if i + 1 < len(days) else end
        value = at(day)
        if out and out[-1]["value"] == value:
            out[-1]["to"] = _ISO(last)
        else:
            out.append({"from": _ISO(day), "to": _ISO(last), "value": value})
    return [{"from": o["from"], "to": o["to"], **o["value"]} for o in out]


def holder_text(side_id: str, label: str) -> str:
    """ "held by government", "contested", "no dated control claim in this dataset": a side read as a state."""
    if side_id == "unknown":
        return "no dated control claim in this dataset"
    if side_id == "contested" or label.startswith("contested"):
        return "contested"
    return f"held by {label}"


def source_text(story: Story, keys: object) -> str:
    """Sources by outlet and title, not by their ids (the ids stay in the exports)."""
    names = []
    for key in keys if isinstance(keys, (list, tuple)) else [keys]:
        if not key:
            continue
        source = story.source(str(key))
        outlet, title = source.get("publisher") or "", source.get("title") or str(key)
        names.append(f"{outlet}: {title}" if outlet and outlet not in title else title)
    return "; ".join(names)


def control_status(story: Story, place_id: str) -> list[dict]:
    """Who held the place, as intervals: side, its label, since when, and any dispute with its claims."""
    changes = story.history(place_id)
    boundaries = [d for c in changes for d in (c.date, *c.claimed_dates)]
    boundaries += [d + timedelta(days=1) for d in boundaries]

    def at(day: date) -> dict:
        status = story.status(place_id, day)
        claims: list[StatusClaimView] = [
            {
                "date": _ISO(c.day) if c.day else "",
                "text": c.text or ("adopted date" if c.adopted else ""),
                "sources": list(c.sources),
                "source_text": source_text(story, list(c.sources)),
            }
            for c in status.claims
        ]
        label = story.manifest.side(status.controller).label
        return {
            "side": status.controller,
            "label": label,
            "phrase": holder_text(status.controller, label),
            "since": _ISO(status.since) if status.since else None,
            "disputed": status.disputed,
            "note": status.note if status.disputed else "",
            "claims": claims if status.disputed else [],
        }

    return _intervals(story, boundaries, at)


def control_history(story: Story, place_id: str) -> list[HistoryEntry]:
    return [
        {
            "date": _ISO(c.date),
            "precision": c.date_precision,
            "name": c.name,
            "before": story.manifest.side(c.before).label,
            "after": story.manifest.side(c.after).label,
            "claims": [_claim(story, k) for k in c.claims],
            "sources": [source_view(story, key) for key in c.sources],
        }
        for c in story.history(place_id)
    ]


def _claim(story: Story, claim: Claim) -> ClaimView:
    return {
        "date": _ISO(claim.day) if claim.day else "",
        "text": claim.text,
        "source": list(claim.sources),
        "source_text": source_text(story, list(claim.sources)),
    }


def states_status(story: Story, fid: str) -> list[dict]:
    """What a feature with dated states is, as intervals: its status and the words for it."""
    kind = KINDS[story.entity(fid)["layer"]]
    boundaries = [s.day for s in story.states_of(fid)]

    def on(day: date) -> dict:
        state = current_state(story, fid, day)
        return {"status": state.status if state else "unknown", "words": state_words(story, kind, state)[0]}

    return _intervals(story, boundaries, on)


def place_view(story: Story, place_id: str) -> PlaceView:
    """Everything the place panel shows for ``place_id`` (plain text; see the module docstring).

    Computed once per place (the panel asks on every rerun while a place is selected); read-only."""
    story.entity(place_id)  # an unknown id raises before anything is stored
    return story.derived(f"place-view-{place_id}", lambda: _place_view(story, place_id))


def _place_view(story: Story, place_id: str) -> PlaceView:
    feature = story.record(place_id)
    kind = KINDS[feature.layer]
    view: PlaceView = {
        "id": place_id,
        "name": feature.name,
        "layer": feature.layer,
        "panel": kind.panel,
        "draft": draft_note(feature),
        "facts": place_facts(story, feature),
        "sources": [source_view(story, key) for key in feature.sources],
        "passages": [p.id for p in story.passages_for(place_id)],
    }
    if kind.panel == "control-history":
        view["status"] = control_status(story, place_id) if story.history(place_id) else []
        view["history"] = control_history(story, place_id)
    elif kind.panel == "states":
        view["status"] = states_status(story, place_id)
        view["states"] = [
            {
                "date": _ISO(e.day),
                "status": e.status,
                "words": state_words(story, kind, e)[0],
                "note": e.note or e.event,
                "claims": [_claim(story, c) for c in e.claims],
            }
            for e in story.states_of(place_id)
        ]
    elif kind.panel == "dated":
        view["dated"] = {
            "date": _ISO(feature.day) if feature.day else None,
            "date_to": _ISO(feature.day_to) if feature.day_to else None,
            "claims": [
                {"text": c.text, "source": "; ".join(story.source(key).get("title", "") for key in c.sources)}
                for c in story.claims_of(place_id)
            ],
        }
    return view


def interval_on(intervals: list[dict], day: date) -> dict | None:
    """The interval of ``intervals`` that holds ``day`` (what a renderer shows for that day)."""
    iso = _ISO(day)
    return next((i for i in intervals if i["from"] <= iso <= i["to"]), None)


def passage_segments(passage: Passage) -> list[tuple[str, list[str]]]:
    """The passage's text cut at every mention's edges: (text, ids of the places it refers to)."""
    cuts = sorted({0, len(passage.text), *(m.start for m in passage.mentions), *(m.end for m in passage.mentions)})
    segments = []
    for start, end in itertools.pairwise(cuts):
        ids = list(dict.fromkeys(m.place_id for m in passage.mentions if m.start <= start and end <= m.end))
        segments.append((passage.text[start:end], ids))
    return segments


def passage_view(story: Story, passage: Passage) -> PassageView:
    return {
        "id": passage.id,
        "kind": passage.kind,
        "speakers": [s.get("who", "") for s in passage.speakers],
        "dates": [{"phrase": d["phrase"], "date": d["date"], "date_to": d.get("date_to")} for d in passage.dates],
        "segments": passage_segments(passage),
        "places": story.places_in(passage.id),
    }


def descriptions(story: Story) -> list[Description]:
    """The map's text alternative for every day of the timeline, as intervals (it changes on few days)."""
    start, end = story.manifest.timeline_start, story.manifest.timeline_end
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    out: list[Description] = []
    for day in days:
        text = describe_day(story, day).split(": ", 1)[-1]  # without "As of <day>": the renderer adds its day
        if out and out[-1]["text"] == text:
            out[-1]["to"] = _ISO(day)
        else:
            out.append({"from": _ISO(day), "to": _ISO(day), "text": text})
    return out


TIMELINE_BACKGROUND_DAYS = 200  # events this long before the timeline are background, not the founding of every post


def timeline_view(story: Story) -> list[TimelineEntry]:
    """The Timeline tab's entries, by date, for the app and the site: each dated event once (a change recorded in
    two layers under one title is one line), with the day as the map writes it and the places to show."""
    earliest = story.manifest.timeline_start - timedelta(days=TIMELINE_BACKGROUND_DAYS)
    entries: list[TimelineEntry] = []
    seen = set()
    for event in timeline_events(story.layers, story.article.related):
        key = (event["date"], event["kind"], event["title"])
        if event["date"] < earliest or key in seen:
            continue
        seen.add(key)
        day = story.manifest.clamp(event["date"])
        places = [p for p in event["place_ids"] if p in story.entities]
        entries.append(
            {"date": _ISO(event["date"]), "day": _ISO(day), "kind": event["kind"], "title": event["title"], "places": places}
        )
    return entries


def site_view(story: Story) -> dict:
    """The whole story as the published site reads it."""
    manifest = story.manifest
    timeline = {"start": _ISO(manifest.timeline_start), "end": _ISO(manifest.timeline_end), "about": manifest.timeline_about}
    walk: list[StepView] = [
        {"passage": step.passage_id, "day": _ISO(step.day) if step.day else None, "places": list(step.place_ids)}
        for step in walk_steps(story)
    ]
    return {
        "format": contract.VIEW,
        "title": manifest.title,
        "subtitle": manifest.subtitle,
        "outlet": manifest.outlet,
        "credits": manifest.credits,
        "licence": manifest.licence,
        "headline": story.article.meta.get("headline", ""),
        "published": _ISO(manifest.published),
        "events_date": _ISO(manifest.events_date),
        "timeline": timeline,
        "layers": [{"id": k, "label": manifest.label(k), "short": manifest.layers[k].short_label} for k in story.story_layers],
        "legend": [{"title": b.title, "shape": b.shape, "entries": [list(e) for e in b.entries]} for b in legend(story)],
        "places": {fid: place_view(story, fid) for fid in story.entities},
        "passages": [passage_view(story, p) for p in story.passages],
        "related": [{"kind": r["kind"], "title": r.get("title", ""), "date": r.get("date")} for r in story.article.related],
        "walk": walk,
        "timeline_events": timeline_view(story),
        "descriptions": descriptions(story),
        "sources": {key: source_view(story, key) for key in story.sources},
    }
