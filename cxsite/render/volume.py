"""/bulletins/print/, the 合订本: the 简报 bound in volumes, each issue printed from a new sheet.

For printing and archiving many issues at once. A volume holds the issues of
one range of VOLUME_ISSUES numbers (第1—50期, 第51—100期, …): the ranges never
move, so an edited issue makes only its own volume again, and no volume grows
into a page too large for a browser to print. While every issue falls in one
range, /bulletins/print/ is that volume; beyond, it lists the volumes.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxsite.render.pages import Page
from cxsite.site import urls
from cxsite.site.model import Site

VOLUME_ISSUES = 50  # a year of weekly issues: a volume prints as one book, its page stays light


@dataclass(frozen=True)
class Volume:
    """One volume of the 合订本, as its list shows it."""

    first: int  # the range's bounds (第1—50期), not the first and last issue present
    last: int
    count: int
    url: str


def volume_pages(site: Site) -> list[Page]:
    """The 合订本: one page while every issue falls in one range, else a list and a page per volume.

    The volumes are left out of the sitemap (each issue is there at its own address),
    and `cxsite check` does not check their links: at the same depth as /bulletins/<n>/,
    their issues' links are theirs again, and each broken one would be reported twice.
    """
    name = f"{site.config.bulletin_name}合订本"
    ranges: dict[int, list] = {}
    for doc in reversed(site.bulletins):  # oldest first
        ranges.setdefault((doc.issue - 1) // VOLUME_ISSUES, []).append(doc)
    if len(ranges) <= 1:
        return [_volume(urls.BULLETINS_PRINT, name, tuple(site.bulletins[::-1]))]
    volumes = [Volume(first=k * VOLUME_ISSUES + 1, last=(k + 1) * VOLUME_ISSUES, count=len(docs),
                      url=f"{urls.BULLETINS_PRINT}{k * VOLUME_ISSUES + 1}-{(k + 1) * VOLUME_ISSUES}/")
               for k, docs in sorted(ranges.items())]
    listing = Page(url=urls.BULLETINS_PRINT, template="bulletins_volumes.html", title=name,
                   kind="bulletins-volumes", data=tuple(volumes))
    return [listing] + [_volume(v.url, f"{name}（第{v.first}—{v.last}期）", tuple(ranges[k]))
                        for k, v in zip(sorted(ranges), volumes, strict=True)]


def _volume(url: str, title: str, issues: tuple) -> Page:
    """One volume's page: its issues, oldest first."""
    return Page(url=url, template="bulletins_print.html", title=title, kind="bulletins-print",
                items=issues, in_sitemap=False, links_checked=False)


def register(registration) -> None:
    """Register /bulletins/print/ and its volumes."""
    registration.add_pages("bulletins-print", volume_pages)
