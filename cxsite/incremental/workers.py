"""Work spread over forked processes, results streamed back as they are ready.

Forking (not spawning) lets workers inherit the Site, the templates and the
Markdown parser as they are, with nothing to pickle on the way in; results
come back in small batches so the parent can write them while others are made.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import wait

BATCH = 32
PARENT_POLL_SECONDS = 0.5


class WorkerError(RuntimeError):
    """A worker process failed; the message carries its traceback."""


def default_jobs() -> int:
    """Return the number of worker processes to use: the cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def map_forked(func: Callable, items: Sequence, jobs: int, minimum: int = 64,
               finish: Callable | None = None) -> Iterator[tuple[int, object]]:
    """Yield (index, func(item)) for every item, in `jobs` forked processes when worth it.

    `finish()` runs once in each process that handled items, after its last one
    (to flush what it batched), before the results are all in.
    """
    if jobs <= 1 or len(items) < minimum or "fork" not in multiprocessing.get_all_start_methods():
        # As a worker does (see _work). A caller that froze objects itself (the preview's Session)
        # keeps them frozen: gc can only thaw everything, so only what nobody else froze is thawed.
        thaw = gc.get_freeze_count() == 0
        gc.freeze()
        try:
            for index, item in enumerate(items):
                yield index, func(item)
                if index % BATCH == BATCH - 1:
                    gc.collect(1)
        finally:
            if thaw:
                gc.unfreeze()
        if finish:
            finish()
        return
    context = multiprocessing.get_context("fork")
    readers, processes = [], []
    parent = os.getpid()
    for worker in range(jobs):
        reader, writer = context.Pipe(duplex=False)
        # A worker closes its copies of the others' read ends, so a write to a dead parent fails
        # instead of blocking forever on a pipe a sibling still holds open.
        process = context.Process(target=_work, args=(func, items, worker, jobs, writer, finish, parent,
                                                      tuple(readers)), daemon=True)
        process.start()
        writer.close()
        readers.append(reader)
        processes.append(process)
    try:
        while readers:
            for reader in wait(readers):
                try:
                    batch = reader.recv()
                except EOFError:
                    batch = WorkerError("a worker process stopped unexpectedly")
                if isinstance(batch, WorkerError):
                    raise batch
                if batch is None:
                    readers.remove(reader)
                else:
                    yield from batch
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()


def _work(func: Callable, items: Sequence, worker: int, jobs: int, conn, finish, parent: int,
          siblings: tuple) -> None:
    """Worker body: handle every jobs-th item from `worker` on, sending batches."""
    for other in siblings:
        other.close()
    _exit_with(parent)
    # The build pauses the cycle collector (build._without_cycle_collector), but rendering leaves
    # cycles (Jinja's contexts of macros imported with context, ~45 kB a page): the worker collects
    # what its own items made now and then. Frozen first, the objects it inherited (the Site) are
    # never walked, so their pages stay shared with the parent.
    gc.freeze()
    try:
        batch = []
        for index in range(worker, len(items), jobs):
            batch.append((index, func(items[index])))
            if len(batch) >= BATCH:
                conn.send(batch)
                batch = []
                gc.collect(1)
        if batch:
            conn.send(batch)
        if finish:
            finish()
        conn.send(None)
    except BaseException:
        conn.send(WorkerError(traceback.format_exc()))
    finally:
        conn.close()
        os._exit(0)  # skip the parent's atexit handlers and buffered output in the child


def _exit_with(parent: int) -> None:
    """End this worker soon after its parent dies (killed with SIGKILL, or a plain SIGTERM).

    A thread polls the parent's id: when the parent is gone the worker is adopted
    and getppid() changes. Portable where fork is (Linux's PR_SET_PDEATHSIG has no call in the
    standard library).
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="cxsite-parent-watch", daemon=True).start()
