"""Incremental builds: a second build writes nothing, and any edit sequence equals a clean build."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest

from cxsite.output import read_manifest

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


def test_a_first_build_renames_its_staging_folder_into_place(tmp_path, monkeypatch):
    import cxsite.output

    root = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    renamed = []
    real_rename = cxsite.output.os.rename
    monkeypatch.setattr(cxsite.output.os, "rename", lambda a, b: (renamed.append((a, b)), real_rename(a, b)))
    assert build_at(root, out, jobs=1).ok
    assert renamed == [(cxsite.output.staging_dir(out.resolve()), out.resolve())]
    assert not (out / cxsite.output.JOURNAL).exists() and not (out / cxsite.output.STAGING_MARK).exists()
    _, clean = clean_build(root, tmp_path / "clean")
    assert tree_bytes(out) == clean


def test_marks_left_by_an_interrupted_whole_folder_commit_are_removed(tmp_path, monkeypatch):
    import cxsite.output

    root = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    monkeypatch.setattr(cxsite.output, "_drop_marks", lambda out: None)  # interrupted right after the rename
    assert build_at(root, out, jobs=1).ok
    monkeypatch.undo()
    assert (out / cxsite.output.STAGING_MARK).exists()
    assert not cxsite.output.SiteWriter(out).intact({p: (out / p).stat().st_size for p in read_manifest(out)})
    second = build_at(root, out, jobs=1)
    assert second.ok and second.written == 0
    assert not (out / cxsite.output.JOURNAL).exists() and not (out / cxsite.output.STAGING_MARK).exists()
    _, clean = clean_build(root, tmp_path / "clean")
    assert tree_bytes(out) == clean


def test_a_whole_folder_journal_falls_back_to_moves_when_the_output_appeared(tmp_path):
    from cxsite.output import JOURNAL, STAGING_MARK, recover, staging_dir

    out = tmp_path / "out"
    staging = staging_dir(out)
    (staging / "a").mkdir(parents=True)
    (staging / STAGING_MARK).write_text("x", encoding="utf-8")
    (staging / "a" / "index.html").write_text("new", encoding="utf-8")
    journal = '{"moves": ["a/index.html"], "deletes": [], "manifest": ["a/index.html"], "whole": true}'
    (staging / JOURNAL).write_text(journal, encoding="utf-8")
    out.mkdir()
    (out / "notes.txt").write_text("not ours", encoding="utf-8")
    recover(out)
    assert (out / "a" / "index.html").read_text(encoding="utf-8") == "new"
    assert (out / "notes.txt").read_text(encoding="utf-8") == "not ours"
    assert read_manifest(out) == {"a/index.html"} and not staging.exists()


def spy_body_edits(monkeypatch) -> list:
    """Record what each build found about body-only edits (None: it verified every page)."""
    import cxsite.build

    seen = []
    real = cxsite.build._body_edits
    monkeypatch.setattr(cxsite.build, "_body_edits", lambda *args: seen.append(real(*args)) or seen[-1])
    return seen


def write_post_without_summary(root: Path, first_paragraph: str) -> Path:
    """A post whose summary comes from its body (lists and the home page show it)."""
    path = root / "content" / "posts" / "2010-09-20-zhaiyao.md"
    path.write_text("---\ntitle: 摘要来自正文的动态\ndate: 2010-09-20\ncategory: 工作动态\ntags: [学习讨论]\n"
                    f"---\n\n{first_paragraph}\n\n第二段保持不变。\n", encoding="utf-8")
    return path


def test_a_body_edit_verifies_only_the_pages_that_read_the_document(tmp_path, monkeypatch):
    root = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    post = write_post_without_summary(root, "原来的第一段文字。")
    assert build_at(root, out, jobs=1).ok
    seen = spy_body_edits(monkeypatch)
    text = post.read_text(encoding="utf-8")
    post.write_text(text.replace("原来的第一段", "改过的第一段"), encoding="utf-8")
    result = build_at(root, out, jobs=1)
    assert result.ok and seen == [frozenset({"/posts/2010-09-20-zhaiyao/"})]
    for shown in ("posts/index.html", "tags/xuexi-taolun/index.html", "categories/gongzuo-dongtai/index.html",
                  "feed.xml", "categories/gongzuo-dongtai/feed.xml"):  # summaries, and full text in feeds
        assert "改过的第一段" in (out / shown).read_text(encoding="utf-8"), shown
    _, clean = clean_build(root, tmp_path / "clean")
    assert tree_bytes(out) == clean


@pytest.mark.parametrize("other", [edit_title, edit_layout, edit_static, add_bulletin])
def test_a_body_edit_beside_any_other_change_verifies_every_page(tmp_path, monkeypatch, other):
    root = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    assert build_at(root, out, jobs=1).ok
    seen = spy_body_edits(monkeypatch)
    edit_body(root, random.Random(7))
    other(root, random.Random(8))
    assert build_at(root, out, jobs=1).ok and seen == [None]
    _, clean = clean_build(root, tmp_path / "clean")
    assert tree_bytes(out) == clean


def test_a_layout_printing_whole_documents_stays_correct_after_a_body_edit(tmp_path):
    # The pages below never read a field of the newest bulletin, only print it whole.
    root = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    (root / "layouts" / "page.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>{{ page.title }}</h1><p>{{ site.bulletins[0] }}</p>'
        "<p>{{ site.bulletins[0]|pprint }}</p>{% endblock %}", encoding="utf-8")
    assert build_at(root, out, jobs=1).ok
    newest = sorted((root / "content" / "bulletins").glob("*.md"))[-1]
    newest.write_text(newest.read_text(encoding="utf-8") + "\n\n补充一段。\n", encoding="utf-8")
    assert build_at(root, out, jobs=1).ok
    _, clean = clean_build(root, tmp_path / "clean")
    assert tree_bytes(out) == clean


def test_a_cache_of_another_version_is_dropped_but_not_files_cxsite_did_not_write(tmp_path):
    from cxsite.cache import Cache

    folder = tmp_path / "cache"
    Cache(folder).put_many([("k", ("summary", 1, ()), "<p>x</p>")])
    (folder / "templates").mkdir()
    (folder / "templates" / "__jinja2_abc.cache").write_bytes(b"compiled")
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    (folder / "VERSION").write_text("cxsite 0.0.1 (older)\n", encoding="utf-8")
    fresh = Cache(folder)
    assert fresh.html_keys == set()  # nothing of the other version is trusted
    assert not (folder / "templates").exists()
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"
