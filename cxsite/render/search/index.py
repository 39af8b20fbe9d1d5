"""The index's files: plain scripts a browser loads from any folder of any server, even file://.

Each file (paths relative to the site root) calls `window.cxsearch.load(name, data)`:

- `search/meta.js`: the number of documents, how keys are spread over shards, which exist.
- `search/k/<shard>.js`: the keys whose first character falls in this shard, each with the
  documents that hold it, per field (body, title, tags), and the whole titles starting
  there (a query equal to a title ranks that document first).
- `search/d/<block>.js`: url, kind, title, date and tags of DOC_BLOCK documents (for checking
  long terms against titles and tags).
- `search/x/<block>.js`: the same and the text of TEXT_BLOCK documents: a page of results
  loads just the blocks of the results it shows.

Documents are numbered by (date, url), so the newest has the highest number and a new
bulletin renumbers nothing. The files are a pure function of the entries: an edit patched
into the previous index (`patch_index`) gives the bytes a clean build (`build_index`) gives.
"""

from __future__ import annotations

import hashlib
import json
import marshal
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from cxsite.render.search.entries import SearchEntry
from cxsite.render.search.inverter import Inverter
from cxsite.render.search.postings import encode, encode_raws, patch
from cxsite.render.search.text import KEY_LENGTH, keys_of, units_of, whole_of

INDEX_VERSION = 1
DOC_BLOCK = 64  # documents per block of url/title/date (small: a result page needs a few)
TEXT_BLOCK = 8  # documents per block of record and text: a result shown loads its block; results are
# mostly neighbours (newest first), and eight a block measured the fastest first page at 10,000
SHARD_BYTES = 32_000  # aimed-at size of a shard of keys: a query loads one per short term
FIELDS = ("body", "title", "tags", "whole")  # whole: the title's units run together, for exact titles
PATCH_LIMIT = 64  # documents an edit may renumber or change and still be patched in

# entry -> its text (what snippets are cut from) and the distinct units of that text
Resolve = Callable[[SearchEntry], tuple[str, Sequence[str]]]


@dataclass(frozen=True)
class Layout:
    """How the keys are spread (bits of the shard hash, each shard's size in bytes of keys and
    lists), and the digests of the chunks of entries the index was made from."""

    bits: int
    sizes: Mapping[int, int]
    chunks: tuple[bytes, ...] = ()

    def path(self, shard: int) -> str:
        """The file of a shard."""
        return f"search/{self.name(shard)}.js"

    def name(self, shard: int) -> str:
        """The name a shard's script hands its data under (and its memory's name)."""
        return f"k/{shard:0{(self.bits + 3) // 4}x}"


@dataclass(frozen=True)
class Documents:
    """The entries' rows (SearchEntry.row) in number order, and a digest of each chunk of DOC_BLOCK.

    Made on every build, so that an edit is found by comparing a few digests, not every entry.
    """

    rows: tuple[tuple, ...]
    chunks: tuple[bytes, ...]

    @classmethod
    def of(cls, rows: Sequence[tuple]) -> Documents:
        """Order rows by date, then URL (refusing two with one URL), and digest their chunks."""
        ordered = sorted(rows, key=lambda row: (row[3], row[0]))
        if len({row[0] for row in ordered}) != len(ordered):  # the model has gone wrong, not the writer
            seen: set[str] = set()
            twice = sorted({row[0] for row in ordered if row[0] in seen or seen.add(row[0])})
            raise ValueError(f"search entries share a URL: {', '.join(twice[:5])}")
        # marshal's version 2 writes equal values as equal bytes, however they share objects.
        chunks = tuple(_digest(marshal.dumps(ordered[start:start + DOC_BLOCK], 2))
                       for start in range(0, len(ordered), DOC_BLOCK))
        return cls(tuple(ordered), chunks)

    @property
    def digest(self) -> bytes:
        """One digest of every entry."""
        return _digest(b"".join(self.chunks))

    def entry(self, number: int) -> SearchEntry:
        """The entry of a document number."""
        return SearchEntry.of_row(self.rows[number])

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class Made:
    """The files made (path -> bytes), those left as they were, and what to remember for next time."""

    files: dict[str, bytes] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)
    remember: dict[str, object] = field(default_factory=dict)
    forget: list[str] = field(default_factory=list)


def build_index(documents: Documents, resolve: Resolve) -> Made:
    """Every file of the index, and what a later patch needs remembered."""
    made = Made()
    made.files.update(index_files(documents, resolve, made.remember.__setitem__))
    return made


def index_files(documents: Documents, resolve: Resolve,
                remember: Callable[[str, object], None]) -> Iterator[tuple[str, bytes]]:
    """Every file of the index as (path, bytes), one at a time; what a later patch needs is handed
    to `remember(name, value)` on the way.

    Each document is resolved once and its text goes out in its block as soon as the
    block is whole: a whole site's text (and every document's units) is never held at
    once, which at ten thousand bulletins is most of what the index would cost in memory.
    """
    docs = [SearchEntry.of_row(row) for row in documents.rows]
    inverters = {name: Inverter(len(docs)) for name in ("body", "title", "tags")}
    yield from _read_texts(docs, resolve, inverters)
    bits, shards = _shards(docs, inverters)
    del inverters
    layout = Layout(bits, {shard: shard_size(data) for shard, data in sorted(shards.items())},
                    documents.chunks)
    for shard in list(shards):
        data = shards.pop(shard)
        yield layout.path(shard), script(layout.name(shard), data)
        remember(layout.name(shard), data)
    yield from _doc_blocks(docs, {i // DOC_BLOCK for i in range(len(docs))}, len(docs)).items()
    yield "search/meta.js", _meta(len(docs), layout)
    for c in range(len(documents.chunks)):
        remember(_chunk_name(c), documents.rows[c * DOC_BLOCK:(c + 1) * DOC_BLOCK])
    remember("layout", layout)


def _read_texts(docs: Sequence[SearchEntry], resolve: Resolve,
                inverters: Mapping[str, Inverter]) -> Iterator[tuple[str, bytes]]:
    """Resolve each document in turn, hand its units to the inverters, make each block of texts when whole."""
    cut, texts = _Cutter(), {}
    for number, entry in enumerate(docs):
        text, units = resolve(entry)
        inverters["body"].add(units)
        inverters["title"].add(cut(entry.title))
        inverters["tags"].add(cut(" ".join(entry.tags)))
        texts[number] = text
        if len(texts) == TEXT_BLOCK or number == len(docs) - 1:
            yield from _text_blocks(docs, {number // TEXT_BLOCK}, len(docs), texts.__getitem__).items()
            texts.clear()


def _shards(docs: Sequence[SearchEntry], inverters: Mapping[str, Inverter]) -> tuple[int, dict[int, dict]]:
    """The bits of the shard hash, and each shard's keys and their encoded lists, per field."""
    postings = {}
    for name, inverter in inverters.items():
        raws = inverter.postings()
        postings[name] = dict(zip(raws, encode_raws(list(raws.values())), strict=True))
    postings["whole"] = _whole_titles(docs)
    bits = shard_bits(sum(_size(k, c) for keys in postings.values() for k, c in keys.items()))
    shards: defaultdict[int, dict[str, dict[str, str]]] = defaultdict(lambda: {f: {} for f in FIELDS})
    for name in FIELDS:
        for key, code in postings.pop(name).items():
            shards[shard_of(key, bits)][name][key] = code
    return bits, shards


def patch_index(documents: Documents, resolve: Resolve, layout: Layout,
                recall: Callable[[str], object | None]) -> Made | None:
    """The files an edit changed, given what the last build remembered; None when a clean build is due.

    `layout` and `recall(name)` (chunks of rows, shards) are what build_index or the last
    patch remembered. Only documents whose number or entry changed are cut again; only the
    shards of keys they gained or lost, and their blocks, are made again.
    """
    found = _changed(documents, layout, recall)
    if found is None:
        return None
    changed, old = found
    deltas = _deltas(changed, old, documents, resolve)
    touched = None if deltas is None else _patched_shards(deltas, layout, recall)
    if touched is None:
        return None
    sizes = dict(layout.sizes)
    for number, data in touched.items():
        size = shard_size(data)
        if size:
            sizes[number] = size
        else:
            sizes.pop(number, None)
    if shard_bits(sum(sizes.values())) != layout.bits:
        return None  # the index outgrew (or shrank below) its number of shards
    new = Layout(layout.bits, dict(sorted(sizes.items())), documents.chunks)
    relabelled = [i for i in changed if i not in old or i >= len(documents)
                  or _record(old[i]) != _record(documents.entry(i))]
    made = Made()
    _patched_files(made, layout, new, touched, documents, (changed, relabelled), resolve)
    for c in range(len(documents.chunks)):
        if c >= len(layout.chunks) or layout.chunks[c] != documents.chunks[c]:
            made.remember[_chunk_name(c)] = documents.rows[c * DOC_BLOCK:(c + 1) * DOC_BLOCK]
    made.forget += [_chunk_name(c) for c in range(len(documents.chunks), len(layout.chunks))]
    made.remember["layout"] = new
    return made


def _patched_shards(deltas: Mapping[tuple[str, str], tuple[set[int], set[int]]], layout: Layout,
                    recall: Callable[[str], object | None]) -> dict[int, dict] | None:
    """The shards holding keys whose documents changed, patched (None: one is not remembered)."""
    touched: dict[int, dict] = {}
    for (name, key), (added, removed) in deltas.items():
        number = shard_of(key, layout.bits)
        if number not in touched:
            remembered = recall(layout.name(number)) if number in layout.sizes else None
            if remembered is None and number in layout.sizes:
                return None  # the memory is incomplete: make everything again
            touched[number] = {f: dict(remembered[f]) if remembered else {} for f in FIELDS}
        keys = touched[number][name]
        code = keys.get(key)
        code = patch(code, added, removed) if code else (encode(sorted(added)) if added else None)
        if code is None:
            keys.pop(key, None)
        else:
            keys[key] = code
    return touched


def _changed(documents: Documents, layout: Layout,
             recall: Callable[[str], object | None]) -> tuple[list[int], dict[int, SearchEntry]] | None:
    """The numbers whose entry changed, and the last build's entries there (None: too many, or unknown)."""
    before, now = layout.chunks, documents.chunks
    chunks = [c for c in range(max(len(before), len(now)))
              if c >= len(before) or c >= len(now) or before[c] != now[c]]
    if len(chunks) * DOC_BLOCK > 4 * PATCH_LIMIT:
        return None
    changed: list[int] = []
    old: dict[int, SearchEntry] = {}
    for c in chunks:
        rows = recall(_chunk_name(c)) if c < len(before) else ()
        if rows is None:
            return None
        for i in range(c * DOC_BLOCK, (c + 1) * DOC_BLOCK):
            was = rows[i - c * DOC_BLOCK] if i - c * DOC_BLOCK < len(rows) else None
            row = documents.rows[i] if i < len(documents) else None
            if was != row:
                changed.append(i)
                if was is not None:
                    old[i] = SearchEntry.of_row(was)
    return (changed, old) if len(changed) <= PATCH_LIMIT else None


def _patched_files(made: Made, old: Layout, new: Layout, touched: dict[int, dict], documents: Documents,
                   changes: tuple[list[int], list[int]], resolve: Resolve) -> None:
    """Fill `made` with the shards and blocks an edit changed; list the rest as kept.

    `changes`: the numbers whose entry changed, and those whose record (url, title …) did.
    """
    for number, data in touched.items():
        if number in new.sizes:
            made.files[new.path(number)] = script(new.name(number), data)
            made.remember[new.name(number)] = data
        elif number in old.sizes:
            made.forget.append(old.name(number))
    made.kept += [new.path(n) for n in new.sizes if n not in touched]
    changed, relabelled = changes
    for folder, size, numbers, make in (("d", DOC_BLOCK, relabelled, None),
                                        ("x", TEXT_BLOCK, changed, resolve)):
        present = set(range((len(documents) + size - 1) // size))
        redo = {i // size for i in numbers} & present
        entries = {i: documents.entry(i) for b in redo for i in _block(b, size, len(documents))}
        if make is None:
            made.files.update(_doc_blocks(entries, redo, len(documents)))
        else:
            texts = {i: make(entry)[0] for i, entry in entries.items()}
            made.files.update(_text_blocks(entries, redo, len(documents), texts.__getitem__))
        made.kept += [f"search/{folder}/{b}.js" for b in sorted(present - redo)]
    made.files["search/meta.js"] = _meta(len(documents), new)


def _deltas(changed: list[int], old: Mapping[int, SearchEntry], documents: Documents,
            resolve: Resolve) -> dict[tuple[str, str], tuple[set[int], set[int]]] | None:
    """(field, key) -> (documents gaining it, documents losing it) at the changed numbers."""
    deltas: defaultdict[tuple[str, str], tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    for number in changed:
        try:
            before = entry_keys(old[number], resolve) if number in old else {}
        except KeyError:  # the old text is no longer in the build cache
            return None
        after = entry_keys(documents.entry(number), resolve) if number < len(documents) else {}
        for name in FIELDS:
            was, now = before.get(name, set()), after.get(name, set())
            for key in now - was:
                deltas[(name, key)][0].add(number)
            for key in was - now:
                deltas[(name, key)][1].add(number)
    return deltas


def entry_keys(entry: SearchEntry, resolve: Resolve) -> dict[str, set[str]]:
    """The keys one entry holds, per field."""
    cut = _Cutter()
    keys = {"body": set().union(*map(keys_of, resolve(entry)[1])),
            "title": set().union(*map(keys_of, cut(entry.title))),
            "tags": set().union(*map(keys_of, cut(" ".join(entry.tags))))}
    whole = whole_of(entry.title)
    keys["whole"] = {whole} if whole else set()
    return keys


class _Cutter:
    """Distinct units of short texts (titles, tags), each distinct text cut once."""

    def __init__(self) -> None:
        self._seen: dict[str, list[str]] = {}

    def __call__(self, text: str) -> list[str]:
        found = self._seen.get(text)
        if found is None:
            found = self._seen[text] = list(dict.fromkeys(units_of(text)))
        return found


def _whole_titles(docs: Sequence[SearchEntry]) -> dict[str, str]:
    """Each title, its units run together -> the documents with exactly that title."""
    titles: defaultdict[str, list[int]] = defaultdict(list)
    for doc, entry in enumerate(docs):
        whole = whole_of(entry.title)
        if whole:
            titles[whole].append(doc)
    return {whole: encode(found) for whole, found in titles.items()}


def shard_of(key: str, bits: int) -> int:
    """The shard of a key, from its first character (a multiplicative hash; search.js does the same)."""
    return ((ord(key[0]) * 0x9E3779B1) & 0xFFFFFFFF) >> (32 - bits)


def shard_bits(size: int) -> int:
    """How many bits of the hash name a shard: about SHARD_BYTES of keys a shard, 8 to 4,096 shards.

    Only the size of the whole index moves it, by powers of two, so an edit almost
    never reshuffles the shards.
    """
    bits = 3
    while bits < 12 and size > (SHARD_BYTES << bits):
        bits += 1
    return bits


def shard_size(data: Mapping[str, Mapping[str, str]]) -> int:
    """About how many bytes a shard's keys and lists take."""
    return sum(_size(key, code) for keys in data.values() for key, code in keys.items())


def _size(key: str, code: str) -> int:
    """Bytes of one key and its list (a CJK character is three bytes)."""
    return 3 * len(key) + len(code)


def _chunk_name(chunk: int) -> str:
    """The memory's name of a chunk of rows."""
    return f"rows/{chunk}"


def _digest(data: bytes) -> bytes:
    """A 16-byte digest."""
    return hashlib.blake2b(data, digest_size=16).digest()


Entries = Mapping[int, SearchEntry] | Sequence[SearchEntry]  # by document number


def _doc_blocks(docs: Entries, blocks, count: int) -> dict[str, bytes]:
    """Blocks of url, kind, title, date and tags, DOC_BLOCK documents each (of `count`)."""
    return {f"search/d/{b}.js": script(f"d/{b}", [_record(docs[i]) for i in _block(b, DOC_BLOCK, count)])
            for b in sorted(blocks)}


def _text_blocks(docs: Entries, blocks, count: int, text: Callable[[int], str]) -> dict[str, bytes]:
    """Blocks of url, kind, title, date, tags and text, TEXT_BLOCK documents each (of `count`)."""
    return {f"search/x/{b}.js": script(f"x/{b}", [[*_record(docs[i]), text(i)]
                                                  for i in _block(b, TEXT_BLOCK, count)])
            for b in sorted(blocks)}


def _block(block: int, size: int, count: int) -> range:
    """The documents of a block."""
    return range(block * size, min(count, (block + 1) * size))


def _record(entry: SearchEntry) -> list:
    """What a result shows of a document, but its text: url, kind, title, date, tags."""
    return [entry.url, entry.kind, entry.title, entry.date, list(entry.tags)]


def _meta(count: int, layout: Layout) -> bytes:
    """meta.js: what search.js needs before anything else."""
    bitmap = sum(1 << shard for shard in layout.sizes)
    return script("meta", {"version": INDEX_VERSION, "count": count, "bits": layout.bits,
                           "keyLength": KEY_LENGTH, "docBlock": DOC_BLOCK, "textBlock": TEXT_BLOCK,
                           "shards": format(bitmap, "x").zfill(((1 << layout.bits) + 3) // 4)})


def script(name: str, data: object) -> bytes:
    """A script that hands `data` to the search page; JSON with sorted keys, so the bytes are stable."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    # JSON allows U+2028/U+2029 in strings; older JavaScript engines do not.
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f'window.cxsearch.load("{name}",{text});\n'.encode()
