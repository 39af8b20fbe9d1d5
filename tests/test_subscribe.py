"""The subscribe page, autodiscovery links, the footer link and the event pages' "加入日历"."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest

from tests.support import REPO, build_at
from tests.test_feeds import BASE, EXAMPLE_CALENDARS, EXAMPLE_FEEDS, built_file, collect


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The example site built once with the fixed clock: (output folder, BuildResult)."""
    out = tmp_path_factory.mktemp("example") / "public"
    result = build_at(REPO, out)
    assert result.ok, [p.format() for p in result.problems]
    return out, result


def page_html(out, url: str) -> str:
    """The built HTML of a site URL such as /subscribe/."""
    return built_file(out, BASE, BASE + url.lstrip("/")).read_text(encoding="utf-8")


def site_url(page: str, href: str) -> str:
    """The site URL a relative link on a page leads to, e.g. /events.ics."""
    target = urljoin(BASE + page.lstrip("/"), href)
    assert target.startswith(BASE), target
    return "/" + target[len(BASE):]


def rows(html: str) -> list[tuple[str, str, str]]:
    """The (name, address, count) rows of the subscribe page's tables, tags removed."""
    found = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td class=\"count\">(.*?)</td>", html, re.S)
    return [tuple(re.sub(r"<[^>]+>", "", cell).strip() for cell in row) for row in found]


def test_subscribe_page_lists_every_feed_and_calendar_with_counts(example):
    out, _ = example
    html = page_html(out, "/subscribe/")
    expected = [(f"{n} 篇", name) for name, n in EXAMPLE_FEEDS.items()]
    expected += [(f"{n} 项活动", name) for name, n in EXAMPLE_CALENDARS.items()]
    assert [(count, address) for _, address, count in rows(html)] == [
        (count, BASE + name) for count, name in expected]
    names = [name for name, _, _ in rows(html)]
    assert names[:3] == ["全部简报和动态 RSS", "全部简报和动态 Atom", "活动简报 RSS"]
    assert names[3] == "第一党支部 RSS" and names[12] == "全院活动"
    assert collect(html).codes == [BASE + name for name in [*EXAMPLE_FEEDS, *EXAMPLE_CALENDARS]]


def test_subscribe_page_links_each_address_relatively(example):
    out, _ = example
    html = page_html(out, "/subscribe/")
    hrefs = re.findall(r'<a class="feed-url" href="([^"]+)">', html)
    assert [site_url("/subscribe/", h) for h in hrefs] == [
        "/" + name for name in [*EXAMPLE_FEEDS, *EXAMPLE_CALENDARS]]
    assert all(not h.startswith(("http:", "https:", "/")) for h in hrefs)


def test_subscribe_page_explains_the_clients_staff_use(example):
    out, _ = example
    html = page_html(out, "/subscribe/")
    terms = re.findall(r"<dt>(.*?)</dt>", html)
    assert terms == ["Outlook", "Foxmail", "Thunderbird", "手机",
                     "Outlook", "Foxmail", "Thunderbird", "iPhone", "安卓手机"]
    assert "添加已订阅的日历" in html and "添加新 RSS 源" in html and "订阅源账户" in html


def test_subscribe_page_is_in_the_sitemap(example):
    out, _ = example
    assert f"<loc>{BASE}subscribe/</loc>" in (out / "sitemap.xml").read_text(encoding="utf-8")


def test_every_page_links_subscribe_in_its_footer_and_the_main_feeds(example):
    out, _ = example
    pages = sorted(out.rglob("*.html"))
    assert len(pages) == 73
    for path in pages:
        html = path.read_text(encoding="utf-8")
        url = "/" + path.relative_to(out).as_posix().removesuffix("index.html")
        footer = html[html.index('<footer class="site-footer">'):]
        hrefs = re.findall(r'<a href="([^"]+)">订阅</a>', footer)
        if url == "/404.html":  # served at any depth, so its links start from the site's path
            assert hrefs == ["/zt/cxcy/subscribe/"]
        else:
            assert [site_url(url, h) for h in hrefs] == ["/subscribe/"], url
        feeds = [site_url(url if url != "/404.html" else "/", link["href"])
                 for link in collect(html).links if link.get("rel") == "alternate"]
        assert feeds[:2] == ["/feed.xml", "/atom.xml"], url


@pytest.mark.parametrize(("page", "own"), [
    ("/branches/houqin/", ["/branches/houqin/feed.xml", "/branches/houqin/events.ics"]),
    ("/categories/gongzuo-dongtai/", ["/categories/gongzuo-dongtai/feed.xml"]),
    ("/bulletins/", ["/bulletins/feed.xml"]),
    ("/events/", ["/events.ics"]),
    ("/tags/dongyuan-bushu/", []),
    ("/posts/", []),
    ("/", []),
])
def test_pages_announce_their_own_feed(example, page, own):
    out, _ = example
    links = [link for link in collect(page_html(out, page)).links if link.get("rel") == "alternate"]
    found = [site_url(page, link["href"]) for link in links]
    assert found == ["/feed.xml", "/atom.xml", *own]
    assert all(built_file(out, BASE, BASE + url.lstrip("/")).is_file() for url in found)


@pytest.mark.parametrize(("event", "calendar"), [
    ("lituixiu-wuhao", "/branches/lituixiu/events.ics"),  # branches: [lituixiu]
    ("fuwu-zhixing-pingxuan", "/branches/houqin/events.ics"),  # branches: [houqin]
    ("dongyuan-dahui", "/events.ics"),  # branches: all
    ("xingji-wenming-pingbi", "/events.ics"),  # five branches
    ("dangweihui", "/events.ics"),  # no branches
])
def test_event_pages_link_add_to_calendar(example, event, calendar):
    out, _ = example
    page = f"/events/{event}/"
    hrefs = re.findall(r'<a href="([^"]+)" type="text/calendar">加入日历</a>', page_html(out, page))
    assert [site_url(page, h) for h in hrefs] == [calendar]
    assert (out / calendar.lstrip("/")).is_file()
