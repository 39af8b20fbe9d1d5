"""Admonitions (提示/注意 boxes) that Chinese writers can write in Chinese.

Python-Markdown's admonition takes the word after `!!!` as the CSS class and,
without a quoted title, as the title. `!!! note "提示"` works as it is; `!!! 提示`
would give the class 提示, which no stylesheet knows. This keeps the syntax and
maps Chinese types to the classes themes style (note, warning), and gives the
English types a Chinese title when none is written.
"""

from __future__ import annotations

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
