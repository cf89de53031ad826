"""An interactive map of the AP report of 27–28 February 2020 on the Idlib escalation.

Modules, in the direction imports flow: ``settings`` (constants), ``data``
(load and validate layers), ``article`` (passages and links), ``timeline``
(status as of a date), ``story`` (all of it together), ``mapbuild`` (folium
maps), ``assets`` (offline Leaflet files, published static files), ``events``
(ACLED CSV layers), ``synthetic`` (synthetic event files), ``preload`` (work
done before the server starts), ``testing`` (driving the app in Chromium) and
``app`` (the Streamlit UI, the only module that imports Streamlit).
"""

from ._validate import GeoDataError, Problem
from .story import Story, load_story

__all__ = ["GeoDataError", "Problem", "Story", "load_story"]
