"""Reads a site's content/ and static files into the model, with every problem located.

The loader is, with the template loader, the only stage that reads the project.
Markdown conversion is handed in (`convert_many`) so the build can cache it and
run it in worker processes.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from cxsite.config import Config
from cxsite.markup import Rendered, markdown_key
from cxsite.model import (
    BULLETIN,
    PAGE,
    POST,
    Branch,
    Content,
    Document,
    Event,
    Honor,
    Phase,
    StaticFile,
)
from cxsite.problem import Problem, error, warning
from cxsite.schema import check_fields
from cxsite.slug import is_slug, slugify
from cxsite.syntax import YamlValue, decode_source, parse_yaml, split_front_matter

CONTENT_DIR = "content"
STATIC_DIR = "static"
DOCUMENT_FOLDERS = {"bulletins": BULLETIN, "posts": POST, "pages": PAGE}
RECORD_KINDS = ("branches", "events", "honors", "phases")
THEME_STATIC = Path(__file__).parent / "theme" / "static"

# convert_many takes (key, Markdown text or None when the key is known, source path) jobs.
ConvertMany = Callable[[Sequence[tuple[str, str | None, str]]], list[Rendered]]


@dataclass(frozen=True)
class Parsed:
    """A source file's checked values, waiting for its Markdown to be converted."""

    kind: str
    path: str
    values: dict
    lines: dict
    markdown: dict  # field name -> (markdown_key, Markdown text; None once remembered)

    def remembered(self) -> Parsed:
        """The same parse without its Markdown texts: what the build cache keeps."""
        return replace(self, markdown={name: (key, None) for name, (key, _) in self.markdown.items()})


@dataclass(frozen=True)
class SourceEntry:
    """What the loader remembers of one source file between builds."""

    stamp: tuple  # (size, mtime_ns, ctime_ns, inode): unchanged means the bytes need no reading
    digest: bytes  # of the bytes
    items: list  # Parsed items without Markdown texts
    problems: list


@dataclass(frozen=True)
class Loaded:
    """What the loader read: the content, its problems, and each source file's parse."""

    content: Content
    problems: list[Problem]
    parsed: dict  # path -> SourceEntry, to skip unchanged files next build


def load_content(root: Path, config: Config, convert_many: ConvertMany,
                 known: dict | None = None, has_html: Callable[[str], bool] = lambda key: False,
                 stamps: dict | None = None) -> Loaded:
    """Read every document, record and static file of the site under root.

    `known` is the `parsed` of an earlier load with the same configuration: a
    file whose bytes have the same digest (or the same size, times and inode) is
    not parsed again, as long as `has_html` says its Markdown needs no converting.
    `stamps` are the file stamps scan_inputs just took, to save a second stat per file.
    """
    problems: list[Problem] = []
    reader = _Reader(root, config, known or {}, has_html, stamps or {})
    content = root / CONTENT_DIR
    if not content.is_dir():
        problems.append(error(CONTENT_DIR, None, "找不到内容文件夹 content/",
                              "在网站根目录下新建 content/，简报放在 content/bulletins/"))
    else:
        problems += _check_layout(content)
        for folder, kind in DOCUMENT_FOLDERS.items():
            for path in _files(content / folder, ".md", problems, root):
                reader.read(path, kind, _read_document)
        for kind in RECORD_KINDS:
            list_file = content / f"{kind}.yaml"
            if list_file.is_file():
                reader.read(list_file, kind, _read_record_list)
            for path in _files(content / kind, ".yaml", problems, root):
                reader.read(path, kind, _read_record_file)
    parsed = reader.items
    problems += [p for entry in reader.parsed.values() for p in entry.problems]
    jobs = [(key, text, p.path) for p in parsed for key, text in p.markdown.values()]
    if config.intro:
        jobs.append((markdown_key(config.intro, "site.yaml", config.raw_html), config.intro, "site.yaml"))
    rendered = iter(convert_many(jobs))
    built = [_build(p, {name: next(rendered) for name in p.markdown}, problems) for p in parsed]
    intro = next(rendered).key if config.intro else ""
    by_kind = {kind: tuple(b for b in built if b is not None and _kind_of(b) == kind)
               for kind in ("document", *RECORD_KINDS)}
    static = _static_files(root)
    content = Content(by_kind["document"], by_kind["branches"], by_kind["events"], by_kind["honors"],
                      by_kind["phases"], static, intro)
    return Loaded(content, problems, reader.parsed)


class _Reader:
    """Reads source files once each, reusing an earlier parse of identical bytes."""

    def __init__(self, root: Path, config: Config, known: dict, has_html: Callable[[str], bool],
                 stamps: dict):
        self.root, self.config, self.known, self.has_html = root, config, known, has_html
        self.stamps = stamps
        self.parsed: dict[str, SourceEntry] = {}
        self.items: list[Parsed] = []

    def read(self, path: Path, kind: str, parse) -> None:
        """Parse one file with `parse(rel, stem, data, kind, config)` unless it is known."""
        rel = _relative(path, self.root)
        try:
            stamp = self.stamps.get(rel)
            if stamp is None:
                status = path.stat()
                stamp = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)
            earlier = self.known.get(rel)
            if earlier is not None and earlier.stamp == stamp and self._complete(earlier):
                return self._remember(rel, earlier, earlier.items)
            data = path.read_bytes()
        except OSError as exc:
            problem = error(rel, None, f"无法读取文件（{exc.strerror}）", "检查文件权限")
            self.parsed[rel] = SourceEntry((), b"", [], [problem])
            return None
        digest = hashlib.blake2b(data, digest_size=16).digest()
        if earlier is not None and earlier.digest == digest and self._complete(earlier):
            return self._remember(rel, replace(earlier, stamp=stamp), earlier.items)
        items, problems = parse(rel, path.stem, data, kind, self.config)
        entry = SourceEntry(stamp, digest, [item.remembered() for item in items], problems)
        return self._remember(rel, entry, items)

    def _complete(self, entry: SourceEntry) -> bool:
        """Whether everything a remembered parse needs is still in the cache."""
        return all(self.has_html(key) for item in entry.items for key, _ in item.markdown.values())

    def _remember(self, rel: str, entry: SourceEntry, items: list) -> None:
        """Keep a file's entry for the next build and its items for this one."""
        self.parsed[rel] = entry
        self.items += items


def _kind_of(item) -> str:
    """Return the collection an item belongs to."""
    return {Document: "document", Branch: "branches", Event: "events", Honor: "honors",
            Phase: "phases"}[type(item)]


def _check_layout(content: Path) -> list[Problem]:
    """Warn about files and folders in content/ that cxsite does not read."""
    known = {*DOCUMENT_FOLDERS, *RECORD_KINDS, *(f"{k}.yaml" for k in RECORD_KINDS)}
    problems = []
    for entry in sorted(content.iterdir()):
        if entry.name.startswith(".") or entry.name in known:
            continue
        near = difflib.get_close_matches(entry.name, sorted(known), n=1, cutoff=0.6)
        hint = f"是不是想用 {near[0]}？" if near else "可用的名称：" + "、".join(sorted(known))
        problems.append(warning(f"{CONTENT_DIR}/{entry.name}", None, "cxsite 不读取这个文件或文件夹", hint))
    return problems


def _files(folder: Path, suffix: str, problems: list[Problem], root: Path) -> list[Path]:
    """List the source files of a folder (recursively, in a stable order), warning about strays."""
    found = []
    # os.walk with plain strings: rglob and sorting Paths cost half a second at 10,000 files.
    for place, folders, names in os.walk(folder):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = Path(place, name)
            if name.lower().endswith(suffix):
                found.append(path)
            elif not name.endswith(("~", ".swp", ".tmp", ".bak")):
                problems.append(warning(_relative(path, root), None,
                                        f"这里只读取 {suffix} 文件，此文件不会发布",
                                        "图片等文件请放到 static/ 文件夹"))
    return found


def _relative(path: Path, root: Path) -> str:
    """Return a path relative to the site root, with forward slashes."""
    text, base = str(path), str(root) + os.sep
    if text.startswith(base):  # the common case, without pathlib's slower parsing
        return text[len(base):].replace(os.sep, "/")
    return path.relative_to(root).as_posix()


def _read_document(rel: str, stem: str, data: bytes, kind: str, config: Config):
    """Parse one Markdown document's front matter and body."""
    text, problems = decode_source(data, rel)
    if text is None:
        return [], problems
    front, problems = split_front_matter(text, rel)
    if front is None:
        return [], problems
    data, problems = parse_yaml(front.header, rel, front.header_line)
    if data is None:
        return [], problems
    if data.value is None:
        data = YamlValue({}, {(): (front.header_line, 1)})
    values, found = check_fields(data, kind, rel, config.tz)
    problems += found
    if any(p.is_error for p in found):
        return [], problems
    # Blank lines keep the body's line numbers equal to the file's in Markdown errors.
    body = "\n" * (front.body_line - 1) + front.body
    lines = {key[0]: line for key, (line, _) in data.where.items() if len(key) == 1}
    lines["body"] = front.body_line
    key = markdown_key(body, rel, config.raw_html)
    return [Parsed(kind, rel, {**values, "_stem": stem}, lines, {"body": (key, body)})], problems


def _read_record_list(rel: str, stem: str, data: bytes, kind: str, config: Config):
    """Parse a YAML file holding a list of records."""
    data, problems = _parse_record_file(rel, data)
    if data is None:
        return [], problems
    if not isinstance(data.value, list):
        return [], problems + [error(rel, 1, f"{rel} 应是一个列表，每项以“- ”开头",
                                     f"或者把每条记录放到 content/{kind}/ 下的单独文件里")]
    items = []
    for index in range(len(data.value)):
        item, found = _record(data, kind, rel, config, (index,), {})
        items += item
        problems += found
    return items, problems


def _read_record_file(rel: str, stem: str, data: bytes, kind: str, config: Config):
    """Parse a YAML file holding one record (its id defaults to the file name)."""
    data, problems = _parse_record_file(rel, data)
    if data is None:
        return [], problems
    defaults = {"id": stem} if kind != "honors" else {}
    item, found = _record(data, kind, rel, config, (), defaults)
    return item, problems + found


def _parse_record_file(rel: str, data: bytes) -> tuple[YamlValue | None, list[Problem]]:
    """Decode and parse a YAML record file."""
    text, problems = decode_source(data, rel)
    if text is None:
        return None, problems
    if not text.strip():
        return None, [error(rel, 1, "文件是空的", "删除这个文件，或写入记录内容")]
    return parse_yaml(text, rel)


_MARKDOWN_FIELDS = {"branches": ("description",), "events": ("summary",), "phases": ("summary",)}


def _record(data: YamlValue, kind: str, rel: str, config: Config, prefix: tuple, defaults: dict):
    """Check one record and prepare it for conversion."""
    values, problems = check_fields(data, kind, rel, config.tz, prefix, defaults)
    if any(p.is_error for p in problems):
        return [], problems
    lines = {key[len(prefix)]: line for key, (line, _) in data.where.items()
             if len(key) == len(prefix) + 1 and key[: len(prefix)] == prefix}
    lines["_record"] = data.line_of(*prefix) or 1
    if "id" in values and not is_slug(values["id"]):
        suggestion = slugify(values["id"]) or "zhi-bu-1"
        return [], [error(rel, lines.get("id", lines["_record"]),
                          f"编号 id“{values['id']}”只能含小写字母、数字和连字符（-）",
                          f"它会出现在网址里，可改为 {suggestion}")]
    markdown = {name: (markdown_key(text, rel, config.raw_html), text)
                for name in _MARKDOWN_FIELDS.get(kind, ()) if (text := values.pop(name, None))}
    return [Parsed(kind, rel, values, lines, markdown)], problems


def _build(parsed: Parsed, rendered: dict[str, Rendered], problems: list[Problem]):
    """Make the model object of a parsed source once its Markdown is HTML."""
    v, lines = parsed.values, parsed.lines
    if parsed.kind in DOCUMENT_FOLDERS.values():
        return _document(parsed, rendered["body"], problems)
    keys = {name: r.key for name, r in rendered.items()}
    if parsed.kind == "branches":
        return Branch(v["id"], parsed.path, f"/branches/{v['id']}/", v["name"], v.get("kind", ""),
                      v.get("theme", ""), v.get("secretary", ""), v.get("members"),
                      v.get("sections", ()), v.get("goals", ()), keys.get("description", ""),
                      v.get("weight", 0), lines)
    if parsed.kind == "events":
        summary = rendered.get("summary")
        return Event(v["id"], parsed.path, f"/events/{v['id']}/", v["title"], v["date"], v.get("end"),
                     v.get("time", ""), v.get("location", ""), v.get("kind", ""),
                     v.get("branches", ()), v.get("participants"), v.get("phase", ""),
                     v.get("bulletin"), keys.get("summary", ""),
                     summary.text_summary if summary else "", v.get("photos", ()), lines)
    if parsed.kind == "honors":
        return Honor(v["title"], parsed.path, v["date"], v.get("level", ""), v.get("awarded_by", ""),
                     v.get("recipient", ""), v.get("branch", ""), lines)
    return Phase(v["id"], parsed.path, f"/phases/{v['id']}/", v["name"], v["start"], v["end"],
                 keys.get("summary", ""), v.get("goals", ()), lines)


def _document(parsed: Parsed, body: Rendered, problems: list[Problem]) -> Document | None:
    """Make a Document, working out its slug and URL."""
    v = parsed.values
    slug = _slug(parsed, problems)
    if slug is None:
        return None
    if parsed.kind == BULLETIN:
        url = f"/bulletins/{v['issue']}/"
    elif parsed.kind == POST:
        url = f"/posts/{slug}/"
    else:
        url = f"/{slug}/"
    menu = v.get("menu", "")
    return Document(
        kind=parsed.kind, path=parsed.path, url=url, title=v["title"], body=body.key,
        summary=v.get("summary") or body.text_summary, date=v.get("date"), issue=v.get("issue"),
        slug=slug, category=v.get("category", ""), author=v.get("author", ""),
        branches=v.get("branches", ()), events=v.get("events", ()), tags=v.get("tags", ()),
        distribution=v.get("distribution", ()), cover=v.get("cover", ""), draft=v.get("draft", False),
        weight=v.get("weight", 0), menu=v["title"] if menu is True else (menu or ""),
        chars=body.chars, links=body.links, lines=parsed.lines,
    )


def _slug(parsed: Parsed, problems: list[Problem]) -> str | None:
    """Return the explicit slug, else one made from the file name or title."""
    v = parsed.values
    if parsed.kind == BULLETIN:
        return str(v["issue"])
    if "slug" in v:
        if is_slug(v["slug"]):
            return v["slug"]
        problems.append(error(parsed.path, parsed.lines.get("slug"),
                              f"slug（网址名）“{v['slug']}”只能含小写字母、数字和连字符（-）",
                              f"可改为 {slugify(v['slug']) or 'wen-zhang-1'}"))
        return None
    slug = v["_stem"] if is_slug(v["_stem"]) else slugify(v["_stem"]) or slugify(v["title"])
    if not slug:
        problems.append(error(parsed.path, parsed.lines.get("title"), "无法从文件名或标题生成网址名",
                              "加上一行“slug: 英文或拼音网址名”"))
        return None
    return slug


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
