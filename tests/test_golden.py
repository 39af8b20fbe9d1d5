"""Golden output: the sample site and the example site, built and compared byte for byte.

After an intended change of output run `python -m pytest --update-golden` and
review the diff of tests/golden/. The other tests here pin, in words, what the
goldens are supposed to show, so a wrong golden cannot be accepted by accident.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from cxsite.site.model import HeldBack

from htmlscan import find_all, links
from support import EXAMPLE, GOLDEN, SAMPLE, compare_golden

FUTURE_POST_DATE = dt.datetime(2010, 12, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
EXAMPLE_NEXT_DUE = dt.datetime(2011, 1, 12, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def page(built, url: str) -> str:
    """Return the HTML of a built page by its site URL."""
    return (built.out / url.strip("/") / "index.html").read_text(encoding="utf-8")


def test_sample_site_matches_golden(sample_build, update_golden):
    compare_golden(sample_build.out, GOLDEN / "sample", update_golden, SAMPLE)


def test_example_site_matches_golden(example_build, update_golden):
    compare_golden(example_build.out, GOLDEN / "example", update_golden, EXAMPLE)


def test_sample_builds_without_any_problem(sample_build):
    assert sample_build.result.problems == ()
    assert (sample_build.result.pages, sample_build.result.written) == (41, 75)


def test_example_builds_without_any_problem(example_build):
    assert example_build.result.problems == ()
    # 第5期 (2011-01-12) and the closing post (2011-07-01) come after the tests' clock (2010-11-01).
    assert example_build.result.held_back == HeldBack(drafts=0, future=2, next_due=EXAMPLE_NEXT_DUE)
    # 112 files, and 20 images: thumbnail and large version of 6 photos and 4 covers (第5期 is held back);
    # the search page and its index: 20 more
    assert (example_build.result.pages, example_build.result.written) == (74, 152)


def test_draft_and_future_post_are_held_back_and_counted(sample_build):
    assert sample_build.result.held_back == HeldBack(drafts=1, future=1, next_due=FUTURE_POST_DATE)
    for path in sorted(sample_build.out.rglob("*")):
        if path.is_file():
            data = path.read_bytes().decode("utf-8", "replace")
            assert "尚未定稿" not in data and "明年工作计划" not in data, path
    assert not (sample_build.out / "posts" / "2010-09-01-caogao").exists()
    assert not (sample_build.out / "posts" / "2010-12-01-jihua").exists()


def test_sample_output_files(sample_build):
    names = sorted(p.relative_to(sample_build.out).as_posix()
                   for p in sample_build.out.rglob("*") if p.is_file())
    # The search index: meta.js, shards of keys, blocks of records and of text (tests/test_search_*.py).
    index = [name for name in names if name.startswith("search/") and name != "search/index.html"]
    assert "search/meta.js" in index
    pattern = re.compile(r"search/(meta|k/[0-9a-f]+|d/[0-9]+|x/[0-9]+)\.js")
    assert all(pattern.fullmatch(name) for name in index), index
    names = [name for name in names if name not in index]
    assert names == [
        ".cxsite-manifest", "404.html",
        # the archive: an index of months and one page per month
        "archive/2010/07/index.html", "archive/2010/08/index.html", "archive/2010/10/index.html",
        "archive/index.html", "atom.xml",
        # each branch has its feed and calendar; each category its feed
        "branches/houqin/events.ics", "branches/houqin/feed.xml",
        "branches/houqin/index.html", "branches/index.html",
        "branches/lituixiu/events.ics", "branches/lituixiu/feed.xml", "branches/lituixiu/index.html",
        "branches/yulin/events.ics", "branches/yulin/feed.xml", "branches/yulin/index.html",
        "bulletins/1/index.html", "bulletins/2/index.html", "bulletins/3/index.html",
        "bulletins/feed.xml", "bulletins/index.html", "bulletins/page/2/index.html",
        "bulletins/print/index.html",  # the 合订本
        "categories/gong-zuo-dong-tai/feed.xml", "categories/gong-zuo-dong-tai/index.html",
        "categories/index.html",
        "categories/xin-de-ti-hui/feed.xml", "categories/xin-de-ti-hui/index.html",
        "css/site.css",
        "events.ics", "events/dongyuan/index.html", "events/fanghuo/index.html", "events/index.html",
        "events/xuexi/index.html",
        "fang-an/index.html", "feed.xml", "guanyu/index.html", "honors/index.html",
        "img/favicon.svg", "img/huichang.svg", "index.html", "js/print.js", "js/search.js", "js/textsize.js",
        "phases/index.html", "phases/phase-1/index.html", "phases/phase-2/index.html",
        "posts/2010-07-20-yumiao/index.html", "posts/2010-08-30-xinde/index.html", "posts/index.html",
        "search/index.html", "sitemap.xml", "stats/index.html", "subscribe/index.html",
        # pinyin slugs (行动 reads xing-dong); site.yaml's explicit slug wins for 护林防火;
        # the tags only the draft and the future post carry have no page.
        "tags/dong-yuan-bu-shu/index.html", "tags/fang-huo/index.html", "tags/index.html",
        "tags/xing-dong-ji-hua/index.html", "tags/xing-dong-ji-hua/page/2/index.html",
        "tags/xue-xi-tao-lun/index.html",
        # the stylesheets that show feeds and the sitemap as pages in a browser
        "xsl/feed.xsl", "xsl/sitemap.xsl",
    ]


def test_bulletins_link_previous_and_next_by_issue(sample_build):
    def prev_next(issue):
        return links(page(sample_build, f"/bulletins/{issue}/"), inside="prev-next")

    assert prev_next(1) == [("../../bulletins/2/", "下一期 · 第2期各支部开展学习讨论")]
    assert prev_next(2) == [("../../bulletins/1/", "上一期 · 第1期林场召开创先争优动员大会"),
                            ("../../bulletins/3/", "下一期 · 第3期第二阶段工作部署")]
    assert prev_next(3) == [("../../bulletins/2/", "上一期 · 第2期各支部开展学习讨论")]


def test_bulletin_list_is_paginated_newest_first(sample_build):
    first = links(page(sample_build, "/bulletins/"), inside="bulletin-list")
    second = links(page(sample_build, "/bulletins/page/2/"), inside="bulletin-list")
    assert [href for href, _ in first] == ["../bulletins/3/", "../bulletins/2/"]
    assert [href for href, _ in second] == ["../../../bulletins/1/"]


def test_branch_pages_list_what_refers_to_them(sample_build):
    yulin = page(sample_build, "/branches/yulin/")
    assert [h for h, _ in links(yulin, inside="bulletin-list")] == [
        "../../bulletins/2/", "../../bulletins/1/"]
    assert [h for h, _ in links(yulin, inside="doc-list")] == ["../../posts/2010-07-20-yumiao/"]
    assert [h for h, _ in links(yulin, inside="event-list")] == [
        "../../events/dongyuan/", "../../events/xuexi/", "../../events/fanghuo/"]
    assert [e.text for e in find_all(yulin, "span", "honor-mini-title")] == ["先进党支部"]
    # The branch kept in content/branches/lituixiu.yaml (folder form, id from the file name).
    lituixiu = page(sample_build, "/branches/lituixiu/")
    assert [h for h, _ in links(lituixiu, inside="bulletin-list")] == ["../../bulletins/2/"]
    assert [h for h, _ in links(lituixiu, inside="event-list")] == [
        "../../events/dongyuan/", "../../events/xuexi/"]
    houqin = page(sample_build, "/branches/houqin/")
    assert [h for h, _ in links(houqin, inside="bulletin-list")] == ["../../bulletins/1/"]
    assert [h for h, _ in links(houqin, inside="event-list")] == ["../../events/dongyuan/"]


def test_events_and_bulletins_link_each_other(sample_build):
    event = page(sample_build, "/events/dongyuan/")
    # `branches: all`: 全院各支部 leads to the list of branches, and each branch is linked.
    assert links(event, inside="facts") == [
        ("../../branches/", "全院各支部"), ("../../branches/yulin/", "育林党支部"),
        ("../../branches/houqin/", "后勤党支部"), ("../../branches/lituixiu/", "离退休党支部"),  # by weight
        ("../../phases/phase-1/", "第一阶段：动员部署"),
        ("../../bulletins/1/", "第1期 林场召开创先争优动员大会")]
    assert [h for h, _ in links(event, inside="doc-list")] == ["../../posts/2010-07-20-yumiao/"]
    bulletin = page(sample_build, "/bulletins/1/")
    assert links(bulletin, inside="related") == [
        ("../../events/dongyuan/", "林场创先争优动员大会"),
        ("../../branches/yulin/", "育林党支部"), ("../../branches/houqin/", "后勤党支部")]
    # The future post names this event; held back, it must not be listed.
    assert find_all(page(sample_build, "/events/fanghuo/"), "ul", "doc-list") == []


def test_internal_markdown_links_and_images_resolve(sample_build):
    bulletin = page(sample_build, "/bulletins/1/")
    # fang-an.md#安排 names the heading 安排 by its text; its id is the ASCII slug an-pai.
    assert links(bulletin, inside="prose") == [("../../fang-an/#an-pai", "实施方案")]
    assert '<h2 id="an-pai">安排</h2>' in page(sample_build, "/fang-an/")
    assert [img.get("src") for img in find_all(bulletin, "img")] == ["../../img/huichang.svg"]
    assert links(page(sample_build, "/bulletins/3/"), inside="prose") == [("../../bulletins/2/", "第2期简报")]
    post = page(sample_build, "/posts/2010-07-20-yumiao/")
    assert [img.get("src") for img in find_all(post, "img")] == ["../../img/huichang.svg"]
    assert links(page(sample_build, "/fang-an/"), inside="prose") == [
        ("../events/", "活动安排"), ("../guanyu/", "关于本专题")]
    assert links(page(sample_build, "/"), inside="intro") == [("fang-an/", "实施方案")]
    assert (sample_build.out / "img" / "huichang.svg").read_bytes() == (
        SAMPLE / "static" / "img" / "huichang.svg").read_bytes()


def test_raw_html_is_sanitised(sample_build):
    post = page(sample_build, "/posts/2010-07-20-yumiao/")
    # The one script is the theme's 大字 switch, in <head>; nothing of the writer's raw HTML runs.
    assert re.findall(r"<script\b[^>]*>", post) == ['<script src="../../js/textsize.js">']
    assert "alert(1)" not in post and "onclick" not in post
    assert "<p>突击队员合影。</p>" in post


def test_site_layouts_override_theme_partial(sample_build):
    for path in sorted(sample_build.out.rglob("*.html")):
        html = path.read_text(encoding="utf-8")
        assert "本站页脚来自网站自己的 layouts/" in html, path
        assert "页脚导航" not in html, path  # the theme's footer is not used


def test_menu_gets_pages_marked_menu(sample_build):
    assert links(page(sample_build, "/"), inside="site-nav") == [
        ("./", "首页"), ("bulletins/", "简报"), ("posts/", "动态"), ("events/", "活动"),
        ("branches/", "支部"), ("fang-an/", "实施方案")]


def test_example_site_has_every_url_of_this_issue(example_build):
    expected = [
        "index.html", "bulletins/index.html", "bulletins/1/index.html", "bulletins/3/index.html",
        "posts/index.html", "categories/gongzuo-dongtai/index.html",
        "branches/index.html", "branches/houqin/index.html", "branches/lituixiu/index.html",
        "events/index.html", "events/dongyuan-dahui/index.html",
        "shishi-fangan/index.html", "zuzhi-jigou/index.html", "guanyu/index.html",
        "phases/phase-1/index.html", "phases/phase-2/index.html", "honors/index.html",
        "tags/index.html", "tags/dongyuan-bushu/index.html", "archive/index.html",
        "sitemap.xml", "404.html", "feed.xml", "atom.xml",
    ]
    assert [name for name in expected if not (example_build.out / name).is_file()] == []


def test_phase_pages_list_the_bulletins_and_posts_dated_within_them(example_build):
    first = page(example_build, "/phases/phase-1/")
    assert [h for h, _ in links(first, inside="bulletin-list")] == [
        "../../bulletins/3/", "../../bulletins/2/", "../../bulletins/1/"]
    assert [h for h, _ in links(first, inside="doc-list")] == [
        "../../posts/youzhi-chengguo-nian/", "../../posts/lituixiu-wuhao-zhibu/",
        "../../posts/guihuayuan-jiangtang-shoujiang/", "../../posts/xinde-xiangmu-yixian/",
        "../../posts/mofan-zhigong-zhijia/", "../../posts/xingji-wenming-keshi-shoupai/",
        "../../posts/lingdao-xiaozu-chengli/"]  # every post of July to September, newest first
    # 第4期 (2010-10-20) falls in phase two; 第5期 is not published yet by the tests' clock.
    second = page(example_build, "/phases/phase-2/")
    assert [h for h, _ in links(second, inside="bulletin-list")] == ["../../bulletins/4/"]
    assert find_all(second, "ul", "doc-list") == []
