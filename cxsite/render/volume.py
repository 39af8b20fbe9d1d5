"""/bulletins/print/, the 合订本: every issue of the 简报 on one page, each printed from a new sheet.

For printing and archiving all issues at once; the bulletins are its items
(oldest first), so it is made again when any of them changes.
"""

from __future__ import annotations

from cxsite.render.pages import Page
from cxsite.site import urls
from cxsite.site.model import Site


def volume_page(site: Site) -> list[Page]:
    """The 合订本.

    It is left out of the sitemap (each issue is there at its own address), and
    `cxsite check` does not check its links: at the same depth as /bulletins/<n>/,
    its issues' links are theirs again, and each broken one would be reported twice.
    """
    return [Page(url=urls.BULLETINS_PRINT, template="bulletins_print.html",
                 title=f"{site.config.bulletin_name}合订本", kind="bulletins-print",
                 items=tuple(reversed(site.bulletins)), in_sitemap=False, links_checked=False)]


def register(registration) -> None:
    """Register /bulletins/print/."""
    registration.add_pages("bulletins-print", volume_page)
