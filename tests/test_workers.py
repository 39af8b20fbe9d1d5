"""incremental/workers.py: work spread over forked processes frees what each item leaves behind."""

from __future__ import annotations

import gc
import multiprocessing
import weakref

import pytest

from cxsite.incremental.workers import BATCH, map_forked

ITEMS = 12 * BATCH


class Leftover:
    """What an item leaves: an object in a reference cycle (as Jinja's contexts are)."""

    alive: weakref.WeakSet = weakref.WeakSet()

    def __init__(self):
        self.me = self
        Leftover.alive.add(self)


def leave_a_cycle(item: int) -> int:
    """Make a cycle that only the collector can free; return how many such cycles live now."""
    Leftover()
    return len(Leftover.alive)


@pytest.fixture
def collector_paused():
    """Run with the cycle collector paused, as a build runs."""
    was = gc.isenabled()
    gc.disable()
    yield
    if was:
        gc.enable()


@pytest.mark.parametrize("jobs", [1, 2])
def test_cycles_left_by_items_are_freed_as_the_work_goes(collector_paused, jobs):
    if jobs > 1 and "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork here: the work runs in this process")
    alive = dict(map_forked(leave_a_cycle, range(ITEMS), jobs, minimum=1))
    assert sorted(alive) == list(range(ITEMS))
    # With the collector paused and nobody collecting, the last item would see ITEMS cycles alive.
    assert max(alive.values()) <= 2 * BATCH


def test_objects_frozen_for_the_work_are_unfrozen_after_it(collector_paused):
    list(map_forked(leave_a_cycle, range(ITEMS), 1))
    assert gc.get_freeze_count() == 0


def test_what_a_caller_froze_stays_frozen(collector_paused):
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        list(map_forked(leave_a_cycle, range(ITEMS), 1))
        assert gc.get_freeze_count() >= frozen > 0
    finally:
        gc.unfreeze()
