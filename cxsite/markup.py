"""Markdown to HTML: links to other files become markers, raw HTML follows the site's policy.

Markdown is CommonMark with tables and strikethrough, parsed by markdown-it-py.
Why not Python-Markdown: on the campaign corpus it costs 1.9 ms a document
against 1.0 ms for markdown-it-py (tests/benchmark/README.md), and Markdown is
most of a cold build; CommonMark also lets a list follow a paragraph without a
blank line and nest with two spaces, as writers type it.

The HTML made here depends only on the Markdown text, its file's path and the
raw-HTML policy, so it can be cached by content and made in worker processes.
Links to other files are written as `cxsite:<key>` markers; `resolve_links`
turns them into relative (pages) or absolute (feeds) URLs once every URL is known.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import nh3
from markdown_it import MarkdownIt

MARKER = "cxsite:"
SUMMARY_LIMIT = 120
CHARS_PER_MINUTE = 400
_SENTENCE_END = "。！？!?；…"
_HAN_RUNS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_LATIN_WORDS = re.compile(r"[A-Za-z0-9]+")
_MARKED = re.compile(r'(href|src)="cxsite:([^"#]*)(#[^"]*)?"')
_NOT_IN_ID = re.compile(r"[^\w\s-]")
_ID_SPACES = re.compile(r"[-\s]+")
_TEXT_TOKENS = ("text", "code_inline")


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


class Markup:
    """A configured Markdown converter; make one per process and reuse it."""

    def __init__(self, raw_html: str = "sanitize"):
        self.raw_html = raw_html
        options = {"html": raw_html != "escape", "xhtmlOut": False}
        self.md = MarkdownIt("commonmark", options).enable(["table", "strikethrough"])

    def convert(self, text: str, source: str) -> Rendered:
        """Convert Markdown written in the file `source` (site-relative path).

        Line numbers of links count from the text's first line: callers pad a
        document's body with the front matter's line count to get file lines.
        """
        tokens = self.md.parse(text)
        links, paragraphs, texts = [], [], []
        ids: dict[str, int] = {}
        for i, token in enumerate(tokens):
            if token.type == "heading_open":
                _name_heading(token, tokens[i + 1], ids)
            elif token.type == "heading_close" and token.tag == "h1":
                token.tag = "h2"
            elif token.type == "inline":
                plain = "".join(c.content for c in token.children if c.type in _TEXT_TOKENS)
                texts.append(plain)
                if token.level == 1 and tokens[i - 1].type == "paragraph_open":
                    paragraphs.append(plain)
                links += _mark_links(token, source)
            elif token.type in ("fence", "code_block"):
                texts.append(token.content)
        html = self.md.renderer.render(tokens, self.md.options, {})
        # markdown-it escapes text and refuses javascript:/vbscript:/data: links itself,
        # so only raw HTML (which needs a "<") can bring anything unsafe in.
        if self.raw_html == "sanitize" and "<" in text:
            html = sanitize(html)
        return Rendered(markdown_key(text, source, self.raw_html), html,
                        cut_summary("".join(paragraphs)), count_chars(" ".join(texts)), tuple(links))


def count_chars(text: str) -> int:
    """Count a text's length as readers feel it: each Chinese character and each Latin word."""
    return sum(map(len, _HAN_RUNS.findall(text))) + len(_LATIN_WORDS.findall(text))


def _name_heading(token, inline, ids: dict[str, int]) -> None:
    """Give a heading an id for #anchors; a body `#` becomes h2, the title being the h1."""
    if token.tag == "h1":
        token.tag = "h2"
    text = "".join(c.content for c in inline.children or () if c.type in _TEXT_TOKENS)
    # Like Python-Markdown's slugify_unicode: punctuation dropped, spaces become dashes.
    anchor = _ID_SPACES.sub("-", _NOT_IN_ID.sub("", text).strip().lower()) or "section"
    count = ids.get(anchor, 0)
    ids[anchor] = count + 1
    token.attrSet("id", anchor if not count else f"{anchor}-{count}")


def _mark_links(inline, source: str) -> list[Link]:
    """Turn an inline token's internal links and images into markers; return them."""
    found = []
    line = inline.map[0] + 1 if inline.map else 1
    for child in inline.children or ():
        attribute = "href" if child.type == "link_open" else "src" if child.type == "image" else None
        value = child.attrGet(attribute) if attribute else None
        if not value:
            continue
        key = link_key(value, source)
        if key is not None:
            fragment = urlsplit(value).fragment
            child.attrSet(attribute, MARKER + key + (f"#{fragment}" if fragment else ""))
            found.append(Link(key, unquote(value), line))
    return found


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
