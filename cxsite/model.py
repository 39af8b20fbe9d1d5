"""The site model: frozen records of every document and YAML record, and the Site graph.

Cross-references are ids, issue numbers and URLs, never object pointers; the
Site offers lookups so templates can follow them.
"""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, field

from cxsite.config import Config, MenuItem
from cxsite.dates import PartialDate
from cxsite.markup import Link, TocEntry, reading_minutes

BULLETIN, POST, PAGE = "bulletin", "post", "page"


class Lines(Mapping):
    """Where each key of a source item is written: {key or key path: line or (line, column)}.

    Kept pickled until a problem needs a position: read back from the build
    cache for ten thousand items on every build, these maps were a third of the cost.
    """

    __slots__ = ("_blob", "_map")

    def __init__(self, mapping: dict | None = None, blob: bytes | None = None):
        self._map = dict(mapping) if mapping is not None else None
        self._blob = blob if blob is not None else pickle.dumps(self._map, protocol=5)

    @property
    def blob(self) -> bytes:
        """The pickled map, as the build cache stores it."""
        return self._blob

    def _positions(self) -> dict:
        """The map itself, unpickled on first use."""
        if self._map is None:
            self._map = pickle.loads(self._blob)
        return self._map

    def __getitem__(self, key):
        return self._positions()[key]

    def __iter__(self):
        return iter(self._positions())

    def __len__(self) -> int:
        return len(self._positions())

    def __reduce__(self):
        # The same positions pickle to the same bytes whether read back or freshly made.
        return Lines, (None, self._blob)


@dataclass(frozen=True)
class Document:
    """A Markdown document: a bulletin (简报), a post (动态) or a page (方案, 关于…)."""

    kind: str
    path: str
    url: str
    title: str
    body: str = ""  # key of the body's HTML (Site.html), which has cxsite: link markers
    summary: str = ""
    date: dt.datetime | None = None
    issue: int | None = None
    slug: str = ""
    category: str = ""
    author: str = ""
    branches: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    distribution: tuple[str, ...] = ()
    cover: str = ""
    draft: bool = False
    weight: int = 0
    menu: str = ""
    chars: int = 0
    links: tuple[Link, ...] = ()
    toc: tuple[TocEntry, ...] = ()  # the body's headings (level, id, title) for a table of contents
    lines: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def reading_minutes(self) -> int:
        """Minutes a reader needs, counted in characters."""
        return reading_minutes(self.chars)

    def __repr__(self) -> str:
        # Names the document without its contents: a layout printing a whole document
        # ({{ doc }}) then shows nothing that a body edit could change unrecorded
        # (pages depend on a body only through the fields they read; see deps.py).
        return f"Document({self.kind!r}, {self.url!r})"

    def line_of(self, key: str) -> int:
        """Return the line of a front-matter key (the file's first line when unknown)."""
        return self.lines.get(key, 1)


@dataclass(frozen=True)
class Branch:
    """A party branch (支部) and, once in the graph, what refers to it."""

    id: str
    path: str
    url: str
    name: str
    kind: str = ""
    theme: str = ""
    secretary: str = ""
    members: int | None = None
    sections: tuple[str, ...] = ()
    goals: tuple[str, ...] = ()
    description: str = ""  # key of its HTML (Site.html)
    weight: int = 0
    lines: dict = field(default_factory=dict, compare=False, repr=False)
    events: tuple[str, ...] = ()  # event ids
    bulletins: tuple[int, ...] = ()  # issue numbers
    posts: tuple[str, ...] = ()  # post URLs
    honors: tuple[int, ...] = ()  # indexes into Site.honors

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

    id: str
    path: str
    url: str
    title: str
    date: dt.datetime
    end: dt.datetime | None = None
    time: str = ""
    location: str = ""
    kind: str = ""
    branches: tuple[str, ...] = ()  # branch ids; ("all",) means every branch
    participants: int | None = None
    phase: str = ""
    bulletin: int | None = None
    summary: str = ""  # key of its HTML (Site.html)
    text_summary: str = ""
    photos: tuple[str, ...] = ()
    lines: dict = field(default_factory=dict, compare=False, repr=False)
    bulletins: tuple[int, ...] = ()  # issues whose `events` name this event
    posts: tuple[str, ...] = ()  # post URLs

    @property
    def all_branches(self) -> bool:
        """Whether every branch took part."""
        return self.branches == ("all",)


@dataclass(frozen=True)
class Honor:
    """An honour (荣誉) won by the institute, a branch or a member."""

    title: str
    path: str
    date: PartialDate
    level: str = ""
    awarded_by: str = ""
    recipient: str = ""
    branch: str = ""
    lines: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Phase:
    """A phase (阶段) of the campaign and its events."""

    id: str
    path: str
    url: str
    name: str
    start: dt.datetime
    end: dt.datetime
    summary: str = ""  # key of its HTML (Site.html)
    goals: tuple[str, ...] = ()
    lines: dict = field(default_factory=dict, compare=False, repr=False)
    events: tuple[str, ...] = ()  # event ids, by date


@dataclass(frozen=True)
class StaticFile:
    """A file copied as it is: from the theme or the site's static/ folder."""

    url: str  # output path, e.g. css/site.css
    source: str  # absolute path on disk


@dataclass(frozen=True)
class Content:
    """Everything the loader read, before drafts are held back and references resolved."""

    documents: tuple[Document, ...]
    branches: tuple[Branch, ...]
    events: tuple[Event, ...]
    honors: tuple[Honor, ...]
    phases: tuple[Phase, ...]
    static: tuple[StaticFile, ...]
    intro: str = ""  # key of the site intro's HTML
    unbuilt: tuple[Unbuilt, ...] = ()  # sources that failed validation


@dataclass(frozen=True)
class Unbuilt:
    """A source that failed validation: who it says it is and what it refers to.

    Its references are still checked, and references to it are not reported
    again as references to nothing. Attribute names match Document and Event.
    """

    kind: str  # bulletin, post, page, branches, events, honors or phases
    path: str
    identity: tuple | None = None  # ("issue", 3) or ("events", "dongyuan-dahui")
    branches: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    phase: str = ""
    bulletin: int | None = None
    branch: str = ""
    lines: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Term:
    """A tag or a category with the documents that carry it (newest first)."""

    kind: str  # "tag" or "category"
    name: str
    slug: str
    url: str
    documents: tuple[str, ...]  # document URLs

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


@dataclass(frozen=True, eq=False)
class Site:
    """The immutable graph every page, feed and index is made from."""

    config: Config
    now: dt.datetime
    documents: tuple[Document, ...]  # bulletins and posts, newest first
    bulletins: tuple[Document, ...]  # by issue, newest first
    posts: tuple[Document, ...]  # newest first
    pages: tuple[Document, ...]  # by weight, then title
    branches: tuple[Branch, ...]  # by weight, then id
    events: tuple[Event, ...]  # by date
    honors: tuple[Honor, ...]  # newest first
    phases: tuple[Phase, ...]  # by start
    tags: tuple[Term, ...]
    categories: tuple[Term, ...]
    static: tuple[StaticFile, ...]
    intro: str  # key of the intro's HTML
    held_back: HeldBack
    portable: bool = False
    _index: dict = field(default_factory=dict, repr=False)
    _html: object = field(default=None, repr=False)  # a store with .get(key) -> HTML

    def html(self, key: str) -> str:
        """Return the HTML a Markdown key names (bodies, descriptions, summaries, intro)."""
        return self._html.get(key) if key else ""

    def document(self, url: str) -> Document | None:
        """Return the bulletin, post or page at a URL."""
        return self._index["documents"].get(url)

    def bulletin(self, issue: int) -> Document | None:
        """Return the bulletin with an issue number."""
        return self._index["bulletins"].get(issue)

    def branch(self, branch_id: str) -> Branch | None:
        """Return the branch with an id."""
        return self._index["branches"].get(branch_id)

    def event(self, event_id: str) -> Event | None:
        """Return the event with an id."""
        return self._index["events"].get(event_id)

    def phase(self, phase_id: str) -> Phase | None:
        """Return the phase with an id."""
        return self._index["phases"].get(phase_id)

    def documents_of(self, urls) -> list[Document]:
        """Return the documents at the given URLs, skipping any not published."""
        return [d for d in map(self.document, urls) if d is not None]

    def bulletins_of(self, issues) -> list[Document]:
        """Return the bulletins with the given issue numbers."""
        return [d for d in map(self.bulletin, issues) if d is not None]

    def branches_of(self, ids) -> list[Branch]:
        """Return the branches with the given ids (`all` means every branch)."""
        if tuple(ids) == ("all",):
            return list(self.branches)
        return [b for b in map(self.branch, ids) if b is not None]

    def events_of(self, ids) -> list[Event]:
        """Return the events with the given ids."""
        return [e for e in map(self.event, ids) if e is not None]

    def honors_of(self, indexes) -> list[Honor]:
        """Return honours by their index in `honors`."""
        return [self.honors[i] for i in indexes]

    def neighbours(self, doc: Document) -> tuple[Document | None, Document | None]:
        """Return the previous and next bulletin by issue number (None at either end)."""
        return self._index["neighbours"].get(doc.issue, (None, None))

    def url_for_key(self, key: str) -> str | None:
        """Return the site URL a Markdown link marker points to (None if nothing)."""
        return self._index["sources"].get(key) or (key if key.startswith("/") else None)

    def term(self, kind: str, name: str) -> Term | None:
        """Return the tag or category of a name."""
        return self._index[kind].get(name)

    def count(self, collection: str) -> int:
        """How many bulletins, posts, events, branches, honours… the site has.

        Templates use this rather than `site.bulletins|length`, so a page that
        shows a count depends on the count, not on every bulletin.
        """
        return len(getattr(self, collection))

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
