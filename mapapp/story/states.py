"""What every feature of a layer looks like on a day, by its kind's rule.

The rules are declared per kind in :mod:`mapapp.story.layers`; this module is their
one implementation, used by the map's per-day timeline, the exports, the place
panel and the command line. Plain Python over a loaded :class:`~mapapp.story.Story`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from mapapp.story.layers import KINDS, PLACES, UNKNOWN_LOOK, LayerKind, Look
from mapapp.story.model import Story
from mapapp.story.records import State, state_on
from mapapp.story.validate import is_number, parse_iso_date

NO_CLAIM = "no dated control claim in this dataset"


@dataclass(frozen=True)
class FeatureState:
    """One feature as drawn on one day."""

    id: str
    layer: str
    status: str  # a side id (rules controller, change), a status (states) or the feature's kind (happened)
    colour: str
    label: str  # plain text; escaped where it reaches HTML
    geometry: Any
    precision: str
    precision_m: float | None
    claimed: str | None = None  # "according to ..." when only one side's sources report it

    @property
    def filled(self) -> bool:
        """Areas of unknown status are outlines only, so they never read as held by anyone."""
        return self.status != "unknown"


def layer_states(story: Story, kind_id: str, day: date) -> list[FeatureState]:
    """Every feature of layer ``kind_id`` shown on ``day`` (features not yet dated that day are absent)."""
    kind = KINDS[kind_id]
    gdf = story.layers.get(kind_id)
    if gdf is None:
        return []
    rows = []
    for fid, row in _rows(story, kind_id):
        look = _RULES[kind.rule](story, kind, str(fid), row, day)
        if look is not None:
            status, colour, label, claimed = look
            radius = row.get("precision_m")
            radius = float(radius) if is_number(radius) else None
            row_state = FeatureState(str(fid), kind_id, status, colour, label, row.geometry, row["precision"], radius, claimed)
            rows.append(row_state)
    return rows


def _rows(story: Story, kind_id: str) -> list[tuple[Any, Any]]:
    """The layer's (id, row) pairs, built once: the per-day timeline asks for every day of the story."""

    def rows() -> list[tuple[Any, Any]]:
        gdf = story.layers[kind_id]
        if KINDS[kind_id].rule == "change":  # in the order of the changes: by date, then id
            gdf = gdf.loc[[c.id for c in story.changes if c.layer == kind_id and c.id in gdf.index]]
        return list(gdf.iterrows())

    return story.derived(f"rows-{kind_id}", rows)


def status_look(kind: LayerKind, status: str) -> Look:
    """The look of ``status`` in a kind with rule ``states`` (unknown for anything undeclared)."""
    return kind.statuses.get(status) or kind.statuses.get("unknown") or Look(*UNKNOWN_LOOK)


def state_words(story: Story, kind: LayerKind, state: State | None) -> tuple[str, str]:
    """A dated state as a reader says it, and its colour: "cut", "partly besieged", "held by <side>" (a status
    whose look names a side is drawn in the colour of the side its ``by`` names); "unknown" before the first."""
    status = state.status if state is not None else "unknown"
    look = status_look(kind, status)
    words = status.replace("-", " ")
    if look.by_side and state is not None and state.by is not None:
        side = story.manifest.side(state.by)
        return f"{words} by {side.label}", side.colour
    return words, look.colour


def current_state(story: Story, fid: str, day: date) -> State | None:
    """The feature's state in force on ``day`` (None before the first)."""
    return state_on(story.states_of(fid), day)


_Look = tuple[str, str, str, str | None] | None  # (status, colour, label, claimed by), or None: not drawn that day


def _controller(story: Story, kind: LayerKind, fid: str, row: Any, day: date) -> _Look:
    status = story.status(fid, day)
    side = story.manifest.side(status.controller)
    if status.controller == "unknown":
        return "unknown", side.colour, f"{row['name']} ({NO_CLAIM})", None
    claimed = story.claimed_by(story.change(status.change_id)) if status.change_id else None
    label = f"{row['name']}: {side.label}" + (" (disputed)" if status.disputed else "")
    return status.controller, side.colour, label + (f", claimed {claimed}" if claimed else ""), claimed


def _change(story: Story, kind: LayerKind, fid: str, row: Any, day: date) -> _Look:
    change = story.change(fid)
    if change.date > day:
        return None
    superseded = _superseded(story).get(fid)
    if superseded is not None and superseded <= day:
        return None  # a later change of the same area is drawn instead (one area, one holder at a time)
    before, after = story.manifest.side(change.before), story.manifest.side(change.after)
    claimed = story.claimed_by(change)
    label = f"{change.name} ({change.date.isoformat()}): {before.label} → {after.label}"
    return change.after, after.colour, label + (f", claimed {claimed}" if claimed else ""), claimed


def _superseded(story: Story) -> dict[str, date]:
    """Change id → the date a later change of the very same area takes over (areas only: points of one place
    are each a claim of their own, drawn side by side)."""

    def compute() -> dict[str, date]:
        by_area: dict[bytes, list[Any]] = {}
        for change in story.changes:  # oldest first
            geometry = story.layers[change.layer].geometry.get(change.id)
            if geometry is not None and geometry.geom_type in ("Polygon", "MultiPolygon"):
                by_area.setdefault(geometry.normalize().wkb, []).append(change)
        return {a.id: b.date for group in by_area.values() for a, b in pairwise(group)}

    return story.derived("superseded-changes", compute)


def _states(story: Story, kind: LayerKind, fid: str, row: Any, day: date) -> _Look:
    states = story.states_of(fid)
    state = state_on(states, day)
    status = state.status if state is not None else "unknown"
    words, colour = state_words(story, kind, state)
    label = f"{row['name']}: {words}"
    span = _status_span(states, day)
    if span is not None:  # a siege or a cut is a duration: say from when to when
        first, last = span
        label += f" ({_span(first, last)})" if last is not None else f" (since {_day(first)})"
    return status, colour, label, None


def _status_span(states: tuple[State, ...], day: date) -> tuple[date, date | None] | None:
    """First and last day (None: still so) of the run of states with the status in force on ``day``;
    repeated entries of one status (a post still operating, reconfirmed) are one run."""
    dated = [(s.day, s.status) for s in states]  # oldest first
    current = [i for i, (d, _status) in enumerate(dated) if d <= day]
    if not current:
        return None
    i = j = current[-1]
    while i > 0 and dated[i - 1][1] == dated[j][1]:
        i -= 1
    while j + 1 < len(dated) and dated[j + 1][1] == dated[i][1]:
        j += 1
    end = dated[j + 1][0] - timedelta(days=1) if j + 1 < len(dated) else None
    return dated[i][0], end


def _span(first: date, last: date) -> str:
    """'27 Feb – 1 Mar 2031', '5 Feb 2031' or '23 Aug 2030 – 1 Mar 2031'."""
    if first == last:
        return _day(first)
    if first.year == last.year:
        return f"{first.day} {first:%b} – {_day(last)}"
    return f"{_day(first)} – {_day(last)}"


def _happened(story: Story, kind: LayerKind, fid: str, row: Any, day: date) -> _Look:
    start = parse_iso_date(row["date"])
    if start is None or start > day:
        return None
    return str(row.get("kind") or kind.id), kind.colour, f"{row['name']} ({row['date']})", None


def _basemap(story: Story, kind: LayerKind, fid: str, row: Any, day: date) -> _Look:
    return None  # drawn as the basemap, not as a story layer


_RULES = {"controller": _controller, "change": _change, "states": _states, "happened": _happened, "basemap": _basemap}


def describe_day(story: Story, day: date, selected: str | None = None, *, recent: int = 4) -> str:
    """A short text alternative of the map on ``day``, from the data: the latest changes of hands,
    the state of every layer whose features have dated states, the day's incidents, the selection."""
    # What the map writes in words (its callouts of the day) is read first: it is the story.
    parts = [
        "; ".join(
            c.text for c in story.manifest.callouts if (c.starts is None or c.starts <= day) and (c.ends is None or day <= c.ends)
        ),
        _recent_holders(story, day, recent),
    ]
    for layer in story.story_layers:
        kind = KINDS[layer]
        if kind.rule == "states":
            parts.append(_states_summary(story, layer, day))
        elif kind.rule == "happened":
            today = [s.label for s in layer_states(story, layer, day) if story.record(s.id).day == day]
            parts.append("; ".join(today))
    if selected and selected in story.entities:
        parts.append(f"selected: {story.entity(selected)['name']}")
    said = "; ".join(p for p in parts if p) or "no dated claim in this story on this date"
    return f"As of {_day(day)}: {said}."


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _recent_holders(story: Story, day: date, count: int) -> str:
    held = []
    for state in layer_states(story, PLACES, day) if PLACES in story.story_layers else []:
        status = story.status(state.id, day)
        if status.since is not None and state.status != "unknown":
            side = story.manifest.side(status.controller).label
            text = f"{story.entity(state.id)['name']} held by {side} since {status.since.day} {status.since:%b}"
            text += " (disputed)" if status.disputed else f", claimed {state.claimed}" if state.claimed else ""
            held.append((status.since, text))
    held.sort(key=lambda pair: pair[0], reverse=True)
    return "; ".join(text for _since, text in held[:count])


def _states_summary(story: Story, layer: str, day: date) -> str:
    kind, states = KINDS[layer], layer_states(story, layer, day)
    label = story.manifest.label(layer)
    if kind.geometry_types <= {"LineString", "MultiLineString"}:  # few, named: say each one
        return "; ".join(
            f"{story.record(s.id).name} {state_words(story, kind, current_state(story, s.id, day))[0]}" for s in states
        )
    counts: dict[str, int] = {}
    for s in states:
        counts[s.status] = counts.get(s.status, 0) + 1
    listed = [f"{counts[status]} {status.replace('-', ' ')}" for status in kind.statuses if counts.get(status)]
    return f"{label}: {', '.join(listed)}" if listed else ""


def changes_between(story: Story, first: date, second: date) -> list[dict]:
    """What changed from ``first`` to ``second`` (either order), oldest first.

    Each entry: ``{date, layer, id, name, before, after, sources}``. Places whose holder changed, features
    whose state changed (posts, roads), and changes of hands and incidents dated in between."""
    first, second = min(first, second), max(first, second)
    entries = []
    for layer in story.story_layers:
        kind = KINDS[layer]
        then = {s.id: s for s in layer_states(story, layer, first)}
        now = {s.id: s for s in layer_states(story, layer, second)}
        for fid, state in now.items():
            before = then.get(fid)
            if kind.rule in ("controller", "states") and before is not None and before.status != state.status:
                entries.append(_changed(story, kind, fid, before.status, state.status, second))
            elif kind.rule in ("change", "happened") and before is None:
                feature = story.record(fid)
                entries.append({"date": feature.day, "layer": layer, "id": fid, "name": feature.name, "before": "", "after": "",
                                "sources": list(feature.sources)})  # fmt: skip
    # A change of hands whose places are all listed as changed says nothing more than those places do.
    changed_places = {e["id"] for e in entries if KINDS[e["layer"]].rule == "controller"}
    entries = [
        e for e in entries if not (KINDS[e["layer"]].rule == "change" and set(story.change(e["id"]).place_ids) <= changed_places)
    ]
    return sorted(entries, key=lambda e: (e["date"] or first, e["layer"], e["id"]))


def _changed(story: Story, kind: LayerKind, fid: str, before: str, after: str, second: date) -> dict:
    feature = story.record(fid)
    if kind.rule == "controller":
        status = story.status(fid, second)
        day, sources = status.since, status.sources
        before, after = story.manifest.side(before).label, story.manifest.side(after).label
    else:
        span = _status_span(story.states_of(fid), second)
        day = span[0] if span else None
        state = current_state(story, fid, second)
        sources = list(state.sources if state is not None else ()) or list(feature.sources)
    return {"date": day, "layer": kind.id, "id": fid, "name": feature.name, "before": before, "after": after,
            "sources": list(sources)}  # fmt: skip
