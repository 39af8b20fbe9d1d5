"""Script URLs a writer wrote (javascript:, vbscript:, data:text/html), found where they are written.

The build's sanitiser already makes them harmless (they never reach a page or a
feed); `cxsite check` reports them, with their lines, so the writer learns that
the link does nothing and removes it. Entities and the characters browsers skip
(tabs, newlines, control characters) are undone before the scheme is judged, as
a browser would. Works on (path, text) pairs; it reads no file itself.
"""

from __future__ import annotations

import html
import re

from cxsite.problem import Problem, error

SCRIPT_URL = "script-url"
_SCHEMES = ("javascript:", "vbscript:", "livescript:",
            "data:text/html", "data:image/svg+xml", "data:application/")
# Where a URL is written: a Markdown link or image target, an autolink, a reference definition,
# an HTML attribute that takes a URL (quoted or not).
_PLACES = (
    re.compile(r"\]\(\s*<?([^)\s>]+)"),
    re.compile(r"<([a-zA-Z][\w+.-]*:[^\s>]*)>"),
    re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M),
    re.compile(r"""(?:href|src|action|formaction|xlink:href|data|poster|background|lowsrc|dynsrc)\s*=\s*"""
               r"""("[^"]*"|'[^']*'|[^\s>]+)""", re.I),
)
_IGNORED = re.compile(r"[\x00-\x20\x7f]+")


def find_script_urls(path: str, text: str) -> list[Problem]:
    """Every script URL written in a source text, at its line and column."""
    problems = []
    for place in _PLACES:
        for match in place.finditer(text):
            written = match.group(1).strip("\"'")
            url = _IGNORED.sub("", html.unescape(html.unescape(written))).lower()
            if url.startswith(_SCHEMES):
                start = match.start(1)
                line = text.count("\n", 0, start) + 1
                column = start - text.rfind("\n", 0, start)
                message = f"链接“{_short(written)}”是一段脚本，不是网址，网页上不会生效"
                hint = "删掉它，或改成站内路径、http(s) 网址"
                problems.append(error(path, line, message, hint, column, SCRIPT_URL))
    return problems


def _short(text: str) -> str:
    """A written URL short enough for a message."""
    text = " ".join(text.split())
    return text if len(text) <= 50 else text[:50] + "…"
