"""One source file's bytes checked and read: a Markdown document or a YAML record file.

Pure: nothing here touches the disk (the loader reads the files). Each function
returns `Checked`: the items ready to build, the problems, and an `Unbuilt` for
every item that failed, so the graph can still check what it refers to.

`lines` of an item maps each top-level key to its line, and each key path
tuple — `("branches",)` for a value, `("branches", 2)` for a list item — to the
(line, column) where it is written, so problems can point at the very item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from cxsite.config import Config
from cxsite.markup import Rendered, markdown_key
from cxsite.model import BULLETIN, PAGE, POST, Branch, Document, Event, Honor, Lines, Phase, Unbuilt
from cxsite.problem import Problem, error
from cxsite.schema import FieldError, check_fields, key_names, read_id, read_positive_int
from cxsite.slug import is_slug, slugify
from cxsite.syntax import YamlValue, decode_legacy, decode_source, parse_yaml, split_front_matter

DOCUMENT_KINDS = (BULLETIN, POST, PAGE)
_MARKDOWN_FIELDS = {"branches": ("description",), "events": ("summary",), "phases": ("summary",)}


class Parsed(NamedTuple):
    """A source item's checked values, waiting for its Markdown to be converted.

    A NamedTuple, not a dataclass: the build cache reads back ten thousand of
    them per build, and a tuple is several times cheaper to make.
    """

    kind: str
    path: str
    values: dict
    lines: dict
    markdown: dict  # field name -> (markdown_key, Markdown text; None once remembered)

    def remembered(self) -> Parsed:
        """The same parse without its Markdown texts: what the build cache keeps."""
        return self._replace(markdown={name: (key, None) for name, (key, _) in self.markdown.items()})


@dataclass(frozen=True)
class Checked:
    """What checking one source file gave: items to build, problems, and the items that failed."""

    items: tuple[Parsed, ...] = ()
    problems: tuple[Problem, ...] = ()
    unbuilt: tuple[Unbuilt, ...] = ()


def parse_document(data: bytes, rel: str, kind: str, config: Config, stem: str) -> Checked:
    """Check a Markdown document's bytes: encoding, front matter, keys and values."""
    text, problems = decode_source(data, rel)
    if text is None:
        return Checked(problems=tuple(problems), unbuilt=_legacy_unbuilt(data, rel, kind))
    front, problems = split_front_matter(text, rel)
    if front is None:
        return Checked(problems=tuple(problems), unbuilt=(Unbuilt(kind, rel),))
    parsed, problems = parse_yaml(front.header, rel, front.header_line, key_names(kind))
    if parsed is None:
        return Checked(problems=tuple(problems), unbuilt=(Unbuilt(kind, rel, _written_identity(front.header,
                                                                                                kind)),))
    if parsed.value is None:
        parsed = YamlValue({}, {(): (front.header_line, 1)})
    values, found = check_fields(parsed, kind, rel, config.tz)
    problems += found
    if any(p.is_error for p in problems):
        return Checked(problems=tuple(problems),
                       unbuilt=(_unbuilt(kind, rel, parsed.value, values, _lines(parsed, ())),))
    # Blank lines keep the body's line numbers equal to the file's in Markdown errors.
    body = "\n" * (front.body_line - 1) + front.body
    lines = _lines(parsed, ())
    lines["body"] = front.body_line
    markdown = {"body": (markdown_key(body, rel, config.markdown), body)}
    return Checked((Parsed(kind, rel, {**values, "_stem": stem}, Lines(lines), markdown),), tuple(problems))


def parse_records(data: bytes, rel: str, kind: str, config: Config, stem: str | None) -> Checked:
    """Check a YAML record file: a list of records, or (with `stem`) one record named after it."""
    text, problems = decode_source(data, rel)
    if text is None:
        return Checked(problems=tuple(problems), unbuilt=_legacy_unbuilt(data, rel, kind))
    if not text.strip():
        return Checked(problems=(error(rel, 1, "文件是空的", "删除这个文件，或写入记录内容"),))
    parsed, problems = parse_yaml(text, rel, 1, key_names(kind))
    if parsed is None:
        # A list file may hold any ids; a single record says its id, or has its file name's.
        identity = None
        if stem is not None:
            identity = _written_identity(text, kind) or (
                (kind, stem) if kind != "honors" and is_slug(stem) else None)
        return Checked(problems=tuple(problems), unbuilt=(Unbuilt(kind, rel, identity),))
    if parsed.value is None:
        return Checked(problems=(error(rel, 1, "文件里只有注释，没有记录", "删除这个文件，或写入记录内容"),))
    if stem is not None:
        return _merge([Checked(problems=tuple(problems)), _record_file(parsed, kind, rel, config, stem)])
    if not isinstance(parsed.value, list):
        return Checked(problems=(*problems, error(rel, 1, f"{rel} 应是一个列表，每项以“- ”开头",
                                                  f"或者把每条记录放到 content/{kind}/ 下的单独文件里")),
                       unbuilt=(Unbuilt(kind, rel, _identity(parsed.value, kind)),))
    return _merge([Checked(problems=tuple(problems))] + [
        _record(parsed, kind, rel, config, (index,), {}) for index in range(len(parsed.value))])


def _record_file(parsed: YamlValue, kind: str, rel: str, config: Config, stem: str) -> Checked:
    """Check a file holding one record; its id defaults to the file name."""
    if kind == "honors":
        return _record(parsed, kind, rel, config, (), {})
    if isinstance(parsed.value, dict) and parsed.value.get("id") in (None, "") and not is_slug(stem):
        suggestion = slugify(stem) or "ji-lu-1"
        problem = error(rel, 1, f"文件名“{stem}”不能用作编号 id（只能含小写字母、数字和连字符）",
                        f"把文件改名为 {suggestion}.yaml，或在文件里加一行“id: {suggestion}”")
        return Checked(problems=(problem,), unbuilt=(Unbuilt(kind, rel),))
    return _record(parsed, kind, rel, config, (), {"id": stem})


def _record(data: YamlValue, kind: str, rel: str, config: Config, prefix: tuple, defaults: dict) -> Checked:
    """Check one record and prepare it for conversion."""
    values, problems = check_fields(data, kind, rel, config.tz, prefix, defaults)
    lines = _lines(data, prefix)
    if any(p.is_error for p in problems):
        raw = data.value[prefix[0]] if prefix else data.value
        if isinstance(raw, dict):
            raw = {**defaults, **raw}
        return Checked(problems=tuple(problems), unbuilt=(_unbuilt(kind, rel, raw, values, lines),))
    lines["_record"] = data.line_of(*prefix) or 1
    markdown = {name: (markdown_key(text, rel, config.markdown), text)
                for name in _MARKDOWN_FIELDS.get(kind, ()) if (text := values.pop(name, None))}
    return Checked((Parsed(kind, rel, values, Lines(lines), markdown),), tuple(problems))


def _merge(results: list[Checked]) -> Checked:
    """Combine the results of the records of one file."""
    return Checked(tuple(i for r in results for i in r.items), tuple(p for r in results for p in r.problems),
                   tuple(u for r in results for u in r.unbuilt))


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


_WRITTEN = {BULLETIN: re.compile(r"^issue\s*[:：]\s*['\"]?(\d{1,6})['\"]?\s*(?:#.*)?$", re.M),
            "record": re.compile(r"^id\s*[:：]\s*['\"]?([a-z0-9]+(?:-[a-z0-9]+)*)['\"]?\s*(?:#.*)?$", re.M)}


def _written_identity(text: str, kind: str) -> tuple | None:
    """Find the issue number or id in a text YAML could not parse (a line `issue: 3`)."""
    if kind == BULLETIN and (match := _WRITTEN[BULLETIN].search(text)):
        return ("issue", int(match.group(1))) if int(match.group(1)) > 0 else None
    if kind in ("branches", "events", "phases") and (match := _WRITTEN["record"].search(text)):
        return (kind, match.group(1))
    return None


def _unbuilt(kind: str, rel: str, raw, values: dict, lines: dict) -> Unbuilt:
    """Keep what a failed source says it is and refers to (the values that did read)."""
    return Unbuilt(kind, rel, _identity(raw, kind), values.get("branches", ()), values.get("events", ()),
                   values.get("phase", ""), values.get("bulletin"), values.get("branch", ""), lines)


def _legacy_unbuilt(data: bytes, rel: str, kind: str) -> tuple[Unbuilt, ...]:
    """Read who a GBK file says it is, so its mistake is reported once, not at every reference."""
    text = decode_legacy(data)
    if text is None:
        return (Unbuilt(kind, rel),)
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if kind in DOCUMENT_KINDS:
        front, _ = split_front_matter(text, "")
        text = front.header if front else ""
    parsed, _ = parse_yaml(text, "")
    if parsed is None:
        return (Unbuilt(kind, rel),)
    items = parsed.value if isinstance(parsed.value, list) else [parsed.value]
    return tuple(Unbuilt(kind, rel, _identity(item, kind)) for item in items)


def collection_of(item) -> str:
    """Return the collection an item belongs to."""
    return {Document: "document", Branch: "branches", Event: "events", Honor: "honors",
            Phase: "phases"}[type(item)]


def make_item(parsed: Parsed, rendered: dict, problems: list[Problem]):
    """Make the model object of a parsed source once its Markdown is HTML."""
    v, lines = parsed.values, parsed.lines
    if parsed.kind in DOCUMENT_KINDS:
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
    slug = document_slug(parsed, problems)
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
        chars=body.chars, links=body.links, toc=body.toc, lines=parsed.lines,
    )


def document_slug(parsed: Parsed, problems: list[Problem]) -> str | None:
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
