"""Reading built HTML in tests with the standard library's parser: elements, links, text."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    """One element of a page: its tag, attributes, text and the classes of its ancestors."""

    tag: str
    attrs: dict
    line: int
    ancestors: tuple[str, ...]  # "tag.class1.class2" of every enclosing element, outermost first
    text: str = ""

    def get(self, name: str, default=None):
        """Return an attribute's value."""
        return self.attrs.get(name, default)


@dataclass
class _Scanner(HTMLParser):
    """Collects every element with its text content (text of nested elements included)."""

    elements: list[Element] = field(default_factory=list)
    open: list[Element] = field(default_factory=list)

    def __post_init__(self):
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs}, self.getpos()[0],
                          tuple(f"{e.tag}.{'.'.join(e.get('class', '').split())}" for e in self.open))
        self.elements.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.open and self.open[-1].tag == tag:
            self.open.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i].tag == tag:
                del self.open[i:]
                break

    def handle_data(self, data):
        for element in self.open:
            element.text += data


def scan(html: str) -> list[Element]:
    """Return every element of an HTML document in document order."""
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner.elements


def find_all(html: str, tag: str, class_: str | None = None) -> list[Element]:
    """Return the elements with a tag (and a class, when given)."""
    return [e for e in scan(html) if e.tag == tag
            and (class_ is None or class_ in e.get("class", "").split())]


def links(html: str, inside: str | None = None) -> list[tuple[str, str]]:
    """Return (href, text) of every <a>, optionally only those inside an element of class `inside`."""
    return [(a.get("href"), " ".join(a.text.split())) for a in find_all(html, "a")
            if inside is None or any(inside in anc.split(".")[1:] for anc in a.ancestors)]
