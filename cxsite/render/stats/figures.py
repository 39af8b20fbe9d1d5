"""The charts of the statistics page, each with the numbers of its data table.

A Figure carries its SVG and the rows and columns of the table the page shows
beside it, taken from the same series, so a chart never goes without its table
and the two cannot disagree. The table itself is written by the template
(its links must be relative to the page).
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from cxsite.render.stats.charts import Series, bar_chart, column_chart


@dataclass(frozen=True)
class Figure:
    """A chart and the table beside it."""

    ident: str  # the HTML id of the figure; the SVG's title and desc ids derive from it
    title: str
    description: str  # what the chart shows, in a sentence (its accessible description)
    svg: Markup
    label_heading: str  # heading of the table's first column
    labels: tuple[str, ...]
    columns: tuple[Series, ...]  # the table's numeric columns (the chart's series and maybe more)
    links: tuple[str, ...] = ()  # site URLs of the rows ("" for none)
    total: bool = False  # whether a 合计 row makes sense (no row counted twice)
    note: str = ""  # how the figures are counted, shown under the table


def statistics_figures(stats) -> tuple[Figure, ...]:
    """Every chart of /stats/ in reading order; charts with nothing to show are left out."""
    makers = (_by_month, _by_branch, _by_phase, _by_kind, _by_level, _publications, _reading)
    return tuple(f for f in (make(stats) for make in makers) if f is not None)


def _by_month(stats) -> Figure | None:
    """Events per month, with 人次 as a line on its own scale."""
    months = stats.months
    if not any(m.events for m in months):
        return None
    labels = tuple(m.label for m in months)
    events = Series("活动", tuple(m.events for m in months), "项")
    people = Series("参加", tuple(m.participants for m in months), "人次")
    busiest = max(months, key=lambda m: m.events)
    title = "各月开展活动和参加人次"
    description = (f"{months[0].label}至{months[-1].label}，共开展活动{sum(events.values)}项、"
                   f"参加{sum(people.values)}人次；活动最多的是{busiest.label}（{busiest.events}项）。")
    svg = column_chart(ident="chart-months", title=title, description=description, labels=labels,
                       bars=(events,), line=people, axis_labels=_month_axis(months))
    return Figure("chart-months", title, description, svg, "月份", labels, (events, people), total=True,
                  note="活动按开始日期计入月份；人次只计记录了参加人数的活动。")


def _by_branch(stats) -> Figure | None:
    """Events and 人次 per branch, with the branch's documents and honours in the table."""
    rows = stats.branches
    if not rows:
        return None
    labels = tuple(b.name for b in rows)
    events = Series("参加活动", tuple(b.events for b in rows), "项")
    own = Series("其中单独组织", tuple(b.own_events for b in rows), "项")
    people = Series("参加", tuple(b.participants for b in rows), "人次")
    bulletins = Series("简报", tuple(b.bulletins for b in rows), "期")
    posts = Series("动态", tuple(b.posts for b in rows), "篇")
    honors = Series("荣誉", tuple(b.honors for b in rows), "项")
    most = max(rows, key=lambda b: b.events)
    title = "各党支部参加活动和人次"
    description = (f"{len(rows)}个党支部参加活动的项数和人次；参加活动最多的是{most.name}"
                   f"（{most.events}项）。全院性活动计入每个支部。")
    svg = bar_chart(ident="chart-branches", title=title, description=description, labels=labels,
                    panels=(events, people))
    note = ("注明“全院”（branches: all）的活动计入每个党支部，几个支部联合开展的活动计入每个参加的支部，"
            "人次按整项活动计入，因此各支部数字相加多于全院合计。")
    if stats.totals.unassigned:
        note += f"另有{stats.totals.unassigned}项活动未注明支部，不计入任何支部。"
    return Figure("chart-branches", title, description, svg, "党支部", labels,
                  (events, own, people, bulletins, posts, honors), links=tuple(b.url for b in rows),
                  note=note)


def _by_phase(stats) -> Figure | None:
    """Events and 人次 per phase."""
    rows = stats.phases
    if not rows or not any(p.events for p in rows):
        return None
    labels = tuple(p.name for p in rows)
    events = Series("活动", tuple(p.events for p in rows), "项")
    people = Series("参加", tuple(p.participants for p in rows), "人次")
    bulletins = Series("简报", tuple(p.bulletins for p in rows), "期")
    posts = Series("动态", tuple(p.posts for p in rows), "篇")
    title = "各阶段开展活动和参加人次"
    parts = "；".join(f"{p.name}{p.events}项、{p.participants}人次" for p in rows)
    description = f"按活动阶段统计：{parts}。"
    svg = bar_chart(ident="chart-phases", title=title, description=description, labels=labels,
                    panels=(events, people))
    return Figure("chart-phases", title, description, svg, "阶段", labels, (events, people, bulletins, posts),
                  links=tuple(p.url for p in rows), total=True,
                  note="活动按记录中的 phase 计入阶段；简报和动态按发布日期计入阶段。")


def _by_kind(stats) -> Figure | None:
    """Events by kind."""
    return _tally_figure(stats.kinds, ident="chart-kinds", title="活动类型", heading="类型",
                         series=("活动", "项"), what="已开展的活动按类型")


def _by_level(stats) -> Figure | None:
    """Honours by level."""
    return _tally_figure(stats.honor_levels, ident="chart-honors", title="荣誉级别", heading="级别",
                         series=("荣誉", "项"), what="统计日以前获得的荣誉按级别")


def _tally_figure(rows, *, ident: str, title: str, heading: str, series: tuple[str, str],
                  what: str) -> Figure | None:
    """A one-series horizontal bar chart of tallies."""
    if not rows:
        return None
    labels = tuple(t.label for t in rows)
    values = Series(series[0], tuple(t.count for t in rows), series[1])
    parts = "、".join(f"{t.label}{t.count}{series[1]}" for t in rows)
    description = f"{what}统计，共{sum(values.values)}{series[1]}：{parts}。"
    svg = bar_chart(ident=ident, title=title, description=description, labels=labels, panels=(values,))
    return Figure(ident, title, description, svg, heading, labels, (values,), total=True)


def _publications(stats) -> Figure | None:
    """Bulletins and posts per month, side by side."""
    months = stats.months
    if not any(m.bulletins or m.posts for m in months):
        return None
    labels = tuple(m.label for m in months)
    bulletins = Series("简报", tuple(m.bulletins for m in months), "期")
    posts = Series("动态", tuple(m.posts for m in months), "篇")
    title = "各月刊发简报和动态"
    description = (f"{months[0].label}至{months[-1].label}，共刊发简报{sum(bulletins.values)}期、"
                   f"动态{sum(posts.values)}篇。")
    svg = column_chart(ident="chart-publications", title=title, description=description, labels=labels,
                       bars=(bulletins, posts), axis_labels=_month_axis(months))
    return Figure("chart-publications", title, description, svg, "月份", labels, (bulletins, posts),
                  total=True)


def _reading(stats) -> Figure | None:
    """The most read documents (only when the server's logs were read)."""
    rows = stats.reading
    if not rows:
        return None
    labels = tuple(r.title for r in rows)
    views = Series("浏览", tuple(r.views for r in rows), "次")
    title = "阅读排行"
    description = (f"浏览次数最多的{len(rows)}篇文章，第一是《{rows[0].title}》（{rows[0].views}次）。"
                   f"全站共浏览{stats.views_total}次。")
    svg = bar_chart(ident="chart-reading", title=title, description=description, labels=labels,
                    panels=(views,))
    return Figure("chart-reading", title, description, svg, "文章", labels, (views,),
                  links=tuple(r.url for r in rows),
                  note="浏览次数来自内网服务器的访问日志：只计成功打开的页面，不计搜索引擎和程序的访问。")


def _month_axis(months) -> tuple[str, ...]:
    """Axis labels for months: 7月, with the year on a second line at the start and each January."""
    return tuple(f"{int(m.key[5:])}月" + (f"\n{m.key[:4]}年" if i == 0 or m.key.endswith("-01") else "")
                 for i, m in enumerate(months))
