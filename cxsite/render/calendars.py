"""The events as iCalendar files, made with icalendar: /events.ics and one per branch.

Every VEVENT keeps its UID across builds, edits and moves of the site (the
event's id and a mark of the organization, never the site's address), and
DTSTAMP comes from the event's own date, never from the clock, so the same
content always gives the same bytes. Date-only events are all-day events;
`time` ("14:30" or "14:30-17:30") makes them timed, in the site's time zone,
whose VTIMEZONE is included; an event with only a start lasts site.yaml's
`events: {duration: …}` (two hours unless set).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from cxsite import __version__
from cxsite.content.config import DEFAULT_EVENT_DURATION, Config
from cxsite.render.pages import Output, Page
from cxsite.render.registry import OutputJob
from cxsite.render.subscriptions import Calendar, subscriptions_of
from cxsite.site.model import Event, Site

_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Span:
    """When an event takes place: dates for all-day events, zoned date-times for timed ones."""

    start: dt.date | dt.datetime
    end: dt.date | dt.datetime | None  # exclusive; None for a moment in time
    note: str = ""  # a `time` text that could not be read, kept for the description


def event_spans(site: Site) -> dict[str, Span]:
    """When every event takes place, by id."""
    return {event.id: event_span(event, site.config.tz, site.config.event_duration) for event in site.events}


def render_calendar(site: Site, plan: Calendar, spans: dict[str, Span]) -> Output:
    """Render one planned calendar to bytes."""
    return Output(plan.url.lstrip("/"), make_calendar(site, plan, spans, _timezone(site)).to_ical())


def plan_calendars(site: Site, pages: list[Page]) -> list[OutputJob]:
    """One job per planned calendar, made again when its events or their times change."""
    spans = event_spans(site)
    return [OutputJob(key=c.url.lstrip("/"), inputs=(c, [spans[e.id] for e in c.events]),
                      make=lambda c=c: (render_calendar(site, c, spans),))
            for c in subscriptions_of(site, pages).calendars]


def register(registration) -> None:
    """Register the calendars (all events, and each branch's)."""
    registration.add_outputs("calendars", plan_calendars)


def make_calendar(site: Site, plan: Calendar, spans: dict, zone):
    """Return the VCALENDAR (icalendar.Calendar) of one planned calendar."""
    import icalendar  # imported when a calendar is made: most rebuilds make none

    config = site.config
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//cxsite//cxsite {__version__}//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", one_line(plan.title))
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
    vevent.add("summary", one_line(event.title))
    vevent.add("dtstart", span.start)
    if span.end is not None:
        vevent.add("dtend", span.end)
    if event.location:
        vevent.add("location", one_line(event.location))
    if event.kind:
        vevent.add("categories", [one_line(event.kind)])
    lines = [f"时间：{span.note}"] if span.note else []
    lines += [event.text_summary, link] if event.text_summary else [link]
    vevent.add("description", "\n\n".join(lines))
    vevent.add("url", link)
    return vevent


def one_line(text: str) -> str:
    """A text on one line (a name written over several lines in YAML): iCalendar names are one line."""
    return " ".join(text.split())


def event_uid(config: Config, event: Event) -> str:
    """The event's UID: its id and the organization's mark, e.g. dongyuan-dahui@3f9a0c21d5.cxsite.

    Not the site's address: correcting base_url (or moving the site) must not make
    subscribers' calendars show every event twice. The organization's digest keeps
    the UIDs of two institutes' sites apart when their events share ids.
    """
    mark = hashlib.blake2b(config.organization.strip().encode("utf-8"), digest_size=5).hexdigest()
    return f"{event.id}@{mark}.cxsite"


def event_span(event: Event, tz: dt.tzinfo, duration: dt.timedelta = DEFAULT_EVENT_DURATION) -> Span:
    """Work out when an event starts and ends (its `time` was read when the event was made).

    An event of one day known only by when it starts lasts `duration`: a
    calendar shows a zero-length event as a line no one notices.
    """
    first, last = event.date.date(), (event.end or event.date).date()
    if event.time:
        if event.starts is None:  # a `time` that could not be read (warned about): all day, noted
            return Span(first, last + _DAY, note=event.time)
        start = dt.datetime.combine(first, event.starts, tzinfo=tz)
        if event.ends is not None:
            return Span(start, dt.datetime.combine(last, event.ends, tzinfo=tz))
        return Span(start, _midnight_after(last, tz) if event.end else start + duration)
    if _has_clock(event.date):
        if event.end is None or event.end <= event.date:
            return Span(event.date, event.date + duration)
        return Span(event.date, event.end if _has_clock(event.end) else _midnight_after(last, tz))
    return Span(first, last + _DAY)


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
