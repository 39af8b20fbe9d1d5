"""The events calendars as a calendar client reads them, parsed with icalendar."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from cxsite.content.config import load_config
from cxsite.content.dates import parse_duration
from tests.support import FIXED_NOW, REPO, build_at

SHANGHAI = ZoneInfo("Asia/Shanghai")
EIGHT_HOURS = dt.timedelta(hours=8)


def uid_mark(organization: str) -> str:
    """What follows an event's id in its UID: a mark of the organization, never the site's address."""
    return "@" + hashlib.blake2b(organization.encode("utf-8"), digest_size=5).hexdigest() + ".cxsite"


UID_HOST = uid_mark("省林业规划院")
SMALL_UID = uid_mark("测试单位")


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The example site built once with the fixed clock: (output folder, BuildResult)."""
    out = tmp_path_factory.mktemp("example") / "public"
    result = build_at(REPO, out)
    assert result.ok, [p.format() for p in result.problems]
    return out, result


def read_calendar(path: Path) -> icalendar.Calendar:
    """Parse a built .ics file."""
    return icalendar.Calendar.from_ical(path.read_bytes())


def events_by_uid(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    """The VEVENTs of a calendar by UID."""
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_one_vevent_per_event_with_stable_uids(example):
    out, _ = example
    files = sorted((REPO / "content" / "events").glob("*.yaml"))
    calendar = read_calendar(out / "events.ics")
    vevents = calendar.walk("VEVENT")
    assert len(vevents) == len(files) == 19
    assert sorted(str(e["UID"]) for e in vevents) == sorted(f.stem + UID_HOST for f in files)


def test_calendar_names_itself_and_carries_the_time_zone(example):
    out, _ = example
    calendar = read_calendar(out / "events.ics")
    assert str(calendar["X-WR-CALNAME"]) == "创先争优活动专题·活动安排"
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Shanghai"
    assert str(calendar["VERSION"]) == "2.0"
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Asia/Shanghai"
    [standard] = zone.walk("STANDARD")
    assert standard["TZOFFSETTO"].td == EIGHT_HOURS
    assert calendar.get_missing_tzids() == set()


def test_a_timed_event_is_at_the_right_time_in_shanghai(example):
    out, _ = example
    data = (out / "events.ics").read_bytes()
    event = events_by_uid(icalendar.Calendar.from_ical(data))["dongyuan-dahui" + UID_HOST]
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == dt.datetime(2010, 7, 16, 14, 30, tzinfo=SHANGHAI)
    assert end == dt.datetime(2010, 7, 16, 17, 30, tzinfo=SHANGHAI)
    assert start.utcoffset() == end.utcoffset() == EIGHT_HOURS
    assert start.astimezone(dt.UTC) == dt.datetime(2010, 7, 16, 6, 30, tzinfo=dt.UTC)
    assert b"DTSTART;TZID=Asia/Shanghai:20100716T143000\r\n" in data
    assert b"DTEND;TZID=Asia/Shanghai:20100716T173000\r\n" in data
    assert str(event["SUMMARY"]) == "院创先争优活动动员大会"
    assert str(event["LOCATION"]) == "院新楼三楼会议室"
    url = "https://intranet.lyghy.internal/zt/cxcy/events/dongyuan-dahui/"
    assert str(event["URL"]) == url
    description = str(event["DESCRIPTION"])
    assert description.startswith("院领导、全体在职党员和研究生代表共56人参加。")
    assert description.endswith("\n\n" + url)
    assert "<" not in description and "cxsite:" not in description
    assert event.decoded("DTSTAMP") == dt.datetime(2010, 7, 15, 16, 0, tzinfo=dt.UTC)


def test_a_date_only_event_is_all_day_with_an_exclusive_end(example):
    out, _ = example
    data = (out / "events.ics").read_bytes()
    event = events_by_uid(icalendar.Calendar.from_ical(data))["xianji-xiance" + UID_HOST]
    # date: 2010-07-20, end: 2010-08-10 -> all day from 20 July through 10 August
    assert event.decoded("DTSTART") == dt.date(2010, 7, 20)
    assert event.decoded("DTEND") == dt.date(2010, 8, 11)
    assert not isinstance(event.decoded("DTSTART"), dt.datetime)
    assert b"DTSTART;VALUE=DATE:20100720\r\n" in data
    assert b"DTEND;VALUE=DATE:20100811\r\n" in data
    assert "LOCATION" not in event


def test_branch_calendars_hold_the_branch_events_and_those_of_all_branches(example):
    out, result = example
    site = result.site
    for branch in site.branches:
        calendar = read_calendar(out / "branches" / branch.id / "events.ics")
        expected = {e.id + UID_HOST for e in site.events if e.all_branches or branch.id in e.branches}
        assert set(events_by_uid(calendar)) == expected, branch.id
        assert len(calendar.walk("VEVENT")) == len(expected)
        assert str(calendar["X-WR-CALNAME"]) == f"创先争优活动专题·{branch.name}活动"
    lituixiu = events_by_uid(read_calendar(out / "branches/lituixiu/events.ics"))
    assert "lituixiu-wuhao" + UID_HOST in lituixiu
    assert "dangweihui" + UID_HOST not in lituixiu  # an event of no branch is only in events.ics


def test_two_builds_give_identical_calendars(example, tmp_path):
    out, _ = example
    again = build_at(REPO, tmp_path / "again", now=FIXED_NOW + dt.timedelta(days=400))
    assert again.ok
    for path in sorted(out.rglob("*.ics")):
        rel = path.relative_to(out)
        assert (tmp_path / "again" / rel).read_bytes() == path.read_bytes(), rel


def test_calendar_lines_follow_rfc_5545(example):
    out, _ = example
    data = (out / "events.ics").read_bytes()
    lines = data.split(b"\r\n")
    assert lines[0] == b"BEGIN:VCALENDAR" and lines[-2:] == [b"END:VCALENDAR", b""]
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in lines) <= 75
    data.decode("utf-8")  # folding never splits a character


# --- every way of writing an event's time ---------------------------------------------------------

EVENTS_YAML = """\
- id: range
  title: 动员会
  date: 2010-07-16
  time: "14:30-17:30"
  branches: all
- id: start-only
  title: 只写开始
  date: 2010-07-20
  time: "9:00"
  branches: [a]
- id: full-width
  title: 全角
  date: 2010-07-21
  time: "14：30～16：00"
- id: one-day
  title: 一天
  date: 2010-07-22
- id: many-days
  title: 几天
  date: 2010-07-23
  end: 2010-07-25
- id: many-days-timed
  title: 几天带时间
  date: 2010-07-26
  end: 2010-07-27
  time: "09:00-17:00"
- id: clock-in-date
  title: 日期带时间
  date: 2010-07-28 10:00
- id: unreadable
  title: 看不懂
  date: 2010-07-29
  time: 下午
- id: backwards
  title: 倒过来
  date: 2010-07-30
  time: "16:00-15:00"
"""


@pytest.fixture
def timed(tmp_path):
    """A small site with one event for each way of writing a time: (root, result, VEVENTs by id)."""
    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    (root / "site.yaml").write_text("title: 测试\norganization: 测试单位\nbase_url: https://ceshi.internal/\n",
                                    encoding="utf-8")
    (root / "content" / "branches.yaml").write_text("- {id: a, name: 甲}\n- {id: b, name: 乙}\n",
                                                    encoding="utf-8")
    (root / "content" / "events.yaml").write_text(EVENTS_YAML, encoding="utf-8")
    result = build_at(root, tmp_path / "out")
    assert result.ok
    calendar = read_calendar(tmp_path / "out" / "events.ics")
    return root, result, {uid.removesuffix(SMALL_UID): e for uid, e in events_by_uid(calendar).items()}


def when(event: icalendar.Event) -> tuple:
    """DTSTART and DTEND (None when absent) as Python values."""
    return event.decoded("DTSTART"), event.decoded("DTEND") if "DTEND" in event else None


def at(day: int, hour: int, minute: int = 0, month: int = 7) -> dt.datetime:
    """A July 2010 moment in Shanghai."""
    return dt.datetime(2010, month, day, hour, minute, tzinfo=SHANGHAI)


def test_every_way_of_writing_a_time(timed):
    _, _, events = timed
    assert when(events["range"]) == (at(16, 14, 30), at(16, 17, 30))
    assert when(events["start-only"]) == (at(20, 9), at(20, 11))  # two hours, unless site.yaml says
    assert when(events["full-width"]) == (at(21, 14, 30), at(21, 16))
    assert when(events["one-day"]) == (dt.date(2010, 7, 22), dt.date(2010, 7, 23))
    assert when(events["many-days"]) == (dt.date(2010, 7, 23), dt.date(2010, 7, 26))
    assert when(events["many-days-timed"]) == (at(26, 9), at(27, 17))
    assert when(events["clock-in-date"]) == (at(28, 10), at(28, 12))
    assert when(events["unreadable"]) == (dt.date(2010, 7, 29), dt.date(2010, 7, 30))
    assert str(events["unreadable"]["DESCRIPTION"]).startswith("时间：下午\n\n")
    assert when(events["backwards"]) == (at(30, 16), at(30, 18))
    assert all(str(e["UID"]).endswith(SMALL_UID) for e in events.values())


def test_unreadable_times_are_warnings_with_their_line(timed):
    _, result, _ = timed
    assert [p.format() for p in result.problems] == [
        "content/events.yaml:33:9: 警告：time（时间）“下午”无法识别，日历中按全天活动处理\n"
        "    提示：写成 14:30 或 14:30-17:30（24 小时制，半角冒号）",
        "content/events.yaml:37:9: 警告：time（时间）“16:00-15:00”的结束时间不晚于开始时间，"
        "日历中按只有开始时间的活动处理\n"
        "    提示：写成 14:30 或 14:30-17:30（24 小时制，半角冒号）",
    ]


def test_branch_calendars_of_the_small_site(timed, tmp_path):
    out = tmp_path / "out"
    a = events_by_uid(read_calendar(out / "branches/a/events.ics"))
    b = events_by_uid(read_calendar(out / "branches/b/events.ics"))
    assert sorted(a) == ["range" + SMALL_UID, "start-only" + SMALL_UID]
    assert sorted(b) == ["range" + SMALL_UID]


def test_uids_survive_edits(timed, tmp_path):
    root, _, before = timed
    path = root / "content" / "events.yaml"
    path.write_text(EVENTS_YAML.replace("动员会", "动员大会（改期）").replace("2010-07-16", "2010-07-17"),
                    encoding="utf-8")
    assert build_at(root, tmp_path / "again").ok
    after = events_by_uid(read_calendar(tmp_path / "again" / "events.ics"))
    moved = after["range" + SMALL_UID]
    assert str(moved["SUMMARY"]) == "动员大会（改期）"
    assert when(moved) == (at(17, 14, 30), at(17, 17, 30))
    assert sorted(after) == sorted(uid + SMALL_UID for uid in before)


def test_a_site_without_events_has_empty_calendars(tmp_path):
    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    (root / "site.yaml").write_text("title: 测试\norganization: 测试单位\nbase_url: https://ceshi.internal/\n",
                                    encoding="utf-8")
    (root / "content" / "branches.yaml").write_text("- {id: a, name: 甲}\n", encoding="utf-8")
    assert build_at(root, tmp_path / "out").ok
    for name in ("events.ics", "branches/a/events.ics"):
        calendar = read_calendar(tmp_path / "out" / name)
        assert calendar.walk("VEVENT") == [] and calendar.walk("VTIMEZONE") == []


def test_uids_do_not_depend_on_the_site_address(timed, tmp_path):
    root, _, before = timed
    moved = build_at(root, tmp_path / "moved", base_url="http://10.1.2.3/zt/cxcy/")
    assert moved.ok
    after = events_by_uid(read_calendar(tmp_path / "moved" / "events.ics"))
    assert sorted(after) == sorted(uid + SMALL_UID for uid in before)
    assert str(after["range" + SMALL_UID]["URL"]) == "http://10.1.2.3/zt/cxcy/events/range/"


def test_the_default_duration_of_an_event_with_only_a_start_is_set_in_site_yaml(timed, tmp_path):
    root, _, _ = timed
    config = root / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "events:\n  duration: 1h30m\n", encoding="utf-8")
    assert build_at(root, tmp_path / "short").ok
    events = events_by_uid(read_calendar(tmp_path / "short" / "events.ics"))
    assert when(events["start-only" + SMALL_UID]) == (at(20, 9), at(20, 10, 30))
    assert when(events["clock-in-date" + SMALL_UID]) == (at(28, 10), at(28, 11, 30))
    assert when(events["range" + SMALL_UID]) == (at(16, 14, 30), at(16, 17, 30))  # its own end stays


@pytest.mark.parametrize(("written", "expected"), [
    ("2h", dt.timedelta(hours=2)), ("90m", dt.timedelta(minutes=90)), ("1.5h", dt.timedelta(minutes=90)),
    ("1h30m", dt.timedelta(minutes=90)), ("2小时", dt.timedelta(hours=2)),
    ("45分钟", dt.timedelta(minutes=45)), (3, dt.timedelta(hours=3)),
])
def test_durations_as_writers_write_them(written, expected):
    assert parse_duration(written) == expected


def test_an_unreadable_duration_is_an_error_in_site_yaml(tmp_path):
    (tmp_path / "site.yaml").write_text("title: 测试\norganization: 测试单位\nbase_url: https://ceshi.internal/\n"
                                        "events:\n  duration: 两个钟头\n", encoding="utf-8")
    config, problems = load_config(tmp_path)
    assert [p.format() for p in problems] == [
        "site.yaml:5:13: 错误：events.duration（活动时长）“两个钟头”不是可识别的时长\n"
        "    提示：写成 2h、1.5h、90m 或 2小时"]
