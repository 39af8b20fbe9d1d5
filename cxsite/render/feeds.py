"""Full-content RSS 2.0 and Atom feeds, made with feedgen, with absolute URLs and stable ids.

Which feeds exist and what each carries is decided in subscriptions.py; this
module turns that plan into bytes. Nothing here reads the clock: every
date comes from the content, so two builds of the same content are identical.
"""

from __future__ import annotations

import datetime as dt

from cxsite import __version__
from cxsite.content.markdown import absolute_urls, resolve_links
from cxsite.render.pages import Output, Page
from cxsite.render.registry import OutputJob
from cxsite.render.subscriptions import ATOM, Feed, subscriptions_of
from cxsite.site.model import BULLETIN, Document, Site

# A feed with no items still needs a date; a fixed one keeps builds byte-identical.
EMPTY_FEED_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def render_feed(site: Site, plan: Feed, contents: dict | None = None) -> Output:
    """Render one planned feed to bytes.

    `contents` keeps each document's absolute HTML for the other feeds it is in
    (a bulletin is in up to five), as sanitising it again costs more than the rest.
    """
    feed = make_feed(site, plan.documents, plan.url, plan.title, plan.page, plan.description,
                     {} if contents is None else contents)
    data = feed.atom_str(pretty=True) if plan.format == ATOM else feed.rss_str(pretty=True)
    return Output(plan.url.lstrip("/"), data)


def plan_feeds(site: Site, pages: list[Page]) -> list[OutputJob]:
    """One job per planned feed, made again when its documents change."""
    contents: dict = {}  # each document's absolute HTML, shared by the feeds it is in
    return [OutputJob(key=f.url.lstrip("/"), inputs=f, make=lambda f=f: (render_feed(site, f, contents),))
            for f in subscriptions_of(site, pages).feeds]


def register(registration) -> None:
    """Register the feeds (RSS and Atom of everything, bulletins, each branch and category)."""
    registration.add_outputs("feeds", plan_feeds)


def make_feed(site: Site, items, self_url: str, title: str, page_url: str = "/",
              description: str = "", contents: dict | None = None):
    """Return a feed (feedgen.FeedGenerator) of documents, newest first, whose own address is self_url."""
    from feedgen.feed import FeedGenerator  # imported when a feed is made: most rebuilds make none

    config = site.config
    feed = FeedGenerator()
    feed.id(config.absolute(self_url))
    feed.title(title)
    feed.subtitle(description or config.description or config.tagline or title)
    # feedgen takes the last link as the RSS <link>, which must be the page, not the feed.
    feed.link(href=config.absolute(self_url), rel="self")
    feed.link(href=config.absolute(page_url), rel="alternate")
    feed.language(config.language)
    feed.author({"name": config.organization})
    # feedgen's defaults point to its home page and the RSS spec on the internet;
    # replacing the generator drops its uri, an empty docs leaves <docs> out.
    feed.generator("cxsite", __version__)
    feed.docs("")
    # feedgen stamps the clock when no date is set; the newest item's date is the feed's.
    latest = max((d.date for d in items), default=EMPTY_FEED_DATE)
    feed.updated(latest)
    feed.lastBuildDate(latest)
    contents = {} if contents is None else contents
    for doc in reversed(items):  # feedgen prepends; this keeps newest first
        _add_entry(feed, site, doc, contents)
    return feed


def _add_entry(feed, site: Site, doc: Document, contents: dict) -> None:
    """Add one document with its full content and absolute links."""
    config = site.config
    link = config.absolute(doc.url)
    entry = feed.add_entry()
    entry.id(link)
    entry.guid(link, permalink=True)
    entry.title(f"{doc.title}（第{doc.issue}期）" if doc.kind == BULLETIN else doc.title)
    entry.link(href=link)
    entry.published(doc.date)
    entry.updated(doc.date)
    entry.author({"name": doc.author or config.organization})
    entry.summary(doc.summary)
    if doc.body not in contents:
        contents[doc.body] = absolute_urls(absolute_content(site, doc.body), link)
    entry.content(contents[doc.body], type="html")
    for tag in doc.tags:
        entry.category(term=tag)


def absolute_content(site: Site, key: str) -> str:
    """A body's HTML (by key) with every internal link and image made absolute under base_url."""

    def link(key: str) -> str | None:
        target = site.url_for_key(key)
        return site.config.absolute(target) if target else None

    return resolve_links(site.html(key), link)
