"""Markdown engines: Python-Markdown by default, comrak when `engine: fast`; Chinese done right in both.

The one entry point is make_engine(settings) -> Engine, whose convert(text)
returns (html, toc) and whose fingerprint names the engine, the versions of its
libraries and its configuration (part of the cache key of converted HTML, so
switching engines never serves one engine's HTML for the other). What every
engine shares is done on its HTML, so it is the same whatever parsed the text:
cjk.py (no gap where a line was wrapped between Chinese characters) and
headings.py (ASCII heading ids and the table of contents).

This package imports only cxsite.slug and third-party libraries; the site's
raw-HTML policy, link markers and summaries are markup.py's.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from cxsite.mdengine.headings import TocEntry, text_of
from cxsite.mdengine.settings import (
    ENGINES,
    RAW_HTML_POLICIES,
    FrozenMap,
    MarkdownSettings,
    SettingsProblem,
    freeze,
)

__all__ = [
    "ENGINES", "RAW_HTML_POLICIES", "Engine", "FrozenMap", "MarkdownSettings", "SettingsProblem", "TocEntry",
    "check_settings", "fingerprint", "make_engine", "read_settings", "text_of",
]

# Bump when cxsite's own treatment of engine output (cjk.py, headings.py, engine options)
# changes what HTML a text gives, so cached HTML of the older rules is not served.
RULES_VERSION = 1


class Engine(Protocol):
    """A configured Markdown engine; make one per process and reuse it."""

    name: str
    fingerprint: str

    def convert(self, text: str) -> tuple[str, tuple[TocEntry, ...]]:
        """Return the HTML of a Markdown text and its table of contents."""


def fingerprint(settings: MarkdownSettings) -> str:
    """Name the HTML an engine makes: engine, library versions, configuration, cxsite's rules."""
    if settings.engine == "fast":
        from cxsite.mdengine.fast import versions

        configured = ""  # the fast engine takes no extensions
    else:
        from cxsite.mdengine.pymd import versions

        configured = f"; extensions {list(settings.extensions)}; configs {list(settings.extension_configs)}"
    return f"{settings.engine} ({versions()}; rules {RULES_VERSION}{configured})"


def make_engine(settings: MarkdownSettings) -> Engine:
    """Return the engine the settings choose (settings already checked by check_settings)."""
    if settings.engine == "fast":
        from cxsite.mdengine.fast import FastEngine

        return FastEngine(settings, settings.fingerprint)
    from cxsite.mdengine.pymd import PythonMarkdownEngine

    return PythonMarkdownEngine(settings, settings.fingerprint)


def check_settings(settings: MarkdownSettings) -> list[SettingsProblem]:
    """Load the extensions the settings name with their options; report what fails."""
    if settings.engine == "fast":
        return []
    from cxsite.mdengine.pymd import check_extensions

    problems = check_extensions(settings)
    if not problems:
        failure = _try_converting(settings)
        if failure:
            # Some extensions check their options only when used: find which one, alone.
            culprit = next((name for name, _ in settings.extension_configs
                            if _try_converting(MarkdownSettings(extensions=(name,), extension_configs=FrozenMap(
                                [(n, c) for n, c in settings.extension_configs if n == name])))), None)
            if culprit:
                problems.append(SettingsProblem(("extension_configs", culprit), f"扩展 {culprit} 的设置有误：{failure}",
                                                "对照该扩展的文档检查它的各项设置"))
            else:
                problems.append(SettingsProblem(("extensions",), f"Markdown 扩展无法一起使用：{failure}",
                                                "逐个去掉新加的扩展，找出出错的那个"))
    return problems


def _try_converting(settings: MarkdownSettings) -> str | None:
    """Convert a small text with the default engine; describe the failure, if any."""
    from cxsite.mdengine.pymd import build_markdown

    try:
        build_markdown(settings).convert("# 检查\n\n正文 [^1]\n\n[^1]: 脚注\n")
    except Exception as exc:  # an extension failing at use: any exception type
        return f"{type(exc).__name__}: {exc}"
    return None


def read_settings(raw: dict) -> tuple[MarkdownSettings, list[SettingsProblem]]:
    """Read site.yaml's `markdown:` mapping; problems are located by key path below `markdown`."""
    problems: list[SettingsProblem] = []
    values: dict = {}
    engine = raw.get("engine")
    if engine is not None:
        if str(engine) in ENGINES:
            values["engine"] = str(engine)
        else:
            problems.append(SettingsProblem(("engine",), f"markdown.engine 的值“{engine}”无效",
                                            "可选 default（Python-Markdown，默认）、fast（大量稿件时更快）"))
    if "raw_html" in raw:
        policy = str(raw["raw_html"])
        if policy in RAW_HTML_POLICIES:
            values["raw_html"] = policy
        else:
            problems.append(SettingsProblem(
                ("raw_html",), f"markdown.raw_html 的值“{policy}”无效",
                "可选 sanitize（保留安全的 HTML，默认）、strip（去掉全部 HTML）、allow（原样保留）"))
    shape: list[SettingsProblem] = []
    names, configs, where = _read_extensions(raw, shape)
    problems += shape
    if values.get("engine") == "fast" and (names or configs):
        problems.append(SettingsProblem(("extensions" if names else "extension_configs",),
                                        "fast 引擎不使用 Markdown 扩展，extensions 和 extension_configs 已忽略",
                                        "要用扩展请去掉 engine: fast（使用默认的 Python-Markdown）", False))
        names, configs = [], {}
    settings = MarkdownSettings(extensions=tuple(names), extension_configs=freeze(configs), **values)
    if not shape:
        checked = replace(settings, engine="default") if settings.engine != "fast" else settings
        problems += [_locate(p, where) for p in check_settings(checked)]
    if any(p.is_error for p in problems):
        # A site.yaml with errors still checks the content: with the default extensions.
        settings = MarkdownSettings(**values)
    return settings, problems


def _read_extensions(raw: dict, problems: list) -> tuple[list[str], dict, dict]:
    """Read `extensions` (names or {name: options}) and `extension_configs` ({name: options})."""
    names, configs, where = [], {}, {}
    listed = raw.get("extensions")
    if listed is not None and not isinstance(listed, list):
        problems.append(SettingsProblem(("extensions",), "markdown.extensions 应是一个列表",
                                        "每项一行，写成“- footnotes”或“- toc: {permalink: true}”"))
        listed = []
    for index, item in enumerate(listed or []):
        if isinstance(item, dict) and len(item) == 1:
            name, options = next(iter(item.items()))
            where[str(name)] = ("extensions", index, name)
        elif isinstance(item, str | int | float):
            name, options = item, None
        else:
            problems.append(SettingsProblem(("extensions", index), "markdown.extensions 的每项应是扩展名",
                                            "写成“- footnotes”或“- toc: {permalink: true}”"))
            continue
        names.append(str(name))
        if options:
            configs[str(name)] = options
    given = raw.get("extension_configs")
    if given is not None and not isinstance(given, dict):
        problems.append(SettingsProblem(("extension_configs",), "markdown.extension_configs 应是“扩展名: 设置”的形式",
                                        "例如 toc: {permalink: true}"))
        given = {}
    for name, options in (given or {}).items():
        if options is not None and not isinstance(options, dict):
            problems.append(SettingsProblem(("extension_configs", name), f"扩展 {name} 的设置应是“键: 值”的形式",
                                            "例如 toc: {permalink: true}"))
            continue
        configs[str(name)] = {**configs.get(str(name), {}), **(options or {})}
    return names, configs, where


def _locate(problem: SettingsProblem, where: dict) -> SettingsProblem:
    """Point a problem about an extension's options at where the writer wrote them."""
    path = problem.path
    if len(path) >= 2 and path[0] == "extension_configs" and path[1] in where:
        path = (*where[path[1]], *path[2:])
    elif len(path) == 2 and path[0] == "extensions" and path[1] is None:
        path = ("extensions",)
    return SettingsProblem(path, problem.message, problem.hint, problem.is_error)

