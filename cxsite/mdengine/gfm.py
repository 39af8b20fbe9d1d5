"""GitHub-flavoured syntax Python-Markdown lacks: `~~strikethrough~~` and a backslash hard break.

Writers coming from the fast engine, GitHub or Typora expect both, and the
two engines should read the same text the same way.

Strikethrough is matched the way Python-Markdown matches `**`,
`(\\*{2})(.+?)\\1`, rather than with pymdownx.tilde: tilde applies CommonMark's
punctuation rules to `~~` when its subscript is off, so `~~《旧方案》~~作废`
would stay literal, the very flanking problem CJK writers hit with `**` in
CommonMark engines. A single `~`, as in `1~3月`, is left alone.
"""

from __future__ import annotations

from markdown.extensions import Extension
from markdown.inlinepatterns import SimpleTagInlineProcessor, SubstituteTagInlineProcessor

STRIKE_RE = r"(~{2})(?!~)(.+?)(?<!~)~{2}"
# A backslash at the end of a line (CommonMark's hard break). The newline goes with it: the
# serializer writes one after every <br>, as for Python-Markdown's own two-space break.
BACKSLASH_BREAK_RE = r"\\\n"


class StrikethroughExtension(Extension):
    """`~~text~~` becomes <del>text</del>; `\\~` is a literal tilde."""

    def extendMarkdown(self, md):
        """Register the pattern just before emphasis, so `~~**粗**~~` nests."""
        md.registerExtension(self)
        if "~" not in md.ESCAPED_CHARS:
            md.ESCAPED_CHARS.append("~")
        md.inlinePatterns.register(SimpleTagInlineProcessor(STRIKE_RE, "del"), "strikethrough", 65)


class BackslashBreakExtension(Extension):
    """A backslash ending a line is a line break (<br>), as in CommonMark."""

    def extendMarkdown(self, md):
        """Register the pattern before backslash escapes are read."""
        md.registerExtension(self)
        md.inlinePatterns.register(SubstituteTagInlineProcessor(BACKSLASH_BREAK_RE, "br"), "backslash_break",
                                   185)
