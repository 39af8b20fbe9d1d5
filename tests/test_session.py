"""The preview's resident Session: any sequence of saves leaves in memory what a clean build writes."""

from __future__ import annotations

import gc
import random
import weakref
from pathlib import Path

import pytest

from cxsite.build import BuildOptions, Session
from cxsite.content.project import scan_inputs

from support import FIXED_NOW
from test_incremental import EDITS, clean_build, copy_example, edit_body

KIND_OF_FOLDER = {"content": "content", "layouts": "layout", "static": "static", "site.yaml": "config"}


def changed_kinds(before: dict, after: dict) -> frozenset[str]:
    """The kinds of change the watcher would report for the files whose stamps differ."""
    names = {n for n in before.keys() | after.keys() if before.get(n) != after.get(n)}
    return frozenset(KIND_OF_FOLDER[name.split("/")[0]] for name in names)


def new_session(root: Path, scratch: Path) -> Session:
    """A session with the fixed clock and its cache outside the site."""
    return Session(BuildOptions(root=root, now=FIXED_NOW, jobs=1, cache_dir=scratch / "session-cache"))


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_random_saves_in_the_preview_equal_clean_builds(tmp_path, seed):
    rng = random.Random(seed)
    root = copy_example(tmp_path / "site")
    session = new_session(root, tmp_path)
    assert session.rebuild(None).ok
    for step in range(10):
        before = scan_inputs(root)
        edit = rng.choice(EDITS + [edit_body] * 3)  # saves are mostly body edits
        edit(root, rng)
        kinds = changed_kinds(before, scan_inputs(root))
        rebuilt = session.rebuild(kinds)
        clean, files = clean_build(root, tmp_path / "clean")
        assert rebuilt.ok == clean.ok, (step, edit.__name__, rebuilt.problems, clean.problems)
        if rebuilt.ok:
            assert rebuilt.files == files, (step, edit.__name__, sorted(
                p for p in rebuilt.files.keys() | files.keys() if rebuilt.files.get(p) != files.get(p)))


def test_a_body_save_in_the_preview_renders_only_the_pages_showing_the_document(tmp_path):
    root = copy_example(tmp_path / "site")
    session = new_session(root, tmp_path)
    first = session.rebuild(None)
    assert first.ok
    edit_body(root, random.Random(3))
    rebuilt = session.rebuild(frozenset({"content"}))
    assert rebuilt.ok and 0 < rebuilt.rendered < first.rendered // 4
    assert rebuilt.body_only is not None and len(rebuilt.body_only) == 1
    _, files = clean_build(root, tmp_path / "clean")
    assert rebuilt.files == files


class Node:
    """An object that can hold itself (a cycle) and be watched through a weak reference."""


def test_a_resident_session_freezes_what_it_keeps_and_still_collects_cycles_now_and_then(tmp_path):
    root = copy_example(tmp_path / "site")
    options = BuildOptions(root=root, now=FIXED_NOW, jobs=1, cache_dir=tmp_path / "cache")
    session = Session(options, resident=True)
    session.COLLECT_EVERY = 2
    cycle = Node()
    cycle.me = cycle
    watched = weakref.ref(cycle)
    try:
        assert session.rebuild(None).ok
        assert gc.get_freeze_count() > 0  # what the first rebuild left is out of the collector's passes
        del cycle  # garbage now, but frozen: only the full pass after thawing finds it
        gc.collect()
        assert watched() is not None
        edit_body(root, random.Random(1))
        rebuilt = session.rebuild(frozenset({"content"}))  # the second: thawed, collected, frozen again
        assert watched() is None and gc.get_freeze_count() > 0
        _, files = clean_build(root, tmp_path / "clean")
        assert rebuilt.ok and rebuilt.files == files
    finally:
        gc.unfreeze()  # the rest of the test run is not a preview
