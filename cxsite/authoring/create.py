"""`cxsite new` and `init`: read what exists, plan the file (scaffold.py), write it (publish/files.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cxsite.authoring.scaffold import Existing, NewFile, new_file, new_site
from cxsite.build import BuildOptions, build_now, set_up
from cxsite.content.config import Config
from cxsite.content.dates import load_zone
from cxsite.content.project import list_content_files
from cxsite.content.reader import check_all
from cxsite.content.sources import Parsed, Unbuilt
from cxsite.problem import Problem, has_errors
from cxsite.publish.files import create_site_tree, write_new_file
from cxsite.render.registry import Registry
from cxsite.site.model import BULLETIN, PAGE, POST
from cxsite.site.records import document_url


def today(root: Path, tz: dt.tzinfo) -> dt.date:
    """Today in the site's time zone (SOURCE_DATE_EPOCH fixes it, as for builds)."""
    return build_now(BuildOptions(root), tz).date()


def create_document(root: Path, kind: str, title: str,
                    force: bool = False) -> tuple[NewFile | None, list[Problem]]:
    """Write a new bulletin, post, event or page into the site at root (a title in use needs `force`)."""
    setup, problems = set_up(BuildOptions(root))
    if setup is None or has_errors(problems):
        return None, problems
    config = setup.config
    existing = read_existing(root, config, setup.registry)
    plan, found = new_file(kind, title, today(root, config.tz), existing, force)
    if plan is None:
        return None, found
    problem = write_new_file(root / plan.path, plan.text, plan.path)
    return (None, [problem]) if problem else (plan, [])


def create_site(target: Path) -> tuple[dict[str, str] | None, list[Problem]]:
    """Create a new minimal site in target, which must not exist or be empty."""
    files = new_site(today(target, load_zone(Config.timezone)))
    problem = create_site_tree(target, files)
    return (None, [problem]) if problem else (files, [])


def read_existing(root: Path, config: Config, registry: Registry) -> Existing:
    """Read the issue numbers, record ids, URLs and file names already in content/."""
    issues: dict[int, tuple] = {}
    urls: set[str] = set()
    ids: dict[str, set] = {k.name: set() for k in registry.kinds if k.id_field and not k.is_document}
    titles: dict[tuple, str] = {}
    for item in check_all(root, config, registry.kinds):
        if isinstance(item, Parsed) and item.values.get("title"):
            titles.setdefault((_NEW_KINDS.get(item.kind, item.kind), item.values["title"]), item.path)
        if isinstance(item, Unbuilt):
            if item.identity and item.identity[0] == "issue":
                issues.setdefault(item.identity[1], ())
            elif item.identity and item.identity[0] in ids:
                ids[item.identity[0]].add(item.identity[1])
        elif isinstance(item, Parsed) and item.kind == BULLETIN:
            issues[item.values["issue"]] = item.values.get("distribution", ())
        elif isinstance(item, Parsed) and item.kind in ids:
            ids[item.kind].add(item.values["id"])
        elif isinstance(item, Parsed) and item.kind in (POST, PAGE) and (url := document_url(item)):
            urls.add(url)
    last = issues[max(issues)] if issues else ()
    return Existing(frozenset(issues), {k: frozenset(v) for k, v in ids.items()}, frozenset(urls),
                    list_content_files(root), last, titles)


_NEW_KINDS = {"events": "event"}  # the kind a source item is, as `cxsite new` names it
