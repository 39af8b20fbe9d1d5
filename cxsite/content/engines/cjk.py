"""Chinese text in HTML made by any engine: no gap where a writer wrapped a line.

Writers wrap long paragraphs in their editors. Every Markdown engine keeps the
line break as a newline, and a browser draws a newline as a space, which is a
visible gap between two Chinese characters (Chinese has no spaces between
words). Like Hugo's CJK handling and markdown-it's cjk_breaks, a soft break
between two CJK characters is dropped; between Latin words it stays a space.
It is done on the HTML, after any engine, so every engine behaves the same;
hard breaks (<br>) and preformatted text are left alone.
"""

from __future__ import annotations

import re

# East Asian Wide and Fullwidth characters (unicodedata.east_asian_width W/F): Han, kana,
# Hangul, CJK and full-width punctuation such as 。，、《》（）【】「」：；！？.
_WIDE = (
    "\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6"
    "\U00020000-\U0003fffd"
)
# Punctuation of Chinese text that Unicode counts as ambiguous width (“”‘’…—·): CJK next to a
# wide character, but two of them alone may be Western typography, so they need a wide neighbour.
_AMBIGUOUS = "\u2018\u2019\u201c\u201d\u2026\u2014\u00b7"
_IS_WIDE = re.compile(f"[{_WIDE}]")
_IS_CJK = re.compile(f"[{_WIDE}{_AMBIGUOUS}]")
# Inline tags may stand between the characters: <strong>粗体</strong>\n学习.
_INLINE_TAGS = frozenset(["a", "abbr", "b", "code", "del", "em", "i", "ins", "mark", "q", "s", "small",
                          "span", "strong", "sub", "sup", "u"])
_TAG_NAME = re.compile(r"</?([a-zA-Z0-9]+)")
# A soft break that may join: one followed, over inline tags, by a CJK character. The text after
# a break decides as much as the text before it, and it can be matched by one pattern in C, so
# HTML whose line breaks all stand between block tags (nearly every document) is done in a single
# scan; only these few are looked at around. The tag is read as _text_after reads it: its name
# (all its ASCII letters and digits, in any case: `a`, not Unicode's case folding, so ſ is no s),
# then anything up to the first `>`.
_INLINE_TAG = rf"</?(?ai:{'|'.join(sorted(_INLINE_TAGS))})(?![a-zA-Z0-9])[^>]*>"
_JOINABLE_AFTER = rf"[ \t]*(?=(?:{_INLINE_TAG})*[{_WIDE}{_AMBIGUOUS}])"
_SOFT_BREAK = re.compile(rf"[ \t]*\n{_JOINABLE_AFTER}")
# The same test begun at the newline: a pattern that starts with a literal is searched for as
# fast as str.find, where `[ \t]*` first would be tried at every character.
_ANY_SOFT_BREAK = re.compile(rf"\n{_JOINABLE_AFTER}")
# Text whose newlines mean something: code blocks, scripts and styles of raw HTML.
_VERBATIM = re.compile(r"(<(pre|script|style|textarea)\b.*?</\2\s*>)", re.DOTALL | re.IGNORECASE)
_VERBATIM_OPENINGS = ("<pre", "<script", "<style", "<textarea", "<PRE", "<SCRIPT", "<STYLE", "<TEXTAREA")


def joins(before: str, after: str) -> bool:
    """Whether a line break between these two characters should disappear."""
    return bool(_IS_CJK.match(before) and _IS_CJK.match(after)
                and (_IS_WIDE.match(before) or _IS_WIDE.match(after)))


def join_cjk_lines(html: str) -> str:
    """Drop the soft line breaks of HTML that fall between two CJK characters."""
    # A break that joins in a part of the HTML is found in the whole, so none there is none at all.
    if _ANY_SOFT_BREAK.search(html) is None:
        return html
    if not any(opening in html for opening in _VERBATIM_OPENINGS):
        return _join_text(html)
    parts = _VERBATIM.split(html)
    # split() with two groups yields: text, verbatim block, its tag name, text, …
    for i in range(0, len(parts), 3):
        parts[i] = _join_text(parts[i])
    return "".join(part for i, part in enumerate(parts) if i % 3 != 2)


def _join_text(html: str) -> str:
    """Join the CJK soft breaks of HTML that has no verbatim block."""
    pieces, last = [], 0
    # Only the breaks with CJK text after them (see _SOFT_BREAK) are looked around.
    for match in _SOFT_BREAK.finditer(html):
        before, after = _text_before(html, match.start()), _text_after(html, match.end())
        if before is not None and after is not None and joins(html[before], html[after]):
            pieces.append(html[last:match.start()])  # tags on either side stay; the break goes
            last = match.end()
    if not pieces:
        return html
    pieces.append(html[last:])
    return "".join(pieces)


def _text_before(html: str, index: int) -> int | None:
    """The position of the last character of text before index, over inline tags; None if a block tag."""
    while index > 0 and html[index - 1] == ">":
        opening = html.rfind("<", 0, index - 1)
        name = _TAG_NAME.match(html, opening) if opening >= 0 else None
        if name is None or name.group(1).lower() not in _INLINE_TAGS:
            return None
        index = opening
    return index - 1 if index > 0 else None


def _text_after(html: str, index: int) -> int | None:
    """The position of the first character of text from index, over inline tags; None if a block tag."""
    while index < len(html) and html[index] == "<":
        name = _TAG_NAME.match(html, index)
        if name is None or name.group(1).lower() not in _INLINE_TAGS:
            return None
        closing = html.find(">", index)
        if closing < 0:
            return None
        index = closing + 1
    return index if index < len(html) else None
