"""The build cache beside the site: Markdown HTML by content, and what each output was made from.

It lives in `.cxsite-cache/` (git-ignored, safe to delete) and is written only
there. Markdown HTML is keyed by a digest of its text, file and raw-HTML policy,
never by modification times, so copies and checkouts keep it valid. The build
state (each source's parse, each output's fingerprint) is kept per output
folder, trusted only by the same cxsite version and configuration; anything
else makes a clean build.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sqlite3
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from cxsite import __version__
from cxsite.loader import SourceEntry
from cxsite.model import Lines
from cxsite.sources import Parsed

CACHE_DIR = ".cxsite-cache"
FORMAT = 2


def _code_stamp() -> str:
    """Name this cxsite: its version and a digest of its code (a changed cxsite trusts no cache)."""
    code = hashlib.blake2b(digest_size=8)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        code.update(path.read_bytes())
    return f"cxsite {__version__} ({code.hexdigest()}) cache format {FORMAT}\n"


class OutputRecord(NamedTuple):
    """What one output file was made from, to tell next time whether it must be made again.

    A NamedTuple: thousands are read back every build, and tuples are cheap to make.
    """

    digest: bytes  # of the bytes written
    size: int
    inputs: bytes | None = None  # page, template and dependency digests combined (pages only)
    deps: tuple = ()  # dependency keys the page read (see deps.Recorder)


@dataclass(frozen=True)
class State:
    """Everything a build leaves for the next one."""

    settings: bytes = b""  # digest of configuration and build flags it was made with
    parsed: dict = field(default_factory=dict)  # source path -> (digest, items, problems)
    markdown: dict = field(default_factory=dict)  # this build's Markdown keys -> (summary, chars, links)
    outputs: dict = field(default_factory=dict)  # output path -> OutputRecord
    slugs: dict = field(default_factory=dict)  # tag or category name -> slug made for it
    templates: dict = field(default_factory=dict)  # template source digest -> names it refers to
    scan: dict = field(default_factory=dict)  # input file -> (size, mtime, ctime, inode)
    horizon: object = None  # when time alone would change the site (None: any moment)
    result: object = None  # the summary of that build, to repeat when nothing changed
    files: dict = field(default_factory=dict)  # every output file -> its size
    keytable: list = field(default_factory=list)  # dependency keys as stored: records keep indexes


class Cache:
    """The cache folder of one site; open it once per build (or preview session).

    One SQLite database holds Markdown HTML with its metadata, and per output
    folder ("scope") each source's parse and each output's record, one row each,
    so an edit rewrites a few rows instead of the whole state.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        stamp, expected = folder / "VERSION", _code_stamp()
        if folder.exists() and (not stamp.is_file() or stamp.read_text(encoding="utf-8") != expected):
            _forget(folder)  # another version's cache: never trusted
        folder.mkdir(parents=True, exist_ok=True)
        if not stamp.is_file():
            stamp.write_text(expected, encoding="utf-8")
        (folder / ".gitignore").write_text("*\n", encoding="utf-8")
        self._db_path = folder / "cache.sqlite"
        self._db = None
        self._pid = None
        self._markdown: dict | None = None

    @property
    def markdown(self) -> dict:
        """Metadata of stored Markdown by key: (summary, chars, links); read on first use."""
        if self._markdown is None:
            rows = self._connection().execute("SELECT key, meta FROM html")
            self._markdown = {key: pickle.loads(meta) for key, meta in rows}
        return self._markdown

    @property
    def html_keys(self):
        """The Markdown keys whose HTML is stored."""
        return self.markdown.keys()

    def _connection(self) -> sqlite3.Connection:
        """Return this process's connection (a forked worker opens its own)."""
        if self._db is None or self._pid != os.getpid():
            self._db = sqlite3.connect(self._db_path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # a lost cache costs a rebuild, nothing more
            self._db.execute("PRAGMA busy_timeout=30000")  # forked workers write batches side by side
            for table in _TABLES:
                self._db.execute(table)
            self._pid = os.getpid()
        return self._db

    def get(self, key: str) -> str:
        """Return the HTML stored under a Markdown key."""
        row = self._connection().execute("SELECT html FROM html WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return row[0]

    def put_many(self, items) -> None:
        """Store (key, metadata, html) triples of converted Markdown."""
        items = [(key, pickle.dumps(meta, protocol=5), html) for key, meta, html in items]
        db = self._connection()
        db.execute("BEGIN")
        db.executemany("INSERT OR REPLACE INTO html VALUES (?, ?, ?)", items)
        db.execute("COMMIT")
        self.markdown.update((key, pickle.loads(meta)) for key, meta, _ in items)

    def forget_except(self, keys: set[str]) -> None:
        """Drop HTML no source uses any more, once it is a third of the store."""
        unused = self.markdown.keys() - keys
        if len(unused) * 3 < len(self.markdown) or not unused:
            return
        db = self._connection()
        db.execute("BEGIN")
        db.executemany("DELETE FROM html WHERE key = ?", ((k,) for k in unused))
        db.execute("COMMIT")
        for key in unused:
            del self.markdown[key]

    def templates(self):
        """A Jinja2 bytecode cache in this folder: compiled templates kept between builds."""
        import jinja2  # only builds that render pages need it

        folder = self.folder / "templates"
        folder.mkdir(exist_ok=True)
        return jinja2.FileSystemBytecodeCache(str(folder))

    def load_state(self, out: Path, settings: bytes, rows: bool = True) -> State:
        """Return the state the last build into out left, if made with the same settings.

        With rows=False only the summary is read (enough to see that nothing
        changed); with_rows() adds each source's parse and each output's record.
        """
        db, scope = self._connection(), _scope(out)
        row = db.execute("SELECT settings, rest FROM states WHERE scope = ?", (scope,)).fetchone()
        if row is None or row[0] != settings:
            return State(settings)
        try:
            slugs, templates, scan, horizon, result, files, keytable = pickle.loads(row[1])
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            return State(settings)
        state = State(settings, {}, {}, {}, slugs, templates, scan, horizon, result, files, keytable)
        return self.with_rows(out, state) if rows else state

    def with_rows(self, out: Path, state: State) -> State:
        """The state with its sources' parses and outputs' records read in."""
        if state.result is None:
            return state
        db, scope = self._connection(), _scope(out)
        try:
            parsed = {path: _entry(pickle.loads(blob)) for path, blob in
                      db.execute("SELECT path, entry FROM sources WHERE scope = ?", (scope,))}
            keys = state.keytable.__getitem__
            outputs = {}
            for path, blob in db.execute("SELECT path, record FROM outputs WHERE scope = ?", (scope,)):
                digest, size, inputs, indexes = pickle.loads(blob)
                outputs[path] = OutputRecord(digest, size, inputs, tuple(map(keys, indexes)))
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError,
                IndexError):
            return State(state.settings)
        return replace(state, parsed=parsed, outputs=outputs)

    def save_state(self, out: Path, state: State, previous: State) -> None:
        """Keep the state for the next build, writing only the rows that changed."""
        db, scope = self._connection(), _scope(out)
        keytable = list(previous.keytable)
        fresh = (previous.settings != state.settings or not previous.outputs
                 or len(keytable) > 2 * len({k for r in state.outputs.values() for k in r.deps}) + 1000)
        if fresh:
            keytable = []
        index = {key: i for i, key in enumerate(keytable)}

        def pack_record(record: OutputRecord) -> tuple:
            """A record with its dependency keys as indexes into the key table."""
            indexes = []
            for key in record.deps:
                if key not in index:
                    index[key] = len(keytable)
                    keytable.append(key)
                indexes.append(index[key])
            return record.digest, record.size, record.inputs, tuple(indexes)

        db.execute("BEGIN")
        if fresh:
            db.execute("DELETE FROM sources WHERE scope = ?", (scope,))
            db.execute("DELETE FROM outputs WHERE scope = ?", (scope,))
        for table, column, now, before, pack in (
                ("sources", "entry", state.parsed, {} if fresh else previous.parsed, _pack_entry),
                ("outputs", "record", state.outputs, {} if fresh else previous.outputs, pack_record)):
            changed = [(scope, path, pickle.dumps(pack(value), protocol=5))
                       for path, value in now.items() if before.get(path) is not value]
            db.executemany(f"INSERT OR REPLACE INTO {table} (scope, path, {column}) VALUES (?, ?, ?)",
                           changed)
            db.executemany(f"DELETE FROM {table} WHERE scope = ? AND path = ?",
                           ((scope, path) for path in before.keys() - now.keys()))
        rest = (state.slugs, state.templates, state.scan, state.horizon, state.result, state.files, keytable)
        db.execute("INSERT OR REPLACE INTO states VALUES (?, ?, ?)",
                   (scope, state.settings, pickle.dumps(rest, protocol=5)))
        db.execute("COMMIT")


# Everything a Cache writes in its folder; only these are ever removed from it.
_OWN_FILES = ("VERSION", ".gitignore", "cache.sqlite", "cache.sqlite-wal", "cache.sqlite-shm",
              "cache.sqlite-journal")


def _forget(folder: Path) -> None:
    """Remove what a cache of any cxsite version wrote in folder, and nothing else."""
    for name in _OWN_FILES:
        (folder / name).unlink(missing_ok=True)
    templates = folder / "templates"  # Jinja2's bytecode cache names its files __jinja2_*.cache
    for compiled in templates.glob("__jinja2_*.cache") if templates.is_dir() else ():
        compiled.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        templates.rmdir()  # only when nothing else is left in it


_TABLES = (
    "CREATE TABLE IF NOT EXISTS html (key TEXT PRIMARY KEY, meta BLOB, html TEXT)",
    "CREATE TABLE IF NOT EXISTS sources (scope TEXT, path TEXT, entry BLOB, PRIMARY KEY (scope, path))",
    "CREATE TABLE IF NOT EXISTS outputs (scope TEXT, path TEXT, record BLOB, PRIMARY KEY (scope, path))",
    "CREATE TABLE IF NOT EXISTS states (scope TEXT PRIMARY KEY, settings BLOB, rest BLOB)",
)


def _scope(out: Path) -> str:
    """Name an output folder in the cache."""
    return hashlib.blake2b(str(out.resolve()).encode(), digest_size=8).hexdigest()


# Rows are pickled as plain tuples: unpickling dataclass instances costs several times more.
def _pack_entry(entry: SourceEntry) -> tuple:
    """A source's remembered parse as tuples (the rare unbuilt items stay objects)."""
    items = [(i.kind, i.path, i.values, i.lines.blob, i.markdown) if type(i) is Parsed else i
             for i in entry.items]
    return entry.stamp, entry.digest, items, entry.problems


def _entry(packed: tuple) -> SourceEntry:
    """The SourceEntry of a packed tuple."""
    stamp, digest, items, problems = packed
    return SourceEntry(stamp, digest, [_parsed(i) for i in items], problems)


def _parsed(item):
    """A Parsed from its packed tuple (the rare unbuilt items are stored as they are)."""
    if type(item) is not tuple:
        return item
    kind, path, values, lines, markdown = item
    return Parsed(kind, path, values, Lines(blob=lines), markdown)

