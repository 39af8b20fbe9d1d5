"""The intranet doctor: every reference in a site's files that would make a browser go outside.

A build warns about them (content as it is read, layouts and static files as the
build starts); `cxsite check` reports them as errors.

The published site must work on an intranet with no internet access and must not
tell anyone outside who reads it, so scripts, stylesheets, fonts, images and frames
may only come from the site itself. Plain links (`<a href>`) are fine: a reader
follows them on purpose. Works on (path, text) pairs; it reads no file itself.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import urlsplit

from cxsite.problem import WARNING, Problem, error

OUTSIDE = "outside-reference"
# A scheme-relative //host/… only where no other scheme precedes it (file:///C:/… is a local path).
_URL = r"((?:https?:|wss?:)//[^\s\"'<>)`]+|(?<![\w:/])//[^\s\"'<>)`]+)"
_TAG = re.compile(r"<(script|img|iframe|frame|source|audio|video|embed|object|image|track|input|link|use)\b"
                  r"([^>]*)>", re.I | re.S)
_ATTRIBUTE = re.compile(r"""(?:^|\s)(src|href|xlink:href|data|poster|srcset)\s*=\s*"""
                        r"""("[^"]*"|'[^']*'|[^\s>]+)""", re.I)
_REL = re.compile(r"""\brel\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.I)
_FETCHED_RELS = ("stylesheet", "icon", "preload", "prefetch", "preconnect", "dns-prefetch", "modulepreload",
                 "manifest", "apple-touch-icon")
_CSS = re.compile(r"(?:url\(\s*['\"]?\s*|@import\s+['\"])" + _URL, re.I)
# What _CSS needs, each searched from a character written as is: such a search runs as fast as
# str.find, where _CSS itself is tried at every character of a Chinese text that has neither.
_CSS_URL = re.compile(r"\((?<=url\()", re.I)
_CSS_IMPORT = re.compile(r"@(?=import)", re.I)
_MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?" + _URL)
_REFERENCE = re.compile(r"^ {0,3}\[([^\]]+)\]:\s*<?" + _URL, re.M)
_REFERENCE_IMAGE = re.compile(r"!\[([^\]]*)\]\[([^\]]*)\]")
_SCRIPT_CALL = re.compile(r"""\b(?:fetch|import|importScripts|EventSource|WebSocket|sendBeacon|open)"""
                          r"""\s*\(\s*['"`]""" + _URL)
_YAML_IMAGE = re.compile(r"^\s*(?:-\s+)?(?:(?:cover|banner|photos)\s*:\s*(?:-\s+)?)?['\"]?"
                         + _URL + r"['\"]?\s*$")
_YAML_KEY = re.compile(r"^\s*(?:-\s+)?([\w-]+)\s*:(?:\s|$)")
_IMAGE_KEYS = ("cover", "banner", "photos")

_WHAT = {
    "script": ("脚本", "把脚本文件下载到 static/js/，改用站内路径"),
    "stylesheet": ("样式表", "把样式表下载到 static/css/，改用站内路径"),
    "css": ("样式里的字体或图片", "把字体、图片放到 static/ 下并改用站内路径；字体也可改用系统自带的字体"),
    "image": ("图片", "把图片下载到 static/img/，写成 /img/文件名"),
    "frame": ("内嵌网页", "内网用户打不开外网页面，改成普通链接或删除"),
    "media": ("音视频", "把文件放到 static/ 下并改用站内路径"),
    "request": ("脚本请求", "改为请求站内的文件"),
}


def examine(files: list[tuple[str, str]], own_hosts: set[str]) -> list[Problem]:
    """Report every outside reference in (path, text) pairs; hosts in own_hosts are the site's own.

    They are errors for `cxsite check`; a build reports them as warnings (see `warn_outside`).
    """
    problems = []
    for path, text in files:
        for offset, url, kind in sorted(_references(path, text)):
            host = urlsplit(url if "//" in url[:8] else "http:" + url).hostname or ""
            if host.lower() in own_hosts:
                continue
            line = text.count("\n", 0, offset) + 1
            column = offset - (text.rfind("\n", 0, offset) + 1) + 1
            what, hint = _WHAT[kind]
            problems.append(error(path, line, f"{what}来自外部网址 {url}，内网上打不开，还会向外网发出请求",
                                  hint, column, OUTSIDE))
    return problems


def _references(path: str, text: str) -> set[tuple[int, str, str]]:
    """Return (offset, url, kind) of every outside reference in one file's text."""
    suffix = path.rsplit(".", 1)[-1].lower()
    found: set[tuple[int, str, str]] = set()
    if suffix in ("html", "htm", "xml", "svg", "md", "yaml", "yml"):
        found |= _tag_references(text)
    if suffix in ("html", "htm", "svg", "css", "md") and (_CSS_URL.search(text) or _CSS_IMPORT.search(text)):
        found |= {(m.start(1), m.group(1), "css") for m in _CSS.finditer(text)}
    if suffix in ("md", "yaml", "yml"):
        found |= {(m.start(1), m.group(1), "image") for m in _MARKDOWN_IMAGE.finditer(text)}
        found |= _reference_images(text)
    if suffix in ("js", "html", "htm"):
        found |= {(m.start(1), m.group(1), "request") for m in _SCRIPT_CALL.finditer(text)}
    if suffix in ("md", "yaml", "yml"):
        found |= _yaml_images(text)
    return found


def _tag_references(text: str) -> set[tuple[int, str, str]]:
    """Find outside URLs in the attributes of tags that load what they name."""
    found = set()
    for tag in _TAG.finditer(text):
        name = tag.group(1).lower()
        if name == "link":
            rel = _REL.search(tag.group(2))
            words = rel.group(1).strip("'\"").lower().split() if rel else []
            if not any(word in _FETCHED_RELS for word in words):
                continue
        kind = {"script": "script", "link": "stylesheet", "iframe": "frame", "frame": "frame",
                "audio": "media", "video": "media", "track": "media"}.get(name, "image")
        for attribute in _ATTRIBUTE.finditer(tag.group(2)):
            value = attribute.group(2).strip("'\"")
            start = tag.start(2) + attribute.start(2) + (1 if attribute.group(2)[0] in "'\"" else 0)
            for url in re.findall(_URL, value):
                found.add((start + value.find(url), url, kind))
    return found


def _reference_images(text: str) -> set[tuple[int, str, str]]:
    """Find reference-style Markdown images (`![alt][ref]`) whose definition is an outside URL."""
    if "![" not in text or "]:" not in text:  # no image, or no definition: nothing to look up
        return set()
    definitions = {m.group(1).lower(): (m.start(2), m.group(2)) for m in _REFERENCE.finditer(text)}
    found = set()
    for use in _REFERENCE_IMAGE.finditer(text):
        label = (use.group(2) or use.group(1)).lower()
        if label in definitions:
            offset, url = definitions[label]
            found.add((offset, url, "image"))
    return found


def _yaml_images(text: str) -> set[tuple[int, str, str]]:
    """Find outside URLs given as cover, banner or photos in YAML."""
    found: set[tuple[int, str, str]] = set()
    if not any(key in text for key in _IMAGE_KEYS):  # only these keys' values are looked at
        return found
    offset, in_images = 0, False
    for line in text.split("\n"):
        key = _YAML_KEY.match(line)
        if key:
            in_images = key.group(1) in _IMAGE_KEYS
        match = _YAML_IMAGE.match(line)
        if match and in_images:
            found.add((offset + match.start(1), match.group(1), "image"))
        offset += len(line) + 1
    return found


def warn_outside(files: list[tuple[str, str]], base_url: str) -> list[Problem]:
    """The outside references of files as a build reports them: warnings (the site still builds)."""
    host = (urlsplit(base_url).hostname or "").lower()
    return [replace(p, severity=WARNING) for p in examine(files, {host} if host else set())]
