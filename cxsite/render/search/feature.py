"""Search as a feature: the /search/ page, the index output job, the text derivation, the honours' anchors.

The job is made again only when an entry changes (its inputs are the entries, long
texts by their Markdown keys). It remembers the entries and the shards of the last
index, so an edit patches only what it touched; the text and units of each Markdown
text come from the derivation, made once per distinct text where Markdown is converted.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from collections.abc import Callable, Sequence
from itertools import chain

from cxsite.content.kinds import Kind
from cxsite.render.pages import Output, Page
from cxsite.render.registry import Kept, Memory, OutputJob
from cxsite.render.search.entries import SearchEntry, honor_anchors, site_entries
from cxsite.render.search.index import Layout, build_index, patch_index
from cxsite.render.search.text import DERIVATION, derive, distinct_units
from cxsite.site import urls
from cxsite.site.model import Site

JOB_KEY = "search-index"


def search_page(site: Site) -> list[Page]:
    """The search page: search.js runs ?q= there; without JavaScript it points to the archive."""
    return [Page(url=urls.SEARCH, template="search.html", title="全站搜索", kind="search", in_sitemap=False)]


def plan_index(site: Site, kinds: Callable[[], Sequence[Kind]]) -> list[OutputJob]:
    """The index's one job, made again when an entry changes."""
    entries = site_entries(site, kinds())
    return [OutputJob(key=JOB_KEY, inputs=_digest(tuple(e.row for e in entries)), memory=True,
                      make=lambda memory: make_index(site, entries, memory))]


def make_index(site: Site, entries: Sequence[SearchEntry], memory: Memory) -> list[Output | Kept]:
    """The index's files: patched into the last build's when it remembers one, else all made."""
    resolve = Resolver(site)
    rows, layout = memory.recall("docs"), memory.recall("layout")
    made = None
    if isinstance(rows, tuple) and isinstance(layout, Layout):
        made = patch_index(entries, resolve, rows, layout, memory.recall)
    if made is None:
        memory.clear()
        made = build_index(entries, resolve)
    for name in made.forget:
        memory.forget(name)
    for name, value in made.remember.items():
        memory.remember(name, value)
    return [Output(path, data) for path, data in made.files.items()] + [Kept(path) for path in made.kept]


class Resolver:
    """An entry's text and its distinct units: short texts cut here, Markdown texts as derived."""

    def __init__(self, site: Site):
        self.site = site

    def __call__(self, entry: SearchEntry) -> tuple[str, list[str]]:
        parts = [self.derived(key) for key in entry.markdown]
        body = "\n".join(text for text, _ in parts)
        lines = list(entry.text)
        # A summary cut from the body is in it already; a written one is text of its own.
        if entry.summary and entry.summary.rstrip("…") not in body.replace("\n", ""):
            lines.insert(0, entry.summary)
        units = dict.fromkeys(chain.from_iterable(map(distinct_units, lines)))
        for _, found in parts:
            if found:
                units.update(dict.fromkeys(found.split("\n")))
        return "\n".join(filter(None, (*lines, body))), list(units)

    def derived(self, key: str) -> tuple[str, str]:
        """A Markdown text's text and units: kept by the build, else made from its HTML (KeyError: gone)."""
        try:
            return self.site.derived(DERIVATION, key)
        except KeyError:
            return derive(self.site.html(key))


def _digest(value: object) -> bytes:
    """A digest of plain data (pickled without its memo, so equal values give equal bytes)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True
    pickler.dump(value)
    return hashlib.blake2b(buffer.getbuffer(), digest_size=16).digest()


def register(registration) -> None:
    """Register the search page, the index job, the text derivation and the honours' anchors."""
    registration.add_pages("search", search_page)
    registration.add_outputs("search", lambda site, pages: plan_index(site, registration.kinds))
    registration.add_derivation(DERIVATION, derive)
    registration.add_global("honor_anchors", honor_anchors)
