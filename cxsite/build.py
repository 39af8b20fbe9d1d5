"""The build: the one place that orders the stages, config → loader → graph → render → output."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from cxsite.calendar import render_calendars
from cxsite.config import load_config
from cxsite.feeds import render_feeds
from cxsite.graph import build_site
from cxsite.loader import load_content
from cxsite.markup import Markup, Rendered
from cxsite.model import HeldBack, Site
from cxsite.output import WriteReport, check_output_dir, write_site
from cxsite.problem import Problem, error, has_errors, sorted_problems
from cxsite.render import Output, make_environment, plan_pages, render_page, render_sitemap
from cxsite.theme import template_loader, template_source_path


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

    @property
    def out_dir(self) -> Path:
        """The output folder."""
        return self.out if self.out is not None else self.root / "public"


@dataclass(frozen=True)
class BuildResult:
    """What a build produced: problems, and when it succeeded, figures for the summary."""

    problems: tuple[Problem, ...]
    site: Site | None = None
    pages: int = 0
    files: int = 0  # every file written, pages and static included
    kept: int = 0
    seconds: float = 0.0
    stages: dict = field(default_factory=dict)

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


def convert_sequential(raw_html: str):
    """Return a converter that makes Markdown into HTML in this process."""
    markup = Markup(raw_html)

    def convert_many(jobs: Sequence[tuple[str, str]]) -> list[Rendered]:
        return [markup.convert(text, source) for text, source in jobs]

    return convert_many


def load_site(options: BuildOptions, timings: dict) -> tuple[Site | None, list[Problem]]:
    """Run config, loader and graph: the Site, or the problems that prevent it."""
    started = time.perf_counter()
    config, problems = load_config(options.root, options.base_url)
    if config is None:
        return None, problems
    content, found = load_content(options.root, config, convert_sequential(config.raw_html))
    problems += found
    timings["load"] = time.perf_counter() - started
    started = time.perf_counter()
    site, found = build_site(config, content, build_now(options, config.tz), drafts=options.drafts,
                             future=options.future, portable=options.portable)
    timings["graph"] = time.perf_counter() - started
    return site, problems + found


def render_all(site: Site, root: Path) -> tuple[list[Output], list[Problem]]:
    """Render every page, the sitemap, the feeds and calendars; template mistakes become problems."""
    env = make_environment(template_loader(root))
    pages = plan_pages(site)
    outputs, problems = [], []
    for page in pages:
        try:
            outputs.append(render_page(env, site, page))
        except jinja2.TemplateError as exc:
            problems.append(_template_problem(exc, root, page.template))
    if problems:
        return [], _unique_template_problems(problems)
    outputs.append(render_sitemap(env, site, pages))
    outputs += render_feeds(site)
    calendars, warnings = render_calendars(site)
    return outputs + calendars, warnings


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


def _unique_template_problems(problems: list[Problem]) -> list[Problem]:
    """One template mistake fails many pages: report each location once."""
    return list({(p.path, p.line, p.message): p for p in problems}.values())


def build(options: BuildOptions) -> BuildResult:
    """Build the site into its output folder, or leave it untouched and report why."""
    started = time.perf_counter()
    timings: dict = {}
    out = options.out_dir
    problems = check_output_dir(options.root, out)
    if problems:
        return BuildResult(tuple(problems))
    site, problems = load_site(options, timings)
    if site is None or has_errors(problems):
        return BuildResult(tuple(sorted_problems(problems)))
    begun = time.perf_counter()
    outputs, found = render_all(site, options.root)
    timings["render"] = time.perf_counter() - begun
    problems += found
    if has_errors(problems):
        return BuildResult(tuple(sorted_problems(problems)), site)
    begun = time.perf_counter()
    report, found = write_site(out, ((o.path, o.data) for o in outputs),
                               ((f.url, f.source) for f in site.static))
    timings["write"] = time.perf_counter() - begun
    problems += found
    if report is None:
        return BuildResult(tuple(sorted_problems(problems)), site)
    return _result(site, outputs, report, problems, started, timings)


def _result(site: Site, outputs, report: WriteReport, problems, started: float, timings) -> BuildResult:
    """Summarise a successful build."""
    pages = sum(1 for o in outputs if o.path.endswith(".html"))
    return BuildResult(tuple(sorted_problems(problems)), site, pages, report.written, report.kept,
                       time.perf_counter() - started, timings)

