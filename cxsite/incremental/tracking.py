"""Rendering that records what it reads: a tracking Jinja2 environment, and template digests.

Every `a.b` and `a["b"]` in a template goes through the environment's getattr
and getitem (and so do filters with `attribute=` and cxsite's own globals), so
recording there sees all a template takes from the Site.
"""

from __future__ import annotations

import jinja2
from jinja2 import meta

from cxsite.incremental.recorder import Recorder, digest
from cxsite.render.pages import Output, Page
from cxsite.render.templates import render_page
from cxsite.site.model import Site, is_model_type


class TrackingEnvironment(jinja2.Environment):
    """A Jinja2 environment that tells the page's Recorder what templates read."""

    recorder: Recorder | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._tracked: dict[type, bool] = {}  # per type: is reading from it recorded

    def getattr(self, obj, attribute):
        """Look up obj.attribute, recording it while a page renders."""
        value = super().getattr(obj, attribute)
        recorder = self.recorder
        if recorder is None or not self._is_tracked(type(obj)):
            return value
        return recorder.attribute(obj, attribute, value)

    def getitem(self, obj, argument):
        """Look up obj[argument], recording it while a page renders."""
        value = super().getitem(obj, argument)
        recorder = self.recorder
        if recorder is None or not isinstance(argument, str) or not self._is_tracked(type(obj)):
            return value
        return recorder.attribute(obj, argument, value)

    def _is_tracked(self, kind: type) -> bool:
        """Whether reading from objects of a type is recorded: the Site and the model's classes."""
        tracked = self._tracked.get(kind)
        if tracked is None:
            tracked = self._tracked[kind] = is_model_type(kind)
        return tracked


def render_recorded(env: TrackingEnvironment, site: Site, page: Page, interned: dict) -> tuple[Output, tuple]:
    """Render one page; also return the dependency keys it read, in a stable order."""
    recorder = Recorder(site, interned)
    env.recorder = recorder
    try:
        output = render_page(env, site, page)
    finally:
        env.recorder = None
    return output, recorder.sorted_keys()


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
