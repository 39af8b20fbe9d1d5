"""The one way a Site becomes files: every page and output job, made only when its inputs changed.

`produce` serves `cxsite build` (the sink is the output folder), `cxsite serve`
(memory) and `cxsite check` (memory, nothing previous). Pages are rendered in
forked worker processes, which stage their bytes into the sink themselves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from cxsite.content.sources import Parsed
from cxsite.incremental.keys import FieldKey, ObjectKey
from cxsite.incremental.memory import JobMemory, MemoryMemos, MemoStore
from cxsite.incremental.recorder import Digests, digest
from cxsite.incremental.state import JobRecord, OutputFile, PageRecord, State
from cxsite.incremental.tracking import TrackingEnvironment, render_recorded, template_digest
from cxsite.incremental.workers import map_forked
from cxsite.problem import Problem, error
from cxsite.publish.sink import Sink
from cxsite.render.pages import Page, plan_pages
from cxsite.render.registry import Kept, OutputJob, Registry
from cxsite.render.templates import make_environment, template_loader, template_problem, template_source_path
from cxsite.site.model import DOCUMENT_KINDS, Site
from cxsite.site.urls import output_path

NOW_KEY = FieldKey("now")
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class Production:
    """How to make the files of one Site: where templates are, what the last build left."""

    root: Path
    registry: Registry
    previous: State = field(default_factory=State)
    sources: Mapping[str, bytes] = field(default_factory=dict)  # source path -> digest of its bytes
    workers: int = 1
    bytecode_cache: jinja2.BytecodeCache | None = None
    bodies: frozenset | None = None  # see changed_bodies; None: verify every page
    progress: Progress | None = None
    memos: MemoStore = field(default_factory=MemoryMemos)  # what jobs with memory remember


@dataclass
class Produced:
    """What producing a Site did: every page, what each file was made from, what was done."""

    pages: list[Page] = field(default_factory=list)
    page_records: dict[str, PageRecord] = field(default_factory=dict)
    job_records: dict[str, JobRecord] = field(default_factory=dict)
    templates: dict = field(default_factory=dict)  # template source digest -> names it uses
    paths: set[str] = field(default_factory=set)  # every file of the site
    rendered: int = 0
    jobs: dict[str, int] = field(default_factory=dict)  # output family -> how many jobs it planned
    problems: list[Problem] = field(default_factory=list)


def produce(site: Site, how: Production, sink: Sink) -> Produced:
    """Render what changed and make the output jobs whose inputs changed, into the sink."""
    registry = how.registry
    env = make_environment(template_loader(how.root, registry.template_dirs),
                           bytecode_cache=how.bytecode_cache, environment=TrackingEnvironment,
                           filters=registry.filters, globals=registry.globals)
    done = Produced(pages=plan_pages(site, registry.page_families()), templates=dict(how.previous.templates))
    done.problems += _same_address(done.pages)
    if done.problems:
        return done
    digests = Digests(site, how.sources)
    todo = _changed_pages(done, env, digests, how, sink)
    if done.problems:
        return done
    _render_pages(todo, env, site, digests, how, sink, done)
    if done.problems:
        return done
    _make_jobs(site, digests, how, sink, done)
    for static in site.static:
        sink.copy(static.url, static.source)
    done.paths = set(done.page_records) | {f.path for r in done.job_records.values() for f in r.files} | {
        s.url for s in site.static}
    return done


def _same_address(pages: list[Page]) -> list[Problem]:
    """Two pages planned at one URL (page families of extensions can collide with each other)."""
    seen: dict[str, Page] = {}
    problems = []
    for page in pages:
        first = seen.setdefault(page.url, page)
        if first is not page:
            message = f"两个页面都要使用网址 {page.url}（{first.kind} 和 {page.kind}）"
            hint = "检查网站的扩展（site.yaml 的 extensions）注册的页面，给其中一个换一个网址"
            problems.append(error(page.url, None, message, hint))
    return problems


def _changed_pages(done: Produced, env: TrackingEnvironment, digests: Digests, how: Production,
                   sink: Sink) -> list[tuple]:
    """Return (page, own digest or None, template digest) of the pages to render; keep the others.

    A new page's own digest is left to the worker that renders it. This runs in
    this process on purpose: digesting what the pages read touches most of the
    Site, and in a forked worker every object touched costs a page copy
    (reference counts), which measured slower than doing it here.
    """
    templates: dict = {}
    for name in sorted({page.template for page in done.pages}):
        try:
            templates[name] = template_digest(env, name, {}, done.templates)
        except jinja2.TemplateError as exc:
            done.problems.append(template_problem(exc, how.root, name))
        except OSError as exc:  # a layout that cannot be read (permissions): named, not a write error
            shown = template_source_path(how.root, exc.filename or name)
            message = f"无法读取模板（{exc.strerror or exc}）"
            done.problems.append(error(shown, None, message, "检查这个文件的权限"))
    todo = []
    read = frozenset(ObjectKey(("document", url)) for url in how.bodies or ())  # the keys of reading them
    for page in done.pages:
        template = templates.get(page.template)
        if template is None:
            continue
        path = output_path(page.url)
        old = how.previous.pages.get(path)
        if old is None:  # nothing to compare: the worker that renders it digests it
            todo.append((page, None, template))
            continue
        if how.bodies is not None and not _reads_bodies(page, old.deps, how.bodies, read):
            unchanged, own = sink.holds(path, old.size), None
        else:
            own = _own(page, digests, template)
            unchanged = old.inputs == _inputs(own, digests, old.deps) and sink.holds(path, old.size)
        if unchanged:
            done.page_records[path] = old
            sink.keep(path)
        else:
            todo.append((page, own, template))
    return todo


def _render_pages(todo: list[tuple], env: TrackingEnvironment, site: Site, digests: Digests, how: Production,
                  sink: Sink, done: Produced) -> None:
    """Render the pages to do, in forked workers that stage their bytes into the sink."""
    for name in {page.template for page, _, _ in todo}:
        env.get_template(name)  # compile once, before forking, so workers share the result
    interned: dict = {}

    def render(index: int):
        page, own, template = todo[index]
        own = own or _own(page, digests, template)
        try:
            output, deps = render_recorded(env, site, page, interned)
        except jinja2.TemplateError as exc:
            return template_problem(exc, how.root, page.template)
        record = PageRecord(digest(output.data), len(output.data), _inputs(own, digests, deps), deps)
        return sink.stage(output.path, output.data), output.path, record

    for count, (_, result) in enumerate(map_forked(render, range(len(todo)), how.workers), 1):
        if isinstance(result, Problem):
            done.problems.append(result)
            continue
        outcome, path, record = result
        sink.note(outcome)
        done.page_records[path] = record
        if how.progress:
            how.progress("render", count, len(todo))
    done.rendered = len(todo)
    done.problems = list({(p.path, p.line, p.message): p for p in done.problems}.values())


def _make_jobs(site: Site, digests: Digests, how: Production, sink: Sink, done: Produced) -> None:
    """Make each output job whose inputs changed (or whose files are gone); keep the others."""
    for family, plan in how.registry.jobs:
        jobs = list(plan(site, done.pages))
        done.jobs[family] = len(jobs)
        for job in jobs:
            inputs = digests.of_value(job.inputs)
            old = how.previous.jobs.get(job.key)
            held = old is not None and all(sink.holds(f.path, f.size) for f in old.files)
            if held and old.inputs == inputs:
                done.job_records[job.key] = old
                for file in old.files:
                    sink.keep(file.path)
                continue
            if job.memory:
                remembered = old if held else None
                done.job_records[job.key] = _make_remembering(job, inputs, remembered, how.memos, sink)
                continue
            files = [_stage(output, sink) for output in job.make()]
            done.job_records[job.key] = JobRecord(inputs, tuple(files))


def _make_remembering(job: OutputJob, inputs: bytes, old: JobRecord | None, memos: MemoStore,
                      sink: Sink) -> JobRecord:
    """Make a job with memory: handed what it remembered with the files it made last time (`old`,
    whose files are all in place), it may keep some of them as they are."""
    memory = JobMemory(memos, old.memory if old is not None else {})
    before = {f.path: f for f in old.files} if old is not None else {}
    files = []
    for output in job.make(memory):
        if type(output) is Kept:
            if output.path not in before:
                raise ValueError(f"output job {job.key} keeps {output.path}, which it did not make last time")
            sink.keep(output.path)
            files.append(before[output.path])
        else:
            files.append(_stage(output, sink))
    memory.save()
    return JobRecord(inputs, tuple(files), dict(memory.index))


def _stage(output, sink: Sink) -> OutputFile:
    """Hand one file of a job to the sink; its record."""
    sink.note(sink.stage(output.path, output.data))
    return OutputFile(output.path, digest(output.data), len(output.data))


def changed_bodies(previous: Mapping, sources: Mapping, names) -> frozenset[str] | None:
    """Return the source paths among `names` (the inputs that changed) whose Markdown body alone
    changed, every front-matter value and position staying the same; None if anything else did.

    A document's body reaches a page only through the document's own fields, and
    a template reading a field records the document (recorder.Recorder), so after
    such an edit only pages that recorded one of these documents, or carry it, can differ.
    """
    paths = []
    for name in names:
        old, new = previous.get(name), sources.get(name)
        if old is None or new is None or len(old.items) != len(new.items):
            return None
        for before, after in zip(old.items, new.items, strict=True):
            if not _same_but_body(before, after):
                return None
        paths.append(name)
    return frozenset(paths)


def _same_but_body(before, after) -> bool:
    """Whether two checks of a document differ at most in their Markdown."""
    return (type(before) is type(after) is Parsed and before.kind == after.kind in DOCUMENT_KINDS
            and before.values == after.values and before.lines == after.lines
            and before.markdown.keys() == after.markdown.keys())


def _reads_bodies(page: Page, deps: tuple, urls: frozenset, read: frozenset) -> bool:
    """Whether a page carries or recorded reading one of these documents (conservative).

    `read` are the documents' ObjectKeys: a set tells whether thirteen thousand pages'
    dependencies meet it in C, where testing each key's type and identity took a tenth of a second.
    """
    if page.groups or page.data is not None or (page.doc is not None and page.doc.url in urls):
        return True
    if page.items and any(getattr(item, "url", None) in urls for item in page.items):
        return True
    return not read.isdisjoint(deps)


def _own(page: Page, digests: Digests, template: bytes) -> bytes:
    """A page's own digest: its data and its template's."""
    return hashlib.blake2b(page_digest(page, digests) + template, digest_size=16).digest()


_PAGE_FIELDS = tuple(f.name for f in dataclasses.fields(Page))


def page_digest(page: Page, digests: Digests) -> bytes:
    """Digest a page's own data (what its family put in it), every field of it.

    Model objects count by their whole contents, a list's items one by one.
    """
    parts = []
    for name in _PAGE_FIELDS:
        value = getattr(page, name)
        if name == "items":
            parts += [digests.of_object(item) for item in value]
            parts.append(str(len(value)).encode())
        elif value is None or type(value) in (str, int, bool):
            parts.append(repr(value).encode())
        else:
            parts.append(digests.of_object(value))
    return hashlib.blake2b(b"\0".join(parts), digest_size=16).digest()


def _inputs(own: bytes, digests: Digests, deps: tuple) -> bytes | None:
    """Combine a page's own digest with the current digests of what it read."""
    summary = digests.summary(deps)
    return None if summary is None else hashlib.blake2b(own + summary, digest_size=16).digest()


def time_horizon(site: Site, records: Mapping[str, PageRecord],
                 pages: Sequence[Page] = ()) -> dt.datetime | None:
    """The first moment after the build when passing time alone would change the site.

    Future-dated documents fall due, events move from upcoming to past, phases
    start and end, and a page's data goes stale when it says so (`Page.expires`:
    the home page counts the days of the current phase). The page declares it
    because only its family knows what of `site.now` it put in its data; the
    moment of each page keeps a build on the same day from rendering anything.
    A page that read `site.now` itself changes at any moment (None).
    """
    if any(NOW_KEY in record.deps for record in records.values()):
        return None
    now = site.now
    moments = [site.held_back.next_due] if site.held_back.next_due else []
    moments += [d.date for d in site.documents if d.scheduled]  # `--future`: its 定时 mark goes
    moments += [e.date for e in site.events]
    moments += [m for p in site.phases for m in (p.start, p.end + dt.timedelta(days=1))]
    moments += [page.expires for page in pages if page.expires is not None]
    later = [m for m in moments if m > now]
    return min(later) if later else dt.datetime.max.replace(tzinfo=dt.UTC)
