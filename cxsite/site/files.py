"""The files of static/ that content shows or attaches: photos, covers, images in bodies, attachments.

Each use is located where it is written (path, line, column), so that a file
that cannot be shown is reported at the very list item that names it. Which of
them exist is checked with the other links (integrity.py); what they are made
into is the build's business (incremental/images.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from cxsite.site.model import Content

PHOTO, COVER, BODY, ATTACHMENT = "photo", "cover", "body", "attachment"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".tif", ".tiff")


@dataclass(frozen=True)
class FileUse:
    """One place the content names a file of static/."""

    url: str  # the file's site URL, "/img/photos/合影.jpg"
    role: str  # PHOTO, COVER, BODY or ATTACHMENT
    path: str  # the source that names it
    line: int | None
    column: int | None = None


def static_url(written: str) -> str | None:
    """The site URL a path written in front matter names (None for an outside address)."""
    if written.startswith(("http://", "https://", "//")):
        return None
    return "/" + written.lstrip("/")


def body_image_url(key: str) -> str | None:
    """The site URL of a body image's link key when it names an image file of static/, else None."""
    if not key.lower().endswith(IMAGE_SUFFIXES):
        return None
    if key.startswith("static/"):
        return key.removeprefix("static")
    return key if key.startswith("/") else None


def file_uses(content: Content) -> list[FileUse]:
    """Every use of a file of static/ by documents and events (drafts too), in file order."""
    return uses_of(content.documents, content.of("events"))


def uses_of(documents, events) -> list[FileUse]:
    """Every use of a file of static/ by these documents and events."""
    uses = []
    for doc in documents:
        if doc.cover:
            uses += _front_matter(doc, "cover", COVER, (doc.cover,))
        uses += _front_matter(doc, "attachments", ATTACHMENT, tuple(f.src for f in doc.attachments))
        for link in doc.links:
            url = body_image_url(link.key) if link.image else None
            if url is not None:
                uses.append(FileUse(url, BODY, doc.path, link.line, link.column))
    for event in events:
        uses += _front_matter(event, "photos", PHOTO, tuple(f.src for f in event.photos))
        uses += _front_matter(event, "attachments", ATTACHMENT, tuple(f.src for f in event.attachments))
    return uses


def _front_matter(item, key: str, role: str, values: tuple[str, ...]) -> list[FileUse]:
    """The uses of files a front-matter key (or a record's key) names, each at its list item."""
    uses = []
    for index, value in enumerate(values):
        url = static_url(value)
        if url is not None:
            line, column = position(item, key, None if key == "cover" else index)
            uses.append(FileUse(url, role, item.path, line, column))
    return uses


def position(item, key: str, index: int | None = None) -> tuple[int | None, int | None]:
    """Return (line, column) of a key's value, or of one of its list items, in a source file."""
    lines = item.lines
    if index is not None and (key, index) in lines:
        return lines[key, index]
    if (key,) in lines:
        return lines[(key,)]
    return lines.get(key, lines.get("_record")), None
