"""The only stage that writes the site: stage what changed, then commit it; delete only our files.

A build first writes every new or changed file into a staging folder beside
the output. Only when all of them are there does it write a journal and move
them into place; an interrupted commit is completed by the next run from that
journal, and a build that fails before the journal leaves the output exactly
as it was. A manifest in the output lists what cxsite wrote: only those files
are ever replaced or deleted. A file that cxsite did not write but a build
would overwrite is refused. An unchanged file is not written at all.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from cxsite.problem import Problem, error

MANIFEST = ".cxsite-manifest"
MANIFEST_HEADER = "# cxsite manifest v1: files written by cxsite; others here are left alone"
STAGING_MARK = ".cxsite-staging"
JOURNAL = ".cxsite-journal.json"


@dataclass(frozen=True)
class WriteReport:
    """What writing the site did."""

    written: int  # files created or replaced
    unchanged: int  # files of the site left as they were
    deleted: int  # files of an earlier build no longer part of the site


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


def _parents(rel: str) -> list[str]:
    """The folders of a relative path: a/b/c.html -> a, a/b."""
    parts = rel.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _refusal(path: Path) -> Problem:
    """The problem of a file cxsite did not write but would replace."""
    return error(str(path), None, "输出文件夹里已有这个文件，但它不是 cxsite 生成的，cxsite 不会覆盖它",
                 "确认无用后手动删除它，或用 --out 换一个输出文件夹")


def staging_dir(out: Path) -> Path:
    """Return the staging folder of an output folder (its sibling, on the same disk)."""
    return out.parent / f".{out.name}.cxsite-staging"


class SiteWriter:
    """Writes one build into an output folder: stage as results come, commit at the end.

    `put`/`copy` each file of the site (unchanged ones are skipped), then
    `commit(site_paths)`; `abort()` drops everything staged so far. `stage` does
    the writing half of `put` and may run in a forked worker (it touches only
    the staging folder); the parent then hands its outcome to `note`.
    """

    def __init__(self, out: Path):
        self.out = out.resolve()
        self.staging = staging_dir(self.out)
        self.ours: set[str] = set()
        self.moves: list[str] = []
        self.unchanged = 0
        self.problems: list[Problem] = []
        self._fresh = False  # an output folder that does not exist yet: nothing can be in the way
        self._made: set[str] = set()
        self._checked: set[str] = set()  # parent folders already found free to use

    def begin(self) -> list[Problem]:
        """Finish any interrupted commit and prepare a fresh staging folder."""
        if self.staging.exists() and not (self.staging / STAGING_MARK).exists():
            return [error(str(self.staging), None, "这个文件夹不是 cxsite 建的，cxsite 不会删除它",
                          "它挡住了 cxsite 的临时文件夹，请移走或删除它")]
        recover(self.out)
        self.ours = read_manifest(self.out)
        self._fresh = not self.out.exists()
        if self.staging.exists():
            _remove_tree(self.staging)
        self.staging.mkdir(parents=True)
        (self.staging / STAGING_MARK).write_text("cxsite build in progress\n", encoding="utf-8")
        return []

    def put(self, rel: str, data: bytes) -> None:
        """Stage a file of the site unless the output already holds these bytes."""
        self.note(self.stage(rel, data))

    def stage(self, rel: str, data: bytes) -> tuple:
        """Write a file into the staging folder unless it is unchanged; return the outcome."""
        outcome = self._check(rel, lambda target: _same_bytes(target, data))
        if outcome[0] == "write":
            with open(self._target(rel), "wb") as handle:
                handle.write(data)
        return outcome

    def note(self, outcome: tuple) -> None:
        """Record what staging one file did (in the parent, which commits)."""
        kind, rel, refused = outcome
        if kind == "write":
            self.moves.append(rel)
        elif kind == "same":
            self.unchanged += 1
        else:
            self.problems += [_refusal(Path(path)) for path in refused]

    def copy(self, rel: str, source: str) -> None:
        """Stage a copy of a static file unless the output already holds the same bytes."""
        outcome = self._check(rel, lambda target: _same_file(target, source))
        if outcome[0] == "write":
            shutil.copyfile(source, self._target(rel))
        self.note(outcome)

    def holds(self, rel: str, size: int) -> bool:
        """Whether the output has our file at rel with this size (a cheap check, no reading)."""
        try:
            return rel in self.ours and os.stat(f"{self.out}/{rel}").st_size == size
        except OSError:
            return False

    def intact(self, files: dict[str, int]) -> bool:
        """Whether out holds exactly the files of an earlier build, each with its size."""
        if read_manifest(self.out) != files.keys() or staging_dir(self.out).exists() \
                or (self.out / STAGING_MARK).exists():
            return False
        try:
            return all(os.stat(f"{self.out}/{path}").st_size == size for path, size in files.items())
        except OSError:
            return False

    def keep(self, rel: str) -> None:
        """Count a file the build knows is unchanged without looking at it."""
        self.unchanged += 1

    def _check(self, rel: str, same) -> tuple:
        """("same", rel, ()) when out already has it, ("refused", rel, paths) when something
        not ours is in the way, else ("write", rel, ())."""
        if self._fresh:
            return "write", rel, ()
        target = self.out / rel
        if rel in self.ours and same(target):
            return "same", rel, ()
        in_the_way = self._in_the_way(rel, target)
        return ("refused", rel, tuple(str(p) for p in in_the_way)) if in_the_way else ("write", rel, ())

    def _in_the_way(self, rel: str, target: Path) -> list[Path]:
        """Paths not written by cxsite that writing rel would replace (a file, a folder, a parent)."""
        if target.is_dir() and not target.is_symlink():
            inside = [p for p in target.rglob("*") if not p.is_dir()]
            foreign = sorted(p for p in inside if p.relative_to(self.out).as_posix() not in self.ours)
            return foreign if inside else [target]  # only our files: the commit deletes them first
        if target.exists() or target.is_symlink():
            return [] if rel in self.ours else [target]
        for parent in _parents(rel):
            if parent in self._checked:
                continue
            self._checked.add(parent)
            folder = self.out / parent
            if (folder.is_symlink() or folder.exists()) and not folder.is_dir() and parent not in self.ours:
                return [folder]
        return []

    def _target(self, rel: str) -> str:
        """Return where to stage a file, creating its folder once (strings: pathlib is slow here)."""
        target = f"{self.staging}/{rel}"
        folder = target.rpartition("/")[0]
        if folder not in self._made:
            os.makedirs(folder, exist_ok=True)
            self._made.add(folder)
        return target

    def commit(self, site_paths: set[str]) -> tuple[WriteReport | None, list[Problem]]:
        """Move staged files into place and delete our files that left the site."""
        if self.problems:
            self.abort()
            return None, self.problems
        deletes = sorted(p for p in self.ours - site_paths
                         if (self.out / p).is_file() or (self.out / p).is_symlink())
        if not self.moves and not deletes and self.ours == site_paths:
            self.abort()
            return WriteReport(0, self.unchanged, 0), []
        journal = {"moves": sorted(self.moves), "deletes": deletes, "manifest": sorted(site_paths),
                   "whole": self._fresh}
        (self.staging / JOURNAL).write_text(json.dumps(journal, ensure_ascii=False), encoding="utf-8")
        _commit(self.out, self.staging, journal)
        return WriteReport(len(self.moves), self.unchanged, len(deletes)), []

    def abort(self) -> None:
        """Drop everything staged; the output stays as it was.

        Once the journal is written the commit has begun: the staging folder is
        then left for the next run's recover() to finish, never dropped half way.
        """
        if (self.staging / STAGING_MARK).exists() and not (self.staging / JOURNAL).exists():
            _remove_tree(self.staging)


def recover(out: Path) -> None:
    """Finish a commit an interrupted build left half done, or drop its unfinished staging."""
    staging = staging_dir(out.resolve())
    if (out / STAGING_MARK).exists():  # a whole-folder commit interrupted right after its rename
        _drop_marks(out)
    if not (staging / STAGING_MARK).exists():
        return
    journal = staging / JOURNAL
    if journal.is_file():
        _commit(out.resolve(), staging, json.loads(journal.read_text(encoding="utf-8")))
    else:
        _remove_tree(staging)


def _same_bytes(path: Path, data: bytes) -> bool:
    """Whether a file already holds exactly these bytes (checked by size first)."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _same_file(path: Path, source: str) -> bool:
    """Whether a file already holds the same bytes as a source file."""
    try:
        if path.stat().st_size != os.stat(source).st_size:
            return False
        return path.read_bytes() == Path(source).read_bytes()
    except OSError:
        return False


def _target(staging: Path, rel: str, made: set[Path]) -> Path:
    """Return the staging path of a file, creating its folder once."""
    target = staging / rel
    if target.parent not in made:
        target.parent.mkdir(parents=True, exist_ok=True)
        made.add(target.parent)
    return target


def _commit(out: Path, staging: Path, journal: dict) -> None:
    """Move staged files into place, delete our stale files, write the manifest (idempotent)."""
    if journal.get("whole") and not out.exists():
        _commit_whole(out, staging, journal)
        return
    out.mkdir(parents=True, exist_ok=True)
    made: set[Path] = set()
    # Deletes first: an old file of ours may stand where a new folder goes (x -> x/index.html).
    for rel in journal["deletes"]:
        (out / rel).unlink(missing_ok=True)
        _prune_empty(out, (out / rel).parent)
    for rel in journal["moves"]:
        source = staging / rel
        if source.exists():  # absent when an earlier, interrupted commit moved it already
            os.replace(source, _target(out, rel, made))
    _write_manifest(out, journal["manifest"])
    _remove_tree(staging)


def _write_manifest(folder: Path, paths: list[str]) -> None:
    """Write the manifest of a folder at once (through a temporary file)."""
    manifest = folder / (MANIFEST + ".tmp")
    manifest.write_text("\n".join([MANIFEST_HEADER, *paths]) + "\n", encoding="utf-8")
    os.replace(manifest, folder / MANIFEST)


def _commit_whole(out: Path, staging: Path, journal: dict) -> None:
    """Make a first build's staging folder the output in one rename.

    Moving thirteen thousand files one by one costs seconds on a real disk; a
    folder rename costs nothing. Our two marks travel with it and are removed
    right after (by the next recover() if this is interrupted).
    """
    _write_manifest(staging, journal["manifest"])
    os.rename(staging, out)
    _drop_marks(out)


def _drop_marks(out: Path) -> None:
    """Remove the staging marks a whole-folder commit carried into the output."""
    (out / JOURNAL).unlink(missing_ok=True)
    (out / STAGING_MARK).unlink(missing_ok=True)


def _prune_empty(out: Path, folder: Path) -> None:
    """Remove folders emptied by deleting our files, up to (not including) out."""
    while folder != out and folder.is_relative_to(out):
        try:
            folder.rmdir()  # fails, as it should, when anything else is inside
        except OSError:
            return
        folder = folder.parent


def _remove_tree(path: Path) -> None:
    """Delete a folder cxsite made itself (the staging folder)."""
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
