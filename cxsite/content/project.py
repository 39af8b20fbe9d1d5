"""A site's folders on disk: where sources live, which files are static, what changed since last time.

With the reader and the template loader, this is the only place that reads the project.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

from cxsite.content.syntax import decode_legacy, decode_source
from cxsite.problem import Problem, warning

CONTENT_DIR = "content"
STATIC_DIR = "static"
LAYOUTS_DIR = "layouts"
CONFIG_FILE = "site.yaml"
THEME_DIR = Path(__file__).resolve().parent.parent / "theme"
THEME_STATIC = THEME_DIR / "static"
TEXT_SUFFIXES = (".html", ".htm", ".xml", ".svg", ".css", ".js", ".md", ".yaml", ".yml", ".txt", ".json")
BACKUP_SUFFIXES = ("~", ".swp", ".tmp", ".bak")


@dataclass(frozen=True)
class StaticFile:
    """A file copied as it is: from the theme or the site's static/ folder."""

    url: str  # output path, e.g. css/site.css
    source: str  # absolute path on disk


def check_layout(content: Path, known: set[str]) -> list[Problem]:
    """Warn about files and folders in content/ that cxsite does not read (`known` names are read)."""
    problems = []
    for entry in sorted(content.iterdir()):
        if entry.name.startswith(".") or entry.name in known or entry.name.endswith(BACKUP_SUFFIXES):
            continue
        near = difflib.get_close_matches(entry.name, sorted(known), n=1, cutoff=0.6)
        hint = f"是不是想用 {near[0]}？" if near else "可用的名称：" + "、".join(sorted(known))
        problems.append(warning(f"{CONTENT_DIR}/{entry.name}", None, "cxsite 不读取这个文件或文件夹", hint))
    return problems


def list_sources(folder: Path, suffix: str, problems: list[Problem], root: Path) -> list[tuple[str, str]]:
    """List a folder's source files as (path from the site root, path on disk), warning about strays."""
    found = []
    base = str(root) + os.sep
    # os.walk and plain strings: rglob and pathlib cost half a second at 10,000 files.
    for place, folders, names in os.walk(folder):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = os.path.join(place, name)
            fast = path.startswith(base)
            rel = path[len(base):].replace(os.sep, "/") if fast else relative(Path(path), root)
            if name.lower().endswith(suffix):
                found.append((rel, path))
            elif not name.endswith(BACKUP_SUFFIXES):
                problems.append(warning(rel, None, f"这里只读取 {suffix} 文件，此文件不会发布",
                                        "图片等文件请放到 static/ 文件夹"))
    return found


def relative(path: Path, root: Path) -> str:
    """Return a path relative to the site root, with forward slashes."""
    text, base = str(path), str(root) + os.sep
    if text.startswith(base):  # the common case, without pathlib's slower parsing
        return text[len(base):].replace(os.sep, "/")
    return path.relative_to(root).as_posix()


def static_files(root: Path) -> tuple[StaticFile, ...]:
    """List the theme's and the site's static files; the site's win by path."""
    files: dict[str, str] = {}
    for folder in (THEME_STATIC, root / STATIC_DIR):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if path.is_file() and not any(part.startswith(".") for part in rel.parts):
                files[rel.as_posix()] = str(path)
    return tuple(StaticFile(url, source) for url, source in sorted(files.items()))


def read_static(static: StaticFile) -> bytes:
    """Return the bytes of a static file (for serving a site from memory)."""
    return Path(static.source).read_bytes()


def file_stamp(path: str) -> tuple | None:
    """Stamp one file as scan_inputs does (size, times, inode); None when it cannot be read."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)


def scan_inputs(root: Path, extra: tuple[Path, ...] = ()) -> dict[str, tuple]:
    """Stamp every file a build reads (size, times, inode), to tell cheaply that none changed.

    `extra` are more files a build reads: a site's extension modules outside its folders.
    """
    stamps: dict[str, tuple] = {}
    for label, folder in (("", root / CONTENT_DIR), ("", root / STATIC_DIR), ("", root / LAYOUTS_DIR),
                          ("theme:", THEME_DIR)):
        _stamp_tree(folder, f"{label}{folder.name}", stamps)
    _stamp_file(root / CONFIG_FILE, CONFIG_FILE, stamps)
    for path in extra:
        _stamp_file(path, f"extension:{path}", stamps)
    return stamps


def _stamp_tree(folder: Path, prefix: str, stamps: dict) -> None:
    """Stamp the files under a folder, recursively."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        name = f"{prefix}/{entry.name}"
        if entry.is_dir(follow_symlinks=True):
            _stamp_tree(Path(entry.path), name, stamps)
        else:
            _stamp_file(Path(entry.path), name, stamps)


def _stamp_file(path: Path, name: str, stamps: dict) -> None:
    """Stamp one file if it exists."""
    try:
        status = path.stat()
    except OSError:
        return
    stamps[name] = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)


def read_project_texts(root: Path) -> list[tuple[str, str]]:
    """Return (path, text) of every text file in layouts/, static/ and content/, and site.yaml."""
    found = []
    candidates = [root / CONFIG_FILE]
    for folder in (LAYOUTS_DIR, STATIC_DIR, CONTENT_DIR):
        if (root / folder).is_dir():
            candidates += sorted((root / folder).rglob("*"))
    for path in candidates:
        rel = path.relative_to(root)
        if (not path.is_file() or path.suffix.lower() not in TEXT_SUFFIXES
                or any(part.startswith(".") for part in rel.parts)):
            continue
        try:
            text, _ = decode_source(path.read_bytes(), rel.as_posix())
        except OSError:
            continue
        if text is not None:
            found.append((rel.as_posix(), text))
    return found


def find_legacy_encoded(root: Path) -> list[tuple[str, str]]:
    """Return (path, text) of every source file written in GBK/GB18030, decoded."""
    found = []
    candidates = [root / CONFIG_FILE]
    if (root / CONTENT_DIR).is_dir():
        candidates += sorted((root / CONTENT_DIR).rglob("*"))
    for path in candidates:
        if not path.is_file() or path.suffix.lower() not in (".md", ".yaml", ".yml"):
            continue
        data = path.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            text = decode_legacy(data)
            if text is not None:
                found.append((relative(path, root), text))
    return found


def list_content_files(root: Path) -> frozenset[str]:
    """Every path under content/, relative to the root (what `cxsite new` must not overwrite)."""
    content = root / CONTENT_DIR
    return frozenset(relative(p, root) for p in content.rglob("*")) if content.is_dir() else frozenset()
