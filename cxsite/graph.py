"""From loaded content to the immutable Site: hold back drafts, resolve references, name URLs."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace

from cxsite.config import Config
from cxsite.integrity import (
    check_issue_gaps,
    check_links,
    check_ranges,
    check_references,
    check_unique,
    check_urls,
)
from cxsite.model import (
    BULLETIN,
    POST,
    Content,
    Document,
    HeldBack,
    Honor,
    Site,
    Term,
)
from cxsite.problem import Problem, error
from cxsite.slug import slugify

# Section URLs the generator owns; a page or static file may not take them.
SECTION_URLS = (
    "/", "/bulletins/", "/posts/", "/branches/", "/events/", "/phases/", "/honors/", "/tags/",
    "/categories/", "/archive/", "/search/", "/stats/", "/subscribe/",
)
GENERATED_FILES = ("/feed.xml", "/atom.xml", "/bulletins/feed.xml", "/sitemap.xml", "/404.html",
                   "/events.ics")


def build_site(config: Config, content: Content, now: dt.datetime, *, drafts: bool = False,
               future: bool = False, portable: bool = False, html=None,
               slugify=slugify) -> tuple[Site, list[Problem]]:
    """Make the Site graph from loaded content; problems name the source lines.

    `html` is the store Markdown HTML is fetched from by key (see Site.html);
    `slugify` makes tag and category slugs (the build passes a remembering one).
    """
    problems: list[Problem] = []
    problems += check_unique(content)
    problems += check_issue_gaps(content)
    documents, held = _publishable(content.documents, now, drafts, future)
    bulletins = tuple(sorted((d for d in documents if d.kind == BULLETIN), key=lambda d: -d.issue))
    posts = tuple(sorted((d for d in documents if d.kind == POST), key=_newest_first))
    pages = tuple(sorted((d for d in documents if d.kind not in (BULLETIN, POST)),
                         key=lambda d: (d.weight, d.title, d.path)))
    branches = {b.id: b for b in sorted(content.branches, key=lambda b: (b.weight, b.id))}
    events = {e.id: e for e in sorted(content.events, key=lambda e: (e.date, e.id))}
    phases = {p.id: p for p in sorted(content.phases, key=lambda p: (p.start, p.id))}
    honors = tuple(sorted(content.honors, key=_honor_key))
    all_issues = {d.issue for d in content.documents if d.kind == BULLETIN}
    problems += check_references(content, branches, events, phases, all_issues)
    problems += check_ranges(content)
    published = bulletins + posts
    branches, events, phases = _link_back(published, branches, events, phases, honors)
    tags, found = _terms("tag", "tags", published, config, slugify)
    problems += found
    categories, found = _terms("category", "categories", posts, config, slugify)
    problems += found
    newest = tuple(sorted(published, key=_newest_first))
    index = _index(newest + pages, branches, events, phases, tags, categories, content)
    problems += check_urls(newest + pages, branches, events, phases, tags, categories, content,
                           SECTION_URLS + GENERATED_FILES, _record_files(branches.values(), categories))
    problems += check_links(content, index)
    site = Site(config, now, newest, bulletins, posts, pages, tuple(branches.values()),
                tuple(events.values()), honors, tuple(phases.values()), tags, categories,
                content.static, content.intro, held, portable, index, html)
    return site, problems


def _newest_first(doc: Document) -> tuple:
    """Sort key: newest date first, then by path for a stable order."""
    return (-doc.date.timestamp(), doc.path)


def _honor_key(honor: Honor) -> tuple:
    """Sort key: newest honour first (year-only dates after those with a month)."""
    d = honor.date
    return (-d.year, -(d.month or 0), -(d.day or 0), honor.title)


def _publishable(documents, now, drafts: bool, future: bool):
    """Return the documents to publish and a count of those held back."""
    kept, held_drafts, due = [], 0, []
    for doc in documents:
        if doc.draft and not drafts:
            held_drafts += 1
        elif doc.date is not None and doc.date > now and not future:
            due.append(doc.date)
        else:
            kept.append(doc)
    return kept, HeldBack(held_drafts, len(due), min(due, default=None))


def _link_back(published, branches: dict, events: dict, phases: dict, honors):
    """Give branches, events and phases the ids of what refers to them."""
    refs: dict = defaultdict(list)
    for doc in published:
        for branch_id in doc.branches:
            refs["branch", branch_id, doc.kind].append(doc.issue if doc.kind == BULLETIN else doc.url)
        for event_id in doc.events:
            refs["event", event_id, doc.kind].append(doc.issue if doc.kind == BULLETIN else doc.url)
    for event in events.values():
        for branch_id in (branches if event.all_branches else event.branches):
            refs["branch", branch_id, "event"].append(event.id)
        refs["phase", event.phase, "event"].append(event.id)
        if event.bulletin is not None:
            refs["event", event.id, BULLETIN].append(event.bulletin)
    for i, honor in enumerate(honors):
        refs["branch", honor.branch, "honor"].append(i)

    def got(*key) -> tuple:
        return tuple(dict.fromkeys(refs.get(key, ())))

    branches = {i: replace(b, events=got("branch", i, "event"), bulletins=got("branch", i, BULLETIN),
                           posts=got("branch", i, POST), honors=got("branch", i, "honor"))
                for i, b in branches.items()}
    events = {i: replace(e, bulletins=tuple(sorted(set(got("event", i, BULLETIN)))),
                         posts=got("event", i, POST)) for i, e in events.items()}
    phases = {i: replace(p, events=got("phase", i, "event")) for i, p in phases.items()}
    return branches, events, phases


def _terms(kind: str, attribute: str, documents, config: Config,
           slugify) -> tuple[tuple[Term, ...], list[Problem]]:
    """Collect tags or categories with pinyin slugs; report empty and colliding slugs."""
    members: dict[str, list[Document]] = defaultdict(list)
    first_use: dict[str, Document] = {}
    for doc in documents:
        names = doc.tags if attribute == "tags" else (doc.category,) if doc.category else ()
        for name in dict.fromkeys(names):
            members[name].append(doc)
            first_use.setdefault(name, doc)
    section = "tags" if kind == "tag" else "categories"
    label = "标签" if kind == "tag" else "栏目"
    problems, by_slug, terms = [], {}, []
    for name in sorted(members, key=lambda n: (config.slugs.get(n) or slugify(n), n)):
        doc = first_use[name]
        key = "tags" if kind == "tag" else "category"
        slug = config.slugs.get(name) or slugify(name)
        if not slug:
            problems.append(error(doc.path, doc.line_of(key), f"{label}“{name}”无法生成网址名",
                                  f"在 site.yaml 的 slugs 下加一行“{name}: 英文或拼音”"))
            continue
        if slug in by_slug:
            problems.append(error(doc.path, doc.line_of(key),
                                  f"{label}“{name}”和“{by_slug[slug]}”的网址名都是 {slug}",
                                  "在 site.yaml 的 slugs 下为其中一个指定不同的网址名，"
                                  f"如“{name}: {slug}-2”"))
            continue
        by_slug[slug] = name
        urls = tuple(d.url for d in members[name])
        terms.append(Term(kind, name, slug, f"/{section}/{slug}/", urls))
    return tuple(terms), problems


def _index(documents, branches, events, phases, tags, categories, content: Content) -> dict:
    """Build the lookups the Site offers templates."""
    bulletins = sorted((d for d in documents if d.kind == BULLETIN), key=lambda d: d.issue)
    neighbours = {d.issue: (bulletins[i - 1] if i else None,
                            bulletins[i + 1] if i + 1 < len(bulletins) else None)
                  for i, d in enumerate(bulletins)}
    sources = {d.path: d.url for d in documents}
    for kind, records in (("branches", branches), ("events", events), ("phases", phases)):
        sources[f"content/{kind}.yaml"] = f"/{kind}/"
        sources.update({r.path: r.url for r in records.values() if r.path != f"content/{kind}.yaml"})
    sources["content/honors.yaml"] = "/honors/"
    sources.update({h.path: "/honors/" for h in content.honors})
    sources.update({f"static/{f.url}": f"/{f.url}" for f in content.static})
    return {
        "documents": {d.url: d for d in documents},
        "bulletins": {d.issue: d for d in bulletins},
        "neighbours": neighbours,
        "branches": branches, "events": events, "phases": phases,
        "tag": {t.name: t for t in tags}, "category": {t.name: t for t in categories},
        "sources": sources,
        "urls": {*sources.values(), *SECTION_URLS, *GENERATED_FILES,
                 *(t.url for t in tags + categories), *_record_files(branches.values(), categories)},
    }


def _record_files(branches, categories) -> list[str]:
    """The feeds and calendars cxsite writes for each branch and category."""
    return [url for b in branches for url in (b.feed_url, b.calendar_url)] + [
        t.feed_url for t in categories]


