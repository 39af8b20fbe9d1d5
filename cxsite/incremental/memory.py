"""What output jobs with memory remember between builds (render.registry.Memory), and where it is kept.

A job's record (state.JobRecord) names each remembered value by the digest of its
pickled bytes; the values live in a store (the build cache for `cxsite build`,
memory for the preview). Values are written before the build commits and shared
between records, so a failed build leaves the last record's memory whole, and a
value an edit did not change is kept once, not copied.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterable, Mapping
from typing import Protocol


class MemoStore(Protocol):
    """Remembered values by the digest of their bytes."""

    def load(self, digest: bytes) -> bytes | None:
        """The bytes of a value (None when they are gone)."""

    def save(self, blobs: Mapping[bytes, bytes]) -> None:
        """Keep values (digest -> bytes)."""


class MemoryMemos:
    """A MemoStore in memory: the preview's (it lives as long as the session) and `cxsite check`'s."""

    def __init__(self) -> None:
        self._blobs: dict[bytes, bytes] = {}

    def load(self, digest: bytes) -> bytes | None:
        """The bytes of a value (None when they are gone)."""
        return self._blobs.get(digest)

    def save(self, blobs: Mapping[bytes, bytes]) -> None:
        """Keep values."""
        self._blobs.update(blobs)

    def keep_only(self, digests: Iterable[bytes]) -> None:
        """Drop every value but these (those the current records name)."""
        wanted = set(digests)
        self._blobs = {d: b for d, b in self._blobs.items() if d in wanted}


class CachedMemos:
    """A MemoStore in the build cache's database (store.Cache.memos), per output folder."""

    def __init__(self, cache, scope: str):
        self._cache, self._scope = cache, scope

    def load(self, digest: bytes) -> bytes | None:
        """The bytes of a value (None when they are gone)."""
        return self._cache.load_memo(self._scope, digest)

    def save(self, blobs: Mapping[bytes, bytes]) -> None:
        """Keep values."""
        if blobs:
            self._cache.save_memos(self._scope, blobs)


class JobMemory:
    """One job's memory during one build (implements render.registry.Memory)."""

    def __init__(self, store: MemoStore, index: Mapping[str, bytes]):
        self._store = store
        self.index: dict[str, bytes] = dict(index)  # name -> digest of its value
        self._new: dict[bytes, bytes] = {}

    def recall(self, name: str) -> object | None:
        """What was remembered under a name (None: nothing, or its value is gone)."""
        digest = self.index.get(name)
        if digest is None:
            return None
        blob = self._new.get(digest) or self._store.load(digest)
        return None if blob is None else pickle.loads(blob)

    def remember(self, name: str, value: object) -> None:
        """Remember a value for the next build."""
        blob = pickle.dumps(value, protocol=5)
        digest = hashlib.blake2b(blob, digest_size=16).digest()
        self._new[digest] = blob
        self.index[name] = digest

    def forget(self, name: str) -> None:
        """Forget a name."""
        self.index.pop(name, None)

    def clear(self) -> None:
        """Forget everything."""
        self.index.clear()

    def save(self) -> None:
        """Write the values remembered in this build to the store."""
        wanted = set(self.index.values())
        self._store.save({d: b for d, b in self._new.items() if d in wanted})
        self._new.clear()
