"""The map's layer control and what the map reports back to Python (clicks, toggles, the played day).

The control is the one script a rerun sends (the base map stays): it unticks the app's hidden layers,
sets the event layer's date window and reports the reader's toggles through streamlit-folium's
``last_object_clicked_tooltip``; the ``*_from_*`` functions read those reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import folium
from jinja2 import Template

from mapapp import settings
from mapapp.events.dataset import day_to_date
from mapapp.render import assets
from mapapp.render.mapbuild import StoryLayers, toggle_elements


class SyncedLayerControl(folium.LayerControl):
    """A layer control that starts with the app's hidden layers unticked and reports user toggles.

    After folium's control is built, the layers the app has switched off are
    removed from the map (the control then shows them unticked), and the event
    layer, if any, gets the date window: this script is re-sent on every rerun,
    the base map is not. When the user
    ticks a box, the visible layer ids go back to Python through
    streamlit-folium's ``last_object_clicked_tooltip`` value as
    ``"layers:id1,id2"``, so the sidebar can follow.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent_macro(this, kwargs) }}
        (function () {
            var map = {{ this._parent.get_name() }};
            var groups = { {% for layer_id, var in this.resolved_vars().items() %}{{ layer_id|tojson }}: {{ var }},{% endfor %} };
            var hidden = {{ this.hidden|tojson }};
            // Story groups arrive on the map; the base map's event layer persists, so it may need adding back.
            Object.keys(groups).forEach(function (id) {
                var off = hidden.indexOf(id) >= 0;
                if (off && map.hasLayer(groups[id])) { map.removeLayer(groups[id]); }
                if (!off && !map.hasLayer(groups[id])) { map.addLayer(groups[id]); }
            });
            {% if this.story_layers %}{{ this.story_layers.get_name() }}.setState({{ this.story_state|tojson }});{% endif %}
            {% if this.events_layer %}{{ this.events_layer.get_name() }}.setFilter({{ this.events_filter|tojson }});{% endif %}
            {% if this.reveal %}
            // A selection made outside the map (a passage, a timeline entry, the picker) moved it: bring the
            // map's frame on screen if most of it is not (reveal {{ this.reveal }}: each request is a new script).
            (function () {
                var frame = window.frameElement;
                if (!frame) return;
                var r = frame.getBoundingClientRect(), h = window.parent.innerHeight;
                var seen = Math.max(0, Math.min(r.bottom, h) - Math.max(r.top, 0)) / Math.max(1, r.height);
                if (seen < 0.6) frame.scrollIntoView({block: "start"});
            })();
            {% endif %}
            // The only door back to the app: streamlit-folium's value, sent by its debounced update (pinned in
            // tests/test_internals.py). Reports are "layers:..." (the layer control) or "day:N" (playback stopped).
            window.mapappReport = function (text) {
                if (window.__GLOBAL_DATA__ && typeof debouncedUpdateComponentValue === "function") {
                    window.__GLOBAL_DATA__.last_object_clicked_tooltip = text;
                    debouncedUpdateComponentValue({{ this._parent.get_name() }});
                }
            };
            {% if this.story_layers %}
            // The page's own layer checkboxes and date act on the map at once, and a click reaches the app
            // without streamlit-folium's debounce (static/mapapp/story-layers.js: mirrorPage).
            {{ this.story_layers.get_name() }}.mirrorPage(groups, {{ this.page_classes|tojson }},
                typeof updateComponentValue === "function" ? updateComponentValue : null);
            {% endif %}
            L.DomEvent.on({{ this.get_name() }}.getContainer(), "change", function () {
                var on = Object.keys(groups).filter(function (id) { return {{ this._parent.get_name() }}.hasLayer(groups[id]); });
                if (window.__GLOBAL_DATA__ && typeof debouncedUpdateComponentValue === "function") {
                    window.__GLOBAL_DATA__.last_object_clicked_tooltip = "layers:" + on.join(",");
                    debouncedUpdateComponentValue({{ this._parent.get_name() }});
                }
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        base: folium.Map,
        hidden: Iterable[str],
        *,
        state: dict | None = None,
        events_filter: dict | None = None,
        reveal: int = 0,
        **kwargs: Any,
    ) -> None:
        """``reveal``: a new number when a selection outside the map moved it (the frame scrolls into view)."""
        # Collapsed: the sidebar has the same toggles, and an open control covers the map's top right
        # (with an event dataset listed it hid a story marker at the default view).
        super().__init__(collapsed=True, **kwargs)
        self.layers = toggle_elements(base)
        self.hidden = sorted(hidden)
        self.story_layers = next((item for item in assets.walk(base) if isinstance(item, StoryLayers)), None)
        self.story_state = state
        self.events_layer = self.layers.get(settings.EVENTS_LAYER)
        self.events_filter = events_filter
        self.reveal = reveal
        # Streamlit marks a keyed widget's element with the class "st-key-<key>".
        self.page_classes = {"layerPrefix": "st-key-" + settings.KEY_LAYER_PREFIX, "date": "st-key-" + settings.KEY_DATE}

    def resolved_vars(self) -> dict[str, str]:
        """Layer id -> JS name, read at render time: streamlit-folium renames the base map's
        variables while it renders the map, before this control."""
        return {layer: element.get_name() for layer, element in self.layers.items()}

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # folium's LayerControl.render returns nothing
        self._parent_macro = folium.LayerControl._template.module.script
        super().render(**kwargs)


def place_id_from_click(event: dict | None, known: Iterable[str]) -> str | None:
    """The id of the clicked feature from st_folium's return value, or None."""
    drawing = (event or {}).get("last_active_drawing") or {}
    props = drawing.get("properties") if isinstance(drawing, dict) else None
    fid = props.get("id") if isinstance(props, dict) else None
    return fid if isinstance(fid, str) and fid in set(known) else None


def day_from_event(event: dict | None) -> date | None:
    """The day playback stopped on (``"day:N"``, days since 1970-01-01), or None when it reported nothing."""
    tooltip = (event or {}).get("last_object_clicked_tooltip")
    if not isinstance(tooltip, str) or not tooltip.startswith("day:"):
        return None
    number = tooltip.removeprefix("day:")
    return day_to_date(int(number)) if number.lstrip("-").isdigit() and abs(int(number)) < 10**6 else None


def layers_from_event(event: dict | None, known: Iterable[str]) -> list[str] | None:
    """Visible layer ids reported by the map's layer control, or None when it reported nothing."""
    tooltip = (event or {}).get("last_object_clicked_tooltip")
    if not isinstance(tooltip, str) or not tooltip.startswith("layers:"):
        return None
    known = list(known)
    ids = [part for part in tooltip.removeprefix("layers:").split(",") if part]
    return [layer for layer in known if layer in ids]


# --- standalone export ----------------------------------------------------------------
