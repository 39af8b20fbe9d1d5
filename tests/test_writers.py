"""What new writers hit first (issue 16): names as references, times of day in the event lists."""

from __future__ import annotations

import re
from pathlib import Path

from support import build_at

SITE = {
    "site.yaml": "title: 测试专题\norganization: 测试单位\nbase_url: http://10.1.2.3/zt/\n",
    "content/branches.yaml": "- {id: houqin, name: 第一党支部}\n- {id: shengchan-1, name: 第二党支部}\n",
    "content/phases.yaml": "- {id: phase-1, name: 学习动员阶段, start: 2010-07-01, end: 2010-08-31}\n",
    "content/events.yaml": (
        "- {id: xuexi, title: 学习讨论会, date: 2010-08-05, time: '14:30-17:30',"
        " branches: [第一党支部, shengchan-1], phase: 学习动员阶段}\n"
        "- {id: jiangzuo, title: 规划院讲堂, date: '2010-08-09 09:00', branches: [第二党支部]}\n"
        "- {id: quantian, title: 献计献策, date: 2010-08-10, end: 2010-08-20, branches: all}\n"),
    "content/honors.yaml": "- {title: 先进基层党组织, date: 2010, branch: 第二党支部}\n",
    "content/bulletins/001.md": ("---\ntitle: 活动开始\nissue: 1\ndate: 2010-08-06\n"
                                 "branches: [第一党支部]\nevents: [学习讨论会]\n---\n\n正文。\n"),
}


def write_site(root: Path, files: dict[str, str]) -> Path:
    """Write a site's files under root."""
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_records_are_referred_to_by_name_or_id_alike(tmp_path):
    result = build_at(write_site(tmp_path / "site", SITE), tmp_path / "out")
    assert result.problems == ()
    site = result.site
    xuexi = site.event("xuexi")
    assert (xuexi.branches, xuexi.phase) == (("houqin", "shengchan-1"), "phase-1")
    assert site.bulletin(1).branches == ("houqin",) and site.bulletin(1).events == ("xuexi",)
    assert site.honors[0].branch == "shengchan-1"
    assert site.branch("houqin").bulletins == (1,) and site.branch("houqin").events == ("xuexi", "quantian")
    assert site.branch("shengchan-1").honors == (0,)
    assert site.phase("phase-1").events == ("xuexi",)
    page = (tmp_path / "out/branches/houqin/index.html").read_text(encoding="utf-8")
    assert 'href="../../bulletins/1/"' in page and 'href="../../events/xuexi/"' in page


def test_an_id_wins_over_a_name_that_looks_like_it(tmp_path):
    files = {"site.yaml": SITE["site.yaml"],
             "content/branches.yaml": "- {id: houqin, name: shengchan-1}\n- {id: shengchan-1, name: 乙}\n",
             "content/honors.yaml": "- {title: 先进基层党组织, date: 2010, branch: shengchan-1}\n"}
    result = build_at(write_site(tmp_path / "site", files), tmp_path / "out")
    assert result.ok
    assert result.site.honors[0].branch == "shengchan-1"


def test_event_lists_show_the_time_of_day(tmp_path):
    result = build_at(write_site(tmp_path / "site", SITE), tmp_path / "out")
    assert result.ok
    timeline = (tmp_path / "out/events/index.html").read_text(encoding="utf-8")
    times = dict(re.findall(r'href="\.\./events/([\w-]+)/">[^<]+</a>\s*<div class="event-meta">\s*'
                            r'(?:<span class="event-time">([^<]+)</span>)?', timeline))
    assert times == {"xuexi": "14:30–17:30", "jiangzuo": "09:00", "quantian": ""}
    branch = (tmp_path / "out/branches/shengchan-1/index.html").read_text(encoding="utf-8")
    assert '<span class="event-time">09:00</span>' in branch
    event = (tmp_path / "out/events/jiangzuo/index.html").read_text(encoding="utf-8")
    assert "2010年8月9日</time> 09:00</dd>" in event
