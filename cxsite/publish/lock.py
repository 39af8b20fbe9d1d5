"""One build at a time per output folder and per cache: an operating-system lock on a small file.

The lock belongs to the process that holds the file's lock, so a killed
process loses it by itself: a lock left behind is simply taken over. `fcntl`
on Unix, `msvcrt` on Windows.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from cxsite.problem import Problem, error

try:  # Unix
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt

POLL_SECONDS = 0.2


class Busy(Exception):
    """Another process holds the lock; args[0] is what its file says about it."""


class FileLock:
    """An exclusive lock on one file; `acquire` may wait for it."""

    def __init__(self, path: Path):
        self.path = path
        self._handle = None

    def try_acquire(self) -> bool:
        """Take the lock if it is free; True when this process holds it now."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+b")  # noqa: SIM115 - kept open while the lock is held
        try:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n".encode())
        handle.flush()
        self._handle = handle
        return True

    def holder(self) -> str:
        """The process id the lock file names (written by its holder), or ""."""
        try:
            return self.path.read_text(encoding="ascii", errors="replace").strip()
        except OSError:
            return ""

    def release(self) -> None:
        """Give the lock up (closing the file does it)."""
        if self._handle is not None:
            if fcntl is None:
                self._handle.seek(0)
                msvcrt.locking(self._handle.fileno(), msvcrt.LK_UNLCK, 1)
            self._handle.close()
            self._handle = None


class BuildLocks:
    """The locks one build holds: its cache folder's, then its output folder's (always in this order)."""

    def __init__(self, paths: list[Path]):
        self.locks = [FileLock(path) for path in paths]

    def acquire(self, *, wait: bool, timeout: float, on_wait: Callable[[str], None] | None = None
                ) -> Problem | None:
        """Take every lock, waiting for them unless `wait` is False; a problem when that cannot be."""
        deadline = time.monotonic() + timeout
        told = False
        for lock in self.locks:
            while not lock.try_acquire():
                if not wait:
                    self.release()
                    return _busy(lock, "加 --no-wait 时不等待；稍后再运行，或去掉 --no-wait 让它排队等待")
                if not told and on_wait is not None:
                    on_wait(lock.holder())
                    told = True
                if time.monotonic() > deadline:
                    self.release()
                    return _busy(lock, f"已等待 {timeout:.0f} 秒仍未结束；确认那个 cxsite 是否卡住了")
                time.sleep(POLL_SECONDS)
        return None

    def release(self) -> None:
        """Give every lock up."""
        for lock in reversed(self.locks):
            lock.release()

    def __enter__(self) -> BuildLocks:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _busy(lock: FileLock, hint: str) -> Problem:
    """The problem of a lock another cxsite holds."""
    holder = lock.holder()
    who = f"（进程 {holder}）" if holder.isdigit() else ""
    return error(str(lock.path), None, f"另一个 cxsite 正在生成这个网站{who}，这次没有生成", hint)
