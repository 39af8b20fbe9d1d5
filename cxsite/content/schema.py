"""The content contract: which keys each kind of file takes, and how each value is checked."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from cxsite.content.dates import DATE_FORMS, DateError, parse_datetime, parse_partial_date, to_halfwidth
from cxsite.content.kinds import Field, Kind
from cxsite.content.slug import MAX_SLUG, is_slug, slugify
from cxsite.content.syntax import CONTROL, YamlValue
from cxsite.problem import Problem, error, warning

LIST_HINT = "写成 [甲, 乙] 或每行一个“- 甲”"


class FieldError(ValueError):
    """A value of the wrong shape; args are (message, hint) in Chinese.

    `at` is the index of the list item at fault, when one is.
    """

    def __init__(self, message: str, hint: str, at: int | None = None):
        super().__init__(message, hint)
        self.at = at


def _shown(value) -> str:
    """Return a value as the writer wrote it, short enough for a message."""
    text = str(value).strip()
    return text if len(text) <= 40 else text[:40] + "…"


def _no_controls(text: str) -> str:
    """A text without control characters (YAML escapes such as "\\x01" can still write them)."""
    found = CONTROL.search(text)
    if found:
        raise FieldError(f"里有看不见的控制字符（U+{ord(found.group()):04X}）",
                         "删除它；文字里不要写 \\x、\\u 这样的转义")
    return text


def read_text(value, tz=None) -> str:
    """Read a single line or block of text."""
    if isinstance(value, str):
        return _no_controls(value.strip())
    if isinstance(value, list):
        raise FieldError("应是一段文字，而不是列表",
                         "直接写文字，不要加“- ”或方括号；文字里有逗号、冒号时给整段加半角双引号")
    if isinstance(value, dict):
        raise FieldError("应是一段文字，但写成了“键: 值”的形式",
                         "文字里有“: ”时给整段加半角双引号，如 \"甲: 乙\"")
    if isinstance(value, bool) or value is None:
        raise FieldError("应是一段文字", "直接写文字")
    return str(value)


def read_int(value, tz=None) -> int:
    """Read a whole number (digits in quotes are accepted)."""
    hint = "写成阿拉伯数字，如 12"
    if isinstance(value, bool | list | dict) or value is None:
        raise FieldError("应是整数", hint)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]{1,9}\s*", value):
        return int(value)
    digits = re.findall(r"[0-9]+", str(value))
    if isinstance(value, float):
        hint = "只能是整数，不能有小数点"
    elif len(digits) == 1 and len(digits[0]) <= 9:
        hint = f"只写数字，如 {int(digits[0])}"
    raise FieldError(f"应是整数，而不是“{_shown(value)}”", hint)


def read_count(value, tz=None) -> int:
    """Read a count of people or things (members, participants): zero or more."""
    number = read_int(value)
    if number < 0:
        raise FieldError(f"不能是负数，这里写的是 {number}", f"写 0 或正整数，如 {-number}")
    return number


def read_positive_int(value, tz=None) -> int:
    """Read a whole number above zero (issue numbers, counts)."""
    number = read_int(value)
    if number <= 0:
        raise FieldError(f"应是正整数，而不是 {number}", "从 1 开始编号")
    return number


_TRUE, _FALSE = ("是", "true", "yes"), ("否", "false", "no")


def read_bool(value, tz=None) -> bool:
    """Read yes/no (true/false, 是/否)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise FieldError(f"应是 true 或 false，而不是“{_shown(value)}”", "写 true（是）或 false（否）")


_SEPARATORS = re.compile(r"[,，;；]")
# 【】 is what a Chinese input method types for [ ]; YAML reads it as text.
_FULLWIDTH_BRACKETS = re.compile(r"^\s*[【［〔](.*)[】］〕]\s*$", re.S)


def read_list(value, tz=None) -> tuple[str, ...]:
    """Read a list of short texts; a single text is a list of one."""
    if value is None:
        return ()
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = str(value).strip()
        if match := _FULLWIDTH_BRACKETS.match(text):
            items = [part.strip() for part in _SEPARATORS.split(match.group(1)) if part.strip()]
            raise FieldError(f"应是一个列表，这里用了全角方括号“{text[0]}{text[-1]}”",
                             f"改成半角方括号：[{', '.join(items)}]（切换到英文输入法再输入）")
        if _SEPARATORS.search(text):
            # `tags: 甲, 乙` is one text to YAML; guessing where items end could split a name.
            items = [part.strip() for part in _SEPARATORS.split(text) if part.strip()]
            raise FieldError(f"应是一个列表，这里写成了一段含逗号的文字“{_shown(text)}”",
                             f"多项请写成 [{', '.join(items)}]；只有一项时去掉逗号")
        return (_no_controls(text),)
    if isinstance(value, dict):
        raise FieldError("应是一个列表，但写成了“键: 值”的形式", LIST_HINT)
    if not isinstance(value, list):
        raise FieldError("应是一个列表", LIST_HINT)
    items = []
    for index, item in enumerate(value):
        if isinstance(item, list | dict) or item is None or isinstance(item, bool):
            raise FieldError(f"第 {index + 1} 项应是简单的文字", LIST_HINT, at=index)
        try:
            items.append(_no_controls(str(item).strip()))
        except FieldError as exc:
            raise FieldError(f"第 {index + 1} 项{exc.args[0]}", exc.args[1], at=index) from exc
    return tuple(items)


@dataclass(frozen=True)
class FileRef:
    """A file a writer refers to (a photo, an attachment): its path as written, and its caption or title."""

    src: str
    label: str = ""

    @property
    def title(self) -> str:
        """What pages and a search index call the file: its caption or title, else its name sans suffix."""
        return self.label or PurePosixPath(self.src.replace("\\", "/")).stem


def _file_reader(label_key: str, hint: str):
    """A reader of a list of files: paths, or mappings {src, <label_key>}."""

    def read_one(item, index: int) -> FileRef:
        if isinstance(item, dict):
            unknown = sorted(str(key) for key in item if key not in ("src", label_key))
            if unknown:
                raise FieldError(f"第 {index + 1} 项有不认识的键“{unknown[0]}”", hint, at=index)
            src = item.get("src")
            if not isinstance(src, str) or not src.strip():
                raise FieldError(f"第 {index + 1} 项缺少文件路径 src", hint, at=index)
            label = item.get(label_key, "")
            if isinstance(label, list | dict | bool):
                raise FieldError(f"第 {index + 1} 项的 {label_key} 应是一段文字", hint, at=index)
            return FileRef(src.strip(), "" if label is None else str(label).strip())
        if isinstance(item, list) or item is None or isinstance(item, bool):
            raise FieldError(f"第 {index + 1} 项应是文件路径", hint, at=index)
        return FileRef(str(item).strip())

    def read(value, tz=None) -> tuple[FileRef, ...]:
        """Read one file or a list of files: paths, or {src, label} mappings."""
        if isinstance(value, list):
            return tuple(read_one(item, index) for index, item in enumerate(value))
        if isinstance(value, dict):
            return (read_one(value, 0),)
        return tuple(FileRef(src) for src in read_list(value))

    return read


PHOTO_HINT = "每张照片写成路径，如 /img/photos/合影.jpg，或写成 {src: /img/photos/合影.jpg, caption: 说明}"
ATTACHMENT_HINT = "每个附件写成路径，如 /files/第1期简报.pdf，或写成 {src: /files/第1期简报.pdf, title: 说明}"
read_photos = _file_reader("caption", PHOTO_HINT)
read_attachments = _file_reader("title", ATTACHMENT_HINT)


def read_ids_or_all(value, tz=None) -> tuple[str, ...]:
    """Read a list of ids, or the word `all` (全院)."""
    if value in ("all", "全部", "全院"):
        return ("all",)
    return read_list(value)


def read_slug(value, tz=None) -> str:
    """Read a URL name: lowercase ASCII letters, digits and dashes."""
    text = read_text(value)
    if not is_slug(text):
        raise FieldError(f"“{_shown(text)}”只能含小写字母、数字和连字符（-）",
                         f"它会出现在网址里，可改为 {slugify(text)[:MAX_SLUG] or 'wen-zhang-1'}")
    if len(text) > MAX_SLUG:
        raise FieldError(f"太长（{len(text)} 个字符，最多 {MAX_SLUG} 个）", "它会出现在网址里，写短一些")
    return text


def read_id(value, tz=None) -> str:
    """Read a record id, which appears in URLs and in references."""
    text = read_text(value)
    if not is_slug(text):
        raise FieldError(f"“{_shown(text)}”只能含小写字母、数字和连字符（-）",
                         f"它会出现在网址里，可改为 {slugify(text)[:MAX_SLUG] or 'zhi-bu-1'}")
    if len(text) > MAX_SLUG:
        raise FieldError(f"太长（{len(text)} 个字符，最多 {MAX_SLUG} 个）", "它会出现在网址里，写短一些")
    return text


def read_datetime(value, tz) -> dt.datetime:
    """Read a date or date-time in the site's time zone."""
    try:
        return parse_datetime(value, tz)
    except DateError as exc:
        raise FieldError(str(exc), _date_hint(value)) from exc


def _date_hint(value) -> str:
    """Suggest the accepted form closest to what was written."""
    text = str(value).strip()
    if (halfwidth := to_halfwidth(text)) != text:
        return f"改成 {halfwidth}（切换到英文输入法再输入数字和符号）"
    if match := re.match(r"^(\d{4})\s*[./]\s*(\d{1,2})\s*[./]\s*(\d{1,2})$", text):
        year, month, day = (int(g) for g in match.groups())
        return f"改成 {year:04d}-{month:02d}-{day:02d} 或 {year}年{month}月{day}日"
    if re.match(r"^\d{1,2}\s*月", text):
        return f"加上年份，如 2010年{text}"
    return f"日期请写成 {DATE_FORMS}"


def read_partial_date(value, tz=None):
    """Read a year, a month or a day."""
    try:
        return parse_partial_date(value)
    except DateError as exc:
        text = str(value).strip()
        hint = "写成 2009、2010-05 或 2010-05-08"
        if (halfwidth := to_halfwidth(text)) != text:
            hint = f"改成 {halfwidth}（切换到英文输入法再输入数字和符号）"
        raise FieldError(str(exc), hint) from exc


def read_menu(value, tz=None) -> str | bool:
    """Read a page's menu entry: true, false, or the text to show in the menu."""
    if isinstance(value, bool):
        return value
    return read_text(value)


# Chinese names writers use for keys, beyond each field's own label.
_SYNONYMS = {
    "标题": "title", "题目": "title", "期号": "issue", "期数": "issue", "日期": "date", "时间": "time",
    "作者": "author", "摘要": "summary", "简介": "summary", "标签": "tags", "支部": "branches",
    "活动": "events", "发送": "distribution", "发送范围": "distribution", "草稿": "draft",
    "栏目": "category", "分类": "category", "编号": "id", "名称": "name", "地点": "location",
    "封面": "cover", "网址名": "slug", "排序": "weight", "菜单": "menu", "阶段": "phase",
    "开始": "start", "结束": "end", "级别": "level", "照片": "photos",
}


def key_names(kind: Kind) -> dict[str, str]:
    """Map the Chinese names a writer may type as keys to the kind's English keys."""
    known = {f.name for f in kind.fields}
    names = {word: key for word, key in _SYNONYMS.items() if key in known}
    names.update({f.label: f.name for f in kind.fields})
    return names


def check_fields(data: YamlValue, kind: Kind, path: str, tz: dt.tzinfo,
                 prefix: tuple = (), defaults: dict | None = None) -> tuple[dict, list[Problem]]:
    """Check a mapping against its kind's schema; return the read values and the problems."""
    fields = {f.name: f for f in kind.fields}
    raw = _lookup(data.value, prefix)
    line, column = data.position_of(*prefix)
    if not isinstance(raw, dict):
        return {}, [error(path, line or 1, f"{kind.label}的内容应是“键: 值”的形式",
                          "每行写成“title: 标题”这样的键值对", column)]
    raw = {**(defaults or {}), **raw}
    values: dict = {}
    problems: list[Problem] = []
    missing = {f.name for f in fields.values() if f.required and raw.get(f.name) in (None, "")}
    misspelt: set[str] = set()
    for key, value in raw.items():
        field = fields.get(key)
        if field is None:
            problem, near = _unknown_key(key, fields, path, data.position_of(*prefix, key), kind)
            if near in missing and near not in misspelt:
                # One mistake, one line: the misspelt key is why the required one is missing.
                misspelt.add(near)
                problem = error(problem.path, problem.line,
                                f"不认识的键“{key}”，而必填项 {near}（{fields[near].label}）没有写",
                                f"是不是把 {near} 写成了 {key}？改成“{near}: …”", problem.column)
            problems.append(problem)
            continue
        if value is None or value == "":
            continue
        try:
            values[key] = field.read(value, tz)
        except FieldError as exc:
            at = (*prefix, key) if exc.at is None else (*prefix, key, exc.at)
            where = data.value_position(*at) if (*prefix, key) in data.where else (line, column)
            message, hint = exc.args
            problems.append(error(path, where[0] or line, f"{key}（{field.label}）{message}", hint,
                                  where[1]))
    for name in sorted(missing - misspelt, key=list(fields).index):
        problems.append(_missing(fields[name], raw, data, prefix, path))
    return values, problems


def _missing(field: Field, raw: dict, data: YamlValue, prefix: tuple, path: str) -> Problem:
    """Report a required key that is absent or empty."""
    if field.name in raw and (*prefix, field.name) in data.where:
        line, column = data.position_of(*prefix, field.name)
        return error(path, line, f"{field.name}（{field.label}）不能为空", f"在“{field.name}:”后面写上内容",
                     column)
    line, column = data.position_of(*prefix)
    return error(path, line or 1, f"缺少必填项 {field.name}（{field.label}）", f"加上一行“{field.name}: …”",
                 column if prefix else None)  # a list item's start; a whole file needs no column


def _unknown_key(key: str, fields: dict, path: str, where: tuple, kind: Kind) -> tuple[Problem, str | None]:
    """Warn about a key the kind does not take, suggesting the nearest known key."""
    names = key_names(kind)
    lowered = {name.lower(): name for name in fields}
    near = (names.get(key) or lowered.get(key.lower().strip())
            or next(iter(difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6)), None))
    if near:
        hint = f"是不是想写 {near}（{fields[near].label}）？"
    else:
        hint = "可用的键：" + "、".join(sorted(fields))
    problem = warning(path, where[0], f"{kind.label}不认识的键“{key}”，已忽略", hint, where[1])
    return problem, near


def _lookup(value, prefix: tuple):
    """Return the value at a key path inside nested lists and dicts."""
    for part in prefix:
        value = value[part]
    return value
