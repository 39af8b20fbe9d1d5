"""/stats/, the campaign's statistics for the supervision group, and the home page's campaign position.

`statistics` counts what the page shows from the records (and the access
logs' views), `figures` turns the counts into charts with their tables,
`charts` draws the SVG, `campaign` says where the campaign stands. The page
family registers like every other feature (render/registry.py).
"""

from __future__ import annotations

from cxsite.render.pages import Page
from cxsite.render.stats.campaign import next_midnight
from cxsite.render.stats.statistics import compute_statistics
from cxsite.site import urls
from cxsite.site.model import Site


def stats_page(site: Site) -> list[Page]:
    """The statistics page: everything it shows is its data, so it is made again when a count changes.

    It goes stale at midnight: its date (统计截至) is the build's.
    """
    return [Page(url=urls.STATS, template="stats.html", title="活动统计", kind="stats",
                 data=compute_statistics(site, site.views, site.views_period),
                 expires=next_midnight(site.now))]


def register(registration) -> None:
    """Register /stats/."""
    registration.add_pages("stats", stats_page)
