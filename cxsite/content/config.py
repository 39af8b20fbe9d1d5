"""The site's configuration, read from site.yaml with defaults for everything optional."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from cxsite.content.dates import DateError, load_zone
from cxsite.content.engines import MarkdownSettings, read_settings
from cxsite.content.project import CONFIG_FILE
from cxsite.content.schema import FieldError, read_int, read_list, read_text
from cxsite.content.slug import is_slug
from cxsite.content.syntax import YamlValue, decode_source, parse_yaml
from cxsite.problem import Problem, error, warning

REQUIRED = ("title", "organization", "base_url")
_NESTED_LABELS = {("feeds", "items"): "订阅源条数"}

DEFAULT_MENU = (
    ("首页", "/"), ("活动简报", "/bulletins/"), ("工作动态", "/posts/"), ("活动安排", "/events/"),
    ("党支部", "/branches/"), ("荣誉榜", "/honors/"), ("归档", "/archive/"),
)

KNOWN_KEYS = {
    "title": "网站标题", "tagline": "口号", "organization": "主办单位", "description": "简介",
    "base_url": "网址", "language": "语言", "timezone": "时区", "intro": "首页导语",
    "banner": "横幅图片", "menu": "菜单", "pagination": "每页条数", "feeds": "订阅设置",
    "markdown": "Markdown 设置", "slugs": "网址名", "footer": "页脚", "bulletin": "简报版头",
    "extensions": "扩展", "share": "分享设置",
}
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
    extensions: tuple[str, ...] = ()  # Python modules (files under the site, or installed) that register more
    share_qr: str = "screen"  # where the 手机扫码阅读 QR code shows: one of QR_PLACES
    lines: dict = field(default_factory=dict, compare=False)  # top-level key -> its line in site.yaml

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
        if raw.get(key) not in (None, ""):
            try:
                values[key] = read_text(raw[key])
            except FieldError as exc:
                report(key, f"{key}（{KNOWN_KEYS[key]}）{exc.args[0]}", exc.args[1])
    url = base_url or raw.get("base_url")
    if url:
        values["base_url"] = _read_base_url(str(url), report)
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
    bulletin = _read_section(raw, "bulletin", report)
    for key in ("name", "issuer"):
        if bulletin.get(key):
            values[f"bulletin_{key}"] = str(bulletin[key])
    values["lines"] = {str(key): data.line_of(key) for key in raw}
    if any(p.is_error for p in problems):
        return replace(STAND_IN, **{k: v for k, v in values.items() if v is not None}), problems
    return Config(**{k: v for k, v in values.items() if v is not None}), problems


def _check_keys(data: YamlValue, report) -> list[Problem]:
    """Warn about unknown keys; report missing required ones (a misspelt one, once, at the misspelling)."""
    raw, problems = data.value, []
    missing = [key for key in REQUIRED if raw.get(key) in (None, "")]
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
        report(key, f"缺少必填项 {key}（{KNOWN_KEYS[key]}）", f"在 site.yaml 中加上一行“{key}: …”")
    return problems


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
    """Check that base_url is absolute http(s) and end it with a slash."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        report("base_url", f"base_url“{url}”不是完整的网址",
               "写成 http:// 或 https:// 开头的地址，如 https://intranet.example.org/zt/cxcy/")
        return None
    return url if url.endswith("/") else url + "/"


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
        items.append(MenuItem(str(item["title"]), str(item["url"])))
    return tuple(items)


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
