"""The build: the one place that orders the stages, config → loader → graph → render → output.

Builds are incremental and correct by construction: Markdown is converted once
per distinct text (cache.py), each page records what it read (deps.py) and is
rendered again only when one of those things, its template or its own data
changed; unchanged files are not written. Cold work runs in forked processes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from cxsite import __version__
from cxsite.cache import CACHE_DIR, Cache, OutputRecord, State
from cxsite.calendar import render_calendars
from cxsite.config import Config, load_config
from cxsite.deps import Digests, digest
from cxsite.feeds import render_feeds
from cxsite.graph import build_site
from cxsite.loader import load_content, read_static
from cxsite.markup import Markup, Rendered, markdown_key
from cxsite.model import HeldBack, Site
from cxsite.output import SiteWriter, check_output_dir
from cxsite.problem import Problem, error, has_errors, sorted_problems
from cxsite.render import (
    Page,
    make_environment,
    output_path,
    plan_pages,
    render_page,
    render_sitemap,
    template_digest,
)
from cxsite.theme import template_loader, template_source_path
from cxsite.workers import default_jobs, map_forked

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class BuildOptions:
    """What `cxsite build` was asked to do."""

    root: Path
    out: Path | None = None  # default: <root>/public
    drafts: bool = False
    future: bool = False
    base_url: str | None = None
    portable: bool = False
    now: dt.datetime | None = None  # default: SOURCE_DATE_EPOCH, else the clock
    jobs: int | None = None  # worker processes; default: the core count
    cache_dir: Path | None = None  # default: <root>/.cxsite-cache
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
    seconds: float = 0.0
    stages: dict = field(default_factory=dict)  # stage -> seconds

    @property
    def ok(self) -> bool:
        """Whether the build succeeded (warnings allowed)."""
        return not has_errors(self.problems)

    @property
    def held_back(self) -> HeldBack:
        """Documents left out as drafts or future-dated."""
        return self.site.held_back if self.site else HeldBack()


def build_now(options: BuildOptions, tz: dt.tzinfo) -> dt.datetime:
    """Return the build's notion of now: fixed by SOURCE_DATE_EPOCH when set."""
    if options.now is not None:
        return options.now.astimezone(tz)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz)
    return dt.datetime.now(tz)


class _Converter:
    """Markdown conversion through the cache: convert only texts never seen, in parallel."""

    def __init__(self, cache: Cache, known: dict, raw_html: str, jobs: int):
        self.cache, self.known, self.raw_html, self.jobs = cache, known, raw_html, jobs
        self.meta: dict = {}  # key -> (summary, chars, links) of every text of this build
        self.converted = 0

    def convert_many(self, jobs: Sequence[tuple[str, str]]) -> list[Rendered]:
        """Return the Rendered of each (text, source); HTML goes to the cache, not back."""
        keys = [markdown_key(text, source, self.raw_html) for text, source in jobs]
        missing = [i for i, key in enumerate(keys)
                   if key not in self.known or key not in self.cache.html_keys]
        missing = list({keys[i]: i for i in missing}.values())  # each distinct text once
        if missing:
            markup = Markup(self.raw_html)
            batch = []
            for _, rendered in map_forked(lambda i: markup.convert(*jobs[i]), missing, self.jobs):
                batch.append((rendered.key, rendered.html))
                self.meta[rendered.key] = _meta(rendered)
                if len(batch) >= 256:
                    self.cache.put_many(batch)
                    batch = []
            self.cache.put_many(batch)
            self.converted = len(missing)
        result = []
        for key in keys:
            meta = self.meta.get(key) or self.known[key]
            self.meta[key] = meta
            result.append(Rendered(key, "", *meta))
        return result


def _meta(rendered: Rendered) -> tuple:
    """What the graph needs of converted Markdown besides its HTML."""
    return (rendered.text_summary, rendered.chars, rendered.links)


def _settings(config: Config, options: BuildOptions) -> bytes:
    """Digest what every output depends on besides the content: config, flags, version."""
    return digest((__version__, config, options.portable))


@dataclass(frozen=True)
class Loaded:
    """The first stages' result: the Site (None when they failed) and what the cache needs."""

    site: Site | None
    problems: list
    config: Config | None = None
    state: State = field(default_factory=State)  # what the previous build left
    parsed: dict = field(default_factory=dict)  # this load's source parses
    markdown: dict = field(default_factory=dict)  # this load's Markdown metadata by key


def load_site(options: BuildOptions, timings: dict, cache: Cache | None = None,
              state: State | None = None) -> Loaded:
    """Run config, loader and graph through the cache."""
    started = time.perf_counter()
    config, problems = load_config(options.root, options.base_url)
    if config is None:  # with errors, a stand-in config lets the content be checked too
        return Loaded(None, problems, config)
    cache = cache or Cache(options.cache_path)
    state = state or cache.load_state(options.out_dir, _settings(config, options))
    converter = _Converter(cache, state.markdown, config.raw_html, options.worker_count)
    loaded = load_content(options.root, config, converter.convert_many, state.parsed)
    problems += loaded.problems
    timings["load"] = time.perf_counter() - started
    started = time.perf_counter()
    site, found = build_site(config, loaded.content, build_now(options, config.tz), drafts=options.drafts,
                             future=options.future, portable=options.portable, html=cache)
    timings["graph"] = time.perf_counter() - started
    return Loaded(site, problems + found, config, state, loaded.parsed, converter.meta)


@dataclass
class _Rendering:
    """Renders the pages whose inputs changed since the previous records; keeps the rest."""

    site: Site
    root: Path
    previous: dict  # output path -> OutputRecord
    holds: Callable[[str, int], bool]  # whether the output still has a file of that size
    jobs: int
    progress: Progress | None = None
    records: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    rendered: int = 0

    def pages(self, put: Callable[[str, bytes], None], keep: Callable[[str], None]) -> list[Page]:
        """Render changed pages through `put`, report unchanged ones to `keep`; return all pages."""
        env = make_environment(template_loader(self.root))
        pages = plan_pages(self.site)
        digests, templates = Digests(self.site), {}
        todo = []
        for page in pages:
            path = output_path(page.url)
            try:
                own = hashlib.blake2b(digests.of_value(page) + template_digest(env, page.template, templates),
                                      digest_size=16).digest()
            except jinja2.TemplateError as exc:
                self.problems.append(_template_problem(exc, self.root, page.template))
                continue
            old = self.previous.get(path)
            if (old is not None and old.inputs == _inputs(own, digests, old.deps)
                    and self.holds(path, old.size)):
                self.records[path] = old
                keep(path)
            else:
                todo.append((page, own))
        if self.problems:
            return pages
        for name in {page.template for page, _ in todo}:
            env.get_template(name)  # compile once, before forking, so workers share the result
        interned: dict = {}

        def render(index: int):
            page = todo[index][0]
            try:
                return render_page(env, self.site, page, interned)
            except jinja2.TemplateError as exc:
                return _template_problem(exc, self.root, page.template)

        for done, (index, result) in enumerate(map_forked(render, range(len(todo)), self.jobs), 1):
            if isinstance(result, Problem):
                self.problems.append(result)
                continue
            output, deps = result
            put(output.path, output.data)
            self.records[output.path] = OutputRecord(digest(output.data), len(output.data),
                                                     _inputs(todo[index][1], digests, deps), deps)
            if self.progress:
                self.progress("render", done, len(todo))
        self.rendered = len(todo)
        self.problems = _unique(self.problems)
        return pages


def _inputs(own: bytes, digests: Digests, deps: tuple) -> bytes | None:
    """Combine a page's own digest with the current digests of what it read."""
    summary = digests.summary(deps)
    return None if summary is None else hashlib.blake2b(own + summary, digest_size=16).digest()


def _template_problem(exc: jinja2.TemplateError, root: Path, template: str) -> Problem:
    """Locate a template error in the layout file where it happened."""
    name, line = getattr(exc, "name", None) or template, getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:  # Jinja rewrites frames so template lines appear in the traceback
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml")):
            name, line = filename, tb.tb_lineno
        tb = tb.tb_next
    path = template_source_path(root, name)
    message = getattr(exc, "message", None) or str(exc)
    return error(path, line, f"模板出错：{message}",
                 "检查 layouts/ 里这个模板；变量请从 site、page、config 中取")


def _unique(problems: list[Problem]) -> list[Problem]:
    """One template mistake fails many pages: report each location once."""
    return list({(p.path, p.line, p.message): p for p in problems}.values())


def other_outputs(site: Site, root: Path, pages: list[Page]) -> tuple[list, list[Problem]]:
    """The outputs made outside templates' dependency tracking: sitemap, feeds, calendars."""
    env = make_environment(template_loader(root))
    calendars, warnings = render_calendars(site)
    return [render_sitemap(env, site, pages), *render_feeds(site), *calendars], warnings


def render_all(site: Site, root: Path, jobs: int = 1) -> tuple[dict[str, bytes], list[Problem]]:
    """Render every page, the sitemap, feeds and calendars in memory (for `cxsite check`)."""
    files: dict[str, bytes] = {}
    rendering = _Rendering(site, root, {}, lambda path, size: False, jobs)
    pages = rendering.pages(files.__setitem__, lambda path: None)
    if rendering.problems:
        return {}, rendering.problems
    others, problems = other_outputs(site, root, pages)
    for output in others:
        files[output.path] = output.data
    return files, problems


def build(options: BuildOptions) -> BuildResult:
    """Build the site into its output folder, or leave it untouched and report why."""
    started = time.perf_counter()
    timings: dict = {}
    out = options.out_dir
    problems = check_output_dir(options.root, out)
    if problems:
        return BuildResult(tuple(problems))
    cache = Cache(options.cache_path)
    loaded = load_site(options, timings, cache)
    site, problems = loaded.site, loaded.problems
    if site is None or has_errors(problems):
        return BuildResult(tuple(sorted_problems(problems)), site)
    writer = SiteWriter(out)
    found = writer.open()
    if found:
        return BuildResult(tuple(sorted_problems(problems + found)), site)
    begun = time.perf_counter()
    try:
        rendering = _Rendering(site, options.root, loaded.state.outputs, writer.holds,
                               options.worker_count, options.progress)
        pages = rendering.pages(writer.put, writer.keep)
        if rendering.problems:
            writer.abort()
            return BuildResult(tuple(sorted_problems(problems + rendering.problems)), site)
        others, found = other_outputs(site, options.root, pages)
        problems += found
        for output in others:
            writer.put(output.path, output.data)
        for static in site.static:
            writer.copy(static.url, static.source)
        timings["render"] = time.perf_counter() - begun
        begun = time.perf_counter()
        paths = {output_path(p.url) for p in pages} | {o.path for o in others} | {
            s.url for s in site.static}
        report, found = writer.commit(paths)
    except BaseException:
        writer.abort()
        raise
    timings["write"] = time.perf_counter() - begun
    if report is None:
        return BuildResult(tuple(sorted_problems(problems + found)), site)
    cache.save_state(out, State(_settings(loaded.config, options), loaded.parsed, loaded.markdown,
                                rendering.records))
    cache.forget_except(set(loaded.markdown))
    feeds = sum(1 for o in others if o.path.endswith((".xml", ".ics")) and o.path != "sitemap.xml")
    return BuildResult(tuple(sorted_problems(problems)), site, len(pages), rendering.rendered,
                       report.written, report.unchanged, report.deleted, feeds, len(site.static),
                       time.perf_counter() - started, timings)


@dataclass(frozen=True)
class Rebuild:
    """The outcome of one rebuild in memory (for the preview server)."""

    problems: tuple[Problem, ...]
    files: dict  # the whole current site, {path: bytes}; the last good build after a failure
    changed: tuple[str, ...] = ()  # paths added, changed or removed since the last good build
    rendered: int = 0  # pages rendered this time

    @property
    def ok(self) -> bool:
        """Whether this rebuild succeeded (warnings allowed)."""
        return not has_errors(self.problems)


class Session:
    """A site kept built in memory between rebuilds; `cxsite serve` holds one.

    `rebuild(changed_paths)` returns the whole site with what changed in it;
    pages whose inputs did not change are not rendered again.
    """

    def __init__(self, options: BuildOptions):
        self.options = options
        self._files: dict[str, bytes] = {}
        self._state = State()

    def rebuild(self, changed_paths=None) -> Rebuild:
        """Rebuild in memory; on failure keep and return the last good files."""
        loaded = load_site(self.options, {}, state=self._state)
        site, problems = loaded.site, loaded.problems
        if site is None or has_errors(problems):
            return Rebuild(tuple(sorted_problems(problems)), self._files)
        files: dict[str, bytes] = {}
        rendering = _Rendering(site, self.options.root, self._state.outputs,
                               lambda path, size: len(self._files.get(path, b"")) == size,
                               self.options.worker_count)
        pages = rendering.pages(files.__setitem__, lambda path: files.__setitem__(path, self._files[path]))
        if rendering.problems:
            return Rebuild(tuple(sorted_problems(problems + rendering.problems)), self._files)
        others, found = other_outputs(site, self.options.root, pages)
        problems += found
        for output in others:
            files[output.path] = output.data
        for static in site.static:
            files.setdefault(static.url, read_static(static))
        changed = tuple(sorted(p for p in files.keys() | self._files.keys()
                               if files.get(p) != self._files.get(p)))
        self._files = files
        self._state = State(_settings(loaded.config, self.options), loaded.parsed, loaded.markdown,
                            rendering.records)
        return Rebuild(tuple(sorted_problems(problems)), files, changed, rendering.rendered)
