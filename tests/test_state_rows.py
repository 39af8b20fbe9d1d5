"""The state a build leaves reads back as saved, whatever rows and dependency keys builds add or drop."""

from __future__ import annotations

from dataclasses import replace

from cxsite.incremental.keys import FieldKey, ObjectKey
from cxsite.incremental.state import PageRecord, State, Summary
from cxsite.incremental.store import Cache

SETTINGS = b"settings"


def record(*names: str) -> PageRecord:
    """A page record that read these fields of the Site (and the first as a document too)."""
    keys = tuple(FieldKey(name) for name in names)
    keys += tuple(ObjectKey(("document", f"/{n}/")) for n in names[:1])
    return PageRecord(digest=b"d" * 16, size=len(names), inputs=b"i" * 16, deps=keys)


def save_then_read(folder, out, state: State) -> State:
    """Save a state over the one read from the cache (as a build does), then read it back afresh."""
    cache = Cache(folder)
    cache.save_state(out, state, cache.load_state(out, SETTINGS))
    return Cache(folder).load_state(out, SETTINGS)


def test_records_read_back_after_builds_that_add_keep_and_drop_keys(tmp_path):
    folder, out = tmp_path / "cache", tmp_path / "out"
    state = State(settings=SETTINGS, pages={"a/index.html": record("x")}, summary=Summary())
    steps = [
        {"a/index.html": record("x")},  # the first build
        {"a/index.html": record("x"), "b/index.html": record("x", "y")},  # a new page reads a new key
        {"a/index.html": record("x"), "b/index.html": record("x", "y")},  # nothing new: the table is kept
        {"b/index.html": record("z", "y")},  # a page gone, another made again with a new key
    ]
    for pages in steps:
        state = replace(state, pages=pages)
        assert save_then_read(folder, out, state).pages == pages


def test_a_key_table_mostly_unread_starts_again_and_still_reads_back(tmp_path):
    folder, out = tmp_path / "cache", tmp_path / "out"
    many = {f"p{i}/index.html": record(*(f"k{i}-{j}" for j in range(3))) for i in range(1000)}
    state = State(settings=SETTINGS, pages=many, summary=Summary())
    assert save_then_read(folder, out, state).pages == many
    few = {"p0/index.html": record("new")}  # 3,000 keys stored, 2 read: the table is made again
    assert save_then_read(folder, out, replace(state, pages=few)).pages == few
    again = {"p0/index.html": record("new"), "p1/index.html": record("new", "other")}
    assert save_then_read(folder, out, replace(state, pages=again)).pages == again


def test_one_cache_saving_twice_reads_back_what_it_saved_last(tmp_path):
    # A cache kept open saves after the key table it read or wrote last, never a stale copy of it.
    folder, out = tmp_path / "cache", tmp_path / "out"
    first = State(settings=SETTINGS, pages={"a/index.html": record("x")}, summary=Summary())
    assert save_then_read(folder, out, first).pages == first.pages
    cache = Cache(folder)
    read = cache.load_state(out, SETTINGS)
    second = replace(first, pages={"a/index.html": record("x", "y")})
    cache.save_state(out, second, read)
    third = replace(first, pages={"a/index.html": second.pages["a/index.html"], "b/index.html": record("z")})
    cache.save_state(out, third, second)
    assert Cache(folder).load_state(out, SETTINGS).pages == third.pages
