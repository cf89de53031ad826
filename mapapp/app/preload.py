"""Work done before the server accepts its first connection (``python -m mapapp serve``).

Streamlit runs the app's script only when a browser connects, so the first
visitor would wait for the imports (geopandas, folium: ~0.5 s), the story's
validation and any event file's parsing (~2 s at 100,000 rows). The launcher
does that work first and keeps the results here, in the server process; the
app's caches look here before loading anything. Nothing here imports Streamlit.
"""

from __future__ import annotations

import os
from pathlib import Path

from mapapp import events, settings
from mapapp.story.model import Story, load_story
from mapapp.story.validate import GeoDataError

_STORIES: dict[str, Story] = {}
_EVENTS: dict[tuple[str, int, int], events.PublishedEvents | GeoDataError] = {}


def file_key(path: str | Path) -> tuple[str, int, int]:
    """(path, mtime, size): a file edited after start-up is not served from memory."""
    stat = Path(path).stat()
    return str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size


def story(data_dir: str | Path) -> Story | None:
    return _STORIES.get(str(Path(data_dir).resolve()))


def events_file(path: str | Path) -> events.PublishedEvents | GeoDataError | None:
    try:
        return _EVENTS.get(file_key(path))
    except OSError:
        return None


def warm(data_dir: Path | None = None, events_path: str | None = None) -> list[str]:
    """Load the story and the event file (``$MAPAPP_EVENTS``) and import the map stack; say what was done."""
    from mapapp.render import mapbuild  # folium, branca, jinja2; not streamlit_folium: it needs a running Streamlit

    done = []
    data_dir = Path(data_dir or settings.data_dir_from_env())
    story = None
    try:
        story = load_story(data_dir)
        _STORIES[str(data_dir.resolve())] = story
        mapbuild.published_timeline(story)  # the per-day timeline (~1 s), published before the first visitor
        done.append(f"story {data_dir}")
    except GeoDataError as exc:
        done.append(f"story {data_dir}: {len(exc.problems)} problem(s), shown in the app")
    events_path = events_path or os.environ.get(settings.EVENTS_ENV)
    if events_path:
        try:
            key = file_key(events_path)
        except OSError as exc:
            done.append(f"events {events_path}: {exc.strerror or exc}")
        else:
            manifest = story.manifest if story is not None else None
            scope = events.Scope(manifest.region, manifest.timeline_start, manifest.timeline_end) if manifest else None
            _EVENTS[key] = events.publish_or_error(Path(events_path), scope=scope)
            loaded = _EVENTS[key]
            done.append(
                f"events {events_path}: "
                + (
                    f"{loaded.count:,} drawn of {loaded.rows:,} rows"
                    if isinstance(loaded, events.PublishedEvents)
                    else "not usable"
                )
            )
    return done
