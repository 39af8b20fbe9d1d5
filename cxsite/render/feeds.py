"""Full-content RSS 2.0 and Atom feeds, made with feedgen, with absolute URLs and stable ids.

Which feeds exist and what each carries is decided in subscriptions.py; this
module turns that plan into bytes. A feed is a list of `FeedItem`s, so a site's
extension can publish its own records the same way (`render_items`). Nothing
here reads the clock: every date comes from the content, so two builds of the
same content are identical.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cxsite import __version__
from cxsite.content.markdown import absolute_urls, resolve_links
from cxsite.render.media.attachments import describe_file
from cxsite.render.media.pictures import rewrite_images
from cxsite.render.media.sharing import absolute_file_url, media_of
from cxsite.render.pages import Output, Page
from cxsite.render.registry import OutputJob
from cxsite.render.stylesheets import FEED_XSL, with_stylesheet
from cxsite.render.subscriptions import ATOM, RSS, Feed, subscriptions_of
from cxsite.site.files import static_url
from cxsite.site.model import BULLETIN, Document, Site

# A feed with no items still needs a date; a fixed one keeps builds byte-identical.
EMPTY_FEED_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Enclosure:
    """A file a feed item carries (an attachment): absolute URL, length in bytes, MIME type."""

    url: str
    length: int
    type: str


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed, in the feed's terms."""

    url: str  # the site URL of its page (its link and stable id)
    title: str
    date: dt.datetime
    author: str
    summary: str  # plain text
    html: Callable[[], str]  # the full content, links absolute (made only when the feed is)
    categories: tuple[str, ...] = ()
    enclosures: tuple[Enclosure, ...] = ()  # RSS carries the first, Atom every one (rel="enclosure")


def render_feed(site: Site, plan: Feed, contents: dict | None = None) -> Output:
    """Render one planned feed of documents to bytes.

    `contents` keeps each document's absolute HTML for the other feeds it is in
    (a bulletin is in up to five), as sanitising it again costs more than the rest.
    """
    contents = {} if contents is None else contents
    items = [document_item(site, doc, contents) for doc in plan.documents]
    return render_items(site, items, url=plan.url, title=plan.title, description=plan.description,
                        page=plan.page, format=plan.format)


def render_items(site: Site, items: Sequence[FeedItem], *, url: str, title: str, description: str = "",
                 page: str = "/", format: str = RSS) -> Output:
    """A feed at `url` of items (newest first), RSS 2.0 or Atom, as bytes."""
    from feedgen.ext.base import BaseExtension
    from feedgen.feed import FeedGenerator  # imported when a feed is made: most rebuilds make none

    config = site.config
    feed = FeedGenerator()
    if format == ATOM:
        feed.register_extension(_ENCLOSURES, BaseExtension, _atom_enclosures(), atom=True, rss=False)
    feed.id(config.absolute(url))
    # A channel's title and description are plain text, but some readers show them as HTML:
    # angle brackets a writer typed (in a name or the site's description) must not become tags.
    feed.title(_plain(title))
    feed.subtitle(_plain(description or config.description or config.tagline or title))
    # feedgen takes the last link as the RSS <link>, which must be the page, not the feed.
    feed.link(href=config.absolute(url), rel="self")
    feed.link(href=config.absolute(page), rel="alternate")
    feed.language(config.language)
    feed.author({"name": config.organization})
    # feedgen's defaults point to its home page and the RSS spec on the internet;
    # replacing the generator drops its uri, an empty docs leaves <docs> out.
    feed.generator("cxsite", __version__)
    feed.docs("")
    # feedgen stamps the clock when no date is set; the newest item's date is the feed's.
    latest = max((item.date for item in items), default=EMPTY_FEED_DATE)
    feed.updated(latest)
    feed.lastBuildDate(latest)
    rss = format != ATOM
    if rss:
        # RSS's own <author> must be an e-mail address (feedgen leaves it out without one):
        # the writer's name goes in Dublin Core's <dc:creator>, which feed readers show.
        feed.load_extension("dc", atom=False, rss=True)
    for item in reversed(items):  # feedgen prepends; this keeps newest first
        _add_entry(feed, site, item, format)
    data = feed.atom_str(pretty=True) if format == ATOM else feed.rss_str(pretty=True)
    return Output(url.lstrip("/"), with_stylesheet(data, url, FEED_XSL, config))


def document_item(site: Site, doc: Document, contents: dict) -> FeedItem:
    """A bulletin or post as a feed item (its absolute HTML shared through `contents`)."""
    link = site.config.absolute(doc.url)

    def html() -> str:
        if doc.body not in contents:
            contents[doc.body] = absolute_urls(absolute_content(site, doc.body), link)
        return contents[doc.body]

    title = f"{doc.title}（第{doc.issue}期）" if doc.kind == BULLETIN else doc.title
    return FeedItem(url=doc.url, title=title, date=doc.date, author=doc.author or site.config.organization,
                    summary=doc.summary, html=html, categories=doc.tags, enclosures=enclosures_of(site, doc))


def enclosures_of(site: Site, doc: Document) -> tuple[Enclosure, ...]:
    """A document's attachments as enclosures (those of known size: files of the site)."""
    found = []
    for ref in doc.attachments:
        url = static_url(ref.src)
        size = site.file_size(url) if url else None
        if size is not None:
            found.append(Enclosure(absolute_file_url(site, url), size, describe_file(url, size).mime))
    return tuple(found)


def plan_feeds(site: Site, pages: list[Page]) -> list[OutputJob]:
    """One job per planned feed, made again when its documents change."""
    contents: dict = {}  # each document's absolute HTML, shared by the feeds it is in
    media: dict = {}  # each document's pictures and attachment sizes, also part of a feed's inputs
    jobs = []
    for f in subscriptions_of(site, pages).feeds:
        shown = tuple(media.setdefault(d.url, media_of(site, d)) for d in f.documents)
        jobs.append(OutputJob(key=f.url.lstrip("/"), inputs=(f, shown),
                              make=lambda f=f: (render_feed(site, f, contents),)))
    return jobs


def register(registration) -> None:
    """Register the feeds (RSS and Atom of everything, bulletins, each branch and category)."""
    registration.add_outputs("feeds", plan_feeds)


def _plain(text: str) -> str:
    """Text that reads the same whether a reader takes it as text or as HTML (no tags)."""
    return text.replace("<", "＜").replace(">", "＞")


def _add_entry(feed, site: Site, item: FeedItem, format: str) -> None:
    """Add one item with its full content, absolute links, its author and enclosures."""
    link = site.config.absolute(item.url)
    entry = feed.add_entry()
    entry.id(link)
    entry.guid(link, permalink=True)
    entry.title(item.title)
    entry.link(href=link)
    entry.published(item.date)
    entry.updated(item.date)
    entry.author({"name": item.author})
    if format == RSS:
        entry.dc.dc_creator(item.author)
    # Readers show RSS descriptions as HTML: the plain-text summary goes in escaped, so a
    # summary quoting markup (`<img onerror=…>` in inline code) stays text (issue 15).
    entry.summary(html.escape(item.summary, quote=False), type="html")
    entry.content(item.html(), type="html")
    for category in item.categories:
        entry.category(term=category)
    if format == RSS and item.enclosures:  # RSS 2.0 allows one enclosure per item: the first
        first = item.enclosures[0]
        entry.enclosure(first.url, str(first.length), first.type)
    elif item.enclosures:
        getattr(entry, _ENCLOSURES).enclosures = item.enclosures


# feedgen writes an Atom entry's links with their href alone, dropping rel, type and length
# (python-feedgen issue #135, open): enclosures are added through its extension interface instead.
_ENCLOSURES = "cxsite_enclosures"


def _atom_enclosures() -> type:
    """The feedgen entry extension that writes an Atom entry's enclosures as rel="enclosure" links."""
    from feedgen.ext.base import BaseEntryExtension
    from feedgen.util import xml_elem

    class AtomEnclosures(BaseEntryExtension):
        """Every enclosure of one entry, written whole."""

        enclosures: tuple = ()

        def extend_atom(self, entry):
            for enclosure in self.enclosures:
                xml_elem("link", entry, href=enclosure.url, rel="enclosure", type=enclosure.type,
                         length=str(enclosure.length))
            return entry

    return AtomEnclosures


def absolute_content(site: Site, key: str) -> str:
    """A body's HTML (by key) with every internal link and image made absolute under base_url."""

    def link(key: str) -> str | None:
        target = site.url_for_key(key)
        return site.config.absolute(target) if target else None

    def picture_of(key: str):
        target = site.url_for_key(key)
        return site.picture(target) if target else None

    html = rewrite_images(site.html(key), picture_of, site.config.absolute)
    return resolve_links(html, link)
