"""Templates: where they come from, the one context they receive, and a page rendered to bytes.

Layouts are found in the site's layouts/ first, then in folders extensions
register, then in the built-in theme, file by file. Every template receives
`site` (model.Site), `page` (pages.Page) and `config` (content.config.Config),
with StrictUndefined. Links are made with `url('/site/path/')`, which returns a
relative link. Globals and filters read the Site through the environment's
`getattr`, like templates do, so a tracking environment (incremental builds)
sees everything a page reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import jinja2
from markupsafe import Markup

from cxsite.content.dates import zh_date, zh_month
from cxsite.content.markdown import resolve_links
from cxsite.content.project import LAYOUTS_DIR, THEME_DIR
from cxsite.problem import Problem, error
from cxsite.render.media.pictures import rewrite_images
from cxsite.render.pages import Output, Page
from cxsite.site import urls
from cxsite.site.model import Site

THEME_LAYOUTS = THEME_DIR / "layouts"


def template_loader(root: Path, extra: Sequence[Path] = ()) -> jinja2.BaseLoader:
    """Return a loader that finds a template in the site's layouts/, then `extra` folders, then the theme."""
    folders = [root / LAYOUTS_DIR, *extra, THEME_LAYOUTS]
    return jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(folder)) for folder in folders])


def template_source_path(root: Path, name: str) -> str:
    """Return the path a writer knows a template by: layouts/x.html, an extension's file, the theme's."""
    path = Path(name)
    for folder, shown in ((root / LAYOUTS_DIR, LAYOUTS_DIR), (THEME_LAYOUTS, "cxsite/theme/layouts")):
        candidate = path if path.is_absolute() else folder / name
        if candidate.is_file() and candidate.resolve().is_relative_to(folder.resolve()):
            return f"{shown}/{candidate.resolve().relative_to(folder.resolve()).as_posix()}"
    if path.is_absolute() and path.resolve().is_relative_to(root.resolve()):  # an extension's layouts
        return path.resolve().relative_to(root.resolve()).as_posix()
    return name


def theme_layout_texts() -> list[tuple[str, str]]:
    """The built-in theme's layouts as (shown path, text), to locate what is written in them."""
    return [(f"cxsite/theme/layouts/{path.relative_to(THEME_LAYOUTS).as_posix()}", path.read_text("utf-8"))
            for path in sorted(THEME_LAYOUTS.rglob("*")) if path.is_file()]


def make_environment(loader: jinja2.BaseLoader, *, bytecode_cache: jinja2.BytecodeCache | None = None,
                     environment: type[jinja2.Environment] = jinja2.Environment,
                     filters: Mapping[str, Callable] | None = None,
                     globals: Mapping[str, Callable] | None = None) -> jinja2.Environment:
    """Return the Jinja2 environment pages render with (strict, autoescaped), with the registered
    filters and globals; `environment` is the class to make (a tracking one in incremental builds)."""
    env = environment(
        loader=loader,
        bytecode_cache=bytecode_cache,
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one build never sees a template change; skip the stat per page
    )
    env.filters.update(BUILT_IN_FILTERS)
    env.filters.update(filters or {})
    env.globals.update(BUILT_IN_GLOBALS)
    env.globals.update(globals or {})
    return env


def render_page(env: jinja2.Environment, site: Site, page: Page) -> Output:
    """Render one page to bytes."""
    html = env.get_template(page.template).render(site=site, page=page, config=site.config)
    return Output(urls.output_path(page.url), html.encode("utf-8"))


def template_problem(exc: jinja2.TemplateError, root: Path, template: str) -> Problem:
    """Locate a template error in the layout file where it happened."""
    name, line = getattr(exc, "name", None) or template, getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:  # Jinja rewrites frames so template lines appear in the traceback
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml")):
            name, line = filename, tb.tb_lineno
        tb = tb.tb_next
    path = template_source_path(root, name)
    message = getattr(exc, "message", None) or str(exc)
    return error(path, line, f"模板出错：{message}",
                 "检查 layouts/ 里这个模板；变量请从 site、page、config 中取")


def _read(context, name: str):
    """Read an attribute of the Site the way a template does (so it can be recorded)."""
    return context.environment.getattr(context["site"], name)


@jinja2.pass_context
def relative_link(context, target: str) -> str:
    """Link from the page being rendered to a site URL, relative (so sub-paths work)."""
    page, site = context["page"], context["site"]
    if "://" in target:  # an outside address (a menu entry): as it is
        return target
    if page.kind == "404" and not site.portable:
        # A server shows the 404 page at any depth, so its links start from the site's root path;
        # opened from file:// (portable) it is only ever at the root, where relative links work.
        return urls.base_path(site.config.base_url) + target.lstrip("/")
    return urls.relative_url(target, page.url, site.portable)


@jinja2.pass_context
def menu_links(context) -> list[tuple[str, str, bool]]:
    """The main menu for this page: (title, relative link, whether this page is in that section)."""
    here = context["page"].url
    return [(item.title, relative_link(context, item.url),
             here == item.url or (item.url != "/" and here.startswith(item.url)))
            for item in _read(context, "menu")()]


@jinja2.pass_context
def absolute_url(context, target: str) -> str:
    """The absolute URL of a site URL under base_url (for feeds and canonical links)."""
    return context["site"].config.absolute(target)


@jinja2.pass_context
def content(context, key: str) -> Markup:
    """The HTML of a Markdown key (a body, description…) with links relative to this page,
    and its images of static/ sized (a wide one shown by its web versions, see render/media)."""
    url_for_key = _read(context, "url_for_key")

    def link(marked: str) -> str | None:
        target = url_for_key(marked)
        return relative_link(context, target) if target else None

    def picture_of(marked: str):
        target = url_for_key(marked)
        return _read(context, "picture")(target) if target else None  # recorded: an image's size can change

    # The HTML is named by a digest of its source, so reading it needs no recording.
    html = rewrite_images(context["site"].html(key), picture_of, lambda url: relative_link(context, url))
    return Markup(resolve_links(html, link))


def iso_date(value) -> str:
    """A date as 2010-07-08 (or 2010, 2010-05 for dates known to the year or month)."""
    return value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else value.iso()


BUILT_IN_FILTERS = {"zh_date": zh_date, "zh_month": zh_month, "iso_date": iso_date}
BUILT_IN_GLOBALS = {"url": relative_link, "absolute_url": absolute_url, "content": content,
                    "menu_links": menu_links}
