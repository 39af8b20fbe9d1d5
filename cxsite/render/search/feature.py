"""Search as a feature: the /search/ page, the index output job, the text derivation, the honours' anchors.

The job is made again only when an entry changes (its inputs are the entries, long
texts by their Markdown keys). It remembers the entries and the shards of the last
index, so an edit patches only what it touched; the text and units of each Markdown
text come from the derivation, made once per distinct text where Markdown is converted.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from itertools import chain

from cxsite.content.kinds import Kind
from cxsite.render.pages import Output, Page
from cxsite.render.registry import Kept, Memory, OutputJob
from cxsite.render.search.entries import SearchEntry, honor_anchors, site_rows
from cxsite.render.search.index import Documents, Layout, index_files, patch_index
from cxsite.render.search.text import DERIVATION, derive, distinct_units
from cxsite.site import urls
from cxsite.site.model import Site

JOB_KEY = "search-index"


def search_page(site: Site) -> list[Page]:
    """The search page: search.js runs ?q= there; without JavaScript it points to the archive."""
    return [Page(url=urls.SEARCH, template="search.html", title="全站搜索", kind="search", in_sitemap=False)]


def plan_index(site: Site, kinds: Callable[[], Sequence[Kind]]) -> list[OutputJob]:
    """The index's one job, made again when an entry changes."""
    documents = Documents.of(site_rows(site, kinds()))
    return [OutputJob(key=JOB_KEY, inputs=documents.digest, memory=True,
                      make=lambda memory: make_index(site, documents, memory))]


def make_index(site: Site, documents: Documents, memory: Memory) -> Iterator[Output | Kept]:
    """The index's files: patched into the last build's when it remembers one, else all made.

    A generator: on a clean build each file goes to the writer as soon as it is made, so
    the index's texts (most of its bytes) are never all held at once.
    """
    resolve = Resolver(site)
    layout = memory.recall("layout")
    made = patch_index(documents, resolve, layout, memory.recall) if isinstance(layout, Layout) else None
    if made is None:
        memory.clear()
        resolve.prefetch(key for row in documents.rows for key in SearchEntry.of_row(row).markdown)
        for path, data in index_files(documents, resolve, memory.remember):
            yield Output(path, data)
        return
    for name in made.forget:
        memory.forget(name)
    for name, value in made.remember.items():
        memory.remember(name, value)
    yield from (Output(path, data) for path, data in made.files.items())
    yield from (Kept(path) for path in made.kept)


class Resolver:
    """An entry's text and its distinct units: short texts cut here, Markdown texts as derived."""

    WINDOW = 256  # derivations read from the cache at once, ahead of the entries asking for them

    def __init__(self, site: Site):
        self.site = site
        self._known: dict[str, tuple[str, str]] = {}
        self._ahead: list[str] = []  # keys to read next, in the order they will be asked for

    def prefetch(self, keys: Iterable[str]) -> None:
        """Read the derivations of Markdown texts ahead, in this order (a whole index is about to be made).

        A window at a time, not all at once: every document's text held together would be
        the largest thing a build holds at ten thousand bulletins.
        """
        self._ahead = list(dict.fromkeys(keys))
        self._ahead.reverse()  # popped from the end

    def __call__(self, entry: SearchEntry) -> tuple[str, list[str]]:
        parts = [self.derived(key) for key in entry.markdown]
        summary = entry.summary
        if len(parts) == 1 and not entry.text:
            text, found = parts[0]
            units = found.split("\n") if found else []  # distinct already (derive)
            if not summary or not adds_to(summary, set(units)):
                return text, units  # a document's body alone (the common case)
        body: dict[str, None] = {}
        for _, found in parts:
            if found:
                body.update(dict.fromkeys(found.split("\n")))
        summary = (summary,) if summary and adds_to(summary, body) else ()
        units = dict.fromkeys(chain.from_iterable(map(distinct_units, (*summary, *entry.text))))
        units.update(body)
        # The short texts (a location, captions, attachments' titles) after the prose, so that a
        # snippet cut from the prose runs on as the page reads, not into a file's title.
        text = (*summary, *(text for text, _ in parts), *entry.text)
        return "\n".join(filter(None, text)), list(units)

    def derived(self, key: str) -> tuple[str, str]:
        """A Markdown text's text and units: kept by the build, else made from its HTML (KeyError: gone)."""
        if key not in self._known and self._ahead:
            self._read_ahead()
        known = self._known.pop(key, None)  # each is read once in a whole index: let it go
        if known is not None:
            return known
        try:
            return self.site.derived(DERIVATION, key)
        except KeyError:
            return derive(self.site.html(key))

    def _read_ahead(self) -> None:
        """Read the next window of derivations."""
        ahead = self._ahead
        window = ahead[-self.WINDOW:]
        del ahead[-self.WINDOW:]
        self._known.update(self.site.derived_many(DERIVATION, reversed(window)))


def adds_to(summary: str, units: Container[str]) -> bool:
    """Whether a summary holds text the body's units do not: a written one does; one cut from the
    body (its last unit perhaps cut short, "…") does not, and would only show the text twice."""
    found = distinct_units(summary.removesuffix("…"))
    if summary.endswith("…") and found:
        last = found.pop()
        if last not in units and not any(unit.startswith(last) for unit in units):
            return True
    return any(unit not in units for unit in found)


def register(registration) -> None:
    """Register the search page, the index job, the text derivation and the honours' anchors."""
    registration.add_pages("search", search_page)
    registration.add_outputs("search", lambda site, pages: plan_index(site, registration.kinds))
    registration.add_derivation(DERIVATION, derive)
    registration.add_global("honor_anchors", honor_anchors)
