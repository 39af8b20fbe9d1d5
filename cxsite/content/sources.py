"""One source file's bytes checked and read: a Markdown document or a YAML record file.

Pure: nothing here touches the disk (the reader reads the files). Each function
returns `Checked`: the items ready to build, the problems, and an `Unbuilt` for
every item that failed, so the graph can still check what it refers to.

`lines` of an item maps each top-level key to its line, and each key path
tuple — `("branches",)` for a value, `("branches", 2)` for a list item — to the
(line, column) where it is written, so problems can point at the very item.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from cxsite.content.config import Config
from cxsite.content.kinds import Kind
from cxsite.content.markdown import markdown_key
from cxsite.content.outside import warn_outside
from cxsite.content.placeholders import body_placeholder, field_placeholders
from cxsite.content.schema import FieldError, check_fields, key_names, read_id, read_positive_int
from cxsite.content.slug import is_slug, slugify
from cxsite.content.syntax import YamlValue, decode_legacy, decode_source, parse_yaml, split_front_matter
from cxsite.problem import Problem, error

STEM = "_stem"  # a document's file name without suffix, kept among its values for its slug
MAX_FRONT_MATTER = 256 * 1024  # characters: a front matter is a dozen lines
MAX_RECORD_FILE = 16 * 1024 * 1024  # characters: ten thousand honours take about 1.2 million


class Parsed(NamedTuple):
    """A source item's checked values, waiting for its Markdown to be converted.

    A NamedTuple, not a dataclass: a build reads back ten thousand of them from
    its state, and a tuple is several times cheaper to make.
    """

    kind: str  # the Kind's name
    path: str
    values: dict
    lines: Mapping  # key or key path -> line or (line, column); see the module's doc
    markdown: dict  # field name -> (markdown_key, Markdown text; None once remembered)

    def remembered(self) -> Parsed:
        """The same parse without its Markdown texts: what a build keeps for the next one."""
        return self._replace(markdown={name: (key, None) for name, (key, _) in self.markdown.items()})


@dataclass(frozen=True)
class Unbuilt:
    """A source that failed validation: who it says it is and what it refers to.

    Its references are still checked, and references to it are not reported
    again as references to nothing.
    """

    kind: str  # the Kind's name
    path: str
    identity: tuple | None = None  # ("issue", 3) or ("events", "dongyuan-dahui")
    references: Mapping = field(default_factory=dict)  # field name -> the ids it names, as read
    name: str = ""  # its name (the kind's name field), when that was read: references may use it
    lines: Mapping = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Checked:
    """What checking one source file gave: items to build, problems, and the items that failed."""

    items: tuple[Parsed, ...] = ()
    problems: tuple[Problem, ...] = ()
    unbuilt: tuple[Unbuilt, ...] = ()


def check_source(data: bytes, rel: str, kind: Kind, config: Config, stem: str, list_form: bool) -> Checked:
    """Check one source file's bytes as the kind its folder says."""
    if kind.is_document:
        return parse_document(data, rel, kind, config, stem)
    return parse_records(data, rel, kind, config, None if list_form else stem)


def parse_document(data: bytes, rel: str, kind: Kind, config: Config, stem: str) -> Checked:
    """Check a Markdown document's bytes: encoding, front matter, keys and values."""
    text, problems = decode_source(data, rel)
    if text is None:
        return Checked(problems=tuple(problems), unbuilt=_legacy_unbuilt(data, rel, kind))
    outside = warn_outside([(rel, text)], config.base_url)
    checked = _parse_document_text(text, rel, kind, config, stem)
    return replace(checked, problems=checked.problems + tuple(outside))


def _parse_document_text(text: str, rel: str, kind: Kind, config: Config, stem: str) -> Checked:
    """parse_document() once the bytes are text."""
    front, problems = split_front_matter(text, rel)
    if front is None:
        return Checked(problems=tuple(problems), unbuilt=(Unbuilt(kind.name, rel),))
    if len(front.header) > MAX_FRONT_MATTER:  # no writer's is this long; parsing it would take gigabytes
        message = f"前言（两行 --- 之间）太长：{len(front.header)} 个字符"
        hint = "前言只写标题、日期等几行；正文写在第二行 --- 之后"
        return Checked(problems=(error(rel, front.header_line, message, hint),),
                       unbuilt=(Unbuilt(kind.name, rel),))
    parsed, problems = parse_yaml(front.header, rel, front.header_line, key_names(kind))
    if parsed is None:
        identity = _written_identity(front.header, kind)
        return Checked(problems=tuple(problems), unbuilt=(Unbuilt(kind.name, rel, identity),))
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
    if not values.get("draft"):
        problems += body_placeholder(rel, front.body, front.body_line)
        problems += _placeholders(rel, kind, values, lines)
    markdown = {"body": (markdown_key(body, rel, config.markdown), body)}
    return Checked((Parsed(kind.name, rel, {**values, STEM: stem}, lines, markdown),), tuple(problems))


def parse_records(data: bytes, rel: str, kind: Kind, config: Config, stem: str | None) -> Checked:
    """Check a YAML record file: a list of records, or (with `stem`) one record named after it."""
    text, problems = decode_source(data, rel)
    if text is None:
        return Checked(problems=tuple(problems), unbuilt=_legacy_unbuilt(data, rel, kind))
    outside = warn_outside([(rel, text)], config.base_url)
    checked = _parse_records_text(text, rel, kind, config, stem)
    return replace(checked, problems=checked.problems + tuple(outside))


def _parse_records_text(text: str, rel: str, kind: Kind, config: Config, stem: str | None) -> Checked:
    """parse_records() once the bytes are text."""
    if not text.strip():
        return Checked(problems=(error(rel, 1, "文件是空的", "删除这个文件，或写入记录内容"),))
    if len(text) > MAX_RECORD_FILE:
        return Checked(problems=(error(rel, 1, f"文件太大：{len(text)} 个字符", "把记录分成几个文件，"
                                       f"放在 content/{kind.folder_name}/ 下，每条一个文件"),))
    parsed, problems = parse_yaml(text, rel, 1, key_names(kind))
    if parsed is None:
        # A list file may hold any ids; a single record says its id, or has its file name's.
        identity = None
        if stem is not None:
            identity = _written_identity(text, kind) or (
                (kind.name, stem) if kind.id_field and is_slug(stem) else None)
        return Checked(problems=tuple(problems), unbuilt=(Unbuilt(kind.name, rel, identity),))
    if parsed.value is None:
        return Checked(problems=(error(rel, 1, "文件里只有注释，没有记录", "删除这个文件，或写入记录内容"),))
    if stem is not None:
        return _merge([Checked(problems=tuple(problems)), _record_file(parsed, kind, rel, config, stem)])
    if not isinstance(parsed.value, list):
        hint = f"或者把每条记录放到 content/{kind.folder_name}/ 下的单独文件里"
        return Checked(problems=(*problems, error(rel, 1, f"{rel} 应是一个列表，每项以“- ”开头", hint)),
                       unbuilt=(Unbuilt(kind.name, rel, _identity(parsed.value, kind)),))
    return _merge([Checked(problems=tuple(problems))] + [
        _record(item, kind, rel, config, (index,), {})
        for index, item in enumerate(_items_of(parsed))])


def _record_file(parsed: YamlValue, kind: Kind, rel: str, config: Config, stem: str) -> Checked:
    """Check a file holding one record; its id defaults to the file name."""
    if not kind.id_field:
        return _record(parsed, kind, rel, config, (), {})
    if isinstance(parsed.value, dict) and parsed.value.get(kind.id_field) in (None, "") and not is_slug(stem):
        suggestion = slugify(stem) or "ji-lu-1"
        problem = error(rel, 1, f"文件名“{stem}”不能用作编号 {kind.id_field}（只能含小写字母、数字和连字符）",
                        f"把文件改名为 {suggestion}.yaml，或在文件里加一行“{kind.id_field}: {suggestion}”")
        return Checked(problems=(problem,), unbuilt=(Unbuilt(kind.name, rel),))
    return _record(parsed, kind, rel, config, (), {kind.id_field: stem})


def _record(data: YamlValue, kind: Kind, rel: str, config: Config, prefix: tuple, defaults: dict) -> Checked:
    """Check one record and prepare it for conversion."""
    values, problems = check_fields(data, kind, rel, config.tz, prefix, defaults)
    lines = _lines(data, prefix)
    if any(p.is_error for p in problems):
        raw = data.value[prefix[0]] if prefix else data.value
        if isinstance(raw, dict):
            raw = {**defaults, **raw}
        return Checked(problems=tuple(problems), unbuilt=(_unbuilt(kind, rel, raw, values, lines),))
    lines["_record"] = data.line_of(*prefix) or 1
    if not values.get("draft"):
        problems = [*problems, *_placeholders(rel, kind, values, lines)]
    markdown = {name: (markdown_key(text, rel, config.markdown), text)
                for name in kind.markdown_fields if (text := values.pop(name, None))}
    return Checked((Parsed(kind.name, rel, values, lines, markdown),), tuple(problems))


def _placeholders(rel: str, kind: Kind, values: dict, lines: dict) -> list[Problem]:
    """Warn about texts `cxsite new` wrote as placeholders, left in a source that is not a draft."""
    texts = {key: value for key, value in values.items() if isinstance(value, str)}
    return field_placeholders(rel, texts, {f.name: f.label for f in kind.fields}, lines)


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


def _items_of(data: YamlValue) -> list[YamlValue]:
    """The items of a list file, each with only its own positions (still keyed from the list).

    Grouped once per file: ten thousand records must not each scan the positions of all the others.
    """
    where: dict = {(): data.where.get((), (1, 1))}
    groups = [(dict(where), {}) for _ in data.value]
    for table, slot in ((data.where, 0), (data.values, 1)):
        for key, position in table.items():
            if key and isinstance(key[0], int) and key[0] < len(groups):
                groups[key[0]][slot][key] = position
    return [YamlValue(data.value, w, v) for w, v in groups]


def _identity(raw, kind: Kind) -> tuple | None:
    """Return who a failed source says it is: its issue number or its id, when readable."""
    if not isinstance(raw, dict) or not kind.id_field or raw.get(kind.id_field) is None:
        return None
    try:
        if kind.id_field == "issue":
            return ("issue", read_positive_int(raw["issue"]))
        return (kind.name, read_id(raw[kind.id_field]))
    except FieldError:
        return None


_WRITTEN_ISSUE = re.compile(r"^issue\s*[:：]\s*['\"]?(\d{1,6})['\"]?\s*(?:#.*)?$", re.M)


def _written_identity(text: str, kind: Kind) -> tuple | None:
    """Find the issue number or id in a text YAML could not parse (a line `issue: 3`)."""
    if kind.id_field == "issue":
        match = _WRITTEN_ISSUE.search(text)
        return ("issue", int(match.group(1))) if match and int(match.group(1)) > 0 else None
    if kind.id_field and not kind.is_document:
        written = re.compile(rf"^{re.escape(kind.id_field)}\s*[:：]\s*['\"]?([a-z0-9]+(?:-[a-z0-9]+)*)['\"]?"
                             r"\s*(?:#.*)?$", re.M)
        if match := written.search(text):
            return (kind.name, match.group(1))
    return None


def _unbuilt(kind: Kind, rel: str, raw, values: dict, lines: dict) -> Unbuilt:
    """Keep what a failed source says it is and refers to (the values that did read)."""
    references = {f.name: _as_ids(values[f.name]) for f in kind.references if values.get(f.name) is not None}
    name = values.get(kind.name_field, "") if kind.name_field else ""
    return Unbuilt(kind.name, rel, _identity(raw, kind), references, name=name, lines=lines)


def _as_ids(value) -> tuple:
    """A reference field's value as a tuple of the ids it names."""
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def _legacy_unbuilt(data: bytes, rel: str, kind: Kind) -> tuple[Unbuilt, ...]:
    """Read who a GBK file says it is, so its mistake is reported once, not at every reference."""
    text = decode_legacy(data)
    if text is None:
        return (Unbuilt(kind.name, rel),)
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if kind.is_document:
        front, _ = split_front_matter(text, "")
        text = front.header if front else ""
    parsed, _ = parse_yaml(text, "")
    if parsed is None:
        return (Unbuilt(kind.name, rel),)
    items = parsed.value if isinstance(parsed.value, list) else [parsed.value]
    return tuple(Unbuilt(kind.name, rel, _identity(item, kind)) for item in items)
