"""Reads a site's content/ into checked source items, with every problem located.

Each kind of source (`kinds.Kind`) says where its files are: documents in
content/<folder>/*.md, records in content/<name>.yaml and content/<name>/*.yaml.
Checking a file's bytes is sources.py's job; Markdown conversion is handed in
(a `Converter`) so a build can cache it and run it in worker processes, and a
file whose bytes a previous read already checked is not checked again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from cxsite.content.config import Config
from cxsite.content.kinds import Kind
from cxsite.content.markdown import Rendered, markdown_key
from cxsite.content.project import CONTENT_DIR, StaticFile, check_layout, list_sources, static_files
from cxsite.content.sources import Parsed, Unbuilt, check_source
from cxsite.problem import Problem, error


class Converter(Protocol):
    """What the reader needs to have Markdown made into HTML (a build's, through its cache)."""

    def has_html(self, key: str) -> bool:
        """Whether the Markdown a key names needs no converting."""

    def convert_many(self, jobs: Sequence[tuple[str, str | None, str]]) -> list[Rendered]:
        """The Rendered of each (key, Markdown text or None when the key is known, source path)."""

    def prepare(self, items: list) -> dict:
        """Convert fresh items' Markdown where they were parsed; return its metadata by key."""

    def adopt(self, metas: dict) -> None:
        """Take in metadata prepare() returned in another process."""


# map(func, items) -> (index, result) pairs in any order, possibly from forked processes.
Mapper = Callable[[Callable, Sequence], Iterable[tuple[int, object]]]


@dataclass(frozen=True, slots=True)
class SourceEntry:
    """What reading one source file gave, kept so that the next read can skip the file."""

    stamp: tuple  # (size, mtime_ns, ctime_ns, inode): unchanged means the bytes need no reading
    digest: bytes  # of the bytes
    items: list  # Parsed items without Markdown texts, and Unbuilt items
    problems: list


@dataclass(frozen=True)
class Loaded:
    """What reading content/ gave: source items in file order, their Markdown, files to copy."""

    items: tuple[Parsed, ...]
    unbuilt: tuple[Unbuilt, ...]
    markdown: Mapping[str, Rendered]  # Markdown key -> what its conversion gave (HTML stays in the cache)
    intro: str  # Markdown key of site.yaml's intro ("" when there is none)
    static: tuple[StaticFile, ...]
    problems: list[Problem]
    sources: dict[str, SourceEntry]  # source path -> its entry, to skip unchanged files next time


def read_content(root: Path, config: Config, kinds: Sequence[Kind], converter: Converter, *,
                 known: Mapping | None = None, stamps: Mapping | None = None,
                 mapper: Mapper | None = None) -> Loaded:
    """Read every source of the site under root, as its kinds say.

    `known` is the `sources` of an earlier read with the same configuration: a
    file whose bytes have the same digest (or the same size, times and inode) is
    not checked again, as long as the converter has its Markdown's HTML.
    `stamps` are the file stamps project.scan_inputs just took, to save a second stat per file.
    Files that need checking are checked through `mapper` (in worker processes),
    where `converter.prepare(items)` also makes their Markdown into HTML; the
    reader then takes the Markdown metadata in with `converter.adopt(metas)`.
    """
    problems: list[Problem] = []
    reader = _Reader(root, config, {k.name: k for k in kinds}, known or {}, converter.has_html, stamps or {})
    if list_kind_files(root, kinds, reader.read, problems):
        reader.check_pending(mapper, converter)
    parsed = [item for item in reader.items if isinstance(item, Parsed)]
    unbuilt = tuple(item for item in reader.items if isinstance(item, Unbuilt))
    problems += [p for entry in reader.sources.values() for p in entry.problems]
    jobs = [(key, text, p.path) for p in parsed for key, text in p.markdown.values()]
    intro = markdown_key(config.intro, "site.yaml", config.markdown) if config.intro else ""
    if intro:
        jobs.append((intro, config.intro, "site.yaml"))
    markdown = {rendered.key: rendered for rendered in converter.convert_many(jobs)}
    static = static_files(root, problems)
    return Loaded(tuple(parsed), unbuilt, markdown, intro, static, problems, reader.sources)


def list_kind_files(root: Path, kinds: Sequence[Kind], visit: Callable, problems: list[Problem]) -> bool:
    """Call visit(rel, path, kind, list_form) for every source file of the kinds; False without content/."""
    content = root / CONTENT_DIR
    if not content.is_dir():
        problems.append(error(CONTENT_DIR, None, "找不到内容文件夹 content/",
                              "在网站根目录下新建 content/，简报放在 content/bulletins/"))
        return False
    names = {k.folder_name for k in kinds} | {f"{k.folder_name}.yaml" for k in kinds if not k.is_document}
    problems += check_layout(content, names)
    for kind in kinds:
        if kind.is_document:
            for rel, path in list_sources(content / kind.folder_name, ".md", problems, root):
                visit(rel, path, kind, False)
            continue
        list_file = content / f"{kind.folder_name}.yaml"
        if list_file.is_file():
            visit(f"{CONTENT_DIR}/{kind.folder_name}.yaml", str(list_file), kind, True)
        for rel, path in list_sources(content / kind.folder_name, ".yaml", problems, root):
            visit(rel, path, kind, False)
    return True


def check_all(root: Path, config: Config, kinds: Sequence[Kind]) -> list:
    """Check every source file without converting Markdown: its Parsed and Unbuilt items, in file order."""
    problems: list[Problem] = []
    reader = _Reader(root, config, {k.name: k for k in kinds}, {}, lambda key: False, {})
    if list_kind_files(root, kinds, reader.read, problems):
        reader.check_pending(None, None)
    return reader.items


class _Reader:
    """Reads source files once each, reusing an earlier check of identical bytes."""

    def __init__(self, root: Path, config: Config, kinds: dict[str, Kind], known: Mapping,
                 has_html: Callable[[str], bool], stamps: Mapping):
        self.root, self.config, self.kinds, self.known, self.has_html = root, config, kinds, known, has_html
        self.stamps = stamps
        self.sources: dict[str, SourceEntry] = {}
        self.pending: list[tuple] = []  # files to check: (rel, path, kind, list_form, stamp, digest)
        self._items: dict[str, list] = {}  # by file, in the order the files were read

    @property
    def items(self) -> list:
        """The Parsed and Unbuilt items of every file, in file order (the same on every build)."""
        return [item for items in self._items.values() for item in items]

    def read(self, rel: str, path: str, kind: Kind, list_form: bool) -> None:
        """Check one file (rel to the site, path on disk) as its folder's kind, unless known."""
        self._items[rel] = []  # keeps the file's place in the order
        try:
            stamp = self.stamps.get(rel)
            if stamp is None:
                status = os.stat(path)
                stamp = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)
            earlier = self.known.get(rel)
            if earlier is None:
                self.pending.append((rel, path, kind.name, list_form, stamp, None))
                return None
            if earlier.stamp == stamp and self._complete(earlier):
                return self._remember(rel, earlier, earlier.items)
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            return self._unreadable(rel, exc)
        digest = hashlib.blake2b(data, digest_size=16).digest()
        if earlier.digest == digest and self._complete(earlier):
            return self._remember(rel, replace(earlier, stamp=stamp), earlier.items)
        self.pending.append((rel, path, kind.name, list_form, stamp, digest))
        return None

    def _unreadable(self, rel: str, exc: OSError) -> None:
        """Remember a file that could not be read, as a problem."""
        problem = error(rel, None, f"无法读取文件（{exc.strerror}）", "检查文件权限")
        self.sources[rel] = SourceEntry((), b"", [], [problem])

    def check_pending(self, mapper: Mapper | None, converter) -> None:
        """Check the files read() could not reuse, in worker processes when a mapper is given."""
        config, pending, kinds = self.config, self.pending, self.kinds

        def check(index: int):
            rel, path, kind, list_form, stamp, digest = pending[index]
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError as exc:
                return exc
            stem = os.path.splitext(os.path.basename(path))[0]
            checked = check_source(data, rel, kinds[kind], config, stem, list_form)
            items = [*checked.items, *checked.unbuilt]
            metas = converter.prepare([i for i in items if isinstance(i, Parsed)]) if converter else None
            if metas is not None:  # the Markdown is HTML already: its text need not travel back
                items = [_remembered(item) for item in items]
            digest = digest or hashlib.blake2b(data, digest_size=16).digest()
            return stamp, digest, items, list(checked.problems), metas

        results = (mapper or _in_order)(check, range(len(pending)))
        for index, result in sorted(results, key=lambda pair: pair[0]):
            rel = pending[index][0]
            if isinstance(result, OSError):
                self._unreadable(rel, result)
                continue
            stamp, digest, items, problems, metas = result
            if metas is not None:
                converter.adopt(metas)
            self._remember(rel, SourceEntry(stamp, digest, [_remembered(i) for i in items], problems), items)
        self.pending = []

    def _complete(self, entry: SourceEntry) -> bool:
        """Whether everything a remembered check needs is still at hand (its Markdown's HTML)."""
        return all(self.has_html(key) for item in entry.items if isinstance(item, Parsed)
                   for key, _ in item.markdown.values())

    def _remember(self, rel: str, entry: SourceEntry, items: list) -> None:
        """Keep a file's entry for the next read and its items for this one."""
        self.sources[rel] = entry
        self._items[rel] = items


def _in_order(func: Callable, items: Sequence) -> Iterable[tuple[int, object]]:
    """The sequential mapper: (index, func(item)) in order."""
    return ((index, func(item)) for index, item in enumerate(items))


def _remembered(item):
    """What is kept of an item for the next read: a parse without its Markdown texts."""
    return item.remembered() if isinstance(item, Parsed) else item
