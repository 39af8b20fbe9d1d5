"""Source text: encodings, front matter and YAML with the line of every key."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from cxsite.content.syntax import FrontMatter, decode_source, parse_yaml, split_front_matter
from cxsite.problem import Problem, error

PATH = "content/bulletins/002.md"


# --- decoding ------------------------------------------------------------------------------------

def test_utf8_bom_and_crlf_are_accepted_silently():
    assert decode_source("\ufeff---\r\ntitle: 第二期\r\n---\r\n正文\r\n".encode(), PATH) == (
        "---\ntitle: 第二期\n---\n正文\n", [])


def test_lone_carriage_returns_become_newlines():
    assert decode_source("甲\r乙\r\n丙".encode(), PATH) == ("甲\n乙\n丙", [])


def test_gbk_file_is_named_with_the_way_to_convert_it():
    data = "---\ntitle: 第二期简报\n---\n".encode("gbk")
    assert decode_source(data, PATH) == (None, [error(
        PATH, 2, "文件是 GBK/GB18030 编码，cxsite 只读取 UTF-8",
        "请用编辑器“另存为 UTF-8”，或运行：iconv -f GB18030 -t UTF-8 content/bulletins/002.md > "
        "content/bulletins/002.md.utf8 && mv content/bulletins/002.md.utf8 content/bulletins/002.md"
        "；也可运行 cxsite check --fix-encoding（原文件备份为 .bak）")])


def test_bytes_in_no_chinese_encoding_are_reported_at_their_line():
    assert decode_source(b"---\ntitle: x\n\xff\xfe\n", PATH) == (None, [error(
        PATH, 3, "文件不是 UTF-8 编码，无法读取", "请在编辑器中以 UTF-8 编码重新保存此文件")])


# --- front matter --------------------------------------------------------------------------------

def test_front_matter_is_split_with_line_numbers():
    text = "---\ntitle: 第二期\nissue: 2\n---\n\n正文第一段\n"
    assert split_front_matter(text, PATH) == (
        FrontMatter(header="title: 第二期\nissue: 2", body="\n正文第一段\n", header_line=2, body_line=5), [])


@pytest.mark.parametrize("closing", ["---", "...", "---   "])
def test_front_matter_may_close_with_dots_or_trailing_spaces(closing):
    front, problems = split_front_matter(f"---\ntitle: 甲\n{closing}\n正文", PATH)
    assert (front.header, front.body, problems) == ("title: 甲", "正文", [])


def test_empty_front_matter():
    assert split_front_matter("---\n---\n正文", PATH) == (FrontMatter("", "正文", 2, 3), [])


@pytest.mark.parametrize(("text", "message", "hint"), [
    ("", "文件是空的", "第一行写 ---，接着写前言（title: 标题 等），再用一行 --- 结束，下面是正文"),
    ("  \n\n", "文件是空的", "第一行写 ---，接着写前言（title: 标题 等），再用一行 --- 结束，下面是正文"),
    ("title: 甲\n---\n正文", "文件开头缺少前言（第一行应为 ---）",
     "在文件最前面加一行 ---，写上前言（title: 标题 等），再用一行 --- 结束"),
    ("---\ntitle: 甲\n", "前言没有结束：找不到第二行 ---", "在前言之后、正文之前单独加一行 ---"),
])
def test_front_matter_mistakes(text, message, hint):
    assert split_front_matter(text, PATH) == (None, [error(PATH, 1, message, hint)])


CJK = re.compile(r"[\u4e00-\u9fff]")
PACKAGE = Path(__file__).resolve().parent.parent / "cxsite"


def chinese_texts() -> list[tuple[str, str]]:
    """Every text cxsite shows a writer: Chinese string literals of its code, its theme and skeleton files."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CJK.search(node.value):
                found.append((f"{path.relative_to(PACKAGE)}:{node.lineno}", node.value))
    for folder in ("theme", "skeleton"):
        for path in sorted((PACKAGE / folder).rglob("*")):
            if path.suffix in (".html", ".md", ".xsl", ".js", ".yaml"):
                shown = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)  # not comments
                found.append((str(path.relative_to(PACKAGE)), shown))
    return found


def test_messages_say_qianyan_as_the_writers_guide_does():
    # The guide calls the block between the two --- lines 前言 and what is written in it 键.
    words = re.compile(r"front[ -]?matter|字段", re.I)
    assert [(where, text) for where, text in chinese_texts() if words.search(text)] == []
    assert len(chinese_texts()) > 500  # the scan reaches the messages


def test_an_unclosed_front_matter_is_reported_where_the_body_starts():
    assert split_front_matter("---\ntitle: 甲\n\n正文", PATH) == (None, [error(
        PATH, 4, "前言没有结束：这一行看起来已是正文",
        "在第 4 行之前单独加一行 ---，把前言和正文隔开")])


# --- YAML ----------------------------------------------------------------------------------------

def test_lines_of_keys_and_list_items_count_from_the_given_first_line():
    data, problems = parse_yaml("title: 标题\ntags:\n  - 甲\n  - 乙\nbranches: [a, b]\n", PATH, 2)
    assert problems == []
    assert data.value == {"title": "标题", "tags": ["甲", "乙"], "branches": ["a", "b"]}
    assert [data.line_of("title"), data.line_of("tags"), data.line_of("tags", 0), data.line_of("tags", 1),
            data.line_of("branches", 1)] == [2, 3, 4, 5, 6]
    assert data.where[("branches", 1)] == (6, 15)


def test_line_of_an_unknown_key_falls_back_to_its_parent():
    data, _ = parse_yaml("a:\n  b: 1\n", PATH, 10)
    assert (data.line_of("a", "b"), data.line_of("a", "zzz"), data.line_of("nope")) == (11, 10, 10)


def test_dates_stay_text_and_plain_scalars_resolve():
    data, problems = parse_yaml("date: 2010-07-08\nwhen: 2010-07-08 14:30\nok: yes\nn: 12\nf: 1.5\n"
                                "q: '12'\nnothing: ~\n", PATH)
    assert problems == []
    assert data.value == {"date": "2010-07-08", "when": "2010-07-08 14:30", "ok": True, "n": 12, "f": 1.5,
                          "q": "12", "nothing": None}


def test_full_width_colon_is_named_with_its_column():
    assert parse_yaml("title：第二期简报\nissue: 2\n", PATH, 2) == (None, [Problem(
        PATH, 2, "“title”后面用了全角冒号“：”", "改成半角冒号加空格：title: 第二期简报", column=6)])


def test_full_width_colon_on_a_line_of_its_own():
    # Alone, `标题：…` is valid YAML (one string); it must still be explained.
    assert parse_yaml("  title：第二期简报\n", PATH, 2) == (None, [Problem(
        PATH, 2, "“title”后面用了全角冒号“：”", "改成半角冒号加空格：title: 第二期简报", column=8)])


def test_tab_indentation_is_named():
    assert parse_yaml("title: 甲\ntags:\n\t- 乙\n", PATH, 2) == (None, [Problem(
        PATH, 4, "缩进里有制表符（Tab），YAML 只允许空格缩进", "把行首的 Tab 换成空格", column=1)])


def test_aliases_are_refused():
    assert parse_yaml("a: &x [1, 2]\nb: *x\nc: *x\n", PATH, 2) == (None, [
        Problem(PATH, 3, "不支持 YAML 的锚点和别名（& 和 *）", "把被引用的内容直接写出来", column=4),
        Problem(PATH, 4, "不支持 YAML 的锚点和别名（& 和 *）", "把被引用的内容直接写出来", column=4)])


def test_an_asterisk_in_a_value_is_not_an_alias():
    data, problems = parse_yaml("title: 五星*级\n", PATH)
    assert (data.value, problems) == ({"title": "五星*级"}, [])


def test_duplicate_key():
    data, problems = parse_yaml("title: 甲\ntitle: 乙\n", PATH, 2)
    assert data.value == {"title": "甲"}
    assert problems == [error(PATH, 3, "键“title”重复出现（第 2 行已写过）",
                              "删除其中一个，或把两处的内容合并", column=1)]


def test_yaml_error_is_translated_and_located():
    # Column 10 is the second colon, the one that needs quotes around the value.
    assert parse_yaml("title: 会议: 纪要\n", PATH, 2) == (None, [Problem(
        PATH, 2, "title 的值里含有“: ”，YAML 会把它当成新的键", '给整个值加上半角双引号：title: "会议: 纪要"',
        column=10)])


def test_empty_yaml_is_none():
    assert parse_yaml("", PATH) == parse_yaml("# 只有注释\n", PATH)
    data, problems = parse_yaml("", PATH)
    assert (data.value, problems) == (None, [])
