"""Writing a whole folder at once: into a temporary folder beside it, renamed into place at the end."""

from __future__ import annotations

import glob
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class FolderExistsError(FileExistsError):
    """The target folder exists and replacing it was not asked for."""


_WRITER = ".mapapp-writer"  # inside a temporary folder while it is written: the writing process's id


def _alive(pid_text: str) -> bool:
    try:
        os.kill(int(pid_text), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def remove_leftovers(out: Path) -> list[str]:
    """What a killed run left beside ``out``: its temporary folders (their writer is gone) are removed, and a
    folder set aside for replacement (``.NAME.old``) is put back when ``out`` itself never arrived."""
    out = Path(out)
    removed = []
    # Only names mkdtemp makes (".NAME-" and 8 random characters): a reader's own ".NAME-backup" is never touched.
    ours = re.compile(re.escape(f".{out.name}-") + r"[a-z0-9_]{8}")
    for stale in out.parent.glob(f".{glob.escape(out.name)}-*"):
        if not ours.fullmatch(stale.name):
            continue
        marker = stale / _WRITER
        writer = marker.read_text(encoding="utf-8") if marker.is_file() else ""
        if stale.is_dir() and not (writer and _alive(writer)):
            shutil.rmtree(stale, ignore_errors=True)
            removed.append(stale.name)
    old = out.with_name(f".{out.name}.old")
    if old.is_dir():
        if out.exists():
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old.name)
        else:
            old.rename(out)
    return removed


@contextmanager
def new_folder(out: Path, *, force: bool = False) -> Iterator[Path]:
    """Yield an empty temporary folder; on success it becomes ``out``, on any error it is removed.

    Nothing is ever half-written: a reader sees the old folder or the new one. An existing
    ``out`` is kept unless ``force`` (a reviewer's edits are not lost by a second run).
    """
    out = Path(out)
    if out.parent.is_dir():
        remove_leftovers(out)
    if out.exists() and not force:
        raise FolderExistsError(f"{out}: already exists; choose another folder or add --force to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    tmp.chmod(0o755)  # mkdtemp's 0700 would hide a published site from the web server's user
    (tmp / _WRITER).write_text(str(os.getpid()), encoding="utf-8")
    try:
        yield tmp
        (tmp / _WRITER).unlink(missing_ok=True)
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
