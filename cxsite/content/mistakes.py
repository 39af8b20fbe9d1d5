"""Explanations of YAML mistakes in Chinese, located where the writer made them.

PyYAML's messages are in English and often point past the mistake (an unclosed
bracket is noticed at the end of the text). These find the mistakes writers make
most — full-width colons, tabs, unquoted colons, unclosed brackets and quotes,
misaligned lines — and word them with a hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from cxsite.problem import Problem, error

_FULLWIDTH_KEY = re.compile(r"^(\s*)(-\s+)?([\w\u4e00-\u9fff-]{1,30})\s*：")
_BLOCK_START = re.compile(r"^(\s*)(-\s+)?[^\s#][^:]*:\s*[|>][-+0-9]*\s*(#.*)?$")


def _structure_lines(text: str, first_line: int):
    """Yield (line number, line) of the lines YAML reads as structure: not inside a `|` or `>` block."""
    block_indent = None  # inside a `|` or `>` block, whose lines may say anything
    for offset, line in enumerate(text.split("\n")):
        indent = len(line) - len(line.lstrip(" "))
        if block_indent is not None:
            if not line.strip() or indent > block_indent:
                continue
            block_indent = None
        if _BLOCK_START.match(line):
            block_indent = indent
        yield first_line + offset, line


IDEOGRAPHIC_SPACE = "\u3000"  # the full-width space Chinese input methods type
_AFTER_COLON = re.compile(r"^\s*(?:-\s+)?([\w\u4e00-\u9fff-]{1,30}):(\u3000+)")


def fullwidth_spaces(text: str, path: str, first_line: int) -> list[Problem]:
    """Find full-width spaces where YAML needs half-width ones: in an indent, or after a key's colon.

    YAML reads them as text, so a full-width indent becomes part of a key or
    "a line without a colon"; these say what the writer typed instead.
    """
    problems = []
    for number, line in _structure_lines(text, first_line):
        stripped = line.lstrip(" ")
        if stripped.startswith(IDEOGRAPHIC_SPACE):
            column = len(line) - len(stripped) + 1
            width = len(stripped) - len(stripped.lstrip(IDEOGRAPHIC_SPACE))
            problems.append(error(path, number, "行首的缩进用了全角空格“　”，YAML 只认半角空格",
                                  f"把这 {width} 个全角空格换成半角空格（切换到英文输入法再按空格键）；"
                                  "同一层的键要左端对齐",
                                  column))
        elif match := _AFTER_COLON.match(line):
            rest = line[match.end():].strip()
            problems.append(error(path, number, f"“{match.group(1)}:”后面是全角空格“　”，YAML 需要半角空格",
                                  f"改成 {match.group(1)}: {_short(rest)}（冒号后面加一个半角空格）",
                                  match.start(2) + 1))
    return problems


def _short(text: str) -> str:
    """A value cut to a length that fits in a hint."""
    return text if len(text) <= 30 else text[:30] + "…"


def lint_lines(text: str, path: str, first_line: int,
                     key_names: dict[str, str] | None) -> list[Problem]:
    """Find full-width colons and tab indentation, the mistakes YAML explains worst."""
    problems = []
    for number, line in _structure_lines(text, first_line):
        if line.startswith("\t") or re.match(r"^ +\t", line):
            problems.append(error(path, number, "缩进里有制表符（Tab），YAML 只允许空格缩进",
                                  "把行首的 Tab 换成空格", column=line.index("\t") + 1))
            continue
        match = _FULLWIDTH_KEY.match(line)
        if match and ":" not in line[: match.end()]:
            problems.append(_fullwidth_problem(path, number, match, key_names or {}))
    return problems


def _fullwidth_problem(path: str, number: int, match: re.Match, key_names: dict) -> Problem:
    """Explain `key：value` with the colon that Chinese input methods type."""
    key = match.group(3)
    column = match.end()
    rest = _short(match.string[match.end():].strip())
    if key in key_names:
        return error(path, number, f"“{key}”后面用了全角冒号“：”，而且键要用英文",
                     f"改成 {key_names[key]}: {rest}（英文键、半角冒号加空格）", column)
    return error(path, number, f"“{key}”后面用了全角冒号“：”", f"改成半角冒号加空格：{key}: {rest}", column)


_YAML_HINT = "检查这一行及上一行的缩进、冒号和引号；含有“: ”或以特殊符号开头的值请加引号"


def explain_error(exc: yaml.YAMLError, text: str, path: str, first_line: int) -> Problem:
    """Turn a PyYAML error into a located problem in Chinese."""
    if isinstance(exc, yaml.reader.ReaderError):
        return _control_character(exc, text, path, first_line)
    problem = getattr(exc, "problem", None) or ""
    context = getattr(exc, "context", None) or ""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    start = getattr(exc, "context_mark", None) or mark
    lines = text.split("\n")
    if "flow node" in context:
        start = _unclosed_bracket(lines) or start  # YAML notices only at the end of the text
    for test, explain in _EXPLANATIONS:
        if test(problem, context):
            use = start if explain.at_start else mark
            line_text = lines[use.line] if use and use.line < len(lines) else ""
            message, hint = explain.describe(line_text, use.column if use else 0)
            return error(path, first_line + use.line if use else first_line, message, hint,
                         use.column + 1 if use else None)
    line = first_line + mark.line if mark else first_line
    return error(path, line, "YAML 格式错误", _YAML_HINT, mark.column + 1 if mark else None)


def _unclosed_bracket(lines: list[str]):
    """Return a mark (.line, .column, 0-based) at the last [ or { that is never closed."""
    stack = []
    for number, line in enumerate(lines):
        for column, char in enumerate(line):
            if char in "[{":
                stack.append(yaml.Mark("", 0, number, column, None, None))
            elif char in "]}" and stack:
                stack.pop()
    return stack[-1] if stack else None


def _control_character(exc, text: str, path: str, first_line: int) -> Problem:
    """Explain an invisible control character, often pasted from another program."""
    position = min(getattr(exc, "position", 0), len(text))
    before = text[:position]
    line = before.count("\n")
    column = position - (before.rfind("\n") + 1) + 1
    code = getattr(exc, "character", 0)
    code = code if isinstance(code, int) else ord(code[:1] or "\0")
    return error(path, first_line + line, f"这里有一个看不见的控制字符（U+{code:04X}）",
                 "删除它；它常随从其他软件复制的文字一起粘贴进来", column)


@dataclass(frozen=True)
class _Explanation:
    """How to word one kind of PyYAML error; `at_start` locates it where the construct began."""

    describe: object
    at_start: bool = False


def _explain_colon_in_value(line: str, column: int) -> tuple[str, str]:
    """`title: 标题: 副标题` or a line indented under a plain value."""
    match = re.match(r"^(\s*(?:-\s+)?)([^\s:][^:]*):\s+(.*\S)\s*$", line)
    if match and column > match.end(2):
        key, value = match.group(2), match.group(3).replace('"', '\\"')
        return (f"{key} 的值里含有“: ”，YAML 会把它当成新的键",
                f'给整个值加上半角双引号：{key}: "{value}"')
    return ("这一行的缩进比上一行多，或值里含有“: ”却没加引号",
            "同一层的键要左端对齐；值里有“: ”时给整个值加上双引号")


def _explain_flow(close: str):
    """An unclosed [ or {."""
    opener = "[" if close == "]" else "{"
    return lambda line, column: (f"“{opener}”没有对应的“{close}”",
                                 f"在这一行的末尾补上 {close}；各项之间用半角逗号“,”分隔")


def _explain_bad_start(line: str, column: int) -> tuple[str, str]:
    """A character that cannot start a value, such as a tab or @."""
    char = line[column : column + 1]
    if char == "\t":
        return "这里有制表符（Tab），YAML 只允许空格", "把 Tab 换成空格"
    return (f"值不能以“{char}”开头", "给整个值加上半角双引号，如 \"" + line[column:].strip() + "\"")


def _explain_misaligned(line: str, column: int) -> tuple[str, str]:
    """A line that is not where YAML expects the next key, or text after a closing quote."""
    if re.match(r"""^\s*(?:-\s+)?[^:\s][^:]*:\s*(["']).*\1\s*\S""", line):
        return "引号后面还有文字", "把整段文字都放进引号里，或者去掉引号"
    return ("缩进不一致：这一行和上面同一层的键或列表项没有左端对齐",
            "同一层的键、同一列表的“- ”要用同样多的空格缩进")


_EXPLANATIONS = (
    (lambda p, c: "mapping values are not allowed" in p, _Explanation(_explain_colon_in_value)),
    (lambda p, c: "flow sequence" in c, _Explanation(_explain_flow("]"), True)),
    (lambda p, c: "flow mapping" in c, _Explanation(_explain_flow("}"), True)),
    (lambda p, c: "quoted scalar" in c, _Explanation(
        lambda line, column: ("引号没有闭合", "在值的末尾补上同样的引号"), True)),
    (lambda p, c: "simple key" in c, _Explanation(
        lambda line, column: ("这一行缺少半角冒号，应写成“键: 值”", "在键的后面加上“: ”（半角冒号和空格）"),
        True)),
    (lambda p, c: "cannot start any token" in p, _Explanation(_explain_bad_start)),
    (lambda p, c: "single document" in c, _Explanation(
        lambda line, column: ("这里又出现了一行 ---，一个文件只能写一份内容",
                              "删除这一行；多条记录请写成列表，每项以“- ”开头"))),
    (lambda p, c: "flow node" in c, _Explanation(
        lambda line, column: ("方括号“[”或花括号“{”没有闭合", "检查上面的 [ 和 { 是否都有对应的 ] 和 }"),
        True)),
    (lambda p, c: "block sequence entries are not allowed" in p, _Explanation(
        lambda line, column: ("列表项“- ”不能和键写在同一行",
                              "把列表项写到下一行并缩进两个空格；如果这是一段文字，给它加上半角双引号"))),
    (lambda p, c: "expected key" in p or "'-' indicator" in p or "block end" in p, _Explanation(
        _explain_misaligned)),
    (lambda p, c: "alias" in p or "anchor" in p, _Explanation(
        lambda line, column: ("不支持 YAML 的锚点和别名（& 和 *）", "把被引用的内容直接写出来"))),
)
