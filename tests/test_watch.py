"""The watcher: classifying paths, coalescing events, and editors' real save patterns."""

from __future__ import annotations

import os
import queue
from pathlib import Path, PurePosixPath

import pytest
from watchdog import events as wd

from cxsite.serve.watch import (
    THEME_DIR,
    ChangeKind,
    Changes,
    Debouncer,
    FileEvent,
    Watcher,
    classify,
    file_event,
    is_editor_noise,
)

ROOT = PurePosixPath("/site")
THEME = PurePosixPath("/pkg/cxsite/theme")
C, L, S, K = ChangeKind.CONTENT, ChangeKind.LAYOUT, ChangeKind.STATIC, ChangeKind.CONFIG
WAIT = 10  # seconds to wait for an expected batch before failing


@pytest.mark.parametrize(("path", "kind"), [
    ("/site/content/bulletins/001-dongyuan-dahui.md", C),
    ("/site/content/events/dongyuan-dahui.yaml", C),
    ("/site/content/branches.yaml", C),
    ("/site/content/bulletins/2010/007.md", C),  # a folder of digits is not Vim's 4913
    ("/site/content", C),
    ("/site/layouts/bulletin.html", L),
    ("/site/layouts/partials/nav.html", L),
    ("/site/static/img/合影.jpg", S),
    ("/site/site.yaml", K),
    ("/pkg/cxsite/theme/layouts/base.html", L),
    ("/pkg/cxsite/theme/static/css/site.css", S),
    ("/site/public/index.html", None),
    ("/site/public", None),
    ("/site/.cxsite-cache/pages.db", None),
    ("/site/README.md", None),
    ("/site/contentx/a.md", None),
    ("/site/content.md", None),
    ("/site/site.yml", None),
    ("/site/content/site.yaml", C),
    ("/site/static/site.yaml", S),
    ("/pkg/cxsite/theme/README", None),
    ("/pkg/cxsite/build.py", None),
    ("/elsewhere/content/a.md", None),
    ("/site/content/bulletins/.001.md.swp", None),
    ("/site/content/bulletins/001.md~", None),
    ("/site/content/bulletins/4913", None),
    ("/site/content/bulletins/.#001.md", None),
    ("/site/content/bulletins/#001.md#", None),
    ("/site/content/.git/HEAD", None),
    ("/site/static/.hidden/a.css", None),
    ("/site/site.yaml.swp", None),
    ("/site/.site.yaml.swp", None),
])
def test_classify(path, kind):
    assert classify(PurePosixPath(path), ROOT, THEME) is kind


@pytest.mark.parametrize("name", [
    ".001.md.swp", ".001.md.swo", "001.md.swp", "001.md.swx", "001.md~", "4913", "5036", ".#001.md",
    "#001.md#", ".goutputstream-3VJ9C1", "001.md___jb_tmp___", "001.md___jb_old___", "001.md.tmp",
    "001.md.bak", ".001.md.kate-swp", "001.md.crswap", "~$简报.docx", ".DS_Store", "Thumbs.db",
    "desktop.ini", ".~lock.a.md#",
])
def test_editor_noise(name):
    assert is_editor_noise(name)


@pytest.mark.parametrize("name", [
    "001-dongyuan-dahui.md", "site.yaml", "合影.jpg", "base.html", "swp.md", "tmp", "a.swpa.md", "2010.md",
])
def test_not_editor_noise(name):
    assert not is_editor_noise(name)


def _debouncer() -> Debouncer:
    return Debouncer(lambda p: classify(p, ROOT, THEME), quiet=0.15, longest=2.0)


def _p(rel: str) -> PurePosixPath:
    return ROOT / rel


def test_one_save_is_due_when_quiet():
    d = _debouncer()
    assert d.ready_at() is None
    d.add(FileEvent("modified", _p("content/bulletins/a.md")), now=10.0)
    assert d.ready_at() == pytest.approx(10.15)
    assert d.take() == Changes((_p("content/bulletins/a.md"),), frozenset({C}))
    assert d.ready_at() is None
    assert d.take() is None


def test_a_burst_is_one_batch_and_each_event_postpones_it():
    d = _debouncer()
    d.add(FileEvent("modified", _p("content/bulletins/a.md")), now=0.0)
    d.add(FileEvent("modified", _p("layouts/bulletin.html")), now=0.1)
    d.add(FileEvent("created", _p("static/img/b.png")), now=0.2)
    d.add(FileEvent("modified", _p("content/bulletins/a.md")), now=0.25)
    assert d.ready_at() == pytest.approx(0.4)
    assert d.take() == Changes((_p("content/bulletins/a.md"), _p("layouts/bulletin.html"),
                                _p("static/img/b.png")), frozenset({C, L, S}))


def test_endless_events_still_rebuild_every_longest_wait():
    d = _debouncer()
    for step in range(50):
        d.add(FileEvent("modified", _p("content/bulletins/a.md")), now=step * 0.1)
    assert d.ready_at() == pytest.approx(2.0)


def test_noise_alone_is_no_batch():
    d = _debouncer()
    for name in ("4913", ".a.md.swp", "a.md~"):
        d.add(FileEvent("created", _p(f"content/bulletins/{name}")), now=1.0)
    d.add(FileEvent("modified", _p("public/index.html")), now=1.0)
    assert d.ready_at() is None
    assert d.take() is None


def test_temp_then_rename_counts_the_final_name():
    d = _debouncer()
    tmp, final = _p("content/bulletins/a.md.tmp.1234"), _p("content/bulletins/a.md")
    d.add(FileEvent("created", tmp), now=0.0)
    d.add(FileEvent("modified", tmp), now=0.0)
    d.add(FileEvent("moved", tmp, final), now=0.01)
    assert d.take() == Changes((final,), frozenset({C}))


def test_noise_temp_renamed_over_the_file():
    d = _debouncer()
    tmp, final = _p("content/bulletins/.goutputstream-XYZ"), _p("content/bulletins/a.md")
    d.add(FileEvent("created", tmp), now=0.0)
    d.add(FileEvent("moved", tmp, final), now=0.0)
    assert d.take() == Changes((final,), frozenset({C}))


def test_vim_backup_and_write_test_file():
    d = _debouncer()
    final = _p("content/bulletins/a.md")
    d.add(FileEvent("created", _p("content/bulletins/4913")), now=0.0)
    d.add(FileEvent("deleted", _p("content/bulletins/4913")), now=0.0)
    d.add(FileEvent("moved", final, _p("content/bulletins/a.md~")), now=0.0)
    d.add(FileEvent("created", final), now=0.0)
    d.add(FileEvent("modified", final), now=0.0)
    d.add(FileEvent("deleted", _p("content/bulletins/a.md~")), now=0.0)
    assert d.take() == Changes((final,), frozenset({C}))


def test_delete_then_create_is_a_change():
    d = _debouncer()
    final = _p("layouts/bulletin.html")
    d.add(FileEvent("deleted", final), now=0.0)
    d.add(FileEvent("created", final), now=0.0)
    assert d.take() == Changes((final,), frozenset({L}))


def test_a_file_made_and_removed_within_a_batch_is_forgotten():
    d = _debouncer()
    d.add(FileEvent("created", _p("content/bulletins/draft.md")), now=0.0)
    d.add(FileEvent("deleted", _p("content/bulletins/draft.md")), now=0.0)
    assert d.ready_at() == pytest.approx(0.15)  # the events count; the batch just comes to nothing
    assert d.take() is None


def test_deleting_and_renaming_are_changes_of_both_names():
    d = _debouncer()
    d.add(FileEvent("deleted", _p("content/bulletins/a.md")), now=0.0)
    d.add(FileEvent("moved", _p("content/posts/b.md"), _p("content/posts/c.md")), now=0.0)
    d.add(FileEvent("moved", _p("site.yaml"), _p("site.yaml.bak")), now=0.0)
    assert d.take() == Changes((_p("content/bulletins/a.md"), _p("content/posts/b.md"),
                                _p("content/posts/c.md"), _p("site.yaml")), frozenset({C, K}))


def test_file_event_translates_watchdog_events():
    assert file_event(wd.FileModifiedEvent("/s/c/a.md")) == FileEvent("modified", Path("/s/c/a.md"))
    assert file_event(wd.FileClosedEvent("/s/a.md")) == FileEvent("modified", Path("/s/a.md"))
    assert file_event(wd.FileCreatedEvent(b"/s/a.md")) == FileEvent("created", Path("/s/a.md"))
    assert file_event(wd.DirDeletedEvent("/s/content/x")) == FileEvent("deleted", Path("/s/content/x"))
    assert file_event(wd.FileMovedEvent("/s/a.tmp", "/s/a.md")) == \
        FileEvent("moved", Path("/s/a.tmp"), Path("/s/a.md"))
    assert file_event(wd.DirModifiedEvent("/s/content")) is None
    assert file_event(wd.FileOpenedEvent("/s/a.md")) is None
    assert file_event(wd.FileClosedNoWriteEvent("/s/a.md")) is None
    assert file_event(wd.FileAttribEvent("/s/a.md")) is None


def test_changes_are_shown_relative_to_the_site():
    root = Path("/site")
    changes = Changes((root / "content/a.md", THEME_DIR / "layouts/base.html"), frozenset({C, L}))
    assert changes.shown(root) == ["content/a.md", str(THEME_DIR / "layouts/base.html")]


# Real file systems and a real watchdog observer: each save pattern must give exactly one batch.

@pytest.fixture
def watched(tmp_path):
    """A small site in tmp_path, watched; yields (root, next_batch, assert_nothing_more)."""
    root = tmp_path / "site"
    for folder in ("content/bulletins", "static/img", "public", ".cxsite-cache"):
        (root / folder).mkdir(parents=True)
    (root / "site.yaml").write_text("title: 测试\n", encoding="utf-8")
    (root / "content/bulletins/a.md").write_text("---\ntitle: 甲\n---\n", encoding="utf-8")
    (root / "content/bulletins/b.md").write_text("---\ntitle: 乙\n---\n", encoding="utf-8")
    theme = tmp_path / "theme"
    (theme / "layouts").mkdir(parents=True)
    batches: queue.Queue = queue.Queue()
    watcher = Watcher(root, batches.put, theme=theme, quiet=0.2)
    sentinels = iter(range(1000))

    def next_batch() -> Changes:
        return batches.get(timeout=WAIT)

    def nothing_more() -> None:
        """Prove no batch is pending: the next one holds only a fresh sentinel file."""
        sentinel = root / "content" / f"sentinel-{next(sentinels)}.md"
        sentinel.write_text("x", encoding="utf-8")
        assert next_batch() == Changes((sentinel.resolve(),), frozenset({C}))

    with watcher:
        yield watcher.root, next_batch, nothing_more


def test_write_to_temp_then_rename(watched):
    root, next_batch, nothing_more = watched
    tmp = root / "content/bulletins/a.md.tmp4711"
    tmp.write_text("---\ntitle: 甲（改）\n---\n", encoding="utf-8")
    os.replace(tmp, root / "content/bulletins/a.md")
    assert next_batch() == Changes((root / "content/bulletins/a.md",), frozenset({C}))
    nothing_more()


def test_delete_then_create(watched):
    root, next_batch, nothing_more = watched
    (root / "content/bulletins/b.md").unlink()
    (root / "content/bulletins/b.md").write_text("---\ntitle: 乙（改）\n---\n", encoding="utf-8")
    assert next_batch() == Changes((root / "content/bulletins/b.md",), frozenset({C}))
    nothing_more()


def test_vim_style_save_with_swap_and_backup(watched):
    root, next_batch, nothing_more = watched
    folder = root / "content/bulletins"
    (folder / ".a.md.swp").write_bytes(b"swap")
    (folder / "4913").write_bytes(b"")
    (folder / "4913").unlink()
    os.rename(folder / "a.md", folder / "a.md~")
    (folder / "a.md").write_text("---\ntitle: 甲（vim）\n---\n", encoding="utf-8")
    (folder / "a.md~").unlink()
    (folder / ".a.md.swp").unlink()
    assert next_batch() == Changes((folder / "a.md",), frozenset({C}))
    nothing_more()


def test_several_files_saved_at_once(watched):
    root, next_batch, nothing_more = watched
    (root / "content/bulletins/a.md").write_text("---\ntitle: 甲2\n---\n", encoding="utf-8")
    (root / "content/bulletins/b.md").write_text("---\ntitle: 乙2\n---\n", encoding="utf-8")
    (root / "static/img/new.svg").write_text("<svg/>", encoding="utf-8")
    (root / "site.yaml").write_text("title: 测试2\n", encoding="utf-8")
    assert next_batch() == Changes(
        (root / "content/bulletins/a.md", root / "content/bulletins/b.md", root / "site.yaml",
         root / "static/img/new.svg"), frozenset({C, S, K}))
    nothing_more()


def test_output_cache_and_other_files_are_not_watched(watched):
    root, next_batch, nothing_more = watched
    (root / "public/index.html").write_text("<p>built</p>", encoding="utf-8")
    (root / ".cxsite-cache/pages").write_bytes(b"cache")
    (root / "notes.txt").write_text("not part of the site", encoding="utf-8")
    nothing_more()


def test_theme_and_a_layouts_folder_made_later_are_watched(watched):
    root, next_batch, nothing_more = watched
    theme = root.parent / "theme"
    (theme / "layouts/base.html").write_text("<html></html>", encoding="utf-8")
    assert next_batch() == Changes((theme.resolve() / "layouts/base.html",), frozenset({L}))
    (root / "layouts").mkdir()
    assert next_batch() == Changes((root / "layouts",), frozenset({L}))
    (root / "layouts/bulletin.html").write_text("{{ page.title }}", encoding="utf-8")
    assert next_batch() == Changes((root / "layouts/bulletin.html",), frozenset({L}))
    nothing_more()
