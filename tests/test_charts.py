"""Charts drawn at build time: accessible, self-contained, escaped and deterministic SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from cxsite.render.stats.charts import Series, _nice_scale, bar_chart, column_chart

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = ("2010年7月", "2010年8月", "2010年9月")


def _column(**overrides) -> str:
    """A column chart of three months with a second series as a line."""
    args = dict(ident="c1", title="各月活动", description="三个月的活动和人次", labels=MONTHS,
                bars=(Series("活动", (6, 3, 0), "项"),), line=Series("参加", (208, 130, 0), "人次"))
    args.update(overrides)
    return str(column_chart(**args))


def _bars(**overrides) -> str:
    """A horizontal bar chart with two panels."""
    args = dict(ident="b1", title="各支部", description="各支部活动和人次",
                labels=("第一党支部", "离退休党支部"),
                panels=(Series("活动", (14, 10), "项"), Series("参加", (575, 505), "人次")))
    args.update(overrides)
    return str(bar_chart(**args))


def test_svg_is_well_formed_and_accessible():
    for svg in (_column(), _bars()):
        root = ET.fromstring(svg)  # well-formed XML, so also valid inline in HTML
        assert root.tag == SVG + "svg"
        assert root.get("role") == "img"
        title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
        assert title is not None and desc is not None
        assert root.get("aria-labelledby") == title.get("id")
        assert root.get("aria-describedby") == desc.get("id")
        assert root.get("width") == "100%" and root.get("viewBox").startswith("0 0 ")


def test_svg_is_self_contained():
    for svg in (_column(), _bars()):
        assert "<script" not in svg and "<style" not in svg
        assert "href" not in svg and "url(" not in svg and "@import" not in svg
        assert "font-family" not in svg  # the page's own fonts only
        assert not re.search(r"on[a-z]+=", svg)


def test_same_input_same_bytes():
    assert _column() == _column()
    assert _bars() == _bars()
    assert _column() != _column(bars=(Series("活动", (6, 3, 1), "项"),))


def test_text_is_escaped():
    label = '<b>"支部" & \'x\'</b>'
    svg = _bars(labels=(label, "二"), title="A & <B>", description="</desc><script>")
    root = ET.fromstring(svg)  # would not parse if anything were left unescaped
    assert root.find(SVG + "title").text == "A & <B>"
    assert root.find(SVG + "desc").text == "</desc><script>"
    assert "<b>" not in svg and "<script>" not in svg
    texts = "".join(t.text or "" for t in root.iter(SVG + "text"))
    assert "&" in texts and "<b>" in texts  # the label is shown as text, not markup


def test_every_value_is_drawn_and_told():
    root = ET.fromstring(_column())
    bars = [r for r in root.iter(SVG + "rect") if r.find(SVG + "title") is not None]
    assert [b.find(SVG + "title").text for b in bars] == [
        "2010年7月：活动 6项", "2010年8月：活动 3项", "2010年9月：活动 0项"]
    heights = [float(b.get("height")) for b in bars]
    assert heights[0] == pytest.approx(2 * heights[1], rel=0.005) and heights[2] == 0
    points = [c.find(SVG + "title").text for c in root.iter(SVG + "circle")
              if c.find(SVG + "title") is not None]
    assert points == ["2010年7月：参加 208人次", "2010年8月：参加 130人次", "2010年9月：参加 0人次"]


def test_bar_lengths_follow_values_within_each_panel():
    root = ET.fromstring(_bars())
    bars = {r.find(SVG + "title").text: float(r.get("width"))
            for r in root.iter(SVG + "rect") if r.find(SVG + "title") is not None}
    # Coordinates are written to a tenth of a unit, hence the tolerance.
    assert bars["第一党支部：活动 14项"] / bars["离退休党支部：活动 10项"] == pytest.approx(1.4, rel=0.005)
    assert bars["第一党支部：参加 575人次"] / bars["离退休党支部：参加 505人次"] == pytest.approx(
        575 / 505, rel=0.005)


def test_all_zero_and_empty_series_draw_without_error():
    svg = _column(bars=(Series("活动", (0, 0, 0)),), line=None)
    assert ET.fromstring(svg) is not None
    empty = column_chart(ident="e", title="空", description="无", labels=(), bars=(Series("x", ()),))
    assert ET.fromstring(str(empty)) is not None


def test_mismatched_series_are_refused():
    with pytest.raises(ValueError):
        _column(bars=(Series("活动", (1, 2)),))
    with pytest.raises(ValueError):
        _bars(panels=(Series("活动", (1,)),))


def test_long_labels_wrap_to_two_lines_at_most():
    long = "第一阶段：动员部署和学习讨论以及各支部主题实践活动的全面启动和深入推进"
    root = ET.fromstring(_bars(labels=(long, "短"), panels=(Series("活动", (1, 2)),)))
    shown = [t.text for t in root.iter(SVG + "text") if t.get("text-anchor") == "end"]
    assert len(shown) == 3  # two lines for the long label, one for the short one
    assert shown[1].endswith("…") and long.startswith(shown[0])


def test_many_columns_label_every_few():
    labels = tuple(f"2010年{m}月" for m in range(1, 13)) + tuple(f"2011年{m}月" for m in range(1, 13))
    svg = column_chart(ident="m", title="t", description="d", labels=labels,
                       bars=(Series("活动", tuple(range(24))),))
    root = ET.fromstring(str(svg))
    axis = [t for t in root.iter(SVG + "text") if t.text and t.text.startswith("2010年")]
    assert 2 <= len(axis) < 24  # thinned, not one per column (they would overlap on a phone)


@pytest.mark.parametrize(("largest", "ticks"), [
    (0, (0, 1)), (1, (0, 1)), (6, (0, 2, 4, 6)), (7, (0, 2, 4, 6, 8)), (100, (0, 50, 100)),
    (575, (0, 200, 400, 600)), (603, (0, 200, 400, 600, 800)),
])
def test_scale_is_round_and_covers_the_largest_value(largest, ticks):
    assert _nice_scale(largest) == ticks
