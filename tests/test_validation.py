"""Validation in detail: every mistake a writer can make in a file gives one exact, located message.

Whole broken sites are in test_invalid.py; these pin the functions underneath,
case by case, with the exact text a writer reads.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cxsite.content.config import STAND_IN, read_config
from cxsite.content.schema import check_fields, key_names, read_list
from cxsite.content.sources import parse_document, parse_records
from cxsite.content.syntax import YamlValue, decode_source, parse_yaml, split_front_matter
from cxsite.site.records import BUILT_IN_KINDS

TZ = ZoneInfo("Asia/Shanghai")


def shown(problems) -> list[str]:
    """The problems as a writer reads them."""
    return [p.format() for p in problems]


KINDS = {kind.name: kind for kind in BUILT_IN_KINDS}


def fields(yaml_text: str, kind: str = "bulletin"):
    """Check a front matter (starting on line 2, as in a file) against a kind."""
    data, problems = parse_yaml(yaml_text, "a.md", 2, key_names(KINDS[kind]))
    assert data is not None, shown(problems)
    return check_fields(data, KINDS[kind], "a.md", TZ)


# --- encodings -----------------------------------------------------------------------------------


def test_utf8_bom_and_crlf_are_accepted_silently():
    assert decode_source("\ufefftitle: 标题\r\nissue: 1\rdate: x".encode(), "a.md") == (
        "title: 标题\nissue: 1\ndate: x", [])


def test_gbk_is_named_with_the_command_that_converts_it():
    data = "---\ntitle: 标题\n---\n".encode("gb18030")
    assert shown(decode_source(data, "content/a.md")[1]) == [
        "content/a.md:2: 错误：文件是 GBK/GB18030 编码，cxsite 只读取 UTF-8\n"
        "    提示：请用编辑器“另存为 UTF-8”，或运行：iconv -f GB18030 -t UTF-8 content/a.md > "
        "content/a.md.utf8 && mv content/a.md.utf8 content/a.md；也可运行 cxsite check --fix-encoding"
        "（原文件备份为 .bak）"]


def test_utf16_and_other_encodings_are_named():
    assert shown(decode_source("title: 标题".encode("utf-16"), "a.md")[1]) == [
        "a.md:1: 错误：文件是 UTF-16（“Unicode”）编码，cxsite 只读取 UTF-8\n"
        "    提示：在编辑器里“另存为”时把编码选为 UTF-8"]
    assert shown(decode_source(b"ok\ncaf\xe9 ok\n", "a.md")[1]) == [
        "a.md:2: 错误：文件不是 UTF-8 编码，无法读取\n    提示：请在编辑器中以 UTF-8 编码重新保存此文件"]


# --- front matter --------------------------------------------------------------------------------


EMPTY_FILE = ("a.md:1: 错误：文件是空的\n"
              "    提示：第一行写 ---，接着写前言（title: 标题 等），再用一行 --- 结束，下面是正文")


@pytest.mark.parametrize(("text", "expected"), [
    ("", EMPTY_FILE),
    (" \n\n", EMPTY_FILE),
    ("正文\n", "a.md:1: 错误：文件开头缺少前言（第一行应为 ---）\n"
              "    提示：在文件最前面加一行 ---，写上前言（title: 标题 等），再用一行 --- 结束"),
    ("——\ntitle: a\n——\n", "a.md:1: 错误：第一行应是三个半角减号 ---，这里写成了“——”\n"
                          "    提示：改成 ---（英文输入法下的三个减号）"),
    ("\n\n---\ntitle: a\n---\n", "a.md:1: 错误：--- 之前不能有空行（--- 在第 3 行）\n"
                                "    提示：删除第 1–2 行的空行，让 --- 成为第一行"),
    ("---\ntitle: a\n", "a.md:1: 错误：前言没有结束：找不到第二行 ---\n"
                       "    提示：在前言之后、正文之前单独加一行 ---"),
    ("---\ntitle: a\n\n正文第一段。\n", "a.md:4: 错误：前言没有结束：这一行看起来已是正文\n"
                                    "    提示：在第 4 行之前单独加一行 ---，把前言和正文隔开"),
    ("---\ntitle: a\n## 小标题\n", "a.md:3: 错误：前言没有结束：这一行看起来已是正文\n"
                                "    提示：在第 3 行之前单独加一行 ---，把前言和正文隔开"),
])
def test_front_matter_mistakes(text, expected):
    front, problems = split_front_matter(text, "a.md")
    assert front is None
    assert shown(problems) == [expected]


def test_front_matter_is_split_with_line_numbers():
    front, problems = split_front_matter("---\ntitle: a\n\n# 注释\nissue: 1\n---\n正文\n", "a.md")
    assert problems == []
    assert (front.header, front.body, front.header_line, front.body_line) == (
        "title: a\n\n# 注释\nissue: 1", "正文\n", 2, 7)


# --- YAML ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("title：我院召开动员大会\nissue: 1", "a.md:2:6: 错误：“title”后面用了全角冒号“：”\n"
                                       "    提示：改成半角冒号加空格：title: 我院召开动员大会"),
    ("标题：我院召开动员大会", "a.md:2:3: 错误：“标题”后面用了全角冒号“：”，而且键要用英文\n"
                          "    提示：改成 title: 我院召开动员大会（英文键、半角冒号加空格）"),
    ("tags:\n\t- a", "a.md:3:1: 错误：缩进里有制表符（Tab），YAML 只允许空格缩进\n"
                     "    提示：把行首的 Tab 换成空格"),
    ("title: 通知: 关于座谈会", "a.md:2:10: 错误：title 的值里含有“: ”，YAML 会把它当成新的键\n"
                            '    提示：给整个值加上半角双引号：title: "通知: 关于座谈会"'),
    ("title: a\n  issue: 2", "a.md:3:8: 错误：这一行的缩进比上一行多，或值里含有“: ”却没加引号\n"
                            "    提示：同一层的键要左端对齐；值里有“: ”时给整个值加上双引号"),
    ("tags: [a, b\nissue: 1", "a.md:2:7: 错误：“[”没有对应的“]”\n"
                             "    提示：在这一行的末尾补上 ]；各项之间用半角逗号“,”分隔"),
    ("menu: {a: 1\n", "a.md:2:7: 错误：“{”没有对应的“}”\n"
                     "    提示：在这一行的末尾补上 }；各项之间用半角逗号“,”分隔"),
    ("tags: [", "a.md:2:7: 错误：方括号“[”或花括号“{”没有闭合\n"
                "    提示：检查上面的 [ 和 { 是否都有对应的 ] 和 }"),
    ('title: "座谈会\nissue: 1', "a.md:2:8: 错误：引号没有闭合\n    提示：在值的末尾补上同样的引号"),
    ('title: "座谈会" 通知', "a.md:2:14: 错误：引号后面还有文字\n"
                          "    提示：把整段文字都放进引号里，或者去掉引号"),
    ("title: a\nissue 1\ndate: b", "a.md:3:1: 错误：这一行缺少半角冒号，应写成“键: 值”\n"
                                  "    提示：在键的后面加上“: ”（半角冒号和空格）"),
    ("title: @座谈会", 'a.md:2:8: 错误：值不能以“@”开头\n    提示：给整个值加上半角双引号，如 "@座谈会"'),
    ("tags: - a", "a.md:2:7: 错误：列表项“- ”不能和键写在同一行\n"
                  "    提示：把列表项写到下一行并缩进两个空格；如果这是一段文字，给它加上半角双引号"),
    ("branches:\n  - a\n - b", "a.md:4:2: 错误：缩进不一致：这一行和上面同一层的键或列表项没有左端对齐\n"
                              "    提示：同一层的键、同一列表的“- ”要用同样多的空格缩进"),
    ("id: a\n---\nid: b", "a.md:3:1: 错误：这里又出现了一行 ---，一个文件只能写一份内容\n"
                          "    提示：删除这一行；多条记录请写成列表，每项以“- ”开头"),
    ("title: a\x07b", "a.md:2:9: 错误：这里有一个看不见的控制字符（U+0007）\n"
                     "    提示：删除它；它常随从其他软件复制的文字一起粘贴进来"),
    ("a: &x [1, 2]\nb: *x", "a.md:3:4: 错误：不支持 YAML 的锚点和别名（& 和 *）\n"
                            "    提示：把被引用的内容直接写出来"),
    ("title: a\ntitle: b", "a.md:3:1: 错误：键“title”重复出现（第 2 行已写过）\n"
                           "    提示：删除其中一个，或把两处的内容合并"),
    ("[a, b]: c", "a.md:2:1: 错误：键必须是简单的文字\n    提示：每行写成“键: 值”"),
    ("a: " + "[" * 30 + "]" * 30, "a.md:2: 错误：YAML 嵌套层次太深（超过 20 层）\n"
                                 "    提示：检查缩进和括号是否配对"),
])
def test_yaml_mistakes(text, expected):
    data, problems = parse_yaml(text, "a.md", 2, key_names(KINDS["bulletin"]))
    assert shown(problems) == [expected]
    if not expected.startswith(("a.md:3:1: 错误：键“", "a.md:2:1: 错误：键必须")):
        assert data is None


def test_a_full_width_colon_inside_a_block_text_is_not_a_mistake():
    data, problems = parse_yaml("summary: |\n  会议指出：要抓好学习\n", "a.md", 2)
    assert problems == []
    assert data.value == {"summary": "会议指出：要抓好学习\n"}


def test_yaml_records_where_keys_values_and_list_items_are():
    data, _ = parse_yaml("branches:\n  - a\n  - b\ntags: [x, y]\n", "a.md", 2)
    assert data.position_of("branches") == (2, 1)
    assert data.value_position("branches", 1) == (4, 5)
    assert data.value_position("tags") == (5, 7)
    assert data.value_position("tags", 1) == (5, 11)


def test_numbers_too_long_to_print_stay_text():
    data, _ = parse_yaml("a: 0x" + "f" * 5000 + "\nb: 0x1F\nc: 1_000", "a.md")
    assert data.value["a"].startswith("0xfff") and data.value["b"] == 31 and data.value["c"] == 1000


# --- keys and values -----------------------------------------------------------------------------


def test_a_complete_bulletin_reads_every_value():
    values, problems = fields("title: 标题\nissue: '4'\ndate: 2010年7月8日 14:30\nbranches: houqin\n"
                              "draft: 否\ndistribution: 各支部、各科室\n")
    assert problems == []
    assert values == {"title": "标题", "issue": 4, "date": dt.datetime(2010, 7, 8, 14, 30, tzinfo=TZ),
                      "branches": ("houqin",), "draft": False, "distribution": ("各支部、各科室",)}


@pytest.mark.parametrize(("line", "expected"), [
    ("issue: 0", "a.md:2:8: 错误：issue（期号）应是正整数，而不是 0\n    提示：从 1 开始编号"),
    ("issue: -3", "a.md:2:8: 错误：issue（期号）应是正整数，而不是 -3\n    提示：从 1 开始编号"),
    ("issue: 第4期", "a.md:2:8: 错误：issue（期号）应是整数，而不是“第4期”\n    提示：只写数字，如 4"),
    ("issue: 2.5", "a.md:2:8: 错误：issue（期号）应是整数，而不是“2.5”\n    提示：只能是整数，不能有小数点"),
    ("issue: 四", "a.md:2:8: 错误：issue（期号）应是整数，而不是“四”\n    提示：写成阿拉伯数字，如 12"),
    ("issue: true", "a.md:2:8: 错误：issue（期号）应是整数\n    提示：写成阿拉伯数字，如 12"),
    ("date: 2010.7.8", "a.md:2:7: 错误：date（日期）“2010.7.8”的写法无法识别（年月日之间用了“.”或“/”）\n"
                       "    提示：改成 2010-07-08 或 2010年7月8日"),
    ("date: 2010/07/08", "a.md:2:7: 错误：date（日期）“2010/07/08”的写法无法识别（年月日之间用了“.”或“/”）\n"
                         "    提示：改成 2010-07-08 或 2010年7月8日"),
    ("date: 7月8日", "a.md:2:7: 错误：date（日期）“7月8日”缺少年份\n    提示：加上年份，如 2010年7月8日"),
    ("date: 2010-02-29", "a.md:2:7: 错误：date（日期）“2010-02-29”不存在：2010年2月只有28天\n"
                         "    提示：日期请写成 2010-07-08、2010-07-08 14:30 或 2010年7月8日"),
    ("date: 2010年4月31日", "a.md:2:7: 错误：date（日期）“2010年4月31日”不存在：2010年4月只有30天\n"
                           "    提示：日期请写成 2010-07-08、2010-07-08 14:30 或 2010年7月8日"),
    ("date: 2010-07-08 24:00", "a.md:2:7: 错误：date（日期）“2010-07-08 24:00”的时间不存在"
                               "（小时应为 0–23，分钟 0–59）\n"
                               "    提示：日期请写成 2010-07-08、2010-07-08 14:30 或 2010年7月8日"),
    ("date: 下周", "a.md:2:7: 错误：date（日期）“下周”不是可识别的日期\n"
                   "    提示：日期请写成 2010-07-08、2010-07-08 14:30 或 2010年7月8日"),
    ("tags: 学习, 讨论", "a.md:2:7: 错误：tags（标签）应是一个列表，这里写成了一段含逗号的文字“学习, 讨论”\n"
                         "    提示：多项请写成 [学习, 讨论]；只有一项时去掉逗号"),
    ("tags: {a: b}", "a.md:2:7: 错误：tags（标签）应是一个列表，但写成了“键: 值”的形式\n"
                     "    提示：写成 [甲, 乙] 或每行一个“- 甲”"),
    ("tags:\n  - a\n  - [b]", "a.md:4:5: 错误：tags（标签）第 2 项应是简单的文字\n"
                              "    提示：写成 [甲, 乙] 或每行一个“- 甲”"),
    ("title: [a, b]", "a.md:2:8: 错误：title（标题）应是一段文字，而不是列表\n"
                      "    提示：直接写文字，不要加“- ”或方括号；文字里有逗号、冒号时给整段加半角双引号"),
    ("title:\n  a: b", "a.md:3:3: 错误：title（标题）应是一段文字，但写成了“键: 值”的形式\n"
                       '    提示：文字里有“: ”时给整段加半角双引号，如 "甲: 乙"'),
    ("draft: 也许", "a.md:2:8: 错误：draft（草稿）应是 true 或 false，而不是“也许”\n"
                    "    提示：写 true（是）或 false（否）"),
])
def test_value_mistakes_name_the_key_as_written(line, expected):
    _, problems = fields(bulletin_with(line))
    assert shown(problems) == [expected]


def bulletin_with(line: str) -> str:
    """A valid bulletin front matter whose one key is given by `line`, written first (file line 2)."""
    key = line.split(":")[0]
    rest = [f"{k}: {v}" for k, v in (("title", "标题"), ("issue", "1"), ("date", "2010-07-08")) if k != key]
    return "\n".join([line, *rest]) + "\n"


def test_a_single_value_is_a_list_of_one():
    assert read_list("houqin") == ("houqin",)
    assert read_list(2010) == ("2010",)
    assert read_list(["a", 2]) == ("a", "2")


@pytest.mark.parametrize(("text", "expected"), [
    ("tittle: 标题\nissue: 1\ndate: 2010-07-08", [
        "a.md:2:1: 错误：不认识的键“tittle”，而必填项 title（标题）没有写\n"
        "    提示：是不是把 title 写成了 tittle？改成“title: …”"]),
    ("title: 标题\nissue: 1\ndate: 2010-07-08\nbrach: [a]", [
        "a.md:5:1: 警告：简报不认识的键“brach”，已忽略\n    提示：是不是想写 branches（相关支部）？"]),
    ("title: 标题\nissue: 1\ndate: 2010-07-08\nTags: [a]", [
        "a.md:5:1: 警告：简报不认识的键“Tags”，已忽略\n    提示：是不是想写 tags（标签）？"]),
    ("title: 标题\nissue: 1\ndate: 2010-07-08\n作者: 张三", [
        "a.md:5:1: 警告：简报不认识的键“作者”，已忽略\n    提示：是不是想写 author（作者）？"]),
    ("title: 标题\nissue: 1\ndate: 2010-07-08\nfoo: 1", [
        "a.md:5:1: 警告：简报不认识的键“foo”，已忽略\n    提示：可用的键：attachments、author、branches、"
        "copies、cover、date、distribution、draft、events、issue、summary、tags、title"]),
    ("title: 标题", [
        "a.md:2: 错误：缺少必填项 issue（期号）\n    提示：加上一行“issue: …”",
        "a.md:2: 错误：缺少必填项 date（日期）\n    提示：加上一行“date: …”"]),
    ("title:\nissue: 1\ndate: 2010-07-08", [
        "a.md:2:1: 错误：title（标题）不能为空\n    提示：在“title:”后面写上内容"]),
    ("- title: 标题", [
        "a.md:2:1: 错误：简报的内容应是“键: 值”的形式\n    提示：每行写成“title: 标题”这样的键值对"]),
])
def test_key_mistakes(text, expected):
    _, problems = fields(text)
    assert shown(problems) == expected


def test_slug_and_id_characters():
    _, problems = fields("title: 座谈会\ndate: 2010-07-08\nslug: Zuo Tan_Hui", "post")
    assert shown(problems) == [
        "a.md:4:7: 错误：slug（网址名）“Zuo Tan_Hui”只能含小写字母、数字和连字符（-）\n"
        "    提示：它会出现在网址里，可改为 zuo-tan-hui"]
    _, problems = fields("id: 第一支部\nname: 第一党支部", "branches")
    assert shown(problems) == ["a.md:2:5: 错误：id（编号）“第一支部”只能含小写字母、数字和连字符（-）\n"
                               "    提示：它会出现在网址里，可改为 di-yi-zhi-bu"]


def test_honours_take_a_year_a_month_or_a_day():
    for written in ("2009", "2010-05", "2010年5月", "2010-05-08"):
        _, problems = fields(f"title: 先进党支部\ndate: {written}", "honors")
        assert problems == [], written
    _, problems = fields("title: 先进党支部\ndate: 2010-13", "honors")
    assert shown(problems) == ["a.md:3:7: 错误：date（获得日期）“2010-13”不存在：没有13月\n"
                               "    提示：写成 2009、2010-05 或 2010-05-08"]


# --- whole source files --------------------------------------------------------------------------


def test_a_document_with_mistakes_still_says_who_it_is_and_what_it_refers_to():
    checked = parse_document("---\ntitle: 标题\nissue: 3\ndate: 2010.7.8\nbranches: [a, b]\n---\n".encode(),
                             "content/bulletins/3.md", KINDS["bulletin"], STAND_IN, "3")
    assert checked.items == ()
    [unbuilt] = checked.unbuilt
    assert unbuilt.identity == ("issue", 3)
    assert (unbuilt.references["branches"], unbuilt.lines[("branches", 1)]) == (("a", "b"), (5, 15))


def test_a_gbk_record_file_still_says_which_ids_it_holds():
    checked = parse_records("- id: houqin\n  name: 第一党支部\n".encode("gb18030"), "content/branches.yaml",
                            KINDS["branches"], STAND_IN, None)
    assert [u.identity for u in checked.unbuilt] == [("branches", "houqin")]


def test_record_files_with_mistakes():
    def problems(text: str, stem=None):
        events = KINDS["events"]
        return shown(parse_records(text.encode(), "content/events.yaml", events, STAND_IN, stem).problems)

    assert problems("# 只有注释\n") == ["content/events.yaml:1: 错误：文件里只有注释，没有记录\n"
                                       "    提示：删除这个文件，或写入记录内容"]
    assert problems("id: a\ntitle: b\n") == [
        "content/events.yaml:1: 错误：content/events.yaml 应是一个列表，每项以“- ”开头\n"
        "    提示：或者把每条记录放到 content/events/ 下的单独文件里"]
    assert problems("title: 动员大会\ndate: 2010-07-16\n", stem="动员大会") == [
        "content/events.yaml:1: 错误：文件名“动员大会”不能用作编号 id（只能含小写字母、数字和连字符）\n"
        "    提示：把文件改名为 dong-yuan-da-hui.yaml，或在文件里加一行“id: dong-yuan-da-hui”"]
    assert problems("- id: a\n  title: 甲\n  date: 2010-07-16\n- id: b\n  date: 2010-07-17\n") == [
        "content/events.yaml:4:3: 错误：缺少必填项 title（标题）\n    提示：加上一行“title: …”"]


# --- site.yaml -----------------------------------------------------------------------------------


def test_site_yaml_problems_come_together_with_a_stand_in_config():
    text = ("title: 专题\norganization: 单位\nbaseurl: http://x/\ntimezone: Asia/Beijing\n"
            "menu: 首页\nmarkdown:\n  raw_html: keep\nslugs:\n  工作动态: Gong Zuo\nfeeds:\n  items: 0\n")
    data, _ = parse_yaml(text, "site.yaml")
    config, problems = read_config(data)
    assert config.base_url == STAND_IN.base_url and config.title == "专题"
    assert shown(problems) == [
        "site.yaml:3:1: 错误：不认识的配置项“baseurl”，而必填项 base_url（网址）没有写\n"
        "    提示：是不是把 base_url 写成了 baseurl？改成“base_url: …”",
        "site.yaml:4:11: 错误：timezone（时区）“Asia/Beijing”不是已知的时区\n"
        "    提示：写成 IANA 时区名，如 Asia/Shanghai",
        "site.yaml:5:7: 错误：menu（菜单）应是一个列表\n    提示：每项写成“- {title: 首页, url: /}”",
        "site.yaml:11:10: 错误：feeds.items（订阅源条数）应大于 0\n    提示：写一个正整数，如 10",
        "site.yaml:7:13: 错误：markdown.raw_html 的值“keep”无效\n"
        "    提示：可选 sanitize（保留安全的 HTML，默认）、escape（显示为文字）、"
        "strip（去掉全部 HTML）、allow（原样保留）",
        "site.yaml:9:9: 错误：“工作动态”的网址名“Gong Zuo”只能含小写字母、数字和连字符\n"
        "    提示：例如 gong-zuo-dong-tai",
    ]


def test_blank_or_wrongly_typed_required_settings_are_errors_not_crashes():
    text = "title: ' '\norganization: 单位\nbase_url: []\nbanner: ' '\n"
    config, problems = read_config(parse_yaml(text, "site.yaml")[0])
    assert config.base_url == STAND_IN.base_url
    assert shown(problems) == [
        "site.yaml:1:8: 错误：必填项 title（网站标题）是空的\n    提示：在“title:”后面写上网站标题",
        "site.yaml:3:11: 错误：必填项 base_url（网址）是空的\n    提示：在“base_url:”后面写上网址"]
    _, problems = read_config(parse_yaml("title: 专题\norganization: 单位\nbase_url: [1]\n", "site.yaml")[0])
    assert [p.message for p in problems] == ["base_url“[1]”不是完整的网址"]


def test_unknown_site_yaml_keys_are_warnings_with_a_suggestion():
    text = "title: 专题\norganization: 单位\nbase_url: http://x/\ntagline2: 口号\n"
    config, problems = read_config(parse_yaml(text, "site.yaml")[0])
    assert config.base_url == "http://x/"
    assert shown(problems) == [
        "site.yaml:4:1: 警告：不认识的配置项“tagline2”，已忽略\n    提示：是不是想写 tagline？"]


def test_yaml_value_without_positions_still_answers():
    assert YamlValue({"a": 1}).position_of("a") == (None, None)


def test_a_file_yaml_cannot_parse_still_says_who_it_is_when_it_is_written_plainly():
    def who(text: str, path: str, kind: str, stem: str | None):
        parse = parse_document if kind == "bulletin" else parse_records
        return parse(text.encode(), path, KINDS[kind], STAND_IN, stem).unbuilt[0].identity

    assert who("---\ntitle：甲\nissue: 7\n---\n", "content/bulletins/7.md", "bulletin", "7") == ("issue", 7)
    assert who("id: xuexi\ntitle：学习\n", "content/events/a.yaml", "events", "a") == ("events", "xuexi")
    assert who("title：学习\n", "content/events/dy.yaml", "events", "dy") == ("events", "dy")
    assert who("- id: a\n  title：学习\n", "content/events.yaml", "events", None) is None
