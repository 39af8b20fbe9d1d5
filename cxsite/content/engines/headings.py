"""Heading ids and the table of contents, read off any engine's HTML so every engine agrees.

An id is the ASCII slug of the heading's text (Chinese as pinyin, cxsite.content.slug's
rules, the same as page URLs): 一、总体要求 -> yi-zong-ti-yao-qiu. A second heading
with the same text gets -1, a third -2 (as Python-Markdown's toc and GitHub do,
with a dash so the id stays a slug). An id the writer gave (`## 标题 {#an-pai}`,
attr_list's syntax, or raw HTML `<h2 id=…>`) wins, and generated ids avoid every
id already in the document (footnotes', the writer's).
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass

from cxsite.content.slug import slugify

FALLBACK_ID = "section"  # a heading with nothing to spell (only punctuation or emoji)
_HEADING = re.compile(r"<h([1-6])(\s[^>]*)?>(.*?)</h\1\s*>", re.DOTALL | re.IGNORECASE)
_ID = re.compile(r"""\sid\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
# attr_list's `{#id}` (optionally `{: #id .class }`) left at the end of a heading by an
# engine that does not read it; the classes are dropped with it.
_WRITTEN_ID = re.compile(r"\s*\{:?\s*#([A-Za-z][\w\-.:]*)(?:\s+\.[\w-]+)*\s*\}\s*$")
# A footnote reference inside a heading is not part of its name, nor is toc's permalink (¶).
_NOT_NAME = re.compile(r"<sup\b(?:(?!</sup>).)*?footnote(?:(?!</sup>).)*</sup>"
                       r"|<a\b[^>]*\bheaderlink\b[^>]*>.*?</a>", re.DOTALL)


@dataclass(frozen=True)
class TocEntry:
    """One heading of a document, for a table of contents."""

    level: int  # 1-6, as the engine made it (see markup for the page's own shift)
    id: str
    title: str  # plain text


def text_of(inner_html: str) -> str:
    """The plain text of inline HTML (a heading, a paragraph), footnote references left out."""
    return htmllib.unescape(_TAG.sub("", _NOT_NAME.sub("", inner_html))).strip()


def unique_id(anchor: str, used: set[str]) -> str:
    """Return anchor, or anchor-1, anchor-2… whichever is not used yet; mark it used."""
    candidate, count = anchor, 0
    while candidate in used:
        count += 1
        candidate = f"{anchor}-{count}"
    used.add(candidate)
    return candidate


class SlugCache:
    """slugify with memory: pypinyin takes ~50 µs a heading, and headings recur across bulletins
    (一、基本情况, 二、主要做法). One per engine, bounded, so no state outlives the engine.

    `stored` (anything with get and item assignment, such as the build cache's table) answers
    for texts spelt in earlier processes: a build that converts one edited bulletin whose
    headings are known then never imports pypinyin (a quarter of a second, its dictionaries).
    """

    LIMIT = 4096

    def __init__(self, stored=None):
        self.known: dict[str, str] = {}
        self.stored = stored

    def __call__(self, text: str) -> str:
        """Return slugify(text)."""
        slug = self.known.get(text)
        if slug is None:
            if len(self.known) >= self.LIMIT:
                self.known.clear()
            slug = self.stored.get(text) if self.stored is not None else None
            if slug is None:
                slug = slugify(text)
                if self.stored is not None:
                    self.stored[text] = slug
            self.known[text] = slug
        return slug


def name_headings(html: str, slug=slugify) -> tuple[str, tuple[TocEntry, ...]]:
    """Give every heading of HTML an id; return the HTML and its table of contents."""
    if "<h" not in html and "<H" not in html:
        return html, ()
    # Substring tests first: most documents have no ids yet and no written {#id}.
    used = {next(value for value in match.groups() if value is not None)
            for match in _ID.finditer(html)} if "id" in html else set()
    if "{" in html:
        used.update(written.group(1) for match in _HEADING.finditer(html)
                    if (written := _WRITTEN_ID.search(match.group(3))))
    toc: list[TocEntry] = []

    def name(match: re.Match) -> str:
        level, attributes, inner = int(match.group(1)), match.group(2) or "", match.group(3)
        given = _ID.search(attributes)
        if given:
            anchor = next(value for value in given.groups() if value is not None)
        else:
            written = _WRITTEN_ID.search(inner) if "{" in inner else None
            if written:
                inner, anchor = inner[: written.start()], written.group(1)
            else:
                anchor = unique_id(slug(text_of(inner)) or FALLBACK_ID, used)
            attributes = f' id="{htmllib.escape(anchor)}"{attributes}'
        toc.append(TocEntry(level, htmllib.unescape(anchor), text_of(inner)))
        return f"<h{level}{attributes}>{inner}</h{level}>"

    return _HEADING.sub(name, html), tuple(toc)
