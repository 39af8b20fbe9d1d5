"""Reads a site's content/ and static files into the model, with every problem located.

The loader is, with the template loader, the only stage that reads the project.
Checking a file's bytes is sources.py's job; Markdown conversion is handed in
(a Converter) so the build can cache it and run it in worker processes.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Protocol

from cxsite.config import Config
from cxsite.markup import Rendered, markdown_key
from cxsite.model import (
    BULLETIN,
    PAGE,
    POST,
    Content,
    StaticFile,
    Unbuilt,
)
from cxsite.problem import Problem, error, warning
from cxsite.sources import (
    Checked,
    Parsed,
    collection_of,
    document_slug,
    make_item,
    parse_document,
    parse_records,
)
from cxsite.syntax import decode_legacy, decode_source

CONTENT_DIR = "content"
STATIC_DIR = "static"
LAYOUTS_DIR = "layouts"
DOCUMENT_FOLDERS = {"bulletins": BULLETIN, "posts": POST, "pages": PAGE}
RECORD_KINDS = ("branches", "events", "honors", "phases")
THEME_STATIC = Path(__file__).parent / "theme" / "static"
TEXT_SUFFIXES = (".html", ".htm", ".xml", ".svg", ".css", ".js", ".md", ".yaml", ".yml", ".txt", ".json")
_BACKUPS = ("~", ".swp", ".tmp", ".bak")



class Converter(Protocol):
    """What the loader needs to have Markdown made into HTML (pipeline.Converter, through the cache)."""

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


class SourceEntry(NamedTuple):
    """What the loader remembers of one source file between builds."""

    stamp: tuple  # (size, mtime_ns, ctime_ns, inode): unchanged means the bytes need no reading
    digest: bytes  # of the bytes
    items: list  # Parsed items without Markdown texts, and Unbuilt items
    problems: list


@dataclass(frozen=True)
class Loaded:
    """What the loader read: the content, its problems, and each source file's parse."""

    content: Content
    problems: list[Problem]
    parsed: dict  # path -> SourceEntry, to skip unchanged files next build


def load_content(root: Path, config: Config, converter: Converter, known: dict | None = None,
                 stamps: dict | None = None, mapper: Mapper | None = None) -> Loaded:
    """Read every document, record and static file of the site under root.

    `known` is the `parsed` of an earlier load with the same configuration: a
    file whose bytes have the same digest (or the same size, times and inode) is
    not parsed again, as long as the converter has its Markdown's HTML.
    `stamps` are the file stamps scan_inputs just took, to save a second stat per file.
    Files that need checking are checked through `mapper` (in worker processes),
    where `converter.prepare(items)` also makes their Markdown into HTML; the
    parent then takes the Markdown metadata in with `converter.adopt(metas)`.
    """
    problems: list[Problem] = []
    reader = _Reader(root, config, known or {}, converter.has_html, stamps or {})
    content = root / CONTENT_DIR
    if not content.is_dir():
        problems.append(error(CONTENT_DIR, None, "找不到内容文件夹 content/",
                              "在网站根目录下新建 content/，简报放在 content/bulletins/"))
    else:
        problems += _check_layout(content)
        for folder, kind in DOCUMENT_FOLDERS.items():
            for rel, path in _files(content / folder, ".md", problems, root):
                reader.read(rel, path, kind, False)
        for kind in RECORD_KINDS:
            list_file = content / f"{kind}.yaml"
            if list_file.is_file():
                reader.read(f"{CONTENT_DIR}/{kind}.yaml", str(list_file), kind, True)
            for rel, path in _files(content / kind, ".yaml", problems, root):
                reader.read(rel, path, kind, False)
        reader.check_pending(mapper, converter)
    parsed = [item for item in reader.items if isinstance(item, Parsed)]
    unbuilt = tuple(item for item in reader.items if isinstance(item, Unbuilt))
    problems += [p for entry in reader.parsed.values() for p in entry.problems]
    jobs = [(key, text, p.path) for p in parsed for key, text in p.markdown.values()]
    if config.intro:
        jobs.append((markdown_key(config.intro, "site.yaml", config.markdown), config.intro, "site.yaml"))
    rendered = iter(converter.convert_many(jobs))
    built = [make_item(p, {name: next(rendered) for name in p.markdown}, problems) for p in parsed]
    intro = next(rendered).key if config.intro else ""
    by_kind = {kind: tuple(b for b in built if b is not None and collection_of(b) == kind)
               for kind in ("document", *RECORD_KINDS)}
    static = _static_files(root)
    content = Content(by_kind["document"], by_kind["branches"], by_kind["events"], by_kind["honors"],
                      by_kind["phases"], static, intro, unbuilt)
    return Loaded(content, problems, reader.parsed)


class _Reader:
    """Reads source files once each, reusing an earlier parse of identical bytes."""

    def __init__(self, root: Path, config: Config, known: dict, has_html: Callable[[str], bool],
                 stamps: dict):
        self.root, self.config, self.known, self.has_html = root, config, known, has_html
        self.stamps = stamps
        self.parsed: dict[str, SourceEntry] = {}
        self.pending: list[tuple] = []  # files to check: (rel, path, kind, list_form, stamp, digest)
        self._items: dict[str, list] = {}  # by file, in the order the files were read

    @property
    def items(self) -> list:
        """The Parsed and Unbuilt items of every file, in file order (the same on every build)."""
        return [item for items in self._items.values() for item in items]

    def read(self, rel: str, path: str, kind: str, list_form: bool) -> None:
        """Check one file (rel to the site, path on disk) as its folder's kind, unless known."""
        self._items[rel] = []  # keeps the file's place in the order
        try:
            stamp = self.stamps.get(rel)
            if stamp is None:
                status = os.stat(path)
                stamp = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)
            earlier = self.known.get(rel)
            if earlier is None:
                self.pending.append((rel, path, kind, list_form, stamp, None))
                return None
            if earlier.stamp == stamp and self._complete(earlier):
                return self._remember(rel, earlier, earlier.items)
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            return self._unreadable(rel, exc)
        digest = hashlib.blake2b(data, digest_size=16).digest()
        if earlier.digest == digest and self._complete(earlier):
            return self._remember(rel, earlier._replace(stamp=stamp), earlier.items)
        self.pending.append((rel, path, kind, list_form, stamp, digest))
        return None

    def _unreadable(self, rel: str, exc: OSError) -> None:
        """Remember a file that could not be read, as a problem."""
        problem = error(rel, None, f"无法读取文件（{exc.strerror}）", "检查文件权限")
        self.parsed[rel] = SourceEntry((), b"", [], [problem])

    def check_pending(self, mapper: Mapper | None, converter) -> None:
        """Check the files read() could not reuse, in worker processes when a mapper is given."""
        config, pending = self.config, self.pending

        def check(index: int):
            rel, path, kind, list_form, stamp, digest = pending[index]
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError as exc:
                return exc
            stem = os.path.splitext(os.path.basename(path))[0]
            checked = check_source(data, rel, kind, config, stem, list_form)
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
        """Whether everything a remembered parse needs is still in the cache."""
        return all(self.has_html(key) for item in entry.items if isinstance(item, Parsed)
                   for key, _ in item.markdown.values())

    def _remember(self, rel: str, entry: SourceEntry, items: list) -> None:
        """Keep a file's entry for the next build and its items for this one."""
        self.parsed[rel] = entry
        self._items[rel] = items


def _in_order(func: Callable, items: Sequence) -> Iterable[tuple[int, object]]:
    """The sequential mapper: (index, func(item)) in order."""
    return ((index, func(item)) for index, item in enumerate(items))


def _remembered(item):
    """What the build cache keeps of an item: a parse without its Markdown texts."""
    return item.remembered() if isinstance(item, Parsed) else item


def check_source(data: bytes, rel: str, kind: str, config: Config, stem: str, list_form: bool) -> Checked:
    """Check one source file's bytes as the kind its folder says."""
    if kind in DOCUMENT_FOLDERS.values():
        return parse_document(data, rel, kind, config, stem)
    return parse_records(data, rel, kind, config, None if list_form else stem)


def _check_layout(content: Path) -> list[Problem]:
    """Warn about files and folders in content/ that cxsite does not read."""
    known = {*DOCUMENT_FOLDERS, *RECORD_KINDS, *(f"{k}.yaml" for k in RECORD_KINDS)}
    problems = []
    for entry in sorted(content.iterdir()):
        if entry.name.startswith(".") or entry.name in known or entry.name.endswith(_BACKUPS):
            continue
        near = difflib.get_close_matches(entry.name, sorted(known), n=1, cutoff=0.6)
        hint = f"是不是想用 {near[0]}？" if near else "可用的名称：" + "、".join(sorted(known))
        problems.append(warning(f"{CONTENT_DIR}/{entry.name}", None, "cxsite 不读取这个文件或文件夹", hint))
    return problems


def _files(folder: Path, suffix: str, problems: list[Problem], root: Path) -> list[tuple[str, str]]:
    """List a folder's source files as (path from the site root, path on disk), warning about strays."""
    found = []
    base = str(root) + os.sep
    # os.walk and plain strings: rglob and pathlib cost half a second at 10,000 files.
    for place, folders, names in os.walk(folder):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = os.path.join(place, name)
            rel = path[len(base):].replace(os.sep, "/") if path.startswith(base) else \
                _relative(Path(path), root)
            if name.lower().endswith(suffix):
                found.append((rel, path))
            elif not name.endswith(_BACKUPS):
                problems.append(warning(rel, None, f"这里只读取 {suffix} 文件，此文件不会发布",
                                        "图片等文件请放到 static/ 文件夹"))
    return found


def _relative(path: Path, root: Path) -> str:
    """Return a path relative to the site root, with forward slashes."""
    text, base = str(path), str(root) + os.sep
    if text.startswith(base):  # the common case, without pathlib's slower parsing
        return text[len(base):].replace(os.sep, "/")
    return path.relative_to(root).as_posix()


def _static_files(root: Path) -> tuple[StaticFile, ...]:
    """List the theme's and the site's static files; the site's win by path."""
    files: dict[str, str] = {}
    for folder in (THEME_STATIC, root / STATIC_DIR):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if path.is_file() and not any(part.startswith(".") for part in rel.parts):
                files[rel.as_posix()] = str(path)
    return tuple(StaticFile(url, source) for url, source in sorted(files.items()))


def read_static(static: StaticFile) -> bytes:
    """Return the bytes of a static file (for serving a site from memory)."""
    return Path(static.source).read_bytes()


def scan_inputs(root: Path) -> dict[str, tuple]:
    """Stamp every file a build reads (size, times, inode), to tell cheaply that none changed."""
    stamps: dict[str, tuple] = {}
    for label, folder in (("", root / CONTENT_DIR), ("", root / STATIC_DIR), ("", root / "layouts"),
                          ("theme:", THEME_STATIC.parent)):
        _stamp_tree(folder, f"{label}{folder.name}", stamps)
    for name in ("site.yaml",):
        _stamp_file(root / name, name, stamps)
    return stamps


def _stamp_tree(folder: Path, prefix: str, stamps: dict) -> None:
    """Stamp the files under a folder, recursively."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        name = f"{prefix}/{entry.name}"
        if entry.is_dir(follow_symlinks=True):
            _stamp_tree(Path(entry.path), name, stamps)
        else:
            _stamp_file(Path(entry.path), name, stamps)


def _stamp_file(path: Path, name: str, stamps: dict) -> None:
    """Stamp one file if it exists."""
    try:
        status = path.stat()
    except OSError:
        return
    stamps[name] = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)


# ------------------------------------------------ reading for check, new and init


def read_project_texts(root: Path) -> list[tuple[str, str]]:
    """Return (path, text) of every text file in layouts/, static/ and content/, and site.yaml."""
    found = []
    candidates = [root / "site.yaml"]
    for folder in (LAYOUTS_DIR, STATIC_DIR, CONTENT_DIR):
        if (root / folder).is_dir():
            candidates += sorted((root / folder).rglob("*"))
    for path in candidates:
        rel = path.relative_to(root)
        if (not path.is_file() or path.suffix.lower() not in TEXT_SUFFIXES
                or any(part.startswith(".") for part in rel.parts)):
            continue
        try:
            text, _ = decode_source(path.read_bytes(), rel.as_posix())
        except OSError:
            continue
        if text is not None:
            found.append((rel.as_posix(), text))
    return found


def find_legacy_encoded(root: Path) -> list[tuple[str, str]]:
    """Return (path, text) of every source file written in GBK/GB18030, decoded."""
    found = []
    candidates = [root / "site.yaml"]
    if (root / CONTENT_DIR).is_dir():
        candidates += sorted((root / CONTENT_DIR).rglob("*"))
    for path in candidates:
        if not path.is_file() or path.suffix.lower() not in (".md", ".yaml", ".yml"):
            continue
        data = path.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            text = decode_legacy(data)
            if text is not None:
                found.append((_relative(path, root), text))
    return found


@dataclass(frozen=True)
class Existing:
    """What `cxsite new` must not collide with: issue numbers, ids, URLs and file names."""

    issues: frozenset = frozenset()
    ids: dict = field(default_factory=dict)  # kind -> frozenset of ids
    urls: frozenset = frozenset()  # URLs of posts and pages
    files: frozenset = frozenset()  # paths relative to the root, content/… with forward slashes
    last_distribution: tuple = ()  # 发送范围 of the latest bulletin, to reuse


def read_existing(root: Path, config: Config) -> Existing:
    """Read the issue numbers, record ids, URLs and file names already in content/."""
    content = root / CONTENT_DIR
    if not content.is_dir():
        return Existing()
    reader = _Reader(root, config, {}, lambda key: False, {})
    for folder, kind in DOCUMENT_FOLDERS.items():
        for rel, path in _files(content / folder, ".md", [], root):
            reader.read(rel, path, kind, False)
    for kind in ("branches", "events", "phases"):
        if (content / f"{kind}.yaml").is_file():
            reader.read(f"{CONTENT_DIR}/{kind}.yaml", str(content / f"{kind}.yaml"), kind, True)
        for rel, path in _files(content / kind, ".yaml", [], root):
            reader.read(rel, path, kind, False)
    reader.check_pending(None, None)
    issues: dict[int, tuple] = {}
    urls: set[str] = set()
    ids: dict[str, set] = {"branches": set(), "events": set(), "phases": set()}
    for item in reader.items:
        if isinstance(item, Unbuilt):
            if item.identity and item.identity[0] == "issue":
                issues.setdefault(item.identity[1], ())
            elif item.identity:
                ids[item.identity[0]].add(item.identity[1])
        elif item.kind == BULLETIN:
            issues[item.values["issue"]] = item.values.get("distribution", ())
        elif item.kind in (POST, PAGE):
            slug = document_slug(item, [])
            urls.add(f"/posts/{slug}/" if item.kind == POST else f"/{slug}/")
        else:
            ids[item.kind].add(item.values["id"])
    files = frozenset(_relative(p, root) for p in content.rglob("*"))
    last = issues[max(issues)] if issues else ()
    return Existing(frozenset(issues), {k: frozenset(v) for k, v in ids.items()}, frozenset(urls), files,
                    last)
