"""The command line, driven with click's CliRunner: output, exit status and the output folder's safety."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from cxsite import __version__
from cxsite.cli import cli
from cxsite.publish.filesystem import LocalFiles
from cxsite.publish.manifest import MANIFEST

from htmlscan import scan
from support import FIXED_NOW, SAMPLE, build_at, html_files, manifest_files, tree_bytes

ENV = {"SOURCE_DATE_EPOCH": str(int(FIXED_NOW.timestamp())), "CXSITE_DEBUG": None}
FAILED = "生成失败，输出文件夹保持不变。\n"


def run(*args: str):
    """Run `cxsite ARGS` with the fixed clock; stdout and stderr stay apart."""
    return CliRunner(env=ENV).invoke(cli, [str(a) for a in args], prog_name="cxsite")


def without_time(text: str) -> str:
    """Replace the build time in a summary, the one part that varies between runs."""
    return re.sub(r"用时 \d+\.\d\d 秒（[^）]*）", "用时 … 秒", text)


@pytest.fixture
def site(tmp_path) -> Path:
    """A writable copy of the sample site."""
    root = tmp_path / "site"
    shutil.copytree(SAMPLE, root)
    return root


def test_version():
    result = run("--version")
    assert (result.exit_code, result.stdout, result.stderr) == (0, f"cxsite {__version__}\n", "")


def test_build_prints_a_summary_and_writes_the_default_folder(site):
    result = run("build", "--root", site)
    out = site / "public"
    assert result.exit_code == 0
    assert result.stderr == ""
    assert without_time(result.stdout) == (
        f"完成：41 个页面（本次渲染 41 个）；写入 75 个文件，未变 0 个，删除 0 个；订阅源 12 个，"
        f"静态文件 8 个 → {out}；用时 … 秒。"
        "暂不发布：草稿 1 篇，未到发布日期 1 篇（加 --drafts、--future 可预览）。\n")
    assert (out / "bulletins" / "1" / "index.html").is_file()


def test_build_uses_the_current_folder_as_root(site, monkeypatch):
    monkeypatch.chdir(site)
    result = run("build", "--out", "elsewhere")
    assert result.exit_code == 0, result.stderr
    assert (site / "elsewhere" / "index.html").is_file()
    assert not (site / "public").exists()


def test_out_option(site, tmp_path):
    out = tmp_path / "deploy" / "zt"
    result = run("build", "--root", site, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert f"→ {out}；" in result.stdout
    assert (out / "index.html").is_file() and not (site / "public").exists()


@pytest.mark.parametrize(("args", "error"), [
    (("build", "--bogus"), "cxsite build: 错误：没有 --bogus 这个选项；"
                           "是不是 --jobs 或 --out 或 --verbose？\n"
                           "    提示：运行 cxsite build --help 查看可用选项\n"),
    (("frobnicate",), "cxsite: 错误：没有 frobnicate 这个命令\n"
                      "    提示：可用的命令：build、bundle、check、init、new、serve；"
                      "运行 cxsite --help 查看说明\n"),
    (("build", "--out"), "cxsite build: 错误：选项 --out 后面要写文件夹\n"
                         "    提示：写成 --out 文件夹；运行 cxsite build --help 查看可用选项\n"),
])
def test_usage_errors_exit_2(args, error):
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == error


def test_missing_site_yaml_is_a_problem_not_a_crash(tmp_path):
    result = run("build", "--root", tmp_path)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "site.yaml: 错误：找不到网站配置文件 site.yaml\n"
        "    提示：在网站根目录运行 cxsite，或用 cxsite init 新建一个网站\n"
        "共 1 个错误\n" + FAILED)


QR_SVG = re.compile(rb'<svg role="img"[^>]*class="qr">.*?</svg>', re.DOTALL)


def test_base_url_goes_into_feeds_and_sitemap_while_pages_stay_relative(site, tmp_path):
    plain, moved = tmp_path / "plain", tmp_path / "moved"
    assert run("build", "--root", site, "--out", plain).exit_code == 0
    result = run("build", "--root", site, "--out", moved, "--base-url", "http://www.example.com/new")
    assert result.exit_code == 0, result.stderr
    for name in ("feed.xml", "atom.xml", "sitemap.xml"):
        xml = (moved / name).read_text(encoding="utf-8")
        assert "http://www.example.com/new/bulletins/1/" in xml, name
        assert "lc.lyghy.internal" not in xml, name
    before, after = tree_bytes(plain), tree_bytes(moved)
    assert sorted(before) == sorted(after)
    html = [name for name in sorted(before) if name.endswith(".html")]
    moved_qr = 0
    for name in html:
        if name == "404.html":
            continue  # served at any depth, so it links from the site's root path
        canonical = before[name].replace(b"https://lc.lyghy.internal/cxcy/", b"http://www.example.com/new/")
        # The QR code draws the page's absolute address: it must differ, and nothing else may.
        codes = [QR_SVG.findall(canonical), QR_SVG.findall(after[name])]
        assert len(codes[0]) == len(codes[1]) <= 1, name
        moved_qr += codes[0] != codes[1]
        assert QR_SVG.sub(b"", canonical) == QR_SVG.sub(b"", after[name]), name
    assert moved_qr > 0
    assert b'href="/new/css/site.css"' in after["404.html"]


def test_portable_output_links_only_to_files_that_exist(site, tmp_path):
    out = tmp_path / "portable"
    result = run("build", "--root", site, "--out", out, "--portable")
    assert result.exit_code == 0, result.stderr
    broken, checked = [], 0
    for page in html_files(out):
        for element in scan(page.read_text(encoding="utf-8")):
            for name in ("href", "src"):
                url = element.get(name)
                if not url or urlsplit(url).scheme or urlsplit(url).netloc or url.startswith("#"):
                    continue
                checked += 1
                target = page.parent / unquote(urlsplit(url).path)
                # From file:// a folder does not open its index.html, so every link names a file.
                if url.startswith("/") or not target.is_file():
                    broken.append(f"{page.relative_to(out).as_posix()}: {url}")
    assert checked > 500
    assert broken == []


def test_drafts_and_future_options(site, tmp_path):
    result = run("build", "--root", site, "--out", tmp_path / "a", "--drafts")
    assert "暂不发布：未到发布日期 1 篇（加 --future 可预览）。" in result.stdout
    assert (tmp_path / "a" / "posts" / "2010-09-01-caogao" / "index.html").is_file()
    assert not (tmp_path / "a" / "posts" / "2010-12-01-jihua").exists()
    result = run("build", "--root", site, "--out", tmp_path / "b", "--future")
    assert "暂不发布：草稿 1 篇（加 --drafts 可预览）。" in result.stdout
    assert (tmp_path / "b" / "posts" / "2010-12-01-jihua" / "index.html").is_file()
    result = run("build", "--root", site, "--out", tmp_path / "c", "--drafts", "--future")
    assert "暂不发布" not in result.stdout
    assert without_time(result.stdout) == (
        f"完成：49 个页面（本次渲染 49 个）；写入 83 个文件，未变 0 个，删除 0 个；订阅源 12 个，"
        f"静态文件 8 个 → {tmp_path / 'c'}；用时 … 秒。\n")
    # The tags only the draft and the future post carry get their pages back.
    assert (tmp_path / "c" / "tags" / "cao-gao-zhuan-yong" / "index.html").is_file()
    assert (tmp_path / "c" / "tags" / "wei-lai-zhuan-yong" / "index.html").is_file()
    # A preview marks what a normal build holds back: 草稿 on the draft, 定时 on the future post,
    # on their own pages and wherever they are listed; nothing else carries a mark.
    draft, future = '<span class="label label-held">草稿</span>', '<span class="label label-held">定时</span>'
    for folder, marks in (("a", {"草稿": 1}), ("b", {"定时": 1}), ("c", {"草稿": 1, "定时": 1})):
        out = tmp_path / folder
        posts = (out / "posts" / "index.html").read_text("utf-8")
        assert {name: posts.count(mark) for name, mark in (("草稿", draft), ("定时", future))
                if mark in posts} == marks
        marked = {p.relative_to(out).as_posix() for p in html_files(out)
                  if "label-held" in p.read_text("utf-8")}
        assert ("posts/2010-09-01-caogao/index.html" in marked) == ("草稿" in marks)
        assert ("posts/2010-12-01-jihua/index.html" in marked) == ("定时" in marks)
    assert draft in (tmp_path / "c" / "posts" / "2010-09-01-caogao" / "index.html").read_text("utf-8")
    assert future in (tmp_path / "c" / "posts" / "2010-12-01-jihua" / "index.html").read_text("utf-8")
    run("build", "--root", site, "--out", tmp_path / "d")
    assert not [p for p in html_files(tmp_path / "d") if "label-held" in p.read_text("utf-8")]


def test_quiet_build_prints_only_problems(site, tmp_path):
    post = site / "content" / "posts" / "2010-08-30-xinde.md"
    post.write_text(post.read_text("utf-8") + '\n<script src="https://cdn.example.com/x.js"></script>\n',
                    encoding="utf-8")
    loud = run("build", "--root", site, "--out", tmp_path / "loud")
    result = run("build", "--root", site, "--out", tmp_path / "quiet", "--quiet")
    assert (result.exit_code, result.stdout) == (0, "")
    assert "警告：脚本来自外部网址 https://cdn.example.com/x.js" in result.stderr
    assert result.stderr == loud.stderr and loud.stdout.startswith("完成：")
    assert tree_bytes(tmp_path / "quiet") == tree_bytes(tmp_path / "loud")
    post.write_text("---\ntitle: 缺日期\n---\n\n正文。\n", encoding="utf-8")
    result = run("build", "--root", site, "--out", tmp_path / "quiet", "-q")
    assert (result.exit_code, result.stdout) == (1, "")
    assert "错误" in result.stderr and result.stderr.endswith(FAILED)


def test_verbose_build_lists_every_file_written_and_deleted(site, tmp_path):
    out = tmp_path / "out"
    first = run("build", "--root", site, "--out", out, "--verbose")
    listed = [line for line in first.stdout.splitlines() if not line.startswith("完成：")]
    assert listed == [f"写入 {path}" for path in sorted(manifest_files(out))]
    post = site / "content" / "posts" / "2010-08-30-xinde.md"
    post.write_text(post.read_text("utf-8").replace("title: ", "title: 新"), encoding="utf-8")
    (site / "content" / "posts" / "2010-07-20-yumiao.md").unlink()
    second = run("build", "--root", site, "--out", out, "-v")
    assert second.exit_code == 0, second.stderr
    lines = second.stdout.splitlines()
    written = [line[3:] for line in lines if line.startswith("写入 ")]
    deleted = [line[3:] for line in lines if line.startswith("删除 ")]
    assert "posts/2010-08-30-xinde/index.html" in written and "feed.xml" in written
    assert "posts/2010-07-20-yumiao/index.html" in deleted
    assert lines[-1].startswith("完成：") and f"写入 {len(written)} 个文件" in lines[-1]
    assert f"删除 {len(deleted)} 个" in lines[-1]
    assert all((out / path).is_file() for path in written)
    assert not any((out / path).exists() for path in deleted)


def test_quiet_and_verbose_together_is_a_usage_error(site):
    result = run("build", "--root", site, "-q", "-v")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("cxsite build: 错误：--quiet 和 --verbose 不能同时使用\n"
                             "    提示：只要问题就用 --quiet，要看每个写入的文件就用 --verbose\n")
    assert not (site / "public").exists()


def test_broken_front_matter_reports_every_problem_in_chinese_and_keeps_the_output(site, tmp_path):
    out = tmp_path / "out"
    assert run("build", "--root", site, "--out", out).exit_code == 0
    before = tree_bytes(out)
    bulletin = site / "content" / "bulletins" / "003.md"
    bulletin.write_text(bulletin.read_text(encoding="utf-8").replace("title: ", "title："), encoding="utf-8")
    post = site / "content" / "posts" / "2010-08-30-xinde.md"
    post.write_text(post.read_text(encoding="utf-8").replace("date: 2010-08-30 20:00\n", ""),
                    encoding="utf-8")
    other = site / "content" / "posts" / "2010-07-20-yumiao.md"
    other.write_text("---\ntitle: 育苗队党员突击队成立\ndate: 2010-07-20\n\n正文忘了结束 front matter。\n",
                     encoding="utf-8")
    result = run("build", "--root", site, "--out", out)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "content/bulletins/003.md:2:6: 错误：“title”后面用了全角冒号“：”\n"
        "    提示：改成半角冒号加空格：title: 第二阶段工作部署\n"
        "content/posts/2010-07-20-yumiao.md:5: 错误：前言没有结束：这一行看起来已是正文\n"
        "    提示：在第 5 行之前单独加一行 ---，把前言和正文隔开\n"
        "content/posts/2010-08-30-xinde.md:2: 错误：缺少必填项 date（日期）\n"
        "    提示：加上一行“date: …”\n"
        "共 3 个错误\n" + FAILED)
    assert tree_bytes(out) == before


def _protected(site: Path, tmp_path: Path, monkeypatch) -> dict[str, tuple[Path, str]]:
    """Dangerous output folders and the message each must get."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    repo = tmp_path / "checkout"
    (repo / ".git").mkdir(parents=True)
    return {
        "project": (site, f"输出文件夹不能是或包含网站项目（{site}）"),
        "parent": (tmp_path, f"输出文件夹不能是或包含网站项目（{site}）"),
        "content": (site / "content", f"输出文件夹不能是或包含content/ 文件夹（{site / 'content'}）"),
        "layouts": (site / "layouts", f"输出文件夹不能是或包含layouts/ 文件夹（{site / 'layouts'}）"),
        "static": (site / "static", f"输出文件夹不能是或包含static/ 文件夹（{site / 'static'}）"),
        "in-content": (site / "content" / "out", "输出文件夹不能放在content/ 文件夹里"),
        "git": (repo, "输出文件夹里有 .git，看起来是一个代码仓库，cxsite 不会替换它"),
        "home": (home, f"输出文件夹不能是或包含用户主目录（{home}）"),
    }


@pytest.mark.parametrize("case", ["project", "parent", "content", "layouts", "static", "in-content", "git",
                                  "home"])
def test_dangerous_output_folders_are_refused(case, site, tmp_path, monkeypatch):
    out, message = _protected(site, tmp_path, monkeypatch)[case]
    before = tree_bytes(tmp_path)
    result = run("build", "--root", site, "--out", out)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (f"{out}: 错误：{message}\n"
                             "    提示：用 --out 指定一个专门的输出文件夹，如 public\n"
                             "共 1 个错误\n" + FAILED)
    assert tree_bytes(tmp_path) == before


def test_files_cxsite_did_not_write_are_kept(site, tmp_path):
    out = tmp_path / "out"
    assert run("build", "--root", site, "--out", out).exit_code == 0
    (out / "notes.txt").write_text("管理员的笔记", encoding="utf-8")
    (out / "extra").mkdir()
    (out / "extra" / "readme.txt").write_bytes(b"kept")
    (out / "empty").mkdir()
    for _ in range(2):  # kept by the first rebuild, and again by the next
        result = run("build", "--root", site, "--out", out)
        assert result.exit_code == 0, result.stderr
        assert (out / "notes.txt").read_text(encoding="utf-8") == "管理员的笔记"
        assert (out / "extra" / "readme.txt").read_bytes() == b"kept"
        assert (out / "empty").is_dir()
        assert {"notes.txt", "extra/readme.txt"}.isdisjoint(manifest_files(out))


def test_a_file_cxsite_would_overwrite_is_refused(site, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("<p>旧网站首页</p>", encoding="utf-8")
    result = run("build", "--root", site, "--out", out)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"{out / 'index.html'}: 错误：输出文件夹里已有这个文件，但它不是 cxsite 生成的，cxsite 不会覆盖它\n"
        "    提示：确认无用后手动删除它，或用 --out 换一个输出文件夹\n"
        "共 1 个错误\n" + FAILED)
    assert tree_bytes(out) == {"index.html": "<p>旧网站首页</p>".encode()}
    assert beside(tmp_path) == ["out", "site"]  # no staging left


def test_a_file_or_folder_in_the_way_of_the_site_is_refused(site, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "bulletins").write_text("不是文件夹", encoding="utf-8")  # cxsite needs a folder here
    (out / "feed.xml").mkdir()  # and a file here
    (out / "feed.xml" / "inner.txt").write_text("旧文件", encoding="utf-8")
    (out / "atom.xml").mkdir()  # an empty folder where a file goes
    before = tree_bytes(out)
    result = run("build", "--root", site, "--out", out)
    assert result.exit_code == 1
    refused = "错误：输出文件夹里已有这个文件，但它不是 cxsite 生成的，cxsite 不会覆盖它\n" \
              "    提示：确认无用后手动删除它，或用 --out 换一个输出文件夹\n"
    assert result.stderr == (f"{out / 'atom.xml'}: {refused}{out / 'bulletins'}: {refused}"
                             f"{out / 'feed.xml' / 'inner.txt'}: {refused}共 3 个错误\n" + FAILED)
    assert tree_bytes(out) == before and (out / "atom.xml").is_dir()
    assert beside(tmp_path) == ["out", "site"]


def test_manifest_lists_exactly_what_was_written(site, tmp_path):
    out = tmp_path / "out"
    assert run("build", "--root", site, "--out", out).exit_code == 0
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert manifest_files(out) == files - {MANIFEST}
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["generation"] == 1 and manifest["foreign"] == []
    assert manifest["files"] == {p: (out / p).stat().st_size for p in files - {MANIFEST}}


def test_files_cxsite_wrote_before_and_no_longer_makes_are_removed(site, tmp_path):
    out = tmp_path / "out"
    assert run("build", "--root", site, "--out", out).exit_code == 0
    (site / "content" / "pages" / "guanyu.md").unlink()
    assert run("build", "--root", site, "--out", out).exit_code == 0
    assert not (out / "guanyu").exists()
    assert "guanyu/index.html" not in manifest_files(out)


def beside(folder: Path) -> list[str]:
    """The entries of a test's folder, leaving out the build cache the tests put there and the
    output's spare tree and lock (which stay between builds); a half-done swap would show."""
    kept = ("-cache", ".cxsite-next", ".cxsite-lock")
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(kept))


class FullDisk(LocalFiles):
    """A file system that is full: writing a file fails."""

    def write_new(self, path: str, data: bytes) -> None:
        raise OSError(28, "No space left on device")


def test_build_failing_while_writing_leaves_previous_output(site, tmp_path):
    out = tmp_path / "out"
    assert build_at(site, out).ok
    before = tree_bytes(out)
    with (site / "content" / "pages" / "guanyu.md").open("a", encoding="utf-8") as page:
        page.write("\n补充一段，让这次生成与上次不同。\n")
    result = build_at(site, out, files=FullDisk())
    assert [p.message for p in result.problems] == [
        "无法写入输出文件夹（No space left on device），网站保持原样"]
    assert tree_bytes(out) == before
    assert beside(tmp_path) == ["out", "site"]


def test_write_failure_reaches_the_writer_without_a_traceback(site, tmp_path):
    out = tmp_path / "out"
    assert build_at(site, out).ok
    before = tree_bytes(out)
    with (site / "content" / "pages" / "guanyu.md").open("a", encoding="utf-8") as page:
        page.write("\n补充一段，让这次生成与上次不同。\n")
    result = CliRunner(env=ENV).invoke(cli, ["build", "--root", str(site), "--out", str(out)],
                                       prog_name="cxsite", obj={"files": FullDisk()})
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (f"{out}: 错误：无法写入输出文件夹（No space left on device），网站保持原样\n"
                             "    提示：检查磁盘空间和文件夹权限后重新生成\n共 1 个错误\n" + FAILED)
    assert tree_bytes(out) == before
    assert beside(tmp_path) == ["out", "site"]


def test_a_build_lists_ten_warnings_of_a_kind_and_counts_the_rest(capsys):
    """Many warnings of one kind are summed after ten; errors and other kinds are all printed."""
    from cxsite.cli import SAME_KIND_SHOWN, print_problems
    from cxsite.problem import error, warning

    same = [warning(f"content/bulletins/{n:03}.md", 4, f"第{n}期的日期早于上一期", "检查日期和期号")
            for n in range(1, 26)]
    other = warning("site.yaml", 3, "base_url 还是示例地址", "写实际地址")
    errors = [error(f"content/posts/{n}.md", 1, "缺少标题", "写 title") for n in range(15)]
    print_problems([*same, other, *errors], SAME_KIND_SHOWN)
    shown = capsys.readouterr().err
    assert shown.count("早于上一期") == SAME_KIND_SHOWN
    assert "第10期" in shown and "第11期" not in shown
    assert "base_url 还是示例地址" in shown and shown.count("缺少标题") == 15
    assert f"另有 {25 - SAME_KIND_SHOWN} 个同类警告没有列出" in shown and "cxsite check" in shown
    assert "共 15 个错误，26 个警告" in shown
    print_problems(same)  # check: every one
    assert capsys.readouterr().err.count("早于上一期") == 25
