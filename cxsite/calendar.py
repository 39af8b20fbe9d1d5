"""The events as iCalendar files, made with icalendar: /events.ics and one per branch.

Every VEVENT keeps its UID across builds and edits (the event's id at the
site's address), and DTSTAMP comes from the event's own date, never from the
clock, so the same content always gives the same bytes. Date-only events are
all-day events; `time` ("14:30" or "14:30-17:30") makes them timed, in the
site's time zone, whose VTIMEZONE is included.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from cxsite import __version__
from cxsite.config import Config
from cxsite.model import Event, Site
from cxsite.problem import Problem, warning
from cxsite.render import Output
from cxsite.subscriptions import Calendar

TIME_HINT = "写成 14:30 或 14:30-17:30（24 小时制，半角冒号）"
_TIME = re.compile(r"^(\d{1,2})[:：](\d{2})(?:\s*[-–—~～至到]\s*(\d{1,2})[:：](\d{2}))?$")
_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Span:
    """When an event takes place: dates for all-day events, zoned date-times for timed ones."""

    start: dt.date | dt.datetime
    end: dt.date | dt.datetime | None  # exclusive; None for a moment in time
    note: str = ""  # a `time` text that could not be read, kept for the description


def event_spans(site: Site) -> tuple[dict[str, Span], list[Problem]]:
    """When every event takes place, by id; warnings for `time` texts that cannot be read."""
    tz = site.config.tz
    spans, problems = {}, []
    for event in site.events:
        spans[event.id], found = event_span(event, tz)
        problems += found
    return spans, problems


def render_calendar(site: Site, plan: Calendar, spans: dict[str, Span]) -> Output:
    """Render one planned calendar to bytes."""
    return Output(plan.url.lstrip("/"), make_calendar(site, plan, spans, _timezone(site)).to_ical())


def make_calendar(site: Site, plan: Calendar, spans: dict, zone):
    """Return the VCALENDAR (icalendar.Calendar) of one planned calendar."""
    import icalendar  # imported when a calendar is made: most rebuilds make none

    config = site.config
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//cxsite//cxsite {__version__}//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", plan.title)
    calendar.add("x-wr-timezone", config.timezone)
    # Subscribed clients poll this often; once a day suits a campaign's pace.
    calendar.add("refresh-interval", dt.timedelta(days=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "P1D")
    if plan.events and zone is not None:
        calendar.add_component(zone)
    for event in plan.events:
        calendar.add_component(make_event(config, event, spans[event.id]))
    return calendar


def make_event(config: Config, event: Event, span: Span):
    """Return the VEVENT (icalendar.Event) of one event."""
    import icalendar

    link = config.absolute(event.url)
    vevent = icalendar.Event()
    vevent.add("uid", event_uid(config, event))
    vevent.add("dtstamp", event.date.astimezone(dt.UTC))
    vevent.add("summary", event.title)
    vevent.add("dtstart", span.start)
    if span.end is not None:
        vevent.add("dtend", span.end)
    if event.location:
        vevent.add("location", event.location)
    if event.kind:
        vevent.add("categories", [event.kind])
    lines = [f"时间：{span.note}"] if span.note else []
    lines += [event.text_summary, link] if event.text_summary else [link]
    vevent.add("description", "\n\n".join(lines))
    vevent.add("url", link)
    return vevent


def event_uid(config: Config, event: Event) -> str:
    """The event's UID: its id at the site's address, e.g. dongyuan-dahui@host/zt/cxcy."""
    parts = urlsplit(config.base_url)
    return f"{event.id}@{parts.netloc}{parts.path.rstrip('/')}"


def event_span(event: Event, tz: dt.tzinfo) -> tuple[Span, list[Problem]]:
    """Work out when an event starts and ends; warn when its `time` cannot be read."""
    first, last = event.date.date(), (event.end or event.date).date()
    if event.time:
        times, problem = parse_time(event)
        if times is None:
            return Span(first, last + _DAY, note=event.time), [problem]
        start = dt.datetime.combine(first, times[0], tzinfo=tz)
        if times[1] is not None:
            end = dt.datetime.combine(last, times[1], tzinfo=tz)
            if end <= start:
                return Span(start, None), [
                    _time_warning(event, "的结束时间不晚于开始时间", "只有开始时间的活动")]
            return Span(start, end), []
        return Span(start, _midnight_after(last, tz) if event.end else None), []
    if _has_clock(event.date):
        if event.end is None or event.end <= event.date:
            return Span(event.date, None), []
        return Span(event.date, event.end if _has_clock(event.end) else _midnight_after(last, tz)), []
    return Span(first, last + _DAY), []


def parse_time(event: Event) -> tuple[tuple[dt.time, dt.time | None] | None, Problem | None]:
    """Read `time` as a start and an optional end: "14:30" or "14:30-17:30"."""
    match = _TIME.match(event.time.strip())
    if not match:
        return None, _time_warning(event, "无法识别")
    numbers = [int(g) if g else None for g in match.groups()]
    pairs = [(numbers[0], numbers[1])] + ([(numbers[2], numbers[3])] if numbers[2] is not None else [])
    if any(hour > 23 or minute > 59 for hour, minute in pairs):
        return None, _time_warning(event, "不存在（小时应为 0–23，分钟 0–59）")
    times = [dt.time(hour, minute) for hour, minute in pairs]
    return (times[0], times[1] if len(times) > 1 else None), None


def _time_warning(event: Event, reason: str, treated: str = "全天活动") -> Problem:
    """A warning about an event's `time`, at its line, saying how the calendar shows the event."""
    return warning(event.path, event.lines.get("time", event.lines.get("_record")),
                   f"time（时间）“{event.time}”{reason}，日历中按{treated}处理", TIME_HINT)


def _has_clock(when: dt.datetime) -> bool:
    """Whether a date-time was written with a time of day (not just a date)."""
    return (when.hour, when.minute, when.second) != (0, 0, 0)


def _midnight_after(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The start of the day after `day`: the exclusive end of a multi-day timed event."""
    return dt.datetime.combine(day + _DAY, dt.time(0), tzinfo=tz)


def _timezone(site: Site):
    """The VTIMEZONE of the site's zone, covering every event (None when there are none)."""
    import icalendar

    if not site.events:
        return None
    first = min(e.date for e in site.events).date().replace(month=1, day=1)
    last = max((e.end or e.date) for e in site.events).date().replace(month=1, day=1)
    return icalendar.Timezone.from_tzinfo(site.config.tz, site.config.timezone, first,
                                          last.replace(year=last.year + 2))
