"""Markdown to HTML: links to other files become markers, raw HTML follows the site's policy.

Markdown is GitHub-flavoured CommonMark (tables, strikethrough, bare URLs as
links), made into HTML by cmark-gfm through the `cmarkgfm` package (the
library PyPI renders READMEs with). Why not a pure-Python parser: on the
campaign corpus cmark-gfm takes 0.09 ms a document against 1.0 ms for
markdown-it-py and 1.9 ms for Python-Markdown (tests/benchmark/README.md), and
Markdown was most of a cold build. cmarkgfm exposes no syntax tree, so what
cxsite adds (heading ids, link markers, the summary) is read off its HTML,
whose shape cmark-gfm fixes: one tag per element, attributes in double quotes.

The HTML made here depends only on the Markdown text, its file's path and the
raw-HTML policy, so it is cached by content and made in worker processes.
Links to other files are written as `cxsite:<key>` markers; `resolve_links`
turns them into relative (pages) or absolute (feeds) URLs once every URL is known.
"""

from __future__ import annotations

import ctypes
import hashlib
import html as htmllib
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import nh3
from cmarkgfm import cmark
from cmarkgfm._cmark import ffi, lib
from cmarkgfm.cmark import Options

MARKER = "cxsite:"
SUMMARY_LIMIT = 120
CHARS_PER_MINUTE = 400
RAW_HTML_POLICIES = ("sanitize", "strip", "allow")
_EXTENSIONS = ("table", "strikethrough", "autolink")
_SENTENCE_END = "。！？!?；…"
_LATIN_WORDS = re.compile(rb"[A-Za-z0-9]+")
_SCHEMES = ("javascript", "vbscript", "data", "file")
# A marker: cxsite:<key><US><the href as written>; the written href is kept for links to
# nothing (a browser-relative link in pasted HTML still works) and for its #fragment.
_SEPARATOR = "\x1f"
_MARKED = re.compile(r'(href|src)="cxsite:([^"\x1f]*)\x1f([^"]*)"')
_NOT_IN_ID = re.compile(r"[^\w\s-]")
_ID_SPACES = re.compile(r"[-\s]+")
_TAG = re.compile(r"<[^>]*>")
_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>")
_LINK_TAG = re.compile(r"<(a|img)\s[^>]*>")
_LINK_ATTRIBUTE = re.compile(r'\s(href|src)="([^"]*)"')
_VOID_SLASH = re.compile(r"<(img|br|hr|input)(\s[^>]*?)?\s*/>")
_BLOCKS = re.compile(r"<(/?)(p|ul|ol|blockquote|table)\b[^>]*>")


@dataclass(frozen=True)
class Link:
    """A link or image in Markdown that points inside the site."""

    key: str  # "content/pages/plan.md", "static/img/a.png" or a site URL "/bulletins/2/"
    written: str  # the href as the writer wrote it
    line: int  # line of the Markdown text where it is written


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


def markdown_key(text: str, source: str, raw_html: str) -> str:
    """Name the HTML of a Markdown text: the same text, file and policy give the same HTML."""
    data = f"{raw_html}\0{source}\0{text}".encode()
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


def _risky(text: str) -> bool:
    """Whether Markdown could carry something a reader must not run: raw HTML or a script URL."""
    if "<" in text:
        return True
    colon = text.find(":")
    while colon != -1:  # str.find is far faster than a case-insensitive regex over Chinese text
        if text[max(0, colon - 10):colon].lower().endswith(_SCHEMES):
            return True
        colon = text.find(":", colon + 1)
    return False


def plain_text(html: str) -> str:
    """The text of an HTML fragment, tags dropped and entities decoded."""
    return htmllib.unescape(_TAG.sub("", html))


class _Cmark:
    """cmark-gfm called without leaking: the syntax tree and the HTML buffer are freed.

    cmarkgfm's own markdown_to_html_with_extensions never frees the document
    node nor the HTML buffer (about 50 kB a document: 500 MB for 10,000
    bulletins, and a preview server that grows with every save) and exposes no
    function to free them. Its extension module exports cmark_node_free, and
    cmark's default allocator is the C library's, so both are freed through ctypes.
    """

    def __init__(self, options: int):
        self.options = options
        cmark.core_extensions_ensure_registered()
        self.extensions = [cmark.find_syntax_extension(name) for name in _EXTENSIONS]
        native = ctypes.CDLL(cmark._cmark.__file__)
        self.node_free = native.cmark_node_free
        self.node_free.argtypes = [ctypes.c_void_p]
        self.free = ctypes.CDLL(None).free
        self.free.argtypes = [ctypes.c_void_p]

    def to_html(self, text: str) -> str:
        """Render Markdown text to HTML."""
        parser = lib.cmark_parser_new(self.options)
        try:
            for extension in self.extensions:
                lib.cmark_parser_attach_syntax_extension(parser, extension)
            data = text.encode("utf-8")
            lib.cmark_parser_feed(parser, data, len(data))
            root = lib.cmark_parser_finish(parser)
            try:
                extensions = lib.cmark_parser_get_syntax_extensions(parser)
                raw = lib.cmark_render_html(root, self.options, extensions)
                try:
                    return ffi.string(raw).decode("utf-8")
                finally:
                    self.free(int(ffi.cast("uintptr_t", raw)))
            finally:
                self.node_free(int(ffi.cast("uintptr_t", root)))
        finally:
            lib.cmark_parser_free(parser)


_FOOTNOTES_OPEN = '<section class="footnotes" data-footnotes>'


def _untitled_footnotes(html: str) -> str:
    """Wrap cmark-gfm's footnotes in a div: a section without a heading is poor HTML."""
    start = html.find(_FOOTNOTES_OPEN)
    if start < 0:
        return html
    # cmark-gfm writes the footnotes last, so their section closes at the last </section>.
    end = html.rindex("</section>")
    return (html[:start] + '<div class="footnotes">' + html[start + len(_FOOTNOTES_OPEN):end]
            + "</div>" + html[end + len("</section>"):])


class Markup:
    """A configured Markdown converter; make one per process and reuse it."""

    def __init__(self, raw_html: str = "sanitize"):
        self.raw_html = raw_html
        self.cmark = _Cmark(Options.CMARK_OPT_TABLE_PREFER_STYLE_ATTRIBUTES | Options.CMARK_OPT_FOOTNOTES | (
            Options.CMARK_OPT_DEFAULT if raw_html == "strip" else Options.CMARK_OPT_UNSAFE))

    def convert(self, text: str, source: str, key: str | None = None) -> Rendered:
        """Convert Markdown written in the file `source` (site-relative path).

        Line numbers of links count from the text's first line: callers pad a
        document's body with the front matter's line count to get file lines.
        `key` is markdown_key(text, source, policy) when the caller has it already.
        """
        html = self.cmark.to_html(text)
        if self.raw_html == "sanitize" and _risky(text):
            html = sanitize(html)
        elif self.raw_html == "strip":
            html = html.replace("<!-- raw HTML omitted -->", "")
        html = _VOID_SLASH.sub(r"<\1\2>", html)
        html = _untitled_footnotes(html)
        html = _HEADING.sub(_heading_namer(), html)
        links: list[Link] = []
        html = _LINK_TAG.sub(lambda match: _mark_tag(match.group(0), source, text, links), html)
        return Rendered(key or markdown_key(text, source, self.raw_html), html,
                        cut_summary(_leading_text(html)), count_chars(text), tuple(links))


def _heading_namer():
    """Return a substitution that gives headings ids; a body `#` becomes h2, the title being the h1."""
    ids: dict[str, int] = {}

    def name(match: re.Match) -> str:
        level = max(int(match.group(1)), 2)
        inner = match.group(2)
        # Like Python-Markdown's slugify_unicode: punctuation dropped, spaces become dashes.
        anchor = _ID_SPACES.sub("-", _NOT_IN_ID.sub("", plain_text(inner)).strip().lower()) or "section"
        count = ids.get(anchor, 0)
        ids[anchor] = count + 1
        anchor = anchor if not count else f"{anchor}-{count}"
        return f'<h{level} id="{htmllib.escape(anchor)}">{inner}</h{level}>'

    return name


def _mark_tag(tag: str, source: str, text: str, links: list[Link]) -> str:
    """Turn an internal href or src of one tag into a marker, recording the link."""

    def mark(match: re.Match) -> str:
        value = htmllib.unescape(match.group(2))
        key = link_key(value, source)
        if key is None:
            return match.group(0)
        written = unquote(value)
        links.append(Link(key, written, text.count("\n", 0, max(text.find(written), 0)) + 1))
        return f' {match.group(1)}="{MARKER}{htmllib.escape(key)}{_SEPARATOR}{match.group(2)}"'

    return _LINK_ATTRIBUTE.sub(mark, tag)


def _leading_text(html: str, enough: int = SUMMARY_LIMIT * 2) -> str:
    """The text of the first paragraphs outside lists, quotes and tables, enough for a summary."""
    found, length, depth, start = [], 0, 0, None
    for match in _BLOCKS.finditer(html):
        closing, tag = match.group(1), match.group(2)
        if tag == "p":
            if not closing and depth == 0:
                start = match.end()
            elif closing and start is not None:
                found.append(plain_text(html[start:match.start()]).replace("\n", ""))
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
    this catches what link markers do not cover (raw HTML, #fragments).
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
    """Replace markers with URLs; `resolve(key)` returns the URL, or None to keep the href as written."""
    if MARKER not in html:
        return html

    def replace(match: re.Match) -> str:
        written = match.group(3)
        url = resolve(htmllib.unescape(match.group(2)))
        if url is None:
            return f'{match.group(1)}="{written}"'
        fragment = written.partition("#")[2]
        return f'{match.group(1)}="{url}{"#" + fragment if fragment else ""}"'

    return _MARKED.sub(replace, html)


def reading_minutes(chars: int) -> int:
    """Return the reading time in minutes for a count of characters (at least one)."""
    return max(1, -(-chars // CHARS_PER_MINUTE))
