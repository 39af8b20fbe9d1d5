"""The 合订本 in volumes: fixed ranges of issue numbers, a list once there is more than one."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from cxsite.render.volume import VOLUME_ISSUES

from htmlscan import scan
from support import SITES, build_at


def _site(tmp_path, last_issue: int):
    """The stats test site with issues up to `last_issue` (its own three first)."""
    root = tmp_path / "site"
    shutil.copytree(SITES / "stats", root)
    for issue in range(4, last_issue + 1):
        day = dt.date(2010, 9, 1) + dt.timedelta(days=issue * 60 // last_issue)  # before the tests' clock
        (root / "content" / "bulletins" / f"{issue:03d}.md").write_text(
            f"---\ntitle: 第{issue}期简报\nissue: {issue}\ndate: {day}\n---\n\n第{issue}期的正文。\n",
            "utf-8")
    return root


def _issues(path) -> list[str]:
    """The issues a volume page prints, in order."""
    return [e.get("id") for e in scan(path.read_text("utf-8")) if e.tag == "article"]


def test_issues_beyond_one_range_are_bound_in_volumes_with_a_list(tmp_path):
    out = tmp_path / "public"
    assert build_at(_site(tmp_path, 2 * VOLUME_ISSUES + 3), out).ok
    listing = (out / "bulletins" / "print" / "index.html").read_text("utf-8")
    names = [f"{a}-{b}" for a, b in ((1, VOLUME_ISSUES), (VOLUME_ISSUES + 1, 2 * VOLUME_ISSUES),
                                     (2 * VOLUME_ISSUES + 1, 3 * VOLUME_ISSUES))]
    for name in names:
        assert f'href="../../bulletins/print/{name}/"' in listing
    printed = [_issues(out / "bulletins" / "print" / name / "index.html") for name in names]
    assert printed[0][0] == "issue-1" and printed[0][-1] == f"issue-{VOLUME_ISSUES}"
    assert printed[2] == [f"issue-{2 * VOLUME_ISSUES + n}" for n in (1, 2, 3)]
    assert sum(len(p) for p in printed) == 2 * VOLUME_ISSUES + 3  # every issue once
    assert _issues(out / "bulletins" / "print" / "index.html") == []


def test_one_range_is_a_single_volume_at_the_list_address(tmp_path):
    out = tmp_path / "public"
    assert build_at(_site(tmp_path, VOLUME_ISSUES), out).ok
    assert len(_issues(out / "bulletins" / "print" / "index.html")) == VOLUME_ISSUES
    assert not (out / "bulletins" / "print" / f"1-{VOLUME_ISSUES}").exists()


def test_an_edited_issue_makes_only_its_own_volume_again(tmp_path):
    root, out = _site(tmp_path, 2 * VOLUME_ISSUES + 3), tmp_path / "public"
    assert build_at(root, out).ok
    before = {p: p.stat().st_mtime_ns for p in (out / "bulletins" / "print").rglob("index.html")}
    path = root / "content" / "bulletins" / f"{VOLUME_ISSUES + 5:03d}.md"
    path.write_text(path.read_text("utf-8").replace("的正文", "的新正文"), "utf-8")
    second = build_at(root, out)
    assert second.ok and second.rendered <= 7, second.rendered  # the issue, its neighbours, lists, its phase
    changed = {p.relative_to(out).as_posix() for p, t in before.items() if p.stat().st_mtime_ns != t}
    assert changed == {f"bulletins/print/{VOLUME_ISSUES + 1}-{2 * VOLUME_ISSUES}/index.html"}


@pytest.mark.skipif(shutil.which("java") is None, reason="the Nu validator needs Java")
def test_the_volume_list_and_a_volume_are_valid_html(tmp_path):
    from test_html_valid import validate

    out = tmp_path / "public"
    assert build_at(_site(tmp_path, VOLUME_ISSUES + 1), out).ok
    pages = [out / "bulletins" / "print" / "index.html",
             out / "bulletins" / "print" / f"{VOLUME_ISSUES + 1}-{2 * VOLUME_ISSUES}" / "index.html"]
    assert validate(pages, out) == []
