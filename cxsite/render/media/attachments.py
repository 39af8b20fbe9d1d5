"""Attachments (附件): what kind of file a reader downloads, its size, and a link that keeps its name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import quote

# Written out rather than taken from `mimetypes`, which on Windows reads the registry: the same
# site would get other feed enclosure types on another PC. Labels are what these writers call them.
_KINDS = {
    ".pdf": ("PDF", "application/pdf"),
    ".ofd": ("OFD", "application/ofd"),  # 国标版式文档 (GB/T 33190), common in Chinese offices
    ".doc": ("Word", "application/msword"),
    ".docx": ("Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xls": ("Excel", "application/vnd.ms-excel"),
    ".xlsx": ("Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".ppt": ("PowerPoint", "application/vnd.ms-powerpoint"),
    ".pptx": ("PowerPoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    # WPS Office's own formats have no registered type; a generic one still downloads correctly.
    ".wps": ("WPS 文字", "application/octet-stream"),
    ".et": ("WPS 表格", "application/octet-stream"),
    ".dps": ("WPS 演示", "application/octet-stream"),
    ".odt": ("ODF 文字", "application/vnd.oasis.opendocument.text"),
    ".ods": ("ODF 表格", "application/vnd.oasis.opendocument.spreadsheet"),
    ".odp": ("ODF 演示", "application/vnd.oasis.opendocument.presentation"),
    ".rtf": ("RTF 文档", "application/rtf"),
    ".txt": ("文本", "text/plain"),
    ".md": ("文本", "text/markdown"),
    ".csv": ("CSV 表格", "text/csv"),
    ".zip": ("压缩包", "application/zip"),
    ".rar": ("压缩包", "application/vnd.rar"),
    ".7z": ("压缩包", "application/x-7z-compressed"),
    ".tar": ("压缩包", "application/x-tar"),
    ".gz": ("压缩包", "application/gzip"),
    ".tgz": ("压缩包", "application/gzip"),
    ".jpg": ("图片", "image/jpeg"),
    ".jpeg": ("图片", "image/jpeg"),
    ".png": ("图片", "image/png"),
    ".gif": ("图片", "image/gif"),
    ".webp": ("图片", "image/webp"),
    ".svg": ("图片", "image/svg+xml"),
    ".bmp": ("图片", "image/bmp"),
    ".tif": ("图片", "image/tiff"),
    ".tiff": ("图片", "image/tiff"),
    ".mp3": ("音频", "audio/mpeg"),
    ".m4a": ("音频", "audio/mp4"),
    ".wav": ("音频", "audio/wav"),
    ".mp4": ("视频", "video/mp4"),
    ".mov": ("视频", "video/quicktime"),
    ".wmv": ("视频", "video/x-ms-wmv"),
    ".avi": ("视频", "video/x-msvideo"),
    ".dwg": ("CAD 图纸", "image/vnd.dwg"),
    ".dxf": ("CAD 图纸", "image/vnd.dxf"),
    ".kmz": ("KMZ 地图", "application/vnd.google-earth.kmz"),
    ".kml": ("KML 地图", "application/vnd.google-earth.kml+xml"),
}
_UNITS = ("KB", "MB", "GB", "TB")
# Characters left as they are in an href: unreserved and harmless sub-delimiters. ':' is encoded
# so a first segment never reads as a scheme; '&' and "'" so the value needs no care in HTML.
_HREF_SAFE = "/-._~!$()*+,;=@"


@dataclass(frozen=True)
class FileInfo:
    """How an attachment is shown and announced: type label, MIME type, size for people."""

    label: str
    mime: str
    size_text: str


@dataclass(frozen=True)
class DownloadLink:
    """The attributes of an <a> that downloads a file under its own name."""

    href: str
    download: str


def describe_file(name: str, size: int) -> FileInfo:
    """Return the type label, MIME type and readable size of a file by its name and byte count."""
    label, mime = _kind(name)
    return FileInfo(label=label, mime=mime, size_text=human_size(size))


def _kind(name: str) -> tuple[str, str]:
    """Return the label and MIME type for a file name's suffix; an unknown one is labelled by itself."""
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    if suffix in _KINDS:
        return _KINDS[suffix]
    return (suffix[1:].upper() or "文件", "application/octet-stream")


def human_size(size: int) -> str:
    """Return a byte count as Windows Explorer's units show it (1024-based): 356 KB, 1.2 MB."""
    if size < 0:
        raise ValueError(f"a file size cannot be negative: {size}")
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in _UNITS:
        value /= 1024
        text = f"{value:.1f}" if value < 9.95 else f"{value:.0f}"
        # 1023.7 KB reads better as 1.0 MB: move on while the rounded figure reaches 1024.
        if float(text) < 1024 or unit == _UNITS[-1]:
            return f"{text.removesuffix('.0')} {unit}"
    raise AssertionError("unreachable")


def download_link(relative_url: str, name: str | None = None) -> DownloadLink:
    """Return href (percent-encoded) and download (the original name) for a link to a file.

    `relative_url` is the path from the page to the file with its characters as they are
    (`../../files/第1期简报.pdf`); `name` defaults to its last segment.
    """
    name = name if name is not None else relative_url.rstrip("/").rsplit("/", 1)[-1]
    return DownloadLink(href=quote(relative_url, safe=_HREF_SAFE), download=name)
