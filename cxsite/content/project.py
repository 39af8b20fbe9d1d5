"""A site's folders on disk: where sources live, which files are static, what changed since last time.

With the reader and the template loader, this is the only place that reads the project.
"""

from __future__ import annotations

import difflib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cxsite.content.syntax import decode_legacy, decode_source
from cxsite.problem import Problem, error, warning

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
    """List a folder's source files as (path from the site root, path on disk), warning about strays.

    Links that lead out of the project are refused; special files (pipes, devices) skipped.
    """
    found = []
    base = str(root) + os.sep
    # os.walk and plain strings: rglob and pathlib cost half a second at 10,000 files.
    for place, folders, names in os.walk(folder, onerror=_unreadable_folder(root, problems)):
        folders[:] = _followed(place, folders, root, problems)
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = os.path.join(place, name)
            fast = path.startswith(base)
            rel = path[len(base):].replace(os.sep, "/") if fast else relative(Path(path), root)
            if not _readable_name(rel, problems) or not _usable(path, rel, root, problems):
                continue
            if name.lower().endswith(suffix):
                found.append((rel, path))
            elif not name.endswith(BACKUP_SUFFIXES):
                problems.append(warning(rel, None, f"这里只读取 {suffix} 文件，此文件不会发布",
                                        "图片等文件请放到 static/ 文件夹"))
    return found


def _readable_name(rel: str, problems: list[Problem]) -> bool:
    """Whether a file name is text (a name in GBK from a Windows zip is not UTF-8: reported, skipped)."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        raw = rel.encode("utf-8", "surrogateescape")
        shown = raw.decode("gb18030", "replace") if _gb18030_ok(raw) else raw.decode("utf-8", "replace")
        message = "文件名不是 UTF-8 编码（多半是从 Windows 的压缩包里解出来的），cxsite 读不了它"
        hint = "把这个文件改个名（在资源管理器或文件管理器里重新输入文件名）"
        problems.append(error(shown, None, message, hint))
        return False
    return True


def _gb18030_ok(raw: bytes) -> bool:
    """Whether bytes read as GB18030 (to show a GBK name as the writer sees it)."""
    try:
        raw.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return True


def _usable(path: str, rel: str, root: Path, problems: list[Problem]) -> bool:
    """Whether a file may be read: a regular file inside the project (links are followed only inside)."""
    try:
        status = os.lstat(path)  # one call for the common case, a plain file
    except OSError as exc:
        problems.append(error(rel, None, f"无法读取文件（{exc.strerror}）", "检查文件权限"))
        return False
    if stat.S_ISLNK(status.st_mode):
        try:
            target = Path(path).resolve(strict=True)
        except (OSError, RuntimeError):  # a loop, or a link to nothing
            problems.append(error(rel, None, "这是一个无法打开的链接（循环，或指向不存在的文件）",
                                  "删除这个链接，或换成真正的文件"))
            return False
        if not target.is_relative_to(root.resolve()):
            message = f"这是一个指向网站文件夹以外的链接（{target}），cxsite 不会读取或发布它"
            problems.append(error(rel, None, message, "把需要的文件复制到网站文件夹里，再删除这个链接"))
            return False
        try:
            status = os.stat(path)
        except OSError as exc:
            problems.append(error(rel, None, f"无法读取文件（{exc.strerror}）", "检查文件权限"))
            return False
    if not stat.S_ISREG(status.st_mode):
        problems.append(warning(rel, None, "这不是普通文件（而是管道、设备等），已跳过",
                                "网站文件夹里只放普通文件"))
        return False
    return True


def _followed(place: str, folders: list[str], root: Path, problems: list[Problem]) -> list[str]:
    """The subfolders to walk into: not hidden, not linked (a linked folder is reported, not followed)."""
    kept = []
    for name in sorted(folders):
        path = os.path.join(place, name)
        if name.startswith("."):
            continue
        if os.path.islink(path):
            shown = relative(Path(path), root) if path.startswith(str(root)) else path
            try:
                inside = Path(path).resolve(strict=True).is_relative_to(root.resolve())
            except (OSError, RuntimeError):
                inside = False
            report = warning if inside else error
            where = "网站里的另一个文件夹" if inside else "网站文件夹以外"
            problems.append(report(shown, None, f"这是一个链接到{where}的文件夹，cxsite 不读取也不发布它",
                                   "把需要的文件直接放在网站文件夹里，再删除这个链接"))
            continue
        kept.append(name)
    return kept


def _unreadable_folder(root: Path, problems: list[Problem]):
    """An os.walk error handler that reports a folder it cannot read."""

    def report(exc: OSError) -> None:
        if isinstance(exc, FileNotFoundError):  # a kind's folder that is simply not there
            return
        shown = relative(Path(exc.filename), root) if exc.filename else str(root)
        problems.append(error(shown, None, f"无法读取文件夹（{exc.strerror}）", "检查文件夹的权限"))

    return report


def relative(path: Path, root: Path) -> str:
    """Return a path relative to the site root, with forward slashes."""
    text, base = str(path), str(root) + os.sep
    if text.startswith(base):  # the common case, without pathlib's slower parsing
        return text[len(base):].replace(os.sep, "/")
    return path.relative_to(root).as_posix()


def static_files(root: Path, problems: list[Problem] | None = None) -> tuple[StaticFile, ...]:
    """List the theme's and the site's static files; the site's win by path.

    A link in static/ that leads out of the project, and special files, are reported, not published.
    """
    problems = [] if problems is None else problems
    files: dict[str, str] = {}
    for folder in (THEME_STATIC, root / STATIC_DIR):
        if not folder.is_dir():
            continue
        project = THEME_DIR if folder == THEME_STATIC else root
        for place, folders, names in os.walk(folder, onerror=_unreadable_folder(root, problems)):
            folders[:] = _followed(place, folders, project, problems)
            for name in sorted(names):
                path = os.path.join(place, name)
                rel = os.path.relpath(path, folder).replace(os.sep, "/")
                shown = f"{STATIC_DIR}/{rel}"
                if name.startswith(".") or not _readable_name(shown, problems) \
                        or not _usable(path, shown, project, problems):
                    continue
                files[rel] = path
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


def scan_inputs(root: Path, extra: tuple[Path, ...] = (), logs: tuple[Path, ...] = ()) -> dict[str, tuple]:
    """Stamp every file a build reads (size, times, inode), to tell cheaply that none changed.

    `extra` are more files a build reads: a site's extension modules outside its folders;
    `logs` the web server's access logs (a log that grew changes the views).
    """
    stamps: dict[str, tuple] = {}
    for label, folder in (("", root / CONTENT_DIR), ("", root / STATIC_DIR), ("", root / LAYOUTS_DIR),
                          ("theme:", THEME_DIR)):
        _stamp_tree(folder, f"{label}{folder.name}", stamps)
    _stamp_file(root / CONFIG_FILE, CONFIG_FILE, stamps)
    for path in extra:
        _stamp_file(path, f"extension:{path}", stamps)
    for path in logs:
        _stamp_file(path, f"log:{path}", stamps)
    return stamps


def _stamp_tree(folder: Path | str, prefix: str, stamps: dict) -> None:
    """Stamp the files under a folder, recursively (plain strings: pathlib doubles the cost at 10,000)."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        name = f"{prefix}/{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            _stamp_tree(entry.path, name, stamps)
            continue
        try:
            status = entry.stat()
        except OSError:
            continue
        stamps[name] = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)


def _stamp_file(path: Path, name: str, stamps: dict) -> None:
    """Stamp one file if it exists."""
    try:
        status = path.stat()
    except OSError:
        return
    stamps[name] = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)


def read_project_texts(root: Path, folders: tuple[str, ...] = (LAYOUTS_DIR, STATIC_DIR, CONTENT_DIR)
                       ) -> list[tuple[str, str]]:
    """Return (path, text) of every text file in `folders` (layouts/, static/, content/) and site.yaml."""
    found = []
    candidates = [root / CONFIG_FILE]
    for folder in folders:
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
