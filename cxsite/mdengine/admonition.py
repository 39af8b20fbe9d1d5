"""Admonitions (提示/注意 boxes) that Chinese writers can write in Chinese, in both engines.

Python-Markdown's admonition takes the word after `!!!` as the CSS class and,
without a quoted title, as the title. `!!! note "提示"` works as it is; `!!! 提示`
would give the class 提示, which no stylesheet knows. This keeps the syntax and
maps Chinese types to the classes themes style (note, warning), and gives the
English types a Chinese title when none is written.

comrak (the fast engine) has no such syntax, and a site switched to it should
not show `!!! 提示` as text: expand_admonitions rewrites the blocks into the same
HTML around their Markdown, which CommonMark then parses as usual.
"""

from __future__ import annotations

import html
import re

from markdown.extensions.admonition import AdmonitionExtension, AdmonitionProcessor

# Chinese type -> CSS class.
CLASSES = {
    "提示": "note", "说明": "note", "注": "note", "备注": "note",
    "注意": "warning", "警告": "warning", "重要": "warning",
}
# English type -> the title shown when the writer gives none.
TITLES = {"note": "提示", "tip": "提示", "info": "说明", "warning": "注意", "caution": "注意",
          "danger": "警告", "important": "重要"}


def class_and_title(kind: str, title: str | None) -> tuple[str, str | None]:
    """Return the CSS class and title of `!!! kind "title"` (title None: none written)."""
    words = kind.split()
    first = words[0].lower() if words else "note"
    css = " ".join([CLASSES.get(first, first), *words[1:]])
    if title is None:
        return css, first if first in CLASSES else TITLES.get(first, first.capitalize())
    return css, title or None  # `!!! note ""` asks for no title at all


class _Processor(AdmonitionProcessor):
    """Python-Markdown's admonition block, with Chinese types."""

    RE = re.compile(r'(?:^|\n)!!! ?([\w\-]+(?: +[\w\-]+)*)(?: +["“](.*?)["”])? *(?:\n|$)')

    def get_class_and_title(self, match: re.Match[str]) -> tuple[str, str | None]:
        """Map the type to a CSS class; a Chinese type is its own title."""
        return class_and_title(self.RE_SPACES.sub(" ", match.group(1)), match.group(2))


class ChineseAdmonitionExtension(AdmonitionExtension):
    """The `admonition` extension of the default engine."""

    def extendMarkdown(self, md):
        """Register the processor under the standard name, replacing the stock one."""
        md.registerExtension(self)
        md.parser.blockprocessors.register(_Processor(md.parser), "admonition", 105)


# `!!! type "title"` at the start of a line (Python-Markdown's syntax; “…” accepted too).
_OPENING = re.compile(r'^!!! ?([\w\-]+(?: +[\w\-]+)*)(?: +["“](.*?)["”])? *$')
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def expand_admonitions(text: str) -> str:
    """Rewrite admonition blocks as HTML around their (dedented) Markdown, for CommonMark engines."""
    if "!!!" not in text:
        return text
    lines, out, fence, i = text.split("\n"), [], "", 0
    while i < len(lines):
        line = lines[i]
        opening = None if fence else _OPENING.match(line)
        if opening is None:
            fence = next_fence(fence, line)
            out.append(line)
            i += 1
            continue
        body, i = _indented_block(lines, i + 1)
        css, title = class_and_title(re.sub(" +", " ", opening.group(1)), opening.group(2))
        out.append(f'<div class="admonition {html.escape(css)}">')
        if title:
            out.append(f'<p class="admonition-title">{html.escape(title)}</p>')
        # Blank lines around the Markdown end the HTML blocks, so it is parsed as Markdown.
        out += ["", expand_admonitions("\n".join(body)), "", "</div>"]
    return "\n".join(out)


def next_fence(fence: str, line: str) -> str:
    """Track fenced code blocks: return the open fence after this line ("" when none)."""
    found = _FENCE.match(line)
    if not found:
        return fence
    if not fence:
        return found.group(1)
    closes = found.group(1)[0] == fence[0] and len(found.group(1)) >= len(fence) and not line.strip(" `~")
    return "" if closes else fence


def _indented_block(lines: list[str], start: int) -> tuple[list[str], int]:
    """The lines indented by four spaces (or a tab) from start, dedented; and the index after them."""
    body, end = [], start
    while end < len(lines) and (not lines[end].strip() or lines[end].startswith(("    ", "\t"))):
        end += 1
    while end > start and not lines[end - 1].strip():  # trailing blank lines belong to what follows
        end -= 1
    for line in lines[start:end]:
        body.append(line[4:] if line.startswith("    ") else line[1:] if line.startswith("\t") else line)
    return body, end
