"""Paths on a writer's own computer (C:\\…, D:/…, \\\\server\\…, file://…) where the site needs its own.

A picture dragged from Explorer into an editor is written as its place on that
PC's disk; no reader can open it, and the sanitiser drops such a src silently.
These find them in Markdown as written (engines and the sanitiser would change
or drop them first) and say where the file belongs instead.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote

LOCAL_PATH = "local-path"  # the problems' code
_START = r"(?:[A-Za-z]:[\\/]|\\|file:)"  # a drive, a backslash (\\server\share, \folder), file://
_PATH = re.compile(_START, re.I)
_INLINE = re.compile(r"(!?)\[[^\]\n]*\]\(\s*<?(" + _START + r"[^)>\n]*?)>?"
                     r"(?:\s+[\"'][^\"'\n]*[\"'])?\s*\)", re.I)
_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:\s*<?(" + _START + r"[^>\n]*?)>?\s*$", re.I | re.M)
_ATTRIBUTE = re.compile(r"\b(src|href)\s*=\s*(?:\"(" + _START + r"[^\"\n]*)\"|'(" + _START + r"[^'\n]*)')",
                        re.I)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# Each of those three finds a path just after `(`, `:` or `=` (a link's parenthesis, a definition's
# colon, an attribute's equals sign) and blanks, a `<` or a quote: one search for that, in C, tells
# the texts without a local path (nearly all) from those the three patterns must go through.
_MAYBE = re.compile(r"[(:=]\s*[<\"']?" + _START, re.I)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp")


@dataclass(frozen=True)
class LocalPath:
    """A local path written in a text: where, and whether it is an image's."""

    written: str
    line: int  # 1-based, counted in the text
    column: int
    image: bool


def is_local_path(value: str) -> bool:
    """Whether a link or file reference is a path on a writer's computer, not in the site."""
    return bool(_PATH.match(value.strip()))


def find_local_paths(text: str) -> list[LocalPath]:
    """Every local path in Markdown links, images, reference definitions and HTML src/href (not in code)."""
    if _MAYBE.search(text) is None:
        return []
    found = []
    for start, end in _outside_code(text):
        part = text[start:end]
        for match in _INLINE.finditer(part):
            found.append(_located(text, start + match.start(2), match.group(2), match.group(1) == "!"))
        for match in _DEFINITION.finditer(part):
            found.append(_located(text, start + match.start(1), match.group(1), None))
        for match in _ATTRIBUTE.finditer(part):
            group = 2 if match.group(2) is not None else 3
            found.append(_located(text, start + match.start(group), match.group(group),
                                  match.group(1).lower() == "src"))
    return sorted(found, key=lambda p: (p.line, p.column))


def _located(text: str, offset: int, written: str, image: bool | None) -> LocalPath:
    """A local path at an offset of the text (image None: judged by its suffix)."""
    written = written.strip()
    if image is None:
        image = written.lower().endswith(IMAGE_SUFFIXES)
    line = text.count("\n", 0, offset) + 1
    return LocalPath(written, line, offset - (text.rfind("\n", 0, offset) + 1) + 1, image)


def _outside_code(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of the text outside fenced code blocks, where paths are only shown."""
    spans, start, fence, offset = [], 0, None, 0
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if match and fence is None:
            spans.append((start, offset))
            fence = match.group(1)[0] * 3
        elif match and fence is not None and match.group(1).startswith(fence):
            fence, start = None, offset + len(line) + 1
        offset += len(line) + 1
    if fence is None:
        spans.append((start, len(text)))
    return spans


def local_path_problem(written: str, image: bool) -> tuple[str, str]:
    """The message and hint for a local path: what it is, and where to put the file instead."""
    what = "图片" if image else "文件"
    name = posixpath.basename(unquote(written).replace("\\", "/").rstrip("/"))
    name = name or ("照片.jpg" if image else "附件.pdf")
    folder = "img" if image else "files"
    place = ("本机文件的地址（file://）" if written.lower().startswith("file:")
             else "共享文件夹里的路径" if written.startswith("\\\\") else "您电脑上的路径")
    return (f"{what}“{written}”是{place}，读者的电脑上没有这个文件，网页上打不开",
            f"把{what}复制到网站的 static/{folder}/ 文件夹里，这里改写成 /{folder}/{name}")
