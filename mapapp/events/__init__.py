"""Event datasets (ACLED or UCDP GED CSV) on top of a story: read, checked row by row, published as static files.

``dataset`` holds the checked rows and their scope; ``rows`` reads and checks a file; ``fast`` checks a large
ACLED CSV through DuckDB with the same rules and report (``suspect`` is its SQL, ``scan`` its pass over the bytes,
``details`` keeps the details on disk); ``store`` publishes for the map and keeps the cache; ``reports`` bounds and
prunes problem reports; ``ucdp`` maps UCDP GED's columns and codes to the same rows; ``synthetic`` writes synthetic
files for tests and benchmarks.
"""

from mapapp.events.dataset import (
    EVENT_FILE,
    FORMAT_VERSION,
    EventSet,
    PublishedEvents,
    RowProblem,
    Scope,
    date_to_day,
    day_to_date,
    problem_table,
    refusal,
    within,
)
from mapapp.events.reports import evict_reports
from mapapp.events.rows import parse_event_date, read_events
from mapapp.events.sources import load_events
from mapapp.events.store import details_chunks, evict_cache, points_bytes, publish, publish_or_error, touch

__all__ = [
    "EVENT_FILE",
    "FORMAT_VERSION",
    "EventSet",
    "PublishedEvents",
    "RowProblem",
    "Scope",
    "date_to_day",
    "day_to_date",
    "details_chunks",
    "evict_cache",
    "evict_reports",
    "load_events",
    "parse_event_date",
    "points_bytes",
    "problem_table",
    "publish",
    "publish_or_error",
    "read_events",
    "refusal",
    "touch",
    "within",
]
