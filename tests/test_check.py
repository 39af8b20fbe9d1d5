"""`cxsite check`: all validation, the rendered link check and the intranet doctor, publishing nothing."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxsite.check.linkcheck import links_of, resolve
from cxsite.cli import cli
from cxsite.content.outside import examine

from support import REPO, build_at, tree_bytes

ENV = {"SOURCE_DATE_EPOCH": "1288584000"}
SITE = {
    "site.yaml": "title: 测试专题\norganization: 测试单位\nbase_url: https://intranet.lyghy.internal/zt/\n",
    "content/branches.yaml": "- id: houqin\n  name: 第一党支部\n",
    "content/bulletins/001.md": "---\ntitle: 开始\nissue: 1\ndate: 2010-07-20\n---\n\n## 小标题\n\n正文。\n",
}


def write_site(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write a site: {relative path: text or bytes}."""
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return root


def check(root: Path, *options):
    """Run `cxsite check` on a site; return the click result."""
    return CliRunner().invoke(cli, ["check", "-C", str(root), *options], env=ENV, catch_exceptions=False)


def copy_example(target: Path) -> Path:
    """Copy the example site's sources."""
    for name in ("site.yaml", "content", "static", "layouts"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        elif source.is_file():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target / name)
    return target


# --- the command ---------------------------------------------------------------------------------


def test_the_example_site_is_clean_and_check_writes_no_output(tmp_path):
    root = copy_example(tmp_path / "site")
    result = check(root)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    pages = build_at(root, tmp_path / "out", cache_dir=tmp_path / "cache", jobs=1).pages
    match = re.fullmatch(r"检查完成：(\d+) 个页面，(\d+) 个站内链接，没有发现错误。\n", result.stdout)
    assert match and int(match.group(1)) == pages and int(match.group(2)) > pages
    assert not (root / "public").exists()


def test_check_leaves_an_existing_output_folder_as_it_was(tmp_path):
    root = write_site(tmp_path / "site", {**SITE, "content/posts/p.md": "---\ntitle: 甲\n---\n"})
    build_at(root, root / "public", jobs=1)
    before = tree_bytes(root / "public")
    result = check(root)
    assert result.exit_code == 1
    assert tree_bytes(root / "public") == before


def test_json_lists_every_problem_for_machines(tmp_path):
    root = write_site(tmp_path / "site", {
        **SITE, "content/posts/p.md": "---\ntitle: 甲\ndate: 2010-07-21\ntittle: 乙\n---\n\n[坏](/nope/)\n"})
    result = check(root, "--format", "json")
    assert result.exit_code == 1
    assert result.stderr == ""
    assert json.loads(result.stdout) == [
        {"path": "content/posts/p.md", "line": 4, "column": 1, "severity": "warning",
         "message": "文章不认识的键“tittle”，已忽略", "hint": "是不是想写 title（标题）？", "code": ""},
        {"path": "content/posts/p.md", "line": 7, "column": None, "severity": "error",
         "message": "链接“/nope/”指向的文件不存在",
         "hint": "站内链接写成相对本文件的路径，如 ../pages/fang-an.md；"
                 "图片放在 static/ 下，写成 /img/图片.jpg",
         "code": "broken-link"},
    ]


def test_a_clean_site_gives_an_empty_json_list(tmp_path):
    result = check(write_site(tmp_path / "site", SITE), "--format", "json")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "[]\n", "")


def test_warnings_pass_unless_strict(tmp_path):
    root = write_site(tmp_path / "site", {**SITE, "content/bulletins/003.md":
                                          "---\ntitle: 三\nissue: 3\ndate: 2010-07-22\n---\n"})
    assert check(root).exit_code == 0
    strict = check(root, "--strict")
    assert strict.exit_code == 1
    assert strict.stderr.splitlines() == [
        "content/bulletins/003.md:3:8: 警告：简报期号不连续：第3期之前缺少第2期",
        "    提示：检查是否漏写或写错了 issue（期号）",
        "共 1 个警告",
        "检查未通过。",
    ]


# --- links in the rendered site ------------------------------------------------------------------


LAYOUT_WITH_BAD_LINKS = """{% extends "base.html" %}
{% block main %}
<a href="{{ url('/nope/') }}">不存在</a>
<a href="{{ url('/bulletins/#no-such-place') }}">锚点</a>
<a href="/elsewhere/">绝对路径</a>
{{ content(page.doc.body) }}
{% endblock %}
"""


def test_links_made_by_layouts_are_checked_and_located(tmp_path):
    page = (REPO / "cxsite/theme/layouts/page.html").read_text(encoding="utf-8")
    assert "{% block main %}" in page and "content(doc.body)" in page  # what the override replaces
    root = write_site(tmp_path / "site", {
        **SITE, "layouts/page.html": LAYOUT_WITH_BAD_LINKS,
        "content/pages/guanyu.md": "---\ntitle: 关于\n---\n\n见[小标题](../bulletins/001.md#小标题)和"
                                   "[没有的小标题](../bulletins/001.md#没有)。\n\n[本页](#不存在)\n"})
    result = check(root)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "content/pages/guanyu.md:5:61: 错误：页面 /guanyu/ 里的链接“../bulletins/1/#没有”"
        "指向的页面上没有“#没有”这个位置",
        "    提示：检查 # 后面的名称是否与目标页面上小标题的 id 一致",
        "content/pages/guanyu.md:7:6: 错误：页面 /guanyu/ 里的链接“#不存在”指向的页面上没有“#不存在”这个位置",
        "    提示：检查 # 后面的名称是否与目标页面上小标题的 id 一致",
        "layouts/page.html:3:18: 错误：页面 /guanyu/ 里的链接“../nope/”指向不存在的 /nope/",
        "    提示：检查这个链接的路径；站内链接请用 url('/路径/') 生成，图片放在 static/ 下",
        "layouts/page.html:4:18: 错误：页面 /guanyu/ 里的链接“../bulletins/#no-such-place”"
        "指向的页面上没有“#no-such-place”这个位置",
        "    提示：检查 # 后面的名称是否与目标页面上小标题的 id 一致",
        "layouts/page.html:5:10: 错误：页面 /guanyu/ 里的链接“/elsewhere/”指向网站以外的路径",
        "    提示：站内链接请用 url('/路径/') 生成；网站放在子路径（如 /zt/cxcy/）下时这种链接会失效",
        "共 5 个错误",
        "检查未通过。",
    ]


def test_resolving_links_of_output_files():
    base = "https://intranet.lyghy.internal/zt/"
    assert resolve("../../css/site.css", "bulletins/3/index.html", base) == ("css/site.css", "")
    assert resolve("../", "bulletins/3/index.html", base) == ("bulletins/index.html", "")
    assert resolve("#%E5%B0%8F", "a/index.html", base) == ("a/index.html", "小")
    assert resolve(f"{base}events/#x", "feed.xml", base) == ("events/index.html", "x")
    assert resolve("/zt/posts/", "404.html", base) == ("posts/index.html", "")
    assert resolve("../../../x/", "a/index.html", base) == ("", "")
    assert resolve("/x/", "a/index.html", base) == ("", "")
    for external in ("https://www.gov.cn/", "mailto:a@b.c", "data:image/png;base64,AA", "//cdn.x.com/a.js"):
        assert resolve(external, "a/index.html", base) is None


def test_links_inside_feeds_and_calendars_are_read():
    base = "https://intranet.lyghy.internal/zt/"
    rss = (f'<rss><channel><link>{base}</link><item><link>{base}posts/a/</link>'
           f'<guid isPermaLink="false">x</guid><description>&lt;a href="{base}b/"&gt;b&lt;/a&gt;'
           '</description></item></channel></rss>').encode()
    assert links_of("feed.xml", rss, base) == ([base, f"{base}posts/a/", f"{base}b/"], set())
    ics = f"BEGIN:VEVENT\r\nURL:{base}events/\r\n a/\r\nEND:VEVENT\r\n".encode()
    assert links_of("events.ics", ics, base) == ([f"{base}events/a/"], set())


# --- the intranet doctor -------------------------------------------------------------------------


def doctor(path: str, text: str, hosts=frozenset()) -> list[str]:
    """Run the doctor on one file; return its problems as written."""
    return [f"{p.location()} {p.message}" for p in examine([(path, text)], set(hosts))]


@pytest.mark.parametrize(("path", "text", "expected"), [
    ("layouts/a.html", '<script src="https://cdn.x.com/a.js"></script>',
     ["layouts/a.html:1:14 脚本来自外部网址 https://cdn.x.com/a.js，内网上打不开，还会向外网发出请求"]),
    ("layouts/a.html", "<head>\n  <link href='//fonts.x.com/css' rel='stylesheet'>",
     ["layouts/a.html:2:15 样式表来自外部网址 //fonts.x.com/css，内网上打不开，还会向外网发出请求"]),
    ("layouts/a.html", '<img\n  srcset="/a.png 1x, http://img.x.com/b.png 2x">',
     ["layouts/a.html:2:22 图片来自外部网址 http://img.x.com/b.png，内网上打不开，还会向外网发出请求"]),
    ("layouts/a.html", '<iframe src="https://map.x.com/"></iframe>',
     ["layouts/a.html:1:14 内嵌网页来自外部网址 https://map.x.com/，内网上打不开，还会向外网发出请求"]),
    ("static/a.css", "@font-face { src: url('https://f.x.com/a.woff2') }\n@import 'http://x.com/b.css';",
     ["static/a.css:1:24 样式里的字体或图片来自外部网址 https://f.x.com/a.woff2，内网上打不开，还会向外网发出请求",
      "static/a.css:2:10 样式里的字体或图片来自外部网址 http://x.com/b.css，内网上打不开，还会向外网发出请求"]),
    ("static/a.js", "fetch('https://api.x.com/v1')", [
        "static/a.js:1:8 脚本请求来自外部网址 https://api.x.com/v1，内网上打不开，还会向外网发出请求"]),
    ("content/a.md", "正文\n\n![图](https://pic.x.com/a.jpg)\n\n![图2][p]\n\n[p]: http://pic.x.com/b.jpg\n", [
        "content/a.md:3:6 图片来自外部网址 https://pic.x.com/a.jpg，内网上打不开，还会向外网发出请求",
        "content/a.md:7:6 图片来自外部网址 http://pic.x.com/b.jpg，内网上打不开，还会向外网发出请求"]),
    ("content/events/a.yaml", "id: a\nphotos:\n  - img/a.jpg\n  - https://pic.x.com/c.jpg\nsummary: x\n", [
        "content/events/a.yaml:4:5 图片来自外部网址 https://pic.x.com/c.jpg，内网上打不开，还会向外网发出请求"]),
    ("site.yaml", "banner: http://pic.x.com/banner.png\n", [
        "site.yaml:1:9 图片来自外部网址 http://pic.x.com/banner.png，内网上打不开，还会向外网发出请求"]),
])
def test_doctor_finds_requests_that_leave_the_intranet(path, text, expected):
    assert doctor(path, text) == expected


@pytest.mark.parametrize(("path", "text"), [
    ("layouts/a.html", '<a href="https://www.gov.cn/">中国政府网</a>'),
    ("layouts/a.html", '<link rel="alternate" href="https://x.com/feed.xml">'),
    ("layouts/a.html", '<link rel="canonical" href="https://x.com/">'),
    ("static/a.svg", '<svg xmlns="http://www.w3.org/2000/svg"><use href="#a"/></svg>'),
    ("content/a.md", "[政府网](https://www.gov.cn/) 是链接，不是图片。\n"),
    ("content/a.yaml", "summary: 见 https://www.gov.cn/\n"),
    ("layouts/a.html", '<img src="{{ url(\'/img/a.png\') }}"><script src="data:text/javascript,1"></script>'),
])
def test_doctor_leaves_plain_links_and_the_site_itself_alone(path, text):
    assert doctor(path, text) == []


def test_the_site_s_own_host_is_not_outside():
    assert doctor("layouts/a.html", '<img src="https://intranet.lyghy.internal/a.png">',
                  {"intranet.lyghy.internal"}) == []


def test_the_built_in_theme_makes_no_request_outside():
    theme = REPO / "cxsite" / "theme"
    files = [(p.relative_to(REPO).as_posix(), p.read_text(encoding="utf-8")) for p in sorted(theme.rglob("*"))
             if p.is_file() and p.suffix in (".html", ".xml", ".css", ".svg", ".js")]
    assert len(files) > 20
    assert examine(files, set()) == []


# --- converting GBK files, on request only -------------------------------------------------------


def test_fix_encoding_converts_gbk_files_and_keeps_a_backup(tmp_path):
    gbk = "---\ntitle: 学习讨论\nissue: 2\ndate: 2010-08-01\n---\n\n正文。\n".encode("gb18030")
    root = write_site(tmp_path / "site", {**SITE, "content/bulletins/002.md": gbk})
    plain = check(root)
    assert plain.exit_code == 1 and (root / "content/bulletins/002.md").read_bytes() == gbk
    assert not (root / "content/bulletins/002.md.bak").exists()
    fixed = check(root, "--fix-encoding")
    assert fixed.exit_code == 0, fixed.stderr
    assert fixed.stdout.splitlines()[0] == ("已转换为 UTF-8：content/bulletins/002.md"
                                            "（原文件备份为 content/bulletins/002.md.bak）")
    assert (root / "content/bulletins/002.md.bak").read_bytes() == gbk
    assert (root / "content/bulletins/002.md").read_bytes() == gbk.decode("gb18030").encode("utf-8")


def test_fix_encoding_never_overwrites_a_backup(tmp_path):
    gbk = "---\ntitle: 学习讨论\nissue: 2\ndate: 2010-08-01\n---\n".encode("gb18030")
    root = write_site(tmp_path / "site", {**SITE, "content/bulletins/002.md": gbk,
                                          "content/bulletins/002.md.bak": "旧的备份"})
    result = check(root, "--fix-encoding")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[2:] == [
        "content/bulletins/002.md.bak: 错误：备份文件已存在，cxsite 不会覆盖它，所以没有转换原文件",
        "    提示：确认备份无用后删除它，再运行一次",
        "共 2 个错误",
        "检查未通过。"]
    assert result.stderr.startswith("content/bulletins/002.md:2: 错误：文件是 GBK/GB18030 编码")
    assert (root / "content/bulletins/002.md").read_bytes() == gbk
    assert (root / "content/bulletins/002.md.bak").read_text(encoding="utf-8") == "旧的备份"
