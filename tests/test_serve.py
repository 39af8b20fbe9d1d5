"""`cxsite serve` wiring: the session, server and watcher together, and what the CLI prints."""

from __future__ import annotations

import http.client
import queue
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxsite.build import Rebuild
from cxsite.cli import _rebuild_safely, cli, print_rebuild, start_preview
from cxsite.problem import error
from cxsite.serve.watch import ChangeKind, Changes

from support import REPO

WAIT = 20  # seconds before an expected rebuild counts as missing


class _Recorder:
    """A stand-in Session that records what it was asked to rebuild."""

    def __init__(self, fail: Exception | None = None):
        self.calls, self.fail = [], fail

    def rebuild(self, kinds=None) -> Rebuild:
        self.calls.append(kinds)
        if self.fail:
            raise self.fail
        return Rebuild((), {}, (), 0)


@pytest.mark.parametrize(("changes", "scope"), [
    (None, None),
    (Changes((Path("/s/site.yaml"), Path("/s/content/a.md")),
             frozenset({ChangeKind.CONFIG, ChangeKind.CONTENT})), frozenset({"config", "content"})),
    (Changes((Path("/s/content/a.md"),), frozenset({ChangeKind.CONTENT})), frozenset({"content"})),
    (Changes((Path("/s/layouts/x.html"), Path("/s/static/y.css")),
             frozenset({ChangeKind.LAYOUT, ChangeKind.STATIC})), frozenset({"layout", "static"})),
])
def test_the_session_is_told_the_kinds_of_change(changes, scope):
    session = _Recorder()
    _rebuild_safely(session, changes)
    assert session.calls == [scope]


def test_a_crashing_rebuild_becomes_a_problem_in_the_page():
    outcome = _rebuild_safely(_Recorder(fail=KeyError("x")), None)
    assert not outcome.ok
    assert [p.format() for p in outcome.problems] == [
        "cxsite: 错误：cxsite 内部错误：KeyError: 'x'\n"
        "    提示：这不是您的内容有误。设置环境变量 CXSITE_DEBUG=1 可查看详细信息"]


STAMP = r"\[\d\d:\d\d:\d\d\] "


def test_print_rebuild_reports_changes_pages_and_problems(capsys):
    root = Path("/site")
    paths = tuple(root / f"content/bulletins/{n}.md" for n in range(1, 5))
    changes = Changes(paths, frozenset({ChangeKind.CONTENT}))
    print_rebuild(root, Rebuild((), {}, ("a", "b"), 64), changes, 0.123)
    out, err = capsys.readouterr()
    assert re.fullmatch(
        STAMP + "有改动：content/bulletins/1.md、content/bulletins/2.md、content/bulletins/3.md 等 4 个文件\n"
        + STAMP + r"已生成：渲染了 64 个页面，2 个文件有变化，用时 0\.12 秒。\n", out)
    assert err == ""
    print_rebuild(root, Rebuild((error("content/a.md", 3, "坏了", "改好"),), {}), None, 0.1)
    out, err = capsys.readouterr()
    assert out == ""
    assert re.fullmatch("content/a.md:3: 错误：坏了\n    提示：改好\n共 1 个错误\n" + STAMP
                        + "生成失败：浏览器里仍是上次成功生成的网站，问题列在页面上；改正后保存即可。\n", err)


def test_serve_refuses_an_address_it_cannot_bind(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--root", str(tmp_path), "--bind", "256.0.0.1", "--port", "0"])
    assert result.exit_code == 2
    assert result.output.startswith("无法在 256.0.0.1 的端口 0 上启动预览：")


def test_serve_refuses_a_missing_root(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--root", str(tmp_path / "nope"), "--port", "0"])
    assert result.exit_code == 2
    assert f"选项 --root 的值不对：“{tmp_path / 'nope'}”不存在" in result.output


def test_serve_help_lists_its_options():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--port", "--bind", "--drafts", "--future", "--root"):
        assert option in result.output


@pytest.fixture
def site(tmp_path) -> Path:
    """A copy of the repository's example site."""
    root = tmp_path / "site"
    root.mkdir()
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    for folder in ("content", "layouts", "static"):
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, root / folder)
    return root


def _get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read()


def test_preview_serves_the_site_with_its_own_address_and_rebuilds_on_save(site):
    reports: queue.Queue = queue.Queue()
    running = start_preview(site, "127.0.0.1", 0, False, False,
                            lambda outcome, changes, seconds: reports.put((outcome, changes)))
    try:
        first, changes = reports.get(timeout=WAIT)
        assert first.ok and changes is None
        port, url = running.server.port, running.server.url
        status, page = _get(port, "/bulletins/1/")
        assert status == 200
        assert f'<link rel="canonical" href="{url}bulletins/1/">'.encode() in page
        assert f'<atom:link href="{url}feed.xml" rel="self"/>'.encode() in _get(port, "/feed.xml")[1]
        assert not (site / "public").exists()  # the preview writes nothing

        source = site / "content/bulletins/001-dongyuan-dahui.md"
        title = "title: 我院召开创先争优活动动员大会"
        source.write_text(source.read_text(encoding="utf-8").replace(title, title + "（修订）"),
                          encoding="utf-8")
        outcome, changes = reports.get(timeout=WAIT)
        assert changes == Changes((source,), frozenset({ChangeKind.CONTENT}))
        assert outcome.ok and "bulletins/1/index.html" in outcome.changed
        assert "我院召开创先争优活动动员大会（修订）".encode() in _get(port, "/bulletins/1/")[1]
    finally:
        running.stop()
