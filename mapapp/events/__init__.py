"""Event datasets (ACLED or UCDP GED CSV) on top of a story: read, checked row by row, published as static files.

``dataset`` reads, checks and publishes; ``ucdp`` maps UCDP GED's columns and codes to the same rows;
``synthetic`` writes synthetic files for tests and benchmarks.
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
    details_chunks,
    evict_cache,
    evict_reports,
    load_events,
    parse_event_date,
    points_bytes,
    problem_table,
    publish,
    publish_or_error,
    read_events,
    refusal,
    touch,
    within,
)

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
