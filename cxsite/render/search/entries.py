"""What the search index holds of a site: one entry per published document and per record with a page.

Drafts and future-dated documents are not in the Site, so they never enter. An entry
keeps its long text as Markdown keys (bodies, descriptions, summaries): their text and
units were made once per distinct text when the Markdown was converted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cxsite.content.kinds import Kind
from cxsite.site import urls
from cxsite.site.model import BULLETIN, PAGE, POST, Document, Honor, Site

DOCUMENT_LABELS = {BULLETIN: "简报", POST: "动态", PAGE: "页面"}
BUILT_IN_RECORDS = ("branches", "events", "honors", "phases")


@dataclass(frozen=True)
class SearchEntry:
    """One searchable document or record, as the search page lists it.

    Plain data only: the index works on an entry's tuple (`row`), which compares,
    sorts and serialises fast for ten thousand of them.
    """

    url: str  # site URL, e.g. "/bulletins/3/" (a record on a shared page: "/honors/#honor-2010")
    kind: str  # label shown: 简报/动态/页面/支部/活动/阶段/荣誉 or an extension kind's label
    title: str
    date: str = ""  # "2010-07-20", "2010-05" or ""
    tags: tuple[str, ...] = ()  # tags, category, kind … (ranked like tags)
    text: tuple[str, ...] = ()  # short plain texts (location, theme, goals …), each on a line
    markdown: tuple[str, ...] = ()  # Markdown keys whose text follows (body, description, summary)
    summary: str = ""  # a document's summary, shown first unless its body begins with it

    @property
    def row(self) -> tuple:
        """The entry as a plain tuple (what the index remembers between builds)."""
        return (self.url, self.kind, self.title, self.date, self.tags, self.text, self.markdown, self.summary)

    @classmethod
    def of_row(cls, row: tuple) -> SearchEntry:
        """The entry of a tuple made by `row`."""
        return cls(*row)


def site_rows(site: Site, kinds: Iterable[Kind] = ()) -> list[tuple]:
    """The rows of every entry of a site (see site_entries), documents made straight into rows."""
    rows = [document_row(doc) for group in (site.documents, site.pages) for doc in group]
    return rows + [entry.row for entry in _record_entries(site, kinds)]


def site_entries(site: Site, kinds: Iterable[Kind] = ()) -> list[SearchEntry]:
    """Every entry of a site: documents, built-in records with pages, records of `kinds` with pages."""
    return [SearchEntry.of_row(row) for row in site_rows(site, kinds)]


def _record_entries(site: Site, kinds: Iterable[Kind]) -> list[SearchEntry]:
    """The entries of records with pages (and of honours, on the honours page)."""
    entries = [_branch(b, site) for b in site.branches]
    entries += [_event(e) for e in site.events]
    entries += [_phase(p) for p in site.phases]
    anchors = honor_anchors(site.honors)
    entries += [_honor(h, anchor, site) for h, anchor in zip(site.honors, anchors, strict=True)]
    for kind in kinds:
        if kind.url is not None and not kind.is_document and kind.name not in BUILT_IN_RECORDS:
            entries += [record_entry(kind, r) for r in site.collection(kind.name) if getattr(r, "url", "")]
    return entries


def document_row(doc: Document) -> tuple:
    """A bulletin, post or page as a row: title, tags and category, attachments' titles, summary and body.

    Made as a tuple, not an entry: at ten thousand documents on every build, the frozen
    dataclass's constructor alone would cost what the whole plan of an edit may.
    """
    tags = doc.tags + (doc.category,) if doc.category and doc.category not in doc.tags else doc.tags
    return (doc.url, DOCUMENT_LABELS.get(doc.kind, doc.kind), doc.title, _day(doc.date), tags,
            tuple(a.title for a in doc.attachments), (doc.body,) if doc.body else (), doc.summary)


def _branch(branch, site: Site) -> SearchEntry:
    """A branch: its name; kind as a tag; theme, sections, goals and description as text."""
    text = _lines(branch.theme, "、".join(branch.sections), *branch.goals, branch.secretary)
    return SearchEntry(url=branch.url, kind="支部", title=branch.name, tags=_lines(branch.kind), text=text,
                       markdown=_lines(branch.description))


def _event(event) -> SearchEntry:
    """An event: title, date; kind as a tag; location, captions, attachments' titles and summary as text.

    As its page shows them: a photo's caption when it has one, an attachment's title or file name.
    """
    captions = _lines(*(photo.label for photo in event.photos))
    text = _lines(event.location) + captions + tuple(a.title for a in event.attachments)
    return SearchEntry(url=event.url, kind="活动", title=event.title, date=_day(event.date),
                       tags=_lines(event.kind), text=text, markdown=_lines(event.summary))


def _phase(phase) -> SearchEntry:
    """A phase: name, start; goals and summary as text."""
    return SearchEntry(url=phase.url, kind="阶段", title=phase.name, date=_day(phase.start),
                       text=_lines(*phase.goals), markdown=_lines(phase.summary))


def _honor(honor: Honor, anchor: str, site: Site) -> SearchEntry:
    """An honour, at its row of the honours page: title, level as a tag, recipient and awarder as text."""
    branch = site.branch(honor.branch) if honor.branch else None
    return SearchEntry(url=f"{urls.HONORS}#{anchor}", kind="荣誉", title=honor.title, date=honor.date.iso(),
                       tags=_lines(honor.level),
                       text=_lines(honor.recipient, branch.name if branch else "", honor.awarded_by))


def record_entry(kind: Kind, record) -> SearchEntry:
    """A record of a site's own kind: its title (or name) and every other field of text."""
    values = getattr(record, "values", None) or {f.name: getattr(record, f.name, None) for f in kind.fields}
    title_field = next((name for name in ("title", "name") if isinstance(values.get(name), str)), None)
    text, markdown = [], []
    for field in kind.fields:
        value = values.get(field.name)
        if field.name in (title_field, kind.id_field) or field.reference is not None or not value:
            continue
        if field.markdown and isinstance(value, str):
            markdown.append(value)
        elif isinstance(value, str):
            text.append(value)
        elif isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            text.append("、".join(value))
    return SearchEntry(url=record.url, kind=kind.label,
                       title=values[title_field] if title_field else str(getattr(record, "id", "")),
                       date=_day(values.get("date")), text=tuple(text), markdown=tuple(markdown))


def honor_anchors(honors: Sequence[Honor]) -> list[str]:
    """The id of each honour's row on the honours page: honor-<date>, then -2, -3 for the same date."""
    seen: dict[str, int] = {}
    anchors = []
    for honor in honors:
        base = f"honor-{honor.date.iso()}"
        seen[base] = seen.get(base, 0) + 1
        anchors.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return anchors


def _day(value) -> str:
    """A date (or the day of a date and time) as 2010-07-20; '' when there is none."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, dt.date) else ""


def _lines(*texts: str) -> tuple[str, ...]:
    """The texts that are not empty."""
    return tuple(t for t in texts if t)

