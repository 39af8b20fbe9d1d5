"""The build cache beside the site: Markdown HTML by content, and what each output was made from.

It lives in `.cxsite-cache/` (git-ignored, safe to delete) and is written only
there. Markdown HTML is keyed by a digest of its text, file and raw-HTML policy,
never by modification times, so copies and checkouts keep it valid. The build
state (each source's parse, each output's fingerprint) is one pickle per output
folder, trusted only by the same cxsite version and configuration; anything
else makes a clean build.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from cxsite import __version__

CACHE_DIR = ".cxsite-cache"
FORMAT = 1
_STAMP = f"cxsite {__version__} cache format {FORMAT}\n"


@dataclass(frozen=True)
class OutputRecord:
    """What one output file was made from, to tell next time whether it must be made again."""

    digest: bytes  # of the bytes written
    size: int
    inputs: bytes | None = None  # page, template and dependency digests combined (pages only)
    deps: tuple = ()  # dependency keys the page read (see deps.Recorder)


@dataclass(frozen=True)
class State:
    """Everything a build leaves for the next one."""

    settings: bytes = b""  # digest of configuration and build flags it was made with
    parsed: dict = field(default_factory=dict)  # source path -> (digest, items, problems)
    markdown: dict = field(default_factory=dict)  # markdown key -> (summary, chars, links)
    outputs: dict = field(default_factory=dict)  # output path -> OutputRecord
    slugs: dict = field(default_factory=dict)  # tag or category name -> slug made for it
    templates: dict = field(default_factory=dict)  # template source digest -> names it refers to
    scan: dict = field(default_factory=dict)  # input file -> (size, mtime, ctime, inode)
    horizon: object = None  # when time alone would change the site (None: any moment)
    result: object = None  # the summary of that build, to repeat when nothing changed
    files: dict = field(default_factory=dict)  # every output file -> its size


class Cache:
    """The cache folder of one site; open it once per build (or preview session)."""

    def __init__(self, folder: Path):
        self.folder = folder
        stamp = folder / "VERSION"
        if folder.exists() and (not stamp.is_file() or stamp.read_text(encoding="utf-8") != _STAMP):
            shutil.rmtree(folder, ignore_errors=True)  # another version's cache: never trusted
        folder.mkdir(parents=True, exist_ok=True)
        if not stamp.is_file():
            stamp.write_text(_STAMP, encoding="utf-8")
        (folder / ".gitignore").write_text("*\n", encoding="utf-8")
        self._db_path = folder / "html.sqlite"
        self._db = None
        self._pid = None
        self.html_keys = {row[0] for row in self._connection().execute("SELECT key FROM html")}

    def _connection(self) -> sqlite3.Connection:
        """Return this process's connection (a forked worker opens its own)."""
        if self._db is None or self._pid != os.getpid():
            self._db = sqlite3.connect(self._db_path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS html (key TEXT PRIMARY KEY, html TEXT)")
            self._pid = os.getpid()
        return self._db

    def get(self, key: str) -> str:
        """Return the HTML stored under a Markdown key."""
        row = self._connection().execute("SELECT html FROM html WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return row[0]

    def put_many(self, items) -> None:
        """Store (key, html) pairs."""
        items = list(items)
        db = self._connection()
        db.execute("BEGIN")
        db.executemany("INSERT OR REPLACE INTO html VALUES (?, ?)", items)
        db.execute("COMMIT")
        self.html_keys.update(key for key, _ in items)

    def forget_except(self, keys: set[str]) -> None:
        """Drop HTML no source uses any more, once it is a third of the store."""
        unused = self.html_keys - keys
        if len(unused) * 3 < len(self.html_keys) or not unused:
            return
        db = self._connection()
        db.execute("BEGIN")
        db.executemany("DELETE FROM html WHERE key = ?", ((k,) for k in unused))
        db.execute("COMMIT")
        self.html_keys -= unused

    def _state_path(self, out: Path) -> Path:
        """Return the state file of one output folder."""
        name = hashlib.blake2b(str(out.resolve()).encode(), digest_size=8).hexdigest()
        return self.folder / f"state-{name}.pickle"

    def load_state(self, out: Path, settings: bytes) -> State:
        """Return the state the last build into out left, if made with the same settings."""
        try:
            with open(self._state_path(out), "rb") as handle:
                state = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            return State(settings)
        if not isinstance(state, State):
            return State(settings)
        if state.settings != settings:
            # Markdown HTML does not depend on settings; parses and outputs may.
            return State(settings, markdown=state.markdown)
        return state

    def save_state(self, out: Path, state: State) -> None:
        """Keep the state for the next build (atomically)."""
        path = self._state_path(out)
        temporary = path.with_suffix(".tmp")
        with open(temporary, "wb") as handle:
            pickle.dump(state, handle, protocol=5)
        os.replace(temporary, path)
