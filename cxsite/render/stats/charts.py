"""Charts drawn at build time as inline SVG (their data tables are the page template's).

Pure functions of their arguments: the same input gives the same bytes, and
the SVG has no script, no font and no reference to anything outside itself,
so a page works on an intranet, from file:// and on paper. Hand-written
rather than a plotting library: the ones on PyPI either draw with fonts and
styles of their own (matplotlib, pygal) or need a browser (plotly), and the
two chart forms needed here are a few dozen lines each.

Text is sized for a chart that is 360 units wide and shown at 100 % of its
column: about 12 px on a 375 px phone, about 17 px in a 440 px desktop column.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH = 360
FONT = 14  # label text, in viewBox units
SMALL = 12.5  # tick and value text
PALETTE = ("#b3151b", "#e0a91b", "#5b6b7a")
LINE_COLOUR = "#3d5a80"  # a second scale drawn as a line: distinct from the bars even in grey
INK, MUTED, GRID = "#222", "#6b6460", "#e6dcd3"


@dataclass(frozen=True)
class Series:
    """One series of numbers: its name, its unit (项, 人次, 篇…) and a value per label."""

    name: str
    values: tuple[int, ...]
    unit: str = ""

    @property
    def heading(self) -> str:
        """The name with its unit, as a legend or a table column shows it."""
        return f"{self.name}（{self.unit}）" if self.unit else self.name


def column_chart(*, ident: str, title: str, description: str, labels: tuple[str, ...],
                 bars: tuple[Series, ...], line: Series | None = None,
                 axis_labels: tuple[str, ...] = ()) -> Markup:
    """Vertical bars per label (one or two series on one scale), optionally a line on its own scale.

    `labels` name the columns in tooltips; `axis_labels` (default: the labels)
    are the shorter texts under them, a newline starting a second, quieter line
    (e.g. "7月\n2010年" under the first month of a year).
    """
    _check_lengths(labels, bars + ((line,) if line else ()))
    axis_labels = axis_labels or labels
    if len(axis_labels) != len(labels):
        raise ValueError("axis_labels and labels differ in length")
    left, right = 34, (36 if line else 8)
    legend_h = 24
    top, plot_h, bottom = legend_h + 18, 170, 40
    plot_w = WIDTH - left - right
    height = top + plot_h + bottom
    scale = _nice_scale(max((v for s in bars for v in s.values), default=0))
    parts = [_legend(bars, line, y=14)]
    parts += _y_axis(scale, x=left - 5, top=top, plot_h=plot_h, x_end=WIDTH - right, left=left)
    if line:
        line_scale = _nice_scale(max(line.values, default=0))
        parts += _right_axis(line_scale, x=WIDTH - right + 5, top=top, plot_h=plot_h)
    n = max(len(labels), 1)
    group = plot_w / n
    bar_w = min(group * 0.72 / len(bars), 28)
    show_values = n * len(bars) <= 24
    values: list[str] = []  # drawn last, over the line, with a white halo
    # Label every column whose label fits; otherwise every second, third… (the table has them all).
    widest = max((_text_width(a.split("\n")[0], FONT) for a in axis_labels), default=0)
    every = max(1, math.ceil((widest + 4) / group))
    for i, (label, axis_label) in enumerate(zip(labels, axis_labels, strict=True)):
        centre = left + group * (i + 0.5)
        x0 = centre - bar_w * len(bars) / 2
        for k, series in enumerate(bars):
            value = series.values[i]
            h = plot_h * value / scale[-1]
            x, y = x0 + k * bar_w, top + plot_h - h
            tip = f"{label}：{series.name} {value}{series.unit}"
            parts.append(f'<rect x="{_n(x + 0.5)}" y="{_n(y)}" width="{_n(bar_w - 1)}" height="{_n(h)}" '
                         f'fill="{PALETTE[k]}"><title>{escape(tip)}</title></rect>')
            if show_values and value:
                values.append(_text(x + bar_w / 2, y - 3, str(value), size=SMALL, anchor="middle",
                                    halo=True))
        if i % every == 0:
            for j, part in enumerate(axis_label.split("\n")[:2]):
                parts.append(_text(centre, top + plot_h + 17 + j * 15, part, size=SMALL if j else FONT,
                                   anchor="middle", fill=INK if j == 0 else MUTED))
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{WIDTH - right}" y2="{top + plot_h}" '
                 f'stroke="{MUTED}" stroke-width="1"/>')
    if line:
        parts += _line(line, labels, line_scale, left=left, group=group, top=top, plot_h=plot_h)
    return _svg(ident, title, description, height, parts + values)


def bar_chart(*, ident: str, title: str, description: str, labels: tuple[str, ...],
              panels: tuple[Series, ...]) -> Markup:
    """Horizontal bars, one row per label, for long Chinese labels (branches, kinds, phases).

    Each series gets a panel of its own with its own scale, side by side
    (events and 人次 differ by a hundredfold; one axis would flatten one of them).
    """
    _check_lengths(labels, panels)
    wrapped = [_wrap(label, width=_label_width(labels)) for label in labels]
    label_w = _label_width(labels)
    gap, value_room = 10, 30
    panel_w = (WIDTH - label_w - gap * len(panels)) / len(panels)
    top = 24
    rows_y, y = [], top
    for lines in wrapped:
        rows_y.append(y)
        y += 14 + 14 * len(lines)
    height = y + 6
    parts = []
    for p, series in enumerate(panels):
        x0 = label_w + gap + p * (panel_w + gap)
        parts.append(_text(x0, 14, series.heading, size=SMALL, fill=MUTED))
        parts.append(f'<line x1="{_n(x0)}" y1="{top - 4}" x2="{_n(x0)}" y2="{height - 4}" '
                     f'stroke="{MUTED}" stroke-width="1"/>')
        longest = max(series.values, default=0) or 1
        for i, value in enumerate(series.values):
            row_h = 14 + 14 * len(wrapped[i])
            w = (panel_w - value_room) * value / longest
            bar_y = rows_y[i] + (row_h - 14) / 2
            tip = f"{labels[i]}：{series.name} {value}{series.unit}"
            parts.append(f'<rect x="{_n(x0)}" y="{_n(bar_y)}" width="{_n(w)}" height="14" '
                         f'fill="{PALETTE[p % len(PALETTE)]}"><title>{escape(tip)}</title></rect>')
            parts.append(_text(x0 + w + 4, bar_y + 11, str(value), size=SMALL))
    for i, lines in enumerate(wrapped):
        row_h = 14 + 14 * len(lines)
        first = rows_y[i] + row_h / 2 - 7 * (len(lines) - 1) + 4
        for j, part in enumerate(lines):
            parts.append(_text(label_w, first + j * 14, part, size=FONT, anchor="end"))
    return _svg(ident, title, description, height, parts)


def _check_lengths(labels, series) -> None:
    """Refuse series whose length differs from the labels' (a programming mistake)."""
    for s in series:
        if len(s.values) != len(labels):
            raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(labels)} labels")


def _svg(ident: str, title: str, description: str, height: float, parts: list[str]) -> Markup:
    """Wrap chart parts in an accessible SVG that scales to its column's width."""
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {_n(height)}" '
        f'width="100%" role="img" aria-labelledby="{escape(ident)}-title" '
        f'aria-describedby="{escape(ident)}-desc">'
        f'<title id="{escape(ident)}-title">{escape(title)}</title>'
        f'<desc id="{escape(ident)}-desc">{escape(description)}</desc>'
        + "".join(parts) + "</svg>")


def _nice_scale(largest: float, ticks: int = 4) -> tuple[int, ...]:
    """Tick values from 0 to a round number at or above `largest`, in steps of 1, 2 or 5 × 10^k."""
    if largest <= 0:
        return (0, 1)
    rough = largest / ticks
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    step = max(1, int(step))  # counts are whole numbers
    top = step * math.ceil(largest / step)
    return tuple(range(0, top + 1, step))


def _y_axis(scale, *, x: float, top: float, plot_h: float, x_end: float, left: float) -> list[str]:
    """Grid lines and tick labels of the left axis."""
    parts = []
    for tick in scale:
        y = top + plot_h - plot_h * tick / scale[-1]
        parts.append(f'<line x1="{left}" y1="{_n(y)}" x2="{_n(x_end)}" y2="{_n(y)}" stroke="{GRID}" '
                     'stroke-width="1"/>')
        parts.append(_text(x, y + 4, str(tick), size=SMALL, anchor="end", fill=MUTED))
    return parts


def _right_axis(scale, *, x: float, top: float, plot_h: float) -> list[str]:
    """Tick labels of the line's own axis, on the right, in the line's colour."""
    return [_text(x, top + plot_h - plot_h * tick / scale[-1] + 4, str(tick), size=SMALL,
                  fill=LINE_COLOUR) for tick in scale]


def _line(series: Series, labels, scale, *, left: float, group: float, top: float,
          plot_h: float) -> list[str]:
    """A polyline with a marker and a tooltip per point."""
    points = [(left + group * (i + 0.5), top + plot_h - plot_h * v / scale[-1])
              for i, v in enumerate(series.values)]
    path = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
    parts = [f'<polyline points="{path}" fill="none" stroke="{LINE_COLOUR}" stroke-width="2" '
             'stroke-linejoin="round"/>'] if len(points) > 1 else []
    for (x, y), label, value in zip(points, labels, series.values, strict=True):
        tip = f"{label}：{series.name} {value}{series.unit}"
        parts.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3.5" fill="#fff" stroke="{LINE_COLOUR}" '
                     f'stroke-width="2"><title>{escape(tip)}</title></circle>')
    return parts


def _legend(bars: tuple[Series, ...], line: Series | None, *, y: float) -> str:
    """Swatches and names of the series, left to right."""
    parts, x = [], 0.0
    for k, series in enumerate(bars):
        parts.append(f'<rect x="{_n(x)}" y="{_n(y - 9)}" width="12" height="10" fill="{PALETTE[k]}"/>')
        parts.append(_text(x + 16, y, series.heading, size=SMALL))
        x += 16 + _text_width(series.heading, SMALL) + 14
    if line:
        parts.append(f'<line x1="{_n(x)}" y1="{_n(y - 4)}" x2="{_n(x + 14)}" y2="{_n(y - 4)}" '
                     f'stroke="{LINE_COLOUR}" stroke-width="2"/>')
        parts.append(f'<circle cx="{_n(x + 7)}" cy="{_n(y - 4)}" r="3" fill="#fff" stroke="{LINE_COLOUR}" '
                     'stroke-width="2"/>')
        parts.append(_text(x + 18, y, f"{line.heading}，右侧刻度", size=SMALL))
    return "".join(parts)


def _text(x: float, y: float, text: str, *, size: float, anchor: str = "start", fill: str = INK,
          halo: bool = False) -> str:
    """A text element; no font family, so the page's own font is used.

    A halo (a white outline under the glyphs) keeps a value readable where it crosses a line.
    """
    extra = f' text-anchor="{anchor}"' if anchor != "start" else ""
    if halo:
        extra += ' stroke="#fff" stroke-width="3" style="paint-order: stroke"'
    return (f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" fill="{fill}"{extra}>'
            f"{escape(text)}</text>")


def _text_width(text: str, size: float) -> float:
    """Estimate the drawn width of text: CJK characters are square, Latin ones about half."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.56 for ch in text)


def _label_width(labels) -> float:
    """Room for the labels of a horizontal chart: the longest, but at most 40 % of the chart."""
    longest = max((_text_width(label, FONT) for label in labels), default=0)
    return min(max(longest, 3 * FONT), WIDTH * 0.4) + 4


def _wrap(label: str, *, width: float) -> list[str]:
    """Break a label into at most two lines that fit `width`; shorten the second with …."""
    lines, current = [], ""
    for ch in label:
        if current and _text_width(current + ch, FONT) > width - 4:
            lines.append(current)
            current = ""
        current += ch
    lines.append(current)
    if len(lines) > 2:
        second = lines[1]
        while second and _text_width(second + "…", FONT) > width - 4:
            second = second[:-1]
        lines = [lines[0], second + "…"]
    return lines


def _n(value: float) -> str:
    """A coordinate with at most one decimal, the same text for the same number."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text
