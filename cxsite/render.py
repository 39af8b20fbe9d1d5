"""The pure render step: which pages the Site has, and each page as bytes.

`plan_pages` lists every HTML page with the data it shows; `render_page` turns
one into bytes with a Jinja2 environment. Templates receive one context:
`site` (model.Site), `page` (Page below) and `config` (config.Config).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import jinja2
from jinja2 import meta
from markupsafe import Markup, escape

from cxsite.dates import zh_date, zh_month
from cxsite.deps import TRACKED, Recorder, digest
from cxsite.markup import resolve_links
from cxsite.model import Document, Site
from cxsite.subscriptions import BULLETINS_FEED, SUBSCRIBE_URL, plan_subscriptions

PAGE_SIZE_HOME = 6


@dataclass(frozen=True)
class Pager:
    """Where a page of a paginated list is among its siblings."""

    number: int
    total: int
    base: str  # URL of the first page; page n is base + "page/n/"

    def url(self, number: int) -> str:
        """URL of page `number` of the list."""
        return self.base if number == 1 else f"{self.base}page/{number}/"

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
    """One HTML page to write: its URL, its template and the data it shows."""

    url: str
    template: str
    title: str
    kind: str
    doc: Document | None = None
    record: object | None = None  # Branch, Event, Phase, or Subscriptions on /subscribe/
    term: object | None = None  # Term
    items: tuple = ()
    pager: Pager | None = None
    groups: tuple = ()  # ((heading, items), ...) for timelines and the archive
    feed: str = ""  # this page's own feed, for autodiscovery
    in_sitemap: bool = True


@dataclass(frozen=True)
class Output:
    """A file of the built site: its path under the output folder and its bytes."""

    path: str
    data: bytes


def output_path(url: str) -> str:
    """Return the file path of a URL: /bulletins/3/ -> bulletins/3/index.html."""
    path = url.lstrip("/")
    return path + "index.html" if not path or path.endswith("/") else path


def relative_url(target: str, base: str, portable: bool = False) -> str:
    """Return a link from the page at `base` to the site URL `target`, relative."""
    path, hash_mark, fragment = target.partition("#")
    if portable and path.endswith("/"):
        path += "index.html"
    depth = base.rpartition("/")[0].count("/")  # folders between the site root and the page
    link = "../" * depth + path.lstrip("/")
    return (link or "./") + (hash_mark + fragment)


def plan_pages(site: Site) -> list[Page]:
    """List every HTML page of the site, in a stable order."""
    pages = [_home(site)]
    pages += _paginated(site, "/bulletins/", "bulletins.html", "活动简报", "bulletins", site.bulletins,
                        feed=BULLETINS_FEED)
    pages += [Page(d.url, "bulletin.html", f"{d.title}（第{d.issue}期）", "bulletin", doc=d)
              for d in site.bulletins]
    pages += _paginated(site, "/posts/", "posts.html", "工作动态", "posts", site.posts)
    pages += [Page(d.url, "post.html", d.title, "post", doc=d) for d in site.posts]
    pages += [Page(d.url, "page.html", d.title, "page", doc=d) for d in site.pages]
    pages += _terms(site, site.categories, "/categories/", "栏目")
    pages += _terms(site, site.tags, "/tags/", "标签")
    pages.append(Page("/branches/", "branches.html", "党支部", "branches", items=site.branches))
    pages += [Page(b.url, "branch.html", b.name, "branch", record=b, feed=b.feed_url) for b in site.branches]
    pages.append(Page("/events/", "events.html", "活动安排", "events", items=site.events,
                      groups=_timeline(site)))
    pages += [Page(e.url, "event.html", e.title, "event", record=e) for e in site.events]
    pages.append(Page("/phases/", "phases.html", "活动阶段", "phases", items=site.phases))
    pages += [Page(p.url, "phase.html", p.name, "phase", record=p) for p in site.phases]
    pages.append(Page("/honors/", "honors.html", "荣誉榜", "honors", items=site.honors))
    pages += _archive(site)
    pages.append(Page(SUBSCRIBE_URL, "subscribe.html", "订阅", "subscribe", record=plan_subscriptions(site)))
    pages.append(Page("/404.html", "404.html", "页面不存在", "404", in_sitemap=False))
    return pages


def _home(site: Site) -> Page:
    """The campaign home page."""
    return Page("/", "home.html", site.config.title, "home", items=site.documents[:PAGE_SIZE_HOME])


def _paginated(site: Site, base: str, template: str, title: str, kind: str, items, **extra) -> list[Page]:
    """Split a list into pages of `pagination` items: base, base/page/2/, …"""
    size = site.config.pagination
    chunks = [items[i : i + size] for i in range(0, len(items), size)] or [()]
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        pager = Pager(number, len(chunks), base)
        heading = title if number == 1 else f"{title}（第{number}页）"
        pages.append(Page(pager.url(number), template, heading, kind, items=tuple(chunk), pager=pager,
                          **extra))
    return pages


def _terms(site: Site, terms, base: str, label: str) -> list[Page]:
    """The index of tags or categories and the paginated pages of each."""
    kind = "tags" if base == "/tags/" else "categories"
    pages = [Page(base, "terms.html", f"全部{label}", kind, items=terms)]
    for term in terms:
        docs = tuple(site.documents_of(term.documents))
        pages += _paginated(site, term.url, "term.html", f"{label}：{term.name}", "term", docs, term=term,
                            feed=term.feed_url)
    return pages


def _archive(site: Site) -> list[Page]:
    """The archive: an index of months by year, and one page per month (newest first).

    Monthly pages keep an edit from re-rendering a page that lists every document.
    """
    months: dict[tuple[int, int], list] = {}
    for doc in site.documents:
        months.setdefault((doc.date.year, doc.date.month), []).append(doc)
    pages, years = [], {}
    for (year, month), docs in months.items():
        url = f"/archive/{year}/{month:02d}/"
        pages.append(Page(url, "archive_month.html", f"{year}年{month}月", "archive-month",
                          items=tuple(docs)))
        years.setdefault(year, []).append((f"{month}月", url, len(docs)))
    groups = tuple((f"{year}年", tuple(entries)) for year, entries in years.items())
    index = Page("/archive/", "archive.html", "归档", "archive", groups=groups)
    return [index, *pages]


def _timeline(site: Site) -> tuple:
    """Group events by phase, then by month: ((phase or None, ((month, events), …)), …)."""
    by_phase: dict = defaultdict(list)
    for event in site.events:
        by_phase[event.phase if site.phase(event.phase) else ""].append(event)
    order = [p.id for p in site.phases] + [""]
    return tuple((site.phase(pid), _by_month(by_phase[pid], key="date")) for pid in order if by_phase[pid])


def _by_month(items, key: str = "date") -> tuple:
    """Group dated items by month, keeping their order: ((\"2010年7月\", items), …)."""
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(zh_month(getattr(item, key)), []).append(item)
    return tuple((month, tuple(group)) for month, group in groups.items())


class TrackingEnvironment(jinja2.Environment):
    """A Jinja2 environment that tells the page's Recorder what templates read.

    Every `a.b` and `a["b"]` in a template goes through getattr/getitem, so
    recording there sees all a template takes from the Site (see deps.py).
    """

    recorder: Recorder | None = None

    def getattr(self, obj, attribute):
        """Look up obj.attribute, recording it while a page renders."""
        value = super().getattr(obj, attribute)
        recorder = self.recorder
        if recorder is None or type(obj) not in TRACKED:
            return value
        return recorder.attribute(obj, attribute, value)

    def getitem(self, obj, argument):
        """Look up obj[argument], recording it while a page renders."""
        value = super().getitem(obj, argument)
        recorder = self.recorder
        if recorder is None or type(obj) not in TRACKED or not isinstance(argument, str):
            return value
        return recorder.attribute(obj, argument, value)


def make_environment(loader: jinja2.BaseLoader) -> TrackingEnvironment:
    """Return the Jinja2 environment all pages render with (strict, autoescaped)."""
    env = TrackingEnvironment(
        loader=loader,
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one build never sees a template change; skip the stat per page
    )
    env.filters["zh_date"] = zh_date
    env.filters["zh_month"] = zh_month
    env.filters["iso_date"] = lambda d: d.strftime("%Y-%m-%d") if hasattr(d, "strftime") else d.iso()
    env.globals["url"] = _url
    env.globals["absolute_url"] = _absolute_url
    env.globals["content"] = _content
    env.globals["menu_links"] = _menu_links
    return env


@jinja2.pass_context
def _url(context, target: str) -> str:
    """Link from the page being rendered to a site URL, relative (so sub-paths work)."""
    page, site = context["page"], context["site"]
    if page.kind == "404" and not site.portable:
        # A server shows the 404 page at any depth, so its links start from the site's root path;
        # opened from file:// (portable) it is only ever at the root, where relative links work.
        return _base_path(site) + target.lstrip("/")
    return relative_url(target, page.url, site.portable)


@jinja2.pass_context
def _menu_links(context) -> list[tuple[str, str, bool]]:
    """The main menu for this page: (title, relative link, whether this page is in that section)."""
    site, here = context["site"], context["page"].url
    recorder = context.environment.recorder
    if recorder is not None:
        recorder.add(("call", "menu", ()))
    return [(item.title, _url(context, item.url),
             here == item.url or (item.url != "/" and here.startswith(item.url)))
            for item in site.menu()]


@jinja2.pass_context
def _absolute_url(context, target: str) -> str:
    """The absolute URL of a site URL under base_url (for feeds and canonical links)."""
    return context["site"].config.absolute(target)


@jinja2.pass_context
def _content(context, html: str) -> Markup:
    """The HTML of a Markdown key (a body, description…) with links relative to this page."""
    site, recorder = context["site"], context.environment.recorder

    def link(key: str) -> str | None:
        if recorder is not None:
            recorder.add(("call", "url_for_key", (key,)))
        target = site.url_for_key(key)
        return _url(context, target) if target else None

    # The HTML is named by a digest of its source, so reading it needs no recording.
    return Markup(resolve_links(site.html(html), link))


def _base_path(site: Site) -> str:
    """The path part of base_url, e.g. /zt/cxcy/."""
    return "/" + site.config.base_url.split("://", 1)[1].partition("/")[2]


def render_page(env: TrackingEnvironment, site: Site, page: Page,
                interned: dict) -> tuple[Output, tuple]:
    """Render one page to bytes; also return the dependency keys it read."""
    recorder = Recorder(site, interned)
    env.recorder = recorder
    try:
        html = env.get_template(page.template).render(site=site, page=page, config=site.config)
    finally:
        env.recorder = None
    return Output(output_path(page.url), html.encode("utf-8")), tuple(sorted(recorder.keys, key=repr))


def render_sitemap(site: Site, pages: list[Page]) -> Output:
    """Render sitemap.xml for the pages that belong in it.

    Written in Python, not a template: at ten thousand pages a template loop
    costs a third of a second on every build, and the format never varies.
    """
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for page in pages:
        if not page.in_sitemap:
            continue
        lastmod = (f"<lastmod>{page.doc.date:%Y-%m-%d}</lastmod>"
                   if page.doc is not None and page.doc.date is not None else "")
        lines.append(f"  <url><loc>{escape(site.config.absolute(page.url))}</loc>{lastmod}</url>")
    lines.append("</urlset>\n")
    return Output("sitemap.xml", "\n".join(lines).encode("utf-8"))


def template_digest(env: jinja2.Environment, name: str, memo: dict, references: dict) -> bytes:
    """Digest the sources of a template and every template it extends, includes or imports.

    `references` maps a source's digest to the names it refers to (None: computed
    names); it is kept between builds so unchanged templates are not parsed again.
    """
    if name in memo:
        return memo[name]
    names, todo, sources = set(), [name], {}
    while todo:
        current = todo.pop()
        if current in names:
            continue
        names.add(current)
        sources[current] = env.loader.get_source(env, current)[0]
        key = digest(sources[current])
        if key not in references:
            references[key] = tuple(meta.find_referenced_templates(env.parse(sources[current])))
        if None in references[key]:  # a computed name: depend on every template there is
            names.update(env.list_templates())
            break
        todo += references[key]
    memo[name] = digest(sorted((n, sources.get(n) or env.loader.get_source(env, n)[0]) for n in names))
    return memo[name]
