"""The printed 简报's foot (发送, 印发, 印数) and the print button, as the templates write them."""

from __future__ import annotations

import datetime as dt
import re

from cxsite.content.config import Config
from cxsite.render.templates import THEME_LAYOUTS, make_environment, template_loader
from cxsite.site.model import Document

from support import SITES


def _foot(doc: Document, copies: int | None = None) -> str:
    """Render partials/bulletin_foot.html for a bulletin, with site.yaml's bulletin.copies."""
    env = make_environment(template_loader(SITES / "stats"))
    config = Config(title="测试", organization="测试院", base_url="https://example.org/",
                    bulletin_issuer="测试办公室", bulletin_copies=copies)
    html = env.get_template("partials/bulletin_foot.html").render(doc=doc, config=config)
    return re.sub(r"\s+", " ", html)


def _doc(copies: int | None = None) -> Document:
    return Document(kind="bulletin", url="/bulletins/1/", distribution=("各支部", "院领导"),
                    date=dt.datetime(2010, 7, 20), copies=copies)


def test_foot_has_distribution_issuer_and_date():
    html = _foot(_doc())
    assert "发送：</span>各支部，院领导" in html and "测试办公室" in html
    assert '<time datetime="2010-07-20">2010年7月20日</time>印发' in html
    assert "共印" not in html  # no copies anywhere: no 印数 line


def test_copies_come_from_the_bulletin_else_from_site_yaml():
    assert "（共印200份）" in _foot(_doc(copies=200), copies=80)
    assert "（共印80份）" in _foot(_doc(), copies=80)
    assert "（共印200份）" in _foot(_doc(copies=200))


def test_print_button_needs_the_script_and_never_prints():
    script = (THEME_LAYOUTS.parent / "static" / "js" / "print.js").read_text("utf-8")
    assert "window.print()" in script and "hidden = false" in script and "http" not in script
    paper = (THEME_LAYOUTS / "partials" / "bulletin_paper.html").read_text("utf-8")
    assert re.search(r'<button type="button" class="print-button" data-print hidden>', paper)
    css = (THEME_LAYOUTS.parent / "static" / "css" / "site.css").read_text("utf-8")
    assert ".print-button { display: none !important; }" in css


def _site(tmp_path, extra: str):
    """A copy of the stats test site with more lines at the end of its site.yaml."""
    import shutil

    root = tmp_path / "site"
    shutil.copytree(SITES / "stats", root)
    config = root / "site.yaml"
    config.write_text(config.read_text("utf-8") + extra, "utf-8")
    return root


def test_site_yaml_copies_reach_every_printed_bulletin(tmp_path):
    from support import build_at

    # tests/sites/stats's site.yaml ends inside `bulletin:`
    root = _site(tmp_path, "  copies: 80\n")
    result = build_at(root, tmp_path / "public")
    assert result.ok, [p.format() for p in result.problems]
    for issue in (1, 2, 3):
        html = (tmp_path / "public" / "bulletins" / str(issue) / "index.html").read_text("utf-8")
        assert "（共印80份）" in html
    volume = (tmp_path / "public" / "bulletins" / "print" / "index.html").read_text("utf-8")
    assert volume.count("（共印80份）") == 3


def test_wrong_copies_and_stats_settings_are_located_in_site_yaml(tmp_path):
    from support import build_at

    root = _site(tmp_path, "  copies: 0\nstats:\n  access_log: [a.log]\n  access_logs: {a: 1}\n")
    lines = (root / "site.yaml").read_text("utf-8").splitlines()
    result = build_at(root, tmp_path / "public")
    assert not result.ok
    found = {(p.path, p.line, p.severity, p.message) for p in result.problems}
    assert found == {
        ("site.yaml", lines.index("  copies: 0") + 1, "error", "bulletin.copies（印数）应大于 0"),
        ("site.yaml", lines.index("  access_log: [a.log]") + 1, "warning",
         "stats 下不认识的配置项“access_log”，已忽略"),
        ("site.yaml", lines.index("  access_logs: {a: 1}") + 1, "error",
         "stats.access_logs（访问日志）应是一个列表，但写成了“键: 值”的形式"),
    }
    assert not (tmp_path / "public").exists()


def test_the_volume_has_every_issue_once_and_links_within_itself(tmp_path):
    from htmlscan import scan
    from support import build_at

    root = _site(tmp_path, "")
    (root / "content" / "bulletins" / "004.md").write_text(
        "---\ntitle: 第四期\nissue: 4\ndate: 2010-10-20\n---\n\n## 大会要求\n\n见[下文](#大会要求)[^1]。\n\n"
        "[^1]: 注释。\n", "utf-8")
    assert build_at(root, tmp_path / "public").ok
    volume = scan((tmp_path / "public" / "bulletins" / "print" / "index.html").read_text("utf-8"))
    issues = [e.get("id") for e in volume if e.tag == "article"]
    assert issues == ["issue-1", "issue-2", "issue-3", "issue-4"]  # oldest first
    ids = [e.get("id") for e in volume if e.get("id")]
    assert len(ids) == len(set(ids))  # issues 1 and 4 both have a heading 大会要求
    inside = [e.get("href")[1:] for e in volume if e.tag == "a" and (e.get("href") or "").startswith("#")]
    assert {"issue-1", "issue-4", "q4-da-hui-yao-qiu"} <= set(inside)
    assert set(inside) <= set(ids), set(inside) - set(ids)
