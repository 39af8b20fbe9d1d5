"""Reading site.yaml's `markdown:` section into MarkdownSettings, with the writer's mistakes."""

from __future__ import annotations

from cxsite.content.engines.settings import (
    ENGINES,
    RAW_HTML_POLICIES,
    MarkdownSettings,
    SettingsProblem,
    freeze,
)


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
                "可选 sanitize（保留安全的 HTML，默认）、escape（显示为文字）、"
                "strip（去掉全部 HTML）、allow（原样保留）"))
    shape: list[SettingsProblem] = []
    names, configs, where = _read_extensions(raw, shape)
    problems += shape
    if values.get("engine") == "fast" and (names or configs):
        problems.append(SettingsProblem(
            ("extensions" if names else "extension_configs",),
            "fast 引擎不使用 Markdown 扩展，extensions 和 extension_configs 已忽略",
            "要用扩展请去掉 engine: fast（使用默认的 Python-Markdown）", False))
        names, configs = [], {}
    settings = MarkdownSettings(extensions=tuple(names), extension_configs=freeze(configs), **values)
    # The default set is known to load (tests); only what the writer added needs trying, and
    # builds with nothing added do not import Python-Markdown until they convert something.
    if not shape and settings.engine == "default" and (settings.extensions or settings.extension_configs):
        from cxsite.content.engines.pymd import check_settings

        problems += [_locate(p, where) for p in check_settings(settings)]
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
        problems.append(SettingsProblem(("extension_configs",),
                                        "markdown.extension_configs 应是“扩展名: 设置”的形式",
                                        "例如 toc: {permalink: true}"))
        given = {}
    for name, options in (given or {}).items():
        if options is not None and not isinstance(options, dict):
            problems.append(SettingsProblem(("extension_configs", name),
                                            f"扩展 {name} 的设置应是“键: 值”的形式",
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

