"""Dates as writers type them, impossible dates, and the Chinese way of showing them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cxsite.content.dates import (
    DateError,
    PartialDate,
    load_zone,
    parse_datetime,
    parse_partial_date,
    zh_date,
    zh_month,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("text", "expected"), [
    ("2010-07-08", (2010, 7, 8, 0, 0, 0)),
    ("2010-7-8", (2010, 7, 8, 0, 0, 0)),
    ("2010-07-08 14:30", (2010, 7, 8, 14, 30, 0)),
    ("2010-07-08T14:30", (2010, 7, 8, 14, 30, 0)),
    ("2010-07-08 14:30:15", (2010, 7, 8, 14, 30, 15)),
    ("2010年7月8日", (2010, 7, 8, 0, 0, 0)),
    ("2010 年 7 月 8 日", (2010, 7, 8, 0, 0, 0)),
    ("2010年07月08号", (2010, 7, 8, 0, 0, 0)),
    ("2010年7月8日 14:30", (2010, 7, 8, 14, 30, 0)),
    ("2010年7月8日14：30", (2010, 7, 8, 14, 30, 0)),  # a full-width colon in the time is fine
    (" 2010-07-08 ", (2010, 7, 8, 0, 0, 0)),
    ("2012-02-29", (2012, 2, 29, 0, 0, 0)),
])
def test_accepted_forms_are_read_in_the_site_zone(text, expected):
    when = parse_datetime(text, SHANGHAI)
    assert when == dt.datetime(*expected, tzinfo=SHANGHAI)
    assert when.utcoffset() == dt.timedelta(hours=8)


@pytest.mark.parametrize(("text", "utc_hour"), [("2010-07-08T06:30:00Z", 6), ("2010-07-08 14:30+09:00", 5)])
def test_an_explicit_offset_wins_and_is_shown_in_the_site_zone(text, utc_hour):
    when = parse_datetime(text, SHANGHAI)
    assert when.astimezone(dt.UTC).hour == utc_hour
    assert when.tzinfo == SHANGHAI


@pytest.mark.parametrize(("value", "message"), [
    ("2010-02-29", "“2010-02-29”不存在：2010年2月只有28天"),
    ("2010-04-31", "“2010-04-31”不存在：2010年4月只有30天"),
    ("2010年13月1日", "“2010年13月1日”不存在：没有13月"),
    ("2010-00-10", "“2010-00-10”不存在：没有0月"),
    ("2010-07-00", "“2010-07-00”不存在：2010年7月只有31天"),
    ("2010-07-08 24:00", "“2010-07-08 24:00”的时间不存在（小时应为 0–23，分钟 0–59）"),
    ("2010-07-08 14:60", "“2010-07-08 14:60”的时间不存在（小时应为 0–23，分钟 0–59）"),
    ("7月8日", "“7月8日”缺少年份"),
    ("2010/07/08", "“2010/07/08”的写法无法识别（年月日之间用了“.”或“/”）"),
    ("2010.7.8", "“2010.7.8”的写法无法识别（年月日之间用了“.”或“/”）"),
    ("下周一", "“下周一”不是可识别的日期"),
    (20100708, "“20100708”不是可识别的日期"),
    (True, "缺少日期"),
    (None, "缺少日期"),
])
def test_impossible_and_unknown_dates_are_explained(value, message):
    with pytest.raises(DateError) as info:
        parse_datetime(value, SHANGHAI)
    assert str(info.value) == message


@pytest.mark.parametrize(("value", "expected", "zh", "iso"), [
    (2009, PartialDate(2009), "2009年", "2009"),
    ("2009年", PartialDate(2009), "2009年", "2009"),
    ("2010-05", PartialDate(2010, 5), "2010年5月", "2010-05"),
    ("2010年5月", PartialDate(2010, 5), "2010年5月", "2010-05"),
    ("2010-05-08", PartialDate(2010, 5, 8), "2010年5月8日", "2010-05-08"),
    ("2010年5月8日", PartialDate(2010, 5, 8), "2010年5月8日", "2010-05-08"),
])
def test_honours_may_be_dated_by_year_month_or_day(value, expected, zh, iso):
    date = parse_partial_date(value)
    assert (date, date.zh(), date.iso(), zh_date(date)) == (expected, zh, iso, zh)


@pytest.mark.parametrize(("value", "message"), [
    ("2010-13", "“2010-13”不存在：没有13月"),
    ("2010-02-30", "“2010-02-30”不存在：2010年2月只有28天"),
    ("去年", "“去年”不是可识别的日期"),
])
def test_impossible_partial_dates(value, message):
    with pytest.raises(DateError) as info:
        parse_partial_date(value)
    assert str(info.value) == message


def test_partial_dates_sort_by_year_then_month():
    assert sorted([PartialDate(2010, 5), PartialDate(2009), PartialDate(2010, 4, 30)]) == [
        PartialDate(2009), PartialDate(2010, 4, 30), PartialDate(2010, 5)]


def test_chinese_formatting():
    assert zh_date(dt.date(2010, 7, 8)) == "2010年7月8日"
    assert zh_date(dt.datetime(2010, 12, 31, 23, 59, tzinfo=SHANGHAI)) == "2010年12月31日"
    assert zh_month(dt.date(2010, 7, 8)) == "2010年7月"


def test_time_zones():
    assert load_zone("Asia/Shanghai") == SHANGHAI
    with pytest.raises(DateError, match="未知的时区“Mars/Olympus”"):
        load_zone("Mars/Olympus")
