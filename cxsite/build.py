"""The build: the one place that orders the stages, config → reader → graph → pages and jobs → sink.

One path serves every command (Zola's BuildMode is the model): `build` makes
the site into its output folder, a preview `Session` into memory, `check` into
memory with nothing remembered. Builds are incremental and correct by
construction: Markdown is converted once per distinct text, each page records
what it read and is rendered again only when one of those things, its template
or its own data changed; unchanged files are not written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from cxsite import __version__
from cxsite.content.accesslog import AccessCounts, find_logs, read_access_logs
from cxsite.content.config import Config, load_config
from cxsite.content.extensions import Extensions, load_extensions
from cxsite.content.outside import warn_outside
from cxsite.content.project import LAYOUTS_DIR, STATIC_DIR, read_project_texts, scan_inputs
from cxsite.content.reader import Loaded as Read
from cxsite.content.reader import read_content
from cxsite.content.slug import slugify
from cxsite.incremental.converter import Converter
from cxsite.incremental.images import Developed, develop
from cxsite.incremental.memory import MemoryMemos, MemoStore
from cxsite.incremental.planner import Produced, Production, changed_bodies, produce, time_horizon
from cxsite.incremental.recorder import digest
from cxsite.incremental.state import State, Summary
from cxsite.incremental.store import CACHE_DIR, Cache
from cxsite.incremental.workers import default_jobs, map_forked
from cxsite.problem import Problem, error, has_errors, sorted_problems
from cxsite.publish.filesystem import LocalFiles
from cxsite.publish.guard import check_output_dir
from cxsite.publish.lock import BuildLocks
from cxsite.publish.sink import MemorySink, Sink
from cxsite.publish.writer import SiteWriter, sibling
from cxsite.render.registry import Registry, make_registry
from cxsite.site.files import file_uses
from cxsite.site.graph import build_site, make_content, make_item
from cxsite.site.model import HeldBack, Media, Site
from cxsite.site.patch import patch_bodies
from cxsite.site.urls import base_path

Progress = Callable[[str, int, int], None]  # (stage, done, total)
FEED_FAMILIES = ("feeds", "calendars")  # output families counted as subscriptions in the summary


@dataclass(frozen=True)
class BuildOptions:
    """What `cxsite build` was asked to do."""

    root: Path
    out: Path | None = None  # default: <root>/public
    drafts: bool = False
    future: bool = False
    base_url: str | None = None
    portable: bool = False
    access_logs: tuple[Path, ...] = ()  # web server logs to count page views in (--access-log)
    now: dt.datetime | None = None  # default: SOURCE_DATE_EPOCH, else the clock
    jobs: int | None = None  # worker processes; default: the core count
    cache_dir: Path | None = None  # default: <root>/.cxsite-cache
    wait: bool = True  # for another build of the same site to finish (False: refuse at once)
    wait_seconds: float = 600.0
    on_wait: Callable[[str], None] | None = field(default=None, compare=False)  # told the other's process id
    files: LocalFiles | None = field(default=None, compare=False)  # the file system the writer uses (tests)
    progress: Progress | None = field(default=None, compare=False)

    @property
    def out_dir(self) -> Path:
        """The output folder."""
        return self.out if self.out is not None else self.root / "public"

    @property
    def cache_path(self) -> Path:
        """The cache folder."""
        return self.cache_dir if self.cache_dir is not None else self.root / CACHE_DIR

    @property
    def worker_count(self) -> int:
        """How many processes cold work may use."""
        return self.jobs if self.jobs else default_jobs()


@dataclass(frozen=True)
class BuildResult:
    """What a build did: problems, and when it succeeded, figures for the summary."""

    problems: tuple[Problem, ...]
    site: Site | None = None
    pages: int = 0  # HTML pages in the site
    rendered: int = 0  # pages rendered this time
    written: int = 0  # files created or replaced
    unchanged: int = 0  # files left as they were
    deleted: int = 0  # files of an earlier build removed
    feeds: int = 0
    static: int = 0
    images_made: int = 0  # originals whose web versions were made this time
    images_reused: int = 0  # originals whose web versions came from the cache
    seconds: float = 0.0
    stages: dict = field(default_factory=dict)  # stage -> seconds
    held: HeldBack = HeldBack()
    access: AccessCounts | None = None  # what reading the access logs found (None: no logs read)
    # URLs of the documents whose Markdown body alone changed, when only the pages that read
    # them were checked; None when every page was checked against everything it read.
    body_only: frozenset | None = None
    written_paths: tuple[str, ...] = ()  # the files written and deleted, by their path in the output
    deleted_paths: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the build succeeded (warnings allowed)."""
        return not has_errors(self.problems)

    @property
    def held_back(self) -> HeldBack:
        """Documents left out as drafts or future-dated."""
        return self.site.held_back if self.site else self.held


def build_now(options: BuildOptions, tz: dt.tzinfo) -> dt.datetime:
    """Return the build's notion of now: fixed by SOURCE_DATE_EPOCH when set."""
    if options.now is not None:
        return options.now.astimezone(tz)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz)
    return dt.datetime.now(tz)


# ------------------------------------------------------------------ the stages every command shares


@dataclass(frozen=True)
class Setup:
    """What a build knows before reading content: the configuration and what is registered."""

    config: Config
    registry: Registry
    extensions: Extensions
    settings: bytes  # digest of what every output depends on besides the content
    logs: tuple[Path, ...] = ()  # the access logs page views are counted in (all exist)


def set_up(options: BuildOptions) -> tuple[Setup | None, list[Problem]]:
    """Read site.yaml and load the site's extensions; None (with problems) when that fails.

    With errors in site.yaml a stand-in configuration still comes back (with the
    problems), so the content can be checked in the same run.
    """
    config, problems = load_config(options.root, options.base_url)
    if config is None:
        return None, problems
    extensions, found = load_extensions(options.root, config.extensions, config.lines.get("extensions"))
    problems += found
    try:
        registry = make_registry(extensions.registers)
    except Exception as exc:  # an extension's register() failed: its author's mistake, located at site.yaml
        problems.append(error("site.yaml", config.lines.get("extensions"),
                              f"扩展注册失败：{type(exc).__name__}: {exc}",
                              "这是扩展代码的错误，请交给维护扩展的人检查"))
        registry = make_registry()
    # Where keys are written in site.yaml changes no output: it is left out of the settings; so are
    # the access logs' names, whose views reach pages through the Site (recorded where they are shown).
    settings = digest((__version__, replace(config, lines={}, access_logs=()), extensions.digest,
                       options.portable, options.drafts, options.future))
    lines = [config.lines.get(f"stats.access_logs.{i}") for i in range(len(config.access_logs))]
    logs, found = find_logs(options.access_logs, config.access_logs, options.root, lines)
    problems += found
    return Setup(config, registry, extensions, settings, logs), problems


@dataclass(frozen=True)
class Loaded:
    """The reading stages' result: the Site (None when they failed) and what the next build needs."""

    site: Site | None
    problems: list
    read: Read | None = None
    slugs: dict = field(default_factory=dict)  # tag and category slugs made this time
    access: AccessCounts | None = None  # the page views of the access logs (None: no logs)
    images: Developed | None = None  # the web versions of photos, covers and body images
    # The problems making the model found (content, graph, images): what a Site patched from this
    # one (site/patch.py) still has, its front matter being the same.
    built: tuple = ()
    patched: bool = False  # the Site is an earlier one with documents' new bodies swapped in


def load_site(options: BuildOptions, setup: Setup, cache: Cache, state: State, *, stamps: dict | None = None,
              timings: dict | None = None, access: AccessCounts | None = None,
              previous: Loaded | None = None) -> Loaded:
    """Read the content (through the cache) and the access logs, and make the Site graph.

    `access` are views counted before from the same logs (the preview counts them once).
    `previous` is the load `state` was left by, with the same setup (the preview keeps it):
    when only documents' bodies changed since, its Site is patched rather than made again.
    """
    timings = {} if timings is None else timings
    started = time.perf_counter()
    converter = Converter(cache, setup.config.markdown, setup.registry.derivations)
    jobs, progress = options.worker_count, options.progress

    def mapper(func, items):
        """Check files (and convert their Markdown) in worker processes, reporting progress."""
        for done, pair in enumerate(map_forked(func, items, jobs, finish=converter.finish), 1):
            if progress:
                progress("read", done, len(items))
            yield pair

    read = read_content(options.root, setup.config, setup.registry.kinds, converter, known=state.sources,
                        stamps=stamps, mapper=mapper)
    problems = list(read.problems) + outside_references(options.root, setup.config)
    timings["load"] = time.perf_counter() - started
    started = time.perf_counter()
    if previous is not None and access is previous.access:
        now = build_now(options, setup.config.tz)
        patched = _patched(previous, read, setup, state, stamps, now, problems)
        if patched is not None:
            timings["graph"] = time.perf_counter() - started
            return patched
    slugs = dict(state.slugs)

    def remembered_slug(name: str) -> str:
        if name not in slugs:
            slugs[name] = slugify(name)
        return slugs[name]

    if access is None and setup.logs:
        access = read_access_logs(setup.logs, base_path(setup.config.base_url))
        problems += access.problems
    views = access.views if access else {}
    period = (access.first_day, access.last_day) if access else ("", "")
    shown = len(problems)  # those before are the reader's and the logs'; the model's follow
    content = make_content(read, setup.registry.kinds, problems)
    timings["graph"] = time.perf_counter() - started
    started = time.perf_counter()

    def image_mapper(func, items):
        """Make images in worker processes: one photo is work enough to be worth a process."""
        return map_forked(func, items, jobs, minimum=2)

    images = develop(file_uses(content), content.static, cache.images, stamps=stamps, mapper=image_mapper)
    timings["images"] = time.perf_counter() - started
    started = time.perf_counter()
    site, found = build_site(setup.config, content, setup.registry.kinds, build_now(options, setup.config.tz),
                             drafts=options.drafts, future=options.future, portable=options.portable,
                             html_store=cache.html, slugify=remembered_slug, derived_store=cache.derived,
                             views=views, views_period=period, media=images.media)
    timings["graph"] += time.perf_counter() - started
    built = tuple(problems[shown:] + images.problems + found)
    return Loaded(site, problems + images.problems + found, read, slugs, access, images, built)


def _patched(previous: Loaded, read: Read, setup: Setup, state: State, scan: dict | None, now: dt.datetime,
             problems: list) -> Loaded | None:
    """The previous load with the documents whose body alone changed remade and swapped into its Site
    (site/patch.py); None when anything else changed."""
    if previous.site is None or previous.read is None or scan is None:
        return None
    paths = _body_paths(state, read, scan, now)
    if paths is None:
        return None
    kinds = {kind.name: kind for kind in setup.registry.kinds}
    made, found = [], []
    for item in read.items:
        if item.path in paths:
            rendered = {name: read.markdown[key] for name, (key, _) in item.markdown.items()}
            made.append(make_item(item, kinds[item.kind], rendered, found))
    if found or None in made:
        return None
    site = patch_bodies(previous.site, made, now)
    if site is None:
        return None
    return Loaded(site, problems + list(previous.built), read, previous.slugs, previous.access,
                  previous.images, previous.built, patched=True)


def outside_references(root: Path, config: Config) -> list[Problem]:
    """Warnings about what in layouts/, static/ and site.yaml would make browsers fetch from outside.

    Content files are examined as they are read (and their warnings remembered with them).
    """
    return warn_outside(read_project_texts(root, (LAYOUTS_DIR, STATIC_DIR)), config.base_url)


def produce_site(loaded: Loaded, setup: Setup, cache: Cache | None, state: State, sink: Sink,
                 options: BuildOptions, bodies: frozenset | None = None,
                 memos: MemoStore | None = None) -> Produced:
    """Make the Site's pages and output jobs into the sink (what changed since `state`).

    `memos` keeps what jobs with memory remember (state's records name it); by default memory.
    """
    sources = {path: entry.digest for path, entry in loaded.read.sources.items()}
    how = Production(root=options.root, registry=setup.registry, previous=state, sources=sources,
                     workers=options.worker_count, bytecode_cache=cache.templates() if cache else None,
                     bodies=bodies, progress=options.progress, memos=memos or MemoryMemos())
    return produce(loaded.site, how, sink)


def next_state(setup: Setup, loaded: Loaded, produced: Produced, *, scan: dict | None = None,
               summary: Summary | None = None, files: dict | None = None) -> State:
    """What this build leaves for the next one."""
    return State(settings=setup.settings, sources=loaded.read.sources, markdown=loaded.read.markdown,
                 pages=produced.page_records, jobs=produced.job_records, slugs=loaded.slugs,
                 templates=produced.templates, scan=scan or {},
                 horizon=time_horizon(loaded.site, produced.page_records, produced.pages),
                 summary=summary, files=files or {})


@dataclass(frozen=True)
class InMemory:
    """A site checked and rendered in memory (`cxsite check`): its pages' and feeds' bytes."""

    loaded: Loaded | None
    pages: list = field(default_factory=list)  # render.pages.Page of every page
    files: dict[str, bytes] = field(default_factory=dict)  # every page and output job's file
    problems: list = field(default_factory=list)


def render_all(options: BuildOptions, *, fatal: Callable[[Problem], bool] = lambda p: p.is_error) -> InMemory:
    """Check and render the whole site in memory, remembering nothing (for `cxsite check`).

    Rendering is skipped when a problem `fatal` says so is found while reading.
    """
    setup, problems = set_up(options)
    if setup is None:
        return InMemory(None, problems=problems)
    loaded = load_site(options, setup, Cache(options.cache_path), State())
    problems += loaded.problems
    if loaded.site is None or any(fatal(p) for p in problems):
        return InMemory(loaded, problems=problems)
    sink = MemorySink(read_static=False)
    produced = produce_site(loaded, setup, None, State(), sink, options)
    files = sink.files if not produced.problems else {}
    return InMemory(loaded, produced.pages, files, problems + produced.problems)


@contextlib.contextmanager
def _without_cycle_collector():
    """Pause Python's cycle collector for one build.

    A build makes and reads back hundreds of thousands of small objects, which
    keeps triggering the collector over all of them; it runs about 15% faster
    without it. The cycles rendering does leave (Jinja's contexts) are freed
    where they are made: incremental/workers.py collects the young generations
    every batch.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _freeze_survivors(collect: bool) -> None:
    """Leave what a preview rebuild kept (the Site, its state, the files) out of the cycle collector's passes.

    At 10,000 bulletins half a million objects outlive a rebuild; the collector's
    next full pass over them, which finds nothing to free (builds leave almost no
    cycles), took 0.4 s, at a moment of its choosing: often while the server answered
    the browser's reload. Frozen objects are still freed by reference counting as
    usual; the rare cycle among them is found by the full pass made every
    `collect` (thawed first, so the pass sees everything).
    """
    if collect:
        gc.unfreeze()
        gc.collect()
    gc.freeze()


# ------------------------------------------------------------------ into the output folder


def build(options: BuildOptions) -> BuildResult:
    """Build the site into its output folder, or leave it untouched and report why."""
    with _without_cycle_collector():
        started = time.perf_counter()
        result = _build(options, {})
        return replace(result, seconds=time.perf_counter() - started)


def _build(options: BuildOptions, timings: dict) -> BuildResult:
    """build() with the collector paused: one build at a time per cache and output folder."""
    out = options.out_dir
    problems = check_output_dir(options.root, out)
    if problems:
        return BuildResult(tuple(problems))
    with BuildLocks([options.cache_path / "lock", sibling(out, "lock")]) as locks:
        busy = locks.acquire(wait=options.wait, timeout=options.wait_seconds, on_wait=options.on_wait)
        if busy is not None:
            return BuildResult((busy,))
        return _build_locked(options, timings)


def _build_locked(options: BuildOptions, timings: dict) -> BuildResult:
    """A build holding its locks."""
    out = options.out_dir
    setup, problems = set_up(options)
    if setup is None or has_errors(problems):
        if setup is not None:  # the content is checked too (with a stand-in config): every problem at once
            # (the logs are left unread: nothing will be built with their views)
            unlogged = replace(setup, logs=())
            problems += load_site(options, unlogged, Cache(options.cache_path), State()).problems
        return BuildResult(tuple(sorted_problems(problems)))
    begun = time.perf_counter()
    cache = Cache(options.cache_path)
    state = cache.load_state(out, setup.settings, rows=False)
    timings["state"] = time.perf_counter() - begun
    begun = time.perf_counter()
    scan = scan_inputs(options.root, setup.extensions.files, setup.logs)
    timings["scan"] = time.perf_counter() - begun
    unchanged = _unchanged_build(state, scan, build_now(options, setup.config.tz), out)
    if unchanged is not None:
        return unchanged
    begun = time.perf_counter()
    state = cache.with_rows(out, state)
    timings["state"] += time.perf_counter() - begun
    loaded = load_site(options, setup, cache, state, stamps=scan, timings=timings)
    problems += loaded.problems
    if loaded.site is None or has_errors(problems):
        return BuildResult(tuple(sorted_problems(problems)), loaded.site)
    return _write(options, setup, cache, state, loaded, scan, problems, timings)


def _write(options: BuildOptions, setup: Setup, cache: Cache, state: State, loaded: Loaded, scan: dict,
           problems: list, timings: dict) -> BuildResult:
    """Produce the site into the output folder, commit it, and remember what was done."""
    out, site = options.out_dir, loaded.site
    writer = SiteWriter(out, expected=state.generation if state.complete else None, files=options.files)
    begun = time.perf_counter()
    try:
        found = writer.begin()
        problems += found
        if has_errors(found):
            return BuildResult(tuple(sorted_problems(problems)), site)
        body_only = _body_edits(site, loaded, state, scan)
        produced = produce_site(loaded, setup, cache, state, writer, options, body_only, cache.memos(out))
        if produced.problems:
            writer.abort()
            return BuildResult(tuple(sorted_problems(problems + produced.problems)), site)
        timings["render"] = time.perf_counter() - begun
        begun = time.perf_counter()
        report, found = writer.commit(produced.paths)
    except OSError as exc:  # a full disk or a read-only folder: say so, keep the old site
        writer.abort()
        return BuildResult(tuple(sorted_problems(problems + [_write_problem(exc, out)])), site)
    except BaseException:
        writer.abort()
        raise
    timings["write"] = time.perf_counter() - begun
    if report is None:
        return BuildResult(tuple(sorted_problems(problems + found)), site)
    feeds = sum(produced.jobs.get(name, 0) for name in FEED_FAMILIES)
    images = loaded.images or Developed(Media())
    result = BuildResult(tuple(sorted_problems(problems)), site, len(produced.pages), produced.rendered,
                         report.written, report.unchanged, report.deleted, feeds, len(site.static),
                         images_made=images.made, images_reused=images.reused, stages=timings,
                         access=loaded.access, body_only=body_only,
                         written_paths=report.written_paths, deleted_paths=report.deleted_paths)
    begun = time.perf_counter()
    _remember(cache, setup, state, loaded, produced, result, scan, out, report.generation)
    writer.finish()
    timings["state"] = timings.get("state", 0) + time.perf_counter() - begun
    return result


def _remember(cache: Cache, setup: Setup, state: State, loaded: Loaded, produced: Produced,
              result: BuildResult, scan: dict, out: Path, generation: int) -> None:
    """Keep what the next build needs: checks, Markdown, output records, the input scan."""
    site = loaded.site
    files = {path: record.size for path, record in produced.page_records.items()}
    files.update({f.path: f.size for record in produced.job_records.values() for f in record.files})
    files.update({s.url: os.stat(s.source).st_size for s in site.static if s.url not in files})
    held = site.held_back
    summary = Summary(pages=result.pages, written=result.written, unchanged=result.unchanged,
                      feeds=result.feeds, images=result.images_made + result.images_reused,
                      static=result.static, drafts=held.drafts, future=held.future, next_due=held.next_due,
                      warnings=result.problems)
    now = next_state(setup, loaded, produced, scan=scan, summary=summary, files=files)
    cache.save_state(out, replace(now, generation=generation), state)
    cache.forget_except(set(loaded.read.markdown))
    if loaded.images is not None:
        cache.images.forget_except(set(loaded.images.keys))


def _body_edits(site: Site, loaded: Loaded, state: State, scan: dict) -> frozenset | None:
    """URLs of the documents whose Markdown body alone changed, when no other input did and no
    moment the last build's pages depend on has passed; else None (verify every page)."""
    paths = _body_paths(state, loaded.read, scan, site.now)
    if paths is None:
        return None
    return frozenset(doc.url for group in (site.documents, site.pages) for doc in group if doc.path in paths)


def _body_paths(state: State, read: Read, scan: dict, now: dt.datetime) -> frozenset | None:
    """Source paths of the documents whose Markdown body alone changed since `state`, when no other
    input did and no moment the last build's pages depend on has passed; else None."""
    before = state.scan
    if not before or state.horizon is None or not now < state.horizon:
        return None
    names = {name for name in before.keys() | scan.keys() if before.get(name) != scan.get(name)}
    if any(not name.startswith("content/") for name in names):
        return None
    return changed_bodies(state.sources, read.sources, names)


def _write_problem(exc: OSError, out: Path) -> Problem:
    """Explain a failure to write the output, which is left as it was."""
    return error(str(exc.filename or out), None, f"无法写入输出文件夹（{exc.strerror or exc}），网站保持原样",
                 "检查磁盘空间和文件夹权限后重新生成")


def _unchanged_build(state: State, scan: dict, now: dt.datetime, out: Path) -> BuildResult | None:
    """The previous build's result when no input, no output and no relevant time changed; else None."""
    summary = state.summary
    if summary is None or state.scan != scan or state.horizon is None or not now < state.horizon:
        return None
    if not SiteWriter(out).intact(state.files, state.generation):
        return None
    return BuildResult(summary.warnings, pages=summary.pages, unchanged=summary.written + summary.unchanged,
                       feeds=summary.feeds, static=summary.static, images_reused=summary.images,
                       held=HeldBack(summary.drafts, summary.future, summary.next_due))


# ------------------------------------------------------------------ into memory (the preview)


@dataclass(frozen=True)
class Rebuild:
    """The outcome of one rebuild in memory (for the preview server)."""

    problems: tuple[Problem, ...]
    files: dict  # the whole current site, {path: bytes}; the last good build after a failure
    changed: tuple[str, ...] = ()  # paths added, changed or removed since the last good build
    rendered: int = 0  # pages rendered this time
    body_only: frozenset | None = None  # URLs of the documents whose body alone changed (see _body_edits)
    patched: bool = False  # the Site was the last one with those bodies swapped in, not made again

    @property
    def ok(self) -> bool:
        """Whether this rebuild succeeded (warnings allowed)."""
        return not has_errors(self.problems)


class Session:
    """A site kept built in memory between rebuilds; `cxsite serve` holds one.

    It keeps its configuration, registry and loaded Site between rebuilds and
    redoes only what the kind of change needs: a layout change re-renders from
    the Site it has; content and static files are read again (unchanged files
    are not checked again); site.yaml (or an unknown change) starts afresh.
    Pages whose inputs did not change are not rendered again.
    """

    CONTENT, LAYOUT, STATIC, CONFIG = "content", "layout", "static", "config"
    COLLECT_EVERY = 50  # rebuilds between full passes of the cycle collector (see _freeze_survivors)

    def __init__(self, options: BuildOptions, *, resident: bool = False):
        """`resident`: the process is the preview's own, so the collector may be tuned for it
        (see _freeze_survivors); left False where other work shares the process (tests)."""
        self.options = options
        self._resident = resident
        self._files: dict[str, bytes] = {}
        self._state = State()
        self._setup: Setup | None = None
        self._loaded: Loaded | None = None
        self._access: AccessCounts | None = None
        self._cache: Cache | None = None
        self._memos = MemoryMemos()  # what jobs with memory remember, for as long as the session
        self._rebuilds = 0

    def rebuild(self, kinds: frozenset[str] | None = None) -> Rebuild:
        """Rebuild in memory after changes of these kinds (None: any); on failure keep the last good files.

        It holds the cache's lock while it works, as a build does: a `cxsite build` of the same
        site waits for it, and it for the build.
        """
        with _without_cycle_collector(), BuildLocks([self.options.cache_path / "lock"]) as locks:
            busy = locks.acquire(wait=True, timeout=self.options.wait_seconds)
            if busy is not None:
                return Rebuild((busy,), self._files)
            try:
                return self._rebuild(kinds)
            finally:
                self._rebuilds += 1
                if self._resident:  # before the collector resumes: its first pass would cover them too
                    _freeze_survivors(collect=self._rebuilds % self.COLLECT_EVERY == 0)

    def _rebuild(self, kinds: frozenset[str] | None) -> Rebuild:
        """rebuild() with the collector paused."""
        problems: list = []
        if kinds is None or self.CONFIG in kinds or self._setup is None:
            self._setup, self._loaded, self._access = None, None, None
            setup, problems = set_up(self.options)
            if setup is None or has_errors(problems):
                return Rebuild(tuple(sorted_problems(problems)), self._files)
            self._setup, self._cache = setup, Cache(self.options.cache_path)
        setup, cache = self._setup, self._cache
        state = self._state if self._state.settings == setup.settings else State()
        loaded = previous_loaded = self._loaded
        scan = scan_inputs(self.options.root, setup.extensions.files, setup.logs)
        if loaded is None or kinds is None or kinds - {self.LAYOUT}:
            # The access logs are counted once per configuration: a writer's edit does not change them.
            # A save of bodies alone patches the Site kept (see load_site); anything else makes it again.
            previous = self._loaded if kinds == {self.CONTENT} else None
            loaded = load_site(self.options, setup, cache, state, stamps=scan, access=self._access,
                               previous=previous)
            self._access = loaded.access
        problems += loaded.problems
        if loaded.site is None or has_errors(problems):
            self._loaded = None
            return Rebuild(tuple(sorted_problems(problems)), self._files)
        sink = MemorySink(self._files)
        # A save that changed only a body makes only the pages that show that document (as a build does).
        body_only = _body_edits(loaded.site, loaded, state, scan) if kinds == {self.CONTENT} else None
        produced = produce_site(loaded, setup, cache, state, sink, self.options, body_only, memos=self._memos)
        if produced.problems:
            return Rebuild(tuple(sorted_problems(problems + produced.problems)), self._files)
        self._memos.keep_only(d for record in produced.job_records.values() for d in record.memory.values())
        files = sink.files
        changed = tuple(sorted(p for p in files.keys() | self._files.keys()
                               if files.get(p) != self._files.get(p)))
        self._files, self._loaded = files, loaded
        self._state = next_state(setup, loaded, produced, scan=scan, summary=Summary())
        return Rebuild(tuple(sorted_problems(problems)), files, changed, produced.rendered, body_only,
                       patched=loaded.patched and loaded is not previous_loaded)
