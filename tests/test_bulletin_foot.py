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
    assert "发送：</span>各支部，院领导" in html and "测试办公室" in html and "2010年7月20日印发" in html
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
