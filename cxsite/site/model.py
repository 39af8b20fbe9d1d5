"""The site model: frozen records of every document and YAML record, and the Site graph.

Cross-references are ids, issue numbers and URLs, never object pointers; the
Site offers lookups so templates can follow them. A model object prints as who
it is (its kind and id or URL), never as its contents: the fields say what it holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar

from cxsite.content.config import Config, MenuItem
from cxsite.content.dates import PartialDate
from cxsite.content.markdown import Link, TocEntry, reading_minutes
from cxsite.content.project import StaticFile
from cxsite.content.schema import FileRef
from cxsite.content.sources import Unbuilt

BULLETIN, POST, PAGE = "bulletin", "post", "page"
DOCUMENT_KINDS = (BULLETIN, POST, PAGE)


def _hidden(default=None, **options):
    """A field left out of the object's repr (see the module's doc)."""
    if "default_factory" in options:
        return field(repr=False, **options)
    return field(default=default, repr=False, **options)


@dataclass(frozen=True)
class Document:
    """A Markdown document: a bulletin (简报), a post (动态) or a page (方案, 关于…)."""

    collection: ClassVar[str] = "documents"

    kind: str
    path: str = _hidden("")
    url: str = ""
    title: str = _hidden("")
    body: str = _hidden("")  # Markdown key of the body's HTML (Site.html), which has cxsite: link markers
    summary: str = _hidden("")
    date: dt.datetime | None = _hidden()
    issue: int | None = _hidden()
    slug: str = _hidden("")
    category: str = _hidden("")
    author: str = _hidden("")
    branches: tuple[str, ...] = _hidden(())
    events: tuple[str, ...] = _hidden(())
    tags: tuple[str, ...] = _hidden(())
    distribution: tuple[str, ...] = _hidden(())
    copies: int | None = _hidden()  # 印数 of a bulletin
    cover: str = _hidden("")
    attachments: tuple[FileRef, ...] = _hidden(())
    draft: bool = _hidden(False)
    scheduled: bool = _hidden(False)  # published before its date because the build was asked to (--future)
    weight: int = _hidden(0)
    menu: str = _hidden("")
    chars: int = _hidden(0)
    links: tuple[Link, ...] = _hidden(())
    toc: tuple[TocEntry, ...] = _hidden(())  # the body's headings (level, id, title) for a table of contents
    lines: Mapping = _hidden(default_factory=dict, compare=False)

    @property
    def reading_minutes(self) -> int:
        """Minutes a reader needs, counted in characters."""
        return reading_minutes(self.chars)

    def line_of(self, key: str) -> int:
        """Return the line of a front-matter key (the file's first line when unknown)."""
        return self.lines.get(key, 1)


@dataclass(frozen=True)
class Branch:
    """A party branch (支部) and, once in the graph, what refers to it."""

    collection: ClassVar[str] = "branches"

    id: str
    path: str = _hidden("")
    url: str = _hidden("")
    name: str = _hidden("")
    kind: str = _hidden("")
    theme: str = _hidden("")
    secretary: str = _hidden("")
    members: int | None = _hidden()
    sections: tuple[str, ...] = _hidden(())
    goals: tuple[str, ...] = _hidden(())
    description: str = _hidden("")  # Markdown key of its HTML (Site.html)
    weight: int = _hidden(0)
    lines: Mapping = _hidden(default_factory=dict, compare=False)
    events: tuple[str, ...] = _hidden(())  # event ids
    bulletins: tuple[int, ...] = _hidden(())  # issue numbers
    posts: tuple[str, ...] = _hidden(())  # post URLs
    honors: tuple[int, ...] = _hidden(())  # indexes into Site.honors

    @property
    def feed_url(self) -> str:
        """URL of this branch's feed of bulletins and posts."""
        return self.url + "feed.xml"

    @property
    def calendar_url(self) -> str:
        """URL of this branch's calendar of events."""
        return self.url + "events.ics"


@dataclass(frozen=True)
class Event:
    """A campaign event (活动) and, once in the graph, what reports it."""

    collection: ClassVar[str] = "events"

    id: str
    path: str = _hidden("")
    url: str = _hidden("")
    title: str = _hidden("")
    date: dt.datetime = _hidden()
    end: dt.datetime | None = _hidden()
    time: str = _hidden("")  # as written: "14:30" or "14:30-17:30"
    starts: dt.time | None = _hidden()  # `time` read: when it starts (None: all day, or unreadable)
    ends: dt.time | None = _hidden()  # and ends (None: only a start is known)
    location: str = _hidden("")
    kind: str = _hidden("")
    branches: tuple[str, ...] = _hidden(())  # branch ids; ("all",) means every branch
    participants: int | None = _hidden()
    phase: str = _hidden("")
    bulletin: int | None = _hidden()
    summary: str = _hidden("")  # Markdown key of its HTML (Site.html)
    text_summary: str = _hidden("")
    photos: tuple[FileRef, ...] = _hidden(())
    attachments: tuple[FileRef, ...] = _hidden(())
    draft: bool = _hidden(False)  # held back like a draft document (`cxsite new event` writes one)
    lines: Mapping = _hidden(default_factory=dict, compare=False)
    bulletins: tuple[int, ...] = _hidden(())  # issues whose `events` name this event
    posts: tuple[str, ...] = _hidden(())  # post URLs

    @property
    def all_branches(self) -> bool:
        """Whether every branch took part."""
        return self.branches == ("all",)

    @property
    def clock(self) -> str:
        """The time of day as lists show it: 14:30, 14:30–17:30, or "" for an event known by its date."""
        if self.starts is not None:
            return f"{self.starts:%H:%M}" + (f"–{self.ends:%H:%M}" if self.ends is not None else "")
        if self.time or (self.date.hour, self.date.minute) == (0, 0):
            return ""  # all day, or a `time` that could not be read (warned about)
        return f"{self.date:%H:%M}"


@dataclass(frozen=True)
class Honor:
    """An honour (荣誉) won by the institute, a branch or a member."""

    collection: ClassVar[str] = "honors"

    title: str
    path: str = _hidden("")
    date: PartialDate = _hidden()
    level: str = _hidden("")
    awarded_by: str = _hidden("")
    recipient: str = _hidden("")
    branch: str = _hidden("")
    lines: Mapping = _hidden(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Phase:
    """A phase (阶段) of the campaign and its events."""

    collection: ClassVar[str] = "phases"

    id: str
    path: str = _hidden("")
    url: str = _hidden("")
    name: str = _hidden("")
    start: dt.datetime = _hidden()
    end: dt.datetime = _hidden()
    summary: str = _hidden("")  # Markdown key of its HTML (Site.html)
    goals: tuple[str, ...] = _hidden(())
    lines: Mapping = _hidden(default_factory=dict, compare=False)
    events: tuple[str, ...] = _hidden(())  # event ids, by date

    def covers(self, moment: dt.datetime) -> bool:
        """Whether a moment falls within the phase, its first and last days included."""
        return self.start.date() <= moment.date() <= self.end.date()


@dataclass(frozen=True)
class Record:
    """A record of a kind a site's extension registers (学习资料, …): its id and values.

    Templates read its values as attributes (`item.source`); Markdown fields hold
    keys of their HTML, as on the built-in records.
    """

    collection: str
    id: str
    path: str = _hidden("")
    url: str = _hidden("")
    values: Mapping = _hidden(default_factory=dict)
    lines: Mapping = _hidden(default_factory=dict, compare=False)

    def __getattr__(self, name: str):
        values = self.__dict__.get("values") or {}
        if name in values:
            return values[name]
        raise AttributeError(name)


@dataclass(frozen=True)
class Term:
    """A tag or a category with the documents that carry it (newest first)."""

    kind: str  # "tag" or "category"
    name: str
    slug: str = _hidden("")
    url: str = _hidden("")
    documents: tuple[str, ...] = _hidden(())  # document URLs

    @property
    def feed_url(self) -> str:
        """URL of a category's feed; tags have none (empty)."""
        return self.url + "feed.xml" if self.kind == "category" else ""


@dataclass(frozen=True)
class HeldBack:
    """How many documents were left out of this build, and why."""

    drafts: int = 0
    future: int = 0
    next_due: dt.datetime | None = None  # when the first future-dated one falls due


@dataclass(frozen=True)
class Content:
    """Every source made into model objects, before drafts are held back and references resolved."""

    documents: tuple[Document, ...]
    records: Mapping[str, tuple]  # kind name -> its records, in file order
    static: tuple[StaticFile, ...]
    intro: str = ""  # Markdown key of the site intro's HTML
    unbuilt: tuple[Unbuilt, ...] = ()  # sources that failed validation
    links: tuple[tuple[str, Link], ...] = ()  # (path, link) in records' Markdown fields, lines of the file

    def of(self, kind: str) -> tuple:
        """The records of one kind (empty when there are none)."""
        return self.records.get(kind, ())


@dataclass(frozen=True)
class Rendition:
    """A version of an image made for the web (upright, without metadata), published under /_img/."""

    url: str  # site URL, "/_img/<key>-480.jpg"
    width: int | None  # None only for an SVG that states no size
    height: int | None


@dataclass(frozen=True)
class Picture:
    """An image of static/ that the content shows, as pages show it.

    Photos and covers always have a thumbnail (at most 480 px wide) and a large
    version (longest side at most 1,600 px); an image in a body has them only
    when it is wider than the content column, and is otherwise shown as it is.
    """

    src: str  # site URL of the original, "/img/photos/合影.jpg"
    width: int | None  # of the original as shown (turned upright); None: an SVG without a size
    height: int | None
    thumbnail: Rendition | None = None
    large: Rendition | None = None


@dataclass(frozen=True)
class Media:
    """What the build learnt of the files the content refers to (see incremental/images.py)."""

    pictures: Mapping[str, Picture] = field(default_factory=dict)  # original's site URL -> Picture
    sizes: Mapping[str, int] = field(default_factory=dict)  # attachment's site URL -> bytes
    files: Mapping[str, bytes] = field(default_factory=dict)  # derived file's name -> its bytes (the cache's)


@dataclass(frozen=True)
class SiteIndex:
    """The lookups the Site offers, made once by the graph."""

    documents: Mapping[str, Document]  # by URL, published ones
    bulletins: Mapping[int, Document]  # by issue
    neighbours: Mapping[int, tuple]  # issue -> (previous, next) bulletin
    records: Mapping[str, Mapping[str, object]]  # kind -> id -> record (kinds with ids)
    positions: Mapping[str, Mapping[int, int]]  # kind -> id(record) -> index (kinds without ids)
    terms: Mapping[str, Mapping[str, Term]]  # "tag"/"category" -> name -> Term
    referrers: Mapping[tuple, tuple]  # (kind, id, referring kind) -> ids, issues or URLs
    sources: Mapping[str, str]  # source path (content/…, static/…) -> the URL it is published at
    urls: frozenset[str]  # every URL of the site
    media: Media = Media()


@dataclass(frozen=True, eq=False)
class Site:
    """The immutable graph every page, feed and index is made from."""

    config: Config
    now: dt.datetime
    documents: tuple[Document, ...]  # bulletins and posts, newest first
    bulletins: tuple[Document, ...]  # by issue, newest first
    posts: tuple[Document, ...]  # newest first
    pages: tuple[Document, ...]  # by weight, then title
    records: Mapping[str, tuple]  # kind name -> records in the kind's order
    tags: tuple[Term, ...]
    categories: tuple[Term, ...]
    static: tuple[StaticFile, ...]
    intro: str  # Markdown key of the intro's HTML
    held_back: HeldBack
    index: SiteIndex = field(repr=False)
    html_store: Mapping[str, str] = field(repr=False)  # Markdown key -> its HTML
    portable: bool = False
    # (derivation name, Markdown key) -> what a registered derivation made of its HTML
    derived_store: Mapping[tuple[str, str], object] = field(default_factory=dict, repr=False)
    # Page URL -> views counted in the web server's access logs (empty without logs), read-only.
    # Templates read one page's count through views_of(url), which is recorded per URL, so a
    # change of one count makes only the pages showing it again.
    views: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}), repr=False)
    views_period: tuple[str, str] = ("", "")  # first and last day of the counted views, 2010-10-11

    @property
    def branches(self) -> tuple[Branch, ...]:
        """The party branches, by weight, then id."""
        return self.records.get("branches", ())

    @property
    def events(self) -> tuple[Event, ...]:
        """The events, by date."""
        return self.records.get("events", ())

    @property
    def honors(self) -> tuple[Honor, ...]:
        """The honours, newest first."""
        return self.records.get("honors", ())

    @property
    def phases(self) -> tuple[Phase, ...]:
        """The phases, by start."""
        return self.records.get("phases", ())

    def collection(self, kind: str) -> tuple:
        """The records of any kind, a site's own included (empty when there are none)."""
        return self.records.get(kind, ())

    def html(self, key: str) -> str:
        """Return the HTML a Markdown key names (bodies, descriptions, summaries, intro)."""
        return self.html_store[key] if key else ""

    def derived(self, name: str, key: str):
        """Return what the derivation `name` made of the HTML a Markdown key names (KeyError: not kept)."""
        return self.derived_store[(name, key)]

    def derived_many(self, name: str, keys: Iterable[str]) -> dict[str, object]:
        """What the derivation `name` made of each key's HTML, for the keys kept (one lookup for many)."""
        many = getattr(self.derived_store, "many", None)
        if many is not None:
            return many(name, keys)
        return {key: self.derived_store[(name, key)] for key in keys if (name, key) in self.derived_store}

    def views_of(self, url: str) -> int:
        """How often the page at a URL was viewed, by the access logs (0 without logs)."""
        return self.views.get(url, 0)

    def document(self, url: str) -> Document | None:
        """Return the bulletin, post or page at a URL."""
        return self.index.documents.get(url)

    def bulletin(self, issue: int) -> Document | None:
        """Return the bulletin with an issue number."""
        return self.index.bulletins.get(issue)

    def record(self, kind: str, record_id: str):
        """Return the record of a kind with an id (None when there is none)."""
        return self.index.records.get(kind, {}).get(record_id)

    def branch(self, branch_id: str) -> Branch | None:
        """Return the branch with an id."""
        return self.record("branches", branch_id)

    def event(self, event_id: str) -> Event | None:
        """Return the event with an id."""
        return self.record("events", event_id)

    def phase(self, phase_id: str) -> Phase | None:
        """Return the phase with an id."""
        return self.record("phases", phase_id)

    def referrers(self, kind: str, record_id, referring: str) -> tuple:
        """Ids (issues, URLs) of the items of kind `referring` that name a record."""
        return self.index.referrers.get((kind, record_id, referring), ())

    def documents_of(self, urls) -> list[Document]:
        """Return the documents at the given URLs, skipping any not published."""
        return [d for d in map(self.document, urls) if d is not None]

    def bulletins_of(self, issues) -> list[Document]:
        """Return the bulletins with the given issue numbers."""
        return [d for d in map(self.bulletin, issues) if d is not None]

    def records_of(self, kind: str, ids) -> list:
        """Return the records of a kind with the given ids (`all` means every one)."""
        if tuple(ids) == ("all",):
            return list(self.collection(kind))
        return [r for r in (self.record(kind, i) for i in ids) if r is not None]

    def branches_of(self, ids) -> list[Branch]:
        """Return the branches with the given ids (`all` means every branch)."""
        return self.records_of("branches", ids)

    def events_of(self, ids) -> list[Event]:
        """Return the events with the given ids."""
        return self.records_of("events", ids)

    def honors_of(self, indexes) -> list[Honor]:
        """Return honours by their index in `honors`."""
        return [self.honors[i] for i in indexes]

    def neighbours(self, doc: Document) -> tuple[Document | None, Document | None]:
        """Return the previous and next bulletin by issue number (None at either end)."""
        return self.index.neighbours.get(doc.issue, (None, None))

    def url_for_key(self, key: str) -> str | None:
        """Return the site URL a Markdown link marker points to (None if nothing)."""
        return self.index.sources.get(key) or (key if key.startswith("/") else None)

    def picture(self, url: str) -> Picture | None:
        """Return how the image at a site URL of static/ is shown (None: not an image the content shows)."""
        return self.index.media.pictures.get(url)

    def file_size(self, url: str) -> int | None:
        """Return the size in bytes of a file of static/ the content attaches (None when unknown)."""
        return self.index.media.sizes.get(url)

    def derived_file(self, name: str) -> bytes:
        """Return the bytes of a derived image by its file name (the last part of a Rendition's url)."""
        return self.index.media.files[name]

    def term(self, kind: str, name: str) -> Term | None:
        """Return the tag or category of a name."""
        return self.index.terms[kind].get(name)

    def menu(self) -> tuple[MenuItem, ...]:
        """The main navigation: site.yaml's menu, then pages marked `menu` not already in it."""
        listed = {item.url for item in self.config.menu}
        extra = tuple(MenuItem(p.menu, p.url) for p in self.pages if p.menu and p.url not in listed)
        return self.config.menu + extra

    def upcoming_events(self, count: int = 5) -> list[Event]:
        """The next events from build time on, soonest first."""
        return [e for e in self.events if e.date >= self.now][:count]

    def recent_events(self, count: int = 5) -> list[Event]:
        """The latest events before build time, newest first."""
        return [e for e in reversed(self.events) if e.date < self.now][:count]

    def current_phase(self) -> Phase | None:
        """Return the phase under way at build time, else the latest that has started."""
        started = [p for p in self.phases if p.start <= self.now]
        running = [p for p in started if self.now <= p.end + dt.timedelta(days=1)]
        return (running or started or list(self.phases[:1]) or [None])[-1]

    # ------------------------------------------------ naming model objects (cross-references)

    def identify(self, item) -> tuple | None:
        """Name a model object of this Site: ("document", url), (kind, id), ("tag", name)…; else None."""
        kind = type(item)
        if kind is Document:
            return ("document", item.url)
        if kind is Term:
            return (item.kind, item.name)
        collection = getattr(item, "collection", None)
        if not isinstance(collection, str) or collection == "documents":
            return None
        if collection in self.index.positions:
            position = self.index.positions[collection].get(id(item))
            return None if position is None else (collection, position)
        record_id = getattr(item, "id", None)
        return None if record_id is None else (collection, record_id)

    def lookup(self, identity: tuple):
        """Return the object an identity names in this Site (None when there is none)."""
        kind, key = identity
        if kind == "document":
            return self.document(key)
        if kind in ("tag", "category"):
            return self.term(kind, key)
        if kind in self.index.positions:
            items = self.collection(kind)
            return items[key] if isinstance(key, int) and 0 <= key < len(items) else None
        return self.record(kind, key)


def is_model_type(kind: type) -> bool:
    """Whether objects of a type belong to the model (the Site, its documents, records and terms).

    A site's extension may make its records with a class of its own: any class
    with a `collection` name counts.
    """
    return kind in (Site, Record, Term) or isinstance(getattr(kind, "collection", None), str)
