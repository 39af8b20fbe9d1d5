"""Reads a site's content/ and static files into the model, with every problem located.

The loader is, with the template loader, the only stage that reads the project.
Markdown conversion is handed in (`convert_many`) so the build can cache it and
run it in worker processes. Reading a file and checking its text are separate:
`parse_document` and `parse_records` take text and never touch the disk.

`lines` of a document or record maps each top-level key to its line, and each
key path tuple — `("branches",)` for a value, `("branches", 2)` for a list item —
to the (line, column) where it is written, so problems can point at the item.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cxsite.config import Config
from cxsite.markup import Rendered
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
    Unbuilt,
)
from cxsite.problem import Problem, error, warning
from cxsite.schema import FieldError, check_fields, key_names, read_id, read_positive_int
from cxsite.slug import is_slug, slugify
from cxsite.syntax import YamlValue, decode_legacy, decode_source, parse_yaml, split_front_matter

CONTENT_DIR = "content"
STATIC_DIR = "static"
LAYOUTS_DIR = "layouts"
DOCUMENT_FOLDERS = {"bulletins": BULLETIN, "posts": POST, "pages": PAGE}
RECORD_KINDS = ("branches", "events", "honors", "phases")
THEME_STATIC = Path(__file__).parent / "theme" / "static"
TEXT_SUFFIXES = (".html", ".htm", ".xml", ".svg", ".css", ".js", ".md", ".yaml", ".yml", ".txt", ".json")

ConvertMany = Callable[[Sequence[tuple[str, str]]], list[Rendered]]


@dataclass(frozen=True)
class Parsed:
    """A source file's checked values, waiting for its Markdown to be converted."""

    kind: str
    path: str
    values: dict
    lines: dict
    markdown: dict  # field name -> Markdown text


@dataclass(frozen=True)
class Checked:
    """What reading one source file gave: items to build, problems, and the items that failed."""

    items: tuple[Parsed, ...] = ()
    problems: tuple[Problem, ...] = ()
    unbuilt: tuple[Unbuilt, ...] = ()


def load_content(root: Path, config: Config, convert_many: ConvertMany) -> tuple[Content, list[Problem]]:
    """Read every document, record and static file of the site under root."""
    problems: list[Problem] = []
    checked: list[Checked] = []
    content = root / CONTENT_DIR
    if not content.is_dir():
        problems.append(error(CONTENT_DIR, None, "找不到内容文件夹 content/",
                              "在网站根目录下新建 content/，简报放在 content/bulletins/"))
    else:
        problems += _check_layout(content)
        for folder, kind in DOCUMENT_FOLDERS.items():
            checked += [_read_document(root, path, kind, config.tz)
                        for path in _files(content / folder, ".md", problems, root)]
        for kind in RECORD_KINDS:
            checked += _read_records(root, content, kind, config.tz, problems)
    parsed = [item for c in checked for item in c.items]
    problems += [p for c in checked for p in c.problems]
    jobs = [(text, p.path) for p in parsed for text in p.markdown.values()]
    if config.intro:
        jobs.append((config.intro, "site.yaml"))
    rendered = iter(convert_many(jobs))
    built = [_build(p, {name: next(rendered) for name in p.markdown}, problems) for p in parsed]
    intro = next(rendered).html if config.intro else ""
    by_kind = {kind: tuple(b for b in built if b is not None and _kind_of(b) == kind)
               for kind in ("document", *RECORD_KINDS)}
    static = _static_files(root)
    unbuilt = tuple(u for c in checked for u in c.unbuilt)
    return Content(by_kind["document"], by_kind["branches"], by_kind["events"], by_kind["honors"],
                   by_kind["phases"], static, intro, unbuilt), problems


def _kind_of(item) -> str:
    """Return the collection an item belongs to."""
    return {Document: "document", Branch: "branches", Event: "events", Honor: "honors",
            Phase: "phases"}[type(item)]


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


_BACKUPS = ("~", ".swp", ".tmp", ".bak")


def _files(folder: Path, suffix: str, problems: list[Problem], root: Path) -> list[Path]:
    """List the source files of a folder (recursively, sorted), warning about strays."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        if path.suffix.lower() == suffix:
            found.append(path)
        elif not path.name.endswith(_BACKUPS):
            problems.append(warning(_relative(path, root), None, f"这里只读取 {suffix} 文件，此文件不会发布",
                                    "图片等文件请放到 static/ 文件夹"))
    return found


def _relative(path: Path, root: Path) -> str:
    """Return a path relative to the site root, with forward slashes."""
    return path.relative_to(root).as_posix()


def _read_bytes(path: Path, rel: str) -> tuple[bytes | None, list[Problem]]:
    """Read a source file's bytes."""
    try:
        return path.read_bytes(), []
    except OSError as exc:
        return None, [error(rel, None, f"无法读取文件（{exc.strerror}）", "检查文件权限")]


def _read_document(root: Path, path: Path, kind: str, tz: dt.tzinfo) -> Checked:
    """Read one Markdown document."""
    rel = _relative(path, root)
    data, problems = _read_bytes(path, rel)
    if data is None:
        return Checked(problems=tuple(problems))
    return parse_document(data, rel, kind, tz, path.stem)


def parse_document(data: bytes, rel: str, kind: str, tz: dt.tzinfo, stem: str) -> Checked:
    """Check a Markdown document's bytes: encoding, front matter, keys and values."""
    text, problems = decode_source(data, rel)
    if text is None:
        return Checked(problems=tuple(problems), unbuilt=_legacy_unbuilt(data, rel, kind))
    front, problems = split_front_matter(text, rel)
    if front is None:
        return Checked(problems=tuple(problems))
    data_value, problems = parse_yaml(front.header, rel, front.header_line, key_names(kind))
    if data_value is None:
        return Checked(problems=tuple(problems))
    if data_value.value is None:
        data_value = YamlValue({}, {(): (front.header_line, 1)})
    values, found = check_fields(data_value, kind, rel, tz)
    problems += found
    if any(p.is_error for p in problems):
        return Checked(problems=tuple(problems),
                       unbuilt=(_unbuilt(kind, rel, data_value.value, values, _lines(data_value, ())),))
    # Blank lines keep the body's line numbers equal to the file's in Markdown errors.
    body = "\n" * (front.body_line - 1) + front.body
    lines = _lines(data_value, ())
    lines["body"] = front.body_line
    return Checked((Parsed(kind, rel, {**values, "_stem": stem}, lines, {"body": body}),),
                   tuple(problems))


def _lines(data: YamlValue, prefix: tuple) -> dict:
    """Return the positions of a mapping's keys, values and list items (see module doc)."""
    size = len(prefix)
    lines: dict = {}
    for key, (line, _) in data.where.items():
        if len(key) == size + 1 and key[:size] == prefix:
            lines[key[size]] = line
    for key, position in data.values.items():
        if size < len(key) <= size + 2 and key[:size] == prefix:
            lines[key[size:]] = position
    for key, position in data.where.items():
        if len(key) == size + 2 and key[:size] == prefix:
            lines[key[size:]] = position
    return lines


def _identity(raw, kind: str) -> tuple | None:
    """Return who a failed source says it is: its issue number or its id, when readable."""
    if not isinstance(raw, dict):
        return None
    try:
        if kind == BULLETIN and raw.get("issue") is not None:
            return ("issue", read_positive_int(raw["issue"]))
        if kind in ("branches", "events", "phases") and raw.get("id") is not None:
            return (kind, read_id(raw["id"]))
    except FieldError:
        pass
    return None


def _unbuilt(kind: str, rel: str, raw, values: dict, lines: dict) -> Unbuilt:
    """Keep what a failed source says it is and refers to (the values that did read)."""
    return Unbuilt(kind, rel, _identity(raw, kind), values.get("branches", ()), values.get("events", ()),
                   values.get("phase", ""), values.get("bulletin"), values.get("branch", ""), lines)


def _legacy_unbuilt(data: bytes, rel: str, kind: str) -> tuple[Unbuilt, ...]:
    """Read who a GBK file says it is, so its mistake is reported once, not at every reference."""
    text = decode_legacy(data)
    if text is None:
        return ()
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if kind in DOCUMENT_FOLDERS.values():
        front, _ = split_front_matter(text, "")
        text = front.header if front else ""
    parsed, _ = parse_yaml(text, "")
    if parsed is None:
        return ()
    items = parsed.value if isinstance(parsed.value, list) else [parsed.value]
    return tuple(Unbuilt(kind, rel, _identity(item, kind)) for item in items)


def _read_records(root: Path, content: Path, kind: str, tz: dt.tzinfo, problems: list[Problem]):
    """Return the records of a kind from content/<kind>.yaml and content/<kind>/*.yaml."""
    found = []
    list_file = content / f"{kind}.yaml"
    sources = ([(list_file, True)] if list_file.is_file() else []) + [
        (path, False) for path in _files(content / kind, ".yaml", problems, root)]
    for path, list_form in sources:
        rel = _relative(path, root)
        data, read_problems = _read_bytes(path, rel)
        if data is None:
            found.append(Checked(problems=tuple(read_problems)))
            continue
        found.append(parse_records(data, rel, kind, tz, None if list_form else path.stem))
    return found


def parse_records(data: bytes, rel: str, kind: str, tz: dt.tzinfo, stem: str | None) -> Checked:
    """Check a YAML record file: a list of records, or one record named after `stem`."""
    text, problems = decode_source(data, rel)
    if text is None:
        return Checked(problems=tuple(problems), unbuilt=_legacy_unbuilt(data, rel, kind))
    if not text.strip():
        return Checked(problems=(error(rel, 1, "文件是空的", "删除这个文件，或写入记录内容"),))
    parsed, problems = parse_yaml(text, rel, 1, key_names(kind))
    if parsed is None:
        return Checked(problems=tuple(problems))
    if parsed.value is None:
        return Checked(problems=(error(rel, 1, "文件里只有注释，没有记录", "删除这个文件，或写入记录内容"),))
    if stem is not None:
        return _merge([Checked(problems=tuple(problems)), _record_file(parsed, kind, rel, tz, stem)])
    if not isinstance(parsed.value, list):
        return Checked(problems=(*problems, error(
            rel, 1, f"{rel} 应是一个列表，每项以“- ”开头",
            f"或者把每条记录放到 content/{kind}/ 下的单独文件里")))
    return _merge([Checked(problems=tuple(problems))] + [
        _record(parsed, kind, rel, tz, (index,), {}) for index in range(len(parsed.value))])


def _record_file(parsed: YamlValue, kind: str, rel: str, tz: dt.tzinfo, stem: str) -> Checked:
    """Check a file holding one record; its id defaults to the file name."""
    if kind == "honors":
        return _record(parsed, kind, rel, tz, (), {})
    if isinstance(parsed.value, dict) and parsed.value.get("id") in (None, "") and not is_slug(stem):
        suggestion = slugify(stem) or "ji-lu-1"
        problem = error(rel, 1, f"文件名“{stem}”不能用作编号 id（只能含小写字母、数字和连字符）",
                        f"把文件改名为 {suggestion}.yaml，或在文件里加一行“id: {suggestion}”")
        return Checked(problems=(problem,), unbuilt=(Unbuilt(kind, rel),))
    return _record(parsed, kind, rel, tz, (), {"id": stem})


def _merge(results: list[Checked]) -> Checked:
    """Combine the results of the records of one file."""
    return Checked(tuple(i for r in results for i in r.items), tuple(p for r in results for p in r.problems),
                   tuple(u for r in results for u in r.unbuilt))


_MARKDOWN_FIELDS = {"branches": ("description",), "events": ("summary",), "phases": ("summary",)}


def _record(data: YamlValue, kind: str, rel: str, tz: dt.tzinfo, prefix: tuple, defaults: dict) -> Checked:
    """Check one record and prepare it for conversion."""
    values, problems = check_fields(data, kind, rel, tz, prefix, defaults)
    if any(p.is_error for p in problems):
        raw = data.value[prefix[0]] if prefix else data.value
        if isinstance(raw, dict):
            raw = {**defaults, **raw}
        return Checked(problems=tuple(problems),
                       unbuilt=(_unbuilt(kind, rel, raw, values, _lines(data, prefix)),))
    lines = _lines(data, prefix)
    lines["_record"] = data.line_of(*prefix) or 1
    markdown = {name: values.pop(name) for name in _MARKDOWN_FIELDS.get(kind, ()) if name in values}
    return Checked((Parsed(kind, rel, values, lines, markdown),), tuple(problems))


def _build(parsed: Parsed, rendered: dict[str, Rendered], problems: list[Problem]):
    """Make the model object of a parsed source once its Markdown is HTML."""
    v, lines = parsed.values, parsed.lines
    if parsed.kind in DOCUMENT_FOLDERS.values():
        return _document(parsed, rendered["body"], problems)
    html = {name: r.html for name, r in rendered.items()}
    if parsed.kind == "branches":
        return Branch(v["id"], parsed.path, f"/branches/{v['id']}/", v["name"], v.get("kind", ""),
                      v.get("theme", ""), v.get("secretary", ""), v.get("members"),
                      v.get("sections", ()), v.get("goals", ()), html.get("description", ""),
                      v.get("weight", 0), lines)
    if parsed.kind == "events":
        summary = rendered.get("summary")
        return Event(v["id"], parsed.path, f"/events/{v['id']}/", v["title"], v["date"], v.get("end"),
                     v.get("time", ""), v.get("location", ""), v.get("kind", ""),
                     v.get("branches", ()), v.get("participants"), v.get("phase", ""),
                     v.get("bulletin"), html.get("summary", ""),
                     summary.text_summary if summary else "", v.get("photos", ()), lines)
    if parsed.kind == "honors":
        return Honor(v["title"], parsed.path, v["date"], v.get("level", ""), v.get("awarded_by", ""),
                     v.get("recipient", ""), v.get("branch", ""), lines)
    return Phase(v["id"], parsed.path, f"/phases/{v['id']}/", v["name"], v["start"], v["end"],
                 html.get("summary", ""), v.get("goals", ()), lines)


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
        kind=parsed.kind, path=parsed.path, url=url, title=v["title"], body=body.html,
        summary=v.get("summary") or body.text_summary, date=v.get("date"), issue=v.get("issue"),
        slug=slug, category=v.get("category", ""), author=v.get("author", ""),
        branches=v.get("branches", ()), events=v.get("events", ()), tags=v.get("tags", ()),
        distribution=v.get("distribution", ()), cover=v.get("cover", ""), draft=v.get("draft", False),
        weight=v.get("weight", 0), menu=v["title"] if menu is True else (menu or ""),
        chars=body.chars, links=body.links, lines=parsed.lines,
    )


def _slug(parsed: Parsed, problems: list[Problem]) -> str | None:
    """Return the explicit slug (checked by the schema), else one made from the file name or title."""
    v = parsed.values
    if parsed.kind == BULLETIN:
        return str(v["issue"])
    if "slug" in v:
        return v["slug"]
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
            data = path.read_bytes()
        except OSError:
            continue
        text, problems = decode_source(data, rel.as_posix())
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


def read_existing(root: Path, tz: dt.tzinfo) -> Existing:
    """Read the issue numbers, record ids, URLs and file names already in content/."""
    content = root / CONTENT_DIR
    if not content.is_dir():
        return Existing()
    issues: dict[int, tuple] = {}
    urls: set[str] = set()
    for folder, kind in DOCUMENT_FOLDERS.items():
        for path in sorted((content / folder).rglob("*.md")):
            checked = _read_document(root, path, kind, tz)
            for item in checked.items:
                if kind == BULLETIN:
                    issues[item.values["issue"]] = item.values.get("distribution", ())
                else:
                    slug = _slug(item, [])
                    urls.add(f"/posts/{slug}/" if kind == POST else f"/{slug}/")
            for unbuilt in checked.unbuilt:
                if unbuilt.identity and unbuilt.identity[0] == "issue":
                    issues.setdefault(unbuilt.identity[1], ())
    ids = {}
    for kind in ("branches", "events", "phases"):
        found: set[str] = set()
        for checked in _read_records(root, content, kind, tz, []):
            found |= {item.values["id"] for item in checked.items}
            found |= {u.identity[1] for u in checked.unbuilt if u.identity}
        ids[kind] = frozenset(found)
    files = frozenset(_relative(p, root) for p in content.rglob("*"))
    last = issues[max(issues)] if issues else ()
    return Existing(frozenset(issues), ids, frozenset(urls), files, last)
