"""Where the campaign stands on the build date, for the home page: the phase under way and its days.

Days are counted in the site's time zone, the build date included: a phase of
2010-07-01 to 2010-07-10 is on its first day on 2010-07-01 and its tenth on
2010-07-10. Because those figures change every day, the page showing them
declares that it goes stale at the next midnight (Page.expires).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cxsite.content.dates import zh_date
from cxsite.site.model import Phase, Site


@dataclass(frozen=True)
class Step:
    """A phase as the home page's phase strip shows it."""

    name: str
    url: str
    state: str  # done, current, upcoming


@dataclass(frozen=True)
class CampaignPosition:
    """Where the campaign stands on the build date, for the home page.

    state: "before" (the first phase has not begun), "running" (a phase is
    under way), "between" (one has ended and the next not begun) or
    "concluded" (the last phase has ended). `phase_*` name the phase under way,
    else the next one, else (concluded) the last one.
    """

    state: str
    as_of: str
    phase_name: str
    phase_url: str
    start: str
    end: str
    days_total: int
    days_elapsed: int  # days of the phase gone by, the build date included
    days_to_start: int  # before/between: days until the next phase begins
    percent: int  # days_elapsed of days_total, rounded down
    goals: tuple[str, ...]
    summary: str  # concluded: the key of the last phase's summary HTML (Site.html)
    steps: tuple[Step, ...]
    campaign_start: str
    campaign_end: str


def campaign_position(site: Site) -> CampaignPosition | None:
    """Where the campaign stands at build time (None when the site has no phases)."""
    if not site.phases:
        return None
    today = site.now.date()
    running = [p for p in site.phases if p.start.date() <= today <= p.end.date()]
    coming = [p for p in site.phases if p.start.date() > today]
    if running:
        phase, state = running[-1], "running"
    elif coming:
        phase, state = coming[0], ("between" if any(p.end.date() < today for p in site.phases)
                                   else "before")
    else:
        phase, state = max(site.phases, key=lambda p: (p.end, p.start)), "concluded"
    total = (phase.end.date() - phase.start.date()).days + 1
    elapsed = min(max((today - phase.start.date()).days + 1, 0), total)
    return CampaignPosition(
        state=state, as_of=zh_date(site.now), phase_name=phase.name, phase_url=phase.url,
        start=zh_date(phase.start), end=zh_date(phase.end), days_total=total, days_elapsed=elapsed,
        days_to_start=max((phase.start.date() - today).days, 0), percent=elapsed * 100 // total,
        goals=phase.goals, summary=phase.summary if state == "concluded" else "",
        steps=tuple(Step(p.name, p.url, _step_state(p, phase, today)) for p in site.phases),
        campaign_start=zh_date(min(p.start for p in site.phases)),
        campaign_end=zh_date(max(p.end for p in site.phases)))


def _step_state(phase: Phase, current: Phase, today: dt.date) -> str:
    """Whether a phase is done, the current one, or still to come."""
    if phase.end.date() < today:
        return "done"
    return "current" if phase is current and phase.start.date() <= today else "upcoming"


def next_midnight(now: dt.datetime) -> dt.datetime:
    """The start of the day after `now`, in its time zone: when a count of days changes."""
    return dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), now.tzinfo)


def campaign_expires(position: CampaignPosition | None, now: dt.datetime) -> dt.datetime | None:
    """When a page showing this position goes stale: tomorrow while days are counted, else never.

    After the last phase only the closing summary is shown, which time does not change.
    """
    return None if position is None or position.state == "concluded" else next_midnight(now)
