"""Serving the dashboard (``python -m mapapp serve``): the shipped configuration as flags, and the changes
this project makes to Streamlit's server for many readers (pinned by tests/test_internals.py).

Nothing here imports the page or streamlit_folium: imported before the server runs, the component would
answer 404.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from mapapp import settings
from mapapp.app import preload


def run(data: Path | None, port: int, streamlit_args: list[str], *, script: Path = settings.APP_SCRIPT) -> int:
    """Preload, then hand over to Streamlit in this process (so the preloaded objects are used).
    ``script``: the dashboard (default) or the editor (``settings.EDITOR_SCRIPT``, nothing to preload)."""
    if data is not None:
        os.environ[settings.DATA_DIR_ENV] = str(data)
    if script == settings.APP_SCRIPT:
        for line in preload.warm(data):
            print(f"preloaded {line}", file=sys.stderr)
    # Streamlit's own launcher, not the UI module: importing mapapp.app here would import
    # streamlit_folium before the server runs, and its component would then answer 404.
    from streamlit.web import cli as streamlit_cli

    patch_streamlit()

    app = str(script)
    flags = streamlit_config_flags(settings.STREAMLIT_CONFIG)
    # The user's own `streamlit run` arguments come last, so they win over the shipped configuration.
    sys.argv = ["streamlit", "run", app, *flags, "--server.port", str(port), *streamlit_args]
    return streamlit_cli.main()


def streamlit_config_flags(path: Path) -> list[str]:
    """The shipped ``.streamlit/config.toml`` as ``--section.option value`` flags.

    Streamlit reads that file only from the current directory; as flags, the hardening and the speed
    settings apply wherever ``python -m mapapp serve`` is started from.
    """
    import tomllib

    if not path.is_file():
        return []
    flags: list[str] = []

    def add(prefix: str, table: dict) -> None:
        for name, value in table.items():
            key = f"{prefix}.{name}" if prefix else name
            if isinstance(value, dict):  # [theme.sidebar] and the like
                add(key, value)
            elif isinstance(value, bool | int | float | str):
                flags.extend([f"--{key}", str(value).lower() if isinstance(value, bool) else str(value)])
            else:  # a list has no single flag form: say so rather than drop it
                raise ValueError(f"{path}: {key} = {value!r} cannot be passed to Streamlit as a flag")

    add("", tomllib.loads(path.read_text(encoding="utf-8")))
    return flags


def patch_streamlit() -> None:
    """Two changes to Streamlit's session handling, for a server shared by many readers (pinned by
    tests/test_internals.py):

    - any client may send Streamlit's "clear cache" message, which empties the caches of every user
      (a reader's next date change went from 0.74 s to 12.9 s): the app never needs it, so it is refused;
    - after a server restart the page reconnects to a new session that has not run the map's fragment yet,
      and Streamlit drops the fragment's reruns ("fragment ... does not exist anymore"): the first toggles
      after a restart were lost. Such a rerun is run as a full rerun instead, with the widget states the
      page sent, so the reader's interaction applies.
    """
    import logging

    from streamlit.runtime.app_session import AppSession

    log = logging.getLogger("mapapp")

    def refused(self: AppSession) -> None:
        log.warning("a client asked to clear every cache; refused (mapapp serve)")

    AppSession._handle_clear_cache_request = refused  # type: ignore[method-assign]
    original_rerun = AppSession.request_rerun

    def request_rerun(self: AppSession, client_state: Any) -> Any:
        if client_state is not None and client_state.fragment_id and not self.has_fragment(client_state.fragment_id):
            full = type(client_state)()
            full.CopyFrom(client_state)
            full.ClearField("fragment_id")
            log.info("fragment %s unknown to this session (a restart?): running the whole page", client_state.fragment_id)
            client_state = full
        return original_rerun(self, client_state)

    AppSession.request_rerun = request_rerun  # type: ignore[method-assign]
    _shut_down_expired_sessions()
    _no_wildcard_cors_for_uploads()
    _agent_api_answers_404_when_off()
    _static_serving_kept_for_the_bounded_cache()


REAP_EVERY_S = 15.0


def _shut_down_expired_sessions() -> None:
    """A closed page's session is kept for a reconnect (``server.disconnectedSessionTTL``), then Streamlit's
    storage forgets it without shutting it down, so its uploaded files stay in the upload manager for the life
    of the server (a 195 MB upload: 183 MB before, 379 MB long after the page closed). Here every
    :data:`REAP_EVERY_S`, on the server's event loop, expired sessions are shut down as Streamlit shuts down a
    closed one (its uploads removed), and the memory they held is given back."""
    import asyncio

    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.memory_session_storage import MemorySessionStorage
    from streamlit.runtime.runtime import Runtime

    original_init, original_delete, original_start = (
        MemorySessionStorage.__init__,
        MemorySessionStorage.delete,
        Runtime.start,
    )

    def init(self: MemorySessionStorage, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        gone: list[AppSession] = []
        self.mapapp_gone = gone  # type: ignore[attr-defined]
        self._cache._on_remove = lambda _id, info: gone.append(info.session)  # type: ignore[attr-defined]

    def delete(self: MemorySessionStorage, session_id: str) -> None:
        # Taken back by a reconnecting page, or closed by Streamlit itself: not ours to shut down.
        original_delete(self, session_id)
        gone = getattr(self, "mapapp_gone", [])
        gone[:] = [s for s in gone if s.id != session_id]

    async def start(self: Runtime) -> None:
        await original_start(self)
        asyncio.get_running_loop().create_task(_reap_forever(self), name="mapapp.reap_sessions")

    MemorySessionStorage.__init__ = init  # type: ignore[method-assign]
    MemorySessionStorage.delete = delete  # type: ignore[method-assign]
    Runtime.start = start  # type: ignore[method-assign]


async def _reap_forever(runtime: Any) -> None:
    import asyncio
    import logging

    while True:
        await asyncio.sleep(REAP_EVERY_S)
        try:
            reap_expired_sessions(runtime._session_mgr)
        except Exception:  # a session's shutdown failing must not end the reaping (nor the server)
            logging.getLogger("mapapp").exception("shutting down expired sessions failed; trying again later")


def reap_expired_sessions(manager: Any) -> int:
    """Shut down the sessions ``manager``'s storage has let expire since the last call; returns how many."""
    import logging

    from streamlit.runtime.state import SessionState

    from mapapp.events.store import release_freed_memory

    storage = getattr(manager, "_session_storage", None)
    gone = getattr(storage, "mapapp_gone", None)
    if storage is None or gone is None:
        return 0
    with manager._storage_lock:
        storage._cache.expire()
        removed, gone[:] = list(gone), []
        # A session saved again (its page closed twice) was "removed" to be replaced: still kept, not expired.
        kept = storage._cache._data
        expired = [s for s in removed if s.id not in kept and not manager.is_active_session(s.id)]
    for session in expired:
        try:
            session.shutdown()
        except Exception:  # one session's failure must not keep the others (or its own state) alive
            logging.getLogger("mapapp").exception("shutting down expired session %s failed", session.id)
        # Streamlit's send loop keeps its last flushed session in a local variable until another page's messages
        # are sent, and with it that session's state (an upload's file, what it read): a fresh, empty state lets
        # those go now. A script still stopping keeps the old state until it has stopped.
        session._session_state = SessionState()
    if expired:
        release_freed_memory()
        logging.getLogger("mapapp").info("shut down %d expired session(s) and gave back their memory", len(expired))
    return len(expired)


def _static_serving_kept_for_the_bounded_cache() -> None:
    """At start-up Streamlit turns static serving off for a static folder over 1 GB and says so ("Static file
    serving has been disabled"). The app's static folder holds the published event cache, which the app bounds
    itself (``MAPAPP_EVENT_CACHE_MB``, 2 GB by default, least recently used folders pruned): the map's scripts and
    its event layers must be served whatever the cache's size, and an operator must not read that they are off.
    Streamlit 1.67 makes that check after the routes exist (files were still served under the warning), which a
    later version need not do: for the app's own folder the check is skipped; any other script keeps it."""
    from streamlit.web import bootstrap

    original = bootstrap._maybe_print_static_folder_warning

    def check(main_script_path: str) -> None:
        if Path(main_script_path).resolve().parent != settings.PACKAGE_DIR:
            original(main_script_path)

    bootstrap._maybe_print_static_folder_warning = check


def _agent_api_answers_404_when_off() -> None:
    """Streamlit registers its agent API's routes even when the API is off (``server.enableAgentApi``, off in the
    shipped config), so ``/_stcore/agent/openapi.json`` answers 200 with a description of it. Off, they answer 404
    here. ``/_stcore/host-config`` and ``/_stcore/health`` stay open: the page itself reads them (README)."""
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from streamlit import config
    from streamlit.web.server.starlette import starlette_agent_routes

    original = starlette_agent_routes.create_agent_routes

    def routes(runtime: Any, base_url: str | None) -> list[Any]:
        made = original(runtime, base_url)
        if config.get_option("server.enableAgentApi"):
            return made

        async def gone(request: Any) -> PlainTextResponse:
            return PlainTextResponse("Not found", status_code=404)

        return [Route(r.path, gone, methods=["GET", "POST", "HEAD"]) if isinstance(r, Route) else r for r in made]

    starlette_agent_routes.create_agent_routes = routes


def _no_wildcard_cors_for_uploads() -> None:
    """Streamlit's static route answers every file with ``Access-Control-Allow-Origin: *``, so any web page
    could read an uploaded dataset's files from a reader's browser. The app's own pages are same-origin and
    need no CORS header at all: it is removed for the published event data (``/app/static/cache/``)."""
    from starlette.routing import Route
    from streamlit.web.server.starlette import starlette_app

    original = starlette_app.create_app_static_serving_routes

    def routes(main_script_path: str | None, base_url: str | None) -> list[Any]:
        wrapped = []
        for route in original(main_script_path, base_url):
            if isinstance(route, Route):
                route = Route(route.path, _without_cors(route.endpoint), methods=list(route.methods or ()))
            wrapped.append(route)
        return wrapped

    starlette_app.create_app_static_serving_routes = routes


def _without_cors(endpoint: Callable[[Any], Awaitable[Any]]) -> Callable[[Any], Awaitable[Any]]:
    cache = settings.CACHE_URL + "/"

    async def serve(request: Any) -> Any:
        response = await endpoint(request)
        if cache in request.url.path:
            for header in ("access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers"):
                if header in response.headers:
                    del response.headers[header]
        return response

    return serve
