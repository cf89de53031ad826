"""The app's own constants in one place: paths, file names, defaults, styles, widget keys.

A story's facts (title, dates, region, view, sides, layer labels) are in its manifest
(:mod:`mapapp.story.manifest`), layer kinds in :mod:`mapapp.story.layers`. Nothing here does work.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

# --- paths -----------------------------------------------------------------
PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
# The shipped story; users point MAPAPP_DATA (or --data) at their own folder.
DEFAULT_DATA_DIR = REPO_DIR / "geodata"
DATA_DIR_ENV = "MAPAPP_DATA"
# Streamlit serves <app dir>/static/ at /app/static/ (server.enableStaticServing).
STATIC_DIR = PACKAGE_DIR / "static"
# The script Streamlit runs (it serves STATIC_DIR, the folder beside it).
APP_SCRIPT = PACKAGE_DIR / "streamlit_app.py"
EDITOR_SCRIPT = PACKAGE_DIR / "streamlit_editor.py"  # `python -m mapapp edit DIR`
STATIC_URL = "/app/static"
VENDOR_DIR = STATIC_DIR / "vendor"  # filled by scripts/fetch_assets.py, not committed
CACHE_DIR = STATIC_DIR / "cache"  # event layers written once per content hash (not committed)
CACHE_URL = f"{STATIC_URL}/cache"
# Files for the server alone (event problem reports, the gazetteer index): never under static/, never served.
PRIVATE_CACHE_DIR = REPO_DIR / ".cache"
# The server configuration `python -m mapapp serve` applies wherever it is started from (mapapp/cli.py).
STREAMLIT_CONFIG = REPO_DIR / ".streamlit" / "config.toml"
APP_JS_URL = f"{STATIC_URL}/mapapp"  # the app's own map scripts (committed, unlike vendor/)
EVENTS_LAYER_JS = "events-layer.js"
STORY_LAYERS_JS = "story-layers.js"
MAP_CSS = "map.css"  # styles inside the map's frame (labels, date, playback)

# --- files of a story folder ----------------------------------------------
# Layer files are declared with their kinds in mapapp/layers.py; the story's own facts in its manifest.
MANIFEST_FILE = "story.json"
ARTICLE_TEXT_FILE = "article.txt"
ARTICLE_META_FILE = "article.json"
SOURCES_FILE = "sources.json"

# Properties holding ISO dates (YYYY-MM-DD), checked wherever they appear.
DATE_FIELDS = ("date", "date_to", "established", "besieged_from", "besieged_to", "valid_from", "valid_to")
# Feature ids travel in links (?place=…), page attributes and JSON keys: a slug, never free text.
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
ID_RULE = "must be 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit (ids go into links)"
# Names of the basemap's areas written on the map: from which zoom to which, and how dense the points
# offered for the name are (the browser picks the one nearest the view's centre that fits).
AREA_LABELS = {
    "country": {"min_zoom": 5, "max_zoom": 11, "grid_degrees": 0.5},
    "admin1": {"min_zoom": 7, "max_zoom": 13, "grid_degrees": 0.1},
}
AREA_NAME_SUFFIXES = (" Governorate", " Province", " Region", " Oblast", " State")  # "Kherson", not "Kherson Oblast"
# Pictures in one snapshot file: a walk of 40 steps fits; 200 dates ran for minutes and wrote nothing.
SNAPSHOT_MAX_SHOTS = 60
# A callout is a few words on the map ("dozens killed in an airstrike"), not a paragraph.
CALLOUT_MAX_CHARS = 60
# The largest uncertainty radius a position may carry: beyond it, the position says nothing (use "schematic").
MAX_PRECISION_M = 500_000
# "unlocated": a sourced feature with no citable position (geometry null, listed, not drawn).
PRECISIONS = ("exact", "approximate", "schematic", "unlocated")
DATE_PRECISIONS = ("day", "approximate", "range", "month")
# How a source leans, shown on every item (what-users-ask.md: sources per claim); a manifest may add its own.
SOURCE_LEANINGS = ("gazetteer", "reference", "wire", "monitor", "official", "article", "package")
# Leanings that speak for no side. A change of hands that only sources of one other leaning report
# (all "pro-government", say, or all "official") is drawn as claimed, "according to ...", not as fact.
NEUTRAL_LEANINGS = ("gazetteer", "reference", "wire", "monitor", "article", "package")

# --- the map ----------------------------------------------------------------
APP_TITLE = "Story map"  # the browser tab's title until a story has loaded
DEFAULT_ZOOM = 10  # a story's manifest sets its own view
SELECTED_ZOOM = 12
# A walk step's view stops one zoom short of a selection's: its places with neighbours named around them.
STEP_MAX_ZOOM = 11
MAP_HEIGHT = 700  # st_folium's height; page.css sizes the frame from the screen's height
COLUMNS = (13, 7)  # map column : reading pane (the map takes > 40% of a 1440x900 screen)
PAGE_CSS = "page.css"  # the page layout, in static/mapapp/
LEGEND_CSS = "legend.css"  # the legend beside the map, in the app and in the published site

# The event layer is the app's own (any story can load an ACLED file), so its labels live here.
EVENTS_LAYER = "events"  # toggleable once an event dataset is loaded
EVENTS_LABEL = "Event dataset"
EVENTS_SHORT_LABEL = "Events"

# --- event datasets (ACLED's CSV export) --------------------------------------
# Columns every file must have (ACLED codebook names); others are kept as extras.
EVENT_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "fatalities",
)
# Optional ACLED columns shown in an event's details when present.
EVENT_OPTIONAL_COLUMNS = ("time_precision", "country", "assoc_actor_1", "assoc_actor_2", "source_scale", "tags")
# event_date as ACLED writes it: ISO (API), "5 March 2021" (export tool), day-first numeric (codebook).
EVENT_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d-%m-%Y", "%d/%m/%Y")
EVENT_GEO_PRECISIONS = {1: "town or exact place", 2: "near a town / part of a region", 3: "larger region (admin centroid)"}
EVENT_TIME_PRECISIONS = {1: "actual date", 2: "week or weekend", 3: "month"}
EVENT_DETAILS_CHUNK = 500  # events per details file (~150 KB), fetched on click
# The published-events cache (static/cache/events-*): least recently used folders go beyond this size,
# never one a session used within the grace period. $MAPAPP_EVENT_CACHE_MB overrides the size.
EVENT_CACHE_MAX_BYTES = int(float(os.environ.get("MAPAPP_EVENT_CACHE_MB", "2048")) * 1024 * 1024)
EVENT_CACHE_GRACE_S = 3600
# A problem report (CSV, every bad row of an event file) stops at this size, saying how many it left out;
# the reports' folder is pruned as the public cache is (least recently used first, never within the grace).
EVENT_REPORT_MAX_BYTES = int(float(os.environ.get("MAPAPP_EVENT_REPORT_MB", "16")) * 1024 * 1024)
EVENT_REPORTS_MAX_BYTES = 256 * 1024 * 1024
# An event file's events outside the story's region and dates (± this margin) are counted, not sent to the map.
EVENT_SCOPE_MARGIN_DAYS = int(os.environ.get("MAPAPP_EVENT_MARGIN_DAYS", "30"))
EVENT_PROBLEMS_PER_KIND = 1000  # problems kept in memory per field; all are counted and written to the report
EVENTS_ENV = "MAPAPP_EVENTS"  # path of an event CSV loaded at start-up
# Colours per ACLED event type; unknown types get EVENT_OTHER_COLOUR.
EVENT_TYPE_COLOURS = {
    "Battles": "#d35400",
    "Explosions/Remote violence": "#8e0000",
    "Violence against civilians": "#6a1b9a",
    "Protests": "#1565c0",
    "Riots": "#00838f",
    "Strategic developments": "#546e7a",
}
EVENT_OTHER_COLOUR = "#212121"
EVENT_RADIUS_PX = 3
# "Events shown": how many days up to the chosen date (None: everything up to it).
EVENT_WINDOWS = {"that day": 1, "7 days": 7, "30 days": 30, "90 days": 90, "all up to the date": None}
EVENT_DEFAULT_WINDOW = "30 days"

# Every colour also comes with a text label, so colour is never the only cue.
SELECTED_COLOUR = "#00bcd4"
BOUNDARY_STYLE = {"color": "#8a8a8a", "weight": 1, "fillColor": "#f4f1ea", "fillOpacity": 1.0}
ADMIN1_STYLE = {"color": "#9b9b9b", "weight": 1, "dashArray": "4 3", "fill": False}
SEA_COLOUR = "#c9dcea"
RIVER_STYLE = {"color": "#3b7fc4", "weight": 1.6, "opacity": 0.9, "fillColor": "#a9cbe8", "fillOpacity": 0.9}
# "approximate" and "schematic" geometries are dashed, exact ones solid.
PRECISION_DASH = {"exact": None, "approximate": "6 4", "schematic": "2 4"}

# Optional online base layers; the offline basemap works without them.
ONLINE_TILES = {
    "OpenStreetMap": {
        "tiles": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attr": "&copy; OpenStreetMap contributors",
    },
    "Satellite (Esri World Imagery)": {
        "tiles": "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
        "attr": "Tiles &copy; Esri",
    },
}

# --- Streamlit keys and query parameters -------------------------------------
QP_PLACE = "place"
QP_LAYERS = "layers"
QP_DATE = "date"
QP_PASSAGE = "passage"
QP_STEP = "step"  # the guided walk's step (a passage id)
QP_COMPARE = "compare"  # a second date to compare the map's date with
QP_EVENTS = "events"  # "off": an event dataset is loaded but hidden (shown otherwise)
KEY_PLACE = "selected_place"
KEY_PASSAGE = "selected_passage"
KEY_COMPARE = "compare_date"  # the date compared with the map's date (None: no comparison)
KEY_WALK = "walk_step"  # the walk's current step (passage id); "" when not walking
KEY_WALK_LAST = "walk_last"  # the last step shown, so a reader who left can resume there
KEY_DATE = "as_of_date"
KEY_MAP = "story_map"
KEY_MAP_SLOT = "map_slot"  # the container page.css holds at the map's height
KEY_LAYER_PREFIX = "layer_"
KEY_EVENTS_FILE = "events_csv"
KEY_LAYOUT = "story_layout"  # the container of the map column and the reading pane (page.css)
KEY_TOGGLES = "layer_toggles"  # the container of the layer toggles under the map
KEY_LABELS_ARABIC = "labels_arabic"  # map labels in Arabic where the data has the name
KEY_EVENTS_WINDOW = "events_window"
KEY_EVENTS_TYPES = "events_types"


def data_dir_from_env(default: Path = DEFAULT_DATA_DIR) -> Path:
    """The story folder: ``$MAPAPP_DATA`` when set, else the shipped ``geodata/``."""
    value = os.environ.get(DATA_DIR_ENV)
    return Path(value) if value else default
