"""Finding live script in a built site: pages, feeds and calendars read with real parsers.

Pages and every HTML carried by a feed are parsed with html5lib, which
follows the HTML5 parsing algorithm browsers use, so markup that only looks
harmless as text (a broken attribute, a stray `</title>`) is judged as a
browser would build it. What counts as live:

- a `<script>` the theme itself does not ship (JSON data blocks are inert);
- any `on…` attribute;
- a URL attribute whose scheme, after entity decoding and the stripping a
  browser does (leading control characters and spaces, tabs and newlines
  anywhere), is javascript:, vbscript:, livescript:, mocha: or data: (the
  theme's own data: URLs excepted; today's theme has none);
- an iframe, frame, object, embed, applet, base, bgsound or isindex, a
  `<meta http-equiv>` refresh, cookie or link, or a form the theme does not have;
- CSS (a style attribute or element) with expression(), a script URL,
  behavior or -moz-binding;
- SVG animation that sets an event handler or animates a link to a script URL.

Nothing here knows cxsite's internals: what the theme ships is learnt from a
build of a clean site (`Allowed.learn`).
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import html5lib

URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "data",
        "poster",
        "background",
        "cite",
        "longdesc",
        "lowsrc",
        "dynsrc",
        "codebase",
        "archive",
        "classid",
        "ping",
        "manifest",
        "icon",
        "profile",
        "usemap",
        "srcset",
        "imagesrcset",
        "datasrc",
        "code",
        "xml:base",
        "srcdoc",
        "url",
    }
)
SCRIPT_SCHEMES = frozenset({"javascript", "vbscript", "livescript", "mocha", "data"})
FORBIDDEN_ELEMENTS = frozenset(
    {
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "base",
        "bgsound",
        "isindex",
        "portal",
        "xml",
    }
)
RISKY_HTTP_EQUIV = frozenset({"refresh", "set-cookie", "link", "content-type"})
JSON_TYPES = frozenset({"application/json", "application/ld+json", "importmap"})
ANIMATIONS = frozenset({"animate", "set", "animatemotion", "animatetransform"})
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)", re.S)
_CSS_RISKS = ("expression(", "javascript:", "vbscript:", "behavior:", "-moz-binding")
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))


@dataclass(frozen=True)
class Finding:
    """Something live in an output file."""

    file: str
    what: str

    def __str__(self) -> str:
        return f"{self.file}: {self.what}"


@dataclass
class Allowed:
    """What the theme itself puts in pages: its scripts, forms, style elements and meta tags."""

    script_sources: set[str] = field(default_factory=set)
    inline_scripts: set[str] = field(default_factory=set)  # sha256 of inline script texts
    form_actions: set[str] = field(default_factory=set)
    style_elements: set[str] = field(default_factory=set)  # sha256 of <style> texts
    http_equivs: set[str] = field(default_factory=set)
    data_urls: set[str] = field(default_factory=set)  # data: URLs the theme itself writes (a favicon, say)

    @classmethod
    def learn(cls, site: Path) -> Allowed:
        """Learn the theme's own scripts, forms and styles from a built site with clean content."""
        allowed = cls()
        for page in sorted(site.rglob("*.html")):
            for element in parse_page(page.read_bytes()).iter():
                name = local(element.tag)
                if name == "script":
                    if element.get("src"):
                        allowed.script_sources.add(_basename(element.get("src")))
                    else:
                        allowed.inline_scripts.add(_sha(element.text or ""))
                elif name == "form":
                    allowed.form_actions.add(_basename(element.get("action") or ""))
                elif name == "style":
                    allowed.style_elements.add(_sha(element.text or ""))
                elif name == "meta" and element.get("http-equiv"):
                    allowed.http_equivs.add(element.get("http-equiv").lower())
                allowed.data_urls.update(v for k, v in element.attrib.items()
                                         if local(k) in URL_ATTRIBUTES and url_scheme(v) == "data")
        return allowed


def _sha(text: str) -> str:
    """A text's digest."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _basename(url: str) -> str:
    """The last path segment of a URL: a theme file is `../js/a.js` on one page, `js/a.js` on another."""
    return url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]


def local(name) -> str:
    """An element or attribute name without its namespace, lower-cased."""
    if not isinstance(name, str):
        return ""  # comments and processing instructions
    return name.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def url_scheme(value: str) -> str | None:
    """The scheme a browser would see in a URL attribute (entities are decoded by the parser already)."""
    value = value.strip(_C0_AND_SPACE)
    value = re.sub(r"[\t\n\r]", "", value)
    match = _SCHEME.match(value)
    return match.group(1).lower() if match else None


def css_risk(text: str) -> str | None:
    """The script-like construct in a piece of CSS, or None."""
    text = _CSS_COMMENT.sub("", text)
    text = _CSS_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2), text)
    text = re.sub(r"\s+", "", text).lower()
    return next((risk for risk in _CSS_RISKS if risk in text), None)


def parse_page(data: bytes | str):
    """Parse a whole page as a browser does."""
    return html5lib.parse(data, treebuilder="etree", namespaceHTMLElements=False)


def parse_fragment(text: str):
    """Parse an HTML fragment (a feed's content) as a browser does inside a <div>."""
    return html5lib.parseFragment(text, container="div", treebuilder="etree", namespaceHTMLElements=False)


def scan_tree(root, where: str, allowed: Allowed) -> list[Finding]:
    """Every live thing in a parsed tree."""
    found = []
    for element in root.iter():
        name = local(element.tag)
        if not name:
            continue
        found += [Finding(where, f"<{name}> has {what}") for what in _element_risks(element, name, allowed)]
    return found


def _element_risks(element, name: str, allowed: Allowed) -> list[str]:
    """What makes one element live."""
    risks = []
    attributes = {local(k): (k, v) for k, v in element.attrib.items()}
    if name == "script":
        source = element.get("src")
        known = (
            _basename(source) in allowed.script_sources
            if source
            else _sha(element.text or "") in allowed.inline_scripts
        )
        if not known and (element.get("type") or "").strip().lower() not in JSON_TYPES:
            risks.append(f"a script the theme does not ship: {_short(source or element.text)}")
    if name in FORBIDDEN_ELEMENTS:
        risks.append("a forbidden element")
    if name == "form" and _basename(element.get("action") or "") not in allowed.form_actions:
        risks.append(f"a form the theme does not have (action={element.get('action')!r})")
    if name == "meta":
        equiv = (element.get("http-equiv") or "").lower()
        if equiv in RISKY_HTTP_EQUIV and equiv not in allowed.http_equivs:
            risks.append(f"http-equiv={equiv!r} content={element.get('content')!r}")
    if (
        name == "style"
        and _sha(element.text or "") not in allowed.style_elements
        and css_risk(element.text or "")
    ):
        risks.append(f"CSS with {css_risk(element.text or '')}: {_short(element.text)}")
    for attribute, (raw_name, value) in attributes.items():
        risks += _attribute_risks(name, attribute, raw_name, value or "", attributes, allowed)
    return risks


def _attribute_risks(element: str, attribute: str, raw_name, value: str, attributes: dict,
                     allowed: Allowed) -> list[str]:
    """What makes one attribute live."""
    if attribute.startswith("on"):
        return [f"event handler {raw_name}={_short(value)!r}"]
    if attribute == "style" and css_risk(value):
        return [f"style with {css_risk(value)}: {_short(value)!r}"]
    if attribute in URL_ATTRIBUTES:
        urls = [part.strip().split(" ")[0] for part in value.split(",")] if "srcset" in attribute else [value]
        bad = [url for url in urls if url_scheme(url) in SCRIPT_SCHEMES and url not in allowed.data_urls]
        if bad:
            return [f"{raw_name} with a script URL: {_short(bad[0])!r}"]
    refresh = (attributes.get("http-equiv", ("", ""))[1] or "").lower() == "refresh"
    if element == "meta" and refresh and attribute == "content" and re.search(r"url\s*=", value, re.I):
        target = re.split(r"url\s*=", value, flags=re.I)[-1].strip(" '\"")
        if url_scheme(target) in SCRIPT_SCHEMES:
            return [f"meta content pointing to a script URL: {_short(value)!r}"]
    if element in ANIMATIONS and attribute in ("values", "to", "from", "by"):
        animated = (attributes.get("attributename", ("", ""))[1] or "").lower()
        if animated.startswith("on"):
            return [f"SVG animation setting the handler {animated}"]
        if animated.endswith("href") and any(url_scheme(v) in SCRIPT_SCHEMES for v in value.split(";")):
            return [f"SVG animation of {animated} to a script URL: {_short(value)!r}"]
    return []


def _short(text) -> str:
    """A snippet for a message."""
    text = str(text or "")
    return text if len(text) <= 80 else text[:80] + "…"


# ---------------------------------------------------------------- whole outputs


def scan_page(path: Path, where: str, allowed: Allowed) -> list[Finding]:
    """Every live thing in one HTML page."""
    return scan_tree(parse_page(path.read_bytes()), where, allowed)


# Elements of feeds whose text readers render as HTML; Atom's only when its type says so.
_RSS_HTML = {"description", "encoded"}
_ATOM_HTML = {"content", "summary", "subtitle", "rights"}
_FEED_URLS = {"link", "guid", "comments", "docs", "url", "icon", "logo", "id"}


def scan_feed(path: Path, where: str, allowed: Allowed) -> list[Finding]:
    """Every live thing a feed reader could render from an RSS or Atom feed."""
    try:
        root = ET.fromstring(path.read_bytes())
    except ET.ParseError as exc:
        return [Finding(where, f"not well-formed XML ({exc}): a reader may show it as broken or as HTML")]
    found = []
    atom = root.tag.endswith("}feed")
    for element in root.iter():
        name = local(element.tag)
        for attribute, value in element.attrib.items():
            if local(attribute) in URL_ATTRIBUTES and url_scheme(value) in SCRIPT_SCHEMES:
                found.append(Finding(where, f"<{name} {local(attribute)}={_short(value)!r}>"))
        if name in _FEED_URLS and not len(element) and url_scheme(element.text or "") in SCRIPT_SCHEMES:
            found.append(Finding(where, f"<{name}> holds a script URL {_short(element.text)!r}"))
        kind = (element.get("type") or "text").lower()
        if atom and name in _ATOM_HTML and kind == "xhtml":
            found += scan_tree(element, f"{where} <{name} type=xhtml>", allowed)
        elif (not atom and name in _RSS_HTML) or (atom and name in _ATOM_HTML and "html" in kind):
            found += scan_tree(parse_fragment(element.text or ""), f"{where} <{name}>", allowed)
    return found


def scan_calendar(path: Path, where: str, allowed: Allowed) -> list[Finding]:
    """Every live thing in an iCalendar file: script URLs, and HTML descriptions (X-ALT-DESC)."""
    import icalendar

    try:
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
    except ValueError as exc:
        return [Finding(where, f"not a valid calendar ({exc})")]
    found = []
    for component in calendar.walk():
        for name, value in component.property_items(recursive=False):
            text = _ical_text(value)
            if name in ("URL", "ATTACH", "TZURL", "SOURCE") and url_scheme(text) in SCRIPT_SCHEMES:
                found.append(Finding(where, f"{component.name} {name} is a script URL {_short(text)!r}"))
            altrep = getattr(value, "params", {}).get("ALTREP") if hasattr(value, "params") else None
            if altrep and url_scheme(altrep) in SCRIPT_SCHEMES:
                found.append(Finding(where, f"{component.name} {name} ALTREP is a script URL"))
            if name == "X-ALT-DESC":
                found += scan_tree(parse_fragment(str(value)), f"{where} X-ALT-DESC", allowed)
    return found


def _ical_text(value) -> str:
    """A calendar property's value as text."""
    raw = value.to_ical() if hasattr(value, "to_ical") else value
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def scan_site(site: Path, allowed: Allowed) -> list[Finding]:
    """Every live thing in every page, feed and calendar of a built site."""
    found = []
    for path in sorted(site.rglob("*")):
        where = path.relative_to(site).as_posix()
        if path.suffix in (".html", ".htm"):
            found += scan_page(path, where, allowed)
        elif path.suffix in (".xml", ".rss", ".atom") and _is_feed(path):
            found += scan_feed(path, where, allowed)
        elif path.suffix == ".ics":
            found += scan_calendar(path, where, allowed)
    return found


def _is_feed(path: Path) -> bool:
    """Whether an XML file is an RSS or Atom feed (not the sitemap or a stylesheet)."""
    head = path.read_bytes()[:4000]
    return b"<rss" in head or b"<feed" in head


def output_text(site: Path) -> str:
    """All text of a built site, for finding the markers the tests wrote into each field."""
    return "\n".join(
        path.read_text("utf-8", "replace")
        for path in sorted(site.rglob("*"))
        if path.is_file() and path.suffix in (".html", ".xml", ".ics", ".json", ".txt")
    )
