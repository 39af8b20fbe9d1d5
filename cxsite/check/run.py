"""`cxsite check`: all validation, the link check of the rendered site and the intranet doctor.

Like a build it orders the stages (through build.render_all, which works in memory),
but it publishes nothing: the output folder is not touched.
Markdown links that point to nothing and placeholder texts are warnings in a build and errors here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from cxsite.build import BuildOptions, render_all
from cxsite.check.linkcheck import check_links
from cxsite.content.config import PLACEHOLDER_SETTING
from cxsite.content.markdown import anchor_of
from cxsite.content.outside import OUTSIDE, examine
from cxsite.content.placeholders import PLACEHOLDER
from cxsite.content.project import find_legacy_encoded, read_project_texts
from cxsite.content.scripturls import find_script_urls
from cxsite.problem import ERROR, Problem, has_errors, sorted_problems
from cxsite.publish.files import rewrite_with_backup
from cxsite.render.templates import template_source_path, theme_layout_texts
from cxsite.site.integrity import BROKEN_LINK
from cxsite.site.urls import output_path


@dataclass(frozen=True)
class CheckResult:
    """What a check found, and how much it looked at."""

    problems: tuple[Problem, ...]
    pages: int = 0
    links: int = 0
    converted: tuple[str, ...] = ()  # files rewritten as UTF-8 by --fix-encoding

    def passed(self, strict: bool = False) -> bool:
        """Whether the site is clean: no errors (and, when strict, no warnings)."""
        return not self.problems if strict else not has_errors(self.problems)


# What a build lets through with a warning (the page still works) but must not be published:
# links to nothing, placeholder texts left from `cxsite new`, the skeleton's example address,
# references that make browsers fetch from outside the intranet.
# Theme templates may carry scripts of their own; only what writers wrote is judged.
LAYOUTS_PREFIX = "layouts/"

STRICT_IN_CHECK = frozenset({BROKEN_LINK, PLACEHOLDER, PLACEHOLDER_SETTING, OUTSIDE})


def run_check(options: BuildOptions, fix_encoding: bool = False) -> CheckResult:
    """Check the site under options.root without writing its output."""
    root = options.root
    converted, problems = _fix_encoding(root) if fix_encoding else ((), [])
    rendered = render_all(options, fatal=lambda p: p.is_error and p.code != BROKEN_LINK)
    site = rendered.loaded.site if rendered.loaded else None
    texts = read_project_texts(root)
    problems += [replace(p, severity=ERROR) if p.code in STRICT_IN_CHECK else p for p in rendered.problems]
    pages = links = 0
    if rendered.files:
        data = rendered.files
        pages = sum(1 for path in data if path.endswith(".html"))
        unchecked = frozenset(output_path(p.url) for p in rendered.pages if not p.links_checked)
        found, links = check_links(data, {f.url for f in site.static}, site.config.base_url,
                                   _sources(rendered.pages, root), _markdown_links(rendered.loaded),
                                   dict(texts + theme_layout_texts()), anchor_of, unchecked)
        problems += found
    hosts = {urlsplit(site.config.base_url).hostname} if site is not None else set()
    problems += examine(texts, {h.lower() for h in hosts if h})
    problems += [p for path, text in texts if not path.startswith(LAYOUTS_PREFIX)
                 for p in find_script_urls(path, text)]
    return CheckResult(tuple(sorted_problems(problems)), pages, links, converted)


def _fix_encoding(root) -> tuple[tuple[str, ...], list[Problem]]:
    """Rewrite GBK/GB18030 sources as UTF-8, each after a backup copy (`--fix-encoding`)."""
    converted, problems = [], []
    for rel, text in find_legacy_encoded(root):
        problem = rewrite_with_backup(root / rel, text, rel)
        if problem is None:
            converted.append(rel)
        else:
            problems.append(problem)
    return tuple(converted), problems


def _sources(pages, root):
    """Return a function naming the file a writer edits to change an output file."""
    owners = {}
    for page in pages:
        source = getattr(page.doc or page.record, "path", None)
        owners[output_path(page.url)] = source or template_source_path(root, page.template)
    return lambda path: owners.get(path, path)


def _markdown_links(loaded) -> set[tuple[str, str]]:
    """(source, site URL or href as written) of Markdown links, which the build checks with their lines.

    Those of documents and of records' Markdown fields (an event's summary) alike.
    """
    site, read = loaded.site, loaded.read
    found = [(doc.path, link) for doc in site.documents + site.pages for link in doc.links]
    found += [(item.path, link) for item in read.items for name, (key, _) in item.markdown.items()
              if name != "body" for link in read.markdown[key].links]
    return {(path, text) for path, link in found for text in (link.key, link.written)
            if text.startswith("/") or text == link.written}
