"""What a page read from the Site while it rendered, and whether that is still the same.

A template may reach any part of the Site (a site's own layouts can show
anything), so instead of declaring each page's inputs, rendering records what
it actually touched (keys.py). Each key is stored with the digest of what it
stood for; the next build digests the same keys against the new Site and makes
the page again only if a digest differs. That makes "unchanged page" correct by
construction for every template, not just the built-in theme.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import pickle
from collections.abc import Mapping
from types import MappingProxyType

from cxsite.incremental.keys import VOLATILE, CallKey, FieldKey, ObjectKey, encode_argument
from cxsite.site.model import Site

_PLAIN = frozenset({str, int, float, bool, bytes})


def digest(value) -> bytes:
    """Return a stable 16-byte digest of a value made of model objects and plain data."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    # Without the memo, equal values pickle to equal bytes whatever objects they share.
    pickler.fast = True
    pickler.dump(value)
    return hashlib.blake2b(buffer.getbuffer(), digest_size=16).digest()


class Digests:
    """Memoised digests of dependency keys and values for one Site (one build).

    `sources` maps a source path to the digest of its bytes: a Document is made
    from its file alone (and the settings, the same for the whole build), so that
    digest stands for the Document without pickling it, with the one field the
    build sets afterwards (`scheduled`: shown early by `--future`, it depends on the clock).
    """

    def __init__(self, site: Site, sources: Mapping[str, bytes] | None = None):
        self.site = site
        self.sources = sources or {}
        self._memo: dict = {}
        self._fields: dict[type, tuple[str, ...]] = {}

    def of(self, key) -> bytes | None:
        """Return the digest of what a key stands for now (None: cannot be known)."""
        if key not in self._memo:
            try:
                self._memo[key] = self._compute(key)
            except Exception:  # a key from an older layout that no longer resolves
                self._memo[key] = None
        return self._memo[key]

    def _compute(self, key) -> bytes:
        """Digest the current value of a key: objects by contents, fields and calls by membership."""
        value = key.resolve(self.site)
        if type(key) is not ObjectKey:
            return digest(self._skeleton(value, by_identity=True))
        if getattr(type(value), "collection", None) == "documents" and value.path in self.sources:
            return digest((value.path, self.sources[value.path], value.scheduled))
        return digest(self._contents(value))

    def _contents(self, value):
        """A model object's contents: every field but where it is written (positions change no page)."""
        kind = type(value)
        names = self._fields.get(kind)
        if names is None:
            is_record = dataclasses.is_dataclass(value) and not isinstance(value, type)
            names = tuple(f.name for f in dataclasses.fields(value)) if is_record else ()
            self._fields[kind] = names
        if not names:
            return value
        return (kind.__name__, tuple(getattr(value, name) for name in names if name != "lines"))

    def of_object(self, value) -> bytes:
        """Digest one value by contents, a model object by its memoised digest."""
        identity = self.site.identify(value)
        if identity is not None:
            return self.of(ObjectKey(identity))
        return self.of_value(value)

    def of_value(self, value) -> bytes:
        """Digest any value by contents, standing in each model object's memoised digest for it."""
        return digest(self._skeleton(value, by_identity=False))

    def _skeleton(self, value, by_identity: bool):
        """Return value with model objects replaced by their identity, or their digest (cheaper to pickle)."""
        kind = type(value)
        if kind in _PLAIN or value is None:
            return value
        if kind is tuple or kind is list:
            return tuple(self._skeleton(item, by_identity) for item in value)
        if kind is MappingProxyType:  # the Site's read-only mappings (views): pickle cannot take them
            return ("mapping", tuple(self._skeleton(item, by_identity) for item in value.items()))
        identity = self.site.identify(value)
        if identity is not None:
            return identity if by_identity else self.of(ObjectKey(identity))
        contents = self._contents(value)
        if contents is value:
            return value
        return (contents[0], tuple(self._skeleton(item, by_identity) for item in contents[1]))

    def summary(self, keys) -> bytes | None:
        """Return one digest over the current digests of keys (None if one cannot be known).

        The keys come from a stored record and are compared with that record's
        own summary, so the sequence of digests alone tells whether anything changed.
        """
        if VOLATILE in keys:
            return None
        parts = [self.of(key) for key in keys]
        if None in parts:
            return None
        return hashlib.blake2b(b"".join(parts), digest_size=16).digest()


class Recorder:
    """Collects the dependency keys of one page render."""

    def __init__(self, site: Site, interned: dict):
        self.site = site
        self.keys: set = set()
        self._interned = interned  # shared across pages so stored keys pickle once
        self._seen: set[int] = set()  # ids of model objects recorded (all live through the render)

    def add(self, key) -> None:
        """Record one dependency."""
        self.keys.add(self._interned.setdefault(key, key))

    def attribute(self, obj, name: str, value):
        """Record reading obj.name (obj is the Site or a model object); return what to use."""
        if obj is self.site:
            if callable(value) and not name.startswith("__"):
                return self._tracked_call(name, value)
            self.add(FieldKey(name))
            return value
        if id(obj) not in self._seen:
            self._seen.add(id(obj))
            identity = self.site.identify(obj)
            self.add(ObjectKey(identity) if identity is not None else VOLATILE)
        return value

    def _tracked_call(self, name: str, method):
        """Wrap a Site method so each call is recorded with its arguments."""

        def call(*args):
            try:
                self.add(CallKey(name, encode_argument(args, self.site)))
            except TypeError:
                self.add(VOLATILE)
            return method(*args)

        return call

    def sorted_keys(self) -> tuple:
        """The keys recorded, in a stable order."""
        return tuple(sorted(self.keys, key=repr))
