"""`cxsite new` and `cxsite init`: read what exists, plan the file, have output.py write it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cxsite.build import BuildOptions, build_now
from cxsite.config import Config, load_config
from cxsite.dates import load_zone
from cxsite.loader import read_existing
from cxsite.output import create_site_tree, write_new_file
from cxsite.problem import Problem, has_errors
from cxsite.scaffold import NewFile, new_file, new_site


def today(root: Path, tz: dt.tzinfo) -> dt.date:
    """Today in the site's time zone (SOURCE_DATE_EPOCH fixes it, as for builds)."""
    return build_now(BuildOptions(root), tz).date()


def create_document(root: Path, kind: str, title: str) -> tuple[NewFile | None, list[Problem]]:
    """Write a new bulletin, post, event or page into the site at root."""
    config, problems = load_config(root)
    if config is None or has_errors(problems):
        return None, problems
    plan, found = new_file(kind, title, today(root, config.tz), read_existing(root, config))
    if plan is None:
        return None, found
    problem = write_new_file(root / plan.path, plan.text, plan.path)
    return (None, [problem]) if problem else (plan, [])


def create_site(target: Path) -> tuple[dict[str, str] | None, list[Problem]]:
    """Create a new minimal site in target, which must not exist or be empty."""
    files = new_site(today(target, load_zone(Config.timezone)))
    problem = create_site_tree(target, files)
    return (None, [problem]) if problem else (files, [])
