"""Pictures on pages: which images get web versions, body images given their size, the /_img/ files.

Photos and covers always get a thumbnail (≤ 480 px wide) and a large version
(longest side ≤ 1,600 px), upright and stripped of metadata; an image in a body
gets them only when it is wider than the content column, and otherwise keeps
its file and gains width/height. The versions are made before the Site exists
(incremental/images.py, in worker processes and through the build cache); the
output job family here publishes their bytes under /_img/.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable

from cxsite.content.markdown import MARKER
from cxsite.render.pages import Output, Page
from cxsite.render.registry import OutputJob
from cxsite.site import urls
from cxsite.site.files import BODY, uses_of
from cxsite.site.model import Picture, Site

KEY_LENGTH = 16  # hexadecimal digits of imaging.image_key, which starts every derived file's name
# The theme's widest content column (a bulletin's paper on a desktop screen), in CSS pixels.
COLUMN_WIDTH = 1000
# A body image's sizes for the browser's choice between its thumbnail and its large version.
BODY_SIZES = f"(max-width: {COLUMN_WIDTH + 120}px) 100vw, {COLUMN_WIDTH}px"
_TAG = re.compile(r"<a\b[^>]*>|</a>|<img\b[^>]*>")
_SRC = re.compile(r'\ssrc="' + MARKER + r'([^"\x1f]*)\x1f[^"]*"')
_SIZED = re.compile(r"\s(?:width|height)=")


def needs_versions(roles, width: int | None) -> bool:
    """Whether an original used in these roles gets a thumbnail and a large version."""
    return any(role != BODY for role in roles) or (width is not None and width > COLUMN_WIDTH)


def rewrite_images(html: str, picture_of: Callable[[str], Picture | None], link: Callable[[str], str]) -> str:
    """Give each body image of static/ its width and height; a wide one its web versions, linked.

    `html` still has link markers (content/markdown.py); `picture_of(key)` says how
    the image a marker names is shown, `link(url)` makes a site URL a link from
    where the HTML goes (relative on pages, absolute in feeds). A wide image shows
    its large version (its thumbnail on narrow screens) and links to the large
    version, never to the original, whose metadata may say where it was taken.
    """
    if "<img" not in html or MARKER not in html:
        return html
    inside_link = 0

    def tag(match: re.Match) -> str:
        nonlocal inside_link
        text = match.group(0)
        if text.startswith("</a"):
            inside_link = max(0, inside_link - 1)
            return text
        if text.startswith("<a"):
            inside_link += 1
            return text
        return _sized(text, picture_of, link, linked=inside_link > 0)

    return _TAG.sub(tag, html)


def _sized(tag: str, picture_of: Callable[[str], Picture | None], link: Callable[[str], str], *,
           linked: bool) -> str:
    """One <img> tag, given its size (and its web versions when it has them)."""
    source = _SRC.search(tag)
    picture = picture_of(htmllib.unescape(source.group(1))) if source else None
    if picture is None or picture.width is None or _SIZED.search(tag):
        return tag  # not an image of the site, an SVG without a size, or a size the writer chose
    if picture.large is None:
        return tag[:-1].rstrip("/ ") + f' width="{picture.width}" height="{picture.height}">'
    thumb, large = picture.thumbnail, picture.large
    big = htmllib.escape(link(large.url))
    srcset = (f' srcset="{htmllib.escape(link(thumb.url))} {thumb.width}w, {big} {large.width}w"'
              f' sizes="{BODY_SIZES}"' if thumb is not None and thumb.url != large.url else "")
    attributes = (f' src="{big}"{srcset} width="{large.width}" height="{large.height}"'
                  ' loading="lazy" decoding="async"')
    image = tag[:source.start()] + attributes + tag[source.end():]
    return image if linked else f'<a class="zoom" href="{big}" title="查看大图">{image}</a>'


def plan_images(site: Site, pages: list[Page]) -> list[OutputJob]:
    """One job per derived set shown by what is published: its thumbnail and large version, under /_img/.

    A draft's photos are made with the rest (so they are ready), but not published with it.
    """
    if not site.index.media.pictures:
        return []  # most sites of the benchmark: no need to walk every document's links
    shown = {use.url for use in uses_of(site.documents + site.pages, site.events)}
    jobs: dict[str, OutputJob] = {}
    for url in sorted(shown):
        picture = site.picture(url)
        if picture is None:
            continue
        renditions = [r for r in (picture.thumbnail, picture.large) if r is not None]
        if not renditions:
            continue
        names = tuple(sorted({r.url.removeprefix(urls.DERIVED_IMAGES) for r in renditions}))
        key = urls.DERIVED_IMAGES.lstrip("/") + names[0][:KEY_LENGTH]  # the set's image_key
        jobs.setdefault(key, OutputJob(key=key, inputs=names, make=lambda names=names: _files(site, names)))
    return [jobs[key] for key in sorted(jobs)]


def _files(site: Site, names: tuple[str, ...]) -> list[Output]:
    """The derived files of one set, as outputs."""
    return [Output(urls.DERIVED_IMAGES.lstrip("/") + name, site.derived_file(name)) for name in names]


def register(registration) -> None:
    """Register the derived images (thumbnails and large versions under /_img/)."""
    registration.add_outputs("images", plan_images)
