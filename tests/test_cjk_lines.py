"""Joining Chinese lines (content/engines/cjk.py) against the rule written the plain way.

join_cjk_lines only looks around the line breaks a single pattern finds (those with
CJK text after them, over inline tags). The reference below looks around every
line break, as the rule says; on any HTML-like text the two must agree, byte for byte.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxsite.content.engines.cjk import join_cjk_lines, joins

PROPERTY = settings(max_examples=1500, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
_EVERY_BREAK = re.compile(r"[ \t]*\n[ \t]*")
# The reference's own copy of what cjk.py says about tags, so it shares no code with it.
_INLINE_TAGS = frozenset(["a", "abbr", "b", "code", "del", "em", "i", "ins", "mark", "q", "s", "small",
                          "span", "strong", "sub", "sup", "u"])
_TAG_NAME = re.compile(r"</?([a-zA-Z0-9]+)")
_VERBATIM = re.compile(r"(<(pre|script|style|textarea)\b.*?</\2\s*>)", re.DOTALL | re.IGNORECASE)
_VERBATIM_OPENINGS = ("<pre", "<script", "<style", "<textarea", "<PRE", "<SCRIPT", "<STYLE", "<TEXTAREA")


def reference_join(html: str) -> str:
    """The rule, plainly: at every line break, look back and forward over inline tags."""
    if not any(opening in html for opening in _VERBATIM_OPENINGS):
        return _reference_text(html)
    parts = _VERBATIM.split(html)
    for i in range(0, len(parts), 3):
        parts[i] = _reference_text(parts[i])
    return "".join(part for i, part in enumerate(parts) if i % 3 != 2)


def _reference_text(html: str) -> str:
    """Drop each break whose nearest text characters on both sides join."""
    pieces, last = [], 0
    for match in _EVERY_BREAK.finditer(html):
        before, after = _before(html, match.start()), _after(html, match.end())
        if before is not None and after is not None and joins(html[before], html[after]):
            pieces.append(html[last:match.start()])
            last = match.end()
    pieces.append(html[last:])
    return "".join(pieces)


def _before(html: str, index: int) -> int | None:
    """The last text character before index, over inline tags (None at a block tag)."""
    while index > 0 and html[index - 1] == ">":
        opening = html.rfind("<", 0, index - 1)
        name = _TAG_NAME.match(html, opening) if opening >= 0 else None
        if name is None or name.group(1).lower() not in _INLINE_TAGS:
            return None
        index = opening
    return index - 1 if index > 0 else None


def _after(html: str, index: int) -> int | None:
    """The first text character from index, over inline tags (None at a block tag)."""
    while index < len(html) and html[index] == "<":
        name = _TAG_NAME.match(html, index)
        if name is None or name.group(1).lower() not in _INLINE_TAGS:
            return None
        closing = html.find(">", index)
        if closing < 0:
            return None
        index = closing + 1
    return index if index < len(html) else None


# What engines and writers' raw HTML put around line breaks, and what might fool a shortcut.
PIECES = [
    "甲", "乙", "。", "，", "《", "》", "“", "”", "…", "—", "·", "ア", "한", "Ａ", "𠀀", "a", "Z", "1", "!",
    "\n", "\n\n", " ", "\t", "  \n  ", "\u00a0", "<", ">", "<p>", "</p>", "<li>", "</h2>", "<br>", "<br />",
    "<strong>", "</strong>", "<STRONG>", "<Em>", "</em>", "<a href=\"/x/\">", "</a>", "<a-b>", "<abbr>",
    "<span class='x'>", "</span>", "<b>x>", "<s", "<sup>", "<pre>", "</pre>", "<PRE>", "<pre class=\"c\">",
    "<script>", "</script>", "<style>", "</style >", "<textarea>", "</textarea>", "<code>", "</code>",
    "<strongest>", "<ſ>", "<K>", "<q>", "<i>", "</u>", "<!-- c -->", "&amp;",
]
html_like = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


@PROPERTY
@given(html_like)
def test_joining_agrees_with_looking_at_every_line_break(html):
    assert join_cjk_lines(html) == reference_join(html)


@PROPERTY
@given(st.text(alphabet="甲。a \n\t<>/strongemp", max_size=40))
def test_joining_agrees_on_any_text_of_tag_characters(html):
    assert join_cjk_lines(html) == reference_join(html)


@pytest.mark.parametrize(("html", "joined"), [
    ("<p>甲\n<strong>乙</strong></p>", "<p>甲<strong>乙</strong></p>"),
    ("<p><em>甲</em>\n<STRONG>乙</STRONG></p>", "<p><em>甲</em><STRONG>乙</STRONG></p>"),
    ("<p>甲 \t\n\t <a href=\"/x/\">乙</a></p>", "<p>甲<a href=\"/x/\">乙</a></p>"),
    ("<p>甲\n<strongest>乙</p>", "<p>甲\n<strongest>乙</p>"),  # not an inline tag
    ("<p>甲\n<a-b>乙</p>", "<p>甲<a-b>乙</p>"),  # a tag's name is its letters and digits: <a
    ("<p>甲</p>\n<p>乙</p>", "<p>甲</p>\n<p>乙</p>"),  # block tags keep their line
    ("<p>“Hello”\n“World”</p>", "<p>“Hello”\n“World”</p>"),  # no wide character on either side
])
def test_breaks_before_inline_tags(html, joined):
    assert join_cjk_lines(html) == joined == reference_join(html)
