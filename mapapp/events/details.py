"""The details of a large event set (one JSON array per event) kept in an unlinked temporary file, not in memory.

A million events' details are ~300 MB of JSON: as Python strings they would be most of a 400 MB budget, and a
10,000,000-row file's would not fit in 2 GB at all. :class:`DiskDetails` is a read-only sequence of those strings
(what :attr:`EventSet.details` is used as: an index, a slice, iteration, a length); each is read back with
``os.pread`` when asked for (the page cache holds the file, outside the process's own memory), and the file goes
when the last event set using it does. :class:`WriteBehind` writes a batch's details from a thread while the
next batch is checked.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO, Any, overload

import numpy as np


class DetailsFile:
    """An append-only file of UTF-8 strings and where each starts; deleted when closed or collected."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile(prefix="mapapp-details-")  # noqa: SIM115  (unlinked at once; closed with this object)
        self.size = 0

    def append(self, data: Any) -> int:
        """Write bytes (or a buffer) at the end; returns where they start."""
        start = self.size
        view = memoryview(data)
        self.file.write(view)
        self.size += view.nbytes
        return start

    def flush(self) -> None:
        self.file.flush()

    def close(self) -> None:
        self.file.close()

    def __del__(self) -> None:  # the last event set using it is gone: so is the file
        self.file.close()

    def read(self, start: int, length: int) -> str:
        return os.pread(self.file.fileno(), length, start).decode("utf-8")


class DiskDetails(Sequence[str]):
    """Event ``i``'s details are ``length[i]`` bytes at ``start[i]`` of a :class:`DetailsFile`."""

    def __init__(self, store: DetailsFile, start: np.ndarray, length: np.ndarray):
        store.flush()
        self.store, self.start, self.length = store, start, length

    def __len__(self) -> int:
        return len(self.start)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self.store.read(int(s), int(n)) for s, n in zip(self.start[index], self.length[index], strict=True)]
        return self.store.read(int(self.start[index]), int(self.length[index]))

    def __iter__(self) -> Iterator[str]:
        for begin in range(0, len(self), 4096):
            yield from self[begin : begin + 4096]

    def take(self, index: np.ndarray) -> DiskDetails:
        """The details of the events at ``index``, sharing the file (no string is read)."""
        return DiskDetails(self.store, self.start[index], self.length[index])


class WriteBehind:
    """Appends to a :class:`DetailsFile` from a thread, one write behind the caller (a write lets go of the GIL,
    so the next batch is checked meanwhile); the offset each append will have is known at once."""

    def __init__(self, store: DetailsFile):
        self.store = store
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="mapapp-details")
        self.pending: Future[int] | None = None

    def append(self, data: Any) -> int:
        self.wait()  # at most one batch's details held for writing
        start = self.store.size
        self.pending = self.pool.submit(self.store.append, data)  # the buffer stays alive with the task
        return start

    def wait(self) -> None:
        if self.pending is not None:
            self.pending.result()
            self.pending = None

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self.pool.shutdown(wait=True)
