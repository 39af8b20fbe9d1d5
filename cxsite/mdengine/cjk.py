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
_INLINE_TAG = r"</?(?:a|abbr|b|code|del|em|i|ins|mark|q|s|small|span|strong|sub|sup|u)\b[^>]*>"
_SOFT_BREAK = re.compile(rf"((?:{_INLINE_TAG})*)[ \t]*\n[ \t]*((?:{_INLINE_TAG})*)")
# Text whose newlines mean something: code blocks, scripts and styles of raw HTML.
_VERBATIM = re.compile(r"(<(pre|script|style|textarea)\b.*?</\2\s*>)", re.DOTALL | re.IGNORECASE)


def joins(before: str, after: str) -> bool:
    """Whether a line break between these two characters should disappear."""
    return bool(_IS_CJK.match(before) and _IS_CJK.match(after)
                and (_IS_WIDE.match(before) or _IS_WIDE.match(after)))


def join_cjk_lines(html: str) -> str:
    """Drop the soft line breaks of HTML that fall between two CJK characters."""
    parts = _VERBATIM.split(html)
    # split() with two groups yields: text, verbatim block, its tag name, text, …
    for i in range(0, len(parts), 3):
        if "\n" in parts[i]:
            parts[i] = _join_text(parts[i])
    return "".join(part for i, part in enumerate(parts) if i % 3 != 2)


def _join_text(html: str) -> str:
    """Join the CJK soft breaks of HTML that has no verbatim block."""

    def replace(match: re.Match) -> str:
        start, end = match.start(), match.end()
        if start and end < len(html) and joins(html[start - 1], html[end]):
            return match.group(1) + match.group(2)
        return match.group(0)

    return _SOFT_BREAK.sub(replace, html)
