"""Incremental builds: a second build writes nothing, and any edit sequence equals a clean build."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest

from support import REPO, build_at, tree_bytes

SITE_PARTS = ("site.yaml", "content", "layouts", "static")


def copy_example(target: Path) -> Path:
    """Copy the repository's example site (sources only) into target."""
    target.mkdir(parents=True, exist_ok=True)
    for name in SITE_PARTS:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        elif source.is_file():
            shutil.copy(source, target / name)
    return target


def clean_build(root: Path, scratch: Path):
    """Build root from nothing: fresh cache, fresh output; return (result, files)."""
    if scratch.exists():
        shutil.rmtree(scratch)
    out = scratch / "out"
    result = build_at(root, out, cache_dir=scratch / "cache", jobs=1)
    return result, (tree_bytes(out) if out.exists() else {})


def mtimes(folder: Path) -> dict[str, int]:
    """Return the modification time of every file under folder."""
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
            for p in folder.rglob("*") if p.is_file()}


def test_second_build_writes_nothing(tmp_path):
    root = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    first = build_at(root, out)
    assert first.ok and first.written > 50
    before = mtimes(out)
    second = build_at(root, out)
    assert second.ok
    assert (second.written, second.deleted, second.rendered) == (0, 0, 0)
    assert second.unchanged == first.written
    assert mtimes(out) == before


def test_one_edit_renders_only_its_dependents(tmp_path):
    root = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    first = build_at(root, out)
    path = root / "content" / "bulletins" / "002-xuexi-taolun.md"
    path.write_text(path.read_text(encoding="utf-8").replace("## ", "## 新", 1), encoding="utf-8")
    second = build_at(root, out)
    assert second.ok
    assert 0 < second.rendered < first.rendered / 2
    assert "新" in (out / "bulletins" / "2" / "index.html").read_text(encoding="utf-8")
    _, clean = clean_build(root, tmp_path / "clean")
    assert tree_bytes(out) == clean


# Each edit takes (root, rng) and changes the site the way a writer or designer might.
def edit_body(root: Path, rng: random.Random) -> None:
    doc = rng.choice(sorted((root / "content").glob("*/*.md")))
    doc.write_text(doc.read_text(encoding="utf-8") + f"\n\n补充说明第{rng.randint(1, 99)}条。\n",
                   encoding="utf-8")


def edit_title(root: Path, rng: random.Random) -> None:
    doc = rng.choice(sorted((root / "content").glob("*/*.md")))
    text = doc.read_text(encoding="utf-8")
    doc.write_text(re.sub(r"^title: (.*)$", rf"title: \1（{rng.randint(1, 9)}）", text, count=1,
                          flags=re.M), encoding="utf-8")


def edit_tags(root: Path, rng: random.Random) -> None:
    doc = rng.choice(sorted((root / "content" / "bulletins").glob("*.md")))
    text = doc.read_text(encoding="utf-8")
    tag = rng.choice(["动员部署", "新标签", "学习讨论"])
    doc.write_text(re.sub(r"^tags: \[", f"tags: [{tag}, ", text, count=1, flags=re.M), encoding="utf-8")


def edit_date(root: Path, rng: random.Random) -> None:
    doc = rng.choice(sorted((root / "content" / "posts").glob("*.md")))
    text = doc.read_text(encoding="utf-8")
    day = rng.randint(1, 28)
    doc.write_text(re.sub(r"^date: .*$", f"date: 2010-08-{day:02d}", text, count=1, flags=re.M),
                   encoding="utf-8")


def add_bulletin(root: Path, rng: random.Random) -> None:
    folder = root / "content" / "bulletins"
    issues = [int(m) for p in folder.glob("*.md")
              for m in re.findall(r"^issue: (\d+)", p.read_text(encoding="utf-8"), re.M)]
    issue = max(issues, default=0) + 1
    (folder / f"{issue:03d}-new.md").write_text(
        f"---\ntitle: 新一期简报{issue}\nissue: {issue}\ndate: 2010-10-{rng.randint(1, 28):02d}\n"
        f"branches: [houqin]\ntags: [新标签]\n---\n\n本期内容。[方案](../pages/shishi-fangan.md)\n",
        encoding="utf-8")


def remove_newest_bulletin(root: Path, rng: random.Random) -> None:
    docs = sorted((root / "content" / "bulletins").glob("*.md"))
    if len(docs) > 1:
        docs[-1].unlink()


def rename_post(root: Path, rng: random.Random) -> None:
    doc = rng.choice(sorted((root / "content" / "posts").glob("*.md")))
    text = doc.read_text(encoding="utf-8")
    text = re.sub(r"^slug: .*\n", "", text, flags=re.M)
    doc.unlink()
    (doc.parent / f"renamed-{rng.randint(1, 999)}.md").write_text(text, encoding="utf-8")


def toggle_draft(root: Path, rng: random.Random) -> None:
    doc = rng.choice(sorted((root / "content" / "posts").glob("*.md")))
    text = doc.read_text(encoding="utf-8")
    if "\ndraft: true" in text:
        text = text.replace("\ndraft: true", "", 1)
    else:
        text = text.replace("\ntitle:", "\ndraft: true\ntitle:", 1)
    doc.write_text(text, encoding="utf-8")


def rename_branch(root: Path, rng: random.Random) -> None:
    path = root / "content" / "branches.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("name: 第二党支部", f"name: 第二党支部{rng.randint(1, 9)}", 1)
                    .replace("name: 第二党支部1", "name: 第二党支部"), encoding="utf-8")


def add_event(root: Path, rng: random.Random) -> None:
    number = rng.randint(1, 99)
    (root / "content" / "events" / f"new-{number}.yaml").write_text(
        f"title: 新增活动{number}\ndate: 2010-12-{rng.randint(1, 28):02d}\nphase: phase-2\n"
        f"branches: [lituixiu]\nsummary: 活动内容。\n", encoding="utf-8")


def edit_layout(root: Path, rng: random.Random) -> None:
    layouts = root / "layouts" / "partials"
    layouts.mkdir(parents=True, exist_ok=True)
    theme = REPO / "cxsite" / "theme" / "layouts" / "partials" / "footer.html"
    text = theme.read_text(encoding="utf-8")
    (layouts / "footer.html").write_text(
        text.replace("</footer>", f"<p>页脚版本 {rng.randint(1, 99)}</p></footer>"), encoding="utf-8")


def toggle_layout_override(root: Path, rng: random.Random) -> None:
    override = root / "layouts" / "partials" / "footer.html"
    if override.exists():
        override.unlink()
    else:
        edit_layout(root, rng)


def edit_static(root: Path, rng: random.Random) -> None:
    path = root / "static" / "img" / f"extra-{rng.randint(1, 3)}.svg"
    if path.exists():
        path.unlink()
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")


def edit_config(root: Path, rng: random.Random) -> None:
    path = root / "site.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^pagination: \d+", f"pagination: {rng.choice([2, 3, 10])}", text,
                           flags=re.M), encoding="utf-8")


EDITS = [edit_body, edit_title, edit_tags, edit_date, add_bulletin, remove_newest_bulletin, rename_post,
         toggle_draft, rename_branch, add_event, edit_layout, toggle_layout_override, edit_static,
         edit_config]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_edit_sequences_equal_clean_builds(tmp_path, seed):
    rng = random.Random(seed)
    root = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    assert build_at(root, out, jobs=1).ok
    for step in range(10):
        edit = rng.choice(EDITS)
        edit(root, rng)
        result = build_at(root, out, jobs=1)
        clean, clean_files = clean_build(root, tmp_path / "clean")
        assert result.ok == clean.ok, (step, edit.__name__, result.problems, clean.problems)
        if result.ok:
            assert tree_bytes(out) == clean_files, (step, edit.__name__)


def test_page_digest_covers_every_field_of_a_page():
    # pipeline.page_digest spells the fields out for speed; a new field must be added there.
    import dataclasses

    from cxsite.render import Page
    assert [f.name for f in dataclasses.fields(Page)] == [
        "url", "template", "title", "kind", "doc", "record", "term", "items", "pager", "groups", "feed",
        "in_sitemap"]


def test_an_interrupted_commit_is_finished_by_the_next_build(tmp_path, monkeypatch):
    import cxsite.output

    root = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    assert build_at(root, out, jobs=1).ok
    for doc in sorted((root / "content" / "bulletins").glob("*.md")):
        edit_title(doc.parent.parent.parent, random.Random(doc.name))
    moved = []
    real_target = cxsite.output._target

    def interrupted(staging, rel, made):
        if len(moved) == 2:  # the third move of the commit never happens
            raise KeyboardInterrupt
        moved.append(rel)
        return real_target(staging, rel, made)

    monkeypatch.setattr(cxsite.output, "_target", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build_at(root, out, jobs=1)
    monkeypatch.undo()
    staging = cxsite.output.staging_dir(out.resolve())
    assert (staging / cxsite.output.JOURNAL).is_file()  # kept for the next run, not dropped
    assert build_at(root, out, jobs=1).ok
    assert not staging.exists()
    _, clean = clean_build(root, tmp_path / "clean")
    assert tree_bytes(out) == clean
