"""Dates as writers type them (2010-07-08, 2010-07-08 14:30, 2010年7月8日) and as readers see them."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DATE_FORMS = "2010-07-08、2010-07-08 14:30 或 2010年7月8日"  # as every message names them

# ASCII digits only: Python's \d also takes full-width ones, which get a message of their own.
_ISO = re.compile(
    r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:[ T]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?\s*(Z|[+-][0-9]{2}:?[0-9]{2})?)?$"
)
_ZH = re.compile(r"^([0-9]{4})\s*年\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*[日号]"
                 r"(?:\s*([0-9]{1,2})[:：]([0-9]{2}))?$")
_YEAR = re.compile(r"^([0-9]{4})\s*年?$")
_MONTH = re.compile(r"^([0-9]{4})(?:-|\s*年\s*)([0-9]{1,2})\s*月?$")
# What a Chinese input method types for digits and the signs of dates and times.
_HALFWIDTH = str.maketrans("０１２３４５６７８９：－／．　", "0123456789:-/. ")
_FULLWIDTH = re.compile("[０-９：－／．　]")


class DateError(ValueError):
    """A date a writer typed that cannot be understood; the message is Chinese."""


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the year, the month or the day (honours are often dated by year)."""

    year: int
    month: int | None = None
    day: int | None = None

    def zh(self) -> str:
        """Return the date in Chinese: 2009年, 2010年5月 or 2010年5月8日."""
        text = f"{self.year}年"
        if self.month:
            text += f"{self.month}月"
            if self.day:
                text += f"{self.day}日"
        return text

    def iso(self) -> str:
        """Return the date as 2009, 2010-05 or 2010-05-08 (for <time datetime>)."""
        text = f"{self.year:04d}"
        if self.month:
            text += f"-{self.month:02d}"
            if self.day:
                text += f"-{self.day:02d}"
        return text


def parse_datetime(value, tz: dt.tzinfo) -> dt.datetime:
    """Parse a date or date-time in the site's zone; raise DateError with a Chinese reason."""
    text = _as_text(value)
    match = _ISO.match(text) or _ZH.match(text)
    if not match:
        raise DateError(_fullwidth(text) or _unrecognised(text))
    year, month, day = (int(g) for g in match.groups()[:3])
    hour, minute = (int(g) if g else 0 for g in match.groups()[3:5])
    second = int(match.group(6)) if match.re is _ISO and match.group(6) else 0
    _check_day(text, year, month, day)
    if hour > 23 or minute > 59 or second > 59:
        raise DateError(f"“{text}”的时间不存在（小时应为 0–23，分钟 0–59）")
    offset = match.group(7) if match.re is _ISO else None
    zone = _offset_zone(offset) if offset else tz
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=zone).astimezone(tz)


def parse_partial_date(value) -> PartialDate:
    """Parse a year, a month or a day; raise DateError with a Chinese reason."""
    text = _as_text(value)
    if _FULLWIDTH.search(text) and not _ZH.match(text):
        raise DateError(_fullwidth(text))
    if match := _YEAR.match(text):
        _check_day(text, int(match.group(1)), 1, 1)
        return PartialDate(int(match.group(1)))
    if match := _MONTH.match(text):
        year, month = int(match.group(1)), int(match.group(2))
        _check_day(text, year, 1, 1)
        if not 1 <= month <= 12:
            raise DateError(f"“{text}”不存在：没有{month}月")
        return PartialDate(year, month)
    when = parse_datetime(text, dt.UTC)
    return PartialDate(when.year, when.month, when.day)


def to_halfwidth(text: str) -> str:
    """The text with full-width digits, colons, dashes and spaces made half-width."""
    return text.translate(_HALFWIDTH)


_SIGN_NAMES = {"：": "冒号", "－": "减号", "／": "斜杠", "．": "点", "　": "空格"}


def _fullwidth(text: str) -> str:
    """Say which full-width characters keep a date from being read ("" when there are none)."""
    found = dict.fromkeys(_FULLWIDTH.findall(text))
    if not found:
        return ""
    parts = ["数字"] if any(c.isdigit() for c in found) else []
    parts += [f"{_SIGN_NAMES[c]}“{c}”" for c in found if c in _SIGN_NAMES]
    named = "和".join(["、".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)
    return f"“{text}”里的{named}是全角的"


def _as_text(value) -> str:
    """Return the value as stripped text (YAML may give an int year)."""
    if isinstance(value, bool) or value is None:
        raise DateError("缺少日期")
    return str(value).strip()


FIRST_YEAR, LAST_YEAR = 1900, 2199  # dates of a campaign's records; beyond them, a slip of the keyboard


def _check_day(text: str, year: int, month: int, day: int) -> None:
    """Raise DateError for a day that is not on the calendar (or a year no record can mean)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DateError(f"“{text}”的年份 {year} 不在 {FIRST_YEAR}–{LAST_YEAR} 年之间，像是笔误")
    if not 1 <= month <= 12:
        raise DateError(f"“{text}”不存在：没有{month}月")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise DateError(f"“{text}”不存在：{year}年{month}月只有{last}天")


def _unrecognised(text: str) -> str:
    """Explain why a date text is not accepted."""
    if re.match(r"^\d{1,2}\s*月\s*\d{1,2}\s*[日号]?$", text):
        return f"“{text}”缺少年份"
    if re.match(r"^\d{4}\s*[./]\s*\d{1,2}\s*[./]\s*\d{1,2}", text):
        return f"“{text}”的写法无法识别（年月日之间用了“.”或“/”）"
    return f"“{text}”不是可识别的日期"


def _offset_zone(offset: str) -> dt.tzinfo:
    """Return a fixed zone for an ISO offset such as +08:00 or Z."""
    if offset == "Z":
        return dt.UTC
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


_DURATION = re.compile(r"^(?:([0-9]+(?:\.[0-9]+)?)\s*(?:h|小时|个小时))?\s*"
                       r"(?:([0-9]+)\s*(?:m|min|分钟|分))?$", re.I)


def parse_duration(value) -> dt.timedelta:
    """Parse how long something lasts: 2h, 1.5h, 90m, 1h30m, 2小时, 90分钟; a bare number is hours."""
    if isinstance(value, bool) or value is None:
        raise DateError("缺少时长")
    text = to_halfwidth(str(value)).strip()
    if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", text):
        text += "h"
    match = _DURATION.match(text)
    if not text or not match or not any(match.groups()):
        raise DateError(f"“{value}”不是可识别的时长")
    hours, minutes = float(match.group(1) or 0), int(match.group(2) or 0)
    duration = dt.timedelta(hours=hours, minutes=minutes)
    if not dt.timedelta(0) < duration <= dt.timedelta(days=7):
        raise DateError(f"时长“{value}”应大于 0、不超过 7 天")
    return duration


def load_zone(name: str) -> dt.tzinfo:
    """Return the named IANA time zone; raise DateError when unknown."""
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError) as exc:
        raise DateError(f"未知的时区“{name}”") from exc


def zh_date(value) -> str:
    """Format a date the Chinese way: 2010年7月8日."""
    if isinstance(value, PartialDate):
        return value.zh()
    return f"{value.year}年{value.month}月{value.day}日"


def zh_month(value) -> str:
    """Format a month the Chinese way: 2010年7月."""
    return f"{value.year}年{value.month}月"
