"""Markdown to HTML: link markers, sanitising, headings, summaries and lengths."""

from __future__ import annotations

import pytest

from cxsite.markup import (
    Link,
    Markup,
    cut_summary,
    link_key,
    reading_minutes,
    resolve_links,
    sanitize,
)
from cxsite.render import relative_url

SOURCE = "content/bulletins/001.md"


@pytest.fixture(scope="module")
def markup() -> Markup:
    return Markup()


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
    # markdown-it percent-encodes the fragment; browsers decode it to match id="安排".
    assert rendered.html == (
        '<p>第一段。</p>\n'
        '<p>见<a href="cxsite:content/pages/fang-an.md\x1f../pages/fang-an.md#%E5%AE%89%E6%8E%92">方案</a>'
        '和<a href="cxsite:/events/\x1f/events/">活动</a>。</p>\n'
        '<p><img src="cxsite:/img/a.png\x1f/img/a.png" alt="合影"></p>\n')
    assert rendered.links == (
        Link("content/pages/fang-an.md", "../pages/fang-an.md#安排", 3),
        Link("/events/", "/events/", 3),
        Link("/img/a.png", "/img/a.png", 5))


def test_markers_resolve_to_relative_urls_that_work_under_a_sub_path(markup):
    html = markup.convert("[方案](../pages/fang-an.md#安排) ![图](../../static/img/a.png)", SOURCE).html
    urls = {"content/pages/fang-an.md": "/fang-an/", "static/img/a.png": "/img/a.png"}
    page = "/bulletins/1/"
    resolved = resolve_links(html, lambda key: relative_url(urls[key], page))
    assert resolved == ('<p><a href="../../fang-an/#%E5%AE%89%E6%8E%92">方案</a> '
                        '<img src="../../img/a.png" alt="图"></p>\n')
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
    assert rendered.html == ('<p><a href="https://www.gov.cn/zhengce/">政府网</a> '
                             '<a href="mailto:bgs@example.org">信</a> <a href="#top">顶</a></p>\n')
    assert rendered.links == ()


@pytest.mark.parametrize(("text", "html"), [
    ("<script>alert(1)</script>\n\n正文", "<p>正文</p>"),
    ('<p onclick="steal()" onmouseover="x()">段落</p>', "<p>段落</p>"),
    # A lone tag on its line is an HTML block in CommonMark, so no <p> around it; its site
    # link becomes a marker like any other, so it works under a sub-path too.
    ('<img src="/img/a.png" onerror="steal()" alt="图">',
     '<img src="cxsite:/img/a.png\x1f/img/a.png" alt="图">'),
    ("[点我](javascript:alert(1))", "<p><a>点我</a></p>"),
    ('<a href="JaVaScRiPt:alert(1)">点我</a>', "<p><a>点我</a></p>"),
    ('<a href="data:text/html;base64,PHNjcmlwdD4=">点我</a>', "<p><a>点我</a></p>"),
    ('<iframe src="https://example.com/"></iframe>', ""),
    ('<style>body{display:none}</style>\n\n正文', "<p>正文</p>"),
    # Table alignment survives; every other style property goes.
    ('<table><tr><td style="text-align: right; color: red" onclick="x()">格</td></tr></table>',
     '<table><tbody><tr><td style="text-align:right">格</td></tr></tbody></table>'),
])
def test_raw_html_is_sanitised_by_default(markup, text, html):
    assert markup.convert(text, SOURCE).html.strip() == html


def test_markdown_table_alignment_is_kept(markup):
    html = markup.convert("| 支部 |\n|:-:|\n| 第一党支部 |\n", SOURCE).html
    assert '<th style="text-align: center">支部</th>' in html
    assert '<td style="text-align: center">第一党支部</td>' in html


def test_footnotes_are_notes_not_links(markup):
    # Without footnotes, "[^1]: 说明" is a link reference definition and [^1] a link to "说明".
    rendered = markup.convert("正文。[^1]\n\n[^1]: 据第一阶段工作小结整理。\n", SOURCE)
    assert '<sup class="footnote-ref"><a href="#fn-1" id="fnref-1"' in rendered.html
    assert '<li id="fn-1">\n<p>据第一阶段工作小结整理。' in rendered.html
    assert '<div class="footnotes">' in rendered.html and "<section" not in rendered.html
    assert rendered.links == ()


def test_raw_html_policies():
    text = '<b onclick="x()">粗</b>\n\n<script>alert(1)</script>\n'
    assert Markup("strip").convert(text, SOURCE).html == '<p>粗</p>\n\n'
    assert Markup("allow").convert(text, SOURCE).html == (
        '<p><b onclick="x()">粗</b></p>\n<script>alert(1)</script>\n')


def test_sanitize_keeps_the_markdown_vocabulary():
    html = ('<h2 id="a">题</h2><table><thead><tr><th>甲</th></tr></thead></table>'
            '<pre><code class="language-yaml">x</code></pre><blockquote>引</blockquote>')
    assert sanitize(html) == html


def test_body_headings_start_at_h2_so_the_page_title_is_the_only_h1(markup):
    html = markup.convert("# 一、总体要求\n\n正文\n\n## 小节\n", SOURCE).html
    assert html == '<h2 id="一总体要求">一、总体要求</h2>\n<p>正文</p>\n<h2 id="小节">小节</h2>\n'
    assert "<h1" not in html


def test_summary_comes_from_paragraphs_only(markup):
    rendered = markup.convert("# 标题\n\n第一段。\n\n- 列表项\n\n第二段！\n", SOURCE)
    assert rendered.text_summary == "第一段。第二段！"


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
