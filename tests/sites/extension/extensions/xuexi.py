"""学习资料: a record kind of this site's own, registered without touching cxsite's code.

Each record (content/xuexi.yaml or content/xuexi/*.yaml) names a piece of study
material: title, date, source, the branches that studied it and a short
Markdown summary. The extension adds the kind, a list page and a page per
record, a feed of the newest material, and the layouts for its pages.
"""

from __future__ import annotations

from pathlib import Path

from cxsite.content.kinds import Field, Kind, Reference
from cxsite.content.schema import read_datetime, read_id, read_list, read_text
from cxsite.render.feeds import FeedItem, absolute_content, render_items
from cxsite.render.pages import Page, paginate
from cxsite.render.registry import OutputJob

LIST_URL = "/xuexi/"
FEED_URL = "/xuexi/feed.xml"

XUEXI = Kind(
    name="xuexi", label="学习资料", list_url=LIST_URL, url=lambda r: r.url,
    order=lambda r: (-r.date.timestamp(), r.id),
    fields=(
        Field("id", read_id, "编号", True),
        Field("title", read_text, "标题", True),
        Field("date", read_datetime, "日期", True),
        Field("source", read_text, "来源"),
        Field("branches", read_list, "学习支部", reference=Reference("branches")),
        Field("summary", read_text, "简介", markdown=True),
    ),
)


def xuexi_pages(site) -> list[Page]:
    """The list of study material (paginated) and a page for each record."""
    records = site.collection("xuexi")
    pages = paginate(site, LIST_URL, "xuexi_list.html", "学习资料", "xuexi-list", records, feed=FEED_URL)
    return pages + [Page(url=r.url, template="xuexi.html", title=r.title, kind="xuexi", record=r)
                    for r in records]


def xuexi_feed(site, pages) -> list[OutputJob]:
    """A feed of the ten newest records."""
    records = site.collection("xuexi")[:10]

    def item(record) -> FeedItem:
        return FeedItem(url=record.url, title=record.title, date=record.date,
                        author=record.source or site.config.organization, summary=record.title,
                        html=lambda: absolute_content(site, record.summary) if record.summary else "")

    def make():
        return (render_items(site, [item(r) for r in records], url=FEED_URL,
                             title=f"{site.config.title}·学习资料", page=LIST_URL),)

    return [OutputJob(key=FEED_URL.lstrip("/"), inputs=records, make=make)]


def register(registration) -> None:
    """Register the kind, its pages, its feed and its layouts."""
    registration.add_kind(XUEXI)
    registration.add_pages("xuexi", xuexi_pages)
    registration.add_outputs("xuexi-feed", xuexi_feed)
    registration.add_templates(Path(__file__).parent / "layouts")
