"""Search in headless Chromium, on real built sites: served under a sub-path, and from file:// (portable).

The sample site (tests/sites/sample, which has a draft and a future-dated post) is built
twice: for a web server, into <www>/zt/cxcy/ with a base_url elsewhere, and --portable
into a folder opened from file://. Every test runs against both and checks that no
request leaves the site. The results are compared with the index read back in Python
(tests/searchkit.py), the same matching search.js does. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from searchkit import Reader
from support import EXAMPLE, REPO, SAMPLE, build_at, tree_bytes

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
SUB_PATH = "/zt/cxcy/"
ARTIFACTS = REPO / "tests" / "artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium is not installed at {CHROMIUM}"),
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without logging every request to stderr."""

    def log_message(self, format, *args):
        pass


def _serve(www: Path):
    """Serve a folder on 127.0.0.1; return the server (shut it down when done)."""
    handler = functools.partial(_QuietHandler, directory=str(www))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The sample site built into <www>/zt/cxcy/ and served; yields (base URL, output folder)."""
    www = tmp_path_factory.mktemp("www")
    out = www / SUB_PATH.strip("/")
    result = build_at(SAMPLE, out, base_url="https://elsewhere.example.org/other/")
    assert result.ok, [p.format() for p in result.problems]
    assert (result.held_back.drafts, result.held_back.future) == (1, 1)
    server = _serve(www)
    yield f"http://127.0.0.1:{server.server_address[1]}{SUB_PATH}", out
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def portable(tmp_path_factory):
    """The sample site built --portable into a folder; yields (file:// base URL, output folder)."""
    out = tmp_path_factory.mktemp("portable") / "site"
    result = build_at(SAMPLE, out, portable=True)
    assert result.ok, [p.format() for p in result.problems]
    return out.as_uri() + "/", out


@pytest.fixture(scope="module", params=["http", "file"])
def site(request, served, portable):
    """Each test runs against both builds: (base URL, page suffix of a folder URL, output folder)."""
    if request.param == "http":
        return served[0], "", served[1]
    return portable[0], "index.html", portable[1]


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium (Debian's), driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def opened(browser, site):
    """Opens pages in fresh contexts, recording requests and failures; checks none left the site."""
    base = site[0]
    contexts, requests, bad = [], [], []

    def open_page(url: str, viewport=DESKTOP, javascript=True):
        context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
        contexts.append(context)
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        # A load cut short by leaving the page (net::ERR_ABORTED) is no broken link; a missing file is.
        page.on("requestfailed", lambda r: "ERR_ABORTED" in (r.failure or "") or bad.append(
            f"failed {r.url} {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and bad.append(f"{r.status} {r.url}"))
        page.on("pageerror", lambda e: bad.append(f"error {e}"))
        page.goto(url)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert bad == []
    assert requests and [url for url in requests if not url.startswith(base)] == []


def search(open_page, site, query: str, viewport=DESKTOP):
    """Open the search page for a query and wait for its results."""
    base, index, _ = site
    page = open_page(f"{base}search/{index}?q={quote(query)}", viewport)
    page.wait_for_selector('#search-results[data-state="done"]')
    return page


def result_links(page) -> list[str]:
    """The resolved links of the results, in order."""
    return page.eval_on_selector_all("#search-results .search-hit a", "links => links.map(a => a.href)")


def link_to(site, url: str) -> str:
    """The resolved address of a site URL in this build (index.html in the portable one)."""
    base, index, _ = site
    path, mark, fragment = url.partition("#")
    return base + path.lstrip("/") + index + mark + fragment


def reader(site) -> Reader:
    """The built index, read in Python."""
    files = {path: data for path, data in tree_bytes(site[2]).items() if path.startswith("search/")}
    return Reader(files)


def test_three_characters_from_the_middle_of_a_sentence_find_their_document(opened, site):
    # bulletins/1: "7月16日下午，林场在场部会议室召开创先争优活动动员大会，全场23名党员参加。"
    page = search(opened, site, "议室召")
    assert result_links(page) == [link_to(site, "/bulletins/1/")]
    assert page.text_content(".search-hit mark") == "议室召"
    assert "林场在场部会议室召开创先争优活动动员大会" in page.text_content(".search-snippet")
    assert page.text_content(".search-hit .search-kind") == "简报"


def test_a_branch_name_finds_the_branch_page(opened, site):
    page = search(opened, site, "育林党支部")
    assert result_links(page)[0] == link_to(site, "/branches/yulin/")
    assert page.text_content(".search-hit .search-kind") == "支部"
    page.click(".search-hit a")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "育林党支部"


def test_a_title_finds_its_bulletin_first(opened, site):
    page = search(opened, site, "林场召开创先争优动员大会")
    links = result_links(page)
    assert links[0] == link_to(site, "/bulletins/1/")
    assert links == [link_to(site, url) for url in reader(site).search("林场召开创先争优动员大会")[:20]]


@pytest.mark.parametrize("words", ["尚未定稿", "这是一篇草稿", "明年工作计划", "构建时应暂缓发布"])
def test_a_drafts_and_a_future_posts_words_find_nothing(opened, site, words):
    page = search(opened, site, words)
    assert result_links(page) == []
    assert "没有找到" in page.text_content(".search-status")


def test_results_agree_with_the_index_read_in_python(opened, site):
    index = reader(site)
    for query in ["动员", "支部 造林", "23名", "党"]:
        expected = index.search(query)
        assert expected, query
        page = search(opened, site, query)
        assert result_links(page) == [link_to(site, url) for url in expected[:20]], query
        assert f"找到 {len(expected)} 条" in page.text_content(".search-status")


def test_full_width_letters_and_digits_find_what_half_width_ones_do(opened, site):
    expected = [link_to(site, url) for url in reader(site).search("23名")]
    assert expected
    assert result_links(search(opened, site, "２３名")) == expected


def test_an_honour_is_linked_to_its_row(opened, site):
    page = search(opened, site, "全省森林防火先进集体")
    [link] = result_links(page)
    assert link == link_to(site, "/honors/#honor-2009")
    page.click(".search-hit a")
    page.wait_for_load_state()
    assert page.locator("#honor-2009 .honor-title").inner_text() == "全省森林防火先进集体"


def test_typing_in_the_header_box_and_pressing_enter_shows_results(opened, site):
    base, index, _ = site
    page = opened(base + index)  # the home page
    page.focus("#site-search-q")
    page.keyboard.type("育苗")
    page.keyboard.press("Enter")
    page.wait_for_selector('#search-results[data-state="done"]')
    assert urlsplit(page.url).path.endswith("/search/" + index)
    assert page.input_value("#search-page-q") == "育苗"
    assert result_links(page) == [link_to(site, url) for url in reader(site).search("育苗")[:20]]
    assert len(result_links(page)) >= 1


def test_without_javascript_the_search_page_leads_to_the_archive(opened, site):
    base, index, _ = site
    page = opened(base + index, javascript=False)
    page.focus("#site-search-q")
    page.keyboard.type("动员")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "JavaScript" in page.text_content("#search-results")
    page.click("#search-results a[href*='archive']")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "归档"
    assert page.locator(".month-grid a").count() >= 1


def test_nothing_found_says_so_and_points_to_the_archive(opened, site):
    page = search(opened, site, "不存在的词语")
    assert "没有找到" in page.text_content(".search-status")
    assert page.get_attribute(".search-hint a", "href").endswith("archive/" + site[1])


def test_a_phone_shows_results_without_sideways_scrolling(opened, site):
    page = search(opened, site, "动员", viewport=PHONE)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"search-phone-{urlsplit(site[0]).scheme}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The example site (about sixty entries), served from a sub-path."""
    www = tmp_path_factory.mktemp("example")
    out = www / SUB_PATH.strip("/")
    assert build_at(EXAMPLE, out).ok
    server = _serve(www)
    yield f"http://127.0.0.1:{server.server_address[1]}{SUB_PATH}"
    server.shutdown()
    server.server_close()


def test_more_results_come_by_keyboard(browser, example):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{example}search/?q={quote('党')}")
    page.wait_for_selector('#search-results[data-state="done"]')
    assert page.locator(".search-hit").count() == 20
    page.focus(".search-more")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('.search-hit').length > 20")
    assert page.evaluate("document.activeElement.closest('.search-hit') !== null")
    context.close()


@pytest.fixture(scope="module")
def crowded(tmp_path_factory):
    """The sample site and 100 more bulletins: 30 hold 甲乙丙丁戊己, 70 hold each of its windows
    but not the phrase (candidates of a long term beyond what is checked at once); served."""
    www = tmp_path_factory.mktemp("crowded")
    root = www / "source"
    shutil.copytree(SAMPLE, root)
    for number in range(4, 104):
        text = "本期要点：甲乙丙丁戊己。" if number % 10 < 3 else "本期要点：甲乙丙丁戊，乙丙丁戊己。"
        front = f"title: 第{number}期简报\nissue: {number}\ndate: 2010-10-{1 + number % 28:02d}"
        (root / "content" / "bulletins" / f"{number:03d}.md").write_text(f"---\n{front}\n---\n\n{text}\n",
                                                                         encoding="utf-8")
    out = www / SUB_PATH.strip("/")
    assert build_at(root, out).ok
    server = _serve(www)
    yield f"http://127.0.0.1:{server.server_address[1]}{SUB_PATH}", out
    server.shutdown()
    server.server_close()


def test_a_long_term_with_many_candidates_is_checked_as_results_are_shown(browser, crowded):
    base, out = crowded
    expected = reader((base, "", out)).search("甲乙丙丁戊己")
    assert len(expected) == 30
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{base}search/?q={quote('甲乙丙丁戊己')}")
    page.wait_for_selector('#search-results[data-state="done"]')
    assert "找到约" in page.text_content(".search-status")  # 100 candidates, not all looked at yet
    while page.locator(".search-more").count():
        page.click(".search-more")
        page.wait_for_selector('#search-results[data-state="done"]')
    assert page.text_content(".search-status").startswith("找到 30 条")
    assert result_links(page) == [base + url.lstrip("/") for url in expected]
    assert page.locator(".search-hit mark").all_text_contents() == ["甲乙丙丁戊己"] * 30
    context.close()


HOSTILE_TITLE = '<img src=x onerror="window.__xss=1">防火"标兵"'
HOSTILE_TEXT = "巡护记录：`<script>window.__xss=2</script>` 与 &lt;svg onload=window.__xss=3&gt; 照录。"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The sample site and a bulletin whose title and body are markup as text; served."""
    www = tmp_path_factory.mktemp("hostile")
    root = www / "source"
    shutil.copytree(SAMPLE, root)
    front = f"title: '{HOSTILE_TITLE}'\nissue: 4\ndate: 2010-10-20"
    (root / "content" / "bulletins" / "004.md").write_text(f"---\n{front}\n---\n\n{HOSTILE_TEXT}\n",
                                                           encoding="utf-8")
    out = www / SUB_PATH.strip("/")
    assert build_at(root, out).ok
    server = _serve(www)
    yield f"http://127.0.0.1:{server.server_address[1]}{SUB_PATH}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("query", ["onerror", "巡护记录", "svg onload"])
def test_markup_in_titles_and_texts_is_shown_as_text_never_run(browser, hostile, query):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{hostile}search/?q={quote(query)}")
    page.wait_for_selector('#search-results[data-state="done"]')
    assert result_links(page) == [hostile + "bulletins/4/"]
    assert page.text_content(".search-title") == HOSTILE_TITLE
    assert page.locator("#search-results img, #search-results script, #search-results svg").count() == 0
    assert page.evaluate("window.__xss === undefined")
    context.close()
