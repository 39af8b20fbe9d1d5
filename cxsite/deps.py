"""What a page read from the Site while it rendered, and whether that is still the same.

A template may reach any part of the Site (a site's own layouts can show
anything), so instead of declaring each page's inputs, rendering records what
it actually touched: Site fields, model objects (by identity) and Site method
calls with their arguments. Each is stored with a digest of its value; the
next build re-reads the same things from the new Site and re-renders the page
only if a digest differs. That makes "unchanged page" correct by construction
for every template, not just the built-in theme.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import pickle

from cxsite.model import Branch, Document, Event, Honor, Phase, Site, Term

# A dependency that can never be verified (an argument cxsite cannot name): always re-render.
VOLATILE = ("volatile",)
# What templates read that is recorded; anything else (Page, Config, text…) needs no recording.
TRACKED = frozenset({Site, Document, Branch, Event, Phase, Term, Honor})
_MODEL = TRACKED - {Site}
_PLAIN = frozenset({str, int, float, bool, bytes})


def digest(value) -> bytes:
    """Return a stable 16-byte digest of a value made of model objects and plain data."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    # Without the memo, equal values pickle to equal bytes whatever objects they share.
    pickler.fast = True
    pickler.dump(value)
    return hashlib.blake2b(buffer.getbuffer(), digest_size=16).digest()


def identity(value, site: Site):
    """Return the dependency key of a model object, or None for anything else."""
    kind = type(value)
    if kind is Document:
        return ("obj", "doc", value.url)
    if kind is Branch:
        return ("obj", "branch", value.id)
    if kind is Event:
        return ("obj", "event", value.id)
    if kind is Phase:
        return ("obj", "phase", value.id)
    if kind is Term:
        return ("obj", "term", value.kind, value.name)
    if kind is Honor:
        return ("obj", "honor", site.honors.index(value))
    return None


def encode_argument(value, site: Site):
    """Encode a Site method argument so it can be re-created next build; raise if it cannot."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, tuple | list):
        return tuple(encode_argument(item, site) for item in value)
    key = identity(value, site)
    if key is None:
        raise TypeError(f"cannot name {type(value).__name__}")
    return ("ref", *key[1:])


def _decode_argument(value, site: Site):
    """Re-create an encoded argument from the new Site."""
    if isinstance(value, tuple) and value and value[0] == "ref":
        return resolve(("obj", *value[1:]), site)
    if isinstance(value, tuple):
        return tuple(_decode_argument(item, site) for item in value)
    return value


def resolve(key: tuple, site: Site):
    """Return the current value a dependency key stands for in a Site."""
    kind = key[0]
    if kind == "site":
        return getattr(site, key[1])
    if kind == "call":
        method, args = key[1], key[2]
        return getattr(site, method)(*_decode_argument(args, site))
    if kind == "obj":
        what, ident = key[1], key[2:]
        if what == "doc":
            return site.document(ident[0])
        if what == "term":
            return site.term(*ident)
        if what == "honor":
            return site.honors[ident[0]] if ident[0] < len(site.honors) else None
        return {"branch": site.branch, "event": site.event, "phase": site.phase}[what](ident[0])
    raise ValueError(f"unverifiable dependency {key!r}")


class Digests:
    """Memoised digests of dependency keys for one Site (one build).

    `sources` maps a source path to the digest of its bytes: a Document is made
    from its file alone (and the settings, the same for the whole build), so that
    digest stands for the Document without pickling it.
    """

    def __init__(self, site: Site, sources: dict | None = None):
        self.site = site
        self.sources = sources or {}
        self._memo: dict = {}
        self._fields: dict[type, tuple[str, ...]] = {}

    def of(self, key: tuple) -> bytes | None:
        """Return the digest of what a key stands for now (None: cannot be known)."""
        if key not in self._memo:
            try:
                self._memo[key] = self._compute(key)
            except Exception:  # a key from an older layout that no longer resolves
                self._memo[key] = None
        return self._memo[key]

    def _compute(self, key: tuple) -> bytes:
        """Digest the current value of a key."""
        value = resolve(key, self.site)
        if key[0] != "obj":
            return self.of_value(value)
        if key[1] == "doc" and value is not None and value.path in self.sources:
            return digest((value.path, self.sources[value.path]))
        return digest(value)

    def of_object(self, value) -> bytes:
        """Digest one value, a model object by its memoised digest."""
        if type(value) in _MODEL:
            return self.of(identity(value, self.site))
        return self.of_value(value)

    def of_value(self, value) -> bytes:
        """Digest any value, standing in each model object's memoised digest for the object."""
        return digest(self._skeleton(value))

    def _skeleton(self, value):
        """Return value with model objects replaced by their digests (cheaper to pickle)."""
        kind = type(value)
        if kind in _PLAIN or value is None:
            return value
        if kind is tuple or kind is list:
            return tuple(self._skeleton(item) for item in value)
        if kind in _MODEL:
            return self.of(identity(value, self.site))
        names = self._fields.get(kind)
        if names is None:
            is_record = dataclasses.is_dataclass(value)
            names = tuple(f.name for f in dataclasses.fields(value)) if is_record else ()
            self._fields[kind] = names
        if names:
            return (kind.__name__, tuple(self._skeleton(getattr(value, name)) for name in names))
        return value

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

    def add(self, key: tuple) -> None:
        """Record one dependency."""
        self.keys.add(self._interned.setdefault(key, key))

    def attribute(self, obj, name: str, value):
        """Record reading obj.name (obj is the Site or a model object); return what to use."""
        if obj is self.site:
            if callable(value) and not name.startswith("__"):
                return self._tracked_call(name, value)
            self.add(("site", name))
            return value
        if id(obj) not in self._seen:
            self._seen.add(id(obj))
            key = identity(obj, self.site)
            if key is not None:
                self.add(key)
        return value

    def _tracked_call(self, name: str, method):
        """Wrap a Site method so each call is recorded with its arguments."""

        def call(*args):
            try:
                self.add(("call", name, encode_argument(args, self.site)))
            except TypeError:
                self.add(VOLATILE)
            return method(*args)

        return call
