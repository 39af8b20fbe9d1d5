"""The incremental parts of a build: Markdown through the cache, pages rendered only when needed.

build.py orders the stages; this module holds the two that do work in
proportion to the site, each doing as little as the cache allows and the rest
in forked worker processes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from cxsite.cache import Cache, OutputRecord
from cxsite.calendar import event_spans, render_calendar
from cxsite.deps import Digests, digest
from cxsite.feeds import render_feed
from cxsite.markup import Markup, Rendered
from cxsite.mdengine import MarkdownSettings
from cxsite.model import Document, Site
from cxsite.problem import Problem, error
from cxsite.render import (
    Page,
    make_environment,
    output_path,
    plan_pages,
    render_page,
    render_sitemap,
    template_digest,
)
from cxsite.sources import DOCUMENT_KINDS, Parsed
from cxsite.subscriptions import plan_subscriptions
from cxsite.theme import template_loader, template_source_path
from cxsite.workers import map_forked

NOW_KEY = ("site", "now")


class MemorySink:
    """Where a preview keeps a rendered site: {path: bytes}, with the sink interface of SiteWriter."""

    def __init__(self, files: dict):
        self.files = files

    def stage(self, path: str, data: bytes) -> tuple:
        """Hand the bytes back to the parent (a forked worker cannot fill the parent's dict)."""
        return path, data

    def note(self, outcome: tuple) -> None:
        """Keep one rendered file."""
        path, data = outcome
        self.files[path] = data


class Converter:
    """Markdown conversion through the cache: only texts never seen, where they are parsed."""

    def __init__(self, cache: Cache, known: dict, settings: MarkdownSettings):
        self.cache, self.known, self.settings = cache, known, settings
        self.meta: dict = {}  # key -> (summary, chars, links, toc) of every text of this build
        self.converted = 0
        self._batch: list = []
        self._markup_instance: Markup | None = None

    def has_html(self, key: str) -> bool:
        """Whether the Markdown a key names needs no converting."""
        return key in self.known

    def prepare(self, items) -> dict:
        """Convert the Markdown of freshly parsed items (in a worker): store the HTML, return metadata.

        Batches go to the cache as they fill; finish() writes the rest.
        """
        metas = {}
        for item in items:
            for key, text in item.markdown.values():
                if key not in self.known and key not in metas:
                    metas[key] = self._convert(key, text, item.path)
        if len(self._batch) >= 256:
            self.finish()
        return metas

    def finish(self) -> None:
        """Write the HTML batched by prepare() to the cache."""
        if self._batch:
            self.cache.put_many(self._batch)
            self._batch = []

    def adopt(self, metas: dict) -> None:
        """Take in (in the parent) metadata of Markdown a worker converted and stored."""
        self.meta.update(metas)
        self.known.update(metas)
        self.converted += len(metas)

    def _convert(self, key: str, text: str, source: str) -> tuple:
        """Convert one Markdown text, batch its HTML for the cache, return its metadata."""
        if self._markup_instance is None:
            self._markup_instance = Markup(self.settings)
        rendered = self._markup_instance.convert(text, source, key)
        meta = (rendered.text_summary, rendered.chars, rendered.links, rendered.toc)
        self._batch.append((key, meta, rendered.html))
        return meta

    def convert_many(self, jobs: Sequence[tuple[str, str | None, str]]) -> list[Rendered]:
        """Return the Rendered of each (key, text, source); HTML goes to the cache, not back.

        Sources are converted where they are parsed (prepare); what is left here
        is the odd text outside them, such as site.yaml's intro.
        """
        for key, text, source in jobs:
            if not self.has_html(key) and key not in self.meta:
                self.meta[key] = self._convert(key, text, source)
                self.converted += 1
        self.finish()
        result = []
        for key, _, _ in jobs:
            meta = self.meta.setdefault(key, self.known.get(key))
            result.append(Rendered(key, "", *meta))
        return result


@dataclass
class PageRenderer:
    """Renders the pages whose inputs changed since the previous records; keeps the rest."""

    site: Site
    root: Path
    previous: dict  # output path -> OutputRecord
    holds: Callable[[str, int], bool]  # whether the output still has a file of that size
    jobs: int
    parsed: dict  # source path -> loader.SourceEntry (for cheap document digests)
    references: dict  # template source digest -> referenced names (kept between builds)
    progress: Callable | None = None
    bytecode_cache: object = None  # jinja2.BytecodeCache for compiled templates
    # URLs of the documents whose Markdown body alone changed when nothing else did (see
    # changed_bodies); None: every page is verified against everything it read.
    bodies: frozenset | None = None
    records: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    rendered: int = 0
    env: jinja2.Environment | None = None
    digests: Digests | None = None

    def render(self, sink, keep: Callable[[str], None]) -> list[Page]:
        """Render changed pages into `sink`, report unchanged ones to `keep`; return all pages.

        `sink.stage(path, data)` runs where the page is rendered, possibly a forked
        worker, so page bytes need not travel back; `sink.note(outcome)` runs here.
        """
        self.env = make_environment(template_loader(self.root), self.bytecode_cache)
        pages = plan_pages(self.site)
        sources = {path: entry.digest for path, entry in self.parsed.items()}
        digests = self.digests = Digests(self.site, sources)
        todo = self._changed(pages, digests, keep)
        if self.problems:
            return pages
        for name in {page.template for page, _, _ in todo}:
            self.env.get_template(name)  # compile once, before forking, so workers share the result
        interned: dict = {}

        def render(index: int):
            page, own, template = todo[index]
            own = own or _own(page, digests, template)
            try:
                output, deps = render_page(self.env, self.site, page, interned)
            except jinja2.TemplateError as exc:
                return template_problem(exc, self.root, page.template)
            record = OutputRecord(digest(output.data), len(output.data), _inputs(own, digests, deps), deps)
            return sink.stage(output.path, output.data), output.path, record

        for done, (_, result) in enumerate(map_forked(render, range(len(todo)), self.jobs), 1):
            if isinstance(result, Problem):
                self.problems.append(result)
                continue
            outcome, path, record = result
            sink.note(outcome)
            self.records[path] = record
            if self.progress:
                self.progress("render", done, len(todo))
        self.rendered = len(todo)
        self.problems = list({(p.path, p.line, p.message): p for p in self.problems}.values())
        return pages

    def _changed(self, pages: list[Page], digests: Digests, keep) -> list[tuple]:
        """Return (page, own digest or None, template digest) of the pages to render; keep the
        others' records. A new page's own digest is left to the worker that renders it.

        This runs in this process on purpose: digesting what the pages read touches
        most of the Site, and in a forked worker every object touched costs a page
        copy (reference counts), which measured slower than doing it here.
        """
        templates: dict = {}
        for name in sorted({page.template for page in pages}):
            try:
                templates[name] = template_digest(self.env, name, {}, self.references)
            except jinja2.TemplateError as exc:
                self.problems.append(template_problem(exc, self.root, name))
        todo = []
        for page in pages:
            template = templates.get(page.template)
            if template is None:
                continue
            path = output_path(page.url)
            old = self.previous.get(path)
            if old is None:  # nothing to compare: the worker that renders it digests it
                todo.append((page, None, template))
                continue
            if self.bodies is not None and not _reads_bodies(page, old.deps, self.bodies):
                unchanged = self.holds(path, old.size)
                own = None
            else:
                own = _own(page, digests, template)
                unchanged = old.inputs == _inputs(own, digests, old.deps) and self.holds(path, old.size)
            if unchanged:
                self.records[path] = old
                keep(path)
            else:
                todo.append((page, own, template))
        return todo


def changed_bodies(previous: dict, parsed: dict, names) -> frozenset[str] | None:
    """Return the source paths among `names` (the inputs that changed) whose Markdown body alone
    changed, every front-matter value and position staying the same; None if anything else did.

    A document's body reaches a page only through the document's own fields, and
    a template reading a field records the document (deps.Recorder), so after such
    an edit only pages that recorded one of these documents, or carry it, can differ.
    """
    paths = []
    for name in names:
        old, new = previous.get(name), parsed.get(name)
        if old is None or new is None or len(old.items) != len(new.items):
            return None
        for before, after in zip(old.items, new.items, strict=True):
            if not _same_but_body(before, after):
                return None
        paths.append(name)
    return frozenset(paths)


def _same_but_body(before, after) -> bool:
    """Whether two parses of a document differ at most in their Markdown."""
    return (type(before) is type(after) is Parsed and before.kind == after.kind in DOCUMENT_KINDS
            and before.values == after.values and before.lines.blob == after.lines.blob
            and before.markdown.keys() == after.markdown.keys())


def _reads_bodies(page: Page, deps: tuple, urls: frozenset) -> bool:
    """Whether a page carries or recorded reading one of these documents (conservative)."""
    if page.groups or (page.doc is not None and page.doc.url in urls):
        return True
    if any(type(item) is Document and item.url in urls for item in page.items):
        return True
    return any(key[0] == "obj" and key[1] == "doc" and key[2] in urls for key in deps)


def _own(page: Page, digests: Digests, template: bytes) -> bytes:
    """A page's own digest: its data and its template's."""
    return hashlib.blake2b(page_digest(page, digests) + template, digest_size=16).digest()


def page_digest(page: Page, digests: Digests) -> bytes:
    """Digest a page's own data (what plan_pages put in it), field by field.

    Equivalent to digests.of_value(page), written out because every page of the
    site is digested on every build.
    """
    pager = page.pager
    head = (f"{page.url}\0{page.template}\0{page.title}\0{page.kind}\0{page.feed}\0"
            f"{page.in_sitemap}\0{pager.number if pager else ''}\0{pager.total if pager else ''}\0"
            f"{pager.base if pager else ''}").encode()
    parts = [head] + [digests.of_object(value) if value is not None else b"-"
                      for value in (page.doc, page.record, page.term)]
    parts += [digests.of_object(item) for item in page.items]
    if page.groups:
        parts.append(digests.of_value(page.groups))
    return hashlib.blake2b(b"\0".join(parts), digest_size=16).digest()


def _inputs(own: bytes, digests: Digests, deps: tuple) -> bytes | None:
    """Combine a page's own digest with the current digests of what it read."""
    summary = digests.summary(deps)
    return None if summary is None else hashlib.blake2b(own + summary, digest_size=16).digest()


def template_problem(exc: jinja2.TemplateError, root: Path, template: str) -> Problem:
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


@dataclass
class OtherOutputs:
    """Sitemap, feeds and calendars: made again only when what goes into them changed."""

    site: Site
    previous: dict  # output path -> OutputRecord
    holds: Callable[[str, int], bool]
    digests: Digests
    records: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    paths: list = field(default_factory=list)
    feeds: int = 0

    def make(self, pages: list[Page], sink, keep: Callable[[str], None]) -> None:
        """Make (into `sink`) each output whose inputs changed; report the others to `keep`."""
        site = self.site
        plan = next((p.record for p in pages if p.kind == "subscribe"), None) or plan_subscriptions(site)
        spans, self.problems = event_spans(site)  # warnings are reported on every build
        sitemap = tuple((p.url, p.in_sitemap, p.doc.date if p.doc else None) for p in pages)
        jobs = [("sitemap.xml", sitemap, lambda: render_sitemap(site, pages))]
        contents: dict = {}  # each document's absolute HTML, shared by the feeds it is in
        jobs += [(f.url.lstrip("/"), f, lambda f=f: render_feed(site, f, contents)) for f in plan.feeds]
        jobs += [(c.url.lstrip("/"), (c, [spans[e.id] for e in c.events]),
                  lambda c=c: render_calendar(site, c, spans)) for c in plan.calendars]
        for path, inputs, render in jobs:
            self.paths.append(path)
            digest_of_inputs = self.digests.of_value(inputs)
            old = self.previous.get(path)
            if old is not None and old.inputs == digest_of_inputs and self.holds(path, old.size):
                self.records[path] = old
                keep(path)
                continue
            output = render()
            sink.note(sink.stage(output.path, output.data))
            self.records[path] = OutputRecord(digest(output.data), len(output.data), digest_of_inputs)
        self.feeds = len(plan.feeds) + len(plan.calendars)


def time_horizon(site: Site, records: dict) -> dt.datetime | None:
    """The first moment after the build when passing time alone would change the site.

    Future-dated documents fall due, events move from upcoming to past, phases
    start and end. A page that read `site.now` itself changes at any moment (None).
    """
    if any(NOW_KEY in record.deps for record in records.values()):
        return None
    now = site.now
    moments = [site.held_back.next_due] if site.held_back.next_due else []
    moments += [e.date for e in site.events]
    moments += [m for p in site.phases for m in (p.start, p.end + dt.timedelta(days=1))]
    later = [m for m in moments if m > now]
    return min(later) if later else dt.datetime.max.replace(tzinfo=dt.UTC)
