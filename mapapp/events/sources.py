"""An event source on disk, recognised from the file: a CSV (ACLED or UCDP GED, :mod:`mapapp.events.rows`),
a Parquet file or a partitioned folder of them (:mod:`mapapp.events.columnar`)."""

from __future__ import annotations

from pathlib import Path

from mapapp.events.columnar import is_columnar, read_columnar
from mapapp.events.dataset import EventSet, Scope, within
from mapapp.events.fast import load_csv_fast
from mapapp.events.rows import Progress, load_csv


def load_events(path: Path, scope: Scope | None = None, progress: Progress | None = None) -> EventSet:
    """The events of ``path`` in ``scope`` (all of them without one). A Parquet archive is read with the scope
    pushed down (only the story's slice is read); a CSV is read whole (by DuckDB when it can, the same checks and
    report: :mod:`mapapp.events.fast`), then scoped."""
    path = Path(path)
    if is_columnar(path):
        return read_columnar(path, scope)
    fast = load_csv_fast(path, progress)
    return within(fast if fast is not None else load_csv(path, progress), scope)
