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
    folders = {parent for rel in written for parent in _parents(rel)}
    foreign, problems = [], []
    for folder, dirs, names in os.walk(out):
        dirs.sort()
        base = Path(folder)
        if not names and not dirs and base != out:
            rel = base.relative_to(out).as_posix()
            if _in_the_way(rel, written, folders - {rel}):
                problems.append(_refusal(out / rel))
            foreign.append(rel + "/")  # keep empty folders too
        for name in sorted(names):
            rel = (base / name).relative_to(out).as_posix()
            if rel in ours:
                continue
            if _in_the_way(rel, written, folders):
                problems.append(_refusal(out / rel))
            foreign.append(rel)
    return foreign, problems


def _parents(rel: str) -> list[str]:
    """The folders of a relative path: a/b/c.html -> a, a/b."""
    parts = rel.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _in_the_way(rel: str, written: set[str], folders: set[str]) -> bool:
    """Whether a build would replace a foreign path: it writes that file, or needs a folder there."""
    return rel in written or rel in folders or any(p in written for p in _parents(rel))


def _refusal(path: Path) -> Problem:
    """The problem of a file cxsite did not write but would replace."""
    return error(str(path), None, "输出文件夹里已有这个文件，但它不是 cxsite 生成的，cxsite 不会覆盖它",
                 "确认无用后手动删除它，或用 --out 换一个输出文件夹")


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
