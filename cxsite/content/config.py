"""The site's configuration, read from site.yaml with defaults for everything optional."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from cxsite.content.dates import DateError, load_zone, parse_duration
from cxsite.content.engines import MarkdownSettings, read_settings
from cxsite.content.project import CONFIG_FILE
from cxsite.content.schema import FieldError, read_int, read_list, read_text
from cxsite.content.slug import is_slug
from cxsite.content.syntax import YamlValue, decode_source, parse_yaml
from cxsite.problem import Problem, error, warning

REQUIRED = ("title", "organization", "base_url")
_NESTED_LABELS = {("feeds", "items"): "订阅源条数", ("bulletin", "copies"): "印数"}
STATS_KEYS = {"access_logs": "访问日志"}

DEFAULT_MENU = (
    ("首页", "/"), ("活动简报", "/bulletins/"), ("工作动态", "/posts/"), ("活动安排", "/events/"),
    ("党支部", "/branches/"), ("荣誉榜", "/honors/"), ("活动统计", "/stats/"), ("归档", "/archive/"),
)

KNOWN_KEYS = {
    "title": "网站标题", "tagline": "口号", "organization": "主办单位", "description": "简介",
    "base_url": "网址", "language": "语言", "timezone": "时区", "intro": "首页导语",
    "banner": "横幅图片", "menu": "菜单", "pagination": "每页条数", "feeds": "订阅设置",
    "markdown": "Markdown 设置", "slugs": "网址名", "footer": "页脚", "bulletin": "简报版头",
    "extensions": "扩展", "stats": "统计设置", "events": "活动设置", "share": "分享设置",
}
DEFAULT_EVENT_DURATION = dt.timedelta(hours=2)
# Where a page's 手机扫码阅读 QR code shows: on screen (hidden in print), only in print (small, at the
# foot), both, or nowhere.
QR_PLACES = {"screen": "只在屏幕上显示，打印时不印", "print": "只在打印时印在页脚（小）",
             "both": "屏幕上显示，打印时也印在页脚", "none": "不显示"}
_QR_WORDS = {"屏幕": "screen", "显示": "screen", "打印": "print", "都": "both", "两者": "both",
             "全部": "both", "不显示": "none", "无": "none", "不要": "none"}


@dataclass(frozen=True)
class MenuItem:
    """One entry of the main navigation."""

    title: str
    url: str


@dataclass(frozen=True)
class Config:
    """Everything site.yaml says, checked and with defaults applied."""

    title: str
    organization: str
    base_url: str
    language: str = "zh-CN"
    timezone: str = "Asia/Shanghai"
    tagline: str = ""
    description: str = ""
    intro: str = ""
    banner: str = ""
    footer: str = ""
    menu: tuple[MenuItem, ...] = tuple(MenuItem(t, u) for t, u in DEFAULT_MENU)
    pagination: int = 10
    feed_items: int = 20
    markdown: MarkdownSettings = MarkdownSettings()  # engine, extensions, raw-HTML policy
    slugs: dict = field(default_factory=dict)
    bulletin_name: str = "工作简报"  # the red masthead of a printed 简报
    bulletin_issuer: str = ""  # who issues it; the organization when empty
    bulletin_copies: int | None = None  # 印数 of a printed 简报 that does not give its own `copies`
    access_logs: tuple[str, ...] = ()  # `stats: access_logs`: globs of web server logs, from the site folder
    extensions: tuple[str, ...] = ()  # Python modules (files under the site, or installed) that register more
    event_duration: dt.timedelta = DEFAULT_EVENT_DURATION  # how long an event with only a start lasts
    share_qr: str = "screen"  # where the 手机扫码阅读 QR code shows: one of QR_PLACES
    # Top-level key -> its line in site.yaml; also "stats.access_logs.<n>" -> the line of each log pattern.
    lines: dict = field(default_factory=dict, compare=False)

    @property
    def raw_html(self) -> str:
        """Return the raw-HTML policy of Markdown: sanitize, strip or allow."""
        return self.markdown.raw_html

    @property
    def tz(self) -> dt.tzinfo:
        """Return the site's time zone."""
        return load_zone(self.timezone)

    def absolute(self, url: str) -> str:
        """Return the absolute URL of a site-absolute path such as /bulletins/3/."""
        return self.base_url + url.lstrip("/")


# Used to check the content when site.yaml itself has errors; never published (the build stops).
STAND_IN = Config(title="", organization="", base_url="http://localhost/")


def load_config(root: Path, base_url: str | None = None) -> tuple[Config | None, list[Problem]]:
    """Read and check site.yaml under root; base_url overrides the file's.

    The config is None only when site.yaml is missing. When it has errors, a
    stand-in config (defaults for what could not be read) comes with them, so the
    content can be checked in the same run: all problems are reported at once.
    """
    path = root / CONFIG_FILE
    if not path.is_file():
        return None, [error(CONFIG_FILE, None, "找不到网站配置文件 site.yaml",
                            "在网站根目录运行 cxsite，或用 cxsite init 新建一个网站")]
    try:
        text, problems = decode_source(path.read_bytes(), CONFIG_FILE)
    except OSError as exc:
        return None, [error(CONFIG_FILE, None, f"无法读取文件（{exc.strerror}）", "检查文件权限")]
    if text is None:
        return STAND_IN, problems
    data, problems = parse_yaml(text, CONFIG_FILE)
    if data is None or problems:
        return STAND_IN, problems
    if not isinstance(data.value, dict):
        return STAND_IN, [error(CONFIG_FILE, 1, "site.yaml 的内容应是“键: 值”的形式",
                                "参考 cxsite init 生成的 site.yaml")]
    return read_config(data, base_url)


def read_config(data: YamlValue, base_url: str | None = None) -> tuple[Config, list[Problem]]:
    """Check the parsed site.yaml and build the Config (a stand-in when it has errors)."""
    raw = data.value
    problems: list[Problem] = []
    values: dict = {}

    def report(key: str, message: str, hint: str, *path) -> None:
        """Add an error located at the value of key (and path below it)."""
        line, column = data.value_position(key, *path) if (key, *path) in data.where else (
            data.position_of(key, *path))
        problems.append(error(CONFIG_FILE, line or 1, message, hint, column))

    problems += _check_keys(data, report)
    for key in ("title", "organization", "tagline", "description", "intro", "banner", "footer",
                "language", "timezone"):
        if not _blank(raw.get(key)):
            try:
                values[key] = read_text(raw[key])
            except FieldError as exc:
                report(key, f"{key}（{KNOWN_KEYS[key]}）{exc.args[0]}", exc.args[1])
    url = base_url or raw.get("base_url")
    if not _blank(url):
        values["base_url"] = _read_base_url(str(url), report)
        problems += _placeholder_address(values["base_url"], data if not base_url else None)
    problems += _placeholder_organization(values.get("organization", ""), data)
    if "timezone" in values:
        try:
            load_zone(values["timezone"])
        except DateError:
            report("timezone", f"timezone（时区）“{values.pop('timezone')}”不是已知的时区",
                   "写成 IANA 时区名，如 Asia/Shanghai")
    if "menu" in raw:
        values["menu"] = _read_menu(raw["menu"], report)
    _read_number(raw, "pagination", values, "pagination", report)
    feeds = _read_section(raw, "feeds", report)
    _read_number(feeds, "items", values, "feed_items", report, "feeds")
    values["markdown"] = _read_markdown(data, _read_section(raw, "markdown", report), problems)
    values["slugs"] = _read_slugs(_read_section(raw, "slugs", report), report)
    if raw.get("extensions") is not None:
        try:
            values["extensions"] = read_list(raw["extensions"])
        except FieldError as exc:
            report("extensions", f"extensions（扩展）{exc.args[0]}", exc.args[1])
    _read_share(_read_section(raw, "share", report), values, report)
    events = _read_section(raw, "events", report)
    if events.get("duration") is not None:
        try:
            values["event_duration"] = parse_duration(events["duration"])
        except DateError as exc:
            report("events", f"events.duration（活动时长）{exc}", "写成 2h、1.5h、90m 或 2小时", "duration")
    bulletin = _read_section(raw, "bulletin", report)
    for key in ("name", "issuer"):
        if bulletin.get(key):
            try:
                values[f"bulletin_{key}"] = read_text(bulletin[key])
            except FieldError as exc:
                report("bulletin", f"bulletin.{key}{exc.args[0]}", exc.args[1], key)
    _read_number(bulletin, "copies", values, "bulletin_copies", report, "bulletin")
    values["lines"] = {str(key): data.line_of(key) for key in raw}
    values["access_logs"] = _read_stats(data, _read_section(raw, "stats", report), report, problems)
    values["lines"].update({f"stats.access_logs.{i}": data.line_of("stats", "access_logs", i)
                            for i in range(len(values["access_logs"] or ()))})
    if any(p.is_error for p in problems):
        return replace(STAND_IN, **{k: v for k, v in values.items() if v is not None}), problems
    return Config(**{k: v for k, v in values.items() if v is not None}), problems


def _blank(value) -> bool:
    """Whether a setting is as good as not written: nothing, spaces, an empty list or mapping."""
    return value is None or value in ("", [], {}) or (isinstance(value, str) and not value.strip())


def _check_keys(data: YamlValue, report) -> list[Problem]:
    """Warn about unknown keys; report missing required ones (a misspelt one, once, at the misspelling)."""
    raw, problems = data.value, []
    missing = [key for key in REQUIRED if _blank(raw.get(key))]
    for key in raw:
        if key in KNOWN_KEYS:
            continue
        near = next(iter(difflib.get_close_matches(key, list(KNOWN_KEYS), n=1, cutoff=0.6)), None)
        line, column = data.position_of(key)
        if near in missing:
            # One mistake, one line: the misspelt key is why the required one is missing.
            missing.remove(near)
            problems.append(error(CONFIG_FILE, line,
                                  f"不认识的配置项“{key}”，而必填项 {near}（{KNOWN_KEYS[near]}）没有写",
                                  f"是不是把 {near} 写成了 {key}？改成“{near}: …”", column))
            continue
        hint = f"是不是想写 {near}？" if near else "可用的键：" + "、".join(KNOWN_KEYS)
        problems.append(warning(CONFIG_FILE, line, f"不认识的配置项“{key}”，已忽略", hint, column))
    for key in missing:
        if key in raw:
            report(key, f"必填项 {key}（{KNOWN_KEYS[key]}）是空的", f"在“{key}:”后面写上{KNOWN_KEYS[key]}")
        else:
            report(key, f"缺少必填项 {key}（{KNOWN_KEYS[key]}）", f"在 site.yaml 中加上一行“{key}: …”")
    return problems


def _read_stats(data: YamlValue, section: dict, report, problems: list[Problem]) -> tuple[str, ...] | None:
    """Read `stats:`, the access logs page views are counted from (file names or globs)."""
    for key in section:
        if key not in STATS_KEYS:
            line, column = data.position_of("stats", key)
            near = difflib.get_close_matches(str(key), list(STATS_KEYS), n=1, cutoff=0.6)
            hint = f"是不是想写 {near[0]}？" if near else "可用的键：" + "、".join(STATS_KEYS)
            message = f"stats 下不认识的配置项“{key}”，已忽略"
            problems.append(warning(CONFIG_FILE, line, message, hint, column))
    if section.get("access_logs") is None:
        return None
    try:
        return read_list(section["access_logs"])
    except FieldError as exc:
        report("stats", f"stats.access_logs（访问日志）{exc.args[0]}",
               "写成文件名的列表，如 [/var/log/nginx/access.log*]，可以用 * 通配", "access_logs")
        return None


def _read_markdown(data: YamlValue, section: dict, problems: list[Problem]) -> MarkdownSettings:
    """Read `markdown:` (engine, extensions, their options, raw_html), its mistakes located in site.yaml."""
    settings, found = read_settings(section)
    for problem in found:
        path = ("markdown", *problem.path)
        line, column = data.value_position(*path) if path in data.where else data.position_of(*path)
        make = error if problem.is_error else warning
        problems.append(make(CONFIG_FILE, line or 1, problem.message, problem.hint, column))
    return settings


def _read_base_url(url: str, report) -> str | None:
    """Check that base_url is absolute http(s) with a usable host and port; end it with a slash."""
    hint = "写成 http:// 或 https:// 开头的地址，如 http://192.168.1.10/zt/cxcy/"
    try:
        parts = urlsplit(url)
        parts.port  # raises ValueError for a port out of range  # noqa: B018
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        report("base_url", f"base_url“{url}”不是完整的网址", hint)
        return None
    if any(c.isspace() or ord(c) < 32 for c in url) or not re.fullmatch(r"[\w.:\[\]-]+", parts.hostname):
        report("base_url", f"base_url“{url}”里的主机名不对（不能有空格和符号）", hint)
        return None
    return url if url.endswith("/") else url + "/"


# The example addresses (RFC 2606) cxsite's skeleton and documentation use; never a real site's.
_PLACEHOLDER_DOMAINS = ("example.org", "example.com", "example.net", "example")
PLACEHOLDER_ORGANIZATIONS = ("本单位",)  # the skeleton's
PLACEHOLDER_SETTING = "placeholder-setting"  # the problems' code: a warning in a build, an error in check


def is_placeholder_host(host: str) -> bool:
    """Whether a host name is an example address (example.org, intranet.example.org, …)."""
    host = host.lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in _PLACEHOLDER_DOMAINS)


def _placeholder_address(url: str | None, data: YamlValue | None) -> list[Problem]:
    """Warn (once) while base_url is still an example address; `data` locates it in site.yaml."""
    if not url or not is_placeholder_host(urlsplit(url).hostname or ""):
        return []
    message = (f"base_url 还是示例地址 {url}：订阅源、日历、网站地图和 404 页面里的完整地址都指向它，"
               "读者用不了")
    hint = "写网站发布后的实际地址，如 http://192.168.1.10/zt/cxcy/"
    if data is None:  # given with --base-url
        return [warning("--base-url", None, message, hint, code=PLACEHOLDER_SETTING)]
    line, column = data.value_position("base_url")
    return [warning(CONFIG_FILE, line, message, f"在 site.yaml 里{hint}；地址还没定时，可以生成时临时加 "
                    "--base-url 实际地址", column, PLACEHOLDER_SETTING)]


def _placeholder_organization(organization: str, data: YamlValue) -> list[Problem]:
    """Warn while the organization is still the skeleton's 本单位 (calendar UIDs are made from it)."""
    if organization not in PLACEHOLDER_ORGANIZATIONS:
        return []
    line, column = data.value_position("organization")
    return [warning(CONFIG_FILE, line, f"organization（主办单位）还是示例文字“{organization}”",
                    "改成单位的全称，如 省林业规划院；它出现在页脚、订阅源和日历里", column,
                    PLACEHOLDER_SETTING)]


def _read_menu(value, report) -> tuple[MenuItem, ...] | None:
    """Read the menu: a list of {title, url}."""
    if not isinstance(value, list):
        report("menu", "menu（菜单）应是一个列表", "每项写成“- {title: 首页, url: /}”")
        return None
    items = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or not item.get("title") or not item.get("url"):
            report("menu", f"menu 第 {i + 1} 项应有 title 和 url", "写成“- {title: 首页, url: /}”", i)
            continue
        url = str(item["url"]).strip()
        if not _menu_url_ok(url):
            report("menu", f"menu 第 {i + 1} 项的网址“{url}”不能用",
                   "写成本站的路径（以 / 开头，如 /bulletins/），或 http:// 、https:// 开头的完整网址",
                   i, "url")
            continue
        items.append(MenuItem(str(item["title"]).strip(), url))
    return tuple(items)


def _menu_url_ok(url: str) -> bool:
    """Whether a menu URL is a path of the site or an http(s) address (nothing a browser would run)."""
    if any(ord(c) < 32 or c.isspace() for c in url):
        return False
    parts = urlsplit(url)
    if parts.scheme:
        return parts.scheme in ("http", "https") and bool(parts.netloc)
    return url.startswith("/") and not url.startswith("//")


def _read_section(raw: dict, key: str, report) -> dict:
    """Return a nested mapping of site.yaml, or {} after reporting a wrong shape."""
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        report(key, f"{key}（{KNOWN_KEYS[key]}）应是“键: 值”的形式", "在下一行缩进两个空格再写子项")
        return {}
    return value


def _read_number(raw: dict, key: str, values: dict, name: str, report, *parent) -> None:
    """Read a positive count from site.yaml into values[name]."""
    if raw.get(key) is None:
        return
    try:
        number = read_int(raw[key])
        if number <= 0:
            raise FieldError("应大于 0", "写一个正整数，如 10")
        values[name] = number
    except FieldError as exc:
        where = (*parent, key) if parent else (key,)
        label = KNOWN_KEYS.get(key, "") if not parent else _NESTED_LABELS.get(where, "")
        report(where[0], f"{'.'.join(where)}（{label}）{exc.args[0]}", exc.args[1], *where[1:])


def _read_share(section: dict, values: dict, report) -> None:
    """Read `share:` — `qr:` says where the QR code of a page's address shows."""
    for key in section:
        if key != "qr":
            report("share", f"share（分享设置）下不认识的键“{key}”", "可写的键：qr（扫码阅读的二维码）", key)
    if section.get("qr") is None:
        return
    place = section["qr"]
    if place is False:  # YAML reads a bare `no`/`off`/`false` as false: the writer meant none
        place = "none"
    if place not in QR_PLACES:
        choices = "；".join(f"{name}：{meaning}" for name, meaning in QR_PLACES.items())
        meant = _QR_WORDS.get(str(place).strip())
        guess = f"是不是 {meant}？" if meant else ""
        report("share", f"share.qr（二维码位置）不能是“{place}”", f"{guess}可选：{choices}", "qr")
        return
    values["share_qr"] = place


def _read_slugs(value: dict, report) -> dict:
    """Read explicit slugs for tags and categories, each a valid ASCII slug."""
    slugs = {}
    for name, slug in value.items():
        if not is_slug(str(slug)):
            report("slugs", f"“{name}”的网址名“{slug}”只能含小写字母、数字和连字符",
                   "例如 gong-zuo-dong-tai", name)
            continue
        slugs[str(name)] = str(slug)
    return slugs
