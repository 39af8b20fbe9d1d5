"""Every URL rule of a site and every path cxsite reserves for itself.

Pretty URLs (`/bulletins/3/`), ASCII only; links inside pages are relative, so
one build works under any sub-path and from `file://` (portable builds).
"""

from __future__ import annotations

HOME = "/"
BULLETINS = "/bulletins/"
BULLETINS_PRINT = "/bulletins/print/"  # the 合订本: every issue, for printing and archiving
POSTS = "/posts/"
BRANCHES = "/branches/"
EVENTS = "/events/"
PHASES = "/phases/"
HONORS = "/honors/"
TAGS = "/tags/"
CATEGORIES = "/categories/"
ARCHIVE = "/archive/"
SEARCH = "/search/"
STATS = "/stats/"
SUBSCRIBE = "/subscribe/"

MAIN_RSS = "/feed.xml"
MAIN_ATOM = "/atom.xml"
BULLETINS_FEED = "/bulletins/feed.xml"
EVENTS_CALENDAR = "/events.ics"
SITEMAP = "/sitemap.xml"
NOT_FOUND = "/404.html"
DERIVED_IMAGES = "/_img/"  # thumbnails and large versions of photos, covers and wide body images

# Section URLs the generator owns; a page or static file may not take them.
SECTION_URLS = (HOME, BULLETINS, BULLETINS_PRINT, POSTS, BRANCHES, EVENTS, PHASES, HONORS, TAGS, CATEGORIES,
                ARCHIVE, SEARCH, STATS, SUBSCRIBE)
GENERATED_FILES = (MAIN_RSS, MAIN_ATOM, BULLETINS_FEED, SITEMAP, NOT_FOUND, EVENTS_CALENDAR)


def bulletin_url(issue: int) -> str:
    """/bulletins/3/"""
    return f"{BULLETINS}{issue}/"


def post_url(slug: str) -> str:
    """/posts/<slug>/"""
    return f"{POSTS}{slug}/"


def page_url(slug: str) -> str:
    """/<slug>/ for a page of content/pages/."""
    return f"/{slug}/"


def record_url(kind: str, record_id: str) -> str:
    """/<kind>/<id>/, e.g. /branches/houqin/."""
    return f"/{kind}/{record_id}/"


def list_url(kind: str) -> str:
    """/<kind>/, the page listing every record of a kind."""
    return f"/{kind}/"


def term_url(kind: str, slug: str) -> str:
    """/tags/<slug>/ or /categories/<slug>/."""
    return f"{TAGS if kind == 'tag' else CATEGORIES}{slug}/"


def feed_of(url: str) -> str:
    """The feed beside a section or record page: <url>feed.xml."""
    return url + "feed.xml"


def calendar_of(url: str) -> str:
    """The calendar beside a record page: <url>events.ics."""
    return url + "events.ics"


def pager_url(base: str, number: int) -> str:
    """Page `number` of a paginated list whose first page is at base: base, base/page/2/, …"""
    return base if number == 1 else f"{base}page/{number}/"


def is_pager_url(url: str) -> bool:
    """Whether a site URL is a later page of a paginated list, such as /bulletins/page/2/."""
    head, _, tail = url.rstrip("/").rpartition("/page/")
    return bool(head) and tail.isdigit()


def archive_month_url(year: int, month: int) -> str:
    """/archive/2010/07/"""
    return f"{ARCHIVE}{year}/{month:02d}/"


def output_path(url: str) -> str:
    """Return the file path of a URL: /bulletins/3/ -> bulletins/3/index.html."""
    path = url.lstrip("/")
    return path + "index.html" if not path or path.endswith("/") else path


def page_of(path: str) -> str:
    """Return the site URL of an output file: bulletins/3/index.html -> /bulletins/3/."""
    return "/" + path.removesuffix("index.html")


def relative_url(target: str, base: str, portable: bool = False) -> str:
    """Return a link from the page at `base` to the site URL `target`, relative."""
    path, hash_mark, fragment = target.partition("#")
    if portable and path.endswith("/"):
        path += "index.html"
    depth = base.rpartition("/")[0].count("/")  # folders between the site root and the page
    link = "../" * depth + path.lstrip("/")
    return (link or "./") + (hash_mark + fragment)


def base_path(base_url: str) -> str:
    """The path part of base_url, e.g. /zt/cxcy/."""
    return "/" + base_url.split("://", 1)[1].partition("/")[2]
