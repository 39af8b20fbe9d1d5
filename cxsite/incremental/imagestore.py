"""Derived images in the build cache: their files, and what each original and each derived set is.

`.cxsite-cache/images/` holds the thumbnails and large versions, named by
`image_key` (a digest of the original's bytes and of the image settings, Pillow
and its codecs) and their width, and `index.sqlite` with three tables: originals
(path on disk -> stamp, digest of its bytes, upright size), so an unchanged photo
is not even read; derived sets (key -> names and sizes of its files); and the
settings' fingerprint, so that finding what is made already imports no Pillow.

Unlike the rest of the cache, this folder outlives an upgrade of cxsite: making
a few hundred photos again costs minutes, and nothing but the imaging code and
Pillow shapes them. So it checks its own stamp, a digest of that code, and starts
afresh only when it changes. Only files it names itself are ever written or removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import re
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from cxsite.render.media.imagekeys import ImageSettings, fingerprint_label

IMAGES_DIR = "images"
FORMAT = 1  # of index.sqlite's tables
PACKAGE = Path(__file__).resolve().parent.parent
# What shapes a derived file.
IMAGING_CODE = ("render/media/imaging.py", "render/media/imagekeys.py", "render/media/svgsize.py")
# What imaging.DerivedImage names look like: nothing else is written or removed here.
DERIVED_NAME = re.compile(r"[0-9a-f]{16}(?:-[0-9]+)?\.(?:jpg|png|webp|svg)")
_OWN_FILES = ("VERSION", "index.sqlite", "index.sqlite-wal", "index.sqlite-shm", "index.sqlite-journal")
_TABLES = (
    "CREATE TABLE IF NOT EXISTS originals (path TEXT PRIMARY KEY, facts BLOB)",
    "CREATE TABLE IF NOT EXISTS derived (key TEXT PRIMARY KEY, meta BLOB)",
    "CREATE TABLE IF NOT EXISTS fingerprints (label TEXT PRIMARY KEY, fingerprint TEXT)",
)


def imaging_stamp() -> str:
    """Name the code that makes derived images: when it changes, none made before is trusted."""
    code = hashlib.blake2b(digest_size=8)
    for name in IMAGING_CODE:
        code.update(name.encode() + b"\0" + (PACKAGE / name).read_bytes())
    return f"cxsite images {code.hexdigest()} format {FORMAT}\n"


def derived_names(meta: tuple) -> set[str]:
    """The file names of a derived set, from its meta (width, height, thumbnail, large)."""
    return {meta[2][0], meta[3][0]}


class ImageStore(Mapping):
    """The images folder of a build cache; a Mapping of derived file names to their bytes (Site.derived_file).

    Forked workers store files side by side (put_files); the parent records
    originals and derived sets (put_originals, put_derived).
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self._db = None
        self._owner = None
        self._originals: dict | None = None
        self._derived: dict | None = None
        self._checked = False

    def _ready(self) -> None:
        """Make the folder, first forgetting what other imaging code made."""
        if self._checked:
            return
        stamp, expected = self.folder / "VERSION", imaging_stamp()
        if self.folder.is_dir() and (not stamp.is_file() or stamp.read_text(encoding="utf-8") != expected):
            self._forget_all()
        self.folder.mkdir(parents=True, exist_ok=True)
        if not stamp.is_file():
            stamp.write_text(expected, encoding="utf-8")
        self._checked = True

    def _forget_all(self) -> None:
        """Remove every file this store wrote, and nothing else."""
        for path in self.folder.iterdir():
            if path.name in _OWN_FILES or DERIVED_NAME.fullmatch(path.name) or path.name.endswith(".partial"):
                path.unlink(missing_ok=True)

    def _connection(self) -> sqlite3.Connection:
        """This process's and thread's connection to index.sqlite."""
        self._ready()
        if self._db is None or self._owner != (os.getpid(), threading.get_ident()):
            self._db = sqlite3.connect(self.folder / "index.sqlite", isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # a lost row costs making an image again
            self._db.execute("PRAGMA busy_timeout=30000")
            for table in _TABLES:
                self._db.execute(table)
            self._owner = (os.getpid(), threading.get_ident())
        return self._db

    def _write(self, sql: str, rows: Iterable[tuple]) -> None:
        """Run one statement for many rows in a transaction."""
        db = self._connection()
        db.execute("BEGIN")
        db.executemany(sql, rows)
        db.execute("COMMIT")

    def fingerprint(self, settings: ImageSettings) -> str:
        """settings.fingerprint(), remembered under its label: Pillow is not imported to find it again."""
        label = fingerprint_label(settings)
        row = self._connection().execute("SELECT fingerprint FROM fingerprints WHERE label = ?",
                                         (label,)).fetchone()
        if row is not None:
            return row[0]
        fingerprint = settings.fingerprint()
        self._write("INSERT OR REPLACE INTO fingerprints VALUES (?, ?)", [(label, fingerprint)])
        return fingerprint

    @property
    def originals(self) -> dict[str, tuple]:
        """What each original was last time: its path on disk -> (stamp, digest, width, height)."""
        if self._originals is None:
            rows = self._connection().execute("SELECT path, facts FROM originals")
            self._originals = {path: pickle.loads(facts) for path, facts in rows}
        return self._originals

    def put_originals(self, rows: Mapping[str, tuple]) -> None:
        """Remember what originals are: path -> (stamp, digest, width, height)."""
        if rows:
            self._write("INSERT OR REPLACE INTO originals VALUES (?, ?)",
                        ((path, pickle.dumps(facts, protocol=5)) for path, facts in rows.items()))
            self.originals.update(rows)

    @property
    def derived(self) -> dict[str, tuple]:
        """Each derived set: key -> (width, height, thumbnail, large), the last two (name, width, height)."""
        if self._derived is None:
            rows = self._connection().execute("SELECT key, meta FROM derived")
            self._derived = {key: pickle.loads(meta) for key, meta in rows}
        return self._derived

    def has(self, key: str) -> bool:
        """Whether a derived set is stored, its files included."""
        meta = self.derived.get(key)
        return meta is not None and all((self.folder / name).is_file() for name in derived_names(meta))

    def put_files(self, files: Iterable[tuple[str, bytes]]) -> None:
        """Store derived files (name, bytes), each written whole (several processes may write at once)."""
        self._ready()
        for name, data in files:
            if not DERIVED_NAME.fullmatch(name):
                raise ValueError(f"not a derived image's name: {name!r}")
            partial = self.folder / f".{name}.{os.getpid()}.partial"
            partial.write_bytes(data)
            partial.replace(self.folder / name)

    def put_derived(self, rows: Mapping[str, tuple]) -> None:
        """Remember derived sets whose files put_files() stored: key -> meta (see `derived`)."""
        if rows:
            self._write("INSERT OR REPLACE INTO derived VALUES (?, ?)",
                        ((key, pickle.dumps(meta, protocol=5)) for key, meta in rows.items()))
            self.derived.update(rows)

    def forget_except(self, keys: set[str]) -> None:
        """Drop derived sets (and their files) nothing uses any more, once they are a third of all."""
        unused = self.derived.keys() - keys
        if not unused or len(unused) * 3 < len(self.derived):
            return
        self._write("DELETE FROM derived WHERE key = ?", ((key,) for key in unused))
        kept = {name for key in keys if key in self.derived for name in derived_names(self.derived[key])}
        for key in unused:
            for name in derived_names(self.derived.pop(key)) - kept:
                with contextlib.suppress(OSError):
                    (self.folder / name).unlink(missing_ok=True)

    def __getitem__(self, name: str) -> bytes:
        if not DERIVED_NAME.fullmatch(name):
            raise KeyError(name)
        try:
            return (self.folder / name).read_bytes()
        except FileNotFoundError:
            raise KeyError(name) from None

    def __iter__(self):
        if not self.folder.is_dir():
            return iter(())
        return iter(sorted(p.name for p in self.folder.iterdir() if DERIVED_NAME.fullmatch(p.name)))

    def __len__(self) -> int:
        return sum(1 for _ in self)
