"""Pins on the private parts of folium, branca, streamlit-folium and Streamlit that the app relies on.

An upgrade that renames or changes one of them fails here, by name, instead of in a browser (or not at all:
the layer control's ``typeof debouncedUpdateComponentValue === "function"`` guard would just go quiet).
Each internal is listed with where it is used, and kept only with a test that pins its behaviour.

branca / folium
- ``Element._parent``: templates reach their parent as ``this._parent.get_name()`` (mapbuild: StoryLayers,
  SyncedLayerControl) and their map as ``this._parent._parent.get_name()`` (mapbuild: _BasemapOutlines).
- ``Element._children``: the ordered dict of children walked by assets.walk, hence by assets.localize,
  assets.cdn_links, mapbuild.fix_ids, mapbuild.toggle_elements and SyncedLayerControl.__init__.
- ``Element._id`` / ``Element._name``: ``get_name()`` is ``snake_case(_name) + "_" + _id``; mapbuild.fix_ids sets
  ``_id``; StoryLayers, EventsLayer and _BasemapOutlines set ``_name`` (mapbuild: __init__).
- ``MacroElement._template``: a jinja2 Template whose ``header`` / ``html`` / ``script`` macros folium renders into
  the figure's header, body and script (every element class in mapbuild).
- ``folium.LayerControl._template.module.script``: folium's own control, called as the parent macro
  (mapbuild: SyncedLayerControl.render and its template); ``LayerControl.render`` fills it from ``_parent._children``.
- ``JSCSSMixin.default_js`` / ``default_css``: (name, url) pairs read per instance at render time (assets.localize
  replaces them per instance; mapbuild: StoryLayers, EventsLayer), rendered as ``<script src="…"></script>`` and
  ``<link rel="stylesheet" href="…"/>``, the exact forms assets.inline_html rewrites.
- ``Layer.show``: read at render time (mapbuild.build_standalone_map sets it after construction).

streamlit-folium, Python (``streamlit_folium/__init__.py``)
- ``st_folium`` collects ``default_js`` / ``default_css`` only from ``JSCSSMixin`` elements, walking ``_children``
  (why mapbuild.StoryLayers and EventsLayer are JSCSSMixins).
- ``st_folium`` renames the map ``map_div`` (``get_full_id``: ``_name.lower() + "_" + _id``) and re-ids every element
  before ``_get_layer_control_string`` sets ``control._id = "layer_control"``, calls ``control.render()``, then
  ``control._template.module.script(control)`` (mapbuild: SyncedLayerControl.render, .resolved_vars).
- the ``returned_objects`` keys ``last_active_drawing`` and ``last_object_clicked_tooltip`` (app: RETURNED, render_map).
- ``_get_map_string`` (tests/test_map.py); the component's name ``streamlit_folium.st_folium`` (testing: MAP_FRAME,
  map_frame).

streamlit-folium, frontend (``streamlit_folium/frontend/build/static/js/main.<hash>.js``)
- ``debouncedUpdateComponentValue(map)``, reachable from the layer-control script because the component runs that
  script with a direct ``eval(layer_control)`` in its own module (mapbuild: SyncedLayerControl's template).
- ``window.__GLOBAL_DATA__.last_object_clicked_tooltip``, written by SyncedLayerControl and returned to Python
  (mapcontrol.layers_from_event); ``last_active_drawing``, set by the component's ``onLayerClick`` to the clicked
  layer's GeoJSON and returned (mapcontrol.place_id_from_click).
- ``window.map``, the Leaflet map in the component's frame (testing: map_frame and the JS predicates).

Streamlit
- the ``/_stcore/health`` route (driver.start_app) and ``/app/static`` static serving (settings.STATIC_URL).
"""

from __future__ import annotations

import functools
import inspect
import re
from pathlib import Path
from typing import Any, ClassVar

import folium
import jinja2
import pytest
import streamlit_folium
from branca.element import MacroElement
from jinja2 import Template
from streamlit.web.server.starlette import starlette_routes

from mapapp import settings
from mapapp.app import state as app
from mapapp.render import assets, basemap, mapbuild
from mapapp.render import control as mapcontrol

STORY_URL = f"{settings.CACHE_URL}/story-test.json"
OUTLINES_URL = f"{settings.CACHE_URL}/outlines-test.json"
EVENTS_URL = f"{settings.CACHE_URL}/events-test/manifest.json"
STORY_JS_URL = mapbuild.StoryLayers.default_js[0][1]
EVENTS_JS_URL = mapbuild.EventsLayer.default_js[0][1]


class _Html(MacroElement):
    """An ``html`` macro, as legend.MapLegend has."""

    _template = Template('{% macro html(this, kwargs) %}<div class="pinned">in {{ this._parent.get_name() }}</div>{% endmacro %}')


class _NotAMixin(MacroElement):
    """Lists a script without being a JSCSSMixin: streamlit-folium must not collect it."""

    default_js: ClassVar[list[tuple[str, str]]] = [("not_collected", f"{settings.STATIC_URL}/not-collected.js")]


def small_map() -> tuple[folium.Map, dict[str, folium.FeatureGroup], mapbuild.StoryLayers]:
    """A base map shaped like mapbuild.build_base_map's, without story data: basemap group with outlines,
    two story groups, the story layer, an event layer, a background; localized and with fixed ids."""
    m = folium.Map(tiles=None)
    group = folium.FeatureGroup(name="Basemap", overlay=False)
    group.add_to(m)
    basemap.BasemapOutlines("country", OUTLINES_URL, {"color": "#000000"}).add_to(group)
    groups: dict[str, folium.FeatureGroup] = {}
    for layer in ("places", "posts"):
        groups[layer] = mapbuild.StoryGroup(layer, layer.title())
        groups[layer].add_to(m)
    story_layers = mapbuild.StoryLayers(groups, STORY_URL)
    story_layers.add_to(m)
    mapbuild.EventsLayer(EVENTS_URL).add_to(m)
    basemap.MapFrameStyle("#abcdef").add_to(m)
    assets.localize(m)
    mapbuild.fix_ids(m, prefix="t")
    return m, groups, story_layers


# --- branca / folium -------------------------------------------------------------------------------


def test_children_are_an_ordered_dict_keyed_by_name_with_parent_links():
    m = folium.Map(tiles=None)
    first, second = folium.FeatureGroup(name="first"), folium.FeatureGroup(name="second")
    first.add_to(m)
    second.add_to(m)
    inner = basemap.MapFrameStyle("#ffffff")
    inner.add_to(first)
    assert first._parent is m and inner._parent is first
    assert list(m._children.values()) == [first, second]  # insertion order: fix_ids numbers, layers stack
    assert m._children[first.get_name()] is first  # keyed by get_name() when added (fix_ids renames later)
    assert list(assets.walk(m)) == [m, first, inner, second]  # depth first, through _children


def test_id_and_name_make_get_name():
    group = folium.FeatureGroup()
    group._id = "t7"
    assert group.get_name() == "feature_group_t7"
    story_layers, outlines = mapbuild.StoryLayers({}, STORY_URL), basemap.BasemapOutlines("country", OUTLINES_URL, {})
    story_layers._id = outlines._id = "t1"
    assert (story_layers.get_name(), outlines.get_name()) == ("story_layers_t1", "basemap_outlines_t1")
    assert folium.Map()._name == "Map"  # streamlit-folium's get_full_id: "map_" + _id


def test_fix_ids_makes_the_generated_javascript_deterministic():
    assert folium.Map()._id != folium.Map()._id  # random otherwise
    (first, _, _), (second, _, _) = small_map(), small_map()
    assert first.get_name() == "map_t0"
    assert [item.get_name() for item in assets.walk(first)] == [item.get_name() for item in assets.walk(second)]
    assert first.get_root().render() == second.get_root().render()


def test_template_macros_render_into_header_html_and_script():
    m, groups, story_layers = small_map()
    _Html().add_to(m)
    assert isinstance(mapbuild.StoryLayers._template, jinja2.Template)
    figure = m.get_root()
    figure.render()
    assert ".leaflet-container { background: #abcdef; }" in figure.header.render()  # header macro
    assert f'<div class="pinned">in {m.get_name()}</div>' in figure.html.render()  # html macro, this._parent
    script = figure.script.render()
    places, posts = groups["places"].get_name(), groups["posts"].get_name()
    assert f"var {story_layers.get_name()} = L.mapappStory({m.get_name()}," in script  # this._parent
    assert f'{{ "places": {places},"posts": {posts}, }}' in script
    basemap = next(item for item in m._children.values() if isinstance(item, folium.FeatureGroup))
    assert f"var map = {m.get_name()};" in script and f".addTo({basemap.get_name()});" in script  # _parent._parent


def test_layer_control_parent_macro_is_folium_s_control():
    parent = folium.LayerControl._template.module.script
    assert callable(parent)
    m, groups, _ = small_map()
    control = mapcontrol.SyncedLayerControl(m, hidden=["posts"])
    control.add_to(m)
    control.render()  # LayerControl.render: base layers and overlays from control._parent._children
    js = control._template.module.script(control, {})  # what streamlit-folium calls after render()
    assert f"let {control.get_name()} = L.control.layers(" in js and f").addTo({m.get_name()});" in js
    basemap = next(item for item in m._children.values() if isinstance(item, folium.FeatureGroup))
    assert f'"Places" : {groups["places"].get_name()},' in js and f'"Basemap" : {basemap.get_name()},' in js
    assert 'var hidden = ["posts"];' in js  # then the app's own part


def test_layer_show_is_read_at_render_time():
    m = folium.Map(tiles=None)
    shown, hidden = folium.FeatureGroup(name="shown"), folium.FeatureGroup(name="hidden")
    shown.add_to(m)
    hidden.add_to(m)
    hidden.show = False  # after construction, as build_standalone_map does
    js = m.get_root().render()
    assert f"{shown.get_name()}.addTo({m.get_name()});" in js
    assert f"{hidden.get_name()}.addTo(" not in js


def test_default_js_and_css_are_read_per_instance_and_rendered_as_inline_html_expects():
    assert all(len(pair) == 2 for pair in folium.Map.default_js + folium.Map.default_css)  # (name, url)
    m, _, _ = small_map()
    html = m.get_root().render()
    for _name, url in assets.LOCAL_JS + mapbuild.StoryLayers.default_js:
        assert f'<script src="{url}"></script>' in html
    for _name, url in assets.LOCAL_CSS:
        assert f'<link rel="stylesheet" href="{url}"/>' in html
    assert not any(url in html for _name, url in folium.Map.default_js + folium.Map.default_css)  # the class's CDN links


# --- streamlit-folium, Python ------------------------------------------------------------------------


def test_st_folium_collects_mixin_links_renames_the_map_and_renders_the_control(monkeypatch: pytest.MonkeyPatch):
    m, _, story_layers = small_map()
    _NotAMixin().add_to(m)
    events_filter = {"from": None, "to": 18319, "types": None}
    control = mapcontrol.SyncedLayerControl(m, ["posts"], state={"day": 18319, "selected": None}, events_filter=events_filter)
    sent: dict[str, Any] = {}

    def component(**kwargs: Any) -> Any:  # stands for the frontend: no server, no browser
        sent.update(kwargs)
        return kwargs["default"]

    monkeypatch.setattr(streamlit_folium, "_component_func", component)
    value = streamlit_folium.st_folium(m, key="map", returned_objects=app.RETURNED, layer_control=control)
    assert value == {"last_active_drawing": None, "last_object_clicked_tooltip": None}
    assert sent["js_links"] == [assets.LOCAL_JS[0][1], STORY_JS_URL, EVENTS_JS_URL]  # JSCSSMixins only: not _NotAMixin's
    assert sent["css_links"] == [assets.LOCAL_CSS[0][1], f"{settings.APP_JS_URL}/{settings.MAP_CSS}"]  # the story layers' styles
    script, control_js = sent["script"], sent["layer_control"]
    assert "var map_div = L.map(" in script
    assert "var map = map_div;" in control_js and "debouncedUpdateComponentValue(map_div);" in control_js
    assert "window.__GLOBAL_DATA__.last_object_clicked_tooltip = text;" in control_js  # mapappReport("layers:..." or "day:N")
    assert "L.DomEvent.on(layer_control_layer_control.getContainer()" in control_js  # control._id = "layer_control"
    groups_js = re.search(r"var groups = \{(.*?)\};", control_js)
    assert groups_js is not None
    listed = dict(re.findall(r'"(\w+)": (\w+),', groups_js.group(1)))
    assert set(listed) == {"places", "posts", settings.EVENTS_LAYER}
    for name in listed.values():  # resolved at render time: the names the map's script defines
        assert re.search(rf"var {name} = L\.(featureGroup|mapappEvents)\(", script)
    assert f"var {story_layers.get_name()} = L.mapappStory(map_div," in script
    assert f"{story_layers.get_name()}.setState(" in control_js
    assert f"{listed[settings.EVENTS_LAYER]}.setFilter(" in control_js


def test_component_name_arguments_and_map_string():
    assert streamlit_folium._component_func.name == "streamlit_folium.st_folium"  # the frame's title and URL
    used = {"key", "height", "use_container_width", "returned_objects", "layer_control", "center", "zoom"}
    assert used <= set(inspect.signature(streamlit_folium.st_folium).parameters)
    assert "var map_div = L.map(" in streamlit_folium._get_map_string(small_map()[0])


# --- streamlit-folium, frontend -------------------------------------------------------------------------
#
# How these were established: the component is served from _component_func.path (frontend/build); its
# index.html loads static/js/main.<hash>.js (~225 KB, minified by terser). Terser keeps every name in a
# scope that holds a direct eval, which is why the component's own names survive there. It has
#   let debouncedUpdateComponentValue=(0,underscore__WEBPACK_IMPORTED_MODULE_2__.sg)(updateComponentValue,250);
#   function updateComponentValue(t){const e=window.__GLOBAL_DATA__; ... let c={...,
#     last_object_clicked_tooltip:e.last_object_clicked_tooltip,...,last_active_drawing:e.last_active_drawing,...};
#     ... setComponentValue(u)}
#   function onLayerClick(t){... e.last_active_drawing=t.layer.toGeoJSON() ... debouncedUpdateComponentValue(window.map)}
# debouncedUpdateComponentValue is a module-scope `let`, not a property of window, and the map's own script
# (appended as a <script>, ending "window.map = map_div; window.initComponent(...)") could not see it. The
# layer-control script can: onRender runs it with `eval(layer_control)` (`eval(feature_group+layer_control)`
# with feature groups), a direct eval inside that module. Hence the hooks below; each is the most specific
# form whose renaming would break the app.

_WITHIN_UPDATE = r"(?:(?!setComponentValue)[\s\S])*?"  # stays inside updateComponentValue, before it sends the value
_UPDATE_READS = r"function updateComponentValue\([\w$]+\)\{\s*(?:const|let|var)\s+([\w$]+)\s*=\s*window\.__GLOBAL_DATA__;"
FRONTEND_HOOKS: dict[str, re.Pattern[str]] = {
    "debouncedUpdateComponentValue = debounce(updateComponentValue, ms)": re.compile(
        r"\b(?:let|const|var)\s+debouncedUpdateComponentValue\s*=[^;]*\(\s*updateComponentValue\s*,\s*\d+\s*\)"
    ),
    "debouncedUpdateComponentValue(map)": re.compile(r"\bdebouncedUpdateComponentValue\(window\.map\)"),
    "layer-control script run by a direct eval": re.compile(r"(?<![\w$.])eval\(layer_control\)"),
    "window.__GLOBAL_DATA__ created with both keys": re.compile(
        r"window\.__GLOBAL_DATA__\s*=\s*\{[^}]*\blast_object_clicked_tooltip:null,[^}]*\blast_active_drawing:null"
    ),
    "last_object_clicked_tooltip returned": re.compile(
        _UPDATE_READS
        + _WITHIN_UPDATE
        + r"\blast_object_clicked_tooltip:\1\.last_object_clicked_tooltip\b"
        + _WITHIN_UPDATE
        + r"setComponentValue\("
    ),
    "last_active_drawing returned": re.compile(
        _UPDATE_READS
        + _WITHIN_UPDATE
        + r"\blast_active_drawing:\1\.last_active_drawing\b"
        + _WITHIN_UPDATE
        + r"setComponentValue\("
    ),
    "a layer click sets last_active_drawing to the layer's GeoJSON": re.compile(
        r"function onLayerClick\(([\w$]+)\)\{(?:(?!debouncedUpdateComponentValue)[\s\S])*?\.last_active_drawing=\1\.layer\.toGeoJSON\(\)"
    ),
    "onLayerClick bound to the map's layers": re.compile(r'\.on\("click",\s*onLayerClick\)'),
    # story-layers.js (mirrorPage) calls updateComponentValue itself right after a click: harmless only because
    # it sends nothing when the value is unchanged, so the debounced call that follows stays quiet.
    "updateComponentValue sends only a changed value": re.compile(
        r"JSON\.stringify\(([\w$]+)\)!==JSON\.stringify\(([\w$]+)\)&&\(\s*[\w$]+\.previous_data=\2\s*,"
    ),
    "window.map is the map": re.compile(r"window\.map = map_div;"),
}


@functools.cache
def component_bundle() -> str:
    """The JavaScript the installed component's index.html loads."""
    build = Path(streamlit_folium._component_func.path)
    sources = re.findall(r'<script[^>]*\bsrc="([^"]+)"', (build / "index.html").read_text(encoding="utf-8"))
    assert sources, f"no script in {build / 'index.html'}"
    return "\n".join((build / src).read_text(encoding="utf-8") for src in sources)


def missing_hooks(js: str) -> list[str]:
    return [name for name, pattern in FRONTEND_HOOKS.items() if not pattern.search(js)]


def test_component_bundle_has_every_hook_the_app_uses():
    assert missing_hooks(component_bundle()) == []


@pytest.mark.parametrize(
    "old, new, missing",
    [
        ("debouncedUpdateComponentValue", "debouncedUpdate", "debouncedUpdateComponentValue(map)"),
        (
            "let debouncedUpdateComponentValue=",
            "window.debouncedUpdateComponentValue=",
            "debouncedUpdateComponentValue = debounce(updateComponentValue, ms)",
        ),
        ("eval(layer_control)", "(0,eval)(layer_control)", "layer-control script run by a direct eval"),
        ("__GLOBAL_DATA__", "__COMPONENT_DATA__", "last_object_clicked_tooltip returned"),
        ("last_object_clicked_tooltip:", "last_tooltip:", "last_object_clicked_tooltip returned"),
        ("last_active_drawing:", "last_drawing:", "last_active_drawing returned"),
        (".last_active_drawing=", ".last_drawing=", "a layer click sets last_active_drawing to the layer's GeoJSON"),
        ("window.map = map_div", "window.leafletMap = map_div", "window.map is the map"),
        ("JSON.stringify(n)!==JSON.stringify(u)&&", "true&&", "updateComponentValue sends only a changed value"),
    ],
)
def test_a_renamed_hook_is_reported(old: str, new: str, missing: str):
    js = component_bundle()
    assert old in js
    assert missing in missing_hooks(js.replace(old, new))


def test_nothing_is_found_in_an_unrelated_script():
    assert missing_hooks("function debounced(){}; window.__GLOBAL_DATA__ = {};") == list(FRONTEND_HOOKS)


# --- Streamlit ------------------------------------------------------------------------------------


def test_streamlit_routes_the_app_uses():
    assert starlette_routes.ROUTE_HEALTH == "_stcore/health"  # driver.start_app polls it
    assert "/" + starlette_routes.BASE_ROUTE_APP_STATIC == settings.STATIC_URL


def _keep_static_routes(monkeypatch) -> None:
    """patch_streamlit also wraps the static route's builder, AppSession and the session storage: restore them
    after the test."""
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.memory_session_storage import MemorySessionStorage
    from streamlit.runtime.runtime import Runtime
    from streamlit.web.server.starlette import starlette_agent_routes, starlette_app

    monkeypatch.setattr(starlette_app, "create_app_static_serving_routes", starlette_app.create_app_static_serving_routes)
    monkeypatch.setattr(starlette_agent_routes, "create_agent_routes", starlette_agent_routes.create_agent_routes)
    monkeypatch.setattr(MemorySessionStorage, "__init__", MemorySessionStorage.__init__)
    monkeypatch.setattr(MemorySessionStorage, "delete", MemorySessionStorage.delete)
    monkeypatch.setattr(Runtime, "start", Runtime.start)
    monkeypatch.setattr(AppSession, "request_rerun", AppSession.request_rerun)
    monkeypatch.setattr(AppSession, "_handle_clear_cache_request", AppSession._handle_clear_cache_request)
    from streamlit.web import bootstrap

    monkeypatch.setattr(bootstrap, "_maybe_print_static_folder_warning", bootstrap._maybe_print_static_folder_warning)


def test_streamlit_forgets_an_expired_session_without_shutting_it_down():
    """What mapapp serve works around: a closed page's session is saved for a reconnect, and the storage drops it
    after its TTL without AppSession.shutdown, the only call that removes the session's uploaded files."""
    from streamlit.runtime import app_session, memory_session_storage, runtime, websocket_session_manager
    from streamlit.runtime.caching import ttl_cache

    assert "shutdown" not in inspect.getsource(memory_session_storage)
    assert "self._session_storage.save(" in inspect.getsource(
        websocket_session_manager.WebsocketSessionManager.disconnect_session
    )
    assert "remove_session_files(self.id)" in inspect.getsource(app_session.AppSession.shutdown)
    assert "on_remove" in inspect.signature(ttl_cache.TTLCache).parameters
    assert "self._cache: MutableMapping[str, SessionInfo] = TTLCache(" in inspect.getsource(memory_session_storage)
    # the send loop's last session, kept by a loop variable; the state mapapp serve replaces on an expired one
    assert "for active_session_info in self._session_mgr.list_active_sessions():" in inspect.getsource(runtime.Runtime)
    assert "self._session_state = SessionState()" in inspect.getsource(app_session.AppSession.__init__)


def test_mapapp_serve_shuts_down_expired_sessions_and_only_those(monkeypatch):
    import threading

    from streamlit.runtime.memory_session_storage import MemorySessionStorage
    from streamlit.runtime.session_manager import SessionInfo
    from streamlit.runtime.state import SessionState

    from mapapp.app import server
    from mapapp.events import store

    _keep_static_routes(monkeypatch)
    monkeypatch.setattr(store, "release_freed_memory", lambda: released.append(1))
    server.patch_streamlit()
    released: list[int] = []
    now = [0.0]
    storage = MemorySessionStorage(maxsize=8, ttl_seconds=100)
    storage._cache._timer = lambda: now[0]  # type: ignore[attr-defined]

    class Session:
        def __init__(self, sid: str) -> None:
            self.id, self.shut, self._session_state = sid, 0, {"upload": b"bytes of an upload"}

        def shutdown(self) -> None:
            self.shut += 1

    class Manager:
        _session_storage, _storage_lock, active = storage, threading.Lock(), {"active"}

        def is_active_session(self, sid: str) -> bool:
            return sid in self.active

    closed, reconnected, twice, active = (Session(n) for n in ("closed", "reconnected", "twice", "active"))
    for session in (closed, reconnected, twice, twice, active):  # "twice": its page closed, reopened, closed
        storage.save(SessionInfo(client=None, session=session))  # type: ignore[arg-type]
    storage.delete("reconnected")  # a page came back for it: Streamlit uses it again
    storage.delete("active")
    assert server.reap_expired_sessions(Manager()) == 0 and released == []  # nothing has expired yet
    assert [s.shut for s in (closed, reconnected, twice, active)] == [0, 0, 0, 0]
    now[0] = 101
    assert server.reap_expired_sessions(Manager()) == 2 and released == [1]
    assert [s.shut for s in (closed, reconnected, twice, active)] == [1, 0, 1, 0]
    assert isinstance(closed._session_state, SessionState) and "upload" not in closed._session_state  # let go
    assert reconnected._session_state == {"upload": b"bytes of an upload"}  # still the page's
    assert server.reap_expired_sessions(Manager()) == 0 and released == [1]  # each once

    class Failing(Session):
        def shutdown(self) -> None:
            raise RuntimeError("a session that cannot stop")

    broken, fine = Failing("broken"), Session("fine")
    for session in (broken, fine):
        storage.save(SessionInfo(client=None, session=session))  # type: ignore[arg-type]
    now[0] = 300
    assert server.reap_expired_sessions(Manager()) == 2  # one failing does not keep the other
    assert fine.shut == 1 and "upload" not in broken._session_state and "upload" not in fine._session_state


def test_streamlit_builds_its_agent_routes_where_mapapp_serve_replaces_them():
    """mapapp.app.server._agent_api_answers_404_when_off replaces starlette_agent_routes.create_agent_routes,
    which Streamlit imports from its module at the time it builds the routes."""
    import inspect

    from streamlit.web.server.starlette import starlette_agent_routes, starlette_app

    assert "from streamlit.web.server.starlette.starlette_agent_routes import" in inspect.getsource(starlette_app)
    assert "create_agent_routes(runtime, base_url)" in inspect.getsource(starlette_app)
    assert callable(starlette_agent_routes.create_agent_routes)


def test_streamlit_clears_caches_through_the_method_mapapp_serve_replaces(monkeypatch):
    """`mapapp serve` refuses a client's "clear cache" message by replacing AppSession._handle_clear_cache_request."""
    from streamlit.runtime import app_session

    from mapapp.app import server

    source = inspect.getsource(app_session.AppSession)
    assert 'msg_type == "clear_cache"' in source and "self._handle_clear_cache_request()" in source
    monkeypatch.setattr(app_session.AppSession, "_handle_clear_cache_request", app_session.AppSession._handle_clear_cache_request)
    monkeypatch.setattr(app_session.AppSession, "request_rerun", app_session.AppSession.request_rerun)
    _keep_static_routes(monkeypatch)
    cleared = []
    monkeypatch.setattr(app_session.caching.cache_resource, "clear", lambda: cleared.append(1))
    server.patch_streamlit()
    app_session.AppSession._handle_clear_cache_request(object())  # type: ignore[arg-type]
    assert cleared == []


def test_an_unknown_fragments_rerun_becomes_a_full_rerun_under_mapapp_serve(monkeypatch):
    """Streamlit drops a rerun whose fragment the session does not know (after a restart): `mapapp serve`
    runs the whole page instead, keeping the widget states."""
    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.runtime import app_session

    from mapapp.app import server

    source = inspect.getsource(app_session.AppSession.request_rerun)
    assert "not self.has_fragment(fragment_id)" in source and "return" in source  # what is worked around
    seen = []
    monkeypatch.setattr(app_session.AppSession, "request_rerun", lambda self, state: seen.append(state))
    monkeypatch.setattr(app_session.AppSession, "_handle_clear_cache_request", app_session.AppSession._handle_clear_cache_request)
    _keep_static_routes(monkeypatch)
    server.patch_streamlit()

    class Session:
        def has_fragment(self, fragment_id: str) -> bool:
            return fragment_id == "known"

    for fragment, expected in (("gone", ""), ("known", "known")):
        state = ClientState(fragment_id=fragment)
        state.widget_states.widgets.add(id="$$ID-x-layer_highways", bool_value=False)
        app_session.AppSession.request_rerun(Session(), state)  # type: ignore[arg-type]
        assert seen[-1].fragment_id == expected and seen[-1].widget_states.widgets[0].bool_value is False


def test_a_pages_widget_values_wait_serialized_under_the_widgets_id_until_the_widget_runs():
    """mapapp.app.page_sent_widgets reads them there (a page reconnecting after a restart sends them)."""
    from streamlit.elements.lib import utils
    from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
    from streamlit.runtime.state import session_state

    assert 'return f"{GENERATED_ELEMENT_ID_PREFIX}-{h.hexdigest()}-{user_key}"' in inspect.getsource(utils)
    assert utils.GENERATED_ELEMENT_ID_PREFIX == "$$ID"
    state = session_state.SessionState()
    sent = WidgetStates()
    sent.widgets.append(WidgetState(id="$$ID-abc-layer_highways", bool_value=False))
    state.on_script_will_rerun(sent)
    stored = state._new_widget_state.states["$$ID-abc-layer_highways"]
    assert isinstance(stored, session_state.Serialized) and stored.value.bool_value is False


def test_a_static_folder_over_1_gb_keeps_its_serving_under_mapapp_serve_and_only_the_apps(monkeypatch, tmp_path):
    """Streamlit turns static serving off at start-up for a static folder over 1 GB; the app's folder holds the
    event cache, which the app bounds itself (2 GB by default): `mapapp serve` keeps it on for that folder only."""
    from streamlit import config
    from streamlit.web import bootstrap

    from mapapp.app import server

    gb = 1024**3
    monkeypatch.setattr(bootstrap.file_util, "get_directory_size", lambda _path: 2 * gb)
    other = tmp_path / "other_app.py"
    other.write_text("", encoding="utf-8")
    (tmp_path / "static").mkdir()
    before = config.get_option("server.enableStaticServing")
    config.set_option("server.enableStaticServing", True)
    try:
        bootstrap._maybe_print_static_folder_warning(str(settings.APP_SCRIPT))
        assert config.get_option("server.enableStaticServing") is False  # what Streamlit does, worked around
        config.set_option("server.enableStaticServing", True)
        _keep_static_routes(monkeypatch)
        server.patch_streamlit()
        for script in (settings.APP_SCRIPT, settings.EDITOR_SCRIPT):
            bootstrap._maybe_print_static_folder_warning(str(script))
            assert config.get_option("server.enableStaticServing") is True
        bootstrap._maybe_print_static_folder_warning(str(other))
        assert config.get_option("server.enableStaticServing") is False  # another script keeps Streamlit's check
    finally:
        config.set_option("server.enableStaticServing", before)


def test_streamlits_static_route_is_built_where_mapapp_serve_wraps_it():
    """mapapp.app.server._no_wildcard_cors_for_uploads replaces starlette_app.create_app_static_serving_routes."""
    from streamlit.web.server.starlette import starlette_app, starlette_routes

    assert starlette_app.create_app_static_serving_routes is starlette_routes.create_app_static_serving_routes
    assert "create_app_static_serving_routes(main_script_path, base_url)" in inspect.getsource(starlette_app)
    assert 'response.headers["Access-Control-Allow-Origin"] = "*"' in inspect.getsource(
        starlette_routes.create_app_static_serving_routes
    )


def test_branca_renders_macros_through_elements_that_mapapp_makes_literal():
    """branca's MacroElement.render wraps each rendered part in Element(text), which compiles the text as
    Jinja; mapapp.render._branca replaces the method so that rendered parts stay literal text."""
    import branca.element

    import mapapp.render.mapbuild  # noqa: F401 - applies the replacement
    from mapapp.render import _branca

    source = Path(branca.element.__file__).read_text(encoding="utf-8")  # the method itself is replaced: read the file
    assert "figure.html.add_child(Element(html(self, kwargs)), name=self.get_name())" in source
    assert "self._template = Template(template)" in source  # why Element(text) evaluates the text
    assert branca.element.MacroElement.render is _branca._render_macros_literally
