"""The registry of layer kinds: every kind of story layer declared once.

A :class:`LayerKind` says which file holds the kind, which geometries and
properties it needs, how a feature's state on a day is computed (its
``rule``), how each state looks and is explained in the legend, what the
place panel shows for it and whether its features are linked to passages.
Loading, validation, the per-day timeline, the legend, the panel, the place
picker and the command line all read this table; adding a kind is adding an
entry here. A story's manifest (``story.json``) says which kinds it has and
may relabel them; it cannot add rules.

Rules (how a feature's state on a day is computed, in :mod:`mapapp.story.timeline`):

- ``controller``: the side holding the place, from the dated control changes
  that list it (colours are the manifest's sides);
- ``change``: a dated change of control, drawn from its date on in the
  colour of the side that gained;
- ``states``: the last entry of the feature's dated ``states`` list on or
  before the day (allowed statuses and their looks are the kind's
  ``statuses``);
- ``happened``: a dated event, drawn from its date on;
- ``basemap``: not a story layer; drawn under everything, never toggled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

Rule = Literal["controller", "change", "states", "happened", "basemap"]
Panel = Literal["control-history", "states", "dated", "none"]

COMMON_REQUIRED = ("id", "name", "source", "precision")
# The kinds other modules name (declared once, here): the basemap's outlines, the places every story links
# passages to, and the changes of control the timeline reads.
BOUNDARIES = "boundaries"
PLACES = "places"
CONTROL = "control"
POINTS = frozenset({"Point"})
LINES = frozenset({"LineString", "MultiLineString"})
AREAS = frozenset({"Polygon", "MultiPolygon"})


@dataclass(frozen=True)
class Look:
    """How one state of a feature is drawn and explained."""

    colour: str  # #rrggbb: the fill (the holder's colour for a post)
    legend: str  # plain words, shown in the legend beside the colour
    ring: str | None = None  # an outer ring ("#rrggbb" or "#rrggbb:dashed"): the field's mark of a siege
    by_side: bool = False  # the state names a side of the manifest (``by``) and is drawn in that side's colour


@dataclass(frozen=True)
class LayerKind:
    """One kind of story layer (see the module docstring for the rules)."""

    id: str
    file: str
    geometry_types: frozenset[str]
    required: tuple[str, ...]
    rule: Rule
    label: str  # default label in the layer control and the legend; the manifest may override it
    short_label: str  # default label of the toggle under the map
    legend_title: str  # default heading of its legend block
    panel: Panel = "none"  # what the place panel shows for one of its features
    statuses: MappingProxyType[str, Look] = field(default_factory=lambda: MappingProxyType({}))  # rule "states"
    colour: str = "#000000"  # rule "happened": one colour for every feature
    linkable: bool = True  # features are entities: named in passages, selectable, linked to places
    pickable: bool = True  # listed in the place picker and by `python -m mapapp places`
    draw_order: int = 0  # bottom first; within a kind, areas under lines under points
    point_radius: int = 8  # pixels, for point features
    timeline_kind: str | None = None  # how its dated items are labelled in the Timeline tab
    optional_file: bool = False  # the story may list the kind without shipping its file

    @property
    def toggleable(self) -> bool:
        return self.rule != "basemap"


def _looks(**looks: tuple) -> MappingProxyType[str, Look]:
    """Statuses in legend order: ``name=(colour, legend words)``; names may use ``_`` for ``-``."""
    return MappingProxyType({name.replace("_", "-"): Look(*look) for name, look in looks.items()})


UNKNOWN_LOOK = ("#7f8c8d", "status unknown: no source in this dataset says")

# Registry order is the order of the toggles under the map; ``draw_order`` is the stacking order.
KINDS: dict[str, LayerKind] = {
    kind.id: kind
    for kind in (
        LayerKind(
            id=BOUNDARIES,
            file="boundaries.geojson",
            geometry_types=AREAS,
            required=(*COMMON_REQUIRED, "kind"),
            rule="basemap",
            label="Offline basemap",
            short_label="Basemap",
            legend_title="Basemap",
            linkable=False,
            pickable=False,
            optional_file=True,
        ),
        LayerKind(
            id=PLACES,
            file="places.geojson",
            geometry_types=POINTS | LINES | AREAS,
            required=(*COMMON_REQUIRED, "kind", "aliases"),
            rule="controller",
            label="Places in the story",
            short_label="Places",
            legend_title="Who holds it (as of the chosen date)",
            panel="control-history",
            draw_order=50,
            point_radius=7,
        ),
        LayerKind(
            id="posts",
            file="posts.geojson",
            geometry_types=POINTS,
            required=(*COMMON_REQUIRED, "states"),
            rule="states",
            label="Military posts",
            short_label="Posts",
            legend_title="Posts",
            panel="states",
            statuses=_looks(
                besieged=("#1f4e9c", "besieged (thick ring)", "#4a148c"),
                partly_besieged=("#1f4e9c", "partly besieged (dashed ring)", "#4a148c:dashed"),
                operating=("#1f4e9c", "operating (no ring)"),
                unknown=UNKNOWN_LOOK,
            ),
            draw_order=40,
            point_radius=10,
            timeline_kind="post",
        ),
        LayerKind(
            id="highways",
            file="highways.geojson",
            geometry_types=LINES,
            required=(*COMMON_REQUIRED, "ref", "states"),
            rule="states",
            label="Roads",
            short_label="Roads",
            legend_title="Roads",
            panel="states",
            statuses=_looks(
                open=("#34495e", "open"),
                cut=("#f39c12", "cut"),
                held=("#555555", "held by one side (in that side's colour)", None, True),
                unknown=UNKNOWN_LOOK,
            ),
            draw_order=20,
            timeline_kind="road",
        ),
        LayerKind(
            id="frontlines",
            file="frontlines.geojson",
            geometry_types=LINES,
            required=(*COMMON_REQUIRED, "states"),
            rule="states",
            label="Front lines",
            short_label="Front",
            legend_title="Front lines",
            panel="states",
            statuses=_looks(
                active=("#b71c1c", "front line on that day"),
                former=("#9e9e9e", "former front line"),
                unknown=UNKNOWN_LOOK,
            ),
            draw_order=15,
            timeline_kind="front",
        ),
        LayerKind(
            id=CONTROL,
            file="control.geojson",
            geometry_types=POINTS | AREAS,
            required=(*COMMON_REQUIRED, "date", "date_precision", "before", "after"),
            rule="change",
            label="Control changes",
            short_label="Control",
            legend_title="Control changes (coloured by the side that gained)",
            panel="dated",
            pickable=False,
            draw_order=10,
            point_radius=6,
            timeline_kind="control",
        ),
        LayerKind(
            id="incidents",
            file="incidents.geojson",
            geometry_types=POINTS | AREAS,
            required=(*COMMON_REQUIRED, "date", "date_precision", "kind"),
            rule="happened",
            label="Incidents",
            short_label="Incidents",
            legend_title="Incidents",
            panel="dated",
            colour="#000000",
            draw_order=30,
            point_radius=14,
            timeline_kind="incident",
        ),
    )
}

# Kinds whose states name a side of the manifest (the controller a change gives, the holder of a place).
SIDE_FIELDS = ("before", "after")


def drawing_order(kind_ids: list[str]) -> list[str]:
    """``kind_ids`` bottom first."""
    return sorted(kind_ids, key=lambda k: KINDS[k].draw_order)
