"""Writing a whole folder at once: into a temporary folder beside it, renamed into place at the end."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class FolderExistsError(FileExistsError):
    """The target folder exists and replacing it was not asked for."""


@contextmanager
def new_folder(out: Path, *, force: bool = False) -> Iterator[Path]:
    """Yield an empty temporary folder; on success it becomes ``out``, on any error it is removed.

    Nothing is ever half-written: a reader sees the old folder or the new one. An existing
    ``out`` is kept unless ``force`` (a reviewer's edits are not lost by a second run).
    """
    out = Path(out)
    if out.exists() and not force:
        raise FolderExistsError(f"{out}: already exists; choose another folder or add --force to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    tmp.chmod(0o755)  # mkdtemp's 0700 would hide a published site from the web server's user
    try:
        yield tmp
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
