"""Strikethrough (`~~删除~~`) for Python-Markdown, matched the way Python-Markdown matches `**`.

pymdownx.tilde, the usual choice, applies CommonMark's punctuation rules to
`~~` when subscript is off, so `~~《旧方案》~~作废` stays literal, the very
flanking problem that CJK writers hit with `**` in CommonMark engines. Python-
Markdown's own strong pattern, `(\\*{2})(.+?)\\1`, has no such rule; this is the
same pattern for `~~` (a single `~`, as in `1~3月`, is left alone).
"""

from __future__ import annotations

from markdown.extensions import Extension
from markdown.inlinepatterns import SimpleTagInlineProcessor

STRIKE_RE = r"(~{2})(?!~)(.+?)(?<!~)~{2}"


class StrikethroughExtension(Extension):
    """`~~text~~` becomes <del>text</del>; `\\~` is a literal tilde."""

    def extendMarkdown(self, md):
        """Register the pattern just before emphasis, so `~~**粗**~~` nests."""
        md.registerExtension(self)
        if "~" not in md.ESCAPED_CHARS:
            md.ESCAPED_CHARS.append("~")
        md.inlinePatterns.register(SimpleTagInlineProcessor(STRIKE_RE, "del"), "strikethrough", 65)
