"""The fast engine (`markdown: {engine: fast}`): comrak, a CommonMark/GFM parser in Rust.

Chosen among the bindings on PyPI by tests/benchmark/markdown_engines.py --candidates:
1,000 bulletins of the shared corpus (2,334 characters each), median of 5 passes on the
2-core VM, Python 3.11; memory is RSS growth over 10,000 more conversions in a fresh process.

| binding | ms/doc | RSS growth | CJK emphasis | wheels (Windows, macOS, Linux) |
| --- | ---: | ---: | --- | --- |
| comrak-ext 0.2.8 (comrak) | 0.04 | 0 MiB | yes, cjk_friendly_emphasis | CPython 3.11-3.14 |
| pyromark 0.10.3 (pulldown-cmark) | 0.018 | 0 MiB | no | CPython 3.11-3.14 |
| markdown-it-pyrs 0.4.0 | — | — | no | none for 3.13 and later |
| cmarkgfm, public functions | 0.08 | +511 MiB | no | yes; leaks tree and buffer |
| mistune 3.4 (pure Python) | 1.3 | 0 MiB | no | any |
| markdown-it-py 4.3 (pure Python) | 1.15 | 0 MiB | no | any |
| Python-Markdown 3.11 (the default) | 2.5 | 0 MiB | not needed | any |

comrak is the only one that implements CJK-friendly emphasis (the proposed
CommonMark amendment: `学习**《实施方案》**的要求` is bold), so no hand-made
fix of the flanking rules is needed; cxsite calls only the binding's public
functions (no foreign-function calls of its own, no private module). With
cxsite's shared steps (cjk.py, headings.py) the engine
takes 0.07 ms a bulletin, and markup's whole conversion (nh3 included, now the
largest part) 0.25 ms, against 2.5 ms with the default engine.

What it does not do, done here: its `{#id}` on headings is parsed but not
rendered by this binding, so the attribute is left in the text for headings.py
to read, like every other heading id; table alignment is written as `style`
(HTML5) rather than the obsolete `align`; admonitions (`!!! 提示`) are rewritten
by admonition.expand_admonitions before parsing; a single `~` is escaped before
parsing (escape_single_tildes), since GFM also strikes through `~text~` and
Chinese writes ranges with it: 1~3月和4~6月.
"""

from __future__ import annotations

import re

import comrak

from cxsite.content.engines.admonition import expand_admonitions, next_fence
from cxsite.content.engines.cjk import join_cjk_lines
from cxsite.content.engines.headings import SlugCache, TocEntry, name_headings
from cxsite.content.engines.settings import MarkdownSettings

_ALIGN = re.compile(r'<(th|td) align="(left|center|right)"')
_SINGLE_TILDE = re.compile(r"(?<![~\\])~(?!~)")
# Where a backslash is not an escape: code spans, autolinks and tags, bare URLs.
_VERBATIM = re.compile(r"(`+).*?(?<!`)\1(?!`)|<[^>\n]*>|(?:https?://|www\.)[^\s<]*")
_HTML_BLOCK = re.compile(r" {0,3}<[A-Za-z/!?]")


class FastEngine:
    """comrak made into cxsite's engine interface."""

    name = "fast"

    def __init__(self, settings: MarkdownSettings, fingerprint: str, slug: SlugCache | None = None):
        self.fingerprint = fingerprint
        self.slug = slug or SlugCache()
        self.extension = comrak.ExtensionOptions(
            table=True, strikethrough=True, autolink=True, tasklist=True, footnotes=True,
            cjk_friendly_emphasis=True)
        # Raw HTML is rendered (markdown.py applies the site's raw-HTML policy with nh3, the same
        # for every engine), or shown as text when the site asks to escape it.
        escape = settings.raw_html == "escape"
        self.render = comrak.RenderOptions(unsafe_=not escape, escape=escape)

    def convert(self, text: str) -> tuple[str, tuple[TocEntry, ...]]:
        """Convert Markdown to HTML with heading ids; return it with its table of contents."""
        text = expand_admonitions(escape_single_tildes(text)) if "~" in text or "!!!" in text else text
        html = comrak.markdown_to_html(text, self.extension, None, self.render)
        if "align=" in html:
            html = _ALIGN.sub(r'<\1 style="text-align: \2"', html)
        return name_headings(join_cjk_lines(html), self.slug)


def escape_single_tildes(text: str) -> str:
    """Write each lone `~` of Markdown text as `\\~`, so that only `~~…~~` strikes through.

    Left alone where a backslash would show or change a URL: fenced code, code
    spans, HTML blocks and tags, autolinks and bare URLs. Indented code is not
    told apart (writers of this site use fences).
    """
    if "~" not in text:
        return text
    lines, fence, in_html = text.split("\n"), "", False
    for index, line in enumerate(lines):
        opened = next_fence(fence, line)
        in_html = (in_html or bool(_HTML_BLOCK.match(line))) and bool(line.strip())
        if not (fence or opened or in_html) and "~" in line:
            lines[index] = _escape_line(line)
        fence = opened
    return "\n".join(lines)


def _escape_line(line: str) -> str:
    """Escape the lone tildes of one line outside its code spans, tags and URLs."""
    parts, last = [], 0
    for match in _VERBATIM.finditer(line):
        parts += [_SINGLE_TILDE.sub(r"\\~", line[last:match.start()]), match.group(0)]
        last = match.end()
    parts.append(_SINGLE_TILDE.sub(r"\\~", line[last:]))
    return "".join(parts)
