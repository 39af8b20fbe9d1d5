"""The Markdown engines (cxsite.mdengine): Chinese text, writers' extensions, ids, cache keys, config.

Every writer-facing case runs in both engines: Python-Markdown (default) and
comrak (`engine: fast`). No timing here; speed and memory are in
tests/benchmark/markdown.py.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from cxsite.config import read_config
from cxsite.markup import Markup, markdown_key
from cxsite.mdengine import ENGINES, MarkdownSettings, make_engine, read_settings
from cxsite.mdengine.cjk import join_cjk_lines
from cxsite.syntax import parse_yaml

from support import SAMPLE, build_at

SOURCE = "content/bulletins/001.md"


@pytest.fixture(scope="module", params=ENGINES)
def engine(request):
    return make_engine(MarkdownSettings(engine=request.param))


@pytest.fixture(scope="module", params=ENGINES)
def markup(request) -> Markup:
    return Markup(MarkdownSettings(engine=request.param))


def html_of(engine, text: str) -> str:
    """The engine's HTML, void tags written one way (<br>), without the trailing newline."""
    html, _ = engine.convert(text)
    return re.sub(r"<(br|hr|input)([^>]*?)\s*/>", r"<\1\2>", html).strip()


# --- emphasis around CJK punctuation -----------------------------------------------------------

EMPHASIS = [
    # The cases of issue 11: CommonMark's flanking rules leave these literal.
    ("学习**《实施方案》**的要求", "学习<strong>《实施方案》</strong>的要求"),
    ("**“五个好”**", "<strong>“五个好”</strong>"),
    ("**“五个好”**活动", "<strong>“五个好”</strong>活动"),
    ("于**（2011年）**发布", "于<strong>（2011年）</strong>发布"),
    ("见**【通知】**全文", "见<strong>【通知】</strong>全文"),
    ("称**「先锋」**号", "称<strong>「先锋」</strong>号"),
    ("读*《书名》*后", "读<em>《书名》</em>后"),
    ("~~《旧方案》~~作废", "<del>《旧方案》</del>作废"),
    ("学习*“两学”*内容", "学习<em>“两学”</em>内容"),
    ("这是**粗体。**后文", "这是<strong>粗体。</strong>后文"),
    ("（**重点**）", "（<strong>重点</strong>）"),
    ("“**强调**”", "“<strong>强调</strong>”"),
    ("**注意**：按时", "<strong>注意</strong>：按时"),
    # Several on a line, nested, next to Latin letters and digits.
    ("**《甲》**和**《乙》**", "<strong>《甲》</strong>和<strong>《乙》</strong>"),
    ("**“五个好”**、**“六个一”**", "<strong>“五个好”</strong>、<strong>“六个一”</strong>"),
    ("**重点学习*《条例》*全文**", "<strong>重点学习<em>《条例》</em>全文</strong>"),
    ("使用**GIS**技术", "使用<strong>GIS</strong>技术"),
    ("**《GB/T 1234》**标准", "<strong>《GB/T 1234》</strong>标准"),
    ("采用**“3S”**技术", "采用<strong>“3S”</strong>技术"),
    ("提高**15%**以上", "提高<strong>15%</strong>以上"),
    ("学习 **《方案》** 要求", "学习 <strong>《方案》</strong> 要求"),
    ("*斜体*和**粗体**", "<em>斜体</em>和<strong>粗体</strong>"),
    # What is not emphasis stays as written.
    ("`**《书》**`", "<code>**《书》**</code>"),
    ("a * b * c", "a * b * c"),
    ("1~3月和4~6月", "1~3月和4~6月"),
    # Underscores inside Chinese text are not emphasis in either engine (write ** instead).
    ("学习__《书》__的", "学习__《书》__的"),
]


@pytest.mark.parametrize(("text", "inner"), EMPHASIS)
def test_emphasis_around_cjk_punctuation(engine, text, inner):
    assert html_of(engine, text) == f"<p>{inner}</p>"


def test_emphasis_in_lists_and_tables_and_math_in_tables(engine):
    assert html_of(engine, "- **《方案》**：内容\n- 第二项") == (
        "<ul>\n<li><strong>《方案》</strong>：内容</li>\n<li>第二项</li>\n</ul>")
    table = html_of(engine, "| **（一）**组织 | 甲 |\n|---|---|\n| 2**3**4 | 乙 |")
    assert "<th><strong>（一）</strong>组织</th>" in table
    # 2**3**4 is bold in every CommonMark engine and in Python-Markdown; it never breaks the row.
    assert "<td>2<strong>3</strong>4</td>\n<td>乙</td>" in table


# --- soft line breaks ----------------------------------------------------------------------------

BREAKS = [
    ("甲\n乙", "<p>甲乙</p>"),
    ("要求，\n继续", "<p>要求，继续</p>"),
    ("“五个好”\n活动", "<p>“五个好”活动</p>"),
    ("他说：\n“好”", "<p>他说：“好”</p>"),
    ("**粗体**\n学习", "<p><strong>粗体</strong>学习</p>"),
    ("[链接](/a/)\n文字", '<p><a href="/a/">链接</a>文字</p>'),
    ("- 第一项\n  续行\n- 第二项", "<ul>\n<li>第一项续行</li>\n<li>第二项</li>\n</ul>"),
    ("> 引用\n续行", "<blockquote>\n<p>引用续行</p>\n</blockquote>"),
    # Between Latin words, or Latin and Chinese, the line break stays (a browser shows a space).
    ("English\nwords", "<p>English\nwords</p>"),
    ("中文\nEnglish", "<p>中文\nEnglish</p>"),
    ("2010年\n7月", "<p>2010年\n7月</p>"),
    ("“Hello”\n“World”", "<p>“Hello”\n“World”</p>"),
    # Hard breaks stay: two trailing spaces, or a backslash.
    ("甲  \n乙", "<p>甲<br>\n乙</p>"),
    ("甲\\\n乙", "<p>甲<br>\n乙</p>"),
    # Code keeps its lines.
    ("```\n甲\n乙\n```", "<pre><code>甲\n乙\n</code></pre>"),
]


@pytest.mark.parametrize(("text", "html"), BREAKS)
def test_soft_breaks_between_cjk_characters_disappear(engine, text, html):
    assert html_of(engine, text) == html


def test_line_joining_leaves_verbatim_html_and_block_boundaries_alone():
    html = "<p>甲\n乙</p>\n<p>丙</p>\n<pre>丁\n戊</pre><script>var a = '己\n庚';</script>"
    assert join_cjk_lines(html) == (
        "<p>甲乙</p>\n<p>丙</p>\n<pre>丁\n戊</pre><script>var a = '己\n庚';</script>")


# --- writers' extensions -------------------------------------------------------------------------


def test_footnotes(markup):
    html = markup.convert("林场造林1200亩[^1]。\n\n[^1]: 据2010年年报。\n", SOURCE).html
    assert '<a href="#fn-1"' in html.replace('class="footnote-ref" ', "")
    assert '<li id="fn-1">' in html and "据2010年年报。" in html
    assert 'href="#fnref-1"' in html


@pytest.mark.parametrize(("text", "css", "title"), [
    ('!!! note "提示"\n    按时报送材料。\n', "note", "提示"),
    ("!!! 提示\n    按时报送材料。\n", "note", "提示"),
    ("!!! 注意\n    按时报送材料。\n", "warning", "注意"),
    ('!!! 警告 "务必"\n    按时报送材料。\n', "warning", "务必"),
    ("!!! 提示 “全角引号的标题”\n    按时报送材料。\n", "note", "全角引号的标题"),
    ("!!! warning\n    按时报送材料。\n", "warning", "注意"),  # an English type gets a Chinese title
])
def test_admonitions_with_chinese_types_and_titles(markup, text, css, title):
    html = markup.convert(text, SOURCE).html
    assert html.startswith(f'<div class="admonition {css}">\n<p class="admonition-title">{title}</p>\n'
                           "<p>按时报送材料。</p>\n")


def test_admonition_holds_markdown_and_code_fences_are_not_admonitions(markup):
    html = markup.convert("!!! 提示\n    - **一**\n    - 二\n\n正文\n\n```\n!!! 提示\n```\n", SOURCE).html
    assert "<ul>\n<li><strong>一</strong></li>\n<li>二</li>\n</ul>\n</div>" in html
    assert "<pre><code>!!! 提示\n</code></pre>" in html
    assert markup.convert("!!! 提示\n    框里\n\n正文第一段。\n", SOURCE).text_summary == "正文第一段。"


def test_task_lists(markup):
    html = markup.convert("- [x] 学习《条例》\n- [ ] 撰写心得\n", SOURCE).html
    boxes = re.findall(r"<input [^>]*>", html)
    assert len(boxes) == 2 and all('type="checkbox"' in b and "disabled" in b for b in boxes)
    assert "checked" in boxes[0] and "checked" not in boxes[1]
    assert "学习《条例》" in html and "[x]" not in html


def test_attribute_lists_in_the_default_engine():
    html = Markup().convert("第一段。\n{: .lead }\n\n![图](/img/a.png){: width=300 }\n", SOURCE).html
    assert '<p class="lead">第一段。</p>' in html
    assert 'width="300"' in html


def test_a_written_heading_id_wins_in_both_engines(markup):
    rendered = markup.convert("## 安排\n\n## 工作安排 {#an-pai}\n", SOURCE)
    # The writer's id is taken first; the heading that would have got it gives way.
    assert [(e.id, e.title) for e in rendered.toc] == [("an-pai-1", "安排"), ("an-pai", "工作安排")]
    assert '<h2 id="an-pai">工作安排</h2>' in rendered.html


HEADINGS = ("# 一、总体要求\n\n## 一、总体要求\n\n## 一、总体要求\n\n### GIS 技术应用\n\n## 第２期 ＧＩＳ\n\n"
            "## ！！！\n\n## 脚注[^1]在标题里\n\n正文。\n\n[^1]: 注。\n")


def test_heading_ids_are_ascii_stable_and_unique(markup):
    toc = markup.convert(HEADINGS, SOURCE).toc
    assert [(e.level, e.id) for e in toc] == [
        (2, "yi-zong-ti-yao-qiu"), (2, "yi-zong-ti-yao-qiu-1"), (2, "yi-zong-ti-yao-qiu-2"),
        (3, "gis-ji-shu-ying-yong"), (2, "di-2-qi-gis"), (2, "section"), (2, "jiao-zhu-zai-biao-ti-li")]
    assert toc[-1].title == "脚注在标题里"
    assert all(e.id.isascii() for e in toc)
    assert markup.convert(HEADINGS, SOURCE).toc == toc  # the same text, the same ids


def test_smarty_when_enabled_leaves_chinese_punctuation_alone():
    settings, problems = read_settings({"extensions": ["smarty"]})
    assert problems == []
    text = '他说"你好"。“五个好”、‘单引号’、《书》……——'
    html = make_engine(settings).convert(text)[0]
    assert "“五个好”、‘单引号’、《书》……——" in html
    # Its quotes stay off: after a Chinese character smarty would open with a closing quote.
    assert "&rdquo;" not in html and "&ldquo;" not in html and html.count("“") == 1


# --- both engines agree --------------------------------------------------------------------------

DOCUMENT = """# 一、总体要求

学习**《实施方案》**的要求，
深入开展创先争优活动[^1]。详见[方案](../pages/fang-an.md#指导思想)和[活动](/events/)。

## 二、工作安排 {#an-pai}

| 阶段 | 时间 |
|:--|--:|
| 动员 | 7月 |

![合影](../../static/img/a.png)

## 二、工作安排

- [x] 动员
- [ ] 总结

见[本页](#一、总体要求)。

[^1]: 省林业厅通知。
"""


def test_the_engines_give_the_same_ids_markers_and_summary():
    default, fast = (Markup(MarkdownSettings(engine=name)).convert(DOCUMENT, SOURCE) for name in ENGINES)
    assert default.toc == fast.toc and len(default.toc) == 3
    assert default.links == fast.links and len(default.links) == 3
    assert default.text_summary == fast.text_summary == (
        "学习《实施方案》的要求，深入开展创先争优活动。详见方案和活动。见本页。")
    assert default.chars == fast.chars

    def ids(html: str) -> list[str]:
        return re.findall(r'<h\d id="([^"]+)"', html)

    assert ids(default.html) == ids(fast.html) == ["yi-zong-ti-yao-qiu", "an-pai", "er-gong-zuo-an-pai"]
    assert '<a href="#yi-zong-ti-yao-qiu">' in default.html and '<a href="#yi-zong-ti-yao-qiu">' in fast.html


# --- cache keys and configuration ----------------------------------------------------------------


def test_markdown_key_names_engine_and_configuration():
    text = "正文"
    variants = [
        MarkdownSettings(),
        MarkdownSettings(engine="fast"),
        MarkdownSettings(extensions=("abbr",)),
        read_settings({"extensions": ["toc"], "extension_configs": {"toc": {"permalink": True}}})[0],
        read_settings({"extensions": ["toc"], "extension_configs": {"toc": {"permalink": False}}})[0],
        MarkdownSettings(raw_html="strip"),
    ]
    keys = [markdown_key(text, SOURCE, settings) for settings in variants]
    assert len(set(keys)) == len(keys)
    # Equal settings give equal keys, and settings are hashable values.
    again = read_settings({"extensions": ["toc"], "extension_configs": {"toc": {"permalink": True}}})[0]
    assert markdown_key(text, SOURCE, again) == keys[3] and hash(again) == hash(variants[3])
    assert "comrak-ext" in MarkdownSettings(engine="fast").fingerprint
    assert "markdown 3." in MarkdownSettings().fingerprint


def config_problems(markdown_yaml: str) -> list[str]:
    """The problems of a site.yaml whose markdown section is the given YAML (from line 4)."""
    text = "title: 专题\norganization: 单位\nbase_url: http://x/\n" + markdown_yaml
    config, problems = read_config(parse_yaml(text, "site.yaml")[0])
    return [p.format() for p in problems]


def test_config_reads_the_markdown_section():
    text = ("title: 专题\norganization: 单位\nbase_url: http://x/\nmarkdown:\n  engine: fast\n"
            "  raw_html: strip\n")
    config, problems = read_config(parse_yaml(text, "site.yaml")[0])
    assert problems == []
    assert config.markdown == MarkdownSettings(engine="fast", raw_html="strip")
    text = ("title: 专题\norganization: 单位\nbase_url: http://x/\nmarkdown:\n  extensions:\n"
            "    - abbr\n    - toc: {permalink: true}\n"
            "  extension_configs:\n    footnotes: {BACKLINK_TEXT: 返回}\n")
    config, problems = read_config(parse_yaml(text, "site.yaml")[0])
    assert problems == []
    assert config.markdown.extensions == ("abbr", "toc")
    assert config.markdown.config_of("toc") == {"permalink": True}
    assert config.markdown.config_of("footnotes") == {"BACKLINK_TEXT": "返回"}
    assert "返回" in Markup(config.markdown).convert("甲[^1]\n\n[^1]: 乙\n", SOURCE).html


def test_config_problems_are_located_in_chinese():
    assert config_problems("markdown:\n  engine: quick\n") == [
        "site.yaml:5:11: 错误：markdown.engine 的值“quick”无效\n"
        "    提示：可选 default（Python-Markdown，默认）、fast（大量稿件时更快）"]
    assert config_problems("markdown:\n  extensions: [footnote, tables]\n") == [
        "site.yaml:5:16: 错误：找不到 Markdown 扩展“footnote”\n    提示：是不是想写 footnotes？"]
    assert config_problems("markdown:\n  extensions:\n    - pymdownx.tild\n") == [
        "site.yaml:6:7: 错误：找不到 Markdown 扩展“pymdownx.tild”\n    提示：是不是想写 pymdownx.tilde？"]
    assert config_problems("markdown:\n  extensions:\n    - toc:\n        permalnk: true\n") == [
        "site.yaml:7:19: 错误：扩展 toc 没有设置项“permalnk”\n    提示：是不是想写 permalink？"]
    # An extension that checks its options only when used is caught too, at its options.
    assert config_problems("markdown:\n  extensions: [toc]\n  extension_configs:\n"
                           "    toc: {toc_depth: a-b}\n") == [
        "site.yaml:7:10: 错误：扩展 toc 的设置有误：ValueError: invalid literal for int() with base 10: 'a'\n"
        "    提示：对照该扩展的文档检查它的各项设置"]
    assert config_problems("markdown:\n  extension_configs:\n    abbr: {}\n") == [
        "site.yaml:6:11: 错误：extension_configs 里的“abbr”不是已启用的扩展\n"
        "    提示：先在 extensions 里加上 abbr，或删去它的设置"]
    assert config_problems("markdown:\n  engine: fast\n  extensions: [abbr]\n") == [
        "site.yaml:6:15: 警告：fast 引擎不使用 Markdown 扩展，extensions 和 extension_configs 已忽略\n"
        "    提示：要用扩展请去掉 engine: fast（使用默认的 Python-Markdown）"]


# --- a whole build, switched between engines -----------------------------------------------------

POST = """---
title: 学习心得
date: 2010-08-02
---

学习**《实施方案》**的体会[^1]。

- [x] 通读

[^1]: 第一次学习。
"""


def test_switching_engines_rebuilds_with_the_other_engine(tmp_path):
    root, out = tmp_path / "site", tmp_path / "out"
    shutil.copytree(SAMPLE, root)
    (root / "content" / "posts" / "2010-08-02-xinde.md").write_text(POST, encoding="utf-8")
    site_yaml = (root / "site.yaml").read_text(encoding="utf-8")
    page = out / "posts" / "2010-08-02-xinde" / "index.html"

    def build_with(engine: str) -> str:
        (root / "site.yaml").write_text(site_yaml + f"markdown:\n  engine: {engine}\n", encoding="utf-8")
        result = build_at(root, out, jobs=1)
        assert result.ok, [p.format() for p in result.problems]
        return page.read_text(encoding="utf-8")

    # Python-Markdown writes footnotes in <div class="footnote"> and task lists with classes;
    # comrak in <section class="footnotes">.
    default = build_with("default")
    assert '<div class="footnote">' in default and 'class="task-list"' in default
    fast = build_with("fast")
    assert '<section class="footnotes">' in fast and '<div class="footnote">' not in fast
    assert build_with("default") == default  # back again: the default engine's HTML, not the cache's fast one
    for html in (default, fast):
        assert "<strong>《实施方案》</strong>" in html


def test_a_layout_can_place_the_table_of_contents(tmp_path):
    root, out = tmp_path / "site", tmp_path / "out"
    shutil.copytree(SAMPLE, root)
    # The theme's page layout, overridden by the site with a table of contents before the text.
    theme_page = Path(__file__).resolve().parent.parent / "cxsite" / "theme" / "layouts" / "page.html"
    toc = ('<ol class="toc">{% for h in page.doc.toc %}<li><a href="#{{ h.id }}">{{ h.title }}</a></li>'
           "{% endfor %}</ol>")
    prose = '<div class="prose">'
    layout = theme_page.read_text(encoding="utf-8").replace(prose, toc + prose, 1)
    (root / "layouts" / "page.html").write_text(layout, encoding="utf-8")
    result = build_at(root, out, jobs=1)
    assert result.ok, [p.format() for p in result.problems]
    fang_an = next(doc for doc in result.site.pages if doc.url == "/fang-an/")
    assert [(h.level, h.id, h.title) for h in fang_an.toc] == [(2, "zhi-dao-si-xiang", "指导思想"),
                                                              (2, "an-pai", "安排")]
    html = (out / "fang-an" / "index.html").read_text(encoding="utf-8")
    assert ('<ol class="toc"><li><a href="#zhi-dao-si-xiang">指导思想</a></li>'
            '<li><a href="#an-pai">安排</a></li></ol>') in html
