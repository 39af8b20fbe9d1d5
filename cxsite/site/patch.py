"""The Site after an edit of Markdown bodies alone: the previous graph with those documents swapped in.

When only documents' bodies changed (their front matter identical, which the
reader's remembered checks tell), everything the graph derives from front
matter is as it was: order, back-links, terms, references and the checks on
them. What a body gives a document is all that differs: the key of its HTML,
the summary made from it, its length and its headings. Swapping the new
documents into the previous Site costs a few dictionary copies instead of
making the graph again from every parsed file (about half a second at 10,000
bulletins). A body whose links changed is more than that — the integrity checks
follow links and a linked image is a file the site uses — so the caller makes
the graph afresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace

from cxsite.site.model import Document, Site

# What a document takes from its Markdown body alone (records.make_document); links are left out on purpose.
BODY_FIELDS = ("body", "summary", "chars", "toc")


def patch_bodies(site: Site, documents: Iterable[Document], now: dt.datetime) -> Site | None:
    """The Site with these remade documents in place of those at their URLs, as of `now`.

    None when a document is not published in the Site or differs from the one it
    replaces in more than BODY_FIELDS (the caller then makes the graph afresh).
    The caller vouches that nothing else changed, `now` included (no moment the
    Site depends on has passed: planner.time_horizon).
    """
    swaps: dict[int, Document] = {}
    for new in documents:
        old = site.index.documents.get(new.url)
        if old is None or old.path != new.path:
            return None
        # `scheduled` is set by the graph (--future), not by make_document: it carries over.
        new = replace(new, scheduled=old.scheduled)
        if replace(new, **{name: getattr(old, name) for name in BODY_FIELDS}) != old:
            return None
        swaps[id(old)] = new
    if not swaps:
        return replace(site, now=now)

    def swap(doc: Document | None) -> Document | None:
        return swaps.get(id(doc), doc)

    index = site.index
    index = replace(index, documents={url: swap(d) for url, d in index.documents.items()},
                    bulletins={issue: swap(d) for issue, d in index.bulletins.items()},
                    neighbours={issue: (swap(a), swap(b)) for issue, (a, b) in index.neighbours.items()})
    return replace(site, now=now, documents=tuple(map(swap, site.documents)),
                   bulletins=tuple(map(swap, site.bulletins)), posts=tuple(map(swap, site.posts)),
                   pages=tuple(map(swap, site.pages)), index=index)
