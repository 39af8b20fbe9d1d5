"""The built sites make no request outside themselves (tests/external.py is the checker)."""

from __future__ import annotations

import shutil

import pytest

from external import Reference, content_links, css_urls, external_references

SAMPLE_BASE = "https://lc.lyghy.internal/cxcy/"


def test_example_site_references_nothing_outside(example_build):
    site = example_build.result.site
    found = external_references(example_build.out, site.config.base_url, content_links(site))
    assert [str(r) for r in found] == []


def test_sample_site_references_nothing_outside(sample_build):
    site = sample_build.result.site
    assert content_links(site) == {"http://www.forestry.gov.cn/"}  # a writer's own link, allowed
    found = external_references(sample_build.out, site.config.base_url, content_links(site))
    assert [str(r) for r in found] == []


def test_writers_links_are_only_allowed_when_declared(sample_build):
    found = external_references(sample_build.out, SAMPLE_BASE)
    assert [str(r) for r in found] == [
        # (feeds begin with four processing instructions: the stylesheet and the site's names)
        "atom.xml:39: <a href> link http://www.forestry.gov.cn/",
        "categories/xin-de-ti-hui/feed.xml:20: <a href> link http://www.forestry.gov.cn/",
        "feed.xml:31: <a href> link http://www.forestry.gov.cn/",
        "posts/2010-08-30-xinde/index.html:76: <a href> link http://www.forestry.gov.cn/",
    ]


@pytest.fixture
def planted(sample_build, tmp_path):
    """A writable copy of the built sample site."""
    out = tmp_path / "site"
    shutil.copytree(sample_build.out, out)
    return out


def _append(path, text) -> int:
    """Add text to a built file (before </body> in a page); return the line it starts on."""
    data = path.read_text(encoding="utf-8")
    at = data.index("</body>") if "</body>" in data else len(data)
    path.write_text(data[:at] + text + data[at:], encoding="utf-8")
    return data.count("\n", 0, at) + 1


def _found(out) -> list[str]:
    return [str(r) for r in external_references(out, SAMPLE_BASE, {"http://www.forestry.gov.cn/"})]


def test_catches_an_image_from_a_cdn(planted):
    line = _append(planted / "index.html", '<img src="http://cdn.example.com/x.png" alt="">\n')
    assert _found(planted) == [f"index.html:{line}: <img src> http://cdn.example.com/x.png"]


def test_catches_a_css_import_of_web_fonts(planted):
    line = _append(planted / "css" / "site.css", "@import url(https://fonts.googleapis.com/css?family=Noto+Sans+SC);\n")
    assert _found(planted) == [
        f"css/site.css:{line}: css url https://fonts.googleapis.com/css?family=Noto+Sans+SC"]


def test_catches_an_svg_image_href(planted):
    (planted / "img" / "planted.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">\n'
        '  <image href="https://cdn.example.com/photo.jpg" width="10" height="10"/>\n'
        '  <use xlink:href="http://icons.example.com/sprite.svg#star"/>\n'
        '  <image href="photo.jpg"/>\n'
        '</svg>\n', encoding="utf-8")
    assert _found(planted) == [
        "img/planted.svg:2: svg <image href> https://cdn.example.com/photo.jpg",
        "img/planted.svg:3: svg <use href> http://icons.example.com/sprite.svg#star",
    ]


@pytest.mark.parametrize(("planted_html", "expected"), [
    ('<link rel="stylesheet" href="https://cdn.example.com/a.css">', "<link rel=stylesheet> https://cdn.example.com/a.css"),
    ('<link rel="icon" href="//cdn.example.com/i.ico">', "<link rel=icon> //cdn.example.com/i.ico"),
    ('<link rel="preload" as="font" href="https://fonts.gstatic.com/f.woff2">',
     "<link rel=preload> https://fonts.gstatic.com/f.woff2"),
    ('<script src="https://www.google-analytics.com/ga.js"></script>',
     "<script src> https://www.google-analytics.com/ga.js"),
    ('<img srcset="../img/a.png 1x, https://cdn.example.com/b.png 2x" alt="">',
     "<img srcset> https://cdn.example.com/b.png"),
    ('<div style="background: url(\'http://cdn.example.com/bg.png\')"></div>',
     "<div style> url http://cdn.example.com/bg.png"),
    ('<style>\nbody { background: url(https://cdn.example.com/bg.png) }\n</style>',
     "<style> url https://cdn.example.com/bg.png"),
    ('<meta http-equiv="refresh" content="0; url=http://elsewhere.example.com/">',
     "<meta refresh> http://elsewhere.example.com/"),
    ('<svg><image href="https://cdn.example.com/i.png"/></svg>', "<image href> https://cdn.example.com/i.png"),
    ('<svg><use xlink:href="https://cdn.example.com/s.svg#a"></use></svg>',
     "<use href> https://cdn.example.com/s.svg#a"),
    ('<a href="https://www.example.com/">外部链接</a>', "<a href> link https://www.example.com/"),
    ('<iframe src="https://player.example.com/v/1"></iframe>', "<iframe src> https://player.example.com/v/1"),
    ('<video poster="https://cdn.example.com/p.jpg"></video>', "<video poster> https://cdn.example.com/p.jpg"),
    ('<object data="https://cdn.example.com/x.swf"></object>', "<object data> https://cdn.example.com/x.swf"),
    ('<form action="https://forms.example.com/"></form>', "<form action> https://forms.example.com/"),
    # Leaving the sub-path /cxcy/ is leaving the site, even on the same host.
    ('<img src="/logo.png" alt="">', "<img src> /logo.png"),
    ('<img src="../../../logo.png" alt="">', "<img src> ../../../logo.png"),
    ('<script>fetch("https://api.example.com/track")</script>', "<script> text https://api.example.com/track"),
])
def test_catches_each_kind_of_reference_in_a_page(planted, planted_html, expected):
    _append(planted / "bulletins" / "1" / "index.html", planted_html + "\n")
    assert [f.split(": ", 1)[1] for f in _found(planted)] == [expected]


@pytest.mark.parametrize("harmless", [
    '<img src="../../img/huichang.svg" alt="">', '<a href="#main">跳</a>',
    '<a href="mailto:bgs@example.org">信</a>',
    '<img src="data:image/png;base64,iVBORw0KGgo=" alt="">', '<a href="/cxcy/bulletins/2/">第2期</a>',
    '<link rel="canonical" href="https://lc.lyghy.internal/cxcy/bulletins/1/">',
])
def test_leaves_references_inside_the_site_alone(planted, harmless):
    _append(planted / "bulletins" / "1" / "index.html", harmless + "\n")
    assert _found(planted) == []


def test_catches_foreign_hosts_in_feeds_and_sitemap(planted):
    feed = planted / "feed.xml"
    feed.write_text(feed.read_text(encoding="utf-8").replace(
        "&lt;p&gt;10月8日", "&lt;img src=\"https://cdn.example.com/f.png\"&gt;&lt;p&gt;10月8日", 1),
        encoding="utf-8")
    sitemap = planted / "sitemap.xml"
    sitemap.write_text(sitemap.read_text(encoding="utf-8").replace(
        "<loc>https://lc.lyghy.internal/cxcy/archive/</loc>", "<loc>https://mirror.example.com/archive/</loc>"),
        encoding="utf-8")
    assert [f.split(": ", 1)[1] for f in _found(planted)] == [
        "<img src> https://cdn.example.com/f.png", "<loc> https://mirror.example.com/archive/"]


def test_css_urls_reads_every_form():
    css = ('/* url(http://commented.example.com/) */ @import "a.css"; @import url(\'b.css\');\n'
           'x { background: url( c.png ) } y { background-image: image-set("d.png" 1x, \'e.png\' 2x) }')
    assert [url for _, url in css_urls(css)] == ["a.css", "b.css", "c.png", "d.png", "e.png"]


def test_reference_text():
    assert str(Reference("index.html", 3, "<img src>", "http://x/")) == "index.html:3: <img src> http://x/"
