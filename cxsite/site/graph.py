"""From checked sources to the immutable Site: make model objects, hold back drafts, resolve references.

Everything here follows the registered kinds (content/kinds.py): how each item
is made, ordered and linked to what refers to it. The cross-file checks are in
integrity.py; URL rules in urls.py.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType

from cxsite.content.config import Config
from cxsite.content.kinds import Kind
from cxsite.content.markdown import Link
from cxsite.content.reader import Loaded
from cxsite.content.slug import MAX_SLUG, slugify
from cxsite.problem import Problem, error
from cxsite.site import urls
from cxsite.site.integrity import (
    check_issue_dates,
    check_issue_gaps,
    check_links,
    check_ranges,
    check_references,
    check_unique,
    check_urls,
    own_files,
)
from cxsite.site.model import BULLETIN, POST, Content, Document, HeldBack, Media, Site, SiteIndex, Term
from cxsite.site.names import collect_names, resolve_names
from cxsite.site.records import make_record


def make_content(loaded: Loaded, kinds: Sequence[Kind], problems: list[Problem]) -> Content:
    """Make the model object of every checked source item, as its kind says."""
    by_name = {kind.name: kind for kind in kinds}
    documents, records, links = [], defaultdict(list), []
    for item in loaded.items:
        kind = by_name[item.kind]
        rendered = {name: loaded.markdown[key] for name, (key, _) in item.markdown.items()}
        if not kind.is_document:
            links += field_links(item, rendered)
        made = make_item(item, kind, rendered, problems)
        if made is None:
            continue
        if kind.is_document:
            documents.append(made)
        else:
            records[kind.name].append(made)
    return Content(tuple(documents), {k.name: tuple(records[k.name]) for k in kinds if not k.is_document},
                   loaded.static, loaded.intro, loaded.unbuilt, tuple(links))


def make_item(item, kind: Kind, rendered: Mapping, problems: list[Problem]):
    """Make the model object of one checked item as its kind says (None: it cannot be made)."""
    if kind.make is None:
        return make_record(item, rendered, problems, kind)
    return kind.make(item, rendered, problems)


def field_links(item, rendered: Mapping) -> list[tuple[str, Link]]:
    """The links in a record's Markdown fields, with the lines of the file they are written in."""
    found = []
    for name, done in rendered.items():
        line, column = item.lines.get((name,), (item.lines.get(name, 1), 1))  # where its text starts
        found += [(item.path, replace(link, line=(line or 1) + link.line - 1,
                                      column=link.column and link.column + (column or 1) - 1))
                  for link in done.links]
    return found


def build_site(config: Config, content: Content, kinds: Sequence[Kind], now: dt.datetime, *,
               drafts: bool = False, future: bool = False, portable: bool = False,
               html_store: Mapping[str, str], slugify: Callable[[str], str] = slugify,
               derived_store: Mapping[tuple[str, str], object] | None = None,
               views: Mapping[str, int] | None = None, views_period: tuple[str, str] = ("", ""),
               media: Media | None = None) -> tuple[Site, list[Problem]]:
    """Make the Site graph from content; problems name the source lines.

    `html_store` maps Markdown keys to their HTML (see Site.html), `derived_store`
    (derivation, key) to what a derivation made of it (Site.derived); `slugify` makes
    tag and category slugs (a build passes one that remembers them); `views` are
    the page views of the access logs (URL -> count) and `views_period` their first and last day;
    `media` is what the build made of the images and attachments the content names.
    """
    by_name = {kind.name: kind for kind in kinds}
    names = collect_names(content, kinds)
    content = resolve_names(content, kinds, names)
    problems = check_unique(content, kinds) + check_issue_gaps(content) + check_issue_dates(content)
    documents, held = _publishable(content.documents, now, drafts, future)
    by_kind = {name: tuple(sorted((d for d in documents if d.kind == name), key=by_name[name].order))
               for name in by_name if by_name[name].is_document}
    records, draft_records = _published_records(content, kinds, drafts)
    held = replace(held, drafts=held.drafts + len(draft_records))
    problems += check_references(content, kinds, records, names, draft_records)
    problems += check_ranges(content, kinds)
    bulletins, posts = by_kind.get(BULLETIN, ()), by_kind.get(POST, ())
    published = bulletins + posts
    referrers = _referrers(published, records, kinds)
    records = {name: _linked(items, by_name[name], referrers) for name, items in records.items()}
    tags, found = _terms("tag", published, config, slugify)
    problems += found
    categories, found = _terms("category", posts, config, slugify)
    problems += found
    newest = tuple(sorted(published, key=lambda d: (-d.date.timestamp(), d.path)))
    pages = tuple(d for name, docs in by_kind.items() if name not in (BULLETIN, POST) for d in docs)
    index = replace(_index(newest + pages, records, kinds, tags, categories, content, referrers),
                    media=media or Media())
    reserved = urls.SECTION_URLS + urls.GENERATED_FILES + tuple(k.list_url for k in kinds if k.list_url)
    problems += check_urls(newest + pages, records, tags, categories, content, tuple(dict.fromkeys(reserved)),
                           own_files(records, categories))
    problems += check_links(content, index)
    site = Site(config=config, now=now, documents=newest, bulletins=bulletins, posts=posts, pages=pages,
                records=records, tags=tags, categories=categories, static=content.static, intro=content.intro,
                held_back=held, index=index, html_store=html_store, portable=portable,
                derived_store=derived_store if derived_store is not None else {},
                views=MappingProxyType(dict(views or {})), views_period=views_period)
    return site, problems


def _publishable(documents, now, drafts: bool, future: bool):
    """Return the documents to publish and a count of those held back.

    A future-dated document published all the same (`--future`) is marked `scheduled`,
    so pages can say so; drafts say it by their `draft`.
    """
    kept, held_drafts, due = [], 0, []
    for doc in documents:
        if doc.draft and not drafts:
            held_drafts += 1
        elif doc.date is not None and doc.date > now:
            if future:
                kept.append(replace(doc, scheduled=True))
            else:
                due.append(doc.date)
        else:
            kept.append(doc)
    return kept, HeldBack(held_drafts, len(due), min(due, default=None))


def _published_records(content: Content, kinds: Sequence[Kind], drafts: bool) -> tuple[dict, set]:
    """Each kind's records in order, drafts (`draft: true`) left out unless asked for; and those held back."""
    records, held = {}, set()
    for kind in kinds:
        if kind.is_document:
            continue
        kept = []
        for record in content.of(kind.name):
            if getattr(record, "draft", False) and not drafts:
                held.add((kind.name, getattr(record, kind.id_field, None) if kind.id_field else None))
            else:
                kept.append(record)
        records[kind.name] = tuple(sorted(kept, key=kind.order))
    return records, held


def _identity(item, kind_name: str, position: int):
    """How an item is named among what refers to another: its issue, URL, id or position."""
    if isinstance(item, Document):
        return item.issue if item.kind == BULLETIN else item.url
    record_id = getattr(item, "id", None)
    return record_id if record_id is not None else position


def _referrers(published, records: Mapping[str, tuple], kinds: Sequence[Kind]) -> dict:
    """(kind, id, referring kind) -> the referring items' names, in order, without repeats."""
    refs: dict = defaultdict(list)
    by_name = {kind.name: kind for kind in kinds}
    sources = [(doc.kind, i, doc) for i, doc in enumerate(published)]
    sources += [(name, i, item) for name, items in records.items() for i, item in enumerate(items)]
    for name, position, item in sources:
        for field in by_name[name].references:
            value = getattr(item, field.name, None)
            ids = value if isinstance(value, tuple) else (() if value in (None, "") else (value,))
            target = field.reference.target
            if field.reference.all_word and ids == (field.reference.all_word,):
                ids = tuple(_identity(r, target, i) for i, r in enumerate(records.get(target, ())))
            for target_id in ids:
                refs[target, target_id, name].append(_identity(item, name, position))
    return {key: tuple(dict.fromkeys(values)) for key, values in refs.items()}


def _linked(items: tuple, kind: Kind, referrers: dict) -> tuple:
    """The records of a kind with their back-link fields filled (kinds that have them)."""
    if kind.link is None:
        return items

    def lookup(target: str, target_id, referring: str) -> tuple:
        return referrers.get((target, target_id, referring), ())

    return tuple(kind.link(item, lookup) for item in items)


def _terms(kind: str, documents, config: Config, slugify) -> tuple[tuple[Term, ...], list[Problem]]:
    """Collect tags or categories with pinyin slugs; report empty and colliding slugs."""
    members: dict[str, list[Document]] = defaultdict(list)
    first_use: dict[str, Document] = {}
    for doc in documents:
        names = doc.tags if kind == "tag" else (doc.category,) if doc.category else ()
        for name in dict.fromkeys(names):
            members[name].append(doc)
            first_use.setdefault(name, doc)
    label, key = ("标签", "tags") if kind == "tag" else ("栏目", "category")
    problems, by_slug, terms = [], {}, []
    for name in sorted(members, key=lambda n: (config.slugs.get(n) or slugify(n), n)):
        doc = first_use[name]
        slug = config.slugs.get(name) or slugify(name)
        if not slug or len(slug) > MAX_SLUG:
            why = "无法生成网址名" if not slug else f"生成的网址名太长（{len(slug)} 个字符）"
            problems.append(error(doc.path, doc.line_of(key), f"{label}“{_short(name)}”{why}",
                                  f"在 site.yaml 的 slugs 下加一行“{_short(name)}: 简短的英文或拼音”"))
            continue
        if slug in by_slug:
            problems.append(error(doc.path, doc.line_of(key),
                                  f"{label}“{name}”和“{by_slug[slug]}”的网址名都是 {slug}",
                                  "在 site.yaml 的 slugs 下为其中一个指定不同的网址名，"
                                  f"如“{name}: {slug}-2”"))
            continue
        by_slug[slug] = name
        documents_urls = tuple(d.url for d in members[name])
        terms.append(Term(kind=kind, name=name, slug=slug, url=urls.term_url(kind, slug),
                          documents=documents_urls))
    return tuple(terms), problems


def _short(name: str) -> str:
    """A name short enough for a message."""
    return name if len(name) <= 30 else name[:30] + "…"


def _index(documents, records: Mapping[str, tuple], kinds: Sequence[Kind], tags, categories,
           content: Content, referrers: dict) -> SiteIndex:
    """Build the lookups the Site offers templates."""
    bulletins = sorted((d for d in documents if d.kind == BULLETIN), key=lambda d: d.issue)
    neighbours = {d.issue: (bulletins[i - 1] if i else None,
                            bulletins[i + 1] if i + 1 < len(bulletins) else None)
                  for i, d in enumerate(bulletins)}
    sources = {d.path: d.url for d in documents}
    by_id, positions = {}, {}
    for kind in kinds:
        if kind.is_document:
            continue
        items = records.get(kind.name, ())
        if kind.id_field:
            by_id[kind.name] = {item.id: item for item in items}
        else:
            positions[kind.name] = {id(item): i for i, item in enumerate(items)}
        if not kind.list_url:
            continue
        list_file = f"content/{kind.folder_name}.yaml"
        sources[list_file] = kind.list_url
        sources.update({r.path: (r.url or kind.list_url) if kind.id_field else kind.list_url
                        for r in content.of(kind.name) if r.path != list_file})
    sources.update({f"static/{f.url}": f"/{f.url}" for f in content.static})
    all_urls = frozenset({*sources.values(), *urls.SECTION_URLS, *urls.GENERATED_FILES,
                          *(t.url for t in tags + categories), *own_files(records, categories)})
    return SiteIndex(documents={d.url: d for d in documents}, bulletins={d.issue: d for d in bulletins},
                     neighbours=neighbours, records=by_id, positions=positions,
                     terms={"tag": {t.name: t for t in tags}, "category": {t.name: t for t in categories}},
                     referrers=referrers, sources=sources, urls=all_urls)
