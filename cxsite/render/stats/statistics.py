"""What the statistics page (/stats/) and the home page's campaign position show, counted from the records.

Every figure is a count over the Site's events, bulletins, posts, honours,
branches and phases (and, for 阅读排行, the page views read from the web
server's logs). The results are frozen dataclasses of plain values, so the
page that shows them is rendered again exactly when one of them changes.

How events are counted (the page says so too):
- only events that have begun by the build date are "held" (开展); later ones
  are counted apart as planned (已列入安排);
- an event counts in the month and the phase it starts in;
- an event for `branches: all` counts for every branch, and a joint event for
  each branch it names, so the branches' figures add up to more than the total;
- 人次 is the sum of `participants` where the record gives it; an event without
  it adds nothing and is counted as "人数未记录";
- honours count from their date (a year or a month counts from its first day):
  those dated after the build date are counted apart, like planned events.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from cxsite.content.dates import PartialDate, zh_date
from cxsite.render.stats.figures import Figure, statistics_figures
from cxsite.site.model import Branch, Event, Honor, Site

# Honour levels from the highest down; others follow in order of first appearance.
LEVEL_ORDER = ("国家级", "部级", "省部级", "省级", "市级", "厅级", "局级", "区级", "县级", "处级", "院级")
NO_KIND, NO_LEVEL = "未注明类型", "未注明级别"
READING_SIZE = 10
# A goal names what it aims at in quotation marks: 争创“服务红旗党支部”.
_QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,30})[”\"」』]")


@dataclass(frozen=True)
class Totals:
    """The headline figures."""

    events: int  # held by the build date
    planned: int  # dated after it
    participants: int  # 人次 of held events
    unrecorded: int  # held events without `participants`
    whole: int  # held events for every branch (`branches: all`)
    unassigned: int  # held events naming no branch
    bulletins: int
    posts: int
    honors: int  # dated by the build date
    honors_later: int  # dated after it
    branches: int


@dataclass(frozen=True)
class Month:
    """One calendar month's activity and publications."""

    key: str  # 2010-07
    label: str  # 2010年7月
    events: int
    participants: int
    bulletins: int
    posts: int


@dataclass(frozen=True)
class Record:
    """A record that shows work done towards a goal: an event, an honour or a document."""

    kind: str  # 活动, 荣誉, 简报, 动态
    title: str
    url: str  # its page ("" for honours, which have none of their own)
    date: str  # in Chinese


@dataclass(frozen=True)
class Goal:
    """A branch goal and the records whose titles name what it aims at."""

    text: str
    records: tuple[Record, ...]


@dataclass(frozen=True)
class BranchFigures:
    """One branch's share of the campaign."""

    id: str
    name: str
    url: str
    members: int | None
    events: int  # held events it took part in (whole-institute and joint ones included)
    own_events: int  # held events naming this branch alone
    participants: int  # 人次 of those events, each counted whole
    bulletins: int
    posts: int
    honors: int
    goals: tuple[Goal, ...]


@dataclass(frozen=True)
class PhaseFigures:
    """One phase's activity and publications."""

    id: str  # "" for events outside every phase
    name: str
    url: str
    dates: str  # 2010年7月1日至2010年9月30日
    state: str  # 已结束, 进行中, 未开始, or "" for events outside every phase
    events: int
    participants: int
    bulletins: int
    posts: int


@dataclass(frozen=True)
class Tally:
    """A label and how many records carry it."""

    label: str
    count: int


@dataclass(frozen=True)
class Read:
    """A document and how often its page was viewed."""

    url: str
    title: str
    kind: str  # 简报, 动态, 页面
    views: int


@dataclass(frozen=True)
class Statistics:
    """Everything /stats/ shows; see the module docstring for how it is counted."""

    as_of: str  # the build date in Chinese
    as_of_iso: str
    totals: Totals
    months: tuple[Month, ...]
    branches: tuple[BranchFigures, ...]
    phases: tuple[PhaseFigures, ...]
    kinds: tuple[Tally, ...]
    honor_levels: tuple[Tally, ...]
    reading: tuple[Read, ...]  # the most read documents, most first (empty without logs)
    views_total: int  # views of every page of the site
    viewed_pages: int
    views_from: str = ""  # first and last day of the counted views (2010-10-11), when known
    views_to: str = ""

    def figures(self) -> tuple[Figure, ...]:
        """The page's charts with their tables (see figures.py)."""
        return statistics_figures(self)


def compute_statistics(site: Site, views: Mapping[str, int] | None = None,
                       period: tuple[str, str] = ("", "")) -> Statistics:
    """Count what /stats/ shows from the Site's records and the page views (URL -> count).

    `period` is the first and last day of the views (AccessCounts.first_day, .last_day).
    """
    views = views or {}
    held = tuple(e for e in site.events if e.date <= site.now)
    won = tuple(h for h in site.honors if _dated_by(h.date, site.now.date()))
    totals = Totals(
        events=len(held), planned=len(site.events) - len(held),
        participants=sum(e.participants or 0 for e in held),
        unrecorded=sum(e.participants is None for e in held),
        whole=sum(e.all_branches for e in held),
        unassigned=sum(not e.branches for e in held),
        bulletins=len(site.bulletins), posts=len(site.posts), honors=len(won),
        honors_later=len(site.honors) - len(won), branches=len(site.branches))
    reading = _reading(site, views)
    return Statistics(
        as_of=zh_date(site.now), as_of_iso=site.now.strftime("%Y-%m-%d"), totals=totals,
        months=_months(site, held), branches=tuple(_branch(site, b, held, won) for b in site.branches),
        phases=_phases(site, held), kinds=_tally(e.kind or NO_KIND for e in held),
        honor_levels=_levels(won), reading=reading, views_total=sum(views.values()),
        viewed_pages=sum(1 for count in views.values() if count),
        views_from=period[0] if views else "", views_to=period[1] if views else "")


def _months(site: Site, held: tuple[Event, ...]) -> tuple[Month, ...]:
    """Every month from the first to the last held event or document, empty months included."""
    docs = site.bulletins + site.posts
    keys = [(e.date.year, e.date.month) for e in held] + [(d.date.year, d.date.month) for d in docs]
    if not keys:
        return ()
    people: Counter = Counter()
    for e in held:
        people[e.date.year, e.date.month] += e.participants or 0
    bulletins = Counter((d.date.year, d.date.month) for d in site.bulletins)
    posts = Counter((d.date.year, d.date.month) for d in site.posts)
    events = Counter((e.date.year, e.date.month) for e in held)
    (year, month), last = min(keys), max(keys)
    months = []
    while (year, month) <= last:
        key = (year, month)
        months.append(Month(key=f"{year:04d}-{month:02d}", label=f"{year}年{month}月", events=events[key],
                            participants=people[key], bulletins=bulletins[key], posts=posts[key]))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(months)


def _dated_by(date: PartialDate, today: dt.date) -> bool:
    """Whether an honour's date (2010, 2010-05 or 2010-05-08) has begun by a day."""
    return (date.year, date.month or 1, date.day or 1) <= (today.year, today.month, today.day)


def _branch(site: Site, branch: Branch, held: tuple[Event, ...], won: tuple[Honor, ...]) -> BranchFigures:
    """A branch's figures and its goals with the records that name them."""
    joined = [e for e in held if e.all_branches or branch.id in e.branches]
    bulletins = [d for d in site.bulletins if branch.id in d.branches]
    posts = [d for d in site.posts if branch.id in d.branches]
    honors = [h for h in won if h.branch == branch.id]
    records = ([Record("活动", e.title, e.url, zh_date(e.date)) for e in joined]
               + [Record("荣誉", h.title, "", h.date.zh()) for h in honors]
               + [Record("简报", d.title, d.url, zh_date(d.date)) for d in bulletins]
               + [Record("动态", d.title, d.url, zh_date(d.date)) for d in posts])
    goals = tuple(Goal(text, _naming(text, records)) for text in branch.goals)
    return BranchFigures(
        id=branch.id, name=branch.name, url=branch.url, members=branch.members, events=len(joined),
        own_events=sum(e.branches == (branch.id,) for e in joined),
        participants=sum(e.participants or 0 for e in joined), bulletins=len(bulletins),
        posts=len(posts), honors=len(honors), goals=goals)


def _naming(goal: str, records: list[Record]) -> tuple[Record, ...]:
    """The records whose titles contain a name the goal puts in quotation marks."""
    names = _QUOTED.findall(goal)
    return tuple(r for r in records if any(name in r.title for name in names))


def _phases(site: Site, held: tuple[Event, ...]) -> tuple[PhaseFigures, ...]:
    """Each phase's figures, then a row for held events outside every phase (if any)."""
    rows = []
    today = site.now.date()
    for phase in site.phases:
        events = [e for e in held if e.phase == phase.id]
        start, end = phase.start.date(), phase.end.date()
        state = "已结束" if today > end else "进行中" if today >= start else "未开始"
        rows.append(PhaseFigures(
            id=phase.id, name=phase.name, url=phase.url,
            dates=f"{zh_date(phase.start)}至{zh_date(phase.end)}", state=state, events=len(events),
            participants=sum(e.participants or 0 for e in events),
            bulletins=sum(start <= d.date.date() <= end for d in site.bulletins),
            posts=sum(start <= d.date.date() <= end for d in site.posts)))
    outside = [e for e in held if site.phase(e.phase) is None]
    if outside:
        rows.append(PhaseFigures(id="", name="未注明阶段", url="", dates="", state="", events=len(outside),
                                 participants=sum(e.participants or 0 for e in outside), bulletins=0,
                                 posts=0))
    return tuple(rows)


def _tally(labels) -> tuple[Tally, ...]:
    """Count labels, most frequent first, then by label."""
    counts = Counter(labels)
    return tuple(Tally(label, n) for label, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _levels(honors: tuple[Honor, ...]) -> tuple[Tally, ...]:
    """Honours per level, from the highest level down; unknown levels after, then unnamed."""
    counts = Counter(h.level or NO_LEVEL for h in honors)
    known = [level for level in LEVEL_ORDER if level in counts]
    others = sorted(level for level in counts if level not in LEVEL_ORDER and level != NO_LEVEL)
    tail = [NO_LEVEL] if NO_LEVEL in counts else []
    return tuple(Tally(level, counts[level]) for level in known + others + tail)


def _reading(site: Site, views: Mapping[str, int]) -> tuple[Read, ...]:
    """The most viewed bulletins, posts and pages, most first (ties by URL)."""
    kinds = {"bulletin": "简报", "post": "动态", "page": "页面"}
    rows = []
    for url, count in views.items():
        doc = site.document(url)
        if doc is not None and count > 0:
            title = f"{doc.title}（第{doc.issue}期）" if doc.issue is not None else doc.title
            rows.append(Read(url=url, title=title, kind=kinds.get(doc.kind, ""), views=count))
    rows.sort(key=lambda r: (-r.views, r.url))
    return tuple(rows[:READING_SIZE])
