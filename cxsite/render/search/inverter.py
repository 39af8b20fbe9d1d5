"""Turning documents' units into keys' posting lists, fast and small enough for ten thousand documents.

Writers' documents repeat a great deal (headings, branch names, stock phrases), so keys
are cut once per distinct unit, not once per occurrence, and a key's documents are the
union of the documents of the units holding it: a list when few, a bitmap (a Python int,
OR-ed in C) when many. Every step that touches each unit or document is a C loop (map,
dict.fromkeys, slices), not a Python one; that keeps the index affordable in pure Python.

Documents come one at a time (`Inverter.add`), so no one holds every document's units:
what is kept is one number per distinct unit and, per unit, its documents as an array
of machine integers (two or four bytes each, where a list would take eight and an
object per number).
"""

from __future__ import annotations

from array import array
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from functools import reduce
from itertools import accumulate, chain, filterfalse, repeat
from operator import or_

from cxsite.render.search.postings import bits_of, raw_of_bits, raw_of_docs
from cxsite.render.search.text import KEY_LENGTH

SMALL = 48  # documents up to which a union is a sorted list rather than a bitmap
_PAD = "\0" * (KEY_LENGTH - 1)
_consume = deque(maxlen=0).extend


class Inverter:
    """Documents' distinct units, taken one document at a time, then each key's posting list."""

    def __init__(self, count: int):
        self.count = count  # documents there will be (numbers below it)
        self._numbers: dict[str, int] = {}  # unit -> its number
        self._docs: list[array] = []  # unit number -> its documents, ascending
        self._typecode = "H" if count <= 0x10000 else "I"
        self._next = 0  # the next document's number

    def add(self, units: Iterable[str]) -> None:
        """The distinct units of the next document (numbered in the order they are added)."""
        numbers = self._numbers
        units = units if isinstance(units, Sequence) else list(units)
        new = list(dict.fromkeys(filterfalse(numbers.__contains__, units)))
        if new:
            numbers.update(zip(new, range(len(numbers), len(numbers) + len(new)), strict=True))
            code = self._typecode
            self._docs += [array(code) for _ in new]
        docs = self._docs.__getitem__
        _consume(map(array.append, map(docs, map(numbers.__getitem__, units)), repeat(self._next)))
        self._next += 1

    def postings(self) -> dict[str, bytes]:
        """Each key of the units added -> the canonical form of the documents holding it."""
        owners = _key_owners(list(self._numbers))
        return _postings(owners, self._docs, self.count)


def invert(doc_units: Sequence[Sequence[str]], count: int) -> dict[str, bytes]:
    """Each key of the documents' units -> the canonical form of the documents holding it.

    `doc_units[d]` are the distinct units of document d.
    """
    inverter = Inverter(count)
    for units in doc_units:
        inverter.add(units)
    return inverter.postings()


def _key_owners(units: list[str]) -> dict[str, list[int]]:
    """Each key (NUL-padded where its unit ends) -> the units holding it, once per occurrence.

    The units are laid end to end with padding between them and cut at every
    position of every unit, by C iterators alone (the hot loop of the index); no list
    of every key is made, only the distinct keys are kept.
    """
    text = _PAD.join(units) + _PAD
    sizes = list(map(len, units))
    starts = list(accumulate(chain((0,), sizes[:-1]), lambda at, size: at + size + KEY_LENGTH - 1))
    ends = list(map(int.__add__, starts, sizes))
    firsts = chain.from_iterable(map(range, starts, ends))
    lasts = chain.from_iterable(map(range, map(int.__add__, starts, repeat(KEY_LENGTH)),
                                    map(int.__add__, ends, repeat(KEY_LENGTH))))
    keys = map(text.__getitem__, map(slice, firsts, lasts))
    owners: defaultdict[str, list[int]] = defaultdict(list)
    unit_of_key = chain.from_iterable(map(repeat, range(len(units)), sizes))
    _consume(map(list.append, map(owners.__getitem__, keys), unit_of_key))
    return owners


def _postings(owners: dict[str, list[int]], unit_docs: list[array], count: int) -> dict[str, bytes]:
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


def _union(found: list[array], held: list[int], bitmaps: dict[int, int], count: int) -> bytes:
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
