"""Where a build puts its files: the output folder (writer.py), or memory (the preview, `check`).

Every build goes the same way (build.py): pages and output jobs hand their
bytes to a sink; what did not change is only `keep`-ed. `stage` may run in a
forked worker process (pages are rendered there), so it returns an outcome the
parent then `note`s.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol


class Sink(Protocol):
    """What a build writes through."""

    def stage(self, path: str, data: bytes) -> object:
        """Take one file's bytes (possibly in a worker); return what note() needs."""

    def note(self, outcome: object) -> None:
        """Record (in the parent) what stage() did."""

    def keep(self, path: str) -> None:
        """Keep a file of the previous build as it is."""

    def holds(self, path: str, size: int) -> bool:
        """Whether the previous build's file at path is still there with this size."""

    def copy(self, path: str, source: str) -> None:
        """Take a static file, copied from source."""


class MemorySink:
    """A site built in memory: {path: bytes}; files kept come from the previous build's."""

    def __init__(self, previous: Mapping[str, bytes] | None = None, *, read_static: bool = True):
        self.previous = previous or {}
        self.read_static = read_static  # False: static files are listed, not read (`cxsite check`)
        self.files: dict[str, bytes] = {}

    def stage(self, path: str, data: bytes) -> tuple[str, bytes]:
        """Hand the bytes back to the parent (a forked worker cannot fill the parent's dict)."""
        return path, data

    def note(self, outcome: tuple[str, bytes]) -> None:
        """Keep one file."""
        path, data = outcome
        self.files[path] = data

    def keep(self, path: str) -> None:
        """Keep the previous build's file."""
        self.files[path] = self.previous[path]

    def holds(self, path: str, size: int) -> bool:
        """Whether the previous build had this file with this size."""
        data = self.previous.get(path)
        return data is not None and len(data) == size

    def copy(self, path: str, source: str) -> None:
        """Read a static file into memory."""
        if self.read_static:
            self.files[path] = Path(source).read_bytes()
