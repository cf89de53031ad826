"""The one change this project makes to branca (folium's page builder), applied when mapbuild is imported.

branca's ``MacroElement.render`` wraps the HTML and JavaScript each element renders in a new
``Element(text)``, and ``Element`` compiles its text as a Jinja template, then renders it again. So:

- any text from the data that reaches a rendered element (a legend's words, a boundary's name in an
  embedded GeoJSON, a place id) is evaluated as Jinja on the server: ``{{ 7*7 }}`` in a story file became
  ``49`` in the exported map, and Jinja without a sandbox can reach Python objects (template injection);
- every rerun compiled about 45 such templates (26 ms of the map fragment's server time).

Rendered output is final text: here it is added as a literal element, which Jinja never sees. The
replaced method is pinned by tests/test_internals.py.
"""

from __future__ import annotations

from typing import Any

from branca.element import Element, Figure, MacroElement


class LiteralElement(Element):
    """Text that is already rendered: returned as it is, never parsed as a template."""

    def __init__(self, text: str):
        super().__init__()
        self._name = "LiteralElement"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


def _render_macros_literally(self: MacroElement, **kwargs: Any) -> None:
    """branca's MacroElement.render, with the rendered parts added as literal text."""
    figure = self.get_root()
    assert isinstance(figure, Figure), "You cannot render this Element if it is not in a Figure."
    module = self._template.module.__dict__
    for part, target in (("header", figure.header), ("html", figure.html), ("script", figure.script)):
        macro = module.get(part)
        if macro is not None:
            target.add_child(LiteralElement(macro(self, kwargs)), name=self.get_name())
    for element in self._children.values():
        element.render(**kwargs)


def apply() -> None:
    MacroElement.render = _render_macros_literally  # type: ignore[method-assign]
