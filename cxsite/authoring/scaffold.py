"""What `cxsite new` and `cxsite init` write: file names and texts, worked out without touching disk."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from string import Template

from cxsite.content.placeholders import BODY, EVENT_SUMMARY
from cxsite.content.slug import slugify
from cxsite.content.syntax import parse_yaml
from cxsite.problem import Problem, error
from cxsite.site.urls import GENERATED_FILES, SECTION_URLS

KINDS = ("bulletin", "post", "event", "page")
KIND_NAMES = {"bulletin": "简报", "post": "文章", "event": "活动", "page": "页面"}
SLUG_LIMIT = 50
SKELETON = Path(__file__).resolve().parent.parent / "skeleton"
DEFAULT_DISTRIBUTION = ("各支部",)
DRAFT_LINE = "draft: true         # 草稿：写好后删除这一行（或改为 false）才会发布"


@dataclass(frozen=True)
class Existing:
    """What `cxsite new` must not collide with: issue numbers, ids, URLs and file names."""

    issues: frozenset = frozenset()
    ids: dict = field(default_factory=dict)  # kind -> frozenset of ids
    urls: frozenset = frozenset()  # URLs of posts and pages
    files: frozenset = frozenset()  # paths relative to the root, content/… with forward slashes
    last_distribution: tuple = ()  # 发送范围 of the latest bulletin, to reuse
    titles: dict = field(default_factory=dict)  # (kind, title) -> the file that has it


@dataclass(frozen=True)
class NewFile:
    """A file to create: its path under the site root, its text, and what to tell the writer."""

    path: str
    text: str
    note: str = ""


def yaml_text(text: str) -> str:
    """Return text as a YAML scalar: plain when YAML reads it back unchanged, else double-quoted."""
    parsed, problems = parse_yaml(f"k: {text}", "")
    if text and not problems and parsed is not None and parsed.value == {"k": text}:
        return text
    return _double_quoted(text)


def _double_quoted(text: str) -> str:
    """Return a YAML double-quoted scalar, escaping what YAML does not accept written as it is."""
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif code < 0x20 or 0x7F <= code <= 0x9F or code in (0xFEFF, 0xFFFE, 0xFFFF):
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def title_slug(title: str, fallback: str) -> str:
    """Return the pinyin slug of a title, cut at a syllable to stay readable, or the fallback."""
    slug = slugify(title)
    while len(slug) > SLUG_LIMIT and "-" in slug:
        slug = slug.rsplit("-", 1)[0]
    return slug[:SLUG_LIMIT].strip("-") or fallback


def _free(base: str, taken) -> str:
    """Return base, or base-2, base-3 … whichever `taken(name)` says is free."""
    name, number = base, 1
    while taken(name):
        number += 1
        name = f"{base}-{number}"
    return name


def new_file(kind: str, title: str, today: dt.date, existing: Existing,
             force: bool = False) -> tuple[NewFile | None, list[Problem]]:
    """Plan the file `cxsite new KIND TITLE` writes: a draft; a title already used needs `force`."""
    title = " ".join("".join(c for c in title if unicodedata.category(c) not in ("Cc", "Cs")).split())
    if not title:
        return None, [error("cxsite new", None, "标题不能为空",
                            '把标题写在引号里，如 cxsite new post "标题"')]
    same = existing.titles.get((kind, title))
    if same and not force:
        return None, [error(same, None, f"已有标题相同的{KIND_NAMES[kind]}“{title}”，没有新建",
                            f"要继续写它，直接打开 {same}；确实要再建一个同名的{KIND_NAMES[kind]}，"
                            f"运行 cxsite new {kind} \"{title}\" --force")]
    make = {"bulletin": _bulletin, "post": _post, "event": _event, "page": _page}[kind]
    plan = make(title, today, existing)
    return replace(plan, note=plan.note + DRAFT_NOTE), []


DRAFT_NOTE = ("。这是草稿（draft: true），生成网站时不会发布；可用 cxsite serve --drafts 预览，"
              "写好后删除 draft: true 这一行即可发布。")


def _bulletin(title: str, today: dt.date, existing: Existing) -> NewFile:
    """A bulletin with the next issue number after the latest one."""
    issue = max(existing.issues, default=0) + 1
    slug = title_slug(title, "jian-bao")
    name = _free(f"{issue:03d}-{slug}", lambda n: f"content/bulletins/{n}.md" in existing.files)
    distribution = ", ".join(yaml_text(d) for d in existing.last_distribution or DEFAULT_DISTRIBUTION)
    text = f"""---
title: {yaml_text(title)}
issue: {issue}
date: {today.isoformat()}
author:
summary:            # 一两句话的摘要；不写时取正文开头
branches: []        # 相关支部的编号或名称，如 [houqin, 第二党支部]
events: []          # 相关活动的编号或名称
tags: []
distribution: [{distribution}]   # 发送范围
{DRAFT_LINE}
---

{BODY}
"""
    return NewFile(f"content/bulletins/{name}.md", text, f"（第{issue}期）")


def _post(title: str, today: dt.date, existing: Existing) -> NewFile:
    """A news post named by its date and pinyin slug."""
    slug = _free(title_slug(title, "wen-zhang"),
                 lambda s: f"/posts/{s}/" in existing.urls
                 or f"content/posts/{today.isoformat()}-{s}.md" in existing.files)
    text = f"""---
title: {yaml_text(title)}
date: {today.isoformat()}
slug: {slug}
category:           # 栏目，如 工作动态、心得体会
author:
summary:
branches: []        # 相关支部的编号或名称
events: []          # 相关活动的编号或名称
tags: []
{DRAFT_LINE}
---

{BODY}
"""
    return NewFile(f"content/posts/{today.isoformat()}-{slug}.md", text, f"（网址 /posts/{slug}/）")


def _event(title: str, today: dt.date, existing: Existing) -> NewFile:
    """An event record in its own file; its id is the file name."""
    ids = existing.ids.get("events", frozenset())
    slug = _free(title_slug(title, "huo-dong"),
                 lambda s: s in ids or f"content/events/{s}.yaml" in existing.files)
    text = f"""id: {slug}
title: {yaml_text(title)}
date: {today.isoformat()}
time:               # 如 "14:30-17:30"；只写开始时间时，日历里按 site.yaml 的 events.duration（默认 2 小时）计
location:
kind:               # 动员大会、学习讨论、讲座、评比、授牌……
branches: all       # 参加支部的编号或名称的列表，或 all（全院）
participants:       # 参加人数
phase:              # 所属阶段的编号或名称
bulletin:           # 报道这次活动的简报期号
{DRAFT_LINE}
summary: |
  {EVENT_SUMMARY}
"""
    return NewFile(f"content/events/{slug}.yaml", text, f"（编号 {slug}）")


def _page(title: str, today: dt.date, existing: Existing) -> NewFile:
    """A page such as 实施方案, at /<slug>/."""
    reserved = {url.strip("/") for url in SECTION_URLS + GENERATED_FILES}
    slug = _free(title_slug(title, "ye-mian"),
                 lambda s: s in reserved or f"/{s}/" in existing.urls
                 or f"content/pages/{s}.md" in existing.files)
    text = f"""---
title: {yaml_text(title)}
weight: 50          # 排序，小的在前
menu: false         # 写 true 则出现在网站菜单里
{DRAFT_LINE}
---

{BODY}
"""
    return NewFile(f"content/pages/{slug}.md", text, f"（网址 /{slug}/）")


def new_site(today: dt.date) -> dict[str, str]:
    """Return the files of a minimal site that builds without a problem: path -> text."""
    values = {"date": today.isoformat(), "year": str(today.year)}
    files = {}
    for path in sorted(p for p in SKELETON.rglob("*") if p.is_file()):
        rel = path.relative_to(SKELETON).as_posix().replace("dot-", ".")
        files[rel] = Template(path.read_text(encoding="utf-8")).substitute(values)
    return files
