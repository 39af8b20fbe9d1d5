"""The built-in kinds of source, registered as a site's extension registers its own.

Three kinds of Markdown documents (bulletins, posts, pages) and four kinds of
YAML records (branches, events, honours, phases): each one registration of its
keys, model, URL rule, references and order (see content/kinds.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import replace

from cxsite.content.dates import to_halfwidth
from cxsite.content.kinds import DOCUMENTS, Field, Kind, Reference
from cxsite.content.markdown import Rendered
from cxsite.content.schema import (
    read_attachments,
    read_bool,
    read_count,
    read_datetime,
    read_id,
    read_ids_or_all,
    read_int,
    read_list,
    read_menu,
    read_partial_date,
    read_photos,
    read_positive_int,
    read_slug,
    read_text,
)
from cxsite.content.slug import MAX_SLUG, is_slug, slugify
from cxsite.content.sources import STEM, Parsed
from cxsite.problem import Problem, error, warning
from cxsite.site import urls
from cxsite.site.model import BULLETIN, PAGE, POST, Branch, Document, Event, Honor, Phase, Record

Referrers = Callable[[str, object, str], tuple]  # (kind, id, referring kind) -> ids


def _document_fields() -> tuple[Field, ...]:
    """The keys bulletins and posts share."""
    return (
        Field("title", read_text, "标题", True),
        Field("summary", read_text, "摘要"),
        Field("author", read_text, "作者"),
        Field("branches", read_list, "相关支部", reference=Reference("branches")),
        Field("events", read_list, "相关活动", reference=Reference("events")),
        Field("tags", read_list, "标签"),
        Field("cover", read_text, "封面图片"),
        Field("attachments", read_attachments, "附件"),
        Field("draft", read_bool, "草稿"),
    )


def make_document(parsed: Parsed, rendered: Mapping[str, Rendered],
                  problems: list[Problem]) -> Document | None:
    """Make a Document, working out its slug and URL."""
    v, body = parsed.values, rendered["body"]
    slug = document_slug(parsed, problems)
    if slug is None:
        return None
    url = {BULLETIN: urls.bulletin_url, POST: urls.post_url}.get(parsed.kind, urls.page_url)(slug)
    menu = v.get("menu", "")
    return Document(
        kind=parsed.kind, path=parsed.path, url=url, title=v["title"], body=body.key,
        summary=v.get("summary") or body.text_summary, date=v.get("date"), issue=v.get("issue"),
        slug=slug, category=v.get("category", ""), author=v.get("author", ""),
        branches=v.get("branches", ()), events=v.get("events", ()), tags=v.get("tags", ()),
        distribution=v.get("distribution", ()), copies=v.get("copies"), cover=v.get("cover", ""),
        attachments=v.get("attachments", ()), draft=v.get("draft", False),
        weight=v.get("weight", 0), menu=v["title"] if menu is True else (menu or ""),
        chars=body.chars, links=body.links, toc=body.toc, lines=parsed.lines,
    )


def document_slug(parsed: Parsed, problems: list[Problem]) -> str | None:
    """Return the explicit slug (checked by the schema), else one made from the file name or title."""
    v = parsed.values
    if parsed.kind == BULLETIN:
        return str(v["issue"])
    if "slug" in v:
        return v["slug"]
    slug = v[STEM] if is_slug(v[STEM]) else slugify(v[STEM]) or slugify(v["title"])
    if not slug:
        problems.append(error(parsed.path, parsed.lines.get("title"), "无法从文件名或标题生成网址名",
                              "加上一行“slug: 英文或拼音网址名”"))
        return None
    if len(slug) > MAX_SLUG:  # a folder name of the output; file systems stop at 255 bytes
        problems.append(error(parsed.path, parsed.lines.get("title"),
                              f"由文件名生成的网址名太长（{len(slug)} 个字符，最多 {MAX_SLUG} 个）",
                              "加上一行“slug: 简短的英文或拼音网址名”，或把文件名改短"))
        return None
    return slug


def document_url(parsed: Parsed) -> str | None:
    """The URL a parsed document will have (None when no slug can be made)."""
    slug = document_slug(parsed, [])
    if slug is None:
        return None
    return {BULLETIN: urls.bulletin_url, POST: urls.post_url}.get(parsed.kind, urls.page_url)(slug)


def _newest_first(doc: Document) -> tuple:
    """Sort key: newest date first, then by path for a stable order."""
    return (-doc.date.timestamp(), doc.path)


BULLETINS = Kind(
    name=BULLETIN, label="简报", source=DOCUMENTS, folder="bulletins", id_field="issue",
    list_url=urls.BULLETINS, make=make_document, order=lambda d: -d.issue,
    fields=_document_fields() + (
        Field("issue", read_positive_int, "期号", True),
        Field("date", read_datetime, "日期", True),
        Field("distribution", read_list, "发送范围"),
        Field("copies", read_positive_int, "印数"),
    ),
)
POSTS = Kind(
    name=POST, label="文章", source=DOCUMENTS, folder="posts", id_field=None, list_url=urls.POSTS,
    make=make_document, order=_newest_first,
    fields=_document_fields() + (
        Field("date", read_datetime, "日期", True),
        Field("category", read_text, "栏目"),
        Field("slug", read_slug, "网址名"),
    ),
)
PAGES = Kind(
    name=PAGE, label="页面", source=DOCUMENTS, folder="pages", id_field=None,
    make=make_document, order=lambda d: (d.weight, d.title, d.path),
    fields=(
        Field("title", read_text, "标题", True),
        Field("slug", read_slug, "网址名"),
        Field("weight", read_int, "排序"),
        Field("menu", read_menu, "菜单"),
        Field("summary", read_text, "摘要"),
        Field("draft", read_bool, "草稿"),
    ),
)


def _keys(rendered: Mapping[str, Rendered]) -> dict[str, str]:
    """The Markdown keys of a record's converted fields."""
    return {name: r.key for name, r in rendered.items()}


def make_branch(parsed: Parsed, rendered: Mapping[str, Rendered], problems: list[Problem]) -> Branch:
    """Make a Branch from its checked values."""
    v = parsed.values
    return Branch(id=v["id"], path=parsed.path, url=urls.record_url("branches", v["id"]), name=v["name"],
                  kind=v.get("kind", ""), theme=v.get("theme", ""), secretary=v.get("secretary", ""),
                  members=v.get("members"), sections=v.get("sections", ()), goals=v.get("goals", ()),
                  description=_keys(rendered).get("description", ""), weight=v.get("weight", 0),
                  lines=parsed.lines)


def link_branch(branch: Branch, referrers: Referrers) -> Branch:
    """Give a branch what refers to it."""
    return replace(branch, events=referrers("branches", branch.id, "events"),
                    bulletins=referrers("branches", branch.id, BULLETIN),
                    posts=referrers("branches", branch.id, POST),
                    honors=referrers("branches", branch.id, "honors"))


def make_event(parsed: Parsed, rendered: Mapping[str, Rendered], problems: list[Problem]) -> Event:
    """Make an Event from its checked values (an unreadable `time` is a warning: all day)."""
    v = parsed.values
    summary = rendered.get("summary")
    starts, ends = _event_times(parsed, problems)
    return Event(id=v["id"], path=parsed.path, url=urls.record_url("events", v["id"]), title=v["title"],
                 date=v["date"], end=v.get("end"), time=v.get("time", ""), starts=starts, ends=ends,
                 location=v.get("location", ""),
                 kind=v.get("kind", ""), branches=v.get("branches", ()), participants=v.get("participants"),
                 phase=v.get("phase", ""), bulletin=v.get("bulletin"),
                 summary=summary.key if summary else "", text_summary=summary.text_summary if summary else "",
                 photos=v.get("photos", ()), attachments=v.get("attachments", ()),
                 draft=v.get("draft", False), lines=parsed.lines)


TIME_HINT = "写成 14:30 或 14:30-17:30（24 小时制，半角冒号）"
_TIME = re.compile(r"^([0-9]{1,2})[:：]([0-9]{2})(?:\s*[-–—~～至到]\s*([0-9]{1,2})[:：]([0-9]{2}))?$")


def _event_times(parsed: Parsed, problems: list[Problem]) -> tuple[dt.time | None, dt.time | None]:
    """Read an event's `time` ("14:30" or "14:30-17:30"): when it starts and ends."""
    text = parsed.values.get("time", "").strip()
    if not text:
        return None, None
    match = _TIME.match(text)
    if not match and _TIME.match(to_halfwidth(text)):
        fixed = f"改成 {to_halfwidth(text)}（半角数字）"
        problems.append(_time_warning(parsed, "里的数字是全角的", hint=fixed))
        return None, None
    if not match:
        problems.append(_time_warning(parsed, "无法识别"))
        return None, None
    numbers = [int(g) if g else None for g in match.groups()]
    pairs = [(numbers[0], numbers[1])] + ([(numbers[2], numbers[3])] if numbers[2] is not None else [])
    if any(hour > 23 or minute > 59 for hour, minute in pairs):
        problems.append(_time_warning(parsed, "不存在（小时应为 0–23，分钟 0–59）"))
        return None, None
    starts, ends = (dt.time(h, m) for h, m in pairs) if len(pairs) > 1 else (dt.time(*pairs[0]), None)
    first, last = parsed.values["date"].date(), (parsed.values.get("end") or parsed.values["date"]).date()
    if ends is not None and dt.datetime.combine(last, ends) <= dt.datetime.combine(first, starts):
        problems.append(_time_warning(parsed, "的结束时间不晚于开始时间", "只有开始时间的活动"))
        return starts, None
    return starts, ends


def _time_warning(parsed: Parsed, reason: str, treated: str = "全天活动", hint: str = TIME_HINT) -> Problem:
    """A warning about an event's `time`, at its line, saying how the calendar shows the event."""
    line, column = parsed.lines.get(("time",), (parsed.lines.get("time", parsed.lines.get("_record")), None))
    return warning(parsed.path, line, f"time（时间）“{parsed.values['time']}”{reason}，日历中按{treated}处理",
                   hint, column)


def link_event(event: Event, referrers: Referrers) -> Event:
    """Give an event the bulletins and posts that report it (its own `bulletin` among them)."""
    issues = set(referrers("events", event.id, BULLETIN))
    if event.bulletin is not None:
        issues.add(event.bulletin)
    return replace(event, bulletins=tuple(sorted(issues)), posts=referrers("events", event.id, POST))


def make_honor(parsed: Parsed, rendered: Mapping[str, Rendered], problems: list[Problem]) -> Honor:
    """Make an Honor from its checked values."""
    v = parsed.values
    return Honor(title=v["title"], path=parsed.path, date=v["date"], level=v.get("level", ""),
                 awarded_by=v.get("awarded_by", ""), recipient=v.get("recipient", ""),
                 branch=v.get("branch", ""), lines=parsed.lines)


def make_phase(parsed: Parsed, rendered: Mapping[str, Rendered], problems: list[Problem]) -> Phase:
    """Make a Phase from its checked values."""
    v = parsed.values
    return Phase(id=v["id"], path=parsed.path, url=urls.record_url("phases", v["id"]), name=v["name"],
                 start=v["start"], end=v["end"], summary=_keys(rendered).get("summary", ""),
                 goals=v.get("goals", ()), lines=parsed.lines)


def link_phase(phase: Phase, referrers: Referrers) -> Phase:
    """Give a phase its events (by date)."""
    return replace(phase, events=referrers("phases", phase.id, "events"))


def _honor_order(honor: Honor) -> tuple:
    """Sort key: newest honour first (year-only dates after those with a month)."""
    d = honor.date
    return (-d.year, -(d.month or 0), -(d.day or 0), honor.title)


BRANCHES = Kind(
    name="branches", label="支部", name_field="name", list_url=urls.BRANCHES, make=make_branch,
    order=lambda b: (b.weight, b.id),
    url=lambda b: b.url, link=link_branch,
    fields=(
        Field("id", read_id, "编号", True),
        Field("name", read_text, "名称", True),
        Field("kind", read_text, "类型"),
        Field("theme", read_text, "活动主题"),
        Field("secretary", read_text, "支部书记"),
        Field("members", read_count, "党员人数"),
        Field("sections", read_list, "所含科室"),
        Field("goals", read_list, "目标"),
        Field("description", read_text, "简介", markdown=True),
        Field("weight", read_int, "排序"),
    ),
)
EVENTS = Kind(
    name="events", label="活动", name_field="title", list_url=urls.EVENTS, make=make_event,
    order=lambda e: (e.date, e.id),
    url=lambda e: e.url, link=link_event,
    fields=(
        Field("id", read_id, "编号", True),
        Field("title", read_text, "标题", True),
        Field("date", read_datetime, "日期", True),
        Field("end", read_datetime, "结束日期", not_before="date"),
        Field("time", read_text, "时间"),
        Field("location", read_text, "地点"),
        Field("kind", read_text, "类型"),
        Field("branches", read_ids_or_all, "参加支部", reference=Reference("branches", all_word="all")),
        Field("participants", read_count, "参加人数"),
        Field("phase", read_text, "所属阶段", reference=Reference("phases")),
        Field("bulletin", read_positive_int, "报道简报期号", reference=Reference(BULLETIN)),
        Field("summary", read_text, "简介", markdown=True),
        Field("photos", read_photos, "照片"),
        Field("attachments", read_attachments, "附件"),
        Field("draft", read_bool, "草稿"),
    ),
)
HONORS = Kind(
    name="honors", label="荣誉", list_url=urls.HONORS, make=make_honor, order=_honor_order, id_field=None,
    fields=(
        Field("title", read_text, "荣誉名称", True),
        Field("date", read_partial_date, "获得日期", True),
        Field("level", read_text, "级别"),
        Field("awarded_by", read_text, "授予单位"),
        Field("recipient", read_text, "获得者"),
        Field("branch", read_text, "支部", reference=Reference("branches")),
    ),
)
PHASES = Kind(
    name="phases", label="阶段", name_field="name", list_url=urls.PHASES, make=make_phase,
    order=lambda p: (p.start, p.id),
    url=lambda p: p.url, link=link_phase,
    fields=(
        Field("id", read_id, "编号", True),
        Field("name", read_text, "名称", True),
        Field("start", read_datetime, "开始日期", True),
        Field("end", read_datetime, "结束日期", True, not_before="start"),
        Field("summary", read_text, "简介", markdown=True),
        Field("goals", read_list, "目标"),
    ),
)

BUILT_IN_KINDS = (BULLETINS, POSTS, PAGES, BRANCHES, EVENTS, HONORS, PHASES)


def make_record(parsed: Parsed, rendered: Mapping[str, Rendered], problems: list[Problem],
                kind: Kind | None = None) -> Record:
    """Make the generic model object of a record (kinds a site's extension registers without a model).

    Every field of the kind is there: None when not written ("" for Markdown fields).
    """
    values = {f.name: "" if f.markdown else None for f in kind.fields} if kind else {}
    values.update(parsed.values)
    values.update({name: r.key for name, r in rendered.items()})
    record_id = str(values.get("id", ""))
    return Record(collection=parsed.kind, id=record_id, path=parsed.path,
                  url=urls.record_url(parsed.kind, record_id) if record_id else "", values=values,
                  lines=parsed.lines)


def register(registration) -> None:
    """Register the built-in kinds."""
    for kind in BUILT_IN_KINDS:
        registration.add_kind(kind)
