"""The content contract: which keys each kind of file takes, and how each value is checked."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from dataclasses import dataclass

from cxsite.dates import DateError, parse_datetime, parse_partial_date
from cxsite.problem import Problem, error, warning
from cxsite.syntax import YamlValue


class FieldError(ValueError):
    """A value of the wrong shape; args are (message, hint) in Chinese."""


@dataclass(frozen=True)
class Field:
    """One key of a kind: its name, how its value is read, its Chinese label."""

    name: str
    read: Callable
    label: str
    required: bool = False


def read_text(value, tz=None) -> str:
    """Read a single line or block of text."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool | list | dict) or value is None:
        raise FieldError("应是一段文字", "直接写文字，不要写成列表")
    return str(value)


def read_int(value, tz=None) -> int:
    """Read a whole number (digits in quotes are accepted)."""
    if isinstance(value, bool):
        raise FieldError("应是整数", "写成阿拉伯数字，如 12")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise FieldError(f"应是整数，而不是“{value}”", "写成阿拉伯数字，如 12")


def read_positive_int(value, tz=None) -> int:
    """Read a whole number above zero (issue numbers, counts)."""
    number = read_int(value)
    if number <= 0:
        raise FieldError(f"应是正整数，而不是 {number}", "从 1 开始编号")
    return number


def read_bool(value, tz=None) -> bool:
    """Read yes/no (true/false, 是/否)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip() in ("是", "否"):
        return value.strip() == "是"
    raise FieldError(f"应是 true 或 false，而不是“{value}”", "写 true（是）或 false（否）")


def read_list(value, tz=None) -> tuple[str, ...]:
    """Read a list of short texts; a single text is a list of one."""
    if value is None:
        return ()
    if isinstance(value, str | int) and not isinstance(value, bool):
        return (str(value).strip(),)
    if not isinstance(value, list):
        raise FieldError("应是一个列表", "写成 [甲, 乙] 或每行一个“- 甲”")
    items = []
    for item in value:
        if isinstance(item, list | dict) or item is None or isinstance(item, bool):
            raise FieldError("列表里的每一项应是简单的文字", "写成 [甲, 乙] 或每行一个“- 甲”")
        items.append(str(item).strip())
    return tuple(items)


def read_ids_or_all(value, tz=None) -> tuple[str, ...]:
    """Read a list of ids, or the word `all` (全院)."""
    if value in ("all", "全部", "全院"):
        return ("all",)
    return read_list(value)


def read_datetime(value, tz) -> dt.datetime:
    """Read a date or date-time in the site's time zone."""
    try:
        return parse_datetime(value, tz)
    except DateError as exc:
        raise FieldError(str(exc), "日期请写成 2010-07-08、2010-07-08 14:30 或 2010年7月8日") from exc


def read_partial_date(value, tz=None):
    """Read a year, a month or a day."""
    try:
        return parse_partial_date(value)
    except DateError as exc:
        raise FieldError(str(exc), "写成 2009、2010-05 或 2010-05-08") from exc


def read_menu(value, tz=None) -> str | bool:
    """Read a page's menu entry: true, false, or the text to show in the menu."""
    if isinstance(value, bool):
        return value
    return read_text(value)


DOCUMENT_COMMON = (
    Field("title", read_text, "标题", True),
    Field("summary", read_text, "摘要"),
    Field("author", read_text, "作者"),
    Field("branches", read_list, "相关支部"),
    Field("events", read_list, "相关活动"),
    Field("tags", read_list, "标签"),
    Field("cover", read_text, "封面图片"),
    Field("draft", read_bool, "草稿"),
)

SCHEMAS: dict[str, tuple[Field, ...]] = {
    "bulletin": DOCUMENT_COMMON + (
        Field("issue", read_positive_int, "期号", True),
        Field("date", read_datetime, "日期", True),
        Field("distribution", read_list, "发送范围"),
    ),
    "post": DOCUMENT_COMMON + (
        Field("date", read_datetime, "日期", True),
        Field("category", read_text, "栏目"),
        Field("slug", read_text, "网址名"),
    ),
    "page": (
        Field("title", read_text, "标题", True),
        Field("slug", read_text, "网址名"),
        Field("weight", read_int, "排序"),
        Field("menu", read_menu, "菜单"),
        Field("summary", read_text, "摘要"),
        Field("draft", read_bool, "草稿"),
    ),
    "branches": (
        Field("id", read_text, "编号", True),
        Field("name", read_text, "名称", True),
        Field("kind", read_text, "类型"),
        Field("theme", read_text, "活动主题"),
        Field("secretary", read_text, "支部书记"),
        Field("members", read_int, "党员人数"),
        Field("sections", read_list, "所含科室"),
        Field("goals", read_list, "目标"),
        Field("description", read_text, "简介"),
        Field("weight", read_int, "排序"),
    ),
    "events": (
        Field("id", read_text, "编号", True),
        Field("title", read_text, "标题", True),
        Field("date", read_datetime, "日期", True),
        Field("end", read_datetime, "结束日期"),
        Field("time", read_text, "时间"),
        Field("location", read_text, "地点"),
        Field("kind", read_text, "类型"),
        Field("branches", read_ids_or_all, "参加支部"),
        Field("participants", read_int, "参加人数"),
        Field("phase", read_text, "所属阶段"),
        Field("bulletin", read_positive_int, "报道简报期号"),
        Field("summary", read_text, "简介"),
        Field("photos", read_list, "照片"),
    ),
    "honors": (
        Field("title", read_text, "荣誉名称", True),
        Field("date", read_partial_date, "获得日期", True),
        Field("level", read_text, "级别"),
        Field("awarded_by", read_text, "授予单位"),
        Field("recipient", read_text, "获得者"),
        Field("branch", read_text, "支部"),
    ),
    "phases": (
        Field("id", read_text, "编号", True),
        Field("name", read_text, "名称", True),
        Field("start", read_datetime, "开始日期", True),
        Field("end", read_datetime, "结束日期", True),
        Field("summary", read_text, "简介"),
        Field("goals", read_list, "目标"),
    ),
}

KIND_LABELS = {
    "bulletin": "简报", "post": "文章", "page": "页面", "branches": "支部",
    "events": "活动", "honors": "荣誉", "phases": "阶段",
}


def check_fields(data: YamlValue, kind: str, path: str, tz: dt.tzinfo,
                 prefix: tuple = (), defaults: dict | None = None) -> tuple[dict, list[Problem]]:
    """Check a mapping against its kind's schema; return the read values and the problems."""
    fields = {f.name: f for f in SCHEMAS[kind]}
    raw = _lookup(data.value, prefix)
    line = data.line_of(*prefix) or 1
    if not isinstance(raw, dict):
        return {}, [error(path, line, f"{KIND_LABELS[kind]}的内容应是“键: 值”的形式",
                          "每行写成“title: 标题”这样的键值对")]
    raw = {**(defaults or {}), **raw}
    values: dict = {}
    problems: list[Problem] = []
    for key, value in raw.items():
        where = data.line_of(*prefix, key) or line
        field = fields.get(key)
        if field is None:
            problems.append(_unknown_key(key, fields, path, where, kind))
            continue
        if value is None or value == "":
            continue
        try:
            values[key] = field.read(value, tz)
        except FieldError as exc:
            message, hint = exc.args
            problems.append(error(path, where, f"{key}（{field.label}）{message}", hint))
    for field in fields.values():
        if field.required and raw.get(field.name) in (None, ""):
            problems.append(error(path, line, f"缺少必填项 {field.name}（{field.label}）",
                                  f"加上一行“{field.name}: …”"))
    return values, problems


def _unknown_key(key: str, fields: dict, path: str, line: int, kind: str) -> Problem:
    """Warn about a key the kind does not take, suggesting the nearest known key."""
    near = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6)
    hint = f"是不是想写 {near[0]}？" if near else "可用的键：" + "、".join(sorted(fields))
    return warning(path, line, f"{KIND_LABELS[kind]}不认识的键“{key}”，已忽略", hint)


def _lookup(value, prefix: tuple):
    """Return the value at a key path inside nested lists and dicts."""
    for part in prefix:
        value = value[part]
    return value
