"""Turning documents' units into keys' posting lists, fast enough for ten thousand documents.

Writers' documents repeat a great deal (headings, branch names, stock phrases), so keys
are cut once per distinct unit, not once per occurrence, and a key's documents are the
union of the documents of the units holding it: a list when few, a bitmap (a Python int,
OR-ed in C) when many. Every step that touches each unit or document is a C loop (map,
dict.fromkeys, slices), not a Python one; that keeps the index affordable in pure Python.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Sequence
from functools import reduce
from itertools import accumulate, chain, repeat
from operator import or_

from cxsite.render.search.postings import bits_of, raw_of_bits, raw_of_docs
from cxsite.render.search.text import KEY_LENGTH

SMALL = 48  # documents up to which a union is a sorted list rather than a bitmap
_PAD = "\0" * (KEY_LENGTH - 1)
_consume = deque(maxlen=0).extend


def invert(doc_units: Sequence[Sequence[str]], count: int) -> dict[str, bytes]:
    """Each key of the documents' units -> the canonical form of the documents holding it.

    `doc_units[d]` are the distinct units of document d.
    """
    units, unit_docs = _unit_docs(doc_units)
    owners = _key_owners(units)
    return _postings(owners, unit_docs, count)


def _unit_docs(doc_units: Sequence[Sequence[str]]) -> tuple[list[str], list[list[int]]]:
    """The distinct units of all documents, and the documents of each (in order)."""
    ids: dict[str, int] = dict.fromkeys(chain.from_iterable(doc_units))  # type: ignore[arg-type]
    units = list(ids)
    ids.update(zip(units, range(len(units)), strict=True))
    unit_docs: list[list[int]] = [[] for _ in units]
    lists, number = unit_docs.__getitem__, ids.__getitem__
    for doc, found in enumerate(doc_units):
        _consume(map(list.append, map(lists, map(number, found)), repeat(doc)))
    return units, unit_docs


def _key_owners(units: list[str]) -> dict[str, list[int]]:
    """Each key (NUL-padded where its unit ends) -> the units holding it, once per occurrence.

    The units are laid end to end with padding between them and cut at every
    position of every unit, in one comprehension (the hot loop of the index).
    """
    text = _PAD.join(units) + _PAD
    sizes = list(map(len, units))
    starts = list(accumulate(chain((0,), sizes[:-1]), lambda at, size: at + size + KEY_LENGTH - 1))
    positions = chain.from_iterable(map(range, starts, map(int.__add__, starts, sizes)))
    keys = [text[at:at + KEY_LENGTH] for at in positions]
    owners: defaultdict[str, list[int]] = defaultdict(list)
    unit_of_key = chain.from_iterable(map(repeat, range(len(units)), sizes))
    _consume(map(list.append, map(owners.__getitem__, keys), unit_of_key))
    return owners


def _postings(owners: dict[str, list[int]], unit_docs: list[list[int]], count: int) -> dict[str, bytes]:
    """Each key (padding removed) -> the canonical form of the union of its units' documents."""
    lists = unit_docs.__getitem__
    by_unit: dict[int, bytes] = {}  # a unit's own form (the keys only it holds share it)
    by_owners: dict[tuple, bytes] = {}  # keys held by the same units share their form too
    bitmaps: dict[int, int] = {}
    result = {}
    for key, held in owners.items():
        first = held[0]
        if len(held) == 1 or held.count(first) == len(held):
            raw = by_unit.get(first)
            if raw is None:
                raw = by_unit[first] = raw_of_docs(unit_docs[first])
        else:
            signature = tuple(held)
            raw = by_owners.get(signature)
            if raw is None:
                raw = by_owners[signature] = _union(list(map(lists, held)), held, bitmaps, count)
        result[key.rstrip("\0")] = raw
    return result


def _union(found: list[list[int]], held: list[int], bitmaps: dict[int, int], count: int) -> bytes:
    """The canonical form of the union of several units' documents."""
    if sum(map(len, found)) <= SMALL:
        return raw_of_docs(sorted(set().union(*found)))
    few: list[int] = []
    many = []
    for unit, docs in zip(held, found, strict=True):
        if len(docs) <= SMALL:
            few += docs
        else:
            bits = bitmaps.get(unit)
            if bits is None:
                bits = bitmaps[unit] = bits_of(docs, docs[-1] + 1)
            many.append(bits)
    return raw_of_bits(reduce(or_, many, bits_of(few, count) if few else 0))
