"""The legend: what each colour and symbol of the map means, from the manifest's sides and the layer registry.

Beside the map in the app and the site (:func:`legend_html`, with a short form for print pages), and on the
map itself in the standalone export (:class:`MapLegend`). Every text is escaped: it comes from the story's files.
"""

from __future__ import annotations

from dataclasses import dataclass

from branca.element import MacroElement
from jinja2 import Template

from mapapp.render.escape import escape_text
from mapapp.story.layers import KINDS, Look
from mapapp.story.model import Story


@dataclass(frozen=True)
class LegendBlock:
    """One heading of the legend and its entries: (fill colour, short label, words, ring or None)."""

    title: str
    shape: str  # "dot" or "line"
    entries: tuple[tuple[str, str, str, str | None], ...]
    layer: str = ""  # the story layer it explains (a print page lists only the layers in its view)


def legend(story: Story) -> list[LegendBlock]:
    """What the legend explains, from the manifest's sides and the registry's looks (plain text, not escaped)."""
    blocks = []
    for layer in story.story_layers:
        kind, entry = KINDS[layer], story.manifest.layers[layer]
        if kind.rule == "controller":
            sides = story.manifest.sides.values()
            # Unknown is drawn hollow: its swatch says so with a ring of its colour and no fill.
            looks = tuple(
                (s.colour, "no dated claim" if s.id == "unknown" else s.label, s.legend, s.colour if s.id == "unknown" else None)
                for s in sides
            )
            blocks.append(LegendBlock(entry.legend_title, "dot", looks, layer))
        elif kind.rule == "states":
            used = _statuses_used(story, layer)  # only what the map can draw
            states = tuple(
                entry
                for status, look in kind.statuses.items()
                if status != "unknown" and status in used
                for entry in _status_entries(story, layer, status, look)
            )
            shape = "line" if kind.geometry_types <= {"LineString", "MultiLineString"} else "dot"
            blocks.append(LegendBlock(entry.legend_title, shape, states, layer))
        elif kind.rule == "change":  # a place or an area that changed hands, in the gaining side's colour
            gains = tuple(
                (s.colour, f"→ {s.label}", f"→ {s.label} (shaded: an area of places at once)", None)
                for s in story.manifest.sides.values()
                if s.id != "unknown" and _side_gains(story, layer, s.id)
            )
            if gains:
                blocks.append(LegendBlock(entry.legend_title, "area", gains, layer))
        elif kind.rule == "happened":
            blocks.append(
                LegendBlock(
                    entry.legend_title, "big", ((kind.colour or "#000000", "", "what happened there, on its date", None),), layer
                )
            )
    if story.manifest.callouts:
        words = "what happened, in a few words from the article, with a line to where"
        blocks.append(LegendBlock("Written on the map", "callout", (("#111111", "what happened", words, None),), "callouts"))
    return blocks


def _status_entries(story: Story, layer: str, status: str, look: Look) -> list[tuple[str, str, str, str | None]]:
    """A status's legend lines: one, or one per side it names ("held by <side>", in the side's colour)."""
    if not look.by_side:
        return [(look.colour, status.replace("-", " "), look.legend, look.ring)]
    by = {s.by for fid in story.layers[layer].index for s in story.states_of(str(fid)) if s.status == status and s.by}
    sides = [story.manifest.side(side) for side in sorted(by)]
    words = status.replace("-", " ")
    return [(side.colour, f"{words} by {side.label}", f"{words} by {side.label}", look.ring) for side in sides]


def _statuses_used(story: Story, layer: str) -> set[str]:
    """The statuses the layer's features take on some date (the legend lists no symbol the map never draws)."""
    gdf = story.layers.get(layer)
    if gdf is None:
        return set()
    return {s.status for fid in gdf.index for s in story.states_of(str(fid))}


def _side_gains(story: Story, layer: str, side: str) -> bool:
    """Whether any change in ``layer`` went to ``side`` (the legend lists only what the map can draw)."""
    gdf = story.layers.get(layer)
    return gdf is not None and "after" in gdf.columns and bool((gdf["after"] == side).any())


def legend_html(story: Story, *, open_: bool) -> str:
    """The legend in words, as a collapsible block: each colour's and symbol's meaning (manifest and registry)."""
    rows = []
    for block in legend(story):
        items = "".join(_legend_item(block.shape, colour, words, ring, name) for colour, name, words, ring in block.entries)
        rows.append(f'<div data-layer="{escape_text(block.layer)}"><b>{escape_text(block.title)}</b><ul>{items}</ul></div>')
    rows.append(
        '<div><b>How sure</b><ul><li><span class="swatch line dashed"></span><span class="legend-words">dashed line: approximate'
        ' or schematic position</span><span class="legend-short">approximate position</span></li>'
        '<li><span class="swatch ring"></span><span class="legend-words">faint circle: how far off an approximate position'
        ' may be</span><span class="legend-short">possible error</span></li>'
        '<li><span class="swatch claimed"></span><span class="legend-words">hollow, dashed: claimed by one side\'s sources'
        ' only (“according to …” in its tooltip)</span><span class="legend-short">one side\'s claim only</span></li></ul></div>'
    )
    state = " open" if open_ else ""
    note = '<p class="mapapp-legend-note" role="status"></p>'  # filled by the map: "only what is in view"
    grid = f'<div class="grid">{"".join(rows)}</div>'
    return f'<details class="mapapp-legend"{state}><summary>Legend</summary>{note}{grid}</details>'


def _legend_item(shape: str, colour: str, words: str, ring: str | None, name: str = "") -> str:
    """One legend line: a swatch drawn like the map draws it, then the words (colours are validated #rrggbb);
    ``name``, when given, is the short form a print page's compact legend shows instead of the words."""
    style = f"--c:{colour}"
    classes = f"swatch {shape}"
    if ring is not None and ring == colour:
        classes += " hollow"
    elif ring is not None:
        classes += " ringed dashed-ring" if ring.endswith(":dashed") else " ringed"
        style += f";--r:{ring.removesuffix(':dashed')}"
    short = f'<span class="legend-short">{escape_text(name)}</span>' if name else ""
    words_html = f'<span class="legend-words">{escape_text(words)}</span>'
    return f'<li><span class="{classes}" style="{style}"></span>{words_html}{short}</li>'


PRECISION_NOTE = "approximate or schematic; dashed circle: how far off it may be"


class MapLegend(MacroElement):
    """The map's legend, from :func:`legend`; every text is escaped (it comes from the story's files)."""

    _template = Template(
        """{% macro html(this, kwargs) %}
<div class="mapapp-legend" style="position:absolute;bottom:18px;left:10px;z-index:9999;background:rgba(255,255,255,.92);
 padding:6px 9px;border-radius:5px;font:12px/1.4 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3)">
{% for block in this.blocks %}<b>{{ block.title }}</b>{% if block.dots %}<br>{% for colour, name in block.entries %}<span
 style="display:inline-block;width:10px;height:10px;border-radius:50%;background:{{ colour }}"></span>
 {{ name }}<br>{% endfor %}{% else %} {% for colour, name in block.entries %}<span
 style="color:{{ colour }}">{{ block.symbol }}</span> {{ name }} {% endfor %}<br>{% endif %}{% endfor %}<span
 style="border-bottom:2px dashed #555">dashed</span>: {{ this.note }}
</div>
{% endmacro %}"""
    )

    def __init__(self, blocks: list[LegendBlock]):
        super().__init__()
        self.note = PRECISION_NOTE
        # The first block (who holds what) gets a line per side; the others share a line.
        self.blocks = [
            {
                "title": escape_text(block.title),
                "dots": i == 0 and block.shape == "dot",
                "symbol": "&#9679;" if block.shape == "dot" else "&#9644;",
                "entries": [(entry[0], escape_text(entry[1])) for entry in block.entries],
            }
            for i, block in enumerate(blocks)
        ]
