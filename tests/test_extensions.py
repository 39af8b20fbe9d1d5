"""A site's own extension adds a whole record kind (学习资料) without touching cxsite's code.

tests/sites/extension is the sample site plus extensions/xuexi.py, which
registers the kind, a list page, a page per record, a feed and its layouts.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import feedparser
import pytest

from support import build_at, tree_bytes

SITE = Path(__file__).resolve().parent / "sites" / "extension"


@pytest.fixture
def site(tmp_path) -> Path:
    """A copy of the extension site to change."""
    shutil.copytree(SITE, tmp_path / "site")
    return tmp_path / "site"


def test_the_extension_adds_a_kind_with_its_pages_and_feed(site, tmp_path):
    out = tmp_path / "out"
    result = build_at(site, out)
    assert result.ok, result.problems
    listing = (out / "xuexi" / "index.html").read_text(encoding="utf-8")
    assert "共 3 份" in listing and "森林防火知识读本" in listing and "《井冈先锋》专题片" in listing
    second = (out / "xuexi" / "page" / "2" / "index.html").read_text(encoding="utf-8")  # 2 a page
    assert "林场创先争优活动实施方案" in second
    page = (out / "xuexi" / "fanghuo-zhishi" / "index.html").read_text(encoding="utf-8")
    assert "县森林防火指挥部" in page and 'href="../../events/fanghuo/"' in page  # Markdown links resolved
    assert '<a href="../../branches/yulin/">育林党支部</a>' in page
    feed = feedparser.parse((out / "xuexi" / "feed.xml").read_bytes())
    assert not feed.bozo and [e.title for e in feed.entries] == [
        "森林防火知识读本", "《井冈先锋》专题片", "林场创先争优活动实施方案"]
    assert feed.entries[0].link == "https://lc.lyghy.internal/cxcy/xuexi/fanghuo-zhishi/"


def test_references_of_the_new_kind_are_checked_like_the_built_in_ones(site, tmp_path):
    record = site / "content" / "xuexi" / "fanghuo-zhishi.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("branches: [yulin]", "branches: [yulinn]"),
                      encoding="utf-8")
    (site / "content" / "xuexi" / "dup.yaml").write_text("id: shishi-fangan\ntitle: 重复\ndate: 2010-08-01\n",
                                                        encoding="utf-8")
    result = build_at(site, tmp_path / "out")
    assert [p.format() for p in result.problems if p.is_error] == [
        "content/xuexi/dup.yaml:1:5: 错误：学习资料编号“shishi-fangan”重复：content/xuexi.yaml:2 已经用过\n"
        "    提示：每个编号只能用一次；"
        "同一条记录不要既写在 content/xuexi.yaml 里又单独写成 content/xuexi/ 下的文件",
        "content/xuexi/fanghuo-zhishi.yaml:4:12: 错误：branches 引用了不存在的支部“yulinn”\n"
        "    提示：是不是 yulin？可以写支部的编号或名称：houqin（后勤党支部）、lituixiu（离退休党支部）、"
        "yulin（育林党支部）"]


def test_an_edit_of_a_new_record_is_incremental_and_equals_a_clean_build(site, tmp_path):
    out = tmp_path / "out"
    assert build_at(site, out, jobs=1).ok
    record = site / "content" / "xuexi" / "fanghuo-zhishi.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("县森林防火指挥部", "市森林防火指挥部"),
                      encoding="utf-8")
    result = build_at(site, out, jobs=1)
    assert result.ok and 0 < result.rendered <= 3  # its page, the list page it is on, nothing else
    assert "市森林防火指挥部" in (out / "xuexi" / "fanghuo-zhishi" / "index.html").read_text(encoding="utf-8")
    clean = tmp_path / "clean"
    assert build_at(site, clean, jobs=1).ok
    assert tree_bytes(out) == tree_bytes(clean)


def test_changing_the_extension_makes_everything_again(site, tmp_path):
    out = tmp_path / "out"
    first = build_at(site, out, jobs=1)
    assert first.ok
    code = site / "extensions" / "xuexi.py"
    text = code.read_text(encoding="utf-8")
    code.write_text(text.replace('"学习资料", "xuexi-list"', '"学习材料", "xuexi-list"'), encoding="utf-8")
    second = build_at(site, out, jobs=1)
    assert second.ok and second.rendered == first.rendered  # its code is part of what every page is made with
    assert "<h1>学习材料</h1>" in (out / "xuexi" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("code", "message"), [
    ("def register(registration):\n    registration.add_kind(None)\n", "扩展注册失败：AttributeError"),
    ("import not_a_module_anywhere\n", "扩展“extensions/xuexi.py”无法加载：ModuleNotFoundError"),
    ("x = \n", "扩展“extensions/xuexi.py”无法加载：SyntaxError"),
    ("x = 1\n", "扩展“extensions/xuexi.py”没有 register(registration) 函数"),
])
def test_a_broken_extension_is_a_located_problem_not_a_traceback(site, tmp_path, code, message):
    (site / "extensions" / "xuexi.py").write_text(code, encoding="utf-8")
    result = build_at(site, tmp_path / "out")
    assert not result.ok
    located = [p for p in result.problems if p.path == "site.yaml"]
    assert located and located[0].line == 25 and located[0].message.startswith(message), result.problems
