"""The checks that span files: unique ids and issues, references, ranges, URLs and links.

Each takes loaded content (and what the graph built from it) and returns
problems located at the very value or list item at fault, one line per mistake.
Sources that failed validation (`Content.unbuilt`) are still checked for what
they refer to, and references to them are not reported again.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cxsite.content.dates import zh_date
from cxsite.content.kinds import Field, Kind
from cxsite.content.localpaths import LOCAL_PATH, is_local_path, local_path_problem
from cxsite.problem import Problem, error, warning
from cxsite.site import urls
from cxsite.site.model import BULLETIN, Content, SiteIndex
from cxsite.site.names import Names


def check_unique(content: Content, kinds: Sequence[Kind]) -> list[Problem]:
    """Report issue numbers and record ids used twice, across the list and the folder form."""
    problems = []
    seen: dict = {}
    issues = [d.issue for d in content.documents if d.kind == BULLETIN]
    next_issue = max(issues, default=0) + 1
    keyed = [(("issue", d.issue), d, "issue", f"期号 {d.issue} 重复", f"下一个未用的期号是 {next_issue}")
             for d in content.documents if d.kind == BULLETIN]
    for kind in kinds:
        if kind.is_document or not kind.id_field:
            continue
        folder = kind.folder_name
        keyed += [((kind.name, getattr(r, kind.id_field)), r, kind.id_field,
                   f"{kind.label}编号“{getattr(r, kind.id_field)}”重复",
                   f"每个编号只能用一次；同一条记录不要既写在 content/{folder}.yaml 里"
                   f"又单独写成 content/{folder}/ 下的文件")
                  for r in content.of(kind.name)]
    for key, item, field_name, message, hint in keyed:
        line, column = _position(item, field_name)
        if key in seen:
            first_path, first_line = seen[key]
            problems.append(error(item.path, line, f"{message}：{first_path}:{first_line} 已经用过",
                                  hint, column))
        else:
            seen[key] = (item.path, line)
    return problems


def _position(item, key: str, index: int | None = None) -> tuple[int | None, int | None]:
    """Return (line, column) of a key's value or of one of its list items in a source file."""
    lines = item.lines
    if index is not None and (key, index) in lines:
        return lines[key, index]
    if (key,) in lines:
        return lines[(key,)]
    return lines.get(key, lines.get("_record")), None


def check_issue_gaps(content: Content) -> list[Problem]:
    """Warn, at the bulletin after each gap, when issue numbers skip a number.

    A bulletin that failed validation still fills its number; one whose number
    cannot be read at all makes any gap unknowable, so none is reported.
    """
    failed = [u for u in content.unbuilt if u.kind == BULLETIN]
    if any(u.identity is None for u in failed):
        return []
    by_issue = {d.issue: d for d in sorted(content.documents, key=lambda d: d.path) if d.kind == BULLETIN}
    taken = set(by_issue) | {u.identity[1] for u in failed}
    problems, expected = [], 1
    for issue in sorted(taken):
        if issue > expected and issue in by_issue:
            missing = range(expected, issue)
            shown = "、".join(f"第{n}期" for n in missing[:10]) + ("等" if len(missing) > 10 else "")
            line, column = _position(by_issue[issue], "issue")
            problems.append(warning(by_issue[issue].path, line, f"简报期号不连续：第{issue}期之前缺少{shown}",
                                    "检查是否漏写或写错了 issue（期号）", column))
        expected = issue + 1
    return problems


def check_issue_dates(content: Content) -> list[Problem]:
    """Warn, at its date, when an issue is dated before the issue numbered just before it.

    Issues are numbered in the order they come out, so one of the two dates (or numbers)
    is most likely mistyped. Days are compared: two issues of one day may come in any order.
    """
    by_issue = {d.issue: d for d in sorted(content.documents, key=lambda d: d.path) if d.kind == BULLETIN}
    problems, previous = [], None
    for issue in sorted(by_issue):
        doc = by_issue[issue]
        if previous is not None and doc.date.date() < previous.date.date():
            line, column = _position(doc, "date")
            problems.append(warning(
                doc.path, line, f"第{issue}期的日期（{zh_date(doc.date)}）早于第{previous.issue}期"
                f"（{zh_date(previous.date)}，{previous.path}）",
                "简报按出刊先后编期号：检查这两期的 date（日期）和 issue（期号）是否写错", column))
        previous = doc
    return problems


def check_references(content: Content, kinds: Sequence[Kind], records: Mapping[str, tuple],
                     names: Names | None = None, held: set = frozenset()) -> list[Problem]:
    """Report references to records and issues that do not exist (as the kinds' fields declare them).

    References written as names were resolved to ids already (names.py); `names`
    gives the hints that map the names writers know to the ids. References to
    records held back as drafts (`held`: (kind, id)) are warnings.
    """
    names = names or Names({}, {}, {})
    by_name = {kind.name: kind for kind in kinds}
    known = {name: {getattr(r, by_name[name].id_field) for r in items}
             for name, items in records.items() if by_name[name].id_field}
    known[BULLETIN] = {d.issue for d in content.documents if d.kind == BULLETIN}
    invalid = {u.identity for u in content.unbuilt if u.identity}
    # A file that could not be read at all may hold any id: checking against it would mislead.
    unreadable = {u.kind for u in content.unbuilt if u.identity is None}
    problems = []
    items = [(d.kind, d, None) for d in content.documents]
    items += [(name, r, None) for name, rs in content.records.items() for r in rs]
    items += [(u.kind, u, u.references) for u in content.unbuilt]
    for name, item, written in items:
        for field in by_name[name].references:
            value = written.get(field.name) if written is not None else getattr(item, field.name, None)
            if field.reference.target in unreadable:
                continue
            targets = Targets(by_name[field.reference.target].label, known.get(field.reference.target, set()),
                              invalid, names, held)
            problems += _unknown_references(item, field, value, targets)
    return problems


@dataclass(frozen=True)
class Targets:
    """What a reference field may name: the ids of its target kind, those that failed, their names."""

    label: str
    ids: set
    invalid: set
    names: Names
    held: set = frozenset()  # (kind, id) of records held back as drafts


def _unknown_references(item, field: Field, value, targets: Targets) -> list[Problem]:
    """Report each id a reference field names that names nothing of its target kind."""
    target, single = field.reference.target, not isinstance(value, tuple | list)
    ids = (() if value in (None, "") else (value,)) if single else tuple(value)
    if ids == (field.reference.all_word,) and field.reference.all_word:
        return []
    problems = []
    for index, ref in enumerate(ids):
        identity = ("issue", ref) if target == BULLETIN else (target, ref)
        if ref in targets.ids or identity in targets.invalid:
            continue
        line, column = _position(item, field.name, None if single else index)
        if identity in targets.held:
            problems.append(warning(item.path, line, f"{field.name} 引用的{targets.label}“{ref}”还是草稿"
                                    "（draft: true），暂不发布，这里也不会显示它",
                                    f"这个{targets.label}写好后，删除它的 draft: true", column))
            continue
        if target == BULLETIN:
            shown = "、".join(str(n) for n in sorted(targets.ids)) or "（还没有简报）"
            problems.append(error(item.path, line, f"{field.name} 引用了不存在的简报第{ref}期",
                                  f"写已有简报的期号：{shown}", column))
            continue
        message, hint = _reference_problem(field, ref, ids, index, single, targets)
        problems.append(error(item.path, line, message, hint, column))
    return problems


# What a Chinese input method types between list items instead of the half-width comma.
_FULLWIDTH_SEPARATORS = re.compile(r"\s*[，；、]\s*")
_SEPARATOR_NAMES = {"，": "全角逗号", "；": "全角分号", "、": "顿号"}


def _reference_problem(field: Field, ref, ids: tuple, index: int, single: bool,
                       targets: Targets) -> tuple[str, str]:
    """The message and hint for one reference that names nothing."""
    label, where = targets.label, "" if single else f"第 {index + 1} 项"
    text = str(ref)
    separator = _FULLWIDTH_SEPARATORS.search(text)
    if not single and separator:
        items = [part for one in ids for part in _FULLWIDTH_SEPARATORS.split(str(one)) if part]
        mark = separator.group().strip()
        return (f"{field.name} {where}“{text}”里的“{mark}”是{_SEPARATOR_NAMES[mark]}，几项被连成了一项",
                f"各项之间用半角逗号加空格：[{', '.join(items)}]（切换到英文输入法再输入逗号）")
    shared = targets.names.shared.get(field.reference.target, {}).get(text.strip())
    if shared:
        return (f"{field.name} {where}“{text}”有 {len(shared)} 个{label}同名，不知道指的是哪一个",
                f"改写编号：{'、'.join(shared)}")
    return (f"{field.name} 引用了不存在的{label}“{text}”",
            _reference_hint(text, targets.ids, label, targets.names.named.get(field.reference.target, {})))


def _reference_hint(ref: str, known: set, label: str, named: Mapping[str, str]) -> str:
    """Suggest the record the writer probably meant, and list the ids there are with their names."""
    ids = sorted(known)
    if not ids:
        return f"还没有任何{label}，请先建立它"
    shown = [f"{i}（{named[i]}）" if named.get(i) else i for i in ids[:12]]
    listed = "、".join(shown) + (f" 等 {len(ids)} 个" if len(ids) > 12 else "")
    available = f"可以写{label}的编号或名称：{listed}" if named else f"可用的{label}编号：{listed}"
    by_name = {named[i]: i for i in ids if named.get(i)}
    near = difflib.get_close_matches(ref, ids, n=1, cutoff=0.6)
    if near:
        return f"是不是 {near[0]}？{available}"
    near = difflib.get_close_matches(ref, list(by_name), n=1, cutoff=0.5)
    if near:
        return f"是不是 {near[0]}？{near[0]} 的编号是 {by_name[near[0]]}；{available}"
    return available


def check_ranges(content: Content, kinds: Sequence[Kind]) -> list[Problem]:
    """Report records that end before they start (a field declared `not_before` another)."""
    problems = []
    for kind in kinds:
        for field in (f for f in kind.fields if f.not_before):
            for item in content.of(kind.name):
                start, end = getattr(item, field.not_before), getattr(item, field.name)
                if end is not None and start is not None and end < start:
                    line, column = _position(item, field.name)
                    message = f"{field.name}（{field.label}）{zh_date(end)}早于开始日期{zh_date(start)}"
                    problems.append(error(item.path, line, message,
                                          f"检查 {field.name}（{field.label}）和开始日期是否写错", column))
    return problems


BUILT_IN = "cxsite 内置页面"


def own_files(records: Mapping[str, tuple], categories) -> list[str]:
    """The feeds and calendars cxsite writes for each branch and category."""
    branches = records.get("branches", ())
    return [url for b in branches for url in (urls.feed_of(b.url), urls.calendar_of(b.url))] + [
        urls.feed_of(t.url) for t in categories]


def check_urls(documents, records: Mapping[str, tuple], tags, categories, content: Content, reserved,
               generated) -> list[Problem]:
    """Report two things that would be written to the same URL.

    `reserved` are the URLs of cxsite's own pages, `generated` those of the feeds
    and calendars it writes for each branch and category.
    """
    owners: dict[str, list[tuple[str, int | None]]] = defaultdict(list)
    for url in reserved:
        owners[url].append((BUILT_IN, None))
    for doc in sorted(documents, key=lambda d: d.path):
        owners[doc.url].append((doc.path, doc.line_of("slug") if "slug" in doc.lines else None))
    for items in records.values():
        # One record per id: an id given twice is reported as such, not again as a URL.
        for record in {getattr(r, "id", i): r for i, r in enumerate(items)}.values():
            if getattr(record, "url", ""):
                owners[record.url].append((record.path, record.lines.get("id", record.lines.get("_record"))))
    for term in tags + categories:
        owners[term.url].append((f"{'标签' if term.kind == 'tag' else '栏目'}“{term.name}”", None))
    for url in generated:
        owners[url].append(("cxsite 生成的订阅文件", None))  # a branch's or category's own feed
    for static in content.static:
        url = "/" + static.url
        owners[url.removesuffix("index.html")].append((f"static/{static.url}", None))
    issues = Counter(d.url for d in documents if d.kind == BULLETIN)
    duplicate_issues = {url for url, count in issues.items() if count > 1}  # reported as issue numbers
    problems = []
    for url, claims in owners.items():  # the problems are sorted when reported
        if len(claims) > 1 and url not in duplicate_issues:
            problems += _url_conflicts(url, claims)
    return problems


def _url_conflicts(url: str, claims: list[tuple[str, int | None]]) -> list[Problem]:
    """Report each file that claims a URL something earlier already has (one line per mistake)."""
    problems = []
    files = [i for i, (path, _) in enumerate(claims) if path.startswith(("content/", "static/"))]
    for i in files:
        if i == 0 and len(files) > 1:
            continue  # the first file keeps the URL; the later ones are told
        path, line = claims[i]
        owner, owner_line = claims[1] if i == 0 else claims[0]
        if owner == BUILT_IN:
            message = f"网址 {url} 是 cxsite 内置页面的网址，不能再用"
        else:
            message = f"网址 {url} 已被 {owner}{f':{owner_line}' if owner_line else ''} 使用"
        problems.append(error(path, line, message, "给这个文件写一个别的 slug（网址名），或换一个文件名"))
    return problems


def check_links(content: Content, index: SiteIndex) -> list[Problem]:
    """Report Markdown links and images, covers, photos and attachments that point to nothing.

    A missing image or file, or one written as a path on the writer's computer, is
    an error: the page would show a broken picture. A link to a missing page is a
    warning in a build (the page still works) and an error in `cxsite check`,
    which recognises it by its code.
    """
    held_back = {d.path for d in content.documents} - set(index.sources)
    failed = {u.path for u in content.unbuilt}  # their own mistakes are reported already
    files = sorted({d.path for d in content.documents} | {f"static/{f.url}" for f in content.static}
                   | {r.path for rs in content.records.values() for r in rs})
    problems = []
    for path, link in [(d.path, link) for d in content.documents for link in d.links] + list(content.links):
        if link.local:
            problems.append(error(path, link.line, *local_path_problem(link.written, link.image), link.column,
                                  LOCAL_PATH))
        elif not (_exists(link.key, index) or link.key in failed):
            problems.append(_missing_link(path, link, link.key in held_back, files))
    for item, key, values in _file_fields(content):
        for i, value in enumerate(values):
            problems += _missing_file(item, key, i, value, index)
    return problems


def _missing_link(path: str, link, held_back: bool, files: list[str]) -> Problem:
    """A Markdown link or image to nothing: an error for an image, else a warning (an error in check)."""
    what = "图片" if link.image or _is_image(link.key) else "链接"
    if held_back:
        return warning(path, link.line, f"{what}“{link.written}”指向的稿件暂不发布（草稿或日期在将来）",
                       "发布后这个链接会失效；等那篇稿件发布后再链接", code=BROKEN_LINK)
    make = error if link.image else warning
    return make(path, link.line, f"{what}“{link.written}”指向的文件不存在", _link_hint(link.key, path, files),
                code=BROKEN_LINK)


def _missing_file(item, key: str, index: int, value: str, index_: SiteIndex) -> list[Problem]:
    """A cover, photo or attachment that is a local path or names no file under static/: an error."""
    external = value.startswith(("http://", "https://", "//"))
    line, column = _position(item, key, index if key != "cover" else None)
    image = key != "attachments"
    if is_local_path(value):
        return [error(item.path, line, *local_path_problem(value, image), column, LOCAL_PATH)]
    if external or _exists("static/" + value.lstrip("/"), index_):
        return []
    what = "图片" if image else "文件"
    return [error(item.path, line, f"{key} 指向的{what}“{value}”不存在",
                  f"{what}放在 static/ 下，这里写它在 static/ 里的路径，如 "
                  f"{'/img/合影.jpg' if image else '/files/通知.pdf'}", column, BROKEN_LINK)]


BROKEN_LINK = "broken-link"
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp")


def _exists(key: str, index: SiteIndex) -> bool:
    """Whether a link key names a source file, a static file or a page of the site."""
    return key in index.sources or key in index.urls or urls.is_pager_url(key)


def _is_image(key: str) -> bool:
    """Whether a link key names an image file."""
    return key.lower().endswith(_IMAGE_SUFFIXES)


def _file_fields(content: Content):
    """Yield (item, key, paths) for the paths of files written in front matter and records."""
    for doc in content.documents:
        if doc.cover:
            yield doc, "cover", (doc.cover,)
        if doc.attachments:
            yield doc, "attachments", tuple(f.src for f in doc.attachments)
    for event in content.of("events"):
        for key in ("photos", "attachments"):
            if getattr(event, key):
                yield event, key, tuple(f.src for f in getattr(event, key))


def _link_hint(key: str, source: str, candidates: list[str]) -> str:
    """Suggest the file a broken link probably meant, written relative to its source."""
    near = difflib.get_close_matches(key, candidates, n=1, cutoff=0.7)
    if near:
        target = near[0]
        if target.startswith("static/"):
            return f"是不是 /{target.removeprefix('static/')}？"
        return f"是不是 {posixpath.relpath(target, posixpath.dirname(source))}？"
    return "站内链接写成相对本文件的路径，如 ../pages/fang-an.md；图片放在 static/ 下，写成 /img/图片.jpg"
