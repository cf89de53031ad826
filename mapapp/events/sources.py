"""An event source on disk, recognised from the file: a CSV (ACLED or UCDP GED, :mod:`mapapp.events.rows`),
a Parquet file or a partitioned folder of them (:mod:`mapapp.events.columnar`)."""

from __future__ import annotations

from pathlib import Path

from mapapp.events.columnar import is_columnar, read_columnar
from mapapp.events.dataset import EventSet, Scope, within
from mapapp.events.rows import Progress, load_csv


def load_events(path: Path, scope: Scope | None = None, progress: Progress | None = None) -> EventSet:
    """The events of ``path`` in ``scope`` (all of them without one). A Parquet archive is read with the scope
    pushed down (only the story's slice is read); a CSV is read whole, then scoped."""
    path = Path(path)
    if is_columnar(path):
        return read_columnar(path, scope)
    return within(load_csv(path, progress), scope)
