"""`cxsite init` and `cxsite new`: a new site that builds cleanly, new files that never overwrite."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from cxsite.cli import cli
from cxsite.publish.files import write_new_file

from support import REPO, build_at, tree_bytes

# 2010-11-01 20:00 UTC is already 2010-11-02 in Shanghai: "today" must be the site's day.
EPOCH = "1288641600"
TODAY = "2010-11-02"
NOW = dt.datetime.fromtimestamp(int(EPOCH), ZoneInfo("Asia/Shanghai"))


def run(*args):
    """Run the command line with the fixed clock; return the click result."""
    return CliRunner().invoke(cli, [str(a) for a in args], env={"SOURCE_DATE_EPOCH": EPOCH},
                              catch_exceptions=False)


# What `cxsite new` says after the file's name (the file is a draft).
DRAFT = ("。这是草稿（draft: true），生成网站时不会发布；可用 cxsite serve --drafts 预览，"
         "写好后删除 draft: true 这一行即可发布。")
SKELETON_SETTINGS = ("base_url: https://intranet.example.org/zt/cxcy/", "organization: 本单位")


def init(target: Path, settled: bool = True) -> Path:
    """Create a site with `cxsite init`; `settled`: its address and organization set as its admin would."""
    result = run("init", target)
    assert result.exit_code == 0, result.stderr
    if settled:
        config = target / "site.yaml"
        text = config.read_text(encoding="utf-8")
        assert all(line in text for line in SKELETON_SETTINGS)
        text = text.replace(SKELETON_SETTINGS[0], "base_url: http://10.1.2.3/zt/cxcy/")
        config.write_text(text.replace(SKELETON_SETTINGS[1], "organization: 测试单位"), encoding="utf-8")
    return target


def new(root: Path, kind: str, title: str):
    """Run `cxsite new KIND TITLE` in the site at root."""
    return run("new", kind, title, "-C", root)


def written(result) -> str:
    """The path `cxsite new` reports it wrote."""
    return re.search(r"content/\S+?\.(?:md|yaml)", result.stdout).group(0)


def front(path: Path) -> str:
    """The front matter lines of a new file (without the body)."""
    return path.read_text(encoding="utf-8").split("\n---\n")[0]


# --- init ----------------------------------------------------------------------------------------


def test_init_creates_a_minimal_site_that_builds_and_checks_without_a_problem(tmp_path):
    root = tmp_path / "newsite"
    result = run("init", root)
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout == (f"已在 {root} 建立新网站（6 个文件）。写稿说明见其中的 README.md；"
                             "进入该文件夹运行 cxsite build 即可生成网站。\n")
    assert sorted(tree_bytes(root)) == [
        ".gitignore", "README.md", "content/branches/diyi-zhibu.yaml",
        "content/bulletins/001-zhuanti-kaitong.md", "content/events/dongyuan-dahui.yaml", "site.yaml"]
    bulletin = (root / "content/bulletins/001-zhuanti-kaitong.md").read_text(encoding="utf-8")
    assert f"date: {TODAY}\n" in bulletin
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# 创先争优活动专题网站 · 写稿指南\n") and 'cxsite new bulletin "标题"' in readme
    # The skeleton's address and organization are examples: a build says so, a check fails on them.
    placeholders = [
        "site.yaml:4:15: {}：organization（主办单位）还是示例文字“本单位”",
        "    提示：改成单位的全称，如 省林业规划院；它出现在页脚、订阅源和日历里",
        "site.yaml:6:11: {}：base_url 还是示例地址 https://intranet.example.org/zt/cxcy/：订阅源、日历、"
        "网站地图和 404 页面里的完整地址都指向它，读者用不了",
        "    提示：在 site.yaml 里写网站发布后的实际地址，如 http://192.168.1.10/zt/cxcy/；"
        "地址还没定时，可以生成时临时加 --base-url 实际地址"]
    built = run("build", "-C", root)
    assert built.exit_code == 0
    assert built.stderr.splitlines() == [line.format("警告") for line in placeholders] + ["共 2 个警告"]
    assert (root / "public/bulletins/1/index.html").is_file()
    assert (root / "public/events/dongyuan-dahui/index.html").is_file()
    assert (root / "public/branches/diyi-zhibu/index.html").is_file()
    checked = run("check", "-C", root)
    assert checked.exit_code == 1
    assert checked.stderr.splitlines() == [line.format("错误") for line in placeholders] + [
        "共 2 个错误", "检查未通过。"]
    settled = init(tmp_path / "settled")
    built = run("build", "-C", settled)
    assert (built.exit_code, built.stderr) == (0, "")
    checked = run("check", "-C", settled)
    assert (checked.exit_code, checked.stderr) == (0, "")


def test_init_accepts_an_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    assert run("init", tmp_path / "empty").exit_code == 0
    assert (tmp_path / "empty/site.yaml").is_file()


def test_init_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site/notes.txt").write_text("我的笔记", encoding="utf-8")
    result = run("init", tmp_path / "site")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{tmp_path / 'site'}: 错误：这个文件夹已存在且不是空的，cxsite init 不会往里面写文件",
        "    提示：换一个新的文件夹名，或先清空它",
        "共 1 个错误"]
    assert tree_bytes(tmp_path / "site") == {"notes.txt": "我的笔记".encode()}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no staging folder left behind


def test_init_refuses_a_file(tmp_path):
    (tmp_path / "site").write_text("x", encoding="utf-8")
    assert run("init", tmp_path / "site").exit_code == 1
    assert (tmp_path / "site").read_text(encoding="utf-8") == "x"


# --- new -----------------------------------------------------------------------------------------


def test_new_bulletin_takes_the_next_issue_and_the_previous_distribution(tmp_path):
    root = tmp_path / "site"
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    result = new(root, "bulletin", "我院召开第二阶段动员部署会")
    assert result.exit_code == 0, result.stderr
    name = "content/bulletins/006-wo-yuan-zhao-kai-di-er-jie-duan-dong-yuan-bu-shu.md"  # cut at 50 letters
    assert result.stdout == f"已新建简报 {name}（第6期）{DRAFT}\n"
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[:4] == ["---", "title: 我院召开第二阶段动员部署会", "issue: 6", f"date: {TODAY}"]
    assert "distribution: [各支部, 厅机关各处室, 厅属各单位]   # 发送范围\n" in text


def test_new_files_for_every_kind_build_without_a_problem(tmp_path):
    root = init(tmp_path / "site")
    outputs = [new(root, kind, title).stdout for kind, title in (
        ("bulletin", "学习讨论活动全面展开"), ("post", "院召开座谈会"), ("event", "学习讨论会"),
        ("page", "实施方案"))]
    assert outputs == [
        f"已新建简报 content/bulletins/002-xue-xi-tao-lun-huo-dong-quan-mian-zhan-kai.md（第2期）{DRAFT}\n",
        f"已新建文章 content/posts/{TODAY}-yuan-zhao-kai-zuo-tan-hui.md"
        f"（网址 /posts/yuan-zhao-kai-zuo-tan-hui/）{DRAFT}\n",
        f"已新建活动 content/events/xue-xi-tao-lun-hui.yaml（编号 xue-xi-tao-lun-hui）{DRAFT}\n",
        f"已新建页面 content/pages/shi-shi-fang-an.md（网址 /shi-shi-fang-an/）{DRAFT}\n",
    ]
    new_pages = {"bulletins/2/index.html", "posts/yuan-zhao-kai-zuo-tan-hui/index.html",
                 "shi-shi-fang-an/index.html", "events/xue-xi-tao-lun-hui/index.html"}
    held = build_at(root, tmp_path / "out", now=NOW, jobs=1)
    assert held.problems == () and held.held_back.drafts == 4
    assert not new_pages & set(tree_bytes(tmp_path / "out"))
    previewed = build_at(root, tmp_path / "preview", now=NOW, jobs=1, drafts=True)
    assert previewed.problems == ()
    assert new_pages <= set(tree_bytes(tmp_path / "preview"))


def test_new_never_overwrites_and_never_reuses_a_name(tmp_path):
    root = init(tmp_path / "site")
    mine = root / f"content/posts/{TODAY}-zuo-tan-hui.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("---\ntitle: 我的稿子\ndate: 2010-11-01\nslug: other\n---\n", encoding="utf-8")
    assert new(root, "post", "座谈会").stdout == (
        f"已新建文章 content/posts/{TODAY}-zuo-tan-hui-2.md（网址 /posts/zuo-tan-hui-2/）{DRAFT}\n")
    assert mine.read_text(encoding="utf-8").startswith("---\ntitle: 我的稿子")
    assert run("new", "post", "座谈会", "-C", root, "--force").stdout == (
        f"已新建文章 content/posts/{TODAY}-zuo-tan-hui-3.md（网址 /posts/zuo-tan-hui-3/）{DRAFT}\n")
    (root / "content/events.yaml").write_text("- id: zuo-tan-hui\n  title: 座谈\n  date: 2010-11-01\n",
                                              encoding="utf-8")
    assert new(root, "event", "座谈会").stdout == (
        f"已新建活动 content/events/zuo-tan-hui-2.yaml（编号 zuo-tan-hui-2）{DRAFT}\n")
    assert new(root, "page", "Archive").stdout == (
        f"已新建页面 content/pages/archive-2.md（网址 /archive-2/）{DRAFT}\n")


def test_titles_with_yaml_characters_are_quoted(tmp_path):
    root = init(tmp_path / "site")
    title = '关于“创先争优”的通知: 第1号 #重要 [附件]'
    result = new(root, "page", title)
    assert result.exit_code == 0
    path = root / written(result)
    assert front(path).splitlines()[1] == 'title: "关于“创先争优”的通知: 第1号 #重要 [附件]"'
    built = build_at(root, tmp_path / "out", now=NOW, jobs=1, drafts=True)
    assert built.problems == ()
    assert [p.title for p in built.site.pages] == [title]


def test_new_needs_a_site_and_a_title(tmp_path):
    result = new(tmp_path, "post", "标题")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "site.yaml: 错误：找不到网站配置文件 site.yaml",
        "    提示：在网站根目录运行 cxsite，或用 cxsite init 新建一个网站", "共 1 个错误"]
    assert new(init(tmp_path / "site"), "post", "  ").exit_code == 2
    assert new(tmp_path / "site", "notice", "标题").exit_code == 2
    assert not (tmp_path / "site/content/posts").exists()


def test_write_new_file_refuses_an_existing_file(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("原来的", encoding="utf-8")
    problem = write_new_file(path, "新的", "content/a.md")
    assert problem.format() == ("content/a.md: 错误：文件已存在，cxsite 不会覆盖它\n"
                                "    提示：换一个标题，或先把已有的文件改名")
    assert path.read_text(encoding="utf-8") == "原来的"


@pytest.mark.parametrize(("title", "name"), [
    ("创先争优", "chuang-xian-zheng-you"),
    ("2010年工作总结", "2010-nian-gong-zuo-zong-jie"),
    ("！！！", "ye-mian"),
    ("关于在全院开展创先争优活动深入推进学习型党组织建设的实施意见（试行）",
     "guan-yu-zai-quan-yuan-kai-zhan-chuang-xian-zheng"),
])
def test_file_names_are_ascii_pinyin_of_the_title(tmp_path, title, name):
    root = init(tmp_path / "site")
    assert written(new(root, "page", title)) == f"content/pages/{name}.md"


# --- drafts stay drafts (issue 16, item 2) -------------------------------------------------------


def test_new_files_are_drafts_and_say_how_to_publish(tmp_path):
    root = init(tmp_path / "site")
    for kind, title in (("bulletin", "学习讨论"), ("post", "座谈会"), ("event", "讲座"), ("page", "方案")):
        result = new(root, kind, title)
        assert result.exit_code == 0 and result.stdout.endswith(DRAFT + "\n"), result.stdout
        text = (root / written(result)).read_text(encoding="utf-8")
        assert "\ndraft: true " in text, text
    published = build_at(root, tmp_path / "out", now=NOW, jobs=1)
    assert published.problems == () and published.held_back.drafts == 4
    assert "bulletins/2/index.html" not in tree_bytes(tmp_path / "out")
    feed = (tmp_path / "out/feed.xml").read_text(encoding="utf-8")
    calendar = (tmp_path / "out/events.ics").read_text(encoding="utf-8")
    assert "在这里书写正文" not in feed and "活动简介" not in calendar and "讲座" not in calendar


def test_a_published_placeholder_is_a_warning_in_build_and_an_error_in_check(tmp_path):
    root = init(tmp_path / "site")
    path = root / written(new(root, "bulletin", "学习讨论"))
    path.write_text(path.read_text(encoding="utf-8").replace("draft: true", "draft: false"), encoding="utf-8")
    built = run("build", "-C", root)
    assert built.exit_code == 0
    assert built.stderr.splitlines()[:2] == [
        f"{path.relative_to(root).as_posix()}:14:1: 警告：正文里还留着新建时的占位文字"
        "“（在这里书写正文。）”，会原样发布",
        "    提示：把它换成要发布的内容；还没写好的稿件在前言里写 draft: true，暂不发布"]
    checked = run("check", "-C", root)
    assert checked.exit_code == 1 and "错误：正文里还留着新建时的占位文字" in checked.stderr


def test_new_refuses_a_title_in_use_unless_forced(tmp_path):
    root = init(tmp_path / "site")
    first = written(new(root, "bulletin", "学习讨论"))
    again = new(root, "bulletin", " 学习讨论 ")
    assert again.exit_code == 1 and again.stdout == ""
    assert again.stderr.splitlines() == [
        f"{first}: 错误：已有标题相同的简报“学习讨论”，没有新建",
        f"    提示：要继续写它，直接打开 {first}；确实要再建一个同名的简报，"
        '运行 cxsite new bulletin "学习讨论" --force',
        "共 1 个错误"]
    assert sorted(p.name for p in (root / "content/bulletins").iterdir()) == [
        "001-zhuanti-kaitong.md", "002-xue-xi-tao-lun.md"]
    assert new(root, "post", "学习讨论").exit_code == 0  # another kind may share the title
    forced = run("new", "bulletin", "学习讨论", "-C", root, "--force")
    assert forced.exit_code == 0 and written(forced) == "content/bulletins/003-xue-xi-tao-lun.md"
