"""Where pages go and how they link to each other: relative URLs at every depth, portable links."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest

from cxsite.render.pages import Pager
from cxsite.site.urls import output_path, relative_url

# (target, page the link is on, relative link, portable link)
CASES = [
    ("/", "/", "./", "index.html"),
    ("/bulletins/", "/", "bulletins/", "bulletins/index.html"),
    ("/css/site.css", "/", "css/site.css", "css/site.css"),
    ("/", "/bulletins/", "../", "../index.html"),
    ("/bulletins/", "/bulletins/", "../bulletins/", "../bulletins/index.html"),
    ("/bulletins/1/", "/bulletins/2/", "../../bulletins/1/", "../../bulletins/1/index.html"),
    ("/img/favicon.svg", "/bulletins/2/", "../../img/favicon.svg", "../../img/favicon.svg"),
    ("/", "/tags/xue-xi/page/2/", "../../../../", "../../../../index.html"),
    ("/tags/xue-xi/", "/tags/xue-xi/page/2/", "../../../../tags/xue-xi/",
     "../../../../tags/xue-xi/index.html"),
    # Pages that are files: at the root, and one folder down.
    ("/feed.xml", "/404.html", "feed.xml", "feed.xml"),
    ("/bulletins/", "/sitemap.xml", "bulletins/", "bulletins/index.html"),
    ("/a/", "/x/y.html", "../a/", "../a/index.html"),
    # Fragments stay at the end.
    ("/#main", "/", "./#main", "index.html#main"),
    ("/fang-an/#安排", "/bulletins/1/", "../../fang-an/#安排", "../../fang-an/index.html#安排"),
]


@pytest.mark.parametrize(("target", "base", "link", "portable"), CASES)
def test_relative_url(target, base, link, portable):
    assert relative_url(target, base) == link
    assert relative_url(target, base, portable=True) == portable


@pytest.mark.parametrize(("target", "base"), [case[:2] for case in CASES])
@pytest.mark.parametrize("served_at", ["http://intranet/", "http://intranet/zt/cxcy/", "file:///D:/site/"])
def test_relative_links_land_on_the_target_wherever_the_site_is(target, base, served_at):
    page = urljoin(served_at, base.lstrip("/"))
    assert urljoin(page, relative_url(target, base)) == urljoin(served_at, target.lstrip("/"))
    path, _, fragment = target.partition("#")
    file = path + "index.html" if path.endswith("/") else path
    expected = urljoin(served_at, file.lstrip("/")) + (f"#{fragment}" if fragment else "")
    assert urljoin(page, relative_url(target, base, portable=True)) == expected


@pytest.mark.parametrize(("url", "path"), [
    ("/", "index.html"),
    ("/bulletins/", "bulletins/index.html"),
    ("/bulletins/3/", "bulletins/3/index.html"),
    ("/tags/xue-xi/page/2/", "tags/xue-xi/page/2/index.html"),
    ("/404.html", "404.html"),
    ("/feed.xml", "feed.xml"),
    ("/css/site.css", "css/site.css"),
])
def test_output_path(url, path):
    assert output_path(url) == path


def test_pager():
    first, middle, last = (Pager(n, 3, "/bulletins/") for n in (1, 2, 3))
    assert (first.prev_url, first.next_url) == (None, "/bulletins/page/2/")
    assert (middle.prev_url, middle.next_url) == ("/bulletins/", "/bulletins/page/3/")
    assert (last.prev_url, last.next_url) == ("/bulletins/page/2/", None)


def test_pager_window_links_few_pages_of_a_long_list():
    def numbers(pager):
        return [n for n, _ in pager.window()]

    assert numbers(Pager(1, 3, "/b/")) == [1, 2, 3]
    assert numbers(Pager(1, 1000, "/b/")) == [1, 2, 3, None, 1000]
    assert numbers(Pager(500, 1000, "/b/")) == [1, None, 498, 499, 500, 501, 502, None, 1000]
    assert numbers(Pager(4, 1000, "/b/")) == [1, 2, 3, 4, 5, 6, None, 1000]
    assert Pager(500, 1000, "/b/").window()[2] == (498, "/b/page/498/")
