"""Full-content RSS 2.0 and Atom feeds, made with feedgen, with absolute URLs and stable ids."""

from __future__ import annotations

import datetime as dt

from feedgen.feed import FeedGenerator

from cxsite import __version__
from cxsite.markup import resolve_links
from cxsite.model import BULLETIN, Document, Site
from cxsite.render import Output

# A feed with no items still needs a date; a fixed one keeps builds byte-identical.
EMPTY_FEED_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def render_feeds(site: Site) -> list[Output]:
    """Render the site's main feeds: /feed.xml (RSS 2.0) and /atom.xml."""
    items = site.documents[: site.config.feed_items]
    rss = make_feed(site, items, "/feed.xml", site.config.title)
    atom = make_feed(site, items, "/atom.xml", site.config.title)
    return [Output("feed.xml", rss.rss_str(pretty=True)), Output("atom.xml", atom.atom_str(pretty=True))]


def make_feed(site: Site, items, self_url: str, title: str) -> FeedGenerator:
    """Return a feed of documents (newest first) whose own address is self_url."""
    config = site.config
    feed = FeedGenerator()
    feed.id(config.absolute(self_url))
    feed.title(title)
    feed.subtitle(config.description or config.tagline or title)
    feed.link(href=config.base_url, rel="alternate")
    feed.link(href=config.absolute(self_url), rel="self")
    feed.language(config.language)
    feed.author({"name": config.organization})
    feed.generator("cxsite", __version__)
    feed.docs("")  # feedgen's default points to a page on the internet
    latest = max((d.date for d in items), default=EMPTY_FEED_DATE)
    feed.updated(latest)
    feed.lastBuildDate(latest)
    for doc in reversed(items):  # feedgen prepends; this keeps newest first
        _add_entry(feed, site, doc)
    return feed


def _add_entry(feed: FeedGenerator, site: Site, doc: Document) -> None:
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
    entry.content(absolute_content(site, doc.body), type="html")
    for tag in doc.tags:
        entry.category(term=tag)


def absolute_content(site: Site, key: str) -> str:
    """A body's HTML (by key) with every internal link and image made absolute under base_url."""

    def link(key: str) -> str | None:
        target = site.url_for_key(key)
        return site.config.absolute(target) if target else None

    return resolve_links(site.html(key), link)
