"""Markdown to HTML: links to other files become markers, raw HTML follows the site's policy.

The HTML made here depends only on the Markdown text, its file's path and the
raw-HTML policy, so it can be cached by content and made in worker processes.
Links to other files are written as `cxsite:<key>` markers; `resolve_links`
turns them into relative (pages) or absolute (feeds) URLs once every URL is known.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import markdown
import nh3
from markdown.extensions.toc import TocExtension, slugify_unicode
from markdown.treeprocessors import Treeprocessor

MARKER = "cxsite:"
SUMMARY_LIMIT = 120
CHARS_PER_MINUTE = 400
_SENTENCE_END = "。！？!?；…"
_WORDS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[A-Za-z0-9]+")
_STASH = re.compile("\x02[^\x03]*\x03")
_MARKED = re.compile(r'(href|src)="cxsite:([^"#]*)(#[^"]*)?"')


@dataclass(frozen=True)
class Link:
    """A link or image in Markdown that points inside the site."""

    key: str  # "content/pages/plan.md", "static/img/a.png" or a site URL "/bulletins/2/"
    written: str  # the href as the writer wrote it
    line: int  # line of the Markdown text where it is written


@dataclass(frozen=True)
class Rendered:
    """Markdown made into HTML, with what the site needs to know about it."""

    html: str
    text_summary: str
    chars: int
    links: tuple[Link, ...]


def link_key(href: str, source: str) -> str | None:
    """Return the site key of an internal href written in `source`; None if external."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        return path
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), path))


class _LinkMarker(Treeprocessor):
    """Turns internal links into markers and gathers the summary and character count."""

    def __init__(self, md, source_holder):
        super().__init__(md)
        self.holder = source_holder

    def _line_of(self, written: str) -> int:
        """Return the line where a link target is first written in the Markdown text."""
        text = self.holder["text"]
        return text.count("\n", 0, max(text.find(written), 0)) + 1

    def run(self, root: etree.Element) -> None:
        """Mark links, then read the text for summary and length."""
        links = []
        for element in root.iter():
            if element.tag == "h1":
                element.tag = "h2"  # the page's title is its only <h1>
            attribute = "href" if element.tag == "a" else "src" if element.tag == "img" else None
            value = element.get(attribute) if attribute else None
            if value is None:
                continue
            key = link_key(value, self.holder["source"])
            if key is not None:
                fragment = urlsplit(value).fragment
                element.set(attribute, MARKER + key + (f"#{fragment}" if fragment else ""))
                links.append(Link(key, value, self._line_of(value)))
        paragraphs = [_clean("".join(p.itertext())) for p in root if p.tag == "p"]
        self.holder["summary"] = cut_summary("".join(paragraphs))
        self.holder["chars"] = len(_WORDS.findall(_clean("".join(root.itertext()))))
        self.holder["links"] = tuple(links)


def _clean(text: str) -> str:
    """Drop raw-HTML placeholders and line breaks from extracted text."""
    return _STASH.sub("", text).replace("\n", "")


def cut_summary(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """Cut a text at a sentence end near `limit` characters."""
    text = text.strip()
    if len(text) <= limit:
        return text
    before = max(text.rfind(mark, 0, limit) for mark in _SENTENCE_END)
    if before >= limit // 3:
        return text[: before + 1]
    after = [i for i in (text.find(mark, limit) for mark in _SENTENCE_END) if 0 <= i < limit * 3 // 2]
    if after:
        return text[: min(after) + 1]
    return text[:limit] + "…"


class Markup:
    """A configured Markdown converter; make one per process and reuse it."""

    def __init__(self, raw_html: str = "sanitize"):
        self.raw_html = raw_html
        self.holder: dict = {"source": ""}
        self.md = markdown.Markdown(
            extensions=["tables", "fenced_code", "sane_lists",
                        TocExtension(slugify=slugify_unicode)],
            output_format="html",
        )
        self.md.treeprocessors.register(_LinkMarker(self.md, self.holder), "cxsite-links", 1)
        if raw_html == "escape":
            self.md.preprocessors.deregister("html_block")
            self.md.inlinePatterns.deregister("html")

    def convert(self, text: str, source: str) -> Rendered:
        """Convert Markdown written in the file `source` (site-relative path).

        Line numbers of links count from the text's first line: callers pad a
        document's body with the front matter's line count to get file lines.
        """
        self.holder.update(source=source, text=text, summary="", chars=0, links=())
        html = self.md.reset().convert(text)
        if self.raw_html != "allow":
            html = sanitize(html)
        return Rendered(html, self.holder["summary"], self.holder["chars"], self.holder["links"])


_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": {"id", "title", "class", "lang"},
    "th": {*nh3.ALLOWED_ATTRIBUTES["th"], "style"},
    "td": {*nh3.ALLOWED_ATTRIBUTES["td"], "style"},
}


def sanitize(html: str) -> str:
    """Remove scripts, event handlers and unsafe URLs from HTML (nh3)."""
    return nh3.clean(
        html,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel", "cxsite"},
        filter_style_properties={"text-align"},
        link_rel=None,
    )


def absolute_urls(html: str, base: str) -> str:
    """Sanitized HTML with every relative href and src resolved against the absolute URL base.

    Feeds are read away from the site, where a relative link would lead nowhere;
    this catches what link markers do not cover (raw HTML, #fragments, [TOC]).
    """
    return nh3.clean(
        html,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        filter_style_properties={"text-align"},
        link_rel=None,
        url_relative=("rewrite_with_base", base),
    )


def resolve_links(html: str, resolve) -> str:
    """Replace markers with URLs; `resolve(key)` returns the URL text or None (kept as #)."""
    if MARKER not in html:
        return html

    def replace(match: re.Match) -> str:
        url = resolve(match.group(2))
        if url is None:
            return f'{match.group(1)}="#"'
        return f'{match.group(1)}="{url}{match.group(3) or ""}"'

    return _MARKED.sub(replace, html)


def reading_minutes(chars: int) -> int:
    """Return the reading time in minutes for a count of characters (at least one)."""
    return max(1, -(-chars // CHARS_PER_MINUTE))
