"""Posting lists (which documents hold a key) as text for search.js, one canonical form per set.

A list is a mode letter and base64 bytes:
  D  gaps between sorted documents, a byte each (the first counted from -1); zero gaps pad
  H  two-byte little-endian document numbers, sorted (I: four bytes, beyond 65,535 documents)
  B  a bitmap: bit j of byte i is document 8i + j
The form is the smallest for the set (a bitmap on ties) and the bytes are padded to a
multiple of three, so a set has exactly one encoding whatever built it (a clean build or
an edit patched in) and many lists can be base64-encoded in one pass and cut apart.

Python ints serve as bitmaps: OR-ing two is one C loop, where a Python step per document
would cost seconds at ten thousand documents.
"""

from __future__ import annotations

import base64
import sys
from array import array
from collections import deque
from collections.abc import Iterable, Sequence
from itertools import accumulate, chain, compress, repeat

_BITS = bytes.maketrans(b"01", b"\x00\x01")
_consume = deque(maxlen=0).extend


def bits_of(docs: Iterable[int], length: int) -> int:
    """A bitmap of documents below `length` (scattered into a bytearray in C, read as binary digits)."""
    digits = bytearray(b"0") * length
    _consume(map(digits.__setitem__, docs, repeat(0x31)))
    digits.reverse()
    return int(digits, 2) if length else 0


def docs_of(bits: int) -> list[int]:
    """The documents of a bitmap, in order."""
    flags = bin(bits)[:1:-1].encode().translate(_BITS)
    return list(compress(range(len(flags)), flags))


def raw_of_bits(bits: int) -> bytes:
    """The canonical form of a non-empty set given as a bitmap: mode byte and padded payload."""
    size = (bits.bit_length() + 7) // 8
    if size <= bits.bit_count():
        return b"B" + bits.to_bytes(size + -size % 3, "little")
    return raw_of_docs(docs_of(bits))


def raw_of_docs(docs: Sequence[int]) -> bytes:
    """The canonical form of a non-empty sorted list of distinct documents."""
    count, last = len(docs), docs[-1]
    size = last // 8 + 1  # of a bitmap
    if size <= count:
        return raw_of_bits(bits_of(docs, last + 1))
    if last < 256 * count:  # gaps of a byte are possible
        try:
            gaps = bytes(map(int.__sub__, docs, chain((-1,), docs)))
            return b"D" + gaps + bytes(-count % 3)
        except ValueError:  # a gap beyond 255
            pass
    wide = last > 0xFFFF
    if size <= (4 if wide else 2) * count:
        return b"B" + bits_of(docs, last + 1).to_bytes(size + -size % 3, "little")
    numbers = array("I" if wide else "H", docs)  # "I" is four bytes on Windows, macOS and Linux
    numbers.extend(repeat(last, -count % 3))
    if sys.byteorder == "big":
        numbers.byteswap()
    return (b"I" if wide else b"H") + numbers.tobytes()


def encode_raws(raws: Sequence[bytes]) -> list[str]:
    """The text of many canonical forms, base64-encoded in one pass (payloads are multiples of 3 bytes)."""
    joined = base64.b64encode(b"".join(raw[1:] for raw in raws)).decode("ascii")
    ends = list(accumulate((len(raw) - 1) // 3 * 4 for raw in raws))
    starts = chain((0,), ends)
    return [chr(raw[0]) + joined[start:end] for raw, start, end in zip(raws, starts, ends, strict=False)]


def encode(docs: Sequence[int]) -> str:
    """The text of one non-empty sorted list of documents."""
    return encode_raws([raw_of_docs(docs)])[0]


def decode(code: str) -> list[int]:
    """The sorted documents of an encoded list."""
    mode, raw = code[0], base64.b64decode(code[1:])
    if mode == "B":
        return docs_of(int.from_bytes(raw, "little"))
    if mode == "D":
        return list(dict.fromkeys(accumulate(raw, initial=-1)))[1:]
    numbers = array("H" if mode == "H" else "I", raw)
    if sys.byteorder == "big":
        numbers.byteswap()
    return sorted(set(numbers))


def patch(code: str, added: Iterable[int], removed: Iterable[int]) -> str | None:
    """The encoded list with documents added and removed (None when none is left)."""
    if code[0] == "B":
        bits = int.from_bytes(base64.b64decode(code[1:]), "little")
        for doc in added:
            bits |= 1 << doc
        for doc in removed:
            bits &= ~(1 << doc)
        return encode_raws([raw_of_bits(bits)])[0] if bits else None
    docs = set(decode(code))
    docs.update(added)
    docs.difference_update(removed)
    return encode(sorted(docs)) if docs else None
