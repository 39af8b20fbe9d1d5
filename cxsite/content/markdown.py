"""Markdown to HTML: links to other files become markers, raw HTML follows the site's policy.

The engine (Python-Markdown by default, comrak when `markdown: {engine: fast}`)
comes from cxsite.content.engines, with heading ids, a table of contents and Chinese
line joining already done; everything here is the same for every engine:
the raw-HTML policy (always through nh3 unless the site allows raw HTML),
body headings starting at h2, link markers, the summary and the length.

The HTML made here depends only on the Markdown text, its file's path and the
Markdown settings (engine, its versions and configuration, raw-HTML policy),
so it is cached by content (markdown_key) and made in worker processes.
Links to other files are written as `cxsite:<key>` markers; `resolve_links`
turns them into relative (pages) or absolute (feeds) URLs once every URL is known.
"""

from __future__ import annotations

import hashlib
import html as htmllib
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from urllib.parse import quote, unquote, urlsplit

import nh3

from cxsite.content.engines import MarkdownSettings, TocEntry, make_engine, text_of
from cxsite.content.localpaths import find_local_paths, is_local_path
from cxsite.content.slug import slugify

MARKER = "cxsite:"
SUMMARY_LIMIT = 120
CHARS_PER_MINUTE = 400
_SENTENCE_END = "。！？!?；…"
_LATIN_WORDS = re.compile(rb"[A-Za-z0-9]+")
# A marker: cxsite:<key><US><the href as written>; the written href is kept for links to
# nothing (a browser-relative link in pasted HTML still works) and for its #fragment.
_SEPARATOR = "\x1f"
_MARKED = re.compile(r'(href|src)="cxsite:([^"\x1f]*)\x1f([^"]*)"')
_TAG = re.compile(r"<[^>]*>")
_HEADING = re.compile(r"<h([1-6])(\s[^>]*)?>(.*?)</h\1>", re.DOTALL)
_LINK_TAG = re.compile(r"<(a|img)\s[^>]*>")
_LINK_ATTRIBUTE = re.compile(r'\s(href|src)="([^"]*)"')
_VOID_SLASH = re.compile(r"<(img|br|hr|input)(\s[^>]*?)?\s*/>")
# Paragraphs inside these are not the document's opening text: lists, quotes, tables,
# admonitions and footnotes (<div>, <section>).
_BLOCKS = re.compile(r"<(/?)(p|ul|ol|blockquote|table|div|section)\b[^>]*>")


@dataclass(frozen=True)
class Link:
    """A link or image in Markdown that points inside the site, or to a file on the writer's computer."""

    key: str  # "content/pages/plan.md", "static/img/a.png" or a site URL "/bulletins/2/" ("" when local)
    written: str  # the href as the writer wrote it
    line: int  # line of the Markdown text where it is written
    image: bool = False  # an <img> (a missing image is an error; a missing page only a warning)
    local: bool = False  # a path on the writer's computer (C:\…, file://…): never in the site
    column: int | None = None


@dataclass(frozen=True)
class Rendered:
    """Markdown made into HTML, with what the site needs to know about it.

    `key` names the HTML by its input (see markdown_key); `html` may be empty
    when the HTML stayed in the build cache, to be fetched by key when a page needs it.
    """

    key: str
    html: str
    text_summary: str
    chars: int
    links: tuple[Link, ...]
    toc: tuple[TocEntry, ...] = ()  # the body's headings, levels as in the HTML (2-6)


def markdown_key(text: str, source: str, settings: MarkdownSettings) -> str:
    """Name the HTML of a Markdown text: the same text, file, engine and policy give the same HTML."""
    data = f"{settings.raw_html}\0{settings.fingerprint}\0{source}\0{text}".encode()
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def link_key(href: str, source: str) -> str | None:
    """Return the site key of an internal href written in `source`; None if external."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        return path
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), path))


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


def count_chars(text: str) -> int:
    """Count a text as Chinese word processors do (字数): each character beyond ASCII, each Latin word."""
    # Scanning only the ASCII part keeps this fast on long Chinese texts.
    ascii_part = text.encode("ascii", "ignore")
    return len(text) - len(ascii_part) + len(_LATIN_WORDS.findall(ascii_part))


def plain_text(html: str) -> str:
    """The text of an HTML fragment, tags dropped and entities decoded."""
    return htmllib.unescape(_TAG.sub("", html))


class Markup:
    """A configured Markdown converter; make one per process and reuse it."""

    def __init__(self, settings: MarkdownSettings | None = None, stored_slugs=None):
        self.settings = settings or MarkdownSettings()
        self.engine = make_engine(self.settings, stored_slugs)
        self.apply_policy = policy_of(self.settings.raw_html)

    def convert(self, text: str, source: str, key: str | None = None) -> Rendered:
        """Convert Markdown written in the file `source` (site-relative path).

        Line numbers of links count from the text's first line: callers pad a
        document's body with the front matter's line count to get file lines.
        `key` is markdown_key(text, source, settings) when the caller has it already.
        """
        html, toc = self.engine.convert(text)
        html = self.apply_policy(html)
        if html and not html.endswith("\n"):
            html += "\n"  # every engine's HTML ends its last line, as comrak's does
        # A body `#` becomes h2: the page title is the page's only h1 (other headings stay as they are).
        if "<h1" in html:
            html = _HEADING.sub(lambda m: "<h{0}{1}>{2}</h{0}>".format(
                max(int(m.group(1)), 2), m.group(2) or "", m.group(3)), html)
        links: list[Link] = []
        cursors: dict[str, int] = {}
        html = _LINK_TAG.sub(lambda match: _mark_tag(match.group(0), source, text, links, cursors), html)
        links += [Link("", p.written, p.line, p.image, True, p.column) for p in find_local_paths(text)]
        return Rendered(key or markdown_key(text, source, self.settings), html,
                        cut_summary(_leading_text(html)), count_chars(text), tuple(links),
                        tuple(entry if entry.level >= 2 else replace(entry, level=2) for entry in toc))


def apply_policy(html: str, raw_html: str) -> str:
    """Apply the raw-HTML policy to an engine's HTML: sanitize (default), escape (the engine showed
    raw HTML as text; what is left is Markdown's own, sanitised all the same), strip or allow."""
    return policy_of(raw_html)(html)


def policy_of(raw_html: str) -> Callable[[str], str]:
    """The raw-HTML policy as a function of an engine's HTML (see apply_policy); make it once and reuse it.

    nh3 sanitises with the same options either way, but a Cleaner made once spares each
    document the conversion of the options (about a third of the time of a clean).
    """
    if raw_html == "allow":
        return partial(_VOID_SLASH.sub, r"<\1\2>")
    return _cleaner(MARKDOWN_TAGS if raw_html == "strip" else _TAGS).clean


def anchor_of(fragment: str) -> str:
    """The id a #fragment names: a heading's text in Chinese (#安排) is its slug (an-pai)."""
    text = unquote(fragment)
    if text.isascii():
        return fragment
    return slugify(text) or quote(text)


def _mark_tag(tag: str, source: str, text: str, links: list[Link], cursors: dict[str, int]) -> str:
    """Turn an internal href or src of one tag into a marker, recording the link.

    Paths on the writer's computer are left alone: find_local_paths reports them where they are written.
    `cursors` holds where each written target was last found, so a target written twice has two lines.
    """
    image = tag.startswith("<img")

    def mark(match: re.Match) -> str:
        value = htmllib.unescape(match.group(2))
        if value.startswith("#"):  # a heading of this page, perhaps named by its Chinese text
            return f' {match.group(1)}="#{htmllib.escape(anchor_of(value[1:]))}"'
        key = link_key(value, source)
        if key is None or is_local_path(unquote(value)):
            return match.group(0)
        written = unquote(value)
        links.append(Link(key, written, _line_of(text, written, cursors), image))
        return f' {match.group(1)}="{MARKER}{htmllib.escape(key)}{_SEPARATOR}{match.group(2)}"'

    return _LINK_ATTRIBUTE.sub(mark, tag)


def _line_of(text: str, written: str, cursors: dict[str, int]) -> int:
    """The line of the next place `written` appears (links come in the order they are written)."""
    at = text.find(written, cursors.get(written, 0))
    if at < 0:
        at = max(text.find(written), 0)
    cursors[written] = at + len(written)
    return text.count("\n", 0, at) + 1


def _leading_text(html: str, enough: int = SUMMARY_LIMIT * 2) -> str:
    """The text of the first paragraphs outside lists, quotes, tables and boxes, enough for a summary."""
    found, length, depth, start = [], 0, 0, None
    for match in _BLOCKS.finditer(html):
        closing, tag = match.group(1), match.group(2)
        if tag == "p":
            if not closing and depth == 0:
                start = match.end()
            elif closing and start is not None:
                found.append(text_of(html[start:match.start()]).replace("\n", ""))
                length += len(found[-1])
                start = None
                if length >= enough:
                    break
        else:
            depth += -1 if closing else 1
    return "".join(found)


_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": {"id", "title", "class", "lang"},
    "th": {*nh3.ALLOWED_ATTRIBUTES["th"], "style"},
    "td": {*nh3.ALLOWED_ATTRIBUTES["td"], "style"},
    "input": {"type", "checked", "disabled"},  # task lists
}
# nh3's tags, plus what Markdown engines make that nh3 leaves out: comrak's footnotes
# section and the task lists' checkboxes (always made inert checkboxes, below).
_TAGS = {*nh3.ALLOWED_TAGS, "section", "input"}
# The tags Markdown itself makes; the `strip` policy keeps only these.
MARKDOWN_TAGS = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "img", "em", "strong", "del",
    "code", "pre", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "hr", "br", "sup",
    "div", "section", "input",
})
_INERT_INPUT = {"input": {"type": "checkbox", "disabled": "disabled"}}


def sanitize(html: str, tags=None) -> str:
    """Remove scripts, event handlers and unsafe URLs from HTML (nh3); `tags` narrows what stays.

    nh3 parses the HTML as a browser does, so a URL is checked after its
    entities are decoded (`&#106;avascript:` is javascript: and goes).
    """
    return _cleaner(tags or _TAGS).clean(html)


def _cleaner(tags) -> nh3.Cleaner:
    """The nh3 sanitiser of Markdown's HTML keeping `tags`: markers, inert checkboxes, text-align only."""
    return nh3.Cleaner(
        tags=set(tags),
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel", "cxsite"},
        filter_style_properties={"text-align"},
        link_rel=None,
        set_tag_attribute_values=_INERT_INPUT,
    )


def absolute_urls(html: str, base: str) -> str:
    """Sanitized HTML with every relative href and src resolved against the absolute URL base.

    Feeds are read away from the site, where a relative link would lead nowhere;
    this catches what link markers do not cover (raw HTML, #fragments).
    """
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        filter_style_properties={"text-align"},
        link_rel=None,
        set_tag_attribute_values=_INERT_INPUT,
        url_relative=("rewrite_with_base", base),
    )


def resolve_links(html: str, resolve) -> str:
    """Replace markers with URLs; `resolve(key)` returns the URL, or None to keep the href as written."""
    if MARKER not in html:
        return html

    def substitute(match: re.Match) -> str:
        written = match.group(3)
        url = resolve(htmllib.unescape(match.group(2)))
        if url is None:
            return f'{match.group(1)}="{written}"'
        fragment = written.partition("#")[2]
        return f'{match.group(1)}="{url}{"#" + anchor_of(fragment) if fragment else ""}"'

    return _MARKED.sub(substitute, html)


def reading_minutes(chars: int) -> int:
    """Return the reading time in minutes for a count of characters (at least one)."""
    return max(1, -(-chars // CHARS_PER_MINUTE))
