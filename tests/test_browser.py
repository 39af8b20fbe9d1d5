"""The example site in headless Chromium, served from a sub-path of a local web server.

The site is built with a base_url on another host and path than it is served
from, so any link that is not relative would break here. Screenshots go to
tests/artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import shutil
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest

from browsing import CHROMIUM, launch_chromium, serve_example
from support import REPO, html_files

ARTIFACTS = REPO / "tests" / "artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium is not installed at {CHROMIUM}"),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The example site built into <www>/zt/cxcy/ and served on 127.0.0.1; yields (base URL, folder)."""
    with serve_example(tmp_path_factory.mktemp("www")) as base_and_out:
        yield base_and_out


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium (Debian's), driven by Playwright."""
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module", autouse=True)
def artifacts():
    """A fresh tests/artifacts/ folder for this run's screenshots."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)


def _open(browser, url: str, viewport: dict):
    """Open a page, recording every request and every response status; return (page, requests, bad)."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    requests, bad = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("response", lambda r: r.status >= 400 and bad.append(f"{r.status} {r.url}"))
    page.on("requestfailed", lambda r: bad.append(f"failed {r.url}"))
    response = page.goto(url, wait_until="load")
    assert response.status == 200, url
    return page, requests, bad


PAGES = [
    ("", "home", "创先争优活动专题 - 省林业规划院"),
    ("bulletins/1/", "bulletin-1", "我院召开创先争优活动动员大会（第1期） - 创先争优活动专题"),
    ("events/dongyuan-dahui/", "event-photos", "院创先争优活动动员大会 - 创先争优活动专题"),  # a gallery
]


@pytest.mark.parametrize(("path", "name", "title"), PAGES, ids=[p[1] for p in PAGES])
def test_page_in_chromium(browser, served, path, name, title):
    base, _ = served
    page, requests, bad = _open(browser, base + path, DESKTOP)
    page.screenshot(path=str(ARTIFACTS / f"{name}-desktop.png"), full_page=True)
    assert page.title() == title
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.locator("h1").count() == 1
    assert bad == []
    assert [u for u in requests if urlsplit(u).hostname != "127.0.0.1"] == []
    # The style sheet loaded and applied: the masthead has its red gradient and gold rule.
    masthead = page.evaluate("(({backgroundImage, borderBottomColor}) => "
                             "[backgroundImage, borderBottomColor])"
                             "(getComputedStyle(document.querySelector('.masthead')))")
    assert masthead[0].startswith("linear-gradient(") and masthead[1] == "rgb(224, 169, 27)"
    page.context.close()


@pytest.mark.parametrize(("path", "name"), [(p[0], p[1]) for p in PAGES], ids=[p[1] for p in PAGES])
def test_every_same_site_link_resolves(browser, served, path, name):
    base, _ = served
    page, _, _ = _open(browser, base + path, DESKTOP)
    urls = page.evaluate("""() => [...document.querySelectorAll('a[href], link[href], img[src]')]
                               .map(e => e.href || e.src)""")
    fragments = [urldefrag(u)[1] for u in urls if urldefrag(u)[0] == base + path and urldefrag(u)[1]]
    missing = [f for f in fragments if not page.evaluate("id => !!document.getElementById(id)", f)]
    page.context.close()
    outside = [u for u in urls if not u.startswith(base)]
    assert outside == ["https://elsewhere.example.org/other/" + path]  # only rel=canonical
    same_site = sorted({urldefrag(u)[0] for u in urls if u.startswith(base)})
    assert len(same_site) > 20
    broken = []
    for url in same_site:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD")) as response:
            if response.status != 200:
                broken.append(f"{response.status} {url}")
    assert broken == [] and missing == []


@pytest.mark.parametrize(("path", "name"), [(p[0], p[1]) for p in PAGES], ids=[p[1] for p in PAGES])
def test_phone_screenshot(browser, served, path, name):
    base, _ = served
    page, _, bad = _open(browser, base + path, PHONE)
    page.screenshot(path=str(ARTIFACTS / f"{name}-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert bad == []
    page.context.close()


def test_no_page_overflows_a_phone_screen(browser, served):
    base, out = served
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    wide = []
    for path in html_files(out):
        rel = path.relative_to(out).as_posix().removesuffix("index.html")
        page.goto(base + rel, wait_until="load")
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            wide.append(f"{rel or '/'}: {width[0]}px > {width[1]}px")
    context.close()
    assert wide == []


def test_bulletin_prints_like_the_paper_bulletin(browser, served):
    base, _ = served
    page, _, _ = _open(browser, base + "bulletins/1/", DESKTOP)
    page.emulate_media(media="print")
    page.screenshot(path=str(ARTIFACTS / "bulletin-1-print.png"), full_page=True)
    style = "([selector, property]) => getComputedStyle(document.querySelector(selector))[property]"
    assert page.locator(".site-nav").is_hidden()
    assert page.locator(".site-header").is_hidden()
    assert page.locator(".site-footer").is_hidden()
    assert page.locator(".bulletin-name").is_visible()
    assert page.locator(".bulletin-name").inner_text() == "创先争优活动简报"
    assert page.evaluate(style, [".bulletin-name", "color"]) == "rgb(221, 0, 0)"
    assert page.evaluate(style, [".bulletin-head", "borderBottomColor"]) == "rgb(221, 0, 0)"
    assert page.locator(".bulletin-issue").inner_text() == "第 1 期"
    assert page.locator(".bulletin-foot").inner_text().startswith("发送：各支部，厅机关各处室，厅属各单位")
    page.emulate_media(media="screen")
    assert page.locator(".site-nav").is_visible()
    page.context.close()


# --- feeds and the sitemap opened in the browser (issue 16, item 4) ------------------------------

XML_PAGES = [
    ("feed.xml", "feed", "创先争优活动专题", "RSS 订阅源 · 最新 11 篇"),
    ("atom.xml", "atom", "创先争优活动专题", "Atom 订阅源 · 最新 11 篇"),
    ("branches/houqin/feed.xml", "branch-feed", "创先争优活动专题·第一党支部", "RSS 订阅源 · 最新 6 篇"),
    ("sitemap.xml", "sitemap", "网站地图", "共 71 个页面"),
]


@pytest.mark.parametrize(("path", "name", "heading", "lead"), XML_PAGES, ids=[p[1] for p in XML_PAGES])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_feeds_and_sitemap_open_as_chinese_pages(browser, served, path, name, heading, lead, viewport):
    base, _ = served
    page, requests, bad = _open(browser, base + path, viewport)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{'phone' if viewport is PHONE else 'desktop'}.png"))
    text = page.inner_text("body")
    assert "does not appear to have any style information" not in text
    assert page.inner_text("h1") == heading
    assert " ".join(page.inner_text(".list-lead").split()) == lead
    assert page.get_attribute("html", "lang") == "zh-CN"
    # The site's own style sheet, found from a feed at any depth under the sub-path.
    masthead = page.evaluate("getComputedStyle(document.querySelector('.masthead')).backgroundImage")
    assert masthead.startswith("linear-gradient(")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    home = page.evaluate("document.querySelector('.brand').href")
    subscribe = page.evaluate("[...document.querySelectorAll('a')].map(a => a.href)")
    assert home == base and (path == "sitemap.xml" or base + "subscribe/" in subscribe)
    if path != "sitemap.xml":
        assert "这是订阅源，不是普通网页" in text and "订阅地址：https://elsewhere.example.org/other/" in text
    assert bad == []
    assert [u for u in requests if urlsplit(u).hostname != "127.0.0.1"] == []
    page.context.close()
