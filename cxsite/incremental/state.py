"""The state a build leaves for the next one, as typed records.

A build reads it back (store.py) to skip what did not change: source files
whose bytes are the same (their checked items are reused), Markdown already
converted, pages whose inputs are the same, output jobs whose inputs are the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from cxsite.content.markdown import Rendered
from cxsite.content.reader import SourceEntry


@dataclass(frozen=True, slots=True)
class PageRecord:
    """What one page was made from, to tell next time whether it must be made again."""

    digest: bytes  # of the bytes written
    size: int
    inputs: bytes | None  # the page's own data, its template and what it read, combined (None: unknowable)
    deps: tuple  # the dependency keys it read (keys.py)


@dataclass(frozen=True, slots=True)
class OutputFile:
    """One file an output job wrote."""

    path: str
    digest: bytes
    size: int


@dataclass(frozen=True, slots=True)
class JobRecord:
    """What one output job was made from, the files it wrote and (jobs with memory) what it remembered."""

    inputs: bytes
    files: tuple[OutputFile, ...]
    memory: Mapping[str, bytes] = field(default_factory=dict)  # name -> digest of the value (memory.py)


@dataclass(frozen=True)
class Summary:
    """What a build did, repeated as it is by a build that finds nothing changed."""

    pages: int = 0
    written: int = 0
    unchanged: int = 0
    feeds: int = 0
    static: int = 0
    images: int = 0  # originals with web versions (all reused by a build that finds nothing changed)
    drafts: int = 0
    future: int = 0
    next_due: dt.datetime | None = None
    warnings: tuple = ()  # the problems (warnings) of that build, to report again


@dataclass(frozen=True)
class State:
    """Everything a build leaves for the next one into the same output folder."""

    settings: bytes = b""  # digest of configuration, build flags and code it was made with
    sources: Mapping[str, SourceEntry] = field(default_factory=dict)  # source path -> its check
    markdown: Mapping[str, Rendered] = field(default_factory=dict)  # this build's Markdown keys
    pages: Mapping[str, PageRecord] = field(default_factory=dict)  # output path -> record
    jobs: Mapping[str, JobRecord] = field(default_factory=dict)  # job key -> record
    slugs: Mapping[str, str] = field(default_factory=dict)  # tag or category name -> slug made for it
    templates: Mapping[bytes, tuple] = field(default_factory=dict)  # template source digest -> names it uses
    scan: Mapping[str, tuple] = field(default_factory=dict)  # input file -> (size, mtime, ctime, inode)
    horizon: dt.datetime | None = None  # when time alone would change the site (None: any moment)
    summary: Summary | None = None  # what that build did (None: no build to repeat)
    files: Mapping[str, int] = field(default_factory=dict)  # every output file -> its size
    generation: int = 0  # of the output folder this state describes (publish/writer.py)

    @property
    def complete(self) -> bool:
        """Whether this is the state of a finished build (not an empty or discarded one)."""
        return self.summary is not None
