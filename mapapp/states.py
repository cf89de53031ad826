"""What every feature of a layer looks like on a day, by its kind's rule.

The rules are declared per kind in :mod:`mapapp.layers`; this module is their
one implementation, used by the map's per-day timeline, the exports, the place
panel and the command line. Plain Python over a loaded :class:`~mapapp.story.Story`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ._validate import as_list, parse_iso_date
from .layers import KINDS, UNKNOWN_LOOK, LayerKind, Look
from .story import Story
from .timeline import state_at

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
    if kind.rule == "change":  # in the order of the changes: by date, then id
        gdf = gdf.loc[[c.id for c in story.changes if c.layer == kind_id and c.id in gdf.index]]
    rows = []
    for fid, row in gdf.iterrows():
        look = _RULES[kind.rule](story, kind, str(fid), row, day)
        if look is not None:
            status, colour, label, claimed = look
            radius = row.get("precision_m")
            radius = float(radius) if isinstance(radius, (int, float)) and radius == radius else None
            row_state = FeatureState(str(fid), kind_id, status, colour, label, row.geometry, row["precision"], radius, claimed)
            rows.append(row_state)
    return rows


def status_look(kind: LayerKind, status: str) -> Look:
    """The look of ``status`` in a kind with rule ``states`` (unknown for anything undeclared)."""
    return kind.statuses.get(status) or kind.statuses.get("unknown") or Look(*UNKNOWN_LOOK)


def current_state(feature: dict, day: date) -> dict:
    """The entry of a feature's ``states`` in force on ``day`` ({} before the first)."""
    return state_at(as_list(feature.get("states")), day) or {}


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
    before, after = story.manifest.side(change.before), story.manifest.side(change.after)
    claimed = story.claimed_by(change)
    label = f"{change.name} ({change.date.isoformat()}): {before.label} → {after.label}"
    return change.after, after.colour, label + (f", claimed {claimed}" if claimed else ""), claimed


def _states(story: Story, kind: LayerKind, fid: str, row: Any, day: date) -> _Look:
    status = (state_at(as_list(row["states"]), day) or {}).get("status", "unknown")
    return status, status_look(kind, status).colour, f"{row['name']}: {status}", None


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
    parts = [_recent_holders(story, day, recent)]
    for layer in story.story_layers:
        kind = KINDS[layer]
        if kind.rule == "states":
            parts.append(_states_summary(story, layer, day))
        elif kind.rule == "happened":
            today = [s.label for s in layer_states(story, layer, day) if story.feature(s.id).get("date") == day.isoformat()]
            parts.append("; ".join(today))
    if selected and selected in story.entities:
        parts.append(f"selected: {story.entity(selected)['name']}")
    return f"As of {_day(day)}: " + "; ".join(p for p in parts if p) + "."


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _recent_holders(story: Story, day: date, count: int) -> str:
    held = []
    for state in layer_states(story, "places", day) if "places" in story.story_layers else []:
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
        return "; ".join(f"{story.entity(s.id)['name']} {status_look(kind, s.status).legend}" for s in states)
    counts: dict[str, int] = {}
    for s in states:
        counts[s.status] = counts.get(s.status, 0) + 1
    listed = [f"{counts[status]} {status.replace('-', ' ')}" for status in kind.statuses if counts.get(status)]
    return f"{label}: {', '.join(listed)}" if listed else ""
