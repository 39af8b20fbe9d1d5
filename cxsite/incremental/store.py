"""The build cache beside the site: Markdown HTML by content, and the state each build leaves.

It lives in `.cxsite-cache/` (git-ignored, safe to delete) and is written only
there. Markdown HTML is keyed by a digest of its text, file and settings, never
by modification times, so copies and checkouts keep it valid. Derived images
live in its `images/` folder (imagestore.py), which outlives a change of cxsite
as long as the code that makes images is the same. The build state
(state.py: each source's check, each output's record) is kept per output
folder, trusted only by the same cxsite code and configuration; anything else
makes a clean build.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from cxsite import __version__
from cxsite.content.markdown import Rendered
from cxsite.content.reader import SourceEntry
from cxsite.content.sources import Parsed
from cxsite.incremental.imagestore import IMAGES_DIR, ImageStore
from cxsite.incremental.memory import CachedMemos
from cxsite.incremental.state import JobRecord, OutputFile, PageRecord, State

CACHE_DIR = ".cxsite-cache"
FORMAT = 4
PACKAGE = Path(__file__).resolve().parent.parent


def code_stamp() -> str:
    """Name this cxsite: its version and a digest of all its code (a changed cxsite trusts no cache)."""
    code = hashlib.blake2b(digest_size=8)
    for path in sorted(PACKAGE.rglob("*.py")):
        code.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0")
        code.update(path.read_bytes())
    return f"cxsite {__version__} ({code.hexdigest()}) cache format {FORMAT}\n"


class StoredPositions(Mapping):
    """Where each key of a source item is written, kept pickled until a problem needs a position.

    Read back from the state for ten thousand items on every build, these maps
    were a third of the cost of reading it.
    """

    __slots__ = ("_blob", "_map")

    def __init__(self, blob: bytes):
        self._blob = blob
        self._map: dict | None = None

    @property
    def blob(self) -> bytes:
        """The pickled map, as the store keeps it."""
        return self._blob

    def _positions(self) -> dict:
        """The map itself, unpickled on first use."""
        if self._map is None:
            self._map = pickle.loads(self._blob)
        return self._map

    def __getitem__(self, key):
        return self._positions()[key]

    def __iter__(self):
        return iter(self._positions())

    def __len__(self) -> int:
        return len(self._positions())

    def __eq__(self, other) -> bool:
        if isinstance(other, StoredPositions):
            return self._blob == other._blob
        return isinstance(other, Mapping) and dict(self) == dict(other)

    __hash__ = None  # a mapping


class Cache:
    """The cache folder of one site; open it once per build (or preview session).

    One SQLite database holds Markdown HTML with its metadata, and per output
    folder ("scope") each source's check, each page's and each output job's
    record, one row each, so an edit rewrites a few rows instead of the whole state.
    It is a Mapping of Markdown keys to HTML for the Site (Site.html), read on demand.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        stamp, expected = folder / "VERSION", code_stamp()
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
        self._keytables: dict[str, list] = {}  # scope -> its key table as last read or written
        self.html = HtmlStore(self)
        self.derived = DerivedStore(self)
        # Kept across cxsite versions: it checks its own stamp (the imaging code and Pillow).
        self.images = ImageStore(folder / IMAGES_DIR)

    @property
    def markdown(self) -> dict[str, Rendered]:
        """What converting each stored Markdown text gave (its HTML stays in the database)."""
        if self._markdown is None:
            rows = self._connection().execute("SELECT key, meta FROM html")
            self._markdown = {key: Rendered(key, "", *pickle.loads(meta)) for key, meta in rows}
        return self._markdown

    def _connection(self) -> sqlite3.Connection:
        """Return this process's and thread's connection (a forked worker, the preview's watcher
        thread, each opens its own: SQLite connections may not cross them)."""
        if self._db is None or self._pid != (os.getpid(), threading.get_ident()):
            self._db = sqlite3.connect(self._db_path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # a lost cache costs a rebuild, nothing more
            self._db.execute("PRAGMA busy_timeout=30000")  # forked workers write batches side by side
            for table in _TABLES:
                self._db.execute(table)
            self._pid = (os.getpid(), threading.get_ident())
        return self._db

    def stored_slugs(self, rules: str) -> StoredSlugs:
        """The heading slugs spelt under `rules` in earlier builds (see headings.SlugCache)."""
        return StoredSlugs(self, rules)

    def get_html(self, key: str) -> str:
        """Return the HTML stored under a Markdown key."""
        row = self._connection().execute("SELECT html FROM html WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return row[0]

    def put_many(self, items, derived=()) -> None:
        """Store (Rendered with its HTML) of converted Markdown, and (derivation, key, value) made of it."""
        rows = [(r.key, pickle.dumps((r.text_summary, r.chars, r.links, r.toc), protocol=5), r.html)
                for r in items]
        db = self._connection()
        db.execute("BEGIN")
        db.executemany("INSERT OR REPLACE INTO html VALUES (?, ?, ?)", rows)
        db.executemany("INSERT OR REPLACE INTO derived VALUES (?, ?, ?)",
                       ((name, key, pickle.dumps(value, protocol=5)) for name, key, value in derived))
        db.execute("COMMIT")
        self.markdown.update((r.key, replace(r, html="")) for r in items)

    def get_derived(self, name: str, key: str):
        """Return what a derivation made of the HTML under a Markdown key (KeyError: not kept)."""
        row = self._connection().execute("SELECT value FROM derived WHERE name = ? AND key = ?",
                                         (name, key)).fetchone()
        if row is None:
            raise KeyError((name, key))
        return pickle.loads(row[0])

    def get_derived_many(self, name: str, keys) -> dict[str, object]:
        """What a derivation made of the HTML under each of these keys (those kept)."""
        keys, found, db = list(dict.fromkeys(keys)), {}, self._connection()
        for start in range(0, len(keys), 500):  # SQLite's limit on bound values is 999 in old versions
            part = keys[start:start + 500]
            marks = ",".join("?" * len(part))
            query = f"SELECT key, value FROM derived WHERE name = ? AND key IN ({marks})"
            rows = db.execute(query, (name, *part))
            found.update((key, pickle.loads(value)) for key, value in rows)
        return found

    def derived_keys(self) -> list[tuple[str, str]]:
        """Every (derivation, Markdown key) kept."""
        return self._connection().execute("SELECT name, key FROM derived").fetchall()

    def memos(self, out: Path) -> CachedMemos:
        """The values output jobs remember for an output folder (memory.MemoStore)."""
        return CachedMemos(self, _scope(out))

    def load_memo(self, scope: str, digest: bytes) -> bytes | None:
        """The bytes of a value a job remembered for an output folder (None when gone)."""
        row = self._connection().execute("SELECT blob FROM memos WHERE scope = ? AND digest = ?",
                                         (scope, digest)).fetchone()
        return None if row is None else row[0]

    def save_memos(self, scope: str, blobs: Mapping[bytes, bytes]) -> None:
        """Keep values jobs remember; those no record names are dropped when a build's state is saved."""
        db = self._connection()
        db.execute("BEGIN")
        db.executemany("INSERT OR IGNORE INTO memos VALUES (?, ?, ?)",
                       ((scope, digest, blob) for digest, blob in blobs.items()))
        db.execute("COMMIT")

    def forget_except(self, keys: set[str]) -> None:
        """Drop HTML no source uses any more, once it is a third of the store."""
        unused = self.markdown.keys() - keys
        if len(unused) * 3 < len(self.markdown) or not unused:
            return
        db = self._connection()
        db.execute("BEGIN")
        db.executemany("DELETE FROM html WHERE key = ?", ((k,) for k in unused))
        db.executemany("DELETE FROM derived WHERE key = ?", ((k,) for k in unused))
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
        changed); with_rows() adds each source's check and each output's record.
        """
        db, scope = self._connection(), _scope(out)
        row = db.execute("SELECT settings, rest FROM states WHERE scope = ?", (scope,)).fetchone()
        if row is None or row[0] != settings:
            return State(settings)
        try:
            slugs, templates, scan, horizon, summary, files, generation = pickle.loads(row[1])
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            return State(settings)
        state = State(settings=settings, slugs=slugs, templates=templates, scan=scan, horizon=horizon,
                      summary=summary, files=files, generation=generation)
        return self.with_rows(out, state) if rows else state

    def with_rows(self, out: Path, state: State) -> State:
        """The state with its sources' checks and outputs' records read in."""
        if not state.complete:
            return state
        db, scope = self._connection(), _scope(out)
        try:
            keys = self._keytable(scope).__getitem__
            sources = {path: _entry(pickle.loads(blob)) for path, blob in
                       db.execute("SELECT path, entry FROM sources WHERE scope = ?", (scope,))}
            pages = {}
            for path, blob in db.execute("SELECT path, record FROM outputs WHERE scope = ?", (scope,)):
                digest, size, inputs, indexes = pickle.loads(blob)
                pages[path] = PageRecord(digest, size, inputs, tuple(map(keys, indexes)))
            jobs = {key: _job(pickle.loads(blob)) for key, blob in
                    db.execute("SELECT key, record FROM jobs WHERE scope = ?", (scope,))}
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError,
                IndexError):
            return State(state.settings)
        return replace(state, sources=sources, pages=pages, jobs=jobs)

    def _keytable(self, scope: str) -> list:
        """The dependency keys of a scope's page records, which store indexes into it (a copy to extend)."""
        if scope not in self._keytables:  # with_rows read it: a build saving its state need not again
            db = self._connection()
            row = db.execute("SELECT keys FROM keytables WHERE scope = ?", (scope,)).fetchone()
            self._keytables[scope] = pickle.loads(row[0]) if row else []
        return list(self._keytables[scope])

    def save_state(self, out: Path, state: State, previous: State) -> None:
        """Keep the state for the next build, writing only the rows that changed."""
        db, scope = self._connection(), _scope(out)
        fresh = previous.settings != state.settings or not previous.pages
        keytable = [] if fresh else self._keytable(scope)
        kept = len(keytable)
        pages = _pack_pages(state.pages, {} if fresh else previous.pages, keytable)
        # Counting the keys the pages read touches every record: done only when the table grew (keys are
        # only ever appended); keys a build that added none left unread are counted by the next that adds one.
        grown = len(keytable) > kept
        if grown and len(keytable) > 2 * len({k for r in state.pages.values() for k in r.deps}) + 1000:
            fresh, keytable = True, []  # mostly keys no page reads any more: start the table again
            pages = _pack_pages(state.pages, {}, keytable)
        db.execute("BEGIN")
        if fresh:
            for table in ("sources", "outputs", "jobs"):
                db.execute(f"DELETE FROM {table} WHERE scope = ?", (scope,))
        for table, column, now, before, pack in (
                ("sources", "path, entry", state.sources, {} if fresh else previous.sources, _pack_entry),
                ("outputs", "path, record", state.pages, {} if fresh else previous.pages, None),
                ("jobs", "key, record", state.jobs, {} if fresh else previous.jobs, _pack_job)):
            if pack is None:
                changed = [(scope, name, pickle.dumps(packed, protocol=5)) for name, packed in pages]
            else:
                changed = [(scope, name, pickle.dumps(pack(value), protocol=5))
                           for name, value in now.items() if before.get(name) is not value]
            db.executemany(f"INSERT OR REPLACE INTO {table} (scope, {column}) VALUES (?, ?, ?)", changed)
            key_column = column.split(",")[0]
            db.executemany(f"DELETE FROM {table} WHERE scope = ? AND {key_column} = ?",
                           ((scope, name) for name in before.keys() - now.keys()))
        rest = (dict(state.slugs), dict(state.templates), dict(state.scan), state.horizon, state.summary,
                dict(state.files), state.generation)
        db.execute("INSERT OR REPLACE INTO states VALUES (?, ?, ?)",
                   (scope, state.settings, pickle.dumps(rest, protocol=5)))
        if fresh or grown:  # an unchanged table is not written again
            db.execute("INSERT OR REPLACE INTO keytables VALUES (?, ?)",
                       (scope, pickle.dumps(keytable, protocol=5)))
        remembered = {d for record in state.jobs.values() for d in record.memory.values()}
        stale = [(scope, d) for (d,) in db.execute("SELECT digest FROM memos WHERE scope = ?", (scope,))
                 if d not in remembered]
        db.executemany("DELETE FROM memos WHERE scope = ? AND digest = ?", stale)
        db.execute("COMMIT")
        self._keytables[scope] = keytable


def _pack_pages(pages: Mapping[str, PageRecord], before: Mapping[str, PageRecord], keytable: list) -> list:
    """(path, packed record) of the page records not in `before`, their dependency keys as indexes into
    the key table (new keys appended to it)."""
    index = {key: i for i, key in enumerate(keytable)}

    def pack_page(record: PageRecord) -> tuple:
        indexes = []
        for key in record.deps:
            if key not in index:
                index[key] = len(keytable)
                keytable.append(key)
            indexes.append(index[key])
        return record.digest, record.size, record.inputs, tuple(indexes)

    return [(path, pack_page(record)) for path, record in pages.items() if before.get(path) is not record]


class DerivedStore(Mapping):
    """(derivation, Markdown key) -> what the derivation made of its HTML, read on demand (Site.derived)."""

    def __init__(self, cache: Cache):
        self._cache = cache

    def __getitem__(self, name_key: tuple[str, str]):
        return self._cache.get_derived(*name_key)

    def many(self, name: str, keys) -> dict[str, object]:
        """What a derivation made of each of these keys' HTML (those kept), in one pass."""
        return self._cache.get_derived_many(name, keys)

    def __iter__(self):
        return iter(self._cache.derived_keys())

    def __len__(self) -> int:
        return len(self._cache.derived_keys())


class StoredSlugs:
    """Heading text -> slug, as spelt under one version of the rules (pypinyin's), kept in the cache.

    Lookups read the database; new slugs are written by flush(), in batches.
    """

    def __init__(self, cache: Cache, rules: str):
        self._cache, self._rules = cache, rules
        self._new: dict[str, str] = {}

    def get(self, text: str) -> str | None:
        """The stored slug of a text, if any."""
        if text in self._new:
            return self._new[text]
        row = self._cache._connection().execute(
            "SELECT slug FROM slugs WHERE rules = ? AND text = ?", (self._rules, text)).fetchone()
        return row[0] if row else None

    def __setitem__(self, text: str, slug: str) -> None:
        self._new[text] = slug

    def flush(self) -> None:
        """Write the slugs spelt since the last flush."""
        if self._new:
            db = self._cache._connection()
            db.execute("BEGIN")
            db.executemany("INSERT OR REPLACE INTO slugs VALUES (?, ?, ?)",
                           ((self._rules, text, slug) for text, slug in self._new.items()))
            db.execute("COMMIT")
            self._new = {}


class HtmlStore(Mapping):
    """Markdown key -> HTML, read from the cache on demand (what Site.html reads)."""

    def __init__(self, cache: Cache):
        self._cache = cache

    def __getitem__(self, key: str) -> str:
        return self._cache.get_html(key)

    def __contains__(self, key) -> bool:
        return key in self._cache.markdown

    def __iter__(self):
        return iter(self._cache.markdown)

    def __len__(self) -> int:
        return len(self._cache.markdown)


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
    "CREATE TABLE IF NOT EXISTS jobs (scope TEXT, key TEXT, record BLOB, PRIMARY KEY (scope, key))",
    "CREATE TABLE IF NOT EXISTS states (scope TEXT PRIMARY KEY, settings BLOB, rest BLOB)",
    "CREATE TABLE IF NOT EXISTS keytables (scope TEXT PRIMARY KEY, keys BLOB)",
    "CREATE TABLE IF NOT EXISTS derived (name TEXT, key TEXT, value BLOB, PRIMARY KEY (name, key))",
    "CREATE TABLE IF NOT EXISTS memos (scope TEXT, digest BLOB, blob BLOB, PRIMARY KEY (scope, digest))",
    "CREATE TABLE IF NOT EXISTS slugs (rules TEXT, text TEXT, slug TEXT, PRIMARY KEY (rules, text))",
)


def _scope(out: Path) -> str:
    """Name an output folder in the cache."""
    return hashlib.blake2b(str(out.resolve()).encode(), digest_size=8).hexdigest()


# Rows are pickled as plain tuples: unpickling dataclass instances costs several times more.
def _pack_entry(entry: SourceEntry) -> tuple:
    """A source's remembered check as tuples (the rare unbuilt items stay objects)."""
    items = [(i.kind, i.path, i.values, _positions_blob(i.lines), i.markdown) if type(i) is Parsed else i
             for i in entry.items]
    return entry.stamp, entry.digest, items, entry.problems


def _positions_blob(lines) -> bytes:
    """The pickled positions of an item, as kept (without unpickling what was read back)."""
    return lines.blob if isinstance(lines, StoredPositions) else pickle.dumps(dict(lines), protocol=5)


def _entry(packed: tuple) -> SourceEntry:
    """The SourceEntry of a packed tuple."""
    stamp, digest, items, problems = packed
    return SourceEntry(stamp, digest, [_parsed(i) for i in items], problems)


def _parsed(item):
    """A Parsed from its packed tuple (the rare unbuilt items are stored as they are)."""
    if type(item) is not tuple:
        return item
    kind, path, values, lines, markdown = item
    return Parsed(kind, path, values, StoredPositions(lines), markdown)


def _pack_job(record: JobRecord) -> tuple:
    """A job's record as tuples."""
    return record.inputs, tuple((f.path, f.digest, f.size) for f in record.files), dict(record.memory)


def _job(packed: tuple) -> JobRecord:
    """The JobRecord of a packed tuple."""
    inputs, files, memory = packed
    return JobRecord(inputs, tuple(OutputFile(*f) for f in files), memory)
