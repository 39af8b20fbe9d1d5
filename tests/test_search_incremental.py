"""The search index in incremental builds: an edit rewrites only the index files it changed.

The random edit sequences of test_incremental.py compare whole sites (the index
included) with clean builds; here the index's own promises are checked: which files
an edit writes, that nothing is made when no entry changed, and that the preview
and a lost file come out as a clean build does.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cxsite.build import BuildOptions, Session
from cxsite.render.search import feature

from support import FIXED_NOW, build_at, tree_bytes
from test_incremental import clean_build, copy_example, mtimes

BULLETIN = Path("content") / "bulletins" / "002-xuexi-taolun.md"


def search_files(folder: Path) -> dict[str, bytes]:
    """The index's files of a built site (search/*.js; the search page aside)."""
    return {path: data for path, data in tree_bytes(folder).items() if is_index(path)}


def is_index(path: str) -> bool:
    """Whether a file of the site is one of the index's."""
    return path.startswith("search/") and path.endswith(".js")


def append(root: Path, text: str, path: Path = BULLETIN) -> None:
    """Append a paragraph to a document."""
    with open(root / path, "a", encoding="utf-8") as handle:
        handle.write(f"\n\n{text}\n")


def assert_one_text_block_and_shards(changed: set[str]) -> None:
    """What appending to one document's body changes: its block of text, the shards of new keys."""
    assert len([p for p in changed if p.startswith("search/x/")]) == 1
    assert any(p.startswith("search/k/") for p in changed)
    assert all(p.startswith(("search/x/", "search/k/")) for p in changed)  # no block of records, no meta


@pytest.fixture
def built(tmp_path):
    """The example site copied and built once: (root, output folder)."""
    root = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    assert build_at(root, out).ok
    return root, out


@pytest.fixture
def made(monkeypatch) -> list:
    """Records each time the index job makes its files."""
    calls = []
    original = feature.make_index

    def counting(*args):
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(feature, "make_index", counting)
    return calls


def test_editing_one_bulletin_rewrites_only_the_index_files_that_changed(built, tmp_path, made):
    root, out = built
    before, times = search_files(out), mtimes(out)
    append(root, "各支部结合岗位实际，开展“亮身份、树形象”主题实践活动。")
    result = build_at(root, out)
    assert result.ok and len(made) == 1
    after = search_files(out)
    changed = {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
    written = {path for path, time in mtimes(out).items() if path in after and times.get(path) != time}
    assert written == changed  # the file of its text and the shards of keys it gained, nothing else
    assert_one_text_block_and_shards(changed)
    assert after == search_files(_clean(root, tmp_path / "clean"))


def test_a_build_with_nothing_changed_writes_and_makes_nothing(built, made):
    root, out = built
    times = mtimes(out)
    result = build_at(root, out)
    assert (result.written, result.rendered) == (0, 0) and made == []
    assert mtimes(out) == times


def test_a_build_whose_entries_did_not_change_makes_no_index(built, made):
    root, out = built
    before, times = search_files(out), mtimes(out)
    layouts = root / "layouts" / "partials"
    layouts.mkdir(parents=True, exist_ok=True)
    footer = '<footer class="site-footer"><a href="{{ url(\'/subscribe/\') }}">订阅</a></footer>\n'
    (layouts / "footer.html").write_text(footer, encoding="utf-8")
    result = build_at(root, out)
    assert result.ok and result.rendered > 0  # every page has a new footer
    assert made == []  # the index job's inputs are the same: not made, its files kept
    assert search_files(out) == before
    index_times = {p: t for p, t in times.items() if is_index(p)}
    assert {p: t for p, t in mtimes(out).items() if is_index(p)} == index_times  # not even rewritten


def test_a_new_bulletin_and_a_removed_one_patch_in_like_a_clean_build(built, tmp_path):
    root, out = built
    (root / "content" / "bulletins" / "099-xin.md").write_text(
        "---\ntitle: 新一期简报\nissue: 6\ndate: 2011-08-01\n---\n\n新一期：争创先进基层党组织。\n",
        encoding="utf-8")
    assert build_at(root, out).ok
    assert search_files(out) == search_files(_clean(root, tmp_path / "c1"))
    (root / "content" / "bulletins" / "099-xin.md").unlink()
    assert build_at(root, out).ok
    assert search_files(out) == search_files(_clean(root, tmp_path / "c2"))


def test_an_index_file_lost_from_the_output_is_made_again(built, tmp_path, made):
    root, out = built
    shard = sorted((out / "search" / "k").iterdir())[0]
    shard.unlink()
    append(root, "补充：绿化造林。")
    assert build_at(root, out).ok
    assert shard.is_file()
    assert search_files(out) == search_files(_clean(root, tmp_path / "clean"))


def test_the_preview_patches_the_index_as_a_build_makes_it(tmp_path):
    root = copy_example(tmp_path / "site")
    session = Session(BuildOptions(root=root, now=FIXED_NOW, cache_dir=tmp_path / "cache", jobs=1))
    first = session.rebuild()
    assert first.ok
    append(root, "预览中补充的一句：服务群众零距离。")
    second = session.rebuild(frozenset({Session.CONTENT}))
    assert second.ok
    built = search_files(_clean(root, tmp_path / "clean"))
    assert_one_text_block_and_shards({p for p in second.changed if is_index(p)})
    assert {p: d for p, d in second.files.items() if is_index(p)} == built


def _clean(root: Path, scratch: Path) -> Path:
    """A clean build of root into scratch/out."""
    if scratch.exists():
        shutil.rmtree(scratch)
    result, _ = clean_build(root, scratch)
    assert result.ok
    return scratch / "out"
