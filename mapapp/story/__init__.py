"""The story model: a story folder read, validated and held in memory (every product builds on it).

In the direction imports flow: ``validate`` (problems, RFC 7946 structure), ``jsonfile`` (strict JSON
reading), ``layers`` (the registry of layer kinds), ``manifest`` (the story's own facts), ``layer_files``
(layers and sources, loaded and checked), ``article`` (passages and links), ``timeline`` (status as of a
date), ``model`` (all of it together: :class:`Story`), ``states`` (each feature's look on a day), ``walk``
(the guided walk's steps), ``tables`` (spreadsheet-safe cells) and ``files`` (writing a folder atomically).
"""

from mapapp.story.model import Story, load_story
from mapapp.story.validate import GeoDataError, Problem

__all__ = ["GeoDataError", "Problem", "Story", "load_story"]
