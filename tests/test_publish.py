"""Publishing: the output folder holds a whole generation of the site after an interruption at any step.

The writer makes every change to the disk through one file-system object
(publish/filesystem.py); these tests hand it one that "dies" at the n-th call,
for every n of a build, and check what a reader of the output folder would see,
then that the next build mends everything. The kill -9 tests of whole processes
are in test_attack_kill.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cxsite.publish.filesystem import LocalFiles
from cxsite.publish.manifest import MANIFEST
from cxsite.publish.writer import SiteWriter, sibling

from support import SAMPLE, build_at, manifest_files, tree_bytes


class Died(BaseException):
    """The process was killed here (a BaseException: nothing in cxsite may catch it)."""


class DyingFiles(LocalFiles):
    """A file system whose process dies at the given call (counting from 0); None: never."""

    def __init__(self, at: int | None = None):
        self.at, self.calls = at, 0

    def _tick(self) -> None:
        if self.at is not None and self.calls == self.at:
            raise Died
        self.calls += 1


def _dying(real):
    """A file-system call that may be the one the process dies at."""

    def call(self, *args):
        self._tick()
        return real(self, *args)

    return call


for _name in ("write_new", "link", "copy", "rename", "replace", "remove", "makedirs", "rmdir", "write_text"):
    setattr(DyingFiles, _name, _dying(getattr(LocalFiles, _name)))


def edit(root: Path) -> None:
    """A writer's edit: a bulletin's text, a post removed, a new post (files written, deleted, added).

    It leaves the pages of content/pages/ as they are: the earlier builds edit one of them, and
    only the writer's care for the spare tree keeps that edit in the output.
    """
    bulletin = root / "content" / "bulletins" / "002.md"
    bulletin.write_text(bulletin.read_text(encoding="utf-8") + "\n补充一段新的内容。\n", encoding="utf-8")
    (root / "content" / "posts" / "2010-08-30-xinde.md").unlink()
    (root / "content" / "posts" / "2010-10-08-xin.md").write_text(
        "---\ntitle: 新的动态\ndate: 2010-10-08\n---\n\n新动态的正文。\n", encoding="utf-8")


def prepare(base: Path, builds: int) -> None:
    """A site built `builds` times (each after an edit but the first) in base/site, base/out."""
    shutil.copytree(SAMPLE, base / "site")
    assert build_at(base / "site", base / "out", jobs=1).ok
    for number in range(builds - 1):
        page = base / "site" / "content" / "pages" / "fang-an.md"
        page.write_text(page.read_text(encoding="utf-8") + f"\n第{number}次修订。\n", encoding="utf-8")
        assert build_at(base / "site", base / "out", jobs=1).ok


def reference(base: Path, target: Path) -> dict[str, bytes]:
    """The site a clean build of base/site (after the edit) makes."""
    site = target / "site"
    shutil.copytree(base / "site", site)
    edit(site)
    assert build_at(site, target / "out", jobs=1).ok
    return tree_bytes(target / "out")


def calls_of_one_build(base: Path, scratch: Path) -> int:
    """How many file-system calls the edited build makes (counted on a copy)."""
    shutil.copytree(base, scratch)
    edit(scratch / "site")
    counter = DyingFiles()
    assert build_at(scratch / "site", scratch / "out", jobs=1, files=counter).ok
    return counter.calls


@pytest.mark.parametrize("builds", [1, 2], ids=["first-incremental-build", "steady-state"])
def test_a_build_dying_at_any_step_leaves_a_whole_site_and_the_next_build_mends_it(tmp_path, builds):
    base = tmp_path / "base"
    prepare(base, builds)
    old = tree_bytes(base / "out")
    new = reference(base, tmp_path / "reference")
    steps = calls_of_one_build(base, tmp_path / "count")
    assert steps > 10
    seen = {"old": 0, "new": 0, "between-renames": 0}
    for step in range(steps):
        work = tmp_path / f"step-{step}"
        shutil.copytree(base, work)
        edit(work / "site")
        with pytest.raises(Died):
            build_at(work / "site", work / "out", jobs=1, files=DyingFiles(step))
        out = work / "out"
        if out.exists():
            now = tree_bytes(out)
            assert now in (old, new), f"a mixed site after dying at step {step}"
            seen["old" if now == old else "new"] += 1
        else:  # the one moment the name is free: between the swap's first two renames
            assert (work / ".out.cxsite-swap").exists() and (work / ".out.cxsite-prev").exists(), step
            seen["between-renames"] += 1
        after = build_at(work / "site", out, jobs=1)
        assert after.ok, (step, after.problems)
        assert tree_bytes(out) == new, f"the next build did not mend the site (died at step {step})"
        assert not sibling(out, "swap").exists() and not sibling(out, "prev").exists()
        shutil.rmtree(work)
    assert seen["old"] and seen["new"], seen


def test_an_interrupted_swap_goes_back_when_the_build_did_not_record_it(tmp_path):
    base = tmp_path / "base"
    prepare(base, 2)
    old = tree_bytes(base / "out")
    generation = json.loads((base / "out" / MANIFEST).read_text(encoding="utf-8"))["generation"]
    # A writer swaps in a whole new tree, then the process dies before the build's state is saved.
    writer = SiteWriter(base / "out", expected=generation)
    assert writer.begin() == []
    writer.note(writer.stage("index.html", b"<p>a site nobody recorded</p>"))
    report, problems = writer.commit(manifest_files(base / "out"))
    assert problems == [] and report.generation == generation + 1
    assert (base / "out" / "index.html").read_bytes() == b"<p>a site nobody recorded</p>"
    # The next build's state still names the old generation: the swap is undone before anything else.
    result = build_at(base / "site", base / "out", jobs=1)
    assert result.ok
    assert tree_bytes(base / "out") == old
    assert not sibling(base / "out", "swap").exists()


def test_a_manifest_naming_paths_outside_the_output_is_reported_not_obeyed(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(SAMPLE, site)
    out = tmp_path / "out"
    assert build_at(site, out, jobs=1).ok
    assert (out / "posts" / "2010-08-30-xinde" / "index.html").is_file()
    outside = tmp_path / "keep.txt"
    outside.write_text("不是 cxsite 的文件", encoding="utf-8")
    (site / "site.yaml").write_text((site / "site.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    for bad in ("../keep.txt", str(outside), "a/../../keep.txt", "C:/keep.txt", "..\\keep.txt"):
        manifest["files"][bad] = 10
        manifest["changed"].append(bad)
    (out / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    (site / "content" / "posts" / "2010-08-30-xinde.md").unlink()  # so the build deletes something
    result = build_at(site, out, jobs=1)
    assert result.ok
    assert outside.read_text(encoding="utf-8") == "不是 cxsite 的文件"
    warned = [p for p in result.problems if p.path.endswith(MANIFEST)]
    assert len(warned) == 1 and "文件夹以外的路径" in warned[0].message and "../keep.txt" in warned[0].message
    assert not (out / "posts" / "2010-08-30-xinde").exists()


def test_files_someone_else_put_in_the_output_survive_every_swap(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(SAMPLE, site)
    out = tmp_path / "out"
    assert build_at(site, out, jobs=1).ok
    (out / "robots.txt").write_text("管理员的文件", encoding="utf-8")
    (out / "bulletins" / "notes.txt").write_text("旧笔记", encoding="utf-8")
    (out / "extra").mkdir()
    page = site / "content" / "pages" / "fang-an.md"
    for number in range(3):
        page.write_text(page.read_text(encoding="utf-8") + f"\n修订{number}。\n", encoding="utf-8")
        assert build_at(site, out, jobs=1).ok
        assert (out / "robots.txt").read_text(encoding="utf-8") == "管理员的文件"
        assert (out / "bulletins" / "notes.txt").read_text(encoding="utf-8") == "旧笔记"
        assert (out / "extra").is_dir()
    (out / "robots.txt").unlink()  # the administrator removes it: it does not come back
    for number in range(2):
        page.write_text(page.read_text(encoding="utf-8") + f"\n再修订{number}。\n", encoding="utf-8")
        assert build_at(site, out, jobs=1).ok
        assert not (out / "robots.txt").exists()


@pytest.mark.parametrize("bad", ["../keep.txt", "/etc/passwd", "a/../../keep.txt", "C:/keep.txt",
                                 "..\\keep.txt", "a//b", "a/", "./a", "a/.", "a\nb/../..", "a\x00b", ""])
def test_manifest_paths_judged_together_as_each_alone(bad):
    """The one-search check over all paths finds a bad path anywhere, as the per-path check does."""
    from cxsite.publish.manifest import _all_safe, is_safe_path

    good = ("index.html", "bulletins/1/index.html", "css/site.css")
    assert _all_safe(good)
    assert not is_safe_path(bad)
    for at in range(len(good) + 1):
        assert not _all_safe((*good[:at], bad, *good[at:]))
    assert not _all_safe((*good, 7))
