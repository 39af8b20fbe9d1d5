"""Text syntax of source files: encodings, front matter and YAML with line numbers.

Nothing here touches the file system: functions take bytes or text and return
values together with `Problem`s, never raising for a mistake in the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from cxsite.content.mistakes import IDEOGRAPHIC_SPACE, explain_error, fullwidth_spaces, lint_lines
from cxsite.problem import Problem, error, warning

BOM = "\ufeff"
FENCE = "---"
MAX_DEPTH = 20  # front matter and records need four levels at most; deeper is a mistake or an attack

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
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class YamlValue:
    """A parsed YAML value with the (line, column) of every key, list item and value."""

    value: object
    where: Located = field(default_factory=dict)  # key path -> position of the key (or list item)
    values: Located = field(default_factory=dict)  # key path -> position of the value

    def line_of(self, *path) -> int | None:
        """Return the 1-based line of a key path, or of its closest known parent."""
        return self.position_of(*path)[0]

    def position_of(self, *path) -> tuple[int | None, int | None]:
        """Return (line, column) of a key path, or of its closest known parent."""
        while path:
            if path in self.where:
                return self.where[path]
            path = path[:-1]
        return self.where.get((), (None, None))

    def value_position(self, *path) -> tuple[int | None, int | None]:
        """Return (line, column) where the value of a key path is written."""
        return self.values.get(path) or self.position_of(*path)


# ---------------------------------------------------------------- encodings


_OFFICE_FILES = (  # (magic bytes, what the file is): documents saved by Word or WPS and renamed to .md
    (b"PK\x03\x04", "这是 Word 文档（.docx，或其他 Office/WPS 文件），不是纯文本文件"),
    (b"\xd0\xcf\x11\xe0", "这是 Word 97-2003 文档（.doc，或其他 Office/WPS 文件），不是纯文本文件"),
    (b"{\\rtf", "这是 RTF 格式的文档，不是纯文本文件"),
)
_OFFICE_HINT = ("改名不会改变文件的格式：在 Word 或 WPS 里打开它，“另存为”纯文本（.txt，编码选 UTF-8）"
                "后再改名为 .md，或把正文复制到记事本里，另存为 UTF-8 编码的 .md 文件")


def decode_source(data: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """Decode a source file as UTF-8 (BOM and CRLF allowed), naming Word, GBK and UTF-16 files.

    Control characters (Word's manual line break U+000B, a stray NUL…) become spaces,
    with a warning at the first: no page or feed can carry them.
    """
    for magic, what in _OFFICE_FILES:
        if data.startswith(magic):
            return None, [error(path, 1, what, _OFFICE_HINT)]
    if _looks_utf16(data):
        return None, [error(path, 1, "文件是 UTF-16（“Unicode”）编码，cxsite 只读取 UTF-8",
                            "在编辑器里“另存为”时把编码选为 UTF-8")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [_encoding_problem(data, path, line)]
    if text.startswith(BOM):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    found = CONTROL.search(text)
    if found is None:
        return text, []
    line = text.count("\n", 0, found.start()) + 1
    column = found.start() - text.rfind("\n", 0, found.start())
    count = len(CONTROL.findall(text))
    name = "Word 的手动换行符" if found.group() == "\x0b" else "看不见的控制字符"
    problem = warning(path, line, f"这里有{name}（U+{ord(found.group()):04X}）"
                      + (f"，全文共 {count} 个" if count > 1 else "") + "，已换成空格",
                      "从 Word 复制来的文字常带这种字符；在编辑器里删除它，需要分段就空一行", column)
    return CONTROL.sub(" ", text), [problem]


# C0 controls but tab and newline, and the two non-characters: nothing a writer means, nothing XML allows.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _looks_utf16(data: bytes) -> bool:
    """Whether bytes are UTF-16 text: a byte-order mark, or every other byte zero (ASCII in UTF-16)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = data[:200]
    if len(head) < 4:
        return False
    return head[0::2].count(0) > len(head) // 4 or head[1::2].count(0) > len(head) // 4


def convert_command(path: str) -> str:
    """Return the shell command that converts a GB18030 file to UTF-8 in place."""
    return f"iconv -f GB18030 -t UTF-8 {path} > {path}.utf8 && mv {path}.utf8 {path}"


def decode_legacy(data: bytes) -> str | None:
    """Return the text of a GBK/GB18030 file with Chinese in it, else None."""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    return text if _HAN.search(text) else None


def _encoding_problem(data: bytes, path: str, line: int) -> Problem:
    """Explain a file that is not UTF-8, recognising the common Chinese encodings."""
    if decode_legacy(data) is None:
        return error(path, line, "文件不是 UTF-8 编码，无法读取", "请在编辑器中以 UTF-8 编码重新保存此文件")
    return error(path, line, "文件是 GBK/GB18030 编码，cxsite 只读取 UTF-8",
                 f"请用编辑器“另存为 UTF-8”，或运行：{convert_command(path)}"
                 "；也可运行 cxsite check --fix-encoding（原文件备份为 .bak）")


# ------------------------------------------------------------- front matter


@dataclass(frozen=True)
class FrontMatter:
    """A Markdown file split into its front-matter text and its body."""

    header: str
    body: str
    header_line: int  # line number of the first header line (1-based)
    body_line: int


_DASHES = re.compile(r"^[-—－―─–~～=]{2,}\s*$")
_YAML_LIKE = re.compile(r"^(\s*$|\s*#(?!#)|\s*-(\s|$)|\s+\S|[^\s:：]{1,40}\s*[:：])")
_HEADING = re.compile(r"^#{1,6}\s")


def split_front_matter(text: str, path: str) -> tuple[FrontMatter | None, list[Problem]]:
    """Split `---`-fenced YAML front matter from a Markdown text."""
    if not text.strip():
        return None, [error(path, 1, "文件是空的",
                              "第一行写 ---，接着写前言（title: 标题 等），再用一行 --- 结束，下面是正文")]
    lines = text.split("\n")
    if lines[0].rstrip() != FENCE:
        return None, [_missing_fence(lines, path)]
    for number, line in enumerate(lines[1:], start=2):
        if line.rstrip() in (FENCE, "..."):
            header = "\n".join(lines[1 : number - 1])
            body = "\n".join(lines[number:])
            start = body_start(lines[1 : number - 1], 2)
            if start is not None:
                return None, [_unclosed(path, start, "（正文里的 --- 被当成了它的结束）")]
            return FrontMatter(header, body, 2, number + 1), []
    start = body_start(lines[1:], 2)
    if start is None:
        return None, [error(path, 1, "前言没有结束：找不到第二行 ---",
                            "在前言之后、正文之前单独加一行 ---")]
    return None, [_unclosed(path, start, "")]


def _unclosed(path: str, start: int, why: str) -> Problem:
    """Report a front matter that runs into the body."""
    return error(path, start, f"前言没有结束：这一行看起来已是正文{why}",
                 f"在第 {start} 行之前单独加一行 ---，把前言和正文隔开")


def body_start(lines: list[str], first_number: int) -> int | None:
    """Return the line where Markdown prose starts among header lines, if it does."""
    after_blank = False
    for number, line in enumerate(lines, start=first_number):
        if _HEADING.match(line) and not line.startswith("# "):
            return number
        if after_blank and not _YAML_LIKE.match(line):
            return number
        after_blank = not line.strip()
    return None


def _missing_fence(lines: list[str], path: str) -> Problem:
    """Explain a Markdown file whose first line is not `---`."""
    first = lines[0].strip()
    if _DASHES.match(first):
        return error(path, 1, f"第一行应是三个半角减号 ---，这里写成了“{first}”",
                     "改成 ---（英文输入法下的三个减号）")
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if line.rstrip() == FENCE:
                return error(path, 1, f"--- 之前不能有空行（--- 在第 {number} 行）",
                             f"删除第 1–{number - 1} 行的空行，让 --- 成为第一行")
            break
    return error(path, 1, "文件开头缺少前言（第一行应为 ---）",
                 "在文件最前面加一行 ---，写上前言（title: 标题 等），再用一行 --- 结束")


# --------------------------------------------------------------------- YAML


def parse_yaml(text: str, path: str, first_line: int = 1,
               key_names: dict[str, str] | None = None) -> tuple[YamlValue | None, list[Problem]]:
    """Parse YAML text, recording where each key is; `first_line` is the text's first line.

    `key_names` maps Chinese names writers might use as keys (标题) to the keys (title).
    """
    if IDEOGRAPHIC_SPACE in text:
        # Full-width spaces parse, as text: the mistake would surface later as a strange key.
        problems = fullwidth_spaces(text, path, first_line)
        if problems:
            return None, problems
    try:
        node = yaml.compose(text, Loader=_Loader)
        if node is not None and ("*" in text or "&" in text):
            aliases = _alias_problems(text, path, first_line)
            if aliases:
                return None, aliases
    except yaml.YAMLError as exc:
        # A full-width colon or a tab explains the failure better than PyYAML can.
        return None, lint_lines(text, path, first_line, key_names) or [
            explain_error(exc, text, path, first_line)]
    except RecursionError:
        return None, [_too_deep(path, first_line)]
    if isinstance(node, yaml.ScalarNode):
        # `标题：…` alone parses as one string; say why it is not a mapping.
        problems = lint_lines(text, path, first_line, key_names)
        if problems:
            return None, problems
    if node is None:
        return YamlValue(None, {}), []
    walk = _Walk(path, first_line, text.split("\n"))
    try:
        value = walk.value(node, (), 0)
    except RecursionError:
        return None, [_too_deep(path, first_line)]
    if walk.too_deep:
        return None, walk.problems
    return YamlValue(value, walk.where, walk.values), walk.problems


def _too_deep(path: str, first_line: int) -> Problem:
    """Refuse nesting no content needs."""
    return error(path, first_line, f"YAML 嵌套层次太深（超过 {MAX_DEPTH} 层）", "检查缩进和括号是否配对")


def _alias_problems(text: str, path: str, first_line: int) -> list[Problem]:
    """Refuse aliases: anchors let a small file expand to gigabytes."""
    return [
        error(path, first_line + event.start_mark.line, "不支持 YAML 的锚点和别名（& 和 *）",
              "把被引用的内容直接写出来", event.start_mark.column + 1)
        for event in yaml.parse(text, Loader=_Loader)
        if isinstance(event, yaml.AliasEvent)
    ]


@dataclass
class _Walk:
    """Builds Python values from a YAML node tree, recording where each key is."""

    path: str
    first_line: int
    lines: list[str] = field(default_factory=list)  # the text's lines, to find where a block's text starts
    where: Located = field(default_factory=dict)
    values: Located = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    too_deep: bool = False

    def value(self, node, key_path: tuple, depth: int):
        """Return the Python value of a node (None where it is refused)."""
        position = self._position(node)
        self.where.setdefault(key_path, position)
        self.values[key_path] = self._block_start(node) or position
        if depth > MAX_DEPTH:
            if not self.too_deep:
                self.problems.append(_too_deep(self.path, position[0]))
            self.too_deep = True
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, key_path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, (*key_path, i), depth + 1) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node, key_path: tuple, depth: int) -> dict:
        """Return a dict, reporting keys that are not text or given twice."""
        result: dict = {}
        for key_node, value_node in node.value:
            key = self._scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            line, column = self._position(key_node)
            if not isinstance(key, str | int) or isinstance(key, bool):
                self.problems.append(error(self.path, line, "键必须是简单的文字", "每行写成“键: 值”",
                                           column))
                continue
            key = str(key)
            if key in result:
                first = self.where[(*key_path, key)][0]
                self.problems.append(error(self.path, line, f"键“{key}”重复出现（第 {first} 行已写过）",
                                           "删除其中一个，或把两处的内容合并", column))
                continue
            self.where[(*key_path, key)] = (line, column)
            result[key] = self.value(value_node, (*key_path, key), depth + 1)
        return result

    def _scalar(self, node):
        """Construct a scalar (dates stay text)."""
        if node.style in ("'", '"', "|", ">"):
            return node.value
        return scalar_value(node.tag, node.value)

    def _block_start(self, node) -> tuple[int, int] | None:
        """Where the text of a `|` or `>` block starts (the line after its indicator); None for others."""
        if not isinstance(node, yaml.ScalarNode) or node.style not in ("|", ">"):
            return None
        for index in range(node.start_mark.line + 1, min(node.end_mark.line + 1, len(self.lines))):
            text = self.lines[index]
            if text.strip():
                return self.first_line + index, len(text) - len(text.lstrip(" ")) + 1
        return None

    def _position(self, node) -> tuple[int, int]:
        """Return the file (line, column) of a node."""
        return self.first_line + node.start_mark.line, node.start_mark.column + 1


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
                number = int(digits, base)
            except ValueError:
                continue
            # Numbers too long to print are no count a writer means; keep them as text.
            return number if abs(number) < 10**18 else text
        return text
    if tag == "tag:yaml.org,2002:float":
        try:
            return float(text.replace("_", "").replace(".inf", "inf").replace(".nan", "nan"))
        except ValueError:
            return text
    return text
