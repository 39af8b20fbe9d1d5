"""What the search index reads of a text: plain text of HTML, folded units, and their keys.

A text is cut at punctuation and spaces into runs of letters and digits ("units"),
folded (NFKC, then lower case: ＡＢＣ１２３ = abc123). Every position of a unit starts a
key: the next KEY_LENGTH characters, or fewer where the unit ends. A document holds a
term of one to KEY_LENGTH characters exactly when it has a key starting with the term,
so any substring is found, with no word segmenter to disagree with the writer.

The per-document part (`derive`: HTML -> text and units) is a pure function of a
Markdown text's HTML; the build makes it once per distinct text, where the Markdown is
converted, and keeps it (see registry.Derivation).
"""

from __future__ import annotations

import html as htmllib
import re
import unicodedata

KEY_LENGTH = 4
DERIVATION = "search-text-1"  # names derive()'s result in the build cache: change it with derive()

# The end of a block (and <br>, <hr>), as the Markdown engines and nh3 write them: where text
# must not run on. Only ends: a block's start follows another's end.
_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|t[dhr]|div|d[dlt]|pre|blockquote|caption|figcaption|section|"
                        r"article|header|footer|aside|nav|address|table|ul|ol|figure|main)>|<[bh]r\b[^>]*>")
_TAG = re.compile(r"<[^>]*>")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# Characters that are separators even after NFKC folding (punctuation, spaces): cutting at them
# first, then folding each distinct piece, gives the units folding the whole text would, much
# faster (Chinese text is full of full-width punctuation, which NFKC rewrites). Combining marks
# are left out on purpose: under NFKC they can join the letter before them.
_PIECE = re.compile(
    "[^\\s!-/:-@\\[-`{-~\u00a1-\u00a9\u00ab-\u00b1\u00b4\u00b6-\u00b8\u00bb\u00bf\u00d7\u00f7"
    "\u2010-\u2027\u2030-\u205e\u3000-\u3004\u3008-\u3020\u3030\u303d\u30fb"
    "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+")
# A unit: letters and digits of any script (search.js cuts queries with [\p{L}\p{N}]+, the same set).
_UNIT = re.compile(r"[^\W_]+")


def text_of_html(html: str) -> str:
    """The text of an HTML fragment: blocks on lines of their own, inline tags dropped.

    Gluing paragraphs, headings and cells together would make false substrings across
    them; cutting at inline tags (<strong> in the middle of a phrase) would lose true ones.
    """
    text = htmllib.unescape(_TAG.sub("", _BLOCK_END.sub("\n", html)))
    return _BLANK_LINES.sub("\n", text).strip()


def fold(text: str) -> str:
    """Fold a text as the index does: NFKC (full-width to half-width, ① to 1 …), then lower case."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.lower()


def units_of(text: str) -> list[str]:
    """The folded units of a text, in order, repeats kept (search.js cuts queries the same way)."""
    return _UNIT.findall(fold(text))


def distinct_units(text: str) -> list[str]:
    """The distinct folded units of a (long) text, in order of first appearance."""
    pieces = dict.fromkeys(_PIECE.findall(text))
    # Most texts' pieces are all letters and digits, folded already and without capitals: then
    # they are the units, checked at once in C (a line break never joins what is on either side
    # under NFKC, so the pieces are each normalized when their lines are).
    joined = "".join(pieces)
    if joined.isalnum() and joined.lower() == joined and unicodedata.is_normalized("NFKC", "\n".join(pieces)):
        return list(pieces)
    found: dict[str, None] = {}
    for piece in pieces:
        # Most pieces are letters and digits already folded but for the case: no NFKC pass.
        if piece.isalnum() and unicodedata.is_normalized("NFKC", piece):
            lowered = piece.lower()
            if lowered.isalnum():
                found[lowered] = None
                continue
        found.update(dict.fromkeys(units_of(piece)))
    return list(found)


def keys_of(unit: str) -> set[str]:
    """The keys of a unit: from every position, the next KEY_LENGTH characters or fewer at its end."""
    return {unit[i:i + KEY_LENGTH] for i in range(len(unit))}


def whole_of(title: str) -> str:
    """A title's units run together: the query that *is* the title (ranked first)."""
    return "".join(units_of(title))


def derive(html: str) -> tuple[str, str]:
    """What the index needs of one Markdown text's HTML: its text, and its distinct units one a line."""
    text = text_of_html(html)
    return text, "\n".join(distinct_units(text))
