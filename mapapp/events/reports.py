"""Problem reports of event files, and the cache rule that prunes them with the published folders.

A report is a CSV of every bad row (row and line numbers, field, reason), bounded in size; reports and
published folders are pruned by the same rule: least recently used first, past a size cap, never one in use
(a grace period) and never the one just written.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from mapapp import settings


def default_reports_dir() -> Path:
    return settings.PRIVATE_CACHE_DIR / "event-reports"


def report_path_for(digest: str) -> Path:
    return default_reports_dir() / f"problems-{digest[:16]}.csv"


def evict_reports(reports_dir: Path | None = None, *, keep: Path | None = None, now: float | None = None) -> list[str]:
    """The problem reports, pruned by the same rule as :func:`evict_cache` to :data:`settings.EVENT_REPORTS_MAX_BYTES`."""
    files = []
    for report in Path(reports_dir or default_reports_dir()).glob("problems-*.csv"):
        stat = report.stat()
        files.append((stat.st_mtime, stat.st_size, report))
    return evict_lru(files, settings.EVENT_REPORTS_MAX_BYTES, keep, now)


def evict_lru(entries: list[tuple[float, int, Path]], cap: int, keep: Path | None, now: float | None) -> list[str]:
    """Least recently used first, until ``cap`` bytes; nothing used within the grace period, nor ``keep``."""
    now = time.time() if now is None else now
    total = sum(size for _t, size, _p in entries)
    removed = []
    for used, size, path in sorted(entries):
        if total <= cap:
            break
        if path == keep or now - used < settings.EVENT_CACHE_GRACE_S:
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        total -= size
        removed.append(path.name)
    return removed
