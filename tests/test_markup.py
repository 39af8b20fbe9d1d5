"""Markdown to HTML: link markers, sanitising, headings, summaries and lengths, in every engine.

The engines themselves (CJK text, extensions, ids) are tested in test_markdown_engines.py.
"""

from __future__ import annotations

import pytest

from cxsite.content.engines import ENGINES, MarkdownSettings
from cxsite.content.markdown import (
    Link,
    Markup,
    cut_summary,
    link_key,
    reading_minutes,
    resolve_links,
    sanitize,
)
from cxsite.site.urls import relative_url

SOURCE = "content/bulletins/001.md"


@pytest.fixture(scope="module", params=ENGINES)
def markup(request) -> Markup:
    return Markup(MarkdownSettings(engine=request.param))


@pytest.mark.parametrize(("href", "key"), [
    ("../pages/fang-an.md", "content/pages/fang-an.md"),
    ("002.md", "content/bulletins/002.md"),
    ("./002.md#anchor", "content/bulletins/002.md"),
    ("../../static/img/a.png", "static/img/a.png"),
    ("/img/a.png", "/img/a.png"),
    ("/events/", "/events/"),
    ("../events/%E5%8A%A8%E5%91%98.yaml", "content/events/动员.yaml"),
    ("https://www.gov.cn/", None), ("//cdn.example.com/x.js", None), ("mailto:a@example.org", None),
    ("#top", None), ("", None),
])
def test_link_key(href, key):
    assert link_key(href, SOURCE) == key


def test_internal_links_become_markers_with_their_lines(markup):
    text = "第一段。\n\n见[方案](../pages/fang-an.md#安排)和[活动](/events/)。\n\n![合影](/img/a.png)\n"
    rendered = markup.convert(text, SOURCE)
    # The marker keeps the href as the engine wrote it (comrak percent-encodes the fragment,
    # Python-Markdown does not); resolve_links reads both the same.
    fragment = "#安排" if markup.settings.engine == "default" else "#%E5%AE%89%E6%8E%92"
    assert rendered.html.strip() == (
        '<p>第一段。</p>\n'
        f'<p>见<a href="cxsite:content/pages/fang-an.md\x1f../pages/fang-an.md{fragment}">方案</a>'
        '和<a href="cxsite:/events/\x1f/events/">活动</a>。</p>\n'
        '<p>' + image(markup, "cxsite:/img/a.png\x1f/img/a.png", "合影") + '</p>')
    assert rendered.links == (
        Link("content/pages/fang-an.md", "../pages/fang-an.md#安排", 3),
        Link("/events/", "/events/", 3),
        Link("/img/a.png", "/img/a.png", 5, image=True))


def image(markup: Markup, src: str, alt: str) -> str:
    """An <img> as the engine orders its attributes (Python-Markdown: alt first)."""
    if markup.settings.engine == "default":
        return f'<img alt="{alt}" src="{src}">'
    return f'<img src="{src}" alt="{alt}">'


def test_markers_resolve_to_relative_urls_that_work_under_a_sub_path(markup):
    html = markup.convert("[方案](../pages/fang-an.md#安排) ![图](../../static/img/a.png)", SOURCE).html
    urls = {"content/pages/fang-an.md": "/fang-an/", "static/img/a.png": "/img/a.png"}
    page = "/bulletins/1/"
    resolved = resolve_links(html, lambda key: relative_url(urls[key], page))
    # Heading ids are ASCII slugs, so a fragment naming a heading by its Chinese text
    # (#安排) leads to the heading's id (#an-pai).
    assert resolved.strip() == (f'<p><a href="../../fang-an/#an-pai">方案</a> '
                                f'{image(markup, "../../img/a.png", "图")}</p>')
    # Served under /zt/cxcy/, the browser resolves them inside the sub-path.
    from urllib.parse import urljoin
    assert urljoin("http://intranet/zt/cxcy/bulletins/1/", "../../fang-an/") == "http://intranet/zt/cxcy/fang-an/"


def test_unknown_markers_keep_the_href_as_written():
    # A link to nothing keeps the href as written (a browser-relative link in pasted HTML works).
    assert resolve_links('<a href="cxsite:content/nope.md\x1fnope.md#x">x</a>', lambda key: None) == (
        '<a href="nope.md#x">x</a>')


def test_external_links_are_untouched(markup):
    rendered = markup.convert("[政府网](https://www.gov.cn/zhengce/) [信](mailto:bgs@example.org) [顶](#top)",
                              SOURCE)
    assert rendered.html.strip() == ('<p><a href="https://www.gov.cn/zhengce/">政府网</a> '
                                     '<a href="mailto:bgs@example.org">信</a> <a href="#top">顶</a></p>')
    assert rendered.links == ()


def test_a_same_page_link_to_a_chinese_heading_leads_to_its_id(markup):
    html = markup.convert("## 工作安排\n\n见[安排](#工作安排)。\n", SOURCE).html
    assert '<h2 id="gong-zuo-an-pai">' in html and '<a href="#gong-zuo-an-pai">' in html


@pytest.mark.parametrize(("text", "html"), [
    ("<script>alert(1)</script>\n\n正文", "<p>正文</p>"),
    ('<p onclick="steal()" onmouseover="x()">段落</p>', "<p>段落</p>"),
    ("[点我](javascript:alert(1))", "<p><a>点我</a></p>"),
    ('<a href="JaVaScRiPt:alert(1)">点我</a>', "<p><a>点我</a></p>"),
    # URLs are checked after their entities are decoded, in Markdown links and in raw HTML.
    ("[点我](&#106;avascript:alert(1))", "<p><a>点我</a></p>"),
    ('<a href="&#106;avascript&#58;alert(1)">点我</a>', "<p><a>点我</a></p>"),
    ("[点我](java&#x73;cript:alert(1))", "<p><a>点我</a></p>"),
    ('<a href="data:text/html;base64,PHNjcmlwdD4=">点我</a>', "<p><a>点我</a></p>"),
    ('<iframe src="https://example.com/"></iframe>', ""),
    ('<style>body{display:none}</style>\n\n正文', "<p>正文</p>"),
    # Table alignment survives; every other style property goes.
    ('<table><tr><td style="text-align: right; color: red" onclick="x()">格</td></tr></table>',
     '<table><tbody><tr><td style="text-align:right">格</td></tr></tbody></table>'),
    # A task list's checkbox is always an inert checkbox, whatever raw HTML says.
    ('<input type="text" name="q" onfocus="x()">', "<p><input type=\"checkbox\" disabled=\"disabled\"></p>"),
])
def test_raw_html_is_sanitised_by_default(markup, text, html):
    result = markup.convert(text, SOURCE).html.strip()
    # CommonMark (fast) makes a lone inline tag on its line an HTML block, without <p>.
    assert result in (html, html.removeprefix("<p>").removesuffix("</p>"))


def test_a_site_image_in_raw_html_becomes_a_marker_and_loses_its_handlers(markup):
    html = markup.convert('<img src="/img/a.png" onerror="steal()" alt="图">', SOURCE).html
    assert '<img src="cxsite:/img/a.png\x1f/img/a.png" alt="图">' in html
    assert "onerror" not in html


def test_markdown_table_alignment_is_kept(markup):
    html = markup.convert("| 支部 |\n|:-:|\n| 第一党支部 |\n", SOURCE).html
    assert '<th style="text-align:center">支部</th>' in html
    assert '<td style="text-align:center">第一党支部</td>' in html


@pytest.mark.parametrize("engine", ENGINES)
def test_raw_html_policies(engine):
    text = '<b onclick="x()">粗</b>\n\n<script>alert(1)</script>\n'
    assert Markup(MarkdownSettings(engine=engine, raw_html="strip")).convert(text, SOURCE).html.strip() == (
        "<p>粗</p>")
    assert Markup(MarkdownSettings(engine=engine, raw_html="allow")).convert(text, SOURCE).html.strip() == (
        '<p><b onclick="x()">粗</b></p>\n<script>alert(1)</script>')


def test_strip_keeps_what_markdown_makes():
    text = "## 标题\n\n**粗**[^1] <span>字</span>\n\n- [x] 完成\n\n[^1]: 注\n"
    html = Markup(MarkdownSettings(raw_html="strip")).convert(text, SOURCE).html
    assert '<h2 id="biao-ti">标题</h2>' in html and "<strong>粗</strong>" in html
    assert 'href="#fn-1"' in html and '<input type="checkbox"' in html
    assert "<span>" not in html and "字" in html


def test_sanitize_keeps_the_markdown_vocabulary():
    html = ('<h2 id="a">题</h2><table><thead><tr><th>甲</th></tr></thead></table>'
            '<pre><code class="language-yaml">x</code></pre><blockquote>引</blockquote>'
            '<div class="admonition note"><p class="admonition-title">提示</p></div>'
            '<section class="footnotes"><ol><li id="fn-1"><p>注</p></li></ol></section>')
    assert sanitize(html) == html


def test_body_headings_start_at_h2_so_the_page_title_is_the_only_h1(markup):
    rendered = markup.convert("# 一、总体要求\n\n正文\n\n## 小节\n", SOURCE)
    assert rendered.html.strip() == (
        '<h2 id="yi-zong-ti-yao-qiu">一、总体要求</h2>\n<p>正文</p>\n<h2 id="xiao-jie">小节</h2>')
    assert "<h1" not in rendered.html
    assert [(entry.level, entry.id, entry.title) for entry in rendered.toc] == [
        (2, "yi-zong-ti-yao-qiu", "一、总体要求"), (2, "xiao-jie", "小节")]


def test_summary_comes_from_paragraphs_only(markup):
    rendered = markup.convert("# 标题\n\n第一段。\n\n- 列表项\n\n第二段！\n", SOURCE)
    assert rendered.text_summary == "第一段。第二段！"


def test_summary_leaves_out_boxes_footnotes_and_their_references():
    text = "!!! 提示\n    框里的话。\n\n正文[^1]第一段。\n\n[^1]: 脚注的话。\n"
    assert Markup().convert(text, SOURCE).text_summary == "正文第一段。"
    fast = Markup(MarkdownSettings(engine="fast"))
    assert fast.convert(text[text.index("正文"):], SOURCE).text_summary == "正文第一段。"


@pytest.mark.parametrize(("text", "summary"), [
    ("短句。", "短句。"),
    ("  前后有空白  ", "前后有空白"),
    # The last sentence end before 120 characters, when it is past the first third.
    ("甲" * 50 + "。" + "乙" * 100 + "。", "甲" * 50 + "。"),
    ("甲" * 118 + "！" + "乙" * 10, "甲" * 118 + "！"),
    # Otherwise the first sentence end within 180 characters.
    ("甲" * 10 + "。" + "乙" * 150 + "？" + "丙" * 10, "甲" * 10 + "。" + "乙" * 150 + "？"),
    # Otherwise cut at 120 with an ellipsis.
    ("甲" * 10 + "。" + "乙" * 200, "甲" * 10 + "。" + "乙" * 109 + "…"),
    ("乙" * 300, "乙" * 120 + "…"),
])
def test_summary_is_cut_at_a_sentence_end(text, summary):
    assert cut_summary(text) == summary


def test_character_count_counts_han_and_words(markup):
    rendered = markup.convert("创先争优 cxsite 2010年\n\n# 大标题\n\n`code` 与 **粗体**\n", SOURCE)
    # 创先争优(4) cxsite(1) 2010(1) 年(1) 大标题(3) code(1) 与(1) 粗体(2)
    assert rendered.chars == 14


@pytest.mark.parametrize(("chars", "minutes"), [(0, 1), (1, 1), (400, 1), (401, 2), (824, 3), (4000, 10)])
def test_reading_time_at_400_characters_a_minute(chars, minutes):
    assert reading_minutes(chars) == minutes


def test_a_converter_is_reusable(markup):
    first = markup.convert("[甲](a.md)", "content/posts/x.md")
    second = markup.convert("纯文本", "content/posts/y.md")
    assert first.links == (Link("content/posts/a.md", "a.md", 1),)
    assert (second.links, second.text_summary) == ((), "纯文本")


def test_a_link_written_twice_is_found_at_both_lines(markup):
    text = "开头\n\n![图](/img/none.png)\n\n中间\n\n见 [图](/img/none.png) 与 [别处](002.md)\n"
    links = markup.convert(text, SOURCE).links
    assert [(link.written, link.line) for link in links if link.key == "/img/none.png"] == [
        ("/img/none.png", 3), ("/img/none.png", 7)]
    assert [link.line for link in links if link.key.endswith("002.md")] == [7]
