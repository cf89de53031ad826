"""The story model: a story folder read, validated and held in memory (every product builds on it).

In the direction imports flow: ``validate`` (problems, RFC 7946 structure), ``jsonfile`` (strict JSON
reading), ``layers`` (the registry of layer kinds), ``manifest`` (the story's own facts), ``layer_files``
(layers and sources, loaded and checked), ``article`` (passages and links), ``timeline`` (status as of a
date), ``model`` (all of it together: :class:`Story`), ``states`` (each feature's look on a day), ``walk``
(the guided walk's steps), ``tables`` (spreadsheet-safe cells) and ``files`` (writing a folder atomically).
"""

from typing import TYPE_CHECKING, Any

from mapapp.story.validate import GeoDataError, Problem

if TYPE_CHECKING:
    from mapapp.story.model import Story, load_story

__all__ = ["GeoDataError", "Problem", "Story", "load_story"]


def __getattr__(name: str) -> Any:
    """``Story`` and ``load_story`` on first use: the model imports GeoPandas (about 0.3 s), which the event
    checker (``mapapp events``) and other users of ``validate`` or ``tables`` do not need."""
    if name in ("Story", "load_story"):
        from mapapp.story import model

        return getattr(model, name)
    raise AttributeError(f"module 'mapapp.story' has no attribute {name!r}")
