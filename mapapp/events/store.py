"""Publishing checked events for the map, and the cache of published folders and problem reports.

An analyst's export can hold 100,000 rows. Embedding them in the folium map
would re-send them on every Streamlit rerun, so they never enter the map's
JavaScript: :func:`publish` writes them once, under a name made from the
file's content hash, as static files the map's own script fetches (and the
browser caches):

- ``points.bin``: what drawing needs, as little-endian typed arrays
  (Float32 lon[n], Float32 lat[n], Int32 day[n], Uint8 type[n]), sorted by day so a
  date window is an index range;
- ``manifest.json``: counts, type names and colours, where the other files are;
- ``details-NNNN.json``: every column of :data:`settings.EVENT_COLUMNS` (and the
  optional ones present), :data:`settings.EVENT_DETAILS_CHUNK` events per file,
  fetched only when an event is clicked.

Rows that cannot be drawn (missing or out-of-range coordinates, bad dates) are
not drawn and are reported with their row and line numbers; so are smaller
faults (a negative fatality count, an unknown precision code) in rows that are
still drawn. Nothing is dropped silently.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from mapapp import settings
from mapapp.events.dataset import (
    EventSet,
    PublishedEvents,
    Scope,
    refusal,
    within,
)
from mapapp.events.fast import load_csv_fast
from mapapp.events.reports import evict_lru
from mapapp.events.rows import Progress, read_events
from mapapp.events.sources import load_events
from mapapp.story.validate import GeoDataError

# --- publishing for the map ----------------------------------------------------------


def publish(
    events: EventSet, cache_dir: Path = settings.CACHE_DIR, cache_url: str = settings.CACHE_URL, *, private: bool = False
) -> PublishedEvents:
    """Write the static files the map fetches (once per content hash) and say where they are.

    ``private`` (an upload): the folder's name is 128 random bits, not derived from the content, so nobody
    can ask for it without the page that shows it; each such folder is removed by :func:`evict_cache`
    once no session has used it for :data:`settings.EVENT_CACHE_GRACE_S`. (Streamlit's static route sends
    ``Access-Control-Allow-Origin: *`` with every file: the name is the only lock. See the README.)
    """
    name = f"{events.key}-{secrets.token_hex(16)}" if private else events.key
    folder = Path(cache_dir) / f"events-{name}"
    chunk = settings.EVENT_DETAILS_CHUNK
    colours = tuple(settings.EVENT_TYPE_COLOURS.get(t, settings.EVENT_OTHER_COLOUR) for t in events.types)
    published = PublishedEvents(
        key=events.key,
        count=len(events),
        points_url=f"{cache_url}/events-{name}/points.bin",
        details_url=f"{cache_url}/events-{name}/details-",
        chunk=chunk,
        fields=events.columns,
        types=events.types,
        colours=colours,
        first_day=int(events.day[0]) if len(events) else 0,
        last_day=int(events.day[-1]) if len(events) else 0,
        name=events.name,
        rows=events.rows,
        problems=tuple(events.problems),
        manifest_url=f"{cache_url}/events-{name}/manifest.json",
        problem_counts=tuple(sorted(events.problem_counts.items())),
        report=events.report,
        report_omitted=events.report_omitted,
        outside_scope=events.outside_scope,
        scope_text=events.scope_text,
    )
    if not (folder / "manifest.json").is_file():
        _write_folder(folder, events, chunk, published.manifest())
        evict_cache(Path(cache_dir), keep=folder)
    touch(published, Path(cache_dir))
    return published


def _folder_of(published: PublishedEvents, cache_dir: Path) -> Path:
    return Path(cache_dir) / Path(published.manifest_url).parent.name


def touch(published: PublishedEvents, cache_dir: Path = settings.CACHE_DIR) -> None:
    """Mark a dataset as in use (its folder's time): the app calls this on every run that draws it."""
    with contextlib.suppress(OSError):  # not there: never published here, or removed by hand
        os.utime(_folder_of(published, cache_dir))
    if published.report is not None:  # its problem report is in use too (evict_reports)
        with contextlib.suppress(OSError):
            os.utime(published.report)


def evict_cache(cache_dir: Path = settings.CACHE_DIR, *, keep: Path | None = None, now: float | None = None) -> list[str]:
    """Remove the least recently used event folders until the cache is within :data:`settings.EVENT_CACHE_MAX_BYTES`.

    A folder used by any session within :data:`settings.EVENT_CACHE_GRACE_S` (and ``keep``) is never removed,
    so the cache may stay above its cap while many datasets are in use. Returns the names removed."""
    folders = []
    for folder in Path(cache_dir).glob("events-*"):
        if folder.is_dir():
            size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
            folders.append((folder.stat().st_mtime, size, folder))
    return evict_lru(folders, settings.EVENT_CACHE_MAX_BYTES, keep, now)


def points_bytes(events: EventSet) -> bytes:
    """The drawing arrays, little-endian: Float32 lon, Float32 lat, Int32 day, Uint8 type."""
    return (
        events.lon.astype("<f4").tobytes()
        + events.lat.astype("<f4").tobytes()
        + events.day.astype("<i4").tobytes()
        + events.type_code.astype("u1").tobytes()
    )


def details_chunks(events: EventSet, chunk: int = settings.EVENT_DETAILS_CHUNK) -> Iterator[tuple[int, str]]:
    """(file number, JSON text) per chunk of events, in date order."""
    for start in range(0, len(events), chunk):
        yield start // chunk, "[" + ",".join(events.details[start : start + chunk]) + "]"


def _write_folder(folder: Path, events: EventSet, chunk: int, manifest: dict) -> None:
    """Write into a temporary folder, then rename it: a reader never sees half a dataset."""
    refused = refusal(events)
    if refused is not None:
        raise refused
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".tmp-"))
    for number, text in details_chunks(events, chunk):
        (tmp / f"details-{number:04d}.json").write_text(text, encoding="utf-8")
    (tmp / "points.bin").write_bytes(points_bytes(events))
    (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    if folder.is_dir() and not (folder / "manifest.json").is_file():
        shutil.rmtree(folder, ignore_errors=True)  # left half-written by a crash: replace it
    try:
        os.replace(tmp, folder)
    except OSError:  # another session published the same content first
        shutil.rmtree(tmp, ignore_errors=True)


def publish_or_error(
    source: Path | bytes, name: str | None = None, scope: Scope | None = None, progress: Progress | None = None
) -> PublishedEvents | GeoDataError:
    """Read and publish a file; a file-level fault is returned, not raised (the app shows it).

    A file on the server's disk (``$MAPAPP_EVENTS``) is published under its content hash; an upload
    (bytes) under a random name that only the uploading session's page knows (see :func:`publish`)."""
    try:
        if isinstance(source, Path):
            return publish(load_events(source, scope, progress))
        return publish(within(_read_upload(source, name, progress), scope), private=True)
    except GeoDataError as exc:
        return exc
    finally:
        release_freed_memory()  # the rows read are garbage now: a long-running server gives their pages back


def _read_upload(data: bytes, name: str | None, progress: Progress | None) -> EventSet:
    """An upload's bytes, checked by the fast path through a private temporary copy (DuckDB reads files), else
    row by row from memory: the same rows, messages and report either way, under the upload's own name."""
    with tempfile.TemporaryDirectory(prefix="mapapp-upload-") as tmp:
        copy = Path(tmp) / "upload.csv"
        try:
            copy.write_bytes(data)
        except OSError:  # no room for a copy: memory will do, more slowly
            fast = None
        else:
            fast = load_csv_fast(copy, progress, name=name or "events.csv")
    return fast if fast is not None else read_events(data, name, progress)


def release_freed_memory() -> None:
    """Return the heap pages a large file's rows used to the system. glibc's malloc keeps freed memory for the
    process (a server held 467 MB after a 200 MB upload's page had closed, 179 MB before); ``malloc_trim``
    gives it back. A no-op where there is no glibc."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
