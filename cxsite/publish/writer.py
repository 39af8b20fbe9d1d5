"""The only stage that writes the site: a whole new tree beside the output, swapped in at the end.

The output folder (say public/) always holds one whole generation of the site.
Beside it the writer keeps a spare tree, `.public.cxsite-next/`, which shares
every unchanged file with the output (hard links), so a build only writes what
changed. A build:

1. brings the spare tree up to the output's generation (the paths the last
   build changed, from the output's manifest) and carries over any file someone
   else put in the output;
2. writes the new and changed files into the spare tree and removes the ones
   that left the site;
3. writes the spare tree's manifest and a journal, then swaps the two trees
   with three renames: public → .public.cxsite-prev, .public.cxsite-next →
   public, .public.cxsite-prev → .public.cxsite-next.

A kill at any moment leaves public/ whole, old or new (for the moment between
the first two renames, the name public/ is free; the next run puts a tree back
before anything else). The next run follows the journal: forward when the
build's cache state says the new generation was made, else back.

cxsite only ever deletes files listed in its own manifests, inside its own
trees; on file systems without hard links files are copied (twice the space).
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path

from cxsite.problem import Problem, error
from cxsite.publish.filesystem import LocalFiles
from cxsite.publish.manifest import MANIFEST, Manifest, read_manifest

DIRTY = ".cxsite-dirty"  # in a spare tree being changed (its manifest is no longer true)
OWN_NAMES = (MANIFEST, DIRTY)


@dataclass(frozen=True)
class WriteReport:
    """What committing a build did."""

    written: int  # files created or replaced
    unchanged: int  # files of the site left as they were
    deleted: int  # files of an earlier build no longer part of the site
    generation: int  # the output's generation now
    written_paths: tuple[str, ...] = ()  # what `written` counts, sorted (`build --verbose` lists them)
    deleted_paths: tuple[str, ...] = ()


def sibling(out: Path, role: str) -> Path:
    """A path beside the output folder that belongs to it: .public.cxsite-next, -prev, -swap, -lock."""
    return out.parent / f".{out.name}.cxsite-{role}"


class SiteWriter:
    """Writes one build into an output folder: the sink of a build (publish/sink.py).

    `expected` is the generation the build's cache believes the output is at; it
    decides which way an interrupted swap is finished (see the module's doc).
    """

    def __init__(self, out: Path, *, expected: int | None = None, files: LocalFiles | None = None):
        self.out = Path(os.path.abspath(out))
        self.next, self.prev, self.journal = (sibling(self.out, r) for r in ("next", "prev", "swap"))
        self.expected = expected
        self.fs = files or LocalFiles()
        self.current = Manifest()  # the output's manifest
        self.problems: list[Problem] = []
        self.written: dict[str, int] = {}  # path -> size, written into the spare tree
        self.unchanged = 0
        self.foreign: set[str] = set()  # files someone else put in the output
        # The spare tree's folders and their times as its manifest last said (None: walk them all),
        # and the paths changed in it since: only their folders need looking at again.
        self._spare_folders: dict[str, int] | None = None
        self._changed: set[str] = set()
        self._fresh = False
        self._made: set[str] = set()

    # ------------------------------------------------------------------ before the build writes

    def begin(self) -> list[Problem]:
        """Finish an interrupted swap, then make the spare tree the output's twin, ready for writing."""
        for tree in (self.next, self.prev):
            if tree.exists() and not _is_ours(tree):
                return [error(str(tree), None, "这个文件夹不是 cxsite 建的，cxsite 不会删除或改动它",
                              "它挡住了 cxsite 的备用文件夹，请移走或删除它")]
        problems = recover(self.out, self.expected, self.fs)
        self._fresh = not self.out.exists()
        current, found = (None, []) if self._fresh else read_manifest(self.out, str(self.out))
        problems += found
        self.current = current or Manifest()
        if self._fresh:
            self._fresh_spare()
        else:
            self.foreign = {p for p in self.current.foreign if _lexists(f"{self.out}/{p}")}
            self._sync_spare()
        return problems

    def _fresh_spare(self) -> None:
        """An empty spare tree for a first build."""
        if self.next.exists():
            self._remove_tree(self.next)
        self.fs.makedirs(str(self.next))
        self.fs.write_text(str(self.next / DIRTY), "cxsite build in progress\n")

    def _sync_spare(self) -> None:
        """Bring the spare tree to the output's generation, as cheaply as its state allows."""
        spare = read_manifest(self.next, str(self.next))[0] if self.next.is_dir() else None
        clean = spare is not None and not (self.next / DIRTY).exists() and self.current.generation > 0
        if clean:
            self._spare_folders = dict(spare.folders)
        if clean and spare.generation == self.current.generation - 1:
            self._mark_dirty()
            for path in self.current.changed:
                self._take_from_output(path)
        elif not (clean and spare.generation == self.current.generation):
            self._spare_folders = None
            self._copy_output()  # no spare, or one of unknown state: link every file of the output
            return
        else:
            self._mark_dirty()
        self._carry_foreign(spare)

    def _mark_dirty(self) -> None:
        """Say the spare tree is being changed before changing it (its manifest goes)."""
        self.fs.write_text(str(self.next / DIRTY), "cxsite build in progress\n")
        if (self.next / MANIFEST).exists():
            self.fs.remove(str(self.next / MANIFEST))

    def _copy_output(self) -> None:
        """Make the spare tree anew: every file of the output, linked."""
        if self.next.exists():
            self._remove_tree(self.next)
        self.fs.makedirs(str(self.next))
        self.fs.write_text(str(self.next / DIRTY), "cxsite build in progress\n")
        ours = {folder for path in self.current.files for folder in _parents(path)}
        for folder, folders, names in os.walk(self.out):
            rel = os.path.relpath(folder, self.out).replace(os.sep, "/")
            for name in folders:
                path = name if rel == "." else f"{rel}/{name}"
                if path not in ours:
                    self.foreign.add(path)
                    self._ensure_folder(f"{self.next}/{path}")
            for name in names:
                path = name if rel == "." else f"{rel}/{name}"
                if path not in OWN_NAMES:
                    self._link(f"{self.out}/{path}", path)
                    if path not in self.current.files:
                        self.foreign.add(path)

    def _take_from_output(self, path: str) -> None:
        """Make the spare tree's file at path the output's (or remove it when the output has none)."""
        self._changed.add(path)
        target = f"{self.next}/{path}"
        if _lexists(target):
            self.fs.remove(target)
        if path in self.current.files and os.path.isfile(f"{self.out}/{path}"):
            self._link(f"{self.out}/{path}", path)
        else:
            self._prune(os.path.dirname(target))

    def _carry_foreign(self, spare: Manifest | None) -> None:
        """Link into the spare tree the files someone else put in the output (found where folders changed),
        and drop from it those someone removed from the output since."""
        for path in sorted(self.current.foreign, reverse=True):  # a folder's files before the folder
            spare = f"{self.next}/{path}"
            if _lexists(f"{self.out}/{path}") or not _lexists(spare):
                continue
            self._changed.add(path)
            if os.path.isdir(spare) and not os.path.islink(spare):
                with contextlib.suppress(OSError):
                    self.fs.rmdir(spare)  # only when empty: what is left is not only someone else's
            else:
                self.fs.remove(spare)
        out = str(self.out)
        folders = ["", *(f for f, mtime in self.current.folders.items() if _mtime(f"{out}/{f}") != mtime)]
        ours = self.current.files
        for folder in folders:
            base = self.out / folder
            try:
                entries = list(os.scandir(base))
            except OSError:
                continue
            for entry in entries:
                path = f"{folder}/{entry.name}" if folder else entry.name
                if path in ours or path in OWN_NAMES or path in self.current.folders:
                    continue
                self._carry(entry, path)

    def _carry(self, entry: os.DirEntry, path: str) -> None:
        """Link one foreign file (or a foreign folder and all in it) into the spare tree."""
        if entry.is_dir(follow_symlinks=False):
            self.foreign.add(path)
            self._ensure_folder(f"{self.next}/{path}")
            for inner in os.scandir(entry.path):
                self._carry(inner, f"{path}/{inner.name}")
        else:
            self.foreign.add(path)
            if not _lexists(f"{self.next}/{path}"):
                self._link(entry.path, path)

    # ------------------------------------------------------------------ the sink

    def stage(self, path: str, data: bytes) -> tuple:
        """Write a file into the spare tree unless the output holds these bytes (may run in a worker)."""
        refused = self._in_the_way(path)
        if refused:
            return "refused", path, refused
        if path in self.current.files and _same_bytes(f"{self.out}/{path}", data):
            return "same", path, len(data)
        self.fs.write_new(self._target(path), data)
        return "write", path, len(data)

    def note(self, outcome: tuple) -> None:
        """Record what staging one file did."""
        kind, path, detail = outcome
        if kind == "write":
            self.written[path] = detail
        elif kind == "same":
            self.unchanged += 1
        else:
            self.problems += [_refusal(p) for p in detail]

    def keep(self, path: str) -> None:
        """A file of the output stays as it is (the spare tree has it already)."""
        self.unchanged += 1

    def holds(self, path: str, size: int) -> bool:
        """Whether the output has our file at path with this size (a cheap check, no reading)."""
        try:
            return path in self.current.files and os.stat(f"{self.out}/{path}").st_size == size
        except OSError:
            return False

    def copy(self, path: str, source: str) -> None:
        """Copy a static file into the spare tree unless the output has it already (same size and time)."""
        refused = self._in_the_way(path)
        if refused:
            self.note(("refused", path, refused))
            return
        try:
            was, now = os.stat(f"{self.out}/{path}"), os.stat(source)
            same = (was.st_size, was.st_mtime_ns) == (now.st_size, now.st_mtime_ns)
            if path in self.current.files and same:
                self.unchanged += 1
                return
        except OSError:
            pass
        self.fs.copy(source, self._target(path))
        self._changed.add(path)
        self.written[path] = os.stat(source).st_size

    def _in_the_way(self, path: str) -> tuple[str, ...]:
        """Files or folders of someone else's in the output that writing path would replace."""
        if self._fresh:
            return ()
        target = f"{self.out}/{path}"
        if os.path.isdir(target) and not os.path.islink(target):
            inside = [os.path.join(folder, name) for folder, _, names in os.walk(target) for name in names]
            foreign = sorted(p for p in inside if os.path.relpath(p, self.out).replace(os.sep, "/")
                             not in self.current.files)
            return tuple(foreign) if inside else (target,)  # only our files inside: they go with the folder
        if _lexists(target) and path not in self.current.files:
            return (target,)
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            folder = "/".join(parts[:i])
            full = f"{self.out}/{folder}"
            if (os.path.islink(full) or os.path.isfile(full)) and folder not in self.current.files:
                return (full,)
        return ()

    def _target(self, path: str) -> str:
        """Where a file goes in the spare tree, its folder made once (replacing a file of ours there)."""
        target = f"{self.next}/{path}"
        folder = target.rpartition("/")[0]
        if folder not in self._made:
            self._ensure_folder(folder)
            self._made.add(folder)
        if os.path.isdir(target) and not os.path.islink(target):
            self._remove_tree(Path(target))  # our old folder where a file now goes (x/ -> x)
        return target

    def _ensure_folder(self, folder: str) -> None:
        """Create a folder of the spare tree, removing our old files that stand where folders go."""
        current = str(self.next)
        for part in os.path.relpath(folder, self.next).split(os.sep):
            current = f"{current}/{part}"
            if os.path.isfile(current) or os.path.islink(current):
                self.fs.remove(current)
        self.fs.makedirs(folder)

    def _link(self, source: str, path: str) -> None:
        """Put a file of the output (or a foreign one) into the spare tree at path."""
        self._changed.add(path)
        self.fs.link(source, self._target(path))

    # ------------------------------------------------------------------ the swap

    def commit(self, site_paths: set[str]) -> tuple[WriteReport | None, list[Problem]]:
        """Remove what left the site from the spare tree and swap it in; the journal stays until finish()."""
        if self.problems:
            self.abort()
            return None, self.problems
        deleted = sorted(p for p in set(self.current.files) - site_paths if _lexists(f"{self.next}/{p}"))
        for path in deleted:
            self._changed.add(path)
            self.fs.remove(f"{self.next}/{path}")
            self._prune(os.path.dirname(f"{self.next}/{path}"))
        files = {p: self.written.get(p, self.current.files.get(p, -1)) for p in sorted(site_paths)}
        changed = tuple(sorted({*self.written, *deleted, *(set(self.current.files) - site_paths)}))
        if not changed and not self._fresh and set(self.current.files) == site_paths:
            self._label_spare(replace(self.current, folders=self._spare_folder_times(),
                                      foreign=tuple(sorted(self.foreign))))
            return WriteReport(0, self.unchanged, 0, self.current.generation), []
        generation = self.current.generation + 1 if self.current.generation >= 0 else 1
        manifest = Manifest(generation, self._sizes(files), {}, changed, tuple(sorted(self.foreign)))
        self._label_spare(replace(manifest, folders=self._spare_folder_times()))
        self.fs.write_text(str(self.journal), json.dumps({"from": self.current.generation, "to": generation,
                                                          "fresh": self._fresh}))
        _swap(self.out, self.next, self.prev, generation, self._fresh, self.fs)
        return WriteReport(len(self.written), self.unchanged, len(deleted), generation,
                           written_paths=tuple(sorted(self.written)), deleted_paths=tuple(deleted)), []

    def finish(self) -> None:
        """The build's state is saved: the swap needs no finishing any more (the journal goes)."""
        if self.journal.exists():
            self.fs.remove(str(self.journal))

    def abort(self) -> None:
        """Leave the output as it is; the spare tree stays marked as changed (the next build resyncs it)."""

    def _label_spare(self, manifest: Manifest) -> None:
        """Write the spare tree's manifest, then clear its mark of being changed."""
        self.fs.write_text(str(self.next / MANIFEST), manifest.to_text())
        if (self.next / DIRTY).exists():
            self.fs.remove(str(self.next / DIRTY))

    def _sizes(self, files: dict[str, int]) -> dict[str, int]:
        """Sizes of the site's files, those not known yet read from the spare tree."""
        sizes = {}
        for path, size in files.items():
            try:
                sizes[path] = size if size >= 0 else os.stat(f"{self.next}/{path}").st_size
            except OSError:
                sizes[path] = -1
        return sizes

    def _spare_folder_times(self) -> dict[str, int]:
        """The spare tree's folders (but its root) with their times, to notice foreign files later.

        Only the folders of paths changed in this build are looked at again (a folder's time
        changes when a name in it comes or goes); a spare tree of unknown state is walked whole.
        """
        if self._spare_folders is None:
            return self._folders(self.next)
        folders = dict(self._spare_folders)
        touched = {"/".join(parts[:i]) for path in (*self._changed, *self.written)
                   for parts in [path.split("/")] for i in range(1, len(parts))}
        for folder in sorted(touched):
            try:
                folders[folder] = os.stat(f"{self.next}/{folder}").st_mtime_ns
            except OSError:  # gone (emptied and pruned, or a file now stands there): so is all inside
                prefix = folder + "/"
                folders = {f: m for f, m in folders.items() if f != folder and not f.startswith(prefix)}
        return folders

    @staticmethod
    def _folders(tree: Path) -> dict[str, int]:
        """Every folder of a tree (but its root) with its modification time, to notice foreign files."""
        folders = {}
        for folder, names, _ in os.walk(tree):
            for name in names:
                path = os.path.join(folder, name)
                folders[os.path.relpath(path, tree).replace(os.sep, "/")] = os.stat(path).st_mtime_ns
        return folders

    def _prune(self, folder: str) -> None:
        """Remove folders of the spare tree emptied by removing our files, up to its root."""
        root = str(self.next)
        while folder.startswith(root + "/") or folder.startswith(root + os.sep):
            try:
                self.fs.rmdir(folder)  # fails, as it should, when anything else is inside
            except OSError:
                return
            folder = os.path.dirname(folder)

    def _remove_tree(self, tree: Path) -> None:
        """Delete a tree of cxsite's own (the spare tree, or a folder of ours in it), links not followed."""
        for folder, names, files in os.walk(tree, topdown=False):
            for name in files:
                self.fs.remove(os.path.join(folder, name))
            for name in names:
                path = os.path.join(folder, name)
                if os.path.islink(path):
                    self.fs.remove(path)
                else:
                    self.fs.rmdir(path)
        self.fs.rmdir(str(tree))

    # ------------------------------------------------------------------ without building

    def intact(self, files: dict[str, int], generation: int) -> bool:
        """Whether the output is exactly this generation with these files and sizes (no swap pending)."""
        if self.journal.exists():
            return False
        manifest, problems = read_manifest(self.out, str(self.out)) if self.out.is_dir() else (None, [])
        if manifest is None or problems or manifest.generation != generation:
            return False
        if manifest.files.keys() != files.keys():
            return False
        try:
            return all(os.stat(f"{self.out}/{path}").st_size == size for path, size in files.items())
        except OSError:
            return False


def recover(out: Path, expected: int | None, fs: LocalFiles | None = None) -> list[Problem]:
    """Finish a swap a killed build left: forward when `expected` is its new generation, else back."""
    fs = fs or LocalFiles()
    out = Path(os.path.abspath(out))
    journal = sibling(out, "swap")
    if not journal.exists():
        return []
    try:
        plan = json.loads(journal.read_text(encoding="utf-8"))
        target, fresh = int(plan["to"]), bool(plan.get("fresh"))
    except (OSError, ValueError, KeyError, TypeError):
        return [error(str(journal), None, "cxsite 的交换记录无法读取，没有继续上次中断的发布",
                      "这个文件由 cxsite 维护；确认输出文件夹完整后删除它")]
    forward = expected == target
    nxt, prev = sibling(out, "next"), sibling(out, "prev")
    if forward:
        _swap(out, nxt, prev, target, fresh, fs)
    else:
        _unswap(out, nxt, prev, target, fs)
    fs.remove(str(journal))
    return []


def _swap(out: Path, nxt: Path, prev: Path, target: int, fresh: bool, fs: LocalFiles) -> None:
    """Put the spare tree (generation `target`) in the output's place and the output in the spare's;
    after an interruption, do only the steps not done yet."""
    if out.exists() and _generation(out) == target:  # swapped already: only the old tree may be left aside
        if prev.exists() and not nxt.exists():
            fs.rename(str(prev), str(nxt))
        return
    if fresh and not out.exists():
        fs.rename(str(nxt), str(out))
        return
    if out.exists() and not prev.exists():
        fs.rename(str(out), str(prev))
    if not out.exists():
        fs.rename(str(nxt), str(out))
    if prev.exists() and not nxt.exists():
        fs.rename(str(prev), str(nxt))


def _unswap(out: Path, nxt: Path, prev: Path, target: int, fs: LocalFiles) -> None:
    """Undo a swap, however far it went: the tree of the older generation goes back in the output's place."""
    if out.exists() and _generation(out) == target:  # swapped (or half): move the new tree aside again
        if prev.exists() and not nxt.exists():
            fs.rename(str(out), str(nxt))
        elif nxt.exists() and not prev.exists():
            fs.rename(str(nxt), str(prev))
            fs.rename(str(out), str(nxt))
    if prev.exists() and not out.exists():
        fs.rename(str(prev), str(out))
    elif prev.exists() and not nxt.exists():
        fs.rename(str(prev), str(nxt))


def _generation(tree: Path) -> int | None:
    """The generation a tree's manifest names (None without one)."""
    manifest, _ = read_manifest(tree, str(tree))
    return manifest.generation if manifest else None


def _is_ours(tree: Path) -> bool:
    """Whether a folder is a tree cxsite made: it holds a manifest or the mark of being changed, or it
    is still empty (a build died between making it and marking it; removing it loses nothing)."""
    marked = (tree / MANIFEST).is_file() or (tree / DIRTY).is_file()
    return marked or (tree.is_dir() and not any(tree.iterdir()))


def _parents(path: str) -> list[str]:
    """The folders of a relative path: a/b/c.html -> a, a/b."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _lexists(path: str) -> bool:
    """Whether anything (a link included) is at path."""
    return os.path.lexists(path)


def _mtime(path: Path | str) -> int | None:
    """A folder's modification time (None when it is gone)."""
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _same_bytes(path: str, data: bytes) -> bool:
    """Whether a file already holds exactly these bytes (checked by size first)."""
    try:
        if os.stat(path).st_size != len(data):
            return False
        with open(path, "rb") as handle:
            return handle.read() == data
    except OSError:
        return False


def _refusal(path: str) -> Problem:
    """The problem of a file cxsite did not write but would replace."""
    return error(path, None, "输出文件夹里已有这个文件，但它不是 cxsite 生成的，cxsite 不会覆盖它",
                 "确认无用后手动删除它，或用 --out 换一个输出文件夹")
