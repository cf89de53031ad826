"""Story maps of news articles: places, who held what on which date, passages and sources.

A story is a folder (the shipped one is ``geodata/``): a manifest (``story.json``),
GeoJSON layers of the kinds in :mod:`mapapp.layers`, the article and its sources.

Modules, in the direction imports flow: ``settings`` (the app's constants),
``layers`` (the registry of layer kinds), ``manifest`` (the story's own facts),
``data`` (load and validate layers), ``article`` (passages and links),
``timeline`` (status as of a date), ``story`` (all of it together), ``states``
(each feature's look on a day, by its kind's rule), ``mapbuild`` (folium
maps), ``assets`` (offline Leaflet files, published static files), ``events``
(ACLED CSV layers), ``synthetic`` (synthetic event files), ``preload`` (work
done before the server starts), ``testing`` (driving the app in Chromium) and
``app`` (the Streamlit UI, the only module that imports Streamlit).
"""

from ._validate import GeoDataError, Problem
from .story import Story, load_story

__all__ = ["GeoDataError", "Problem", "Story", "load_story"]
