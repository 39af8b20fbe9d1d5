"""The statistics of tests/sites/stats equal a recount made here from its YAML and front matter.

The recount reads the files with PyYAML and counts with plain loops, so it
shares nothing with cxsite's loader or statistics.py beyond the counting rules
the page states (held = begun by the build date; `all` counts for every branch).
"""

from __future__ import annotations

import datetime as dt
import re
import types
from collections import Counter
from pathlib import Path

import pytest
import yaml

from cxsite.render.stats.campaign import campaign_position
from cxsite.render.stats.statistics import NO_KIND, NO_LEVEL, compute_statistics
from cxsite.site.model import Phase

from support import FIXED_NOW, OWN, SITES, build_at

SITE = SITES / "stats"
TODAY = FIXED_NOW.date()


def _day(value) -> dt.date:
    """A YAML date (a date, or text such as 2010-07-16 14:30) as a date."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _records(kind: str) -> list[dict]:
    """The records of content/<kind>.yaml or content/<kind>/*.yaml (id from the file name)."""
    folder, single = SITE / "content" / kind, SITE / "content" / f"{kind}.yaml"
    records = yaml.safe_load(single.read_text("utf-8")) if single.exists() else []
    for path in sorted(folder.glob("*.yaml")) if folder.exists() else []:
        record = yaml.safe_load(path.read_text("utf-8"))
        records.append({"id": path.stem, **record})
    return records


def _front_matter(kind: str) -> list[dict]:
    """The front matter of content/<kind>/*.md."""
    return [yaml.safe_load(p.read_text("utf-8").split("---")[1])
            for p in sorted((SITE / "content" / kind).glob("*.md"))]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The stats test site built with the fixed clock (2010-11-01)."""
    result = build_at(SITE, tmp_path_factory.mktemp("stats") / "public")
    assert result.ok, [p.format() for p in result.problems]
    return result.site


@pytest.fixture(scope="module")
def stats(site):
    return compute_statistics(site)


@pytest.fixture(scope="module")
def recount():
    """What the YAML says, counted here."""
    events = _records("events")
    held = [e for e in events if _day(e["date"]) <= TODAY]
    return types.SimpleNamespace(
        events=events, held=held, branches=_records("branches"), phases=_records("phases"),
        honors=_records("honors"), won=[h for h in _records("honors") if _first_day(h["date"]) <= TODAY],
        bulletins=_front_matter("bulletins"), posts=_front_matter("posts"))


def _first_day(value) -> dt.date:
    """The first day of an honour's date: 2010, 2010-04 or 2010-10-20 (a number, text or a date)."""
    parts = [int(part) for part in str(value).split("-")]
    return dt.date(parts[0], *(parts[1:] + [1, 1])[:2])


def _takes_part(event: dict, branch_id: str) -> bool:
    branches = event.get("branches")
    return branches == "all" or branch_id in (branches or [])


def test_the_fixture_covers_the_cases(recount):
    held = recount.held
    assert len(held) < len(recount.events)  # a planned event
    assert any(e.get("branches") == "all" for e in held)
    assert any(not e.get("branches") for e in held)  # an event naming no branch
    assert any("participants" not in e for e in held)
    assert any("phase" not in e for e in held)
    assert any(not h.get("level") for h in recount.won)
    assert 0 < len(recount.won) < len(recount.honors)  # an honour dated after the build date


def test_totals(stats, recount):
    t = stats.totals
    assert t.events == len(recount.held)
    assert t.planned == len(recount.events) - len(recount.held)
    assert t.participants == sum(e.get("participants", 0) for e in recount.held)
    assert t.unrecorded == sum("participants" not in e for e in recount.held)
    assert t.whole == sum(e.get("branches") == "all" for e in recount.held)
    assert t.unassigned == sum(not e.get("branches") for e in recount.held)
    assert (t.bulletins, t.posts, t.honors, t.branches) == (
        len(recount.bulletins), len(recount.posts), len(recount.won), len(recount.branches))
    assert t.honors_later == len(recount.honors) - len(recount.won)


def test_months(stats, recount):
    def month(value) -> str:
        return _day(value).strftime("%Y-%m")

    events = Counter(month(e["date"]) for e in recount.held)
    people = Counter()
    for e in recount.held:
        people[month(e["date"])] += e.get("participants", 0)
    bulletins = Counter(month(b["date"]) for b in recount.bulletins)
    posts = Counter(month(p["date"]) for p in recount.posts)
    keys = sorted(set(events) | set(bulletins) | set(posts))
    assert [m.key for m in stats.months] == keys  # no gap in this fixture
    for m in stats.months:
        assert (m.events, m.participants, m.bulletins, m.posts) == (
            events[m.key], people[m.key], bulletins[m.key], posts[m.key]), m.key
    assert sum(m.events for m in stats.months) == stats.totals.events


def test_branches(stats, recount):
    assert [b.id for b in stats.branches] == sorted(b["id"] for b in recount.branches)
    for figures in stats.branches:
        joined = [e for e in recount.held if _takes_part(e, figures.id)]
        assert figures.events == len(joined), figures.id
        assert figures.own_events == sum(e.get("branches") == [figures.id] for e in joined)
        assert figures.participants == sum(e.get("participants", 0) for e in joined)
        assert figures.bulletins == sum(figures.id in b.get("branches", []) for b in recount.bulletins)
        assert figures.posts == sum(figures.id in p.get("branches", []) for p in recount.posts)
        assert figures.honors == sum(h.get("branch") == figures.id for h in recount.won)
        written = next(b for b in recount.branches if b["id"] == figures.id)
        assert [g.text for g in figures.goals] == written.get("goals", [])


def test_goals_list_the_records_that_name_them(stats):
    yi = next(b for b in stats.branches if b.id == "yi")
    goals = {g.text: [(r.kind, r.title) for r in g.records] for g in yi.goals}
    assert goals["开展“党员服务之星”评选"] == [
        ("活动", "第一党支部“党员服务之星”评选"), ("荣誉", "2010年度“党员服务之星”"),
        ("简报", "“党员服务之星”评选结果揭晓")]
    assert goals["争创“服务红旗党支部”"] == []  # nothing in the records names it
    assert goals["做好后勤保障"] == []  # nothing quoted, nothing matched
    er = next(b for b in stats.branches if b.id == "er")
    assert [(r.kind, r.title) for r in er.goals[0].records] == [
        ("活动", "“项目红旗”竞赛启动"), ("动态", "第二党支部开展“项目红旗”竞赛")]


def test_phases(stats, recount):
    rows = {p.id: p for p in stats.phases}
    for phase in recount.phases:
        start, end = _day(phase["start"]), _day(phase["end"])
        events = [e for e in recount.held if e.get("phase") == phase["id"]]
        row = rows[phase["id"]]
        assert row.events == len(events)
        assert row.participants == sum(e.get("participants", 0) for e in events)
        assert row.bulletins == sum(start <= _day(b["date"]) <= end for b in recount.bulletins)
        assert row.posts == sum(start <= _day(p["date"]) <= end for p in recount.posts)
    outside = [e for e in recount.held if "phase" not in e]
    assert rows[""].events == len(outside)
    assert rows[""].participants == sum(e.get("participants", 0) for e in outside)
    assert sum(p.events for p in stats.phases) == stats.totals.events
    assert [p.state for p in stats.phases] == ["已结束", "进行中", ""]


def test_kinds_and_honour_levels(stats, recount):
    kinds = Counter(e.get("kind") or NO_KIND for e in recount.held)
    assert {t.label: t.count for t in stats.kinds} == dict(kinds)
    counts = [t.count for t in stats.kinds]
    assert counts == sorted(counts, reverse=True)
    levels = Counter(h.get("level") or NO_LEVEL for h in recount.won)
    assert {t.label: t.count for t in stats.honor_levels} == dict(levels)
    order = [t.label for t in stats.honor_levels]
    assert order.index("国家级") < order.index("厅级") < order.index("院级") < order.index(NO_LEVEL)
    assert order[-1] == NO_LEVEL


def test_a_changed_record_changes_the_statistics(tmp_path):
    import shutil

    copy = tmp_path / "site"
    shutil.copytree(SITE, copy)
    event = copy / "content" / "events" / "laoganbu.yaml"
    event.write_text(event.read_text("utf-8").replace("participants: 21", "participants: 25"), "utf-8")
    before = compute_statistics(build_at(SITE, tmp_path / "a" / "public").site)
    after = compute_statistics(build_at(copy, tmp_path / "b" / "public").site)
    assert after.totals.participants == before.totals.participants + 4
    lao = [next(b for b in s.branches if b.id == "lao") for s in (before, after)]
    assert lao[1].participants == lao[0].participants + 4
    assert after != before


def test_reading_ranks_documents_by_views(site):
    views = {"/bulletins/1/": 5, "/posts/2010-07-06-lingdao/": 9, "/bulletins/2/": 5, "/": 40,
             "/css/nothing/": 3, "/bulletins/3/": 0}
    stats = compute_statistics(site, views)
    assert [(r.url, r.views) for r in stats.reading] == [
        ("/posts/2010-07-06-lingdao/", 9), ("/bulletins/1/", 5), ("/bulletins/2/", 5)]
    assert stats.reading[1].title == "召开动员大会（第1期）" and stats.reading[1].kind == "简报"
    assert stats.views_total == sum(views.values()) and stats.viewed_pages == 5
    assert compute_statistics(site).reading == ()


def _phase(pid: str, start: str, end: str, summary: str = "") -> Phase:
    tz = FIXED_NOW.tzinfo
    return Phase(id=pid, path="", url=f"/phases/{pid}/", name=pid, summary=summary,
                 start=dt.datetime.fromisoformat(start).replace(tzinfo=tz),
                 end=dt.datetime.fromisoformat(end).replace(tzinfo=tz))


PHASES = (_phase("p1", "2010-07-01", "2010-07-10"), _phase("p2", "2010-07-21", "2010-07-30", "closing"))


@pytest.mark.parametrize(("today", "state", "phase", "elapsed", "to_start", "steps"), [
    ("2010-06-29", "before", "p1", 0, 2, ["upcoming", "upcoming"]),
    ("2010-07-01", "running", "p1", 1, 0, ["current", "upcoming"]),
    ("2010-07-10", "running", "p1", 10, 0, ["current", "upcoming"]),
    ("2010-07-15", "between", "p2", 0, 6, ["done", "upcoming"]),
    ("2010-07-25", "running", "p2", 5, 0, ["done", "current"]),
    ("2010-07-30", "running", "p2", 10, 0, ["done", "current"]),
    ("2010-07-31", "concluded", "p2", 10, 0, ["done", "done"]),
])
def test_campaign_position(today, state, phase, elapsed, to_start, steps):
    now = dt.datetime.fromisoformat(today + " 12:00").replace(tzinfo=FIXED_NOW.tzinfo)
    position = campaign_position(types.SimpleNamespace(phases=PHASES, now=now))
    assert (position.state, position.phase_name) == (state, phase)
    assert (position.days_total, position.days_elapsed, position.days_to_start) == (10, elapsed, to_start)
    assert position.percent == elapsed * 10
    assert [s.state for s in position.steps] == steps
    assert position.summary == ("closing" if state == "concluded" else "")


def test_no_phases_no_position():
    assert campaign_position(types.SimpleNamespace(phases=(), now=FIXED_NOW)) is None


def _page(out: Path, url: str) -> str:
    return (out / url.strip("/") / "index.html").read_text("utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The stats site built twice into separate folders."""
    outs = []
    for name in ("one", "two"):
        out = tmp_path_factory.mktemp(name) / "public"
        assert build_at(SITE, out).ok
        outs.append(out)
    return outs


def other_scripts(html: str) -> list[str]:
    """The page's <script> tags other than the theme's 大字 switch (js/textsize.js, on every page)."""
    return [tag for tag in re.findall(r"<script\b[^>]*>", html) if not tag.endswith('js/textsize.js">')]


def test_stats_page_has_no_script_and_every_chart_a_title_and_a_table(built):
    html = _page(built[0], "/stats/")
    assert other_scripts(html) == []
    svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert len(svgs) >= 6
    for svg in svgs:
        assert re.search(r'<svg[^>]*role="img"', svg) and "<title" in svg and "<desc" in svg
    assert html.count('<table class="data-table">') == len(svgs)
    # A name with markup in it is shown as text, in the chart and in the table.
    assert "<老同志>" not in html and "&lt;老同志&gt; &amp;" in html


def test_stats_page_shows_the_records_numbers(built, stats):
    html = _page(built[0], "/stats/")
    t = stats.totals
    assert f"开展创先争优活动<strong>{t.events}</strong>项" in html
    assert f"参加<strong>{t.participants}</strong>人次" in html
    assert f"另有{t.planned}项活动已列入安排" in html
    assert "计入每个党支部" in html  # the page says how `all` is counted
    assert "浏览" not in html and "阅读排行" not in html  # no logs, nothing about views


def test_stats_page_is_the_same_bytes_on_every_build(built):
    assert _page(built[0], "/stats/") == _page(built[1], "/stats/")


def test_home_page_shows_the_campaign_position(built, tmp_path):
    home = _page(built[0], "/")
    assert "当前阶段" in home and "第二阶段：深入实施" in home
    assert 'aria-valuenow="32"' in home and "已进行 <strong>32</strong> 天，共 123 天（26%）" in home
    assert other_scripts(home) == []
    later = tmp_path / "later" / "public"
    assert build_at(SITE, later, now=FIXED_NOW.replace(year=2011, month=3)).ok
    home = _page(later, "/")
    assert "活动已结束" in home and "当前阶段" not in home
    assert "<strong>圆满完成</strong>" in home  # the last phase's summary closes the campaign
    early = tmp_path / "early" / "public"
    assert build_at(SITE, early, now=FIXED_NOW.replace(month=6)).ok
    home = _page(early, "/")
    assert "下一阶段" in home
    assert '活动将于<span class="date">2010年7月1日</span>开始，还有 <strong>30</strong> 天' in home


def test_the_next_day_and_an_edited_event_update_the_pages_that_show_them(tmp_path):
    import shutil

    root, out = tmp_path / "site", tmp_path / "public"
    shutil.copytree(SITE, root)
    first = build_at(root, out, jobs=1)
    assert first.ok and first.rendered == first.pages
    assert build_at(root, out, jobs=1, now=FIXED_NOW + dt.timedelta(hours=5)).rendered == 0
    next_day = build_at(root, out, jobs=1, now=FIXED_NOW + dt.timedelta(days=1))
    assert next_day.rendered == 2  # the home page's progress and the statistics' date
    assert "已进行 <strong>33</strong> 天" in _page(out, "/")
    assert "统计截至 <time datetime=\"2010-11-02\">" in _page(out, "/stats/")
    before = _written(out)
    event = root / "content" / "events" / "laoganbu.yaml"
    event.write_text(event.read_text("utf-8").replace("participants: 21", "participants: 25"), "utf-8")
    edited = build_at(root, out, jobs=1, now=FIXED_NOW + dt.timedelta(days=1))
    assert 0 < edited.rendered < 10
    assert "参加<strong>219</strong>人次" in _page(out, "/stats/")  # 215 + 4
    # The statistics and the pages that show the event's 参加人数: its own, the timeline, its
    # branch's and its phase's, and the home page (its recent events); nothing else.
    changed = {path for path, stamp in _written(out).items() if before.get(path) != stamp}
    assert changed == {"stats/index.html", "events/laoganbu/index.html", "events/index.html",
                       "branches/lao/index.html", "phases/p1/index.html", "index.html"}


def _written(out: Path) -> dict[str, int]:
    """When each file of the site was written (cxsite's own manifest left out)."""
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*")
            if p.is_file() and p.name != OWN}
