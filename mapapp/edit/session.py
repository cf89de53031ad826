"""A story folder opened for editing: every save validated, written whole, kept as a version, checked for conflicts.

- **Validated**: the changed files are written into a copy of the folder and loaded with :func:`mapapp.load_story`,
  the code ``mapapp validate`` runs; a change that would not load is refused with every problem, nothing written.
- **Written whole**: each file goes to a temporary name beside it, then replaces it (``os.replace``).
- **Versions**: each save is ``.mapapp-history/NNNNNN.json`` in the folder: the operation, its sentence, the
  files before and after. Undo writes the last version's "before"; redo its "after" (both validated too).
- **Conflicts**: the session remembers the folder's revision (a hash of its editable files). A save finds another
  revision on disk (another editor saved, or a text editor) and is refused: reload, then redo the change.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Protocol

from mapapp import settings
from mapapp.edit.operations import Documents
from mapapp.story.layers import KINDS
from mapapp.story.model import Story, load_story
from mapapp.story.validate import GeoDataError

HISTORY = ".mapapp-history"
# Sources first: a change that adds a source and cites it writes the source before the citation.
EDITABLE = (
    settings.SOURCES_FILE,
    settings.MANIFEST_FILE,
    settings.ARTICLE_META_FILE,
    *(kind.file for kind in KINDS.values() if kind.toggleable),
)


class Operation(Protocol):
    """A change to a folder's documents (see :mod:`mapapp.edit.operations`): the changed files and a sentence."""

    def apply(self, docs: Documents) -> tuple[Documents, str]: ...


class ConflictError(RuntimeError):
    """The folder changed on disk since this session read it."""


class EditSession:
    """One editor's view of a story folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise FileNotFoundError(f"{self.folder}: not a story folder")
        if not os.access(self.folder, os.W_OK):
            raise PermissionError(f"{self.folder}: cannot be written by this user; the editor would lose every change")
        self.reload()

    # --- reading ---------------------------------------------------------------------------------
    def _files(self) -> list[str]:
        return [name for name in EDITABLE if (self.folder / name).is_file()]

    def _revision(self) -> str:
        digest = hashlib.sha256()
        for name in self._files():
            digest.update(name.encode() + b"\0" + (self.folder / name).read_bytes() + b"\0")
        return digest.hexdigest()

    def reload(self) -> None:
        """Read the folder again (after a conflict, or another editor's save)."""
        self.docs: Documents = {name: json.loads((self.folder / name).read_text(encoding="utf-8")) for name in self._files()}
        self.revision = self._revision()

    def story(self) -> Story:
        return load_story(self.folder)

    # --- saving ----------------------------------------------------------------------------------
    def apply(self, operation: Operation) -> str:
        """Apply, validate, write and keep a version; returns the operation's sentence."""
        changed, summary = operation.apply(self.docs)
        self._save(changed, {"op": type(operation).__name__, "args": _plain(operation)}, summary)
        return summary

    def _save(self, changed: Documents, op: dict, summary: str) -> None:
        if self._revision() != self.revision:
            raise ConflictError(f"{self.folder} changed since you opened it (another editor saved)")
        self._validate(changed)
        before = {name: self.docs.get(name) for name in changed}  # None: the file did not exist (a new layer)
        self._put(changed)
        self.revision = self._revision()
        self._record({**op, "summary": summary, "time": time.time(), "before": before, "after": changed})

    def _validate(self, changed: Documents) -> None:
        with tempfile.TemporaryDirectory(prefix="mapapp-edit-") as tmp:
            copy = Path(tmp) / self.folder.name
            shutil.copytree(self.folder, copy, ignore=shutil.ignore_patterns(HISTORY))
            for name, doc in changed.items():
                if doc is None:
                    (copy / name).unlink(missing_ok=True)
                else:
                    (copy / name).write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
            load_story(copy)  # raises GeoDataError with every problem: nothing is written

    def _put(self, docs: Documents) -> None:
        """Write each document whole (None: remove the file, a layer an undone change had added)."""
        for name, doc in docs.items():  # in the operation's order: sources before what cites them
            if doc is None:
                (self.folder / name).unlink(missing_ok=True)
                self.docs.pop(name, None)
            else:
                _write_json(self.folder / name, doc)
                self.docs[name] = doc

    # --- history -----------------------------------------------------------------------------------
    def _history_dir(self) -> Path:
        return self.folder / HISTORY

    def history(self) -> list[dict]:
        """Every version, oldest first: ``{n, summary, time, undone}``."""
        entries = []
        for path in sorted(self._history_dir().glob("*.json")):
            entry = json.loads(path.read_text(encoding="utf-8"))
            entries.append(
                {"n": entry["n"], "summary": entry["summary"], "time": entry["time"], "undone": entry.get("undone", False)}
            )
        return entries

    def _record(self, entry: dict) -> None:
        folder = self._history_dir()
        folder.mkdir(exist_ok=True)
        for path in folder.glob("*.json"):  # a new change after undos: the undone versions can no longer be redone
            if json.loads(path.read_text(encoding="utf-8")).get("undone"):
                path.unlink()
        n = max((int(p.stem) for p in folder.glob("*.json")), default=0) + 1
        _write_json(folder / f"{n:06d}.json", {"n": n, **entry})

    def undo(self) -> str | None:
        """Undo the last change still in force; returns its sentence, or None when there is nothing to undo."""
        return self._step(undone=False)

    def redo(self) -> str | None:
        """Redo the earliest undone change; returns its sentence, or None."""
        return self._step(undone=True)

    def _step(self, *, undone: bool) -> str | None:
        paths = sorted(self._history_dir().glob("*.json"))
        entries = [(p, json.loads(p.read_text(encoding="utf-8"))) for p in paths]
        candidates = [(p, e) for p, e in entries if bool(e.get("undone")) == undone]
        if not candidates:
            return None
        path, entry = candidates[0] if undone else candidates[-1]
        target = entry["after"] if undone else entry["before"]
        if self._revision() != self.revision:
            raise ConflictError(f"{self.folder} changed since you opened it (another editor saved)")
        self._validate(target)
        self._put(target)
        self.revision = self._revision()
        entry["undone"] = not undone
        _write_json(path, entry)
        return ("redid " if undone else "undid ") + entry["summary"]


def _plain(operation: Any) -> dict:
    return dataclasses.asdict(operation) if dataclasses.is_dataclass(operation) and not isinstance(operation, type) else {}


def _write_json(path: Path, doc: Any) -> None:
    """Whole or not at all: a temporary file beside it, then a rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


__all__ = ["ConflictError", "EditSession", "GeoDataError"]
