"""Dependency keys: the things a page read from the Site while it rendered, named so a later Site can answer.

Three kinds of reading, and one key that can never be verified:

- `FieldKey("bulletins")`: a field of the Site; what it holds is compared by
  membership (which model objects, in which order) and plain values.
- `CallKey("neighbours", (ObjectArg(("document", "/bulletins/3/")),))`: a Site
  method called with arguments; its result is compared like a field.
- `ObjectKey(("events", "dongyuan-dahui"))`: a model object whose fields were
  read; compared by its whole contents.
- `VOLATILE`: an argument that cannot be named; the page is always made again.

A template reaches a model object's contents only by reading its fields (every
`a.b` goes through the tracking environment), so membership plus the objects read
covers all a page shows.

The keys are NamedTuples: a build reads tens of thousands back and compares them,
which tuples do in C. Their types still tell them apart (`type(key) is ObjectKey`).
"""

from __future__ import annotations

from typing import NamedTuple

from cxsite.site.model import Site


class ObjectArg(NamedTuple):
    """A model object passed to a Site method, by its identity (Site.identify)."""

    identity: tuple


class FieldKey(NamedTuple):
    """Reading a field of the Site (site.bulletins, site.config…)."""

    name: str

    def resolve(self, site: Site):
        """The field's value in a Site."""
        return getattr(site, self.name)


class CallKey(NamedTuple):
    """Calling a Site method with arguments (model objects among them as ObjectArgs)."""

    method: str
    args: tuple

    def resolve(self, site: Site):
        """What the call returns in a Site (an ObjectArg naming nothing there passes None)."""
        return getattr(site, self.method)(*(_decode(arg, site) for arg in self.args))


class ObjectKey(NamedTuple):
    """Reading the fields of a model object."""

    identity: tuple

    def resolve(self, site: Site):
        """The object of that identity in a Site (None when it is gone)."""
        return site.lookup(self.identity)


class Volatile(NamedTuple):
    """Something read that cannot be named for a later build: always make the page again."""

    def resolve(self, site: Site):
        """Never resolvable."""
        raise LookupError("a volatile dependency cannot be verified")


VOLATILE = Volatile()
Key = FieldKey | CallKey | ObjectKey | Volatile


def encode_argument(value, site: Site):
    """Encode a Site method argument so a later Site can re-create it; raise TypeError if it cannot."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, tuple | list):
        return tuple(encode_argument(item, site) for item in value)
    identity = site.identify(value)
    if identity is None:
        raise TypeError(f"cannot name {type(value).__name__}")
    return ObjectArg(identity)


def _decode(value, site: Site):
    """Re-create an encoded argument from a Site."""
    if isinstance(value, ObjectArg):
        return site.lookup(value.identity)
    if isinstance(value, tuple):
        return tuple(_decode(item, site) for item in value)
    return value
