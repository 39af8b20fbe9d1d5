"""Markdown engines: Python-Markdown by default, comrak when `engine: fast`; Chinese done right in both.

The one entry point is make_engine(settings) -> Engine, whose convert(text)
returns (html, toc) and whose fingerprint names the engine, the versions of its
libraries and its configuration (part of the cache key of converted HTML, so
switching engines never serves one engine's HTML for the other). What every
engine shares is done on its HTML, so it is the same whatever parsed the text:
cjk.py (no gap where a line was wrapped between Chinese characters) and
headings.py (ASCII heading ids and the table of contents).

This package imports only cxsite.content.slug and third-party libraries; the site's
raw-HTML policy, link markers and summaries are markup.py's.
"""

from __future__ import annotations

from typing import Protocol

from cxsite.content.engines.headings import SlugCache, TocEntry, text_of
from cxsite.content.engines.reading import read_settings
from cxsite.content.engines.settings import (
    ENGINES,
    RAW_HTML_POLICIES,
    FrozenMap,
    MarkdownSettings,
    SettingsProblem,
)

__all__ = [
    "ENGINES", "RAW_HTML_POLICIES", "Engine", "FrozenMap", "MarkdownSettings", "SettingsProblem", "TocEntry",
    "check_settings", "fingerprint", "make_engine", "read_settings", "text_of",
]

# Bump when cxsite's own treatment of engine output (cjk.py, headings.py, engine options)
# changes what HTML a text gives, so cached HTML of the older rules is not served.
RULES_VERSION = 1
# The distributions whose versions decide each engine's HTML.
# pypinyin spells the heading ids, so its version names the HTML as the engine's does.
LIBRARIES = {"default": ("markdown", "pymdown-extensions", "pypinyin"), "fast": ("comrak-ext", "pypinyin")}


class Engine(Protocol):
    """A configured Markdown engine; make one per process and reuse it."""

    name: str
    fingerprint: str

    def convert(self, text: str) -> tuple[str, tuple[TocEntry, ...]]:
        """Return the HTML of a Markdown text and its table of contents."""


def fingerprint(settings: MarkdownSettings) -> str:
    """Name the HTML an engine makes: engine, library versions, configuration, cxsite's rules."""
    # Versions are read from the installed distributions without importing the engines (about
    # 15 ms once per process, against 50 ms for importing Python-Markdown): builds that convert
    # nothing should not pay for the engine.
    from importlib.metadata import version

    libraries = ", ".join(f"{name} {version(name)}" for name in LIBRARIES[settings.engine])
    configured = "" if settings.engine == "fast" else (  # the fast engine takes no extensions
        f"; extensions {list(settings.extensions)}; configs {list(settings.extension_configs)}")
    return f"{settings.engine} ({libraries}; rules {RULES_VERSION}{configured})"


def make_engine(settings: MarkdownSettings, stored_slugs=None) -> Engine:
    """Return the engine the settings choose (settings already checked by check_settings).

    `stored_slugs` (get/set by heading text) keeps heading slugs between processes: see SlugCache.
    """
    slug = SlugCache(stored_slugs)
    if settings.engine == "fast":
        from cxsite.content.engines.fast import FastEngine

        return FastEngine(settings, settings.fingerprint, slug)
    from cxsite.content.engines.pymd import PythonMarkdownEngine

    return PythonMarkdownEngine(settings, settings.fingerprint, slug)


def check_settings(settings: MarkdownSettings) -> list[SettingsProblem]:
    """Load the extensions the settings name with their options; report what fails."""
    if settings.engine == "fast":
        return []  # it takes no extensions
    from cxsite.content.engines.pymd import check_settings as check_default

    return check_default(settings)
