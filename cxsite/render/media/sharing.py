"""Template helpers for what pages show besides text: pictures, attachments, the QR code of the page.

Registered as template globals (registry.py). Each reads the Site the way a
template does (through the environment), so an incremental build records what
a page took: the picture of an image, the size of an attachment.

- `picture(src)`: how an image named by a key such as `photos:` (`/img/photos/合影.jpg`)
  is shown: a `site.model.Picture` (thumbnail and large version), or None.
- `attachment(ref)`: an `AttachmentLink` for a `FileRef` of `attachments:`.
- `qr_code()`: the page's absolute address as an inline SVG QR code (手机扫码阅读).
- `share_picture()`: the picture that stands for the page (a cover, an event's first photo).
- `absolute_file(url)`: a file's absolute, percent-encoded address (og:image).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from cxsite.content.schema import FileRef
from cxsite.render.media.attachments import describe_file, download_link
from cxsite.render.media.qrcode import qr_svg
from cxsite.render.templates import relative_link
from cxsite.site.files import body_image_url, static_url
from cxsite.site.model import Picture

# What an address may keep as it is in a QR code; everything else (a Chinese base_url path) is encoded.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"


@dataclass(frozen=True)
class AttachmentLink:
    """An attachment as a page lists it."""

    title: str  # what the writer called it, else its file name without the suffix (FileRef.title)
    href: str  # relative to the page, percent-encoded
    download: str  # the file's own name, which the reader's browser saves it under
    label: str  # PDF, Word, Excel…
    mime: str
    size_text: str  # "356 KB"; empty when the size is unknown


def _site(context, name: str):
    """Read an attribute of the Site as a template does (recorded in incremental builds)."""
    return context.environment.getattr(context["site"], name)


@jinja2.pass_context
def picture(context, src: str) -> Picture | None:
    """How an image written in front matter is shown (None: an outside address or not an image)."""
    url = static_url(src)
    return _site(context, "picture")(url) if url else None


@jinja2.pass_context
def attachment(context, ref: FileRef) -> AttachmentLink:
    """An attachment's title, link, type and size, for the page being rendered."""
    url = static_url(ref.src) or ref.src
    name = PurePosixPath(url).name
    size = _site(context, "file_size")(url)
    info = describe_file(name, size or 0)
    link = download_link(relative_link(context, url), name)
    return AttachmentLink(title=ref.title, href=link.href,
                          download=link.download, label=info.label, mime=info.mime,
                          size_text=info.size_text if size is not None else "")


@jinja2.pass_context
def share_picture(context) -> Picture | None:
    """The picture that stands for the page when it is shared: its cover, or its event's first photo."""
    page = context["page"]
    doc, record = page.doc, page.record
    if doc is not None and doc.cover:
        return picture(context, doc.cover)
    photos = getattr(record, "photos", ()) if record is not None else ()
    return picture(context, photos[0].src) if photos else None


@jinja2.pass_context
def qr_code(context, size: int = 128) -> Markup:
    """The page's absolute address as an inline SVG QR code, titled 手机扫码阅读."""
    address = context["site"].config.absolute(context["page"].url)
    return Markup(qr_svg(quote(address, safe=_URL_SAFE), size=size))


def absolute_file_url(site, url: str) -> str:
    """The absolute, percent-encoded address of a file of the site (feeds, OpenGraph)."""
    return quote(site.config.absolute(url), safe=_URL_SAFE)


@jinja2.pass_context
def absolute_file(context, url: str) -> str:
    """A file's absolute, percent-encoded address (og:image)."""
    return absolute_file_url(context["site"], url)


def media_of(site, doc) -> tuple:
    """What a document shows of static/ besides its text: its cover's and body images' pictures,
    its attachments' sizes (feeds made from it depend on these too)."""
    pictures = [site.picture(url) for url in _body_images(site, doc)]
    cover = static_url(doc.cover) if doc.cover else None
    sizes = tuple(site.file_size(url) for url in map(static_url, (f.src for f in doc.attachments)) if url)
    return (site.picture(cover) if cover else None, tuple(pictures), sizes)


def _body_images(site, doc) -> list[str]:
    """The site URLs of the images of static/ a document's body shows."""
    return [url for url in (body_image_url(link.key) for link in doc.links if link.image) if url is not None]


def register(registration) -> None:
    """Register the template helpers for pictures, attachments and sharing."""
    for name, function in (("picture", picture), ("attachment", attachment), ("share_picture", share_picture),
                           ("qr_code", qr_code), ("absolute_file", absolute_file)):
        registration.add_global(name, function)
