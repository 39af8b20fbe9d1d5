"""Watching a site's sources for `cxsite serve`: file events, debounced into batches, classified.

The watcher knows nothing about building. It watches content/, layouts/,
static/, site.yaml and the built-in theme (never the output or cache
folders), drops editors' noise, waits until a burst of events has been quiet
for a moment, and hands the batch to a callback as one `Changes`.
"""

from __future__ import annotations

import contextlib
import enum
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath

from watchdog import events as wd
from watchdog.observers import Observer

from cxsite.content.project import CONFIG_FILE, CONTENT_DIR, LAYOUTS_DIR, STATIC_DIR, THEME_DIR

QUIET_SECONDS = 0.05  # a burst of saves ends when the folder has been quiet this long (an editor's
# write-then-rename lands within a few milliseconds; every 50 ms more is felt on each save)
LONGEST_WAIT = 2.0  # rebuild at least this often while events keep coming

# What editors leave beside the file they save: swap, backup, lock and temp files.
_NOISE = re.compile(
    r"""^\.                          # hidden: .x.swp, .#lock, .goutputstream-*, .DS_Store
      | ~$                           # backups: x.md~
      | ^~\$                         # Office locks: ~$x.docx
      | ^\#.*\#$                     # Emacs auto-save: #x.md#
      | ^\d+$                        # Vim's write test: 4913
      | \.sw[a-px]x?$                # Vim swap: x.swp, x.swo
      | \.(tmp|bak|kate-swp|crswap)$
      | ___jb_(tmp|old)___$          # JetBrains safe write
      | ^(thumbs\.db|desktop\.ini)$
    """, re.VERBOSE | re.IGNORECASE)


class ChangeKind(enum.Enum):
    """What a changed source file is, and so what a rebuild has to redo."""

    CONTENT = "content"  # a document or record: the pages that show it
    LAYOUT = "layout"  # a template: the pages that use it
    STATIC = "static"  # a file copied as it is
    CONFIG = "config"  # site.yaml: everything


_SITE_FOLDERS = {CONTENT_DIR: ChangeKind.CONTENT, LAYOUTS_DIR: ChangeKind.LAYOUT,
                 STATIC_DIR: ChangeKind.STATIC}
_THEME_FOLDERS = {"layouts": ChangeKind.LAYOUT, "static": ChangeKind.STATIC}


def is_editor_noise(name: str) -> bool:
    """Whether a file name is an editor's swap, backup, lock or temp file."""
    return bool(_NOISE.search(name))


def classify(path: PurePath, root: PurePath, theme: PurePath = THEME_DIR) -> ChangeKind | None:
    """Say what kind of source a path is, or None when the site does not read it."""
    for base, folders in ((root, _SITE_FOLDERS), (theme, _THEME_FOLDERS)):
        if not path.is_relative_to(base):
            continue
        parts = path.relative_to(base).parts
        if base == root and parts == (CONFIG_FILE,):
            return ChangeKind.CONFIG
        kind = folders.get(parts[0]) if parts else None
        hidden = any(part.startswith(".") for part in parts[:-1])
        if kind is not None and not hidden and not is_editor_noise(parts[-1]):
            return kind
    return None


@dataclass(frozen=True)
class FileEvent:
    """One thing that happened to a file or folder: created, modified, deleted or moved."""

    action: str
    path: Path
    dest: Path | None = None  # where a moved file went


@dataclass(frozen=True)
class Changes:
    """A batch of changed source paths (absolute; a folder stands for everything in it)."""

    paths: tuple[Path, ...]
    kinds: frozenset[ChangeKind]

    def shown(self, root: Path) -> list[str]:
        """Return the paths as a writer knows them: relative to the site when inside it."""
        return [p.relative_to(root).as_posix() if p.is_relative_to(root) else str(p) for p in self.paths]


class Debouncer:
    """Collects file events and releases them as one batch once they have been quiet.

    Times are passed in, so the coalescing is tested without a clock. A file
    that appears and vanishes within one batch (an editor's temp file renamed
    over the real one) is dropped: only the final name counts.
    """

    def __init__(self, classify_path: Callable[[Path], ChangeKind | None],
                 quiet: float = QUIET_SECONDS, longest: float = LONGEST_WAIT):
        self._classify = classify_path
        self._quiet, self._longest = quiet, longest
        self._pending: dict[Path, bool] = {}  # path -> whether it first appeared in this batch
        self._first: float | None = None
        self._last: float | None = None

    def add(self, event: FileEvent, now: float) -> None:
        """Record an event that happened at time now."""
        relevant = False
        if event.action == "moved":
            relevant = self._remove(event.path) | self._touch(event.dest, created=False)
        elif event.action == "deleted":
            relevant = self._remove(event.path)
        else:
            relevant = self._touch(event.path, created=event.action == "created")
        if relevant:
            self._first = now if self._first is None else self._first
            self._last = now

    def ready_at(self) -> float | None:
        """Return when the pending batch is due, or None when nothing is pending."""
        if self._first is None:
            return None
        return min(self._last + self._quiet, self._first + self._longest)

    def take(self) -> Changes | None:
        """Return the pending batch (None if it came to nothing) and start a new one."""
        paths = tuple(sorted(self._pending))
        self._pending.clear()
        self._first = self._last = None
        if not paths:
            return None
        return Changes(paths, frozenset(self._classify(p) for p in paths))

    def _touch(self, path: Path | None, created: bool) -> bool:
        """Note that a path now exists with new content; False if the site does not read it."""
        if path is None or self._classify(path) is None:
            return False
        self._pending.setdefault(path, created)
        return True

    def _remove(self, path: Path) -> bool:
        """Note that a path is gone; one that only appeared within this batch is forgotten."""
        if self._classify(path) is None:
            return False
        if self._pending.get(path):
            del self._pending[path]
        else:
            self._pending[path] = False
        return True


_ACTIONS = {wd.FileCreatedEvent: "created", wd.DirCreatedEvent: "created",
            wd.FileModifiedEvent: "modified", wd.FileClosedEvent: "modified",
            wd.FileDeletedEvent: "deleted", wd.DirDeletedEvent: "deleted",
            wd.FileMovedEvent: "moved", wd.DirMovedEvent: "moved"}


def file_event(event: wd.FileSystemEvent) -> FileEvent | None:
    """Translate a watchdog event; None for the ones that change no content."""
    action = _ACTIONS.get(type(event))
    if action is None:
        return None
    dest = Path(_text(event.dest_path)) if action == "moved" and event.dest_path else None
    return FileEvent(action, Path(_text(event.src_path)), dest)


def _text(path: str | bytes) -> str:
    """Return a watchdog path as text (undecodable bytes kept as the OS does)."""
    return os.fsdecode(path)


class Watcher:
    """Watches a site's sources and calls `on_changes` with each debounced batch, one at a time."""

    def __init__(self, root: Path, on_changes: Callable[[Changes], object], theme: Path = THEME_DIR,
                 quiet: float = QUIET_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.root, self.theme = root.resolve(), theme.resolve()
        self._on_changes, self._clock = on_changes, clock
        self._debouncer = Debouncer(lambda p: classify(p, self.root, self.theme), quiet)
        self._wake = threading.Condition()
        self._stopping = False
        self._observer = Observer()
        self._handler = _Forward(self._post)
        self._watches: dict[str, object] = {}
        self._thread = threading.Thread(target=self._run, name="cxsite-watch", daemon=True)

    def start(self) -> Watcher:
        """Start watching and dispatching."""
        self._observer.schedule(self._handler, str(self.root), event_filter=list(_ACTIONS))
        for name in _SITE_FOLDERS:
            self._watch_folder(name)
        if self.theme.is_dir():
            self._observer.schedule(self._handler, str(self.theme), recursive=True,
                                    event_filter=list(_ACTIONS))
        self._observer.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching; a rebuild under way finishes first."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        self._observer.stop()
        self._observer.join()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join()

    def __enter__(self) -> Watcher:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _watch_folder(self, name: str) -> None:
        """Watch one of the site's folders recursively (again, if it was removed and made anew)."""
        folder = self.root / name
        if not folder.is_dir():
            return
        if name in self._watches:
            with contextlib.suppress(KeyError):  # watchdog already dropped a deleted folder's watch
                self._observer.unschedule(self._watches.pop(name))
        self._watches[name] = self._observer.schedule(self._handler, str(folder), recursive=True,
                                                      event_filter=list(_ACTIONS))

    def _post(self, event: FileEvent) -> None:
        """Take an event from the observer's thread."""
        for path in (event.path, event.dest):
            if path is not None and path.parent == self.root and path.name in _SITE_FOLDERS:
                self._watch_folder(path.name)  # content/, layouts/ or static/ appeared
        with self._wake:
            self._debouncer.add(event, self._clock())
            self._wake.notify_all()

    def _run(self) -> None:
        """Wait for each batch to fall due and hand it on; events arriving meanwhile wait their turn."""
        while True:
            with self._wake:
                batch = None
                while not self._stopping and batch is None:
                    due = self._debouncer.ready_at()
                    delay = None if due is None else due - self._clock()
                    if delay is not None and delay <= 0:
                        batch = self._debouncer.take()
                    else:
                        self._wake.wait(delay)
                if self._stopping:
                    return
            self._on_changes(batch)


class _Forward(wd.FileSystemEventHandler):
    """Passes the observer's events on as FileEvents."""

    def __init__(self, post: Callable[[FileEvent], None]):
        self._post = post

    def on_any_event(self, event: wd.FileSystemEvent) -> None:
        found = file_event(event)
        if found is not None:
            self._post(found)
