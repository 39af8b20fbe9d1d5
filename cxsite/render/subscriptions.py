"""What the site offers to subscribe to: every feed and calendar, and the items each carries.

The feeds (feeds.py), the calendars (calendars.py) and the subscribe page
(families.py) all read this one plan, so the page lists exactly the files that
are built, with their true item counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cxsite.site.model import Document, Event, Site
from cxsite.site.urls import BULLETINS_FEED, EVENTS_CALENDAR, MAIN_ATOM, MAIN_RSS

RSS, ATOM = "rss", "atom"


@dataclass(frozen=True)
class Feed:
    """One RSS or Atom feed: where it is, what it is called and the documents in it."""

    url: str
    name: str  # short label on the subscribe page
    title: str
    description: str
    format: str  # RSS or ATOM
    page: str  # the page the feed follows, e.g. /branches/houqin/
    group: str  # heading on the subscribe page: 全站, 支部, 栏目
    documents: tuple[Document, ...]  # newest first, at most feeds.items


@dataclass(frozen=True)
class Calendar:
    """One iCalendar file: where it is, what it is called and its events."""

    url: str
    name: str
    title: str
    page: str
    events: tuple[Event, ...]  # by date


@dataclass(frozen=True)
class Subscriptions:
    """Every feed and calendar of the site, in the order the subscribe page lists them."""

    feeds: tuple[Feed, ...]
    calendars: tuple[Calendar, ...]

    def feed_groups(self) -> tuple[tuple[str, tuple[Feed, ...]], ...]:
        """The feeds under their headings, in plan order: (("全站", feeds), ("党支部", feeds), …)."""
        groups: dict[str, list[Feed]] = {}
        for feed in self.feeds:
            groups.setdefault(feed.group, []).append(feed)
        return tuple((group, tuple(feeds)) for group, feeds in groups.items())


def plan_subscriptions(site: Site) -> Subscriptions:
    """List every feed and calendar of the site with the items each carries."""
    return Subscriptions(_feeds(site), _calendars(site))


def subscriptions_of(site: Site, pages: Sequence) -> Subscriptions:
    """The plan the subscribe page shows (planned again when a site has no such page)."""
    shown = next((p.data for p in pages if isinstance(p.data, Subscriptions)), None)
    return shown or plan_subscriptions(site)


def _feeds(site: Site) -> tuple[Feed, ...]:
    """The main feeds, the bulletins feed, then one feed per branch and per category."""
    config = site.config
    limit = config.feed_items
    description = config.description or config.tagline or config.title
    everything = site.documents[:limit]
    feeds = [
        Feed(MAIN_RSS, "全部简报和动态", config.title, description, RSS, "/", "全站", everything),
        Feed(MAIN_ATOM, "全部简报和动态", config.title, description, ATOM, "/", "全站", everything),
        Feed(BULLETINS_FEED, "活动简报", f"{config.title}·活动简报",
             f"{config.organization}{config.bulletin_name}", RSS, "/bulletins/", "全站",
             site.bulletins[:limit]),
    ]
    for branch in site.branches:
        urls = {d.url for d in site.bulletins_of(branch.bulletins)} | set(branch.posts)
        documents = tuple(d for d in site.documents if d.url in urls)[:limit]
        about = f"{branch.name}的简报和动态" + (f"（{branch.theme}）" if branch.theme else "")
        feeds.append(Feed(branch.feed_url, branch.name, f"{config.title}·{branch.name}", about, RSS,
                          branch.url, "党支部", documents))
    for term in site.categories:
        documents = tuple(site.documents_of(term.documents))[:limit]
        feeds.append(Feed(term.feed_url, term.name, f"{config.title}·{term.name}",
                          f"栏目“{term.name}”的文章", RSS, term.url, "栏目", documents))
    return tuple(feeds)


def _calendars(site: Site) -> tuple[Calendar, ...]:
    """The calendar of all events, then one per branch (events for `all` branches included)."""
    title = site.config.title
    calendars = [Calendar(EVENTS_CALENDAR, "全院活动", f"{title}·活动安排", "/events/", site.events)]
    calendars += [Calendar(b.calendar_url, b.name, f"{title}·{b.name}活动", b.url,
                           tuple(site.events_of(b.events))) for b in site.branches]
    return tuple(calendars)
