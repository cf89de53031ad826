"""Story maps of news articles: places, who held what on which date, passages and sources.

A story is a folder (the shipped one is ``geodata/``): a manifest (``story.json``), GeoJSON layers of
the kinds in :mod:`mapapp.story.layers`, the article and its sources.

The package is one folder per product over one story model, imports flowing one way
(``tests/test_architecture.py`` keeps it so):

- ``story/``: the model: a story folder read, validated, held in memory;
- ``draft/``: the drafter (``mapapp new``): an article's text to a draft story folder;
- ``events/``: event datasets (ACLED or UCDP GED CSV) checked and published as static files;
- ``render/``: folium maps, the view model, the static site and print (no Streamlit);
- ``app/``: the Streamlit dashboard, the only part that imports Streamlit;
- ``settings`` (constants), ``cli`` (``python -m mapapp``), ``streamlit_app`` (the script Streamlit runs).

What a script may import is named here; everything else is private by its folder or its underscore::

    import mapapp
    story = mapapp.load_story("geodata")            # raises GeoDataError listing every problem
    problems = mapapp.validate("my-story")          # or get them as a list
    mapapp.publish_site(story, Path("site"))        # the static site
    mapapp.snapshot(story, Path("map.pdf"), [mapapp.Shot(day=story.manifest.events_date)])
    files = mapapp.draft_story(text)                 # then mapapp.write_draft(files, Path("draft"))
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mapapp.story.validate import GeoDataError, Problem

if TYPE_CHECKING:
    from mapapp.draft.drafter import draft_story, write_draft
    from mapapp.render.publish import publish_site
    from mapapp.render.snapshot import Shot, snapshot
    from mapapp.story.model import Story, load_story

# Loaded on first use: GeoPandas, folium, Playwright and the gazetteer are heavy, and most commands need only
# some of them (``mapapp events`` none: it started 0.3 s later for GeoPandas alone).
_LAZY = {
    "Story": ("mapapp.story.model", "Story"),
    "load_story": ("mapapp.story.model", "load_story"),
    "publish_site": ("mapapp.render.publish", "publish_site"),
    "snapshot": ("mapapp.render.snapshot", "snapshot"),
    "Shot": ("mapapp.render.snapshot", "Shot"),
    "draft_story": ("mapapp.draft.drafter", "draft_story"),
    "write_draft": ("mapapp.draft.drafter", "write_draft"),
}

__all__ = [
    "GeoDataError",
    "Problem",
    "Shot",
    "Story",
    "draft_story",
    "load_story",
    "publish_site",
    "snapshot",
    "validate",
    "write_draft",
]


def validate(data_dir: str | Path) -> list[Problem]:
    """Every problem in a story folder (an empty list: it loads), each naming its file, feature and field."""
    from mapapp.story.model import load_story

    try:
        load_story(Path(data_dir))
    except GeoDataError as exc:
        return exc.problems
    return []


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'mapapp' has no attribute {name!r}")
