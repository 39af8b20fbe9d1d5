"""Text syntax of source files: encodings, front matter and YAML with line numbers.

Nothing here touches the file system: functions take bytes or text and return
values together with `Problem`s, never raising for a mistake in the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from cxsite.problem import Problem, error

BOM = "\ufeff"
FENCE = "---"

# The C parser is several times faster; PyYAML wheels ship it, source builds may not.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):
    """Safe YAML loader that leaves dates as text, so cxsite parses them itself."""


# Why: YAML 1.1 turns `2010-07-08` into a date but `2010-07-08 14:30` into a string;
# keeping every date a string lets one parser accept and explain all the forms.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

Located = dict[tuple, tuple[int, int]]


@dataclass(frozen=True)
class YamlValue:
    """A parsed YAML value with the (line, column) of every key and list item."""

    value: object
    where: Located = field(default_factory=dict)

    def line_of(self, *path) -> int | None:
        """Return the 1-based line of a key path, or of its closest known parent."""
        while path:
            if path in self.where:
                return self.where[path][0]
            path = path[:-1]
        return self.where.get((), (None, None))[0]


def decode_source(data: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """Decode a source file as UTF-8 (BOM and CRLF allowed), naming GBK files."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [_encoding_problem(data, path, line)]
    if text.startswith(BOM):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, []


def _encoding_problem(data: bytes, path: str, line: int) -> Problem:
    """Explain a file that is not UTF-8, recognising the common Chinese encodings."""
    convert = f"iconv -f GB18030 -t UTF-8 {path} > {path}.utf8 && mv {path}.utf8 {path}"
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return error(path, line, "文件不是 UTF-8 编码，无法读取",
                     "请在编辑器中以 UTF-8 编码重新保存此文件")
    return error(path, line, "文件是 GBK/GB18030 编码，cxsite 只读取 UTF-8",
                 f"请用编辑器“另存为 UTF-8”，或运行：{convert}")


@dataclass(frozen=True)
class FrontMatter:
    """A Markdown file split into its front-matter text and its body."""

    header: str
    body: str
    header_line: int  # line number of the first header line (1-based)
    body_line: int


def split_front_matter(text: str, path: str) -> tuple[FrontMatter | None, list[Problem]]:
    """Split `---`-fenced YAML front matter from a Markdown text."""
    if not text.strip():
        return None, [error(path, 1, "文件是空的", "Markdown 文件应以 --- 开头的 front matter 开始")]
    lines = text.split("\n")
    if lines[0].rstrip() != FENCE:
        return None, [error(path, 1, "文件开头缺少 front matter（第一行应为 ---）",
                            "在文件最前面加上 ---、title: 标题 等字段，再用一行 --- 结束")]
    for number, line in enumerate(lines[1:], start=2):
        if line.rstrip() in (FENCE, "..."):
            header = "\n".join(lines[1 : number - 1])
            body = "\n".join(lines[number:])
            return FrontMatter(header, body, 2, number + 1), []
    return None, [error(path, 1, "front matter 没有结束：找不到第二行 ---",
                        "在字段之后、正文之前单独加一行 ---")]


_FULLWIDTH_KEY = re.compile(r"^(\s*)([\w\u4e00-\u9fff-]+)\s*：")


def parse_yaml(text: str, path: str, first_line: int = 1) -> tuple[YamlValue | None, list[Problem]]:
    """Parse YAML text, recording where each key is; `first_line` is the text's first line."""
    problems: list[Problem] = []
    try:
        node = yaml.compose(text, Loader=_Loader)
        if "*" in text:
            problems = _alias_problems(text, path, first_line)
    except yaml.YAMLError as exc:
        # A full-width colon or a tab explains the failure better than PyYAML can.
        return None, _lint_yaml_lines(text, path, first_line) or [_yaml_error(exc, path, first_line)]
    if problems:
        return None, problems
    if isinstance(node, yaml.ScalarNode):
        # `标题：…` alone parses as one string; say why it is not a mapping.
        problems = _lint_yaml_lines(text, path, first_line)
        if problems:
            return None, problems
    where: Located = {}
    if node is None:
        return YamlValue(None, where), []
    walk = _Walk(path, first_line, where)
    value = walk.value(node, ())
    return YamlValue(value, where), walk.problems


def _lint_yaml_lines(text: str, path: str, first_line: int) -> list[Problem]:
    """Find full-width colons and tab indentation, the mistakes YAML explains worst."""
    problems = []
    for offset, line in enumerate(text.split("\n")):
        number = first_line + offset
        if line.startswith("\t") or re.match(r"^ +\t", line):
            problems.append(error(path, number, "缩进里有制表符（Tab），YAML 只允许空格缩进",
                                  "把行首的 Tab 换成空格", column=1))
            continue
        match = _FULLWIDTH_KEY.match(line)
        if match and ":" not in line[: match.end()]:
            key = match.group(2)
            problems.append(error(path, number, f"“{key}”后面用了全角冒号“：”",
                                  f"改成半角冒号加空格，如 {key}: …",
                                  column=match.end()))
    return problems


def _alias_problems(text: str, path: str, first_line: int) -> list[Problem]:
    """Refuse aliases: anchors let a small file expand to gigabytes."""
    return [
        error(path, first_line + event.start_mark.line, "不支持 YAML 的锚点和别名（& 和 *）",
              "把被引用的内容直接写出来", event.start_mark.column + 1)
        for event in yaml.parse(text, Loader=_Loader)
        if isinstance(event, yaml.AliasEvent)
    ]


def _yaml_error(exc: yaml.YAMLError, path: str, first_line: int) -> Problem:
    """Turn a PyYAML error into a located problem in Chinese."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = first_line + mark.line if mark else first_line
    column = mark.column + 1 if mark else None
    detail = getattr(exc, "problem", None) or str(exc)
    hint = "检查这一行及上一行的缩进、冒号和引号；含有“: ”或以特殊符号开头的值请加引号"
    return error(path, line, f"YAML 格式错误（{_translate_yaml(detail)}）", hint, column)


_YAML_PHRASES = (
    ("mapping values are not allowed", "这里不能出现“键: 值”，可能是值里含有“: ”却没加引号"),
    ("could not find expected ':'", "找不到应有的冒号"),
    ("found character that cannot start any token", "遇到了不能作为开头的字符"),
    ("expected <block end>, but found", "缩进不一致"),
    ("found undefined alias", "使用了未定义的别名"),
    ("found unexpected end of stream", "引号或括号没有闭合"),
    ("while scanning a quoted scalar", "引号没有闭合"),
    ("did not find expected key", "缩进不一致或缺少键"),
    ("did not find expected node content", "缺少内容"),
    ("found duplicate anchor", "锚点重复"),
)


def _translate_yaml(detail: str) -> str:
    """Translate a PyYAML message into Chinese where a translation is known."""
    for english, chinese in _YAML_PHRASES:
        if english in detail:
            return chinese
    return detail


@dataclass
class _Walk:
    """Builds Python values from a YAML node tree, recording where each key is."""

    path: str
    first_line: int
    where: Located
    problems: list[Problem] = field(default_factory=list)

    def value(self, node, key_path: tuple):
        """Return the Python value of a node (None where it is refused)."""
        self.where.setdefault(key_path, (self._line(node), node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, key_path)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, (*key_path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node, key_path: tuple) -> dict:
        """Return a dict, reporting keys that are not text or given twice."""
        result: dict = {}
        for key_node, value_node in node.value:
            key = self._scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str | int) or isinstance(key, bool):
                self.problems.append(error(self.path, self._line(key_node), "键必须是简单的文字",
                                           "每行写成“键: 值”"))
                continue
            key = str(key)
            if key in result:
                self.problems.append(error(self.path, self._line(key_node), f"键“{key}”重复出现",
                                           "删除其中一个"))
                continue
            self.where[(*key_path, key)] = (self._line(key_node), key_node.start_mark.column + 1)
            result[key] = self.value(value_node, (*key_path, key))
        return result

    def _scalar(self, node):
        """Construct a scalar (dates stay text)."""
        if node.style in ("'", '"', "|", ">"):
            return node.value
        return scalar_value(node.tag, node.value)

    def _line(self, node) -> int:
        """Return the file line of a node."""
        return self.first_line + node.start_mark.line


def scalar_value(tag: str, text: str):
    """Resolve a plain scalar to bool, int, float, null or str as YAML 1.1 tags it."""
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return text.lower() in ("yes", "true", "on", "y")
    if tag == "tag:yaml.org,2002:int":
        digits = text.replace("_", "")
        for base in (10, 0):
            try:
                return int(digits, base)
            except ValueError:
                pass
        return text
    if tag == "tag:yaml.org,2002:float":
        try:
            return float(text.replace("_", "").replace(".inf", "inf").replace(".nan", "nan"))
        except ValueError:
            return text
    return text
