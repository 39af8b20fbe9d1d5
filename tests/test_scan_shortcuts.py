"""The quick tests before the content scans skip only texts the scans would find nothing in.

find_local_paths (content/localpaths.py) and the intranet doctor's reference scan
(content/outside.py) first search for what every one of their patterns needs, and
skip the text when it is absent. On any text, what they find must be what their
patterns find when run over the whole text, as they were before the shortcuts.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxsite.content import localpaths, outside

PROPERTY = settings(max_examples=1500, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

LOCAL_PIECES = [
    "![图](", "[附件](", "(", ")", "[", "]", "<", ">", " ", "\t", "\n", "C:\\", "c:/", "D:", "\\\\server\\",
    "\\", "file:///", "FILE:", "ſ:/", "[ref]: ", "]:", "src=", "SRC = ", "href='", 'href="', '"', "'",
    "```\n", "~~~\n", "a.png", "b.pdf", "照片", "=", ":", "https://x.cn/a.jpg", "/img/a.jpg",
]
OUTSIDE_PIECES = [
    "url(", "URL(", "uRl( '", "@import '", "@IMPORT \"", "@İmport '", "![图](", "![图][p]", "![p]", "[p]: ",
    "[p]:", "]:", "https://x.com/a.png", "//cdn.x.cn/y", "http://", "cover: ", "banner:", "photos:\n  - ",
    "- ", "covers: ", "\n", " ", "'", '"', "<img src=", "<script src=", ">", "中文", "(", ")", "[", "]",
    "@", "ſ",
]


def texts(pieces: list[str]):
    """Texts made of pieces that the patterns look for, and of what stands around them."""
    return st.lists(st.sampled_from(pieces), max_size=25).map("".join)


@PROPERTY
@given(texts(LOCAL_PIECES))
def test_local_paths_are_those_the_patterns_find_without_the_shortcut(text):
    found = localpaths.find_local_paths(text)
    always = re.compile("")  # a "maybe" that always says maybe: the patterns run on every text
    original, localpaths._MAYBE = localpaths._MAYBE, always
    try:
        assert found == localpaths.find_local_paths(text)
    finally:
        localpaths._MAYBE = original


def every_reference(path: str, text: str) -> set:
    """The doctor's patterns, each run over the whole text (the scan as it was without shortcuts)."""
    suffix = path.rsplit(".", 1)[-1]
    found = set(outside._tag_references(text)) if suffix in ("html", "md", "yaml") else set()
    if suffix in ("html", "css", "md"):
        found |= {(m.start(1), m.group(1), "css") for m in outside._CSS.finditer(text)}
    if suffix in ("md", "yaml"):
        found |= {(m.start(1), m.group(1), "image") for m in outside._MARKDOWN_IMAGE.finditer(text)}
        definitions = {m.group(1).lower(): (m.start(2), m.group(2))
                       for m in outside._REFERENCE.finditer(text)}
        for use in outside._REFERENCE_IMAGE.finditer(text):
            label = (use.group(2) or use.group(1)).lower()
            if label in definitions:
                found.add((*definitions[label], "image"))
        offset, in_images = 0, False
        for line in text.split("\n"):
            if key := outside._YAML_KEY.match(line):
                in_images = key.group(1) in ("cover", "banner", "photos")
            if (match := outside._YAML_IMAGE.match(line)) and in_images:
                found.add((offset + match.start(1), match.group(1), "image"))
            offset += len(line) + 1
    return found


@PROPERTY
@given(st.sampled_from(["content/a.md", "content/events/a.yaml", "layouts/a.html", "static/a.css"]),
       texts(OUTSIDE_PIECES))
def test_outside_references_are_those_the_patterns_find_in_the_whole_text(path, text):
    assert outside._references(path, text) == every_reference(path, text)


def test_the_shortcuts_still_let_through_what_the_patterns_find():
    # One of each kind the shortcuts must not hide (the properties above may draw few of them).
    assert [p.written for p in localpaths.find_local_paths("![a](C:\\a.png) <img src='file:///b.png'>")] == [
        "C:\\a.png", "file:///b.png"]
    text = ("a { background: URL('https://x.cn/a.png') }\n![x][p]\n\n[p]:https://x.cn/b.png\n"
            "cover: https://x.cn/c.png\n<style>@IMPORT 'https://x.cn/d.css'</style>\n")
    assert {url for _, url, _ in outside._references("content/a.md", text)} == {
        "https://x.cn/a.png", "https://x.cn/b.png", "https://x.cn/c.png", "https://x.cn/d.css"}
