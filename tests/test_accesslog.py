"""Page views from the server's own logs: exactly the successful page views of this site, by people."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxsite.cli import cli
from cxsite.content.accesslog import expand_log_patterns, find_logs, is_crawler, page_url, read_access_logs

from support import FIXED_NOW, OWN, SITES, build_at, tree_bytes

BASE = "/zt/cxcy/"
CHROME = ("Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/50.0 Safari/537.36")
FIREFOX = "Mozilla/5.0 (Windows NT 6.1; rv:40.0) Gecko/20100101 Firefox/40.0"


def _combined(path: str, status: int = 200, agent: str = CHROME, method: str = "GET",
              host: str = "10.1.2.3") -> str:
    """One nginx "combined" line."""
    return (f'{host} - - [11/Oct/2010:13:55:36 +0800] "{method} {path} HTTP/1.1" {status} 2326 '
            f'"http://intranet.lyghy.internal/zt/cxcy/" "{agent}"')


NGINX = [
    _combined("/zt/cxcy/bulletins/3/index.html?from=mail"),  # /bulletins/3/
    _combined("/zt/cxcy/bulletins/3/", 304, FIREFOX),  # /bulletins/3/ (a revalidated visit)
    _combined("/zt/cxcy/", method="HEAD"),  # /
    _combined("/zt/cxcy//posts/x/index.html", agent='Mozilla/5.0 \\"quoted\\" (X11)'),  # /posts/x/
    _combined("/zt/cxcy/stats/?q=1"),  # /stats/
    _combined("http://intranet.lyghy.internal/zt/cxcy/bulletins/1/"),  # /bulletins/1/ (proxy form)
    '10.1.2.9 - - [12/Oct/2010:08:00:00 +0800] "GET /zt/cxcy/posts/x/ HTTP/1.0" 200 123',  # common: /posts/x/
    # crawlers and programs
    _combined("/zt/cxcy/bulletins/3/", agent="Mozilla/5.0 (compatible; Baiduspider/2.0; "
              "+http://www.baidu.com/search/spider.html)"),
    _combined("/zt/cxcy/posts/x/", agent="Mozilla/5.0 (compatible; Googlebot/2.1; "
              "+http://www.google.com/bot.html)"),
    _combined("/zt/cxcy/", agent="curl/7.68.0"),
    _combined("/zt/cxcy/", agent="-"),
    # not views
    _combined("/zt/cxcy/bulletins/9/", 404),
    _combined("/zt/cxcy", 301),
    _combined("/other/site/page/"),
    _combined("/zt/cxcyx/bulletins/1/"),  # another site whose path starts the same
    _combined("/zt/cxcy/search/", method="POST"),
    _combined("/zt/cxcy/css/site.css"),
    _combined("/zt/cxcy/feed.xml"),
    _combined("/zt/cxcy/img/banner.svg"),
    _combined("/zt/cxcy/bulletins/3/attachment.pdf"),
    '10.1.2.3 - - [11/Oct/2010:13:55:36 +0800] "-" 400 0 "-" "-"',  # a request the server could not read
    # unreadable
    "this is not a log line",
    '10.1.2.3 - - [11/Oct/2010:13:55:36 +0800] "GET /zt/cxcy/ HTTP/1.1"',  # cut short
    "",  # blank lines are not lines of the log
]
ROTATED = [  # access.log.1.gz
    _combined("/zt/cxcy/bulletins/1/index.html"),
    _combined("/zt/cxcy/bulletins/1/", 304),
    _combined("/zt/cxcy/bulletins/1/", agent="Mozilla/5.0 (compatible; bingbot/2.0)"),
]
IIS = [
    "#Software: Microsoft Internet Information Services 7.5",
    "#Version: 1.0",
    "#Date: 2010-10-11 00:00:00",
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
    "sc-status sc-substatus sc-win32-status time-taken",
    "2010-10-11 01:02:03 10.0.0.5 GET /zt/cxcy/bulletins/2/index.html from=mail 80 - 10.0.0.77 "
    "Mozilla/5.0+(Windows+NT+6.1;+Trident/7.0;+rv:11.0)+like+Gecko 200 0 0 15",  # /bulletins/2/
    "2010-10-11 01:02:04 10.0.0.5 GET /zt/cxcy/bulletins/2/ - 80 - 10.0.0.78 "
    "Mozilla/4.0+(compatible;+MSIE+8.0;+Windows+NT+5.1) 304 0 0 15",  # /bulletins/2/
    "2010-10-11 01:02:05 10.0.0.5 GET /zt/cxcy/bulletins/2/ - 80 - 10.0.0.79 "
    "Mozilla/5.0+(compatible;+Baiduspider-render/2.0) 200 0 0 15",  # crawler
    "2010-10-11 01:02:06 10.0.0.5 POST /zt/cxcy/bulletins/2/ - 80 - 10.0.0.79 Mozilla/5.0 200 0 0 15",
    "2010-10-11 01:02:07 10.0.0.5 GET /zt/cxcy/js/print.js - 80 - 10.0.0.79 Mozilla/5.0 200 0 0 15",
    "2010-10-11 01:02:08 10.0.0.5 GET /zt/cxcy/bulletins/8/ - 80 - 10.0.0.79 Mozilla/5.0 404 0 2 15",
    "a line with too few columns",  # unreadable
    "#Fields: date time cs-method cs-uri-stem sc-status cs(User-Agent)",  # the server changed its columns
    "2010-10-12 08:00:00 GET /zt/cxcy/ 200 Mozilla/5.0+(X11;+Linux)",  # /
]
EXPECTED = {"/": 2, "/bulletins/1/": 3, "/bulletins/2/": 2, "/bulletins/3/": 2, "/posts/x/": 2, "/stats/": 1}


@pytest.fixture
def logs(tmp_path):
    """The three logs: nginx plain, nginx rotated and gzipped, IIS W3C (CRLF, as IIS writes)."""
    plain = tmp_path / "access.log"
    plain.write_text("\n".join(NGINX) + "\n", "utf-8")
    rotated = tmp_path / "access.log.1.gz"
    rotated.write_bytes(gzip.compress(("\n".join(ROTATED) + "\n").encode("utf-8"), mtime=0))
    iis = tmp_path / "u_ex101011.log"
    iis.write_bytes(("\r\n".join(IIS) + "\r\n").encode("utf-8"))
    return [plain, rotated, iis]


def test_counts_exactly_the_views_of_pages_by_people(logs):
    counts = read_access_logs(logs, BASE)
    assert dict(counts.views) == EXPECTED
    assert list(counts.views) == sorted(EXPECTED)
    assert counts.counted == sum(EXPECTED.values())
    assert counts.crawlers == 4 + 1 + 1
    assert counts.skipped_lines == 2 + 1
    assert counts.lines == (len(NGINX) - 1) + len(ROTATED) + sum(not line.startswith("#") for line in IIS)
    assert (counts.first_day, counts.last_day) == ("2010-10-11", "2010-10-12")


def test_unreadable_lines_are_reported_per_file_not_fatal(logs):
    counts = read_access_logs(logs, BASE)
    assert [(p.path, p.line, p.is_error) for p in counts.problems] == [
        (str(logs[0]), NGINX.index("this is not a log line") + 1, False),
        (str(logs[2]), IIS.index("a line with too few columns") + 1, False)]
    assert "2 行无法识别" in counts.problems[0].message


def test_a_missing_log_is_a_chinese_error_and_the_others_still_count(logs, tmp_path):
    counts = read_access_logs([tmp_path / "nope.log", *logs], BASE)
    assert dict(counts.views) == EXPECTED
    missing = [p for p in counts.problems if p.is_error]
    assert len(missing) == 1 and missing[0].path == str(tmp_path / "nope.log")
    assert "找不到访问日志文件" in missing[0].format()


def test_a_damaged_gzip_keeps_what_was_read(tmp_path):
    lines = [_combined("/zt/cxcy/bulletins/1/")] * 2000
    data = gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0)
    cut = tmp_path / "cut.log.gz"
    cut.write_bytes(data[: len(data) // 2])
    counts = read_access_logs([cut], BASE)
    assert [p.is_error for p in counts.problems] == [False]
    assert 0 <= counts.views.get("/bulletins/1/", 0) < 2000


def test_nothing_about_visitors_is_kept(logs):
    kept = repr(read_access_logs(logs, BASE))
    for personal in ("10.1.2.3", "10.0.0.77", "Mozilla", "Chrome", "http://intranet", "from=mail", "q=1"):
        assert personal not in kept


def test_a_site_at_the_root(logs):
    counts = read_access_logs(logs, "/")
    assert counts.views["/zt/cxcy/bulletins/3/"] == 2
    assert counts.views["/other/site/page/"] == 1


@pytest.mark.parametrize(("target", "url"), [
    ("/zt/cxcy/", "/"), ("/zt/cxcy", "/"), ("/zt/cxcy/index.html", "/"),
    ("/zt/cxcy/bulletins/3/index.html?x=1", "/bulletins/3/"), ("/zt/cxcy/bulletins/3/#top", "/bulletins/3/"),
    ("/zt/cxcy/404.html", "/404.html"), ("/zt/cxcy///bulletins//3/", "/bulletins/3/"),
    ("/zt/cxcy/css/site.css", None), ("/zt/cxcy/events.ics", None), ("/zt/cxcy/bulletins/3", None),
    ("/zt/cxcyx/", None), ("/zt/", None), ("*", None),
])
def test_page_url(target, url):
    assert page_url(target, BASE) == url


@pytest.mark.parametrize(("agent", "crawler"), [
    (CHROME, False), (FIREFOX, False), ("Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 5.1)", False),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 13_2 like Mac OS X) Mobile/15E148 MicroMessenger/7.0", False),
    ("Baiduspider+(+http://www.baidu.com/search/spider.htm)", True), ("Sogou web spider/4.0", True),
    ("Mozilla/5.0 (compatible; bingbot/2.0)", True), ("Mozilla/5.0 (compatible; Yahoo! Slurp)", True),
    ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; BingPreview/1.0b)", True),
    ("Wget/1.20.3 (linux-gnu)", True), ("curl/7.68.0", True), ("python-requests/2.31", True),
    ("Mozilla/5.0 HeadlessChrome/120.0", True), ("-", True), ("", True),
])
def test_is_crawler(agent, crawler):
    assert is_crawler(agent) is crawler


def test_log_patterns_expand_and_a_pattern_matching_nothing_is_an_error(logs, tmp_path):
    paths, problems = expand_log_patterns(["access.log*", "u_ex*.log", "access.log"], tmp_path)
    assert paths == [logs[0], logs[1], logs[2]] and problems == []
    paths, problems = expand_log_patterns(["logs/*.log"], tmp_path)
    assert paths == [] and [p.is_error for p in problems] == [True]


def test_logs_named_on_the_command_line_must_exist_and_patterns_must_match(logs, tmp_path):
    paths, problems = find_logs([logs[2], tmp_path / "nope.log"], ["access.log*"], tmp_path, [7])
    assert paths == (logs[2], logs[0], logs[1])
    assert [(p.path, p.line, p.is_error) for p in problems] == [(str(tmp_path / "nope.log"), None, True)]
    _, problems = find_logs([], ["logs/*.log"], tmp_path, [7])
    assert [(p.path, p.line) for p in problems] == [("site.yaml", 7)]
    assert "访问日志“logs/*.log”没有对应的文件" in problems[0].format()


# --- the views in a build of tests/sites/stats (served at /zt/cxcy/) ---------------------------------

STATS = SITES / "stats"
SHOWN = [_combined("/zt/cxcy/bulletins/1/")] * 7 + [_combined("/zt/cxcy/posts/2010-09-20-lao/")] * 3 + [
    _combined("/zt/cxcy/bulletins/2/", agent="Baiduspider")] * 50 + [_combined("/zt/cxcy/", 404)] * 9 + [
    "garbage"]


def _page(out: Path, url: str) -> str:
    return (out / url.strip("/") / "index.html").read_text("utf-8")


def _site_with_log(tmp_path: Path, lines: list[str]) -> tuple[Path, Path]:
    """A copy of the stats site with a log beside it (logs/access.log); returns (root, log)."""
    root = tmp_path / "site"
    shutil.copytree(STATS, root)
    log = root / "logs" / "access.log"
    log.parent.mkdir()
    log.write_text("\n".join(lines) + "\n", "utf-8")
    return root, log


def test_views_reach_the_pages_that_show_them(tmp_path):
    root, log = _site_with_log(tmp_path, SHOWN)
    out = tmp_path / "public"
    result = build_at(root, out, access_logs=(log,))
    assert result.ok, [p.format() for p in result.problems]
    assert (result.access.counted, result.access.crawlers, result.access.skipped_lines) == (10, 50, 1)
    assert [p.message for p in result.problems] == ["访问日志中有 1 行无法识别，已跳过"]
    assert "浏览次数 7" in _page(out, "/bulletins/1/")
    assert "浏览次数 3" in _page(out, "/posts/2010-09-20-lao/")
    assert "浏览次数" not in _page(out, "/bulletins/2/")  # crawlers only: no views
    stats = _page(out, "/stats/")
    assert "阅读排行" in stats
    span = '<span class="date">2010-10-11</span>'
    assert f"{span}至{span}，专题网页共被浏览<strong>10</strong>次" in stats
    ranking = stats[stats.index('id="chart-reading"'):]
    assert ranking.index("召开动员大会（第1期）") < ranking.index("老同志献计献策")
    published = "".join(data.decode("utf-8", "replace") for data in tree_bytes(out).values())
    # (the logged referer is http://intranet…; the site's own links are https)
    for personal in ("10.1.2.3", "Mozilla", "Chrome", "http://intranet", "Baiduspider"):
        assert personal not in published


def test_without_logs_nothing_about_views_appears(tmp_path):
    out = tmp_path / "public"
    result = build_at(STATS, out)
    assert result.ok and result.access is None
    for url in ("/stats/", "/bulletins/1/", "/posts/2010-09-20-lao/", "/"):
        html = _page(out, url)
        assert "浏览" not in html and "阅读排行" not in html, url


def _mtimes(out: Path) -> dict[str, int]:
    """When each file of the site was written (cxsite's own manifest left out)."""
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*")
            if p.is_file() and p.name != OWN}


def test_a_changed_count_makes_only_the_page_showing_it_and_the_ranking_again(tmp_path):
    root, log = _site_with_log(tmp_path, SHOWN)
    out = tmp_path / "public"
    first = build_at(root, out, access_logs=(log,), jobs=1)
    assert first.ok
    assert build_at(root, out, access_logs=(log,), jobs=1).rendered == 0  # the same log: nothing to do
    before = _mtimes(out)
    with log.open("a", encoding="utf-8") as stream:
        stream.write(_combined("/zt/cxcy/bulletins/1/index.html") + "\n")
    again = build_at(root, out, access_logs=(log,), jobs=1)
    assert again.ok and again.rendered == 2
    changed = {path for path, stamp in _mtimes(out).items() if before.get(path) != stamp}
    assert changed == {"bulletins/1/index.html", "stats/index.html"}
    assert "浏览次数 8" in _page(out, "/bulletins/1/")
    # A view of a page that shows no count changes only the statistics' total.
    with log.open("a", encoding="utf-8") as stream:
        stream.write(_combined("/zt/cxcy/events/") + "\n")
    assert build_at(root, out, access_logs=(log,), jobs=1).rendered == 1
    assert "共被浏览<strong>12</strong>次" in _page(out, "/stats/")


def test_site_yaml_names_the_logs_with_patterns(tmp_path):
    root, log = _site_with_log(tmp_path, SHOWN)
    rotated = log.with_name("access.log.1.gz")
    rotated.write_bytes(gzip.compress((_combined("/zt/cxcy/bulletins/1/") + "\n").encode(), mtime=0))
    config = root / "site.yaml"
    config.write_text(config.read_text("utf-8") + "stats:\n  access_logs: [logs/access.log*]\n", "utf-8")
    out = tmp_path / "public"
    result = build_at(root, out)
    assert result.ok and result.access.counted == 11
    assert "浏览次数 8" in _page(out, "/bulletins/1/")


ENV = {"SOURCE_DATE_EPOCH": str(int(FIXED_NOW.timestamp())), "CXSITE_DEBUG": None}


def _cxsite(*args) -> object:
    return CliRunner(env=ENV).invoke(cli, [str(a) for a in args], prog_name="cxsite")


def test_cli_counts_views_and_says_so(tmp_path):
    root, log = _site_with_log(tmp_path, SHOWN)
    result = _cxsite("build", "--root", root, "--access-log", log, "--access-log", log)
    assert result.exit_code == 0, result.output
    assert "访问日志：70 行，计入浏览 10 次，搜索引擎和程序的访问 50 次不计，无法识别 1 行。" in result.stdout
    assert f"{log}:70: 警告：访问日志中有 1 行无法识别，已跳过" in result.stderr


def test_a_missing_log_stops_the_build_and_leaves_the_output_untouched(tmp_path):
    root, log = _site_with_log(tmp_path, SHOWN)
    assert _cxsite("build", "--root", root).exit_code == 0
    before = tree_bytes(root / "public")
    result = _cxsite("build", "--root", root, "--access-log", log, "--access-log", root / "nope.log")
    assert result.exit_code == 1
    missing = f"{root / 'nope.log'}: 错误：找不到访问日志文件\n    提示：检查 --access-log 后面写的路径"
    assert missing in result.stderr
    assert "生成失败，输出文件夹保持不变。" in result.stderr
    assert tree_bytes(root / "public") == before


def test_a_pattern_matching_nothing_is_located_in_site_yaml(tmp_path):
    root, _ = _site_with_log(tmp_path, SHOWN)
    config = root / "site.yaml"
    text = config.read_text("utf-8") + "stats:\n  access_logs:\n    - logs/access.log\n    - logs/u_ex*.log\n"
    config.write_text(text, "utf-8")
    result = _cxsite("build", "--root", root)
    assert result.exit_code == 1
    line = text.splitlines().index("    - logs/u_ex*.log") + 1
    assert f"site.yaml:{line}: 错误：访问日志“logs/u_ex*.log”没有对应的文件" in result.stderr
    assert not (root / "public").exists()


def test_a_layout_reading_all_views_stays_incremental(tmp_path):
    # A site's own layout may read the whole mapping: it is recorded (and digested) like any field.
    root, log = _site_with_log(tmp_path, SHOWN)
    (root / "layouts" / "partials").mkdir(parents=True)
    (root / "layouts" / "partials" / "views.html").write_text(
        "<span>{{ count }} / {{ site.views|length }} 页</span>\n", "utf-8")
    out = tmp_path / "public"
    assert build_at(root, out, access_logs=(log,), jobs=1).ok
    assert "<span>7 / 2 页</span>" in _page(out, "/bulletins/1/")
    assert build_at(root, out, access_logs=(log,), jobs=1).rendered == 0
    with log.open("a", encoding="utf-8") as stream:
        stream.write(_combined("/zt/cxcy/events/") + "\n")
    again = build_at(root, out, access_logs=(log,), jobs=1)
    assert "<span>7 / 3 页</span>" in _page(out, "/bulletins/1/")
    assert again.rendered == 3 + 3 + 1  # the bulletins and posts read the whole mapping, and /stats/
