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
from itertools import chain, filterfalse, repeat

from cxsite.render.search.postings import bits_of, raw_of_bits, raw_of_docs
from cxsite.render.search.text import KEY_LENGTH

SMALL = 48  # documents up to which a union is a sorted list rather than a bitmap
_PAD = "\0" * (KEY_LENGTH - 1)
_consume = deque(maxlen=0).extend


class Inverter:
    """Documents' distinct units, taken one document at a time, then each key's posting list."""

    def __init__(self, count: int):
        self.count = count  # documents there will be (numbers below it)
        self._docs: dict[str, array] = {}  # unit -> its documents, ascending
        self._typecode = "H" if count <= 0x10000 else "I"
        self._next = 0  # the next document's number

    def add(self, units: Iterable[str]) -> None:
        """The units of the next document (distinct: each is counted once per document)."""
        unit_docs, doc = self._docs, self._next
        for unit in units:  # a plain loop: measured faster here than a chain of maps
            found = unit_docs.get(unit)
            if found is None:
                found = unit_docs[unit] = array(self._typecode)
            found.append(doc)
        self._next += 1

    def postings(self) -> dict[str, bytes]:
        """Each key of the units added -> the canonical form of the documents holding it."""
        owners = _key_owners(list(self._docs))
        return _postings(owners, list(self._docs.values()), self.count)


def invert(doc_units: Sequence[Sequence[str]], count: int) -> dict[str, bytes]:
    """Each key of the documents' units -> the canonical form of the documents holding it.

    `doc_units[d]` are the distinct units of document d.
    """
    inverter = Inverter(count)
    for units in doc_units:
        inverter.add(units)
    return inverter.postings()


def _key_owners(units: list[str]) -> dict[str, list[int]]:
    """Each key (NUL-padded where its unit ends) -> the units holding it (by number), once per occurrence.

    Cut unit by unit (the hot loop of the index): as fast as cutting all units laid end
    to end, without a list of every key.
    """
    owners: defaultdict[str, list[int]] = defaultdict(list)
    owner = owners.__getitem__
    for number, unit in enumerate(units):
        padded = unit + _PAD
        _consume(map(list.append, map(owner, [padded[at:at + KEY_LENGTH] for at in range(len(unit))]),
                     repeat(number)))
    return owners


def _postings(owners: dict[str, list[int]], unit_docs: list[array], count: int) -> dict[str, bytes]:
    """Each key (padding removed) -> the canonical form of the union of its units' documents.

    A union up to a quarter of the documents is a set of numbers, sorted (it is seldom
    dense enough to be a bitmap); a larger one ORs bitmaps, one per unit in many documents
    and one of the documents of all the others.
    """
    lists, sizes = unit_docs.__getitem__, list(map(len, unit_docs))
    size = sizes.__getitem__
    by_unit: dict[int, bytes] = {}  # a unit's own form (the keys only it holds share it)
    bitmaps = _Bitmaps(unit_docs, count)
    most = max(SMALL, count // 4)
    result = {}
    for key, held in owners.items():
        first = held[0]
        if held.count(first) == len(held):
            raw = by_unit.get(first)
            if raw is None:
                raw = by_unit[first] = raw_of_docs(unit_docs[first])
        elif sum(map(size, held)) <= most:
            raw = raw_of_docs(sorted(set().union(*map(lists, held))))
        else:
            raw = raw_of_bits(bitmaps.union(held))
        result[key.rstrip("\0")] = raw
    return result


class _Bitmaps:
    """Unions of units' documents as bitmaps; each unit in many documents made a bitmap once."""

    def __init__(self, unit_docs: list[array], count: int):
        self._docs, self._count = unit_docs, count
        self._many = {unit for unit, docs in enumerate(unit_docs) if len(docs) > SMALL}
        self._bits: dict[int, int] = {}

    def union(self, units: list[int]) -> int:
        """The bitmap of the documents of any of these units."""
        many = self._many.__contains__
        few = chain.from_iterable(map(self._docs.__getitem__, filterfalse(many, units)))
        bits = bits_of(few, self._count)
        for unit in set(filter(many, units)):
            found = self._bits.get(unit)
            if found is None:
                docs = self._docs[unit]
                found = self._bits[unit] = bits_of(docs, docs[-1] + 1)
            bits |= found
        return bits
