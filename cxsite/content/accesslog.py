"""Page views counted from the intranet web server's own access logs.

Reads nginx/Apache "combined" (or "common") logs and IIS W3C extended logs,
plain or gzip-compressed, one line at a time (a log of millions of lines is
never held in memory). A view is a successful GET or HEAD (status 200 or 304)
of a page of this site: a path under base_url's path that ends in `/` or
`.html`, with `index.html`, the query string and repeated slashes folded away,
so `/zt/cxcy/bulletins/3/index.html?from=mail` counts for `/bulletins/3/`.
Stylesheets, scripts, images, feeds, calendars and attachments are not pages.

Requests from crawlers and programs are left out by their user agent (see
CRAWLER_MARKS); a request without a user agent ("-") is a program too. A log
without a user-agent column (Apache "common") cannot tell them apart: all its
requests count.

Nothing about a visitor is kept: a line gives a path and a count and is then
forgotten; addresses, user names, referrers and agents never leave this module.
"""

from __future__ import annotations

import glob
import gzip
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cxsite.problem import Problem, error, warning

COUNTED_METHODS = frozenset({"GET", "HEAD"})
COUNTED_STATUSES = frozenset({"200", "304"})
# Lower-case pieces of user agents that mark crawlers, link checkers, monitors and
# command-line programs. "bot" covers Googlebot, bingbot, YandexBot, PetalBot,
# Bytespider's kin…; it also catches the rare phone named "Cubot": the list errs
# on the side of leaving a request out.
CRAWLER_MARKS = (
    "bot", "spider", "crawl", "slurp", "sogou", "bingpreview",  # "spider": Baiduspider, 360Spider…
    "facebookexternalhit", "headlesschrome", "phantomjs", "python-requests", "python-urllib",
    "python-httpx", "aiohttp", "curl/", "wget/", "libwww", "lwp-", "java/", "okhttp", "go-http-client",
    "apache-httpclient", "httpclient", "scrapy", "nutch", "heritrix", "archive.org", "feedfetcher",
    "monitor", "pingdom", "uptime", "check_http", "nagios", "zabbix", "prometheus", "linkchecker",
    "w3c_validator", "lighthouse", "powershell",
)
_CRAWLER = re.compile("|".join(re.escape(mark) for mark in CRAWLER_MARKS))
# host ident user [time] "request" status size ["referer" "agent"]; quotes inside fields
# are escaped (nginx: \x22, Apache: \").
_QUOTED = r'[^"\\]*(?:\\.[^"\\]*)*'  # "unrolled" so a long agent is matched without backtracking
_COMBINED = re.compile(
    rf'^\S+ \S+ [^\[]*\[(?P<day>[^:\]]*)[^\]]*\] "(?P<request>{_QUOTED})" (?P<status>\d{{3}}) \S+'
    rf'(?: "{_QUOTED}" "(?P<agent>{_QUOTED})")?')
_SLASHES = re.compile(r"/{2,}")
_MONTHS = {name: i for i, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class AccessCounts:
    """Views per site URL (e.g. /bulletins/3/) and what reading the logs met."""

    views: Mapping[str, int]  # site URL -> views, sorted by URL
    lines: int  # lines read (W3C directives and blank lines not included)
    counted: int  # lines that counted as a view
    skipped_lines: int  # lines that could not be read as a request
    crawlers: int  # successful page requests left out for their user agent
    problems: tuple[Problem, ...] = ()
    first_day: str = ""  # first and last day of the counted views, 2010-07-01
    last_day: str = ""


@dataclass
class _Tally:
    """Running counts while the logs are read (one per call, never shared)."""

    base: str
    views: Counter = field(default_factory=Counter)
    lines: int = 0
    counted: int = 0
    skipped: int = 0
    crawlers: int = 0
    days: set = field(default_factory=set)  # days as logged; made ISO once at the end
    agents: dict = field(default_factory=dict)  # agent -> crawler?, for the few thousand a log repeats

    def request(self, method: str, target: str, status: str, agent: str | None, day: str) -> None:
        """Count one well-formed request if it is a successful view of a page of the site."""
        if method not in COUNTED_METHODS or status not in COUNTED_STATUSES:
            return
        url = page_url(target, self.base)
        if url is None:
            return
        if agent is not None and self.is_crawler(agent):
            self.crawlers += 1
            return
        self.views[url] += 1
        self.counted += 1
        if day:
            self.days.add(day)

    def is_crawler(self, agent: str) -> bool:
        """is_crawler, remembered for agents seen before (bounded: agents are not kept beyond need)."""
        known = self.agents.get(agent)
        if known is None:
            known = is_crawler(agent)
            if len(self.agents) < 10_000:
                self.agents[agent] = known
        return known


def read_access_logs(paths: Iterable[str | Path], base_path: str) -> AccessCounts:
    """Count page views in the given log files for a site served under base_path (e.g. /zt/cxcy/).

    A file that does not exist or cannot be opened is an error Problem; lines
    that are not requests are counted in skipped_lines and reported once per
    file as a warning. Nothing is raised.
    """
    tally = _Tally(base="/" + base_path.strip("/") + "/" if base_path.strip("/") else "/")
    problems: list[Problem] = []
    for path in paths:
        problems += _read_file(Path(path), tally)
    days = sorted(filter(None, map(_iso_day, tally.days)))
    return AccessCounts(
        views=dict(sorted(tally.views.items())), lines=tally.lines, counted=tally.counted,
        skipped_lines=tally.skipped, crawlers=tally.crawlers, problems=tuple(problems),
        first_day=days[0] if days else "", last_day=days[-1] if days else "")


def find_logs(named: Sequence[Path], patterns: Sequence[str], root: Path,
              lines: Sequence[int | None] = ()) -> tuple[tuple[Path, ...], list[Problem]]:
    """The log files of a build: those named on the command line, then site.yaml's patterns expanded.

    Checked before anything is read or written, so a misspelt log stops the
    build with the output untouched. A file named twice is read once.
    """
    named = list(dict.fromkeys(named))
    problems = [_missing(path, "检查 --access-log 后面写的路径") for path in named if not path.is_file()]
    found, more = expand_log_patterns(patterns, root, lines)
    paths = [p for p in named if p.is_file()]
    paths += [p for p in found if p not in paths]
    return tuple(paths), problems + more


def _missing(path: Path, hint: str) -> Problem:
    """A log file that is not there."""
    return error(str(path), None, "找不到访问日志文件", hint, code="access-log-missing")


def expand_log_patterns(patterns: Sequence[str], root: Path,
                        lines: Sequence[int | None] = ()) -> tuple[list[Path], list[Problem]]:
    """Expand site.yaml's `stats: access_logs` globs (relative to the site folder), sorted.

    A pattern that matches nothing is an error at its line of site.yaml (`lines`,
    one per pattern): a misspelt path would otherwise silently show no views.
    """
    paths: list[Path] = []
    seen: set[Path] = set()
    problems: list[Problem] = []
    for number, pattern in enumerate(patterns):
        full = Path(pattern) if Path(pattern).is_absolute() else root / pattern
        found = sorted(Path(p) for p in glob.glob(str(full)) if Path(p).is_file())
        if not found:
            line = lines[number] if number < len(lines) else None
            problems.append(error("site.yaml", line, f"访问日志“{pattern}”没有对应的文件",
                                  "检查 stats: access_logs 里的路径；相对路径从网站文件夹算起，"
                                  "可以用 * 通配", code="access-log-missing"))
        paths += [p for p in found if p not in seen]
        seen.update(found)
    return paths, problems


def page_url(target: str, base: str) -> str | None:
    """The site URL a request target names, or None if it is not a page of this site.

    `base` is the site's path with slashes at both ends (/zt/cxcy/ or /).
    """
    path = target.split("?", 1)[0].split("#", 1)[0]
    if path.startswith(("http://", "https://")):  # a proxy-style request line names the host
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    path = _SLASHES.sub("/", path)
    if path + "/" == base:
        path = base
    if not path.startswith(base):
        return None
    url = "/" + path[len(base):]
    if url.endswith("/index.html"):
        url = url[: -len("index.html")]
    elif not (url.endswith("/") or url.endswith(".html")):
        return None  # an asset, a feed, an attachment: not a page
    return url


def is_crawler(agent: str) -> bool:
    """Whether a user agent is a crawler or a program rather than a person's browser."""
    agent = agent.strip().lower()
    return agent in ("", "-") or _CRAWLER.search(agent) is not None


def _read_file(path: Path, tally: _Tally) -> list[Problem]:
    """Count one log file into the tally; return its problems."""
    shown = str(path)
    try:
        with path.open("rb") as raw:
            compressed = raw.read(2) == _GZIP_MAGIC
    except FileNotFoundError:
        return [_missing(path, "检查 --access-log 或 site.yaml 里 stats: access_logs 写的路径")]
    except OSError as exc:
        return [error(shown, None, f"无法读取访问日志文件（{exc.strerror or exc}）",
                      "检查文件是否被占用，当前用户有没有读取权限", code="access-log-unreadable")]
    skipped_before = tally.skipped
    first_bad: list[int] = []
    problems: list[Problem] = []
    try:
        with _open_text(path, compressed) as lines:
            _read_lines(lines, tally, first_bad)
    except (OSError, EOFError, zlib.error) as exc:  # a truncated or damaged .gz: keep what was read
        problems.append(warning(shown, None, f"访问日志文件不完整或已损坏，只读取了前面的部分（{exc}）",
                                "如果是正在写入的压缩日志，可以等它写完后再构建", code="access-log-damaged"))
    skipped = tally.skipped - skipped_before
    if skipped:
        problems.append(warning(shown, first_bad[0] if first_bad else None,
                                f"访问日志中有 {skipped} 行无法识别，已跳过",
                                "支持 nginx/Apache 的 combined 格式和 IIS 的 W3C 格式",
                                code="access-log-lines"))
    return problems


def _open_text(path: Path, compressed: bool):
    """Open a log as text lines; bytes that are not UTF-8 become U+FFFD rather than an error."""
    if compressed:
        return gzip.open(path, mode="rt", encoding="utf-8", errors="replace", newline="")
    return path.open("r", encoding="utf-8", errors="replace", newline="")


def _read_lines(lines: Iterator[str], tally: _Tally, first_bad: list[int]) -> None:
    """Read each line as combined or, after a #Fields directive, as W3C extended."""
    fields: dict[str, int] | None = None
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        if line.startswith("#"):
            if line.startswith("#Fields:"):
                fields = {name: i for i, name in enumerate(line[len("#Fields:"):].split())}
            continue  # other W3C directives: #Software, #Version, #Date
        tally.lines += 1
        ok = _read_w3c(line, fields, tally) if fields is not None else _read_combined(line, tally)
        if not ok:
            tally.skipped += 1
            if not first_bad:
                first_bad.append(number)


def _read_combined(line: str, tally: _Tally) -> bool:
    """Count a combined/common line; return False if the line is not one."""
    match = _COMBINED.match(line)
    if match is None:
        return False
    parts = match["request"].split()
    if len(parts) not in (2, 3):
        return True  # a request the server could not read either (logged as "-"): a line, not a view
    agent = match["agent"]
    tally.request(parts[0], parts[1], match["status"], None if agent is None else _unescape(agent),
                  match["day"])
    return True


def _read_w3c(line: str, fields: Mapping[str, int], tally: _Tally) -> bool:
    """Count a W3C extended line by the columns of the last #Fields; False if it does not fit them."""
    values = line.split()
    if len(values) != len(fields) or "cs-uri-stem" not in fields or "sc-status" not in fields:
        return False
    status = values[fields["sc-status"]]
    if not (len(status) == 3 and status.isdigit()):
        return False
    method = values[fields["cs-method"]] if "cs-method" in fields else "GET"
    # IIS writes a space in the agent as "+"; a missing value is "-".
    agent = values[fields["cs(User-Agent)"]].replace("+", " ") if "cs(User-Agent)" in fields else None
    day = values[fields["date"]] if "date" in fields else ""
    tally.request(method, values[fields["cs-uri-stem"]], status, agent, day)
    return True


def _iso_day(day: str) -> str:
    """A logged day as 2010-10-10: from combined's 10/Oct/2010 or W3C's 2010-10-10; "" if neither."""
    if len(day) == 10 and day[4] == "-" and day[7] == "-" and day.replace("-", "").isdigit():
        return day
    number, _, rest = day.partition("/")
    month, _, year = rest.partition("/")
    if not (number.isdigit() and year.isdigit() and len(year) == 4 and month in _MONTHS):
        return ""
    return f"{year}-{_MONTHS[month]:02d}-{int(number):02d}"


def _unescape(agent: str) -> str:
    """Undo the escaping of quotes in a logged user agent (enough to match crawler marks)."""
    return agent.replace('\\"', '"').replace("\\x22", '"')
