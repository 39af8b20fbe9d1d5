"""The only stage that writes: stage the whole site, then swap it in; delete only our own files.

A build is written to a staging folder beside the output and swapped in with
two renames once complete, so a failed or interrupted build leaves the
previous site as it was. A manifest lists what cxsite wrote; any other file
found in the output folder is carried over untouched (hard-linked), and a
generated file that would replace one of them is refused.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cxsite.problem import Problem, error

MANIFEST = ".cxsite-manifest"
MANIFEST_HEADER = "# cxsite manifest v1: files written by cxsite; others here are left alone"
STAGING_MARK = ".cxsite-staging"


@dataclass(frozen=True)
class WriteReport:
    """What writing the site did."""

    written: int
    kept: int  # files in the output folder that cxsite did not write, carried over


def check_output_dir(root: Path, out: Path) -> list[Problem]:
    """Refuse an output folder whose replacement could destroy the project or the user's files."""
    root, out = root.resolve(), out.resolve()
    shown = str(out)
    hint = "用 --out 指定一个专门的输出文件夹，如 public"
    home = Path.home().resolve()
    protected = [(root, "网站项目"), (home, "用户主目录")] + [
        (root / name, f"{name}/ 文件夹") for name in ("content", "layouts", "static")]
    for place, label in protected:
        if out == place or place.is_relative_to(out):
            return [error(shown, None, f"输出文件夹不能是或包含{label}（{place}）", hint)]
        if label.endswith("文件夹") and out.is_relative_to(place):
            return [error(shown, None, f"输出文件夹不能放在{label}里", hint)]
    if out == Path(out.anchor):
        return [error(shown, None, "输出文件夹不能是根目录", hint)]
    if (out / ".git").exists():
        return [error(shown, None, "输出文件夹里有 .git，看起来是一个代码仓库，cxsite 不会替换它", hint)]
    if out.exists() and not out.is_dir():
        return [error(shown, None, "输出路径已存在，但不是文件夹", hint)]
    return []


def read_manifest(out: Path) -> set[str]:
    """Return the files the previous build wrote into out (empty if none)."""
    path = out / MANIFEST
    if not path.is_file():
        return set()
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line for line in lines[1:] if line and not line.startswith("#")}


def write_site(out: Path, files: Iterable[tuple[str, bytes]],
               copies: Iterable[tuple[str, str]]) -> tuple[WriteReport | None, list[Problem]]:
    """Write generated files and copies of static files to out, atomically as a whole."""
    out = out.resolve()
    _recover(out)
    staging = out.parent / f".{out.name}.cxsite-staging"
    if staging.exists() and not (staging / STAGING_MARK).exists():
        return None, [error(str(staging), None, "这个文件夹不是 cxsite 建的，cxsite 不会删除它",
                            "它挡住了 cxsite 的临时文件夹，请移走或删除它")]
    _fresh_dir(staging)
    try:
        written = _stage(staging, files, copies)
        foreign, problems = _foreign_files(out, written)
        if problems:
            _remove_tree(staging)
            return None, problems
        for rel in foreign:
            _carry_over(out / rel, staging / rel)
        (staging / MANIFEST).write_text(
            "\n".join([MANIFEST_HEADER, *sorted(written)]) + "\n", encoding="utf-8")
        (staging / STAGING_MARK).unlink()
        _swap(out, staging)
    except BaseException:
        if staging.exists():
            _remove_tree(staging)
        raise
    return WriteReport(len(written), len(foreign)), []


def _recover(out: Path) -> None:
    """Put back the previous site if a swap was interrupted between its two renames."""
    old = out.parent / f".{out.name}.cxsite-old"
    if old.is_dir() and not out.exists():
        old.rename(out)
    elif old.is_dir():
        _remove_tree(old)


def _fresh_dir(path: Path) -> Path:
    """Create an empty staging folder, clearing one an interrupted build left behind."""
    if path.exists():
        _remove_tree(path)
    path.mkdir(parents=True)
    (path / STAGING_MARK).write_text("cxsite build in progress\n", encoding="utf-8")
    return path


def _stage(staging: Path, files, copies) -> set[str]:
    """Write every output file into the staging folder; return their paths."""
    written: set[str] = set()
    made_dirs: set[Path] = set()
    for rel, data in files:
        target = _target(staging, rel, made_dirs)
        target.write_bytes(data)
        written.add(rel)
    for rel, source in copies:
        if rel in written:
            continue  # a generated file wins over a static one of the same path
        shutil.copyfile(source, _target(staging, rel, made_dirs))
        written.add(rel)
    return written


def _target(staging: Path, rel: str, made_dirs: set[Path]) -> Path:
    """Return the staging path of a file, creating its folder once."""
    target = staging / rel
    if target.parent not in made_dirs:
        target.parent.mkdir(parents=True, exist_ok=True)
        made_dirs.add(target.parent)
    return target


def _foreign_files(out: Path, written: set[str]) -> tuple[list[str], list[Problem]]:
    """List files in out that cxsite did not write; refuse to replace any of them."""
    if not out.is_dir():
        return [], []
    ours = read_manifest(out) | {MANIFEST}
    foreign, problems = [], []
    for folder, dirs, names in os.walk(out):
        dirs.sort()
        base = Path(folder)
        if not names and not dirs and base != out:
            foreign.append(base.relative_to(out).as_posix() + "/")  # keep empty folders too
        for name in sorted(names):
            rel = (base / name).relative_to(out).as_posix()
            if rel in ours:
                continue
            if rel in written:
                problems.append(error(str(out / rel), None,
                                      "输出文件夹里已有这个文件，但它不是 cxsite 生成的，cxsite 不会覆盖它",
                                      "确认无用后手动删除它，或用 --out 换一个输出文件夹"))
            foreign.append(rel)
    return foreign, problems


def _carry_over(source: Path, target: Path) -> None:
    """Keep a file cxsite did not write: hard-link it into the new site (copy if links fail)."""
    if source.is_dir() and not source.is_symlink():
        target.mkdir(parents=True, exist_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, target, follow_symlinks=False)


def _swap(out: Path, staging: Path) -> None:
    """Replace out by the staging folder with two renames, then drop the old site."""
    if not out.exists():
        staging.rename(out)
        return
    old = out.parent / f".{out.name}.cxsite-old"
    out.rename(old)
    staging.rename(out)
    _remove_tree(old)


def _remove_tree(path: Path) -> None:
    """Delete a folder cxsite made itself (staging or the replaced site)."""
    shutil.rmtree(path, ignore_errors=True)


# ------------------------------------------------ files a writer asked for (new, init, fix)


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
            _remove_tree(staging)
        for rel, text in sorted(files.items()):
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
        if target.exists():
            target.rmdir()  # empty, checked above; rename cannot replace a folder everywhere
        staging.rename(target)
    except OSError as exc:
        _remove_tree(staging)
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
