"""The size of an SVG image, from its root element's width/height or viewBox.

Standard library only: an SVG is not resized, but a page still gives it
width/height so that nothing moves while it loads.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

# A BOM, an XML declaration, comments and a doctype (Illustrator's has entities) may come first.
_SVG_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?"
                        rb"(?:<!--.*?-->\s*|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>\s*)*<svg[\s>]", re.DOTALL)
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(px|pt|pc|mm|cm|in)?\s*$")
_PX_PER_UNIT = {None: 1.0, "px": 1.0, "pt": 96 / 72, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0}


def looks_like_svg(data: bytes) -> bool:
    """Whether a file starts like an SVG document (its root element is <svg>)."""
    return bool(_SVG_START.match(data[:4096]))


def svg_size(data: bytes) -> tuple[int | None, int | None] | None:
    """Return an SVG's size from width/height or its viewBox; (None, None) if it states none.

    Returns None if the file is not a well-formed SVG.
    """
    attributes = _svg_root_attributes(data)
    if attributes is None:
        return None
    width, height = _svg_length(attributes.get("width")), _svg_length(attributes.get("height"))
    ratio = _viewbox_ratio(attributes.get("viewBox"))
    if width is None and height is None and ratio:
        view = [float(v) for v in re.split(r"[\s,]+", attributes["viewBox"].strip())]
        width, height = view[2], view[3]
    elif ratio and width is None:
        width = height * ratio
    elif ratio and height is None:
        height = width / ratio
    if width is None or height is None:
        return (None, None)
    return (max(1, round(width)), max(1, round(height)))


def _svg_root_attributes(data: bytes) -> dict[str, str] | None:
    """Return the attributes of the root <svg> element, reading no further than it."""
    parser = ElementTree.XMLPullParser(events=("start",))
    try:
        for offset in range(0, len(data), 65536):
            parser.feed(data[offset:offset + 65536])
            for _event, element in parser.read_events():
                return dict(element.attrib) if element.tag.rsplit("}", 1)[-1] == "svg" else None
    except ElementTree.ParseError:
        return None
    return None


def _svg_length(value: str | None) -> float | None:
    """Return an SVG length in CSS pixels; None for none, percentages and font-relative units."""
    match = _LENGTH.match(value or "")
    return float(match[1]) * _PX_PER_UNIT[match[2]] if match else None


def _viewbox_ratio(value: str | None) -> float | None:
    """Return the width/height ratio of a viewBox, or None if it is absent or degenerate."""
    try:
        parts = [float(v) for v in re.split(r"[\s,]+", (value or "").strip())]
    except ValueError:
        return None
    if len(parts) != 4 or parts[2] <= 0 or parts[3] <= 0:
        return None
    return parts[2] / parts[3]
