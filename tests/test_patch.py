"""A Site patched after body edits (site/patch.py) equals a fresh one; it is used only where it may be."""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from cxsite.build import BuildOptions, Session, load_site, next_state, produce_site, set_up
from cxsite.content.project import scan_inputs
from cxsite.incremental.state import State, Summary
from cxsite.incremental.store import Cache
from cxsite.problem import sorted_problems
from cxsite.publish.sink import MemorySink

from support import FIXED_NOW
from test_incremental import clean_build, copy_example, edit_tags, edit_title, write_post_without_summary

BULLETIN = Path("content/bulletins/002-xuexi-taolun.md")
SITE_FIELDS = ("now", "documents", "bulletins", "posts", "pages", "records", "tags", "categories", "static",
               "intro", "held_back", "views_period")
INDEX_FIELDS = ("documents", "bulletins", "neighbours", "records", "terms", "referrers", "sources", "urls",
                "media")


class Loads:
    """Loads of one site, each after the one before as a preview makes them (a state between)."""

    def __init__(self, root: Path, scratch: Path, **flags):
        self.root, self.scratch, self.flags = root, scratch, flags
        self.options = BuildOptions(root=root, now=FIXED_NOW, jobs=1, cache_dir=scratch / "cache", **flags)
        self.setup, _ = set_up(self.options)
        self.cache = Cache(self.options.cache_path)
        self.loaded, self.state = None, State()
        self.next()

    def next(self, now: dt.datetime = FIXED_NOW):
        """Load again after edits, handing in the last load (it may be patched); keep the state it leaves."""
        self.options = replace(self.options, now=now)
        scan = scan_inputs(self.root, self.setup.extensions.files, self.setup.logs)
        loaded = load_site(self.options, self.setup, self.cache, self.state, stamps=scan,
                           previous=self.loaded)
        assert loaded.site is not None, loaded.problems
        produced = produce_site(loaded, self.setup, self.cache, self.state, MemorySink(read_static=False),
                                self.options)
        self.loaded = loaded
        self.state = next_state(self.setup, loaded, produced, scan=scan, summary=Summary())
        return loaded

    def fresh(self):
        """The load of the same sources from nothing (another cache, no earlier load)."""
        options = replace(self.options, cache_dir=self.scratch / "fresh-cache")
        setup, _ = set_up(options)
        shutil.rmtree(options.cache_path, ignore_errors=True)
        return load_site(options, setup, Cache(options.cache_path), State(),
                         stamps=scan_inputs(self.root, setup.extensions.files, setup.logs))


def assert_same(loaded, fresh) -> None:
    """Two loads hold equal Sites (every field the pages read) and the same problems."""
    for name in SITE_FIELDS:
        assert getattr(loaded.site, name) == getattr(fresh.site, name), name
    for name in INDEX_FIELDS:
        assert getattr(loaded.site.index, name) == getattr(fresh.site.index, name), name
    # Every document object the index hands out is the one the lists hold (no stale copy left behind).
    listed = {d.url: d for d in loaded.site.documents + loaded.site.pages}
    assert all(listed[url] is doc for url, doc in loaded.site.index.documents.items())
    assert all(listed[d.url] is d for pair in loaded.site.index.neighbours.values() for d in pair if d)
    assert sorted_problems(loaded.problems) == sorted_problems(fresh.problems)


def append(root: Path, path: Path, text: str) -> None:
    """Append text to a source file."""
    file = root / path
    file.write_text(file.read_text(encoding="utf-8") + text, encoding="utf-8")


@pytest.fixture
def loads(tmp_path):
    root = copy_example(tmp_path / "site")
    write_post_without_summary(root, "原来的第一段文字。")
    return Loads(root, tmp_path)


def test_a_new_heading_is_patched_in_and_equals_a_fresh_site(loads):
    before = loads.loaded.site
    append(loads.root, BULLETIN, "\n\n## 新增的小标题\n\n新的一段。\n")
    loaded = loads.next()
    assert loaded.patched and loaded.site.records is before.records  # the graph was not made again
    doc = loaded.site.bulletin(2)
    assert doc.toc[-1].title == "新增的小标题" and doc is not before.bulletin(2)
    assert loaded.site.neighbours(loaded.site.bulletin(1))[1] is doc
    assert_same(loaded, loads.fresh())


def test_a_summary_taken_from_the_body_is_patched_in(loads):
    post = loads.root / "content" / "posts" / "2010-09-20-zhaiyao.md"
    text = post.read_text(encoding="utf-8")
    post.write_text(text.replace("原来的第一段", "改过的第一段"), encoding="utf-8")
    loaded = loads.next()
    assert loaded.patched
    assert loaded.site.document("/posts/2010-09-20-zhaiyao/").summary.startswith("改过的第一段")
    assert_same(loaded, loads.fresh())


def test_body_edits_of_several_documents_at_once_are_patched_in(loads):
    append(loads.root, Path("content/bulletins/001-dongyuan-dahui.md"), "\n\n补充一句。\n")
    append(loads.root, BULLETIN, "\n\n又补充一句。\n")
    append(loads.root, Path("content/pages/guanyu.md"), "\n\n## 关于页的新标题\n")  # a page, not a bulletin
    loaded = loads.next()
    assert loaded.patched
    assert_same(loaded, loads.fresh())


@pytest.mark.parametrize("edit", [edit_title, edit_tags])
def test_a_front_matter_edit_makes_the_graph_again(loads, edit):
    edit(loads.root, random.Random(2))
    append(loads.root, BULLETIN, "\n\n正文也改了。\n")
    loaded = loads.next()
    assert not loaded.patched
    assert_same(loaded, loads.fresh())


def test_a_body_edit_with_a_deleted_file_makes_the_graph_again(loads):
    append(loads.root, BULLETIN, "\n\n正文改了。\n")
    (loads.root / "content" / "posts" / "2010-09-20-zhaiyao.md").unlink()
    loaded = loads.next()
    assert not loaded.patched and loaded.site.document("/posts/2010-09-20-zhaiyao/") is None
    assert_same(loaded, loads.fresh())


def test_a_new_link_in_a_body_makes_the_graph_again(loads):
    # A link is followed by the integrity checks: a broken one is a warning the patch would not know.
    append(loads.root, BULLETIN, "\n\n见[不存在的页面](../pages/meiyou.md)。\n")
    loaded = loads.next()
    assert not loaded.patched
    assert any("meiyou" in p.message for p in loaded.problems)
    assert_same(loaded, loads.fresh())


def test_a_patched_site_keeps_the_problems_of_the_graph_and_takes_the_new_clock(loads):
    # A broken link elsewhere is a warning the graph found: the patched Site reports it still.
    append(loads.root, Path("content/pages/guanyu.md"), "\n\n见[不存在的页面](../pages/meiyou.md)。\n")
    assert not loads.next().patched
    append(loads.root, BULLETIN, "\n\n补充。\n")
    loaded = loads.next(now=FIXED_NOW + dt.timedelta(minutes=5))
    assert loaded.patched and loaded.site.now == FIXED_NOW + dt.timedelta(minutes=5)
    assert any("meiyou" in p.message for p in loaded.problems)
    assert_same(loaded, loads.fresh())


def test_a_scheduled_document_stays_scheduled_when_patched(tmp_path):
    # With --future, bulletin 5 (dated after the clock) is published marked 定时 by the graph.
    loads = Loads(copy_example(tmp_path / "site"), tmp_path, future=True)
    assert loads.loaded.site.bulletin(5).scheduled
    append(loads.root, Path("content/bulletins/005-dier-jieduan.md"), "\n\n补充。\n")
    loaded = loads.next()
    assert loaded.patched and loaded.site.bulletin(5).scheduled
    assert_same(loaded, loads.fresh())


def test_a_body_edit_after_a_patched_one_is_patched_again(loads):
    for text in ("\n\n第一次。\n", "\n\n第二次。\n"):
        append(loads.root, BULLETIN, text)
        loaded = loads.next()
        assert loaded.patched
    assert_same(loaded, loads.fresh())


def test_a_body_edit_of_a_document_not_yet_due_makes_the_graph_again(loads):
    # Bulletin 5 is dated after the fixed clock: held back, so not in the Site to be swapped.
    append(loads.root, Path("content/bulletins/005-dier-jieduan.md"), "\n\n补充。\n")
    loaded = loads.next()
    assert not loaded.patched and loaded.site.bulletin(5) is None
    assert_same(loaded, loads.fresh())


def test_a_body_edit_of_a_draft_makes_the_graph_again(loads):
    # A draft is not in the Site: there is nothing to swap, so the graph is made again (and equal).
    post = loads.root / "content" / "posts" / "2010-09-20-zhaiyao.md"
    post.write_text(re.sub("^title:", "draft: true\ntitle:", post.read_text(encoding="utf-8"), flags=re.M),
                    encoding="utf-8")
    assert not loads.next().patched
    append(loads.root, post.relative_to(loads.root), "\n\n草稿补充。\n")
    loaded = loads.next()
    assert not loaded.patched and loaded.site.document("/posts/2010-09-20-zhaiyao/") is None
    assert_same(loaded, loads.fresh())


def test_the_preview_patches_body_saves_and_equals_a_clean_build(tmp_path):
    root = copy_example(tmp_path / "site")
    session = Session(BuildOptions(root=root, now=FIXED_NOW, jobs=1, cache_dir=tmp_path / "session-cache"))
    assert session.rebuild(None).ok
    append(root, BULLETIN, "\n\n## 预览中加的标题\n")
    rebuilt = session.rebuild(frozenset({"content"}))
    assert rebuilt.ok and rebuilt.patched
    _, files = clean_build(root, tmp_path / "clean")
    assert rebuilt.files == files
    edit_title(root, random.Random(5))
    rebuilt = session.rebuild(frozenset({"content"}))
    assert rebuilt.ok and not rebuilt.patched
    _, files = clean_build(root, tmp_path / "clean")
    assert rebuilt.files == files
