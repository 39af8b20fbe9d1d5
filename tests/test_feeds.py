"""The feeds as real clients read them: feedparser on the built files and over HTTP."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import mimetypes
import os
import re
import shutil
import sqlite3
import subprocess
import threading
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import feedparser
import icalendar
import pytest

from cxsite.site.urls import output_path
from tests.support import FIXED_NOW, REPO, build_at

BASE = "https://intranet.lyghy.internal/zt/cxcy/"
SHANGHAI = ZoneInfo("Asia/Shanghai")

# Every feed of the example site and how many items it carries (feeds.items is 20; fewer exist).
EXAMPLE_FEEDS = {
    "feed.xml": 11,
    "atom.xml": 11,
    "bulletins/feed.xml": 4,
    "branches/houqin/feed.xml": 6,
    "branches/shengchan-1/feed.xml": 7,
    "branches/shengchan-2/feed.xml": 5,
    "branches/shengchan-3/feed.xml": 7,
    "branches/shengchan-4/feed.xml": 5,
    "branches/lituixiu/feed.xml": 4,
    "categories/gongzuo-dongtai/feed.xml": 4,
    "categories/xinde-tihui/feed.xml": 1,
    "categories/zhibu-fengcai/feed.xml": 2,
}
EXAMPLE_CALENDARS = {
    "events.ics": 19,
    "branches/houqin/events.ics": 17,
    "branches/shengchan-1/events.ics": 15,
    "branches/shengchan-2/events.ics": 15,
    "branches/shengchan-3/events.ics": 15,
    "branches/shengchan-4/events.ics": 15,
    "branches/lituixiu/events.ics": 12,
}


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The example site built once with the fixed clock: (output folder, BuildResult)."""
    out = tmp_path_factory.mktemp("example") / "public"
    result = build_at(REPO, out)
    assert result.ok, [p.format() for p in result.problems]
    return out, result


def parse(out: Path, name: str):
    """Parse a built feed file with feedparser."""
    return feedparser.parse((out / name).read_bytes())


def built_file(out: Path, base: str, link: str) -> Path:
    """The file in the output folder that an absolute URL under base is served from."""
    assert link.startswith(base), link
    return out / output_path("/" + link[len(base):])


class LinkCollector(HTMLParser):
    """Collects href and src values, and <link> and <code> elements, from an HTML text."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.links: list[dict] = []
        self.codes: list[str] = []
        self._in_code = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.urls += [attrs[name] for name in ("href", "src") if name in attrs]
        if tag == "link":
            self.links.append(attrs)
        self._in_code = tag == "code"

    def handle_endtag(self, tag):
        self._in_code = False

    def handle_data(self, data):
        if self._in_code:
            self.codes.append(data)


def collect(html: str) -> LinkCollector:
    """Parse HTML and return what LinkCollector found."""
    collector = LinkCollector()
    collector.feed(html)
    return collector


def text_of(html: str) -> str:
    """The text of an HTML fragment, tags removed."""
    parts: list[str] = []
    parser = HTMLParser()
    parser.handle_data = parts.append
    parser.feed(html)
    return "".join(parts)


def write_files(root: Path, files: dict[str, str]) -> None:
    """Write a small site: {relative path: text}."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


# --- the example site --------------------------------------------------------------------------


def test_example_site_builds_exactly_the_planned_feeds(example):
    out, _ = example
    built = {p.relative_to(out).as_posix() for p in out.rglob("*.xml")} - {"sitemap.xml"}
    assert built == set(EXAMPLE_FEEDS)


def test_every_feed_parses_without_bozo_in_the_site_language(example):
    out, _ = example
    for name in EXAMPLE_FEEDS:
        feed = parse(out, name)
        assert feed.bozo == 0, (name, feed.get("bozo_exception"))
        assert feed.version == ("atom10" if name == "atom.xml" else "rss20"), name
        assert feed.feed.language == "zh-CN", name
        self_links = [link.href for link in feed.feed.links if link.rel == "self"]
        assert self_links == [BASE + name], name


def test_feed_points_to_its_page(example):
    out, _ = example
    expected = {"feed.xml": BASE, "atom.xml": BASE, "bulletins/feed.xml": BASE + "bulletins/",
                "branches/houqin/feed.xml": BASE + "branches/houqin/",
                "categories/xinde-tihui/feed.xml": BASE + "categories/xinde-tihui/"}
    for name, page in expected.items():
        assert parse(out, name).feed.link == page, name


def test_item_counts_match_the_content(example):
    out, result = example
    site = result.site
    assert {name: len(parse(out, name).entries) for name in EXAMPLE_FEEDS} == EXAMPLE_FEEDS
    limit = site.config.feed_items
    # Counted from the documents' own front matter, not from the feed plan.
    assert len(parse(out, "feed.xml").entries) == min(limit, len(site.documents))
    for branch in site.branches:
        mine = [d for d in site.documents if branch.id in d.branches]
        entries = parse(out, f"branches/{branch.id}/feed.xml").entries
        assert [e.link for e in entries] == [BASE + d.url.lstrip("/") for d in mine][:limit]
    for term in site.categories:
        mine = [d for d in site.documents if d.category == term.name]
        entries = parse(out, f"categories/{term.slug}/feed.xml").entries
        assert [e.link for e in entries] == [BASE + d.url.lstrip("/") for d in mine][:limit]
    bulletins = parse(out, "bulletins/feed.xml").entries
    assert [e.link for e in bulletins] == [BASE + f"bulletins/{n}/" for n in (4, 3, 2, 1)]


def test_every_item_link_resolves_to_a_built_page(example):
    out, _ = example
    checked = 0
    for name in EXAMPLE_FEEDS:
        for entry in parse(out, name).entries:
            assert built_file(out, BASE, entry.link).is_file(), (name, entry.link)
            checked += 1
    assert checked == sum(EXAMPLE_FEEDS.values())


def test_items_have_stable_ids_dates_from_content_and_full_text(example):
    out, result = example
    site = result.site
    by_url = {BASE + d.url.lstrip("/"): d for d in site.documents}
    for name in ("feed.xml", "atom.xml"):
        feed = parse(out, name)
        for entry in feed.entries:
            doc = by_url[entry.link]
            assert entry.id == entry.link
            assert dt.datetime(*entry.published_parsed[:6], tzinfo=dt.UTC) == doc.date
            assert text_of(entry.content[0].value).strip() == text_of(site.html(doc.body)).strip(), \
                entry.link
        newest = max(d.date for d in site.documents)
        assert dt.datetime(*feed.feed.updated_parsed[:6], tzinfo=dt.UTC) == newest
    rss = (out / "feed.xml").read_text(encoding="utf-8")
    assert rss.count('<guid isPermaLink="true">') == EXAMPLE_FEEDS["feed.xml"]
    assert "<lastBuildDate>Wed, 20 Oct 2010 16:00:00 +0800</lastBuildDate>" in rss
    bulletin = next(e for e in parse(out, "feed.xml").entries if e.link == BASE + "bulletins/1/")
    assert bulletin.title == "我院召开创先争优活动动员大会（第1期）"


def test_every_item_names_its_author_in_rss_and_atom(example):
    out, result = example
    site = result.site
    by_url = {BASE + d.url.lstrip("/"): d for d in site.documents}
    named = set()
    for name in ("feed.xml", "atom.xml", "bulletins/feed.xml"):
        authors = {entry.link: entry.get("author") for entry in parse(out, name).entries}
        assert authors == {link: by_url[link].author or site.config.organization for link in authors}, name
        named |= set(authors.values())
    assert len(named) > 2  # the writers' own names, not one name for all


def test_feeds_reference_nothing_on_the_internet(example):
    out, _ = example
    for name in EXAMPLE_FEEDS:
        data = (out / name).read_text(encoding="utf-8")
        hosts = set(re.findall(r"https?://([^/\"'<\s]+)", data)) - {"intranet.lyghy.internal"}
        # Only XML namespace names may name other hosts; they are never fetched.
        assert hosts <= {"www.w3.org", "purl.org"}, (name, hosts)
        assert "<docs>" not in data and "feedgen" not in data, name


def test_feed_content_has_no_relative_urls(example):
    out, _ = example
    urls = []
    for name in EXAMPLE_FEEDS:
        for entry in parse(out, name).entries:
            urls += collect(entry.content[0].value).urls
    assert urls, "the example's bulletins and posts link to other pages"
    for url in urls:
        assert url.startswith(BASE), url
    plan_url = BASE + "shishi-fangan/"
    assert plan_url in urls  # [实施方案](../pages/shishi-fangan.md)
    assert all(built_file(out, BASE, url.partition("#")[0]).is_file() for url in urls)


def test_two_builds_give_identical_feeds_whatever_the_clock(example, tmp_path):
    out, _ = example
    later = build_at(REPO, tmp_path / "later", now=FIXED_NOW + dt.timedelta(days=45))
    assert later.ok
    for name in [*EXAMPLE_FEEDS, *EXAMPLE_CALENDARS]:
        assert (tmp_path / "later" / name).read_bytes() == (out / name).read_bytes(), name


# --- a small site with more items than the limit, drafts, future posts and odd links -------------

SMALL_SITE = {
    "site.yaml": "title: 测试专题\norganization: 测试单位\nbase_url: https://ceshi.internal/zt/\n"
                 "feeds:\n  items: 3\nslugs:\n  动态: dongtai\n  通知: tongzhi\n",
    "content/branches.yaml": "- {id: a, name: 甲支部}\n- {id: b, name: 乙支部}\n",
    # An SVG under another name: any image cxsite can read (a broken one is an error).
    "static/img/a.png": '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"/>',
    **{f"content/posts/p{n}.md": f"---\ntitle: 第{n}篇动态\ndate: 2010-07-0{n} 09:00\ncategory: 动态\n"
                                 f"branches: [a]\n---\n\n第{n}篇的正文。\n" for n in range(1, 6)},
    **{f"content/bulletins/{n}.md": f"---\ntitle: 简报{n}\nissue: {n}\ndate: 2010-{6 + n:02d}-10\n"
                                    f"branches: [a, b]\n---\n\n简报{n}的正文。\n" for n in range(1, 5)},
    "content/posts/p6.md": (
        "---\ntitle: 第六篇\ndate: 2010-10-20\ncategory: 通知\nbranches: [b]\n---\n\n"
        "## 小节\n\n见[第一篇](p1.md)和[小节](#小节)，![图](/img/a.png)。\n\n"
        # A missing image is an error now (issue 16): a relative link to the file shows the rewriting.
        '<p><a href="../">上级</a> <a href="img/raw.png">原图</a> '
        '<a href="https://www.example.com/x">外部</a></p>\n'),
    "content/posts/draft.md": "---\ntitle: 草稿\ndate: 2010-10-25\ncategory: 动态\nbranches: [a, b]\n"
                              "draft: true\n---\n\n草稿正文。\n",
    "content/posts/future.md": "---\ntitle: 未来\ndate: 2010-12-01\ncategory: 通知\nbranches: [a, b]\n"
                               "---\n\n以后再发。\n",
}
SMALL = "https://ceshi.internal/zt/"


@pytest.fixture
def small(tmp_path):
    """The small site written and built: (site root, output folder)."""
    root = tmp_path / "site"
    write_files(root, SMALL_SITE)
    result = build_at(root, tmp_path / "out")
    assert result.ok, [p.format() for p in result.problems]
    assert (result.held_back.drafts, result.held_back.future) == (1, 1)
    return root, tmp_path / "out"


def links(out: Path, name: str) -> list[str]:
    """The item links of a built feed, relative to the small site's base_url."""
    feed = parse(out, name)
    assert feed.bozo == 0, name
    return [e.link.removeprefix(SMALL) for e in feed.entries]


def test_feeds_carry_the_newest_items_up_to_the_limit(small):
    _, out = small
    assert links(out, "feed.xml") == ["posts/p6/", "bulletins/4/", "bulletins/3/"]
    assert links(out, "atom.xml") == ["posts/p6/", "bulletins/4/", "bulletins/3/"]
    assert links(out, "bulletins/feed.xml") == ["bulletins/4/", "bulletins/3/", "bulletins/2/"]
    assert links(out, "branches/a/feed.xml") == ["bulletins/4/", "bulletins/3/", "bulletins/2/"]
    assert links(out, "branches/b/feed.xml") == ["posts/p6/", "bulletins/4/", "bulletins/3/"]
    assert links(out, "categories/dongtai/feed.xml") == ["posts/p5/", "posts/p4/", "posts/p3/"]
    assert links(out, "categories/tongzhi/feed.xml") == ["posts/p6/"]


def test_no_draft_or_future_item_in_any_feed(small):
    _, out = small
    feeds = sorted(p for p in out.rglob("*.xml") if p.name != "sitemap.xml")
    assert len(feeds) == 7
    for path in feeds:
        data = path.read_text(encoding="utf-8")
        for held in ("草稿", "posts/draft/", "未来", "posts/future/"):
            assert held not in data, (path, held)


def test_relative_links_of_every_kind_become_absolute(small):
    _, out = small
    entry = parse(out, "feed.xml").entries[0]
    assert entry.link == SMALL + "posts/p6/"
    urls = collect(entry.content[0].value).urls
    assert sorted(urls) == sorted([
        SMALL + "posts/p1/",  # a link to another Markdown file
        SMALL + "posts/p6/#xiao-jie",  # a link to a heading of this page (#小节 names the id xiao-jie)
        SMALL + "img/a.png",  # a site-absolute image
        SMALL + "posts/",  # a relative link in raw HTML, resolved as the page resolves it
        SMALL + "posts/p6/img/raw.png",
        "https://www.example.com/x",
    ])


def test_item_ids_survive_edits(small, tmp_path):
    root, out = small
    before = {e.link: e.id for e in parse(out, "feed.xml").entries}
    post = root / "content/posts/p6.md"
    post.write_text(post.read_text(encoding="utf-8").replace("第六篇", "第六篇（修订）")
                    .replace("见[第一篇]", "另见[第一篇]"), encoding="utf-8")
    assert build_at(root, tmp_path / "again").ok
    after = parse(tmp_path / "again", "feed.xml").entries
    assert after[0].title == "第六篇（修订）"
    assert {e.link: e.id for e in after} == before


@pytest.mark.parametrize("static_file", [
    "static/bulletins/feed.xml", "static/branches/a/feed.xml", "static/branches/b/events.ics",
    "static/categories/dongtai/feed.xml", "static/events.ics",
])
def test_a_static_file_cannot_take_a_feed_url(tmp_path, static_file):
    root = tmp_path / "site"
    write_files(root, {**SMALL_SITE, static_file: "mine"})
    result = build_at(root, tmp_path / "out")
    url = "/" + static_file.removeprefix("static/")
    taken = ("是 cxsite 内置页面的网址，不能再用" if url in ("/bulletins/feed.xml", "/events.ics")
             else "已被 cxsite 生成的订阅文件 使用")
    assert [p.format() for p in result.problems if p.is_error] == [
        f"{static_file}: 错误：网址 {url} {taken}\n"
        "    提示：给这个文件写一个别的 slug（网址名），或换一个文件名"]
    assert not (tmp_path / "out").exists()


# --- over HTTP, as a client ----------------------------------------------------------------------


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without logging every request to stderr."""

    def log_message(self, format, *args):
        pass


@pytest.fixture
def server(tmp_path, monkeypatch):
    """An HTTP server on 127.0.0.1 serving tmp_path/www: (folder, origin URL)."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    www = tmp_path / "www"
    www.mkdir()
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(www)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def fetch(url: str) -> tuple[int, str, bytes]:
    """GET a URL: status, content type and body."""
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


def test_clients_read_every_feed_and_calendar_over_http(server):
    www, origin = server
    base = origin + "zt/cxcy/"  # a sub-path, as on the intranet server
    result = build_at(REPO, www / "zt" / "cxcy", base_url=base)
    assert result.ok
    status, kind, body = fetch(base + "subscribe/")
    assert (status, kind.split(";")[0]) == (200, "text/html")
    listed = collect(body.decode("utf-8")).codes
    assert listed == [base + name for name in [*EXAMPLE_FEEDS, *EXAMPLE_CALENDARS]]
    pages_checked = set()
    for name, count in EXAMPLE_FEEDS.items():
        feed = feedparser.parse(base + name)
        assert (feed.status, feed.bozo, len(feed.entries)) == (200, 0, count), name
        assert feed.href == base + name
        for entry in feed.entries:
            if entry.link not in pages_checked:
                status, kind, _ = fetch(entry.link)
                assert (status, kind.split(";")[0]) == (200, "text/html"), entry.link
                pages_checked.add(entry.link)
    assert len(pages_checked) == 11
    calendar_type = mimetypes.guess_type("events.ics")[0]
    for name, count in EXAMPLE_CALENDARS.items():
        status, kind, body = fetch(base + name)
        assert status == 200
        if calendar_type:  # the server maps .ics to a type only when the system knows it
            assert kind.split(";")[0] == calendar_type == "text/calendar"
        calendar = icalendar.Calendar.from_ical(body)
        assert len(calendar.walk("VEVENT")) == count, name


# --- readable in a browser, unchanged for feed readers (issue 16, item 4) --------------------------

_INSTRUCTION = re.compile(rb"<\?([\w-]+) ([^?]*)\?>")


def instructions(data: bytes) -> dict[str, str]:
    """The processing instructions before an XML file's root element, by target."""
    head = re.split(rb"<(?:rss|feed|urlset)\b", data, maxsplit=1)[0]
    return {m.group(1).decode(): m.group(2).decode().strip() for m in _INSTRUCTION.finditer(head)}


@pytest.mark.parametrize("name", [*EXAMPLE_FEEDS, "sitemap.xml"])
def test_feeds_and_the_sitemap_name_the_sites_own_stylesheet(example, name):
    out, _ = example
    found = instructions((out / name).read_bytes())
    stylesheet = "xsl/sitemap.xsl" if name == "sitemap.xml" else "xsl/feed.xsl"
    href = re.fullmatch(r'type="text/xsl" href="([^"]+)"', found["xml-stylesheet"]).group(1)
    assert not href.startswith(("/", "http")), href  # relative: works under any sub-path
    target = (out / name).parent / href
    assert target.resolve() == (out / stylesheet).resolve() and target.is_file()
    root = (out / name).parent / found["cxsite-root"]
    assert (root / "index.html").resolve() == (out / "index.html").resolve()
    assert (found["cxsite-title"], found["cxsite-organization"]) == ("创先争优活动专题", "省林业规划院")
    namespaces = (b'"http://www.w3.org/', b'"http://www.sitemaps.org/', b'"http://purl.org/dc/')
    text = (out / stylesheet).read_bytes()
    for namespace in namespaces:  # names of XML vocabularies, never fetched
        text = text.replace(namespace, b"")
    assert b"http" not in text  # nothing fetched from outside the site


@pytest.mark.skipif(shutil.which("newsboat") is None, reason="newsboat is not installed (apt: newsboat)")
def test_newsboat_reads_every_feed_over_http(server, tmp_path):
    www, origin = server
    base = origin + "zt/cxcy/"
    assert build_at(REPO, www / "zt" / "cxcy", base_url=base).ok
    for name, count in EXAMPLE_FEEDS.items():
        home = tmp_path / "newsboat" / name.replace("/", "-")
        home.mkdir(parents=True)
        (home / "urls").write_text(base + name + "\n", encoding="utf-8")
        (home / "config").write_text("", encoding="utf-8")
        command = ["newsboat", "-u", str(home / "urls"), "-c", str(home / "cache.db"),
                   "-C", str(home / "config"), "-x", "reload", "print-unread"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60,
                              env={**os.environ, "HOME": str(home)})
        assert (done.returncode, done.stdout.strip()) == (0, f"{count} unread articles"), (name, done.stderr)
        with sqlite3.connect(home / "cache.db") as db:
            [(title,)] = db.execute("SELECT title FROM rss_feed").fetchall()
            items = db.execute("SELECT title, url FROM rss_item").fetchall()
            authors = [author for (author,) in db.execute("SELECT author FROM rss_item")]
        assert title == feedparser.parse(www / "zt" / "cxcy" / name).feed.title, name
        assert len(items) == count and all(url.startswith(base) for _, url in items), name
        assert all(authors), name


def test_clients_discover_a_branch_feed_from_its_page(server):
    www, origin = server
    base = origin + "zt/cxcy/"
    assert build_at(REPO, www / "zt" / "cxcy", base_url=base).ok
    page = base + "branches/houqin/"
    _, _, body = fetch(page)
    found = {(link["type"], urljoin(page, link["href"])) for link in collect(body.decode()).links
             if link.get("rel") == "alternate"}
    assert found == {
        ("application/rss+xml", base + "feed.xml"),
        ("application/atom+xml", base + "atom.xml"),
        ("application/rss+xml", base + "branches/houqin/feed.xml"),
        ("text/calendar", base + "branches/houqin/events.ics"),
    }
    for kind, url in found:
        if kind != "text/calendar":
            feed = feedparser.parse(url)
            assert (feed.status, feed.bozo) == (200, 0), url
            assert urlsplit(feed.entries[0].link).netloc == urlsplit(origin).netloc
