"""A checker for built sites: every reference that would make a browser leave the site.

`external_references(folder, base_url)` reads every HTML, CSS, SVG and XML file
of a built site and reports:

- in pages, CSS and SVG: everything the browser fetches by itself (src, srcset,
  poster, <link> stylesheets/icons/preloads, <script src>, <object data>, SVG
  href/xlink:href, url() and @import in style sheets, style attributes and <style>,
  meta refresh, form actions, <base>) that resolves outside the site, i.e. not
  under base_url when the page is served from base_url (so absolute URLs, and
  absolute paths or ../ that leave a sub-path, are caught);
- <a>/<area> links leaving the site, except the writers' own links from the content
  (pass them as `allowed_links`): the theme itself must not link out;
- in feeds and the sitemap: every absolute URL whose host is not base_url's
  (pictures inside full-content HTML are checked the same way).

CSS is scanned with regular expressions: the standard library has no CSS parser,
and only url(), @import and image-set() strings can make a style sheet fetch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from lxml import etree  # feedgen's own dependency; unlike ElementTree it knows source lines

from htmlscan import scan

XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
FETCHING_ATTRIBUTES = ("src", "poster", "data", "background", "action", "formaction", "manifest", "ping")
LINK_TAGS = {"a", "area"}
SAFE_SCHEMES = {"data", "mailto", "tel", "about", "blob"}  # nothing is fetched from another host

_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)""", re.I)
_CSS_IMPORT_STRING = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.I)
_CSS_IMAGE_SET = re.compile(r"""image-set\(([^)]*)\)""", re.I)
_CSS_STRING = re.compile(r""""([^"]*)"|'([^']*)'""")
_ABSOLUTE = re.compile(r"""(?:[a-z][a-z0-9+.-]*:)?//[^\s<>"'()]+""", re.I)
_REFRESH = re.compile(r"""^\s*\d*\s*[;,]?\s*url\s*=\s*['"]?([^'"]+)""", re.I)


@dataclass(frozen=True, order=True)
class Reference:
    """A reference that leaves the site: where it is, what kind, and the URL as written."""

    path: str
    line: int
    kind: str
    url: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind} {self.url}"


@dataclass(frozen=True)
class _Site:
    """The base URL a site is served from, and the external links its writers wrote."""

    base_url: str
    allowed_links: frozenset

    def page_url(self, rel: str) -> str:
        """The absolute URL a built file is served at."""
        return urljoin(self.base_url, rel.removesuffix("index.html") if rel.endswith("/index.html")
                       or rel == "index.html" else rel)

    def leaves(self, url: str, page: str) -> bool:
        """Whether a reference made on the page at `page` resolves outside the site."""
        url = url.strip()
        if not url or url.startswith("#") or urlsplit(url).scheme.lower() in SAFE_SCHEMES:
            return False
        return not urljoin(page, url).startswith(self.base_url)

    def foreign_host(self, url: str) -> bool:
        """Whether an absolute URL in a feed or sitemap points to another host."""
        parts = urlsplit(url.strip())
        return bool(parts.netloc) and parts.hostname != urlsplit(self.base_url).hostname


def external_references(folder: Path, base_url: str, allowed_links=()) -> list[Reference]:
    """Every reference in the built site at folder that would leave it (see the module doc)."""
    site = _Site(base_url if base_url.endswith("/") else base_url + "/", frozenset(allowed_links))
    found: list[Reference] = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        suffix = path.suffix.lower()
        if suffix in (".html", ".htm"):
            found += _check_html(path.read_text(encoding="utf-8"), rel, site.page_url(rel), site)
        elif suffix == ".css":
            found += _check_css(path.read_text(encoding="utf-8"), rel, 1, site.page_url(rel), site)
        elif suffix == ".svg":
            found += _check_svg(path.read_bytes(), rel, site.page_url(rel), site)
        elif suffix == ".xml":
            found += _check_feed(path.read_bytes(), rel, site)
    return sorted(found)


def _check_html(html: str, rel: str, page: str, site: _Site, line_offset: int = 0) -> list[Reference]:
    """Check one HTML document (or fragment) served at `page`."""
    found = []

    def report(line: int, kind: str, url: str) -> None:
        if site.leaves(url, page):
            found.append(Reference(rel, line + line_offset, kind, url.strip()))

    for element in scan(html):
        tag, attrs, line = element.tag, element.attrs, element.line
        for name in FETCHING_ATTRIBUTES:
            if attrs.get(name):
                report(line, f"<{tag} {name}>", attrs[name])
        for name in ("srcset", "imagesrcset"):
            for candidate in attrs.get(name, "").split(","):
                if candidate.strip():
                    report(line, f"<{tag} {name}>", candidate.split()[0])
        href = attrs.get("href") or attrs.get("xlink:href")
        if href:
            if tag in LINK_TAGS:
                if href.strip() not in site.allowed_links:
                    report(line, f"<{tag} href> link", href)
            elif tag == "link":
                rels = set(attrs.get("rel", "").lower().split())
                report(line, f"<link rel={' '.join(sorted(rels))}>", href)
            else:  # <base>, and inline SVG: <image>, <use>, <feImage>, <script>
                report(line, f"<{tag} href>", href)
        if attrs.get("style"):
            found += _check_css(attrs["style"], rel, line + line_offset, page, site, f"<{tag} style>")
        if tag == "style":
            found += _check_css(element.text, rel, line + line_offset, page, site, "<style>")
        if tag == "script" and element.text:
            for url in _ABSOLUTE.findall(element.text):
                report(line, "<script> text", url)
        if tag == "meta" and attrs.get("http-equiv", "").lower() == "refresh":
            match = _REFRESH.match(attrs.get("content", ""))
            if match:
                report(line, "<meta refresh>", match.group(1))
    return found


def css_urls(css: str) -> list[tuple[int, str]]:
    """Return (offset, url) of every URL a style sheet makes the browser fetch."""
    css = _CSS_COMMENT.sub(lambda m: " " * len(m.group()), css)  # keep offsets for line numbers
    urls = [(m.start(), next(g for g in m.groups() if g is not None)) for m in _CSS_URL.finditer(css)]
    urls += [(m.start(), m.group(1) if m.group(1) is not None else m.group(2))
             for m in _CSS_IMPORT_STRING.finditer(css)]
    for match in _CSS_IMAGE_SET.finditer(css):
        urls += [(match.start(), s.group(1) if s.group(1) is not None else s.group(2))
                 for s in _CSS_STRING.finditer(match.group(1))]
    return sorted(urls)


def _check_css(css: str, rel: str, first_line: int, page: str, site: _Site,
               kind: str = "css") -> list[Reference]:
    """Check a style sheet, a <style> element or a style attribute."""
    return [Reference(rel, first_line + css.count("\n", 0, offset), f"{kind} url", url.strip())
            for offset, url in css_urls(css) if site.leaves(url, page)]


def _check_svg(data: bytes, rel: str, page: str, site: _Site) -> list[Reference]:
    """Check an SVG file: href and xlink:href of every element, its styles."""
    found = []
    for element in _xml_elements(data):
        tag, line = element.tag.rpartition("}")[2], element.sourceline
        for name in ("href", XLINK_HREF):
            url = element.get(name)
            if url and site.leaves(url, page) and (tag != "a" or url not in site.allowed_links):
                found.append(Reference(rel, line, f"svg <{tag} {name.rpartition('}')[2]}>", url))
        if element.get("style"):
            found += _check_css(element.get("style"), rel, line, page, site, f"svg <{tag} style>")
        if tag == "style" and element.text:
            found += _check_css(element.text, rel, line, page, site, "svg <style>")
    return found


def _xml_elements(data: bytes) -> list:
    """Parse an XML file (no network, no entities) and return its elements in document order."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return [e for e in etree.fromstring(data, parser).iter() if isinstance(e.tag, str)]


def _check_feed(data: bytes, rel: str, site: _Site) -> list[Reference]:
    """Check a feed or sitemap: absolute URLs must stay on base_url's host."""
    found = []
    for element in _xml_elements(data):
        tag, line = element.tag.rpartition("}")[2], element.sourceline
        for name, value in element.attrib.items():
            found += [Reference(rel, line, f"<{tag} {name}>", url) for url in _ABSOLUTE.findall(value)
                      if site.foreign_host(url)]
        text = element.text or ""
        if "<" in text:  # full-content HTML: pictures are fetched, writers' links allowed
            found += _check_html(text, rel, site.base_url, site, line - 1)
        else:
            found += [Reference(rel, line, f"<{tag}>", url) for url in _ABSOLUTE.findall(text)
                      if site.foreign_host(url) and url not in site.allowed_links]
    return found


def content_links(site) -> set[str]:
    """The external links writers put in the content of a model.Site (they may leave the site)."""
    keys = [d.body for d in site.documents + site.pages]
    keys += [b.description for b in site.branches] + [e.summary for e in site.events]
    keys += [p.summary for p in site.phases] + [site.intro]
    html = [site.html(key) for key in keys]
    return {a.get("href") for fragment in html for a in scan(fragment) if a.tag in LINK_TAGS and a.get("href")
            and urlsplit(a.get("href")).netloc}
