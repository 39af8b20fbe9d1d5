"""Files a writer asked for: a new document (`cxsite new`), a new site (`cxsite init`), a re-encoded file.

Never overwrites a file that exists; a new site appears whole or not at all.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from cxsite.problem import Problem, error


def write_new_file(path: Path, text: str, shown: str) -> Problem | None:
    """Create a file that does not exist yet; never overwrite one (`shown` names it in messages)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        return error(shown, None, "文件已存在，cxsite 不会覆盖它", "换一个标题，或先把已有的文件改名")
    except OSError as exc:
        return error(shown, None, f"无法写入文件（{exc.strerror}）", "检查文件夹的写入权限")
    return None


def create_site_tree(target: Path, files: dict[str, str]) -> Problem | None:
    """Create a new site folder holding `files` (path -> text); refuse a folder that is not empty."""
    shown = str(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        return error(shown, None, "这个文件夹已存在且不是空的，cxsite init 不会往里面写文件",
                     "换一个新的文件夹名，或先清空它")
    staging = target.parent / f".{target.name}.cxsite-init"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
        for rel, text in sorted(files.items()):
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
        if target.exists():
            target.rmdir()  # empty, checked above; rename cannot replace a folder everywhere
        staging.rename(target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        return error(shown, None, f"无法创建网站文件夹（{exc.strerror}）", "检查上级文件夹的写入权限")
    return None


def rewrite_with_backup(path: Path, text: str, shown: str) -> Problem | None:
    """Rewrite a source file as UTF-8 after copying the original to `<name>.bak`."""
    backup = path.with_name(path.name + ".bak")
    if backup.exists():
        return error(shown + ".bak", None, "备份文件已存在，cxsite 不会覆盖它，所以没有转换原文件",
                     "确认备份无用后删除它，再运行一次")
    temporary = path.with_name(f".{path.name}.cxsite-tmp")
    try:
        shutil.copy2(path, backup)
        temporary.write_text(text, encoding="utf-8", newline="")
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        return error(shown, None, f"无法转换文件（{exc.strerror}）", "检查文件的写入权限")
    return None


# ------------------------------------------------------------------ the offline bundle (`cxsite bundle`)

_SOURCE_FILES = ("pyproject.toml", "README.md")


def start_bundle(target: Path) -> tuple[Path | None, Problem | None]:
    """A fresh staging folder beside `target` (which must not exist or be empty) to build a bundle in."""
    shown = str(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        return None, error(shown, None, "这个文件夹已存在且不是空的，cxsite bundle 不会往里面写文件",
                           "换一个新的文件夹名，或先清空它")
    staging = target.parent / f".{target.name}.cxsite-bundle"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        (staging / "wheels").mkdir(parents=True)
    except OSError as exc:
        return None, error(shown, None, f"无法创建文件夹（{exc.strerror}）", "检查上级文件夹的写入权限")
    return staging, None


def copy_package_source(root: Path, staging: Path) -> Path:
    """Copy what building cxsite's wheel needs (pyproject.toml, README.md, cxsite/) into staging/source.

    A build in place would leave build/ and *.egg-info in the checkout.
    """
    source = staging / "source"
    source.mkdir()
    for name in _SOURCE_FILES:
        shutil.copy2(root / name, source / name)
    shutil.copytree(root / "cxsite", source / "cxsite",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))
    return source


def finish_bundle(staging: Path, target: Path, files: dict[str, bytes]) -> Problem | None:
    """Write the bundle's own files into staging, drop its build source, and move it to `target`."""
    try:
        shutil.rmtree(staging / "source", ignore_errors=True)
        for rel, data in sorted(files.items()):
            (staging / rel).write_bytes(data)
        if target.exists():
            target.rmdir()  # empty, checked by start_bundle
        staging.rename(target)
    except OSError as exc:
        discard_bundle(staging)
        return error(str(target), None, f"无法写入安装包（{exc.strerror}）", "检查磁盘空间和文件夹的写入权限")
    return None


def discard_bundle(staging: Path) -> None:
    """Remove a staging folder after a failure."""
    shutil.rmtree(staging, ignore_errors=True)


def remove_files(paths) -> None:
    """Delete files the bundle does not need (it made them itself, in its staging folder)."""
    for path in paths:
        path.unlink(missing_ok=True)
