"""What a page is: its URL, its template and the data it shows; and the files that are not pages.

Pages come from page families (`Site -> pages`, see families.py and registry.py);
other files (feeds, calendars, the sitemap, the search index) from output jobs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cxsite.site import urls
from cxsite.site.model import Document, Site, Term


@dataclass(frozen=True)
class Pager:
    """Where a page of a paginated list is among its siblings."""

    number: int
    total: int
    base: str  # URL of the first page; page n is base + "page/n/"

    def url(self, number: int) -> str:
        """URL of page `number` of the list."""
        return urls.pager_url(self.base, number)

    @property
    def prev_url(self) -> str | None:
        """URL of the previous page, if any."""
        return self.url(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        """URL of the next page, if any."""
        return self.url(self.number + 1) if self.number < self.total else None

    def window(self, around: int = 2) -> list[tuple[int | None, str | None]]:
        """Pages to link: the first, the last and those near this one; (None, None) marks a gap.

        A list of a thousand pages must not put a thousand links on each of them.
        """
        shown = sorted({1, self.total, *range(max(1, self.number - around),
                                              min(self.total, self.number + around) + 1)})
        result: list[tuple[int | None, str | None]] = []
        for number in shown:
            if result and number - result[-1][0] > 1:
                result.append((None, None))
            result.append((number, self.url(number)))
        return result


@dataclass(frozen=True)
class Page:
    """One HTML page to write: its URL, its template and the data it shows.

    Templates read it as `page`. What a page shows comes from its own fields and
    from the Site; a new field is digested with the others (incremental builds).
    """

    url: str
    template: str
    title: str
    kind: str  # the body's class and what layouts test: "home", "bulletin", "branch", …
    doc: Document | None = None  # the document of a bulletin, post or page
    record: object | None = None  # the record of a record's page (Branch, Event, Phase, …)
    term: Term | None = None  # the tag or category of its pages
    items: tuple = ()  # what a list shows on this page
    pager: Pager | None = None
    groups: tuple = ()  # ((heading, items), ...) for timelines and the archive
    data: object | None = None  # a family's own data (the subscriptions plan, the statistics)
    feed: str = ""  # this page's own feed, for autodiscovery
    in_sitemap: bool = True
    # When passing time alone makes what this page shows stale (the campaign's days elapsed, the
    # statistics' date): a build after that moment makes the page again. None: only its inputs do.
    expires: dt.datetime | None = None
    links_checked: bool = True  # False: its links are other pages' again (the 合订本), checked there


@dataclass(frozen=True)
class Output:
    """A file of the built site: its path under the output folder and its bytes."""

    path: str
    data: bytes


PageFamily = Callable[[Site], Sequence[Page]]


def paginate(site: Site, base: str, template: str, title: str, kind: str, items, **extra) -> list[Page]:
    """Split a list into pages of `pagination` items: base, base/page/2/, …"""
    size = site.config.pagination
    chunks = [items[i : i + size] for i in range(0, len(items), size)] or [()]
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        pager = Pager(number, len(chunks), base)
        heading = title if number == 1 else f"{title}（第{number}页）"
        pages.append(Page(url=pager.url(number), template=template, title=heading, kind=kind,
                          items=tuple(chunk), pager=pager, **extra))
    return pages


def plan_pages(site: Site, families: Sequence[PageFamily]) -> list[Page]:
    """List every HTML page of the site, family by family, in a stable order."""
    return [page for family in families for page in family(site)]
