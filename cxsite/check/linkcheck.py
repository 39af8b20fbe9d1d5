"""The link check of `cxsite check`: every internal link, anchor and image of the rendered site.

It reads the pages and feeds as the build made them, in memory, so it sees what a
reader's browser and feed reader will see: links made by layouts as well as by
Markdown, `#anchors`, images, stylesheets, and the absolute links inside feeds.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from cxsite.problem import Problem, error
from cxsite.site.urls import page_of

BROKEN_RENDERED_LINK = "broken-rendered-link"
_LINK_ATTRIBUTES = {"a": "href", "link": "href", "img": "src", "script": "src", "source": "src",
                    "iframe": "src", "audio": "src", "video": "src", "embed": "src", "track": "src"}
_SKIPPED_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "webcal:")
_ICS_URL = re.compile(r"^URL[^:\n]*:(\S+)", re.M)
_ATOM = "{http://www.w3.org/2005/Atom}"
_FRAGMENT = re.compile(r"#([^\s#()\[\]<>\"'`]+)")


class _Page(HTMLParser):
    """Collects the links and the ids of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        """Record ids, anchors' names and link targets."""
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"])
        attribute = _LINK_ATTRIBUTES.get(tag)
        if attribute and values.get(attribute):
            self.links.append(values[attribute])


def resolve(href: str, file: str, base_url: str) -> tuple[str, str] | None:
    """Return (target output path, fragment) of an internal href in a file; None if external.

    The target is "" when a relative link climbs above the site's root, which
    works on the server root but breaks under a sub-path such as /zt/cxcy/.
    """
    if href.startswith(_SKIPPED_SCHEMES):
        return None
    base_path = urlsplit(base_url).path or "/"
    if href.startswith(base_url):
        href = "/" + href[len(base_url):]
    elif href.startswith(base_path):
        href = "/" + href[len(base_path):]  # the 404 page links from the site's root path
    elif href.startswith("/") and not href.startswith("//"):
        return "", unquote(urlsplit(href).fragment)  # misses the sub-path the site is served under
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    fragment = unquote(parts.fragment)
    if not parts.path:
        return file, fragment
    base = [] if parts.path.startswith("/") else file.split("/")[:-1]
    segments = base[:]
    for segment in unquote(parts.path).split("/"):
        if segment == "..":
            if not segments:
                return "", fragment
            segments.pop()
        elif segment not in ("", "."):
            segments.append(segment)
    target = "/".join(segments)
    if parts.path.endswith("/") or not segments:
        target = (target + "/" if target else "") + "index.html"
    return target, fragment


def links_of(path: str, data: bytes, base_url: str) -> tuple[list[str], set[str]]:
    """Return the links written in an output file and, for HTML, its ids."""
    text = data.decode("utf-8", "replace")
    if path.endswith(".html"):
        page = _Page()
        page.feed(text)
        return page.links, page.ids
    if path.endswith(".xml"):
        return _feed_links(text, base_url), set()
    if path.endswith(".ics"):
        return _ICS_URL.findall(text.replace("\r\n ", "").replace("\n ", "")), set()
    return [], set()


def _feed_links(text: str, base_url: str) -> list[str]:
    """Return the links of a feed or sitemap, including those in its items' HTML content."""
    try:
        root = etree.fromstring(text)
    except etree.ParseError:
        return []
    links = []
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1]
        permalink = name != "guid" or element.get("isPermaLink", "true") == "true"
        if name in ("link", "loc", "guid") and (element.text or "").strip() and permalink:
            links.append(element.text.strip())
        if name == "link" and element.get("href"):
            links.append(element.get("href"))
        if name in ("description", "content", "summary", "encoded") and "<" in (element.text or ""):
            page = _Page()
            page.feed(element.text)
            links += page.links
    return [link for link in links if link.startswith(base_url)]


def check_links(outputs: dict[str, bytes], static: set[str], base_url: str, source_of,
                known_broken: set[tuple[str, str]], texts: dict[str, str],
                spell=None, unchecked: frozenset[str] = frozenset()) -> tuple[list[Problem], int]:
    """Check every internal link of the rendered site; return the problems and the link count.

    `source_of(output path)` names the file a writer edits to change that output;
    `known_broken` holds (source, site URL) pairs the build already reports from the
    Markdown, with lines; `texts` (path -> text of the site's files and layouts) is
    searched for where a broken link is written, so it can be reported with its line.
    `spell(fragment)` is the id a written #fragment became (Markdown turns #小标题
    into the heading's ASCII id), so a broken anchor is found as the writer wrote it.
    The links of the `unchecked` output paths are not checked (they repeat other pages' links);
    their anchors are still targets.
    """
    files = set(outputs) | static
    parsed = {path: links_of(path, data, base_url) for path, data in sorted(outputs.items())}
    # Pages first: a Markdown link the build reports is skipped there, and again in the feeds.
    order = sorted(parsed, key=lambda path: (not path.endswith(".html"), path))
    reported = {url for _, url in known_broken}
    broken: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    count = 0
    for path in (p for p in order if p not in unchecked):
        for written in parsed[path][0]:
            resolved = resolve(written, path, base_url)
            if resolved is None:
                continue
            count += 1
            target, fragment = resolved
            written = unquote(written)  # as the writer typed it, and as it is found in the source
            reason = _fault(target, fragment, files, parsed)
            if not reason:
                continue
            if path.endswith(".html") and ((source_of(path), page_of(target)) in known_broken
                                            or (source_of(path), written) in known_broken):
                reported.add(page_of(target))
                continue
            if not path.endswith(".html") and page_of(target) in reported:
                continue
            shown = written if not target else page_of(target) + (f"#{fragment}" if fragment else "")
            if (path, written) not in broken[shown, reason]:
                broken[shown, reason].append((path, written))
    problems = [_problem(shown, reason, found, source_of, texts, spell)
                for (shown, reason), found in sorted(broken.items())]
    return problems, count


def _fault(target: str, fragment: str, files: set[str], parsed: dict) -> str:
    """Return what is wrong with a link target ("" when nothing)."""
    if not target:
        return "outside"
    if target not in files:
        if target + "/index.html" in files:
            return ""  # a folder without its slash; servers redirect it
        return "missing"
    if fragment and target in parsed and target.endswith(".html") and fragment not in parsed[target][1]:
        return "anchor"
    return ""


def _locate(needles: list[str], candidates: list[str], texts: dict[str, str]) -> tuple[str, int, int] | None:
    """Return (path, line, column) of the first needle written in the first candidate file holding one."""
    for path in candidates:
        text = texts.get(path, "")
        for needle in needles:
            offset = text.find(needle)
            if offset >= 0:
                line = text.count("\n", 0, offset) + 1
                return path, line, offset - (text.rfind("\n", 0, offset) + 1) + 1
    return None


def _typed_fragment(fragment: str, candidates: list[str], texts: dict, spell) -> str | None:
    """The #fragment as the writer typed it, when it became `fragment` (#没有 -> #mei-you)."""
    if spell is None:
        return None
    for path in candidates:
        for typed in _FRAGMENT.findall(texts.get(path, "")):
            if typed != fragment and spell(typed) == fragment:
                return typed
    return None


def _what(path: str) -> str:
    """Name the kind of an output file for a message."""
    if path == "sitemap.xml":
        return "网站地图"
    return "订阅源" if path.endswith((".xml", ".ics")) else "页面"


def _problem(shown: str, reason: str, found: list[tuple[str, str]], source_of, texts: dict,
             spell=None) -> Problem:
    """Word one broken link, found on one or more pages, located where it is written."""
    pages = sorted({path for path, _ in found})
    sources = list(dict.fromkeys(source_of(path) for path in pages))
    layouts = [p for p in texts if p.startswith("layouts/")] + [
        p for p in texts if p.startswith("cxsite/theme/layouts/")]
    candidates = (sources if len(sources) == 1 else []) + layouts
    fragment = shown.partition("#")[2]
    typed = _typed_fragment(fragment, candidates, texts, spell) if reason == "anchor" else None
    needles = list(dict.fromkeys(([f"#{typed}"] if typed else []) + [w for _, w in found] + [shown]
                                 + ([f"#{fragment}"] if fragment else [])))
    path, line, column = _locate(needles, candidates, texts) or (sources[0], None, None)
    if len(pages) == 1:
        where, written = f"{_what(pages[0])} {page_of(pages[0])} ", found[0][1]
    else:
        where, written = f"{len(pages)} 个文件（如 {page_of(pages[0])}）", shown
    if typed:
        written = written.replace(f"#{fragment}", f"#{typed}")
        shown = shown.replace(f"#{fragment}", f"#{typed}")
    if reason == "outside":
        message = f"{where}里的链接“{written}”指向网站以外的路径"
        hint = "站内链接请用 url('/路径/') 生成；网站放在子路径（如 /zt/cxcy/）下时这种链接会失效"
    elif reason == "anchor":
        message = f"{where}里的链接“{written}”指向的页面上没有“#{shown.partition('#')[2]}”这个位置"
        hint = "检查 # 后面的名称是否与目标页面上小标题的 id 一致"
    else:
        message = f"{where}里的链接“{written}”指向不存在的 {shown}"
        hint = "检查这个链接的路径；站内链接请用 url('/路径/') 生成，图片放在 static/ 下"
    return error(path, line, message, hint, column, BROKEN_RENDERED_LINK)
