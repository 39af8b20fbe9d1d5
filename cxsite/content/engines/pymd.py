"""The default engine: Python-Markdown, with the extensions these writers need.

Configured the way MkDocs users know: extensions by name (`tables`,
`pymdownx.tilde`, `module.path:Class`) with their options. The default set:

- tables, footnotes, attr_list (`{#id}`, `{.class}`), sane_lists, fenced_code;
- admonition with Chinese types (`!!! 提示`, see admonition.py);
- strikethrough (`~~删除~~`) and backslash_break (`\\` ending a line), gfm.py;
- pymdownx.tasklist (`- [x] 已完成`);
- pymdownx.magiclink: a bare `https://…` or `www.…` becomes a link, as in the fast engine (GFM).

smarty is not on: it only ever touches ASCII quotes, dashes and dots, and
full-width punctuation needs none of it; when a writer adds it, its quotes stay
off (see DEFAULT_CONFIGS) and full-width punctuation is never touched. Heading ids and the table of contents
come from headings.py (the same in every engine); a writer who adds `toc` for
its options gets the same slugs. Why Python-Markdown by default although it is
the slowest (≈2 ms a bulletin against ≈0.04 ms for the fast engine): it is the
library the project's users and MkDocs/Pelican know, its extensions are what
writers ask for, and its emphasis needs no CJK fix (it does not use CommonMark's
flanking rules); HTML is cached by content, so only cold builds pay.
"""

from __future__ import annotations

import difflib
import pkgutil
from importlib.metadata import entry_points

import markdown

from cxsite.content.engines.admonition import ChineseAdmonitionExtension
from cxsite.content.engines.cjk import join_cjk_lines
from cxsite.content.engines.gfm import BackslashBreakExtension, StrikethroughExtension
from cxsite.content.engines.headings import SlugCache, TocEntry, name_headings
from cxsite.content.engines.settings import FrozenMap, MarkdownSettings, SettingsProblem
from cxsite.content.slug import slugify

DEFAULT_EXTENSIONS = ("tables", "footnotes", "attr_list", "admonition", "sane_lists", "fenced_code",
                      "strikethrough", "backslash_break", "pymdownx.tasklist", "pymdownx.magiclink")
# cxsite's own Python-Markdown extensions, under the names writers use in site.yaml.
OWN_EXTENSIONS = {
    "admonition": ChineseAdmonitionExtension, "markdown.extensions.admonition": ChineseAdmonitionExtension,
    "strikethrough": StrikethroughExtension, "backslash_break": BackslashBreakExtension,
}
DEFAULT_CONFIGS = {
    # fn-1 / fnref-1 like the fast engine, so footnote links look the same in both.
    "footnotes": {"SEPARATOR": "-", "BACKLINK_TITLE": "返回正文"},
    "pymdownx.tasklist": {"custom_checkbox": False},
    # smarty decides between opening and closing quotes by the letter before them, and takes
    # a Chinese character for one: 他说"你好" would open with a closing quote. Dashes and
    # ellipses stay on; a writer may still ask for quotes (`smart_quotes: true`).
    "smarty": {"smart_quotes": False},
    "markdown.extensions.smarty": {"smart_quotes": False},
}


def toc_slugify(value: str, separator: str) -> str:
    """The slug function handed to a writer-enabled `toc`: the same ids as headings.py."""
    return slugify(value) or "section"


def extension_names(settings: MarkdownSettings) -> list[str]:
    """The default set followed by the writer's extensions, each once."""
    return list(dict.fromkeys([*DEFAULT_EXTENSIONS, *settings.extensions]))


def _options(name: str, settings: MarkdownSettings) -> dict:
    """The configuration of one extension: cxsite's defaults overridden by the writer's."""
    defaults = {"slugify": toc_slugify} if name in ("toc", "markdown.extensions.toc") else {}
    return {**defaults, **DEFAULT_CONFIGS.get(name, {}), **settings.config_of(name)}


def build_markdown(settings: MarkdownSettings) -> markdown.Markdown:
    """Make the Python-Markdown converter the settings describe."""
    extensions, configs = [], {}
    for name in extension_names(settings):
        if name in OWN_EXTENSIONS:
            extensions.append(OWN_EXTENSIONS[name](**_options(name, settings)))
        else:
            extensions.append(name)
            configs[name] = _options(name, settings)
    converter = markdown.Markdown(extensions=extensions, extension_configs=configs, output_format="html")
    if settings.raw_html == "escape":  # raw HTML is shown as text: without these it is just text
        converter.preprocessors.deregister("html_block")
        converter.inlinePatterns.deregister("html")
    return converter


class PythonMarkdownEngine:
    """Python-Markdown made into cxsite's engine interface."""

    name = "default"

    def __init__(self, settings: MarkdownSettings, fingerprint: str):
        self.fingerprint = fingerprint
        self.slug = SlugCache()
        self.md = build_markdown(settings)

    def convert(self, text: str) -> tuple[str, tuple[TocEntry, ...]]:
        """Convert Markdown to HTML with heading ids; return it with its table of contents."""
        html = self.md.reset().convert(text)
        return name_headings(join_cjk_lines(html), self.slug)


def known_extensions() -> list[str]:
    """Names of the installed extensions, for "did you mean" (built-ins and pymdownx)."""
    names = [point.name for point in entry_points(group="markdown.extensions")]
    try:
        import pymdownx

        names += [f"pymdownx.{module.name}" for module in pkgutil.iter_modules(pymdownx.__path__)
                  if not module.name.startswith("_") and not module.name.endswith("_db")]
    except ImportError:  # pymdown-extensions is a dependency, but a broken install should still report
        pass
    return names


def check_extensions(settings: MarkdownSettings) -> list[SettingsProblem]:
    """Try each extension with its configuration; report what Python-Markdown refuses."""
    problems = []
    names = extension_names(settings)
    for name, _ in settings.extension_configs:
        if name not in names:
            problems.append(SettingsProblem(
                ("extension_configs", name), f"extension_configs 里的“{name}”不是已启用的扩展",
                f"先在 extensions 里加上 {name}，或删去它的设置"))
    for index, name in enumerate(settings.extensions):
        problem = _check_extension(name, settings, index)
        if problem:
            problems.append(problem)
    for name in DEFAULT_EXTENSIONS:
        if name not in settings.extensions and settings.config_of(name):
            problem = _check_extension(name, settings, None)
            if problem:
                problems.append(problem)
    return problems


def _check_extension(name: str, settings: MarkdownSettings, index: int | None) -> SettingsProblem | None:
    """Load one extension with its configuration; describe the failure, if any."""
    if name in OWN_EXTENSIONS:
        probe = OWN_EXTENSIONS[name]
    else:
        def probe(**options):
            return markdown.Markdown().build_extension(name, options)
    options = _options(name, settings)
    try:
        probe(**options)
        return None
    except ImportError:
        near = difflib.get_close_matches(name, known_extensions(), n=1, cutoff=0.5)
        hint = f"是不是想写 {near[0]}？" if near else "可用的扩展见 Python-Markdown 和 pymdownx 的文档"
        return SettingsProblem(("extensions", index), f"找不到 Markdown 扩展“{name}”", hint)
    except KeyError as exc:
        key = str(exc.args[0]) if exc.args else ""
        known = _known_options(probe)
        near = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
        hint = (f"是不是想写 {near[0]}？" if near else "可用的设置：" + "、".join(known) if known
                else "这个扩展没有设置项，删去它的设置")
        return SettingsProblem(("extension_configs", name, key), f"扩展 {name} 没有设置项“{key}”", hint)
    except Exception as exc:  # an extension's own check of its options: any exception type
        return SettingsProblem(("extension_configs", name),
                               f"扩展 {name} 的设置有误：{type(exc).__name__}: {exc}",
                               "对照该扩展的文档检查 extension_configs 里它的各项")


def _known_options(probe) -> list[str]:
    """The option names an extension accepts."""
    try:
        return sorted(probe().getConfigs())
    except Exception:  # the extension fails even without options: nothing to list
        return []


def check_settings(settings: MarkdownSettings) -> list[SettingsProblem]:
    """Load each extension with its options, then all together; report what Python-Markdown refuses."""
    problems = check_extensions(settings)
    if problems:
        return problems
    failure = _try_converting(settings)
    if failure is None:
        return []
    # Some extensions check their options only when used: find the one that fails alone.
    for name, config in settings.extension_configs:
        alone = MarkdownSettings(extensions=(name,), extension_configs=FrozenMap([(name, config)]))
        if _try_converting(alone):
            return [SettingsProblem(("extension_configs", name), f"扩展 {name} 的设置有误：{failure}",
                                    "对照该扩展的文档检查它的各项设置")]
    return [SettingsProblem(("extensions",), f"Markdown 扩展无法一起使用：{failure}",
                            "逐个去掉新加的扩展，找出出错的那个")]


def _try_converting(settings: MarkdownSettings) -> str | None:
    """Convert a small text with the default engine; describe the failure, if any."""
    try:
        build_markdown(settings).convert("# 检查\n\n正文 [^1]\n\n[^1]: 脚注\n")
    except Exception as exc:  # an extension failing at use: any exception type
        return f"{type(exc).__name__}: {exc}"
    return None
