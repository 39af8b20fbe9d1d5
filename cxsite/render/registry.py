"""The seams every feature lands on: kinds of source, page families, output jobs, template helpers.

A feature is a `register(registration)` function. The built-in ones (the kinds
of source, the sections of the site, feeds, calendars, the sitemap, search) register
themselves exactly as a site's own extension modules (`extensions:` in
site.yaml) do; a build then works from the frozen `Registry`, and whatever is
registered is incremental with no more work (pages record what they read,
output jobs are made again only when their inputs change).

Two seams serve jobs that are costly to make from scratch (the search index):
a `Derivation` is computed from the HTML of every Markdown text once per distinct
text, where the Markdown is converted, and kept with it (`Site.derived`); a job
with `memory=True` is handed what it remembered last time (`Memory`) and may
leave files as they were (`Kept`), so an edit costs what it changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cxsite.content.kinds import Kind
from cxsite.render.pages import Output, Page, PageFamily
from cxsite.site.model import Site


@dataclass(frozen=True)
class OutputJob:
    """A file (or set of files) of the site that is not a page: a feed, a calendar, the sitemap.

    `inputs` is what the files are made from (model objects and plain data); the
    job is made again only when it changes. `make()` returns the files; with
    `memory=True` it is called as `make(memory)` and may return `Kept` files.
    """

    key: str  # names the job between builds (a feed's path, "search-index", …)
    inputs: object
    make: Callable[..., Iterable[Output | Kept]]
    memory: bool = False


@dataclass(frozen=True)
class Kept:
    """A file a job with memory made last time and leaves as it is (only when its memory is not empty)."""

    path: str


class Memory(Protocol):
    """What a job with memory remembered when it was last made, kept in the build cache.

    It describes the files of that build: when they are gone, or on a clean build,
    the memory is empty and the job makes everything. Values are plain data (pickled).
    """

    def recall(self, name: str) -> object | None:
        """What was remembered under a name (None: nothing)."""

    def remember(self, name: str, value: object) -> None:
        """Remember a value for the next build."""

    def forget(self, name: str) -> None:
        """Forget a name."""

    def clear(self) -> None:
        """Forget everything (before making every file again)."""


@dataclass(frozen=True)
class Derivation:
    """What a feature computes from the HTML of every Markdown text: `make(html)`, plain data.

    It runs once per distinct text where the text is converted (in worker processes),
    and is kept with the HTML; `Site.derived(name, key)` returns it. `name` names the
    result in the cache: change it whenever `make` changes.
    """

    name: str
    make: Callable[[str], object]


# plan(site, pages) -> the jobs of one kind of output, given every page of the site.
JobFamily = Callable[[Site, Sequence[Page]], Iterable[OutputJob]]


@dataclass(frozen=True)
class Registry:
    """Everything registered for a build, frozen."""

    kinds: tuple[Kind, ...]
    families: tuple[tuple[str, PageFamily], ...]
    jobs: tuple[tuple[str, JobFamily], ...]
    filters: Mapping[str, Callable] = field(default_factory=dict)
    globals: Mapping[str, Callable] = field(default_factory=dict)
    template_dirs: tuple[Path, ...] = ()
    derivations: tuple[Derivation, ...] = ()

    def kind(self, name: str) -> Kind | None:
        """The registered kind of a name."""
        return next((k for k in self.kinds if k.name == name), None)

    def page_families(self) -> tuple[PageFamily, ...]:
        """The page families in the order they were registered."""
        return tuple(family for _, family in self.families)

    def plan_jobs(self, site: Site, pages: Sequence[Page]) -> list[OutputJob]:
        """Every output job of the site, in registration order."""
        return [job for _, plan in self.jobs for job in plan(site, pages)]


class Registration:
    """What a feature's `register(registration)` is handed: add kinds, families, jobs and helpers."""

    def __init__(self) -> None:
        self._kinds: list[Kind] = []
        self._families: list[tuple[str, PageFamily]] = []
        self._jobs: list[tuple[str, JobFamily]] = []
        self._filters: dict[str, Callable] = {}
        self._globals: dict[str, Callable] = {}
        self._template_dirs: list[Path] = []
        self._derivations: list[Derivation] = []

    def add_kind(self, kind: Kind) -> None:
        """A kind of source: its files, keys, model, URL, references (see content/kinds.py)."""
        if any(k.name == kind.name for k in self._kinds):
            raise ValueError(f"kind {kind.name!r} is registered twice")
        self._kinds.append(kind)

    def add_pages(self, name: str, family: PageFamily) -> None:
        """A page family: family(site) returns pages (pages.Page)."""
        self._families.append((name, family))

    def add_outputs(self, name: str, plan: JobFamily) -> None:
        """Files that are not pages: plan(site, pages) returns OutputJobs."""
        self._jobs.append((name, plan))

    def add_filter(self, name: str, function: Callable) -> None:
        """A Jinja2 filter for every template."""
        self._filters[name] = function

    def add_global(self, name: str, function: Callable) -> None:
        """A Jinja2 global for every template."""
        self._globals[name] = function

    def add_templates(self, folder: Path) -> None:
        """A folder of layouts, searched after the site's layouts/ and before the theme."""
        self._template_dirs.append(Path(folder))

    def add_derivation(self, name: str, make: Callable[[str], object]) -> None:
        """Something to compute from the HTML of every Markdown text (see Derivation)."""
        if any(d.name == name for d in self._derivations):
            raise ValueError(f"derivation {name!r} is registered twice")
        self._derivations.append(Derivation(name, make))

    def kinds(self) -> tuple[Kind, ...]:
        """The kinds registered so far (a job's plan asks at build time, when all have registered)."""
        return tuple(self._kinds)

    def freeze(self) -> Registry:
        """The registry as registered."""
        return Registry(tuple(self._kinds), tuple(self._families), tuple(self._jobs), dict(self._filters),
                        dict(self._globals), tuple(self._template_dirs), tuple(self._derivations))


def builtin_features() -> tuple[Callable, ...]:
    """The register functions of cxsite's own features, in the order they register."""
    from cxsite.render import calendars, families, feeds, sitemap, stats, volume
    from cxsite.render.media import pictures, sharing
    from cxsite.render.search import feature as search
    from cxsite.site import records

    return (records.register, families.register, volume.register, stats.register, sitemap.register,
            feeds.register, calendars.register, pictures.register, sharing.register, search.register)


def make_registry(extensions: Iterable[Callable] = ()) -> Registry:
    """Register the built-in features, then each extension's; return the frozen registry."""
    registration = Registration()
    for register in (*builtin_features(), *extensions):
        register(registration)
    return registration.freeze()
