"""The built-in page families: each a function from the Site to its pages.

They are registered (see registry.py) in the order the site lists them, which
is also the sitemap's order; a site's extension adds its own families the same way.
"""

from __future__ import annotations

from collections import defaultdict

from cxsite.content.dates import zh_month
from cxsite.render.pages import Page, paginate
from cxsite.render.stats.campaign import campaign_expires, campaign_position
from cxsite.render.subscriptions import plan_subscriptions
from cxsite.site import urls
from cxsite.site.model import Site

PAGE_SIZE_HOME = 6


def home_page(site: Site) -> list[Page]:
    """The campaign home page, with where the campaign stands (its data: days change it daily)."""
    position = campaign_position(site)
    return [Page(url=urls.HOME, template="home.html", title=site.config.title, kind="home",
                 items=site.documents[:PAGE_SIZE_HOME], data=position,
                 expires=campaign_expires(position, site.now))]


def bulletin_pages(site: Site) -> list[Page]:
    """The list of bulletins (paginated) and each issue's page."""
    pages = paginate(site, urls.BULLETINS, "bulletins.html", "活动简报", "bulletins", site.bulletins,
                     feed=urls.BULLETINS_FEED)
    return pages + [Page(url=d.url, template="bulletin.html", title=f"{d.title}（第{d.issue}期）",
                         kind="bulletin", doc=d) for d in site.bulletins]


def post_pages(site: Site) -> list[Page]:
    """The list of posts (paginated) and each post's page."""
    pages = paginate(site, urls.POSTS, "posts.html", "工作动态", "posts", site.posts)
    return pages + [Page(url=d.url, template="post.html", title=d.title, kind="post", doc=d)
                    for d in site.posts]


def page_pages(site: Site) -> list[Page]:
    """The pages of content/pages/ (实施方案, 关于…)."""
    return [Page(url=d.url, template="page.html", title=d.title, kind="page", doc=d) for d in site.pages]


def _term_pages(site: Site, terms, base: str, label: str) -> list[Page]:
    """The index of tags or categories and the paginated pages of each."""
    kind = "tags" if base == urls.TAGS else "categories"
    pages = [Page(url=base, template="terms.html", title=f"全部{label}", kind=kind, items=terms)]
    for term in terms:
        docs = tuple(site.documents_of(term.documents))
        pages += paginate(site, term.url, "term.html", f"{label}：{term.name}", "term", docs, term=term,
                          feed=term.feed_url)
    return pages


def category_pages(site: Site) -> list[Page]:
    """The index of categories and each category's pages."""
    return _term_pages(site, site.categories, urls.CATEGORIES, "栏目")


def tag_pages(site: Site) -> list[Page]:
    """The index of tags and each tag's pages."""
    return _term_pages(site, site.tags, urls.TAGS, "标签")


def branch_pages(site: Site) -> list[Page]:
    """The branches and each branch's page."""
    return [Page(url=urls.BRANCHES, template="branches.html", title="党支部", kind="branches",
                 items=site.branches)] + [
        Page(url=b.url, template="branch.html", title=b.name, kind="branch", record=b, feed=b.feed_url)
        for b in site.branches]


def event_pages(site: Site) -> list[Page]:
    """The events timeline and each event's page."""
    return [Page(url=urls.EVENTS, template="events.html", title="活动安排", kind="events", items=site.events,
                 groups=_timeline(site))] + [
        Page(url=e.url, template="event.html", title=e.title, kind="event", record=e) for e in site.events]


def phase_pages(site: Site) -> list[Page]:
    """The phases and each phase's page, with the bulletins and posts dated within it (newest first).

    A document belongs to a phase by its date: documents name no phase. Being the
    page's own items, a date moved into or out of a phase makes the page again.
    """
    return [Page(url=urls.PHASES, template="phases.html", title="活动阶段", kind="phases",
                 items=site.phases)] + [
        Page(url=p.url, template="phase.html", title=p.name, kind="phase", record=p,
             items=tuple(d for d in site.documents if p.covers(d.date))) for p in site.phases]


def honor_pages(site: Site) -> list[Page]:
    """The honours list."""
    return [Page(url=urls.HONORS, template="honors.html", title="荣誉榜", kind="honors", items=site.honors)]


def archive_pages(site: Site) -> list[Page]:
    """The archive: an index of months by year, and one page per month (newest first).

    Monthly pages keep an edit from re-rendering a page that lists every document.
    """
    months: dict[tuple[int, int], list] = {}
    for doc in site.documents:
        months.setdefault((doc.date.year, doc.date.month), []).append(doc)
    pages, years = [], {}
    for (year, month), docs in months.items():
        url = urls.archive_month_url(year, month)
        pages.append(Page(url=url, template="archive_month.html", title=f"{year}年{month}月",
                          kind="archive-month", items=tuple(docs)))
        years.setdefault(year, []).append((f"{month}月", url, len(docs)))
    groups = tuple((f"{year}年", tuple(entries)) for year, entries in years.items())
    return [Page(url=urls.ARCHIVE, template="archive.html", title="归档", kind="archive", groups=groups),
            *pages]


def subscribe_page(site: Site) -> list[Page]:
    """Every feed and calendar with its address and how to subscribe."""
    return [Page(url=urls.SUBSCRIBE, template="subscribe.html", title="订阅", kind="subscribe",
                 data=plan_subscriptions(site))]


def not_found_page(site: Site) -> list[Page]:
    """The page a server shows for an unknown address."""
    return [Page(url=urls.NOT_FOUND, template="404.html", title="页面不存在", kind="404", in_sitemap=False)]


def _timeline(site: Site) -> tuple:
    """Group events by phase, then by month: ((phase or None, ((month, events), …)), …)."""
    by_phase: dict = defaultdict(list)
    for event in site.events:
        by_phase[event.phase if site.phase(event.phase) else ""].append(event)
    order = [p.id for p in site.phases] + [""]
    return tuple((site.phase(pid), _by_month(by_phase[pid])) for pid in order if by_phase[pid])


def _by_month(items) -> tuple:
    """Group dated items by month, keeping their order: ((\"2010年7月\", items), …)."""
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(zh_month(item.date), []).append(item)
    return tuple((month, tuple(group)) for month, group in groups.items())


BUILT_IN_FAMILIES = (
    ("home", home_page), ("bulletins", bulletin_pages), ("posts", post_pages), ("pages", page_pages),
    ("categories", category_pages), ("tags", tag_pages), ("branches", branch_pages), ("events", event_pages),
    ("phases", phase_pages), ("honors", honor_pages), ("archive", archive_pages),
    ("subscribe", subscribe_page), ("404", not_found_page),
)


def register(registration) -> None:
    """Register the built-in page families."""
    for name, family in BUILT_IN_FAMILIES:
        registration.add_pages(name, family)
