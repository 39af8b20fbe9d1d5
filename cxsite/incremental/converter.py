"""Markdown conversion through the cache: only texts never seen, in the process that read them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from cxsite.content.engines import MarkdownSettings
from cxsite.content.markdown import Markup, Rendered
from cxsite.incremental.store import Cache

BATCH = 256  # converted texts written to the cache at once


class Converter:
    """Converts Markdown the cache does not hold yet; the reader's `reader.Converter`."""

    def __init__(self, cache: Cache, settings: MarkdownSettings):
        self.cache, self.settings = cache, settings
        self.known = cache.markdown  # key -> Rendered without HTML, for every text the cache holds
        self.made: dict[str, Rendered] = {}  # what this build converted, without HTML
        self._batch: list[Rendered] = []
        self._markup: Markup | None = None
        self._slugs = cache.stored_slugs(settings.fingerprint)  # the engine and pypinyin, named

    def has_html(self, key: str) -> bool:
        """Whether the Markdown a key names needs no converting."""
        return key in self.known

    def prepare(self, items) -> dict:
        """Convert the Markdown of freshly checked items (in a worker): store the HTML, return metadata.

        Batches go to the cache as they fill; finish() writes the rest.
        """
        metas = {}
        for item in items:
            for key, text in item.markdown.values():
                if key not in self.known and key not in metas:
                    metas[key] = self._convert(key, text, item.path)
        if len(self._batch) >= BATCH:
            self.finish()
        return metas

    def finish(self) -> None:
        """Write the HTML batched by prepare() to the cache."""
        if self._batch:
            self.cache.put_many(self._batch)
            self._batch = []
        self._slugs.flush()

    def adopt(self, metas: dict) -> None:
        """Take in (in the parent) what a worker converted and stored."""
        self.made.update(metas)
        self.known.update(metas)

    def _convert(self, key: str, text: str, source: str) -> Rendered:
        """Convert one Markdown text, batch it for the cache, return it without its HTML."""
        if self._markup is None:
            self._markup = Markup(self.settings, self._slugs)
        rendered = self._markup.convert(text, source, key)
        self._batch.append(rendered)
        return replace(rendered, html="")

    @property
    def converted(self) -> int:
        """How many texts this build converted."""
        return len(self.made)

    def convert_many(self, jobs: Sequence[tuple[str, str | None, str]]) -> list[Rendered]:
        """Return the Rendered (without HTML) of each (key, text, source); HTML goes to the cache.

        Sources are converted where they are read (prepare); what is left here is
        the odd text outside them, such as site.yaml's intro.
        """
        for key, text, source in jobs:
            if not self.has_html(key) and key not in self.made:
                self.made[key] = self._convert(key, text, source)
        self.finish()
        for key in self.made:
            self.known.setdefault(key, self.made[key])
        return [self.made.get(key) or self.known[key] for key, _, _ in jobs]
