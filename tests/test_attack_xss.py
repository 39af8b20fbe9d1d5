"""Issue 15, live script from text: the OWASP filter-evasion list in every field a writer controls.

Each vector of tests/data/owasp_xss.txt gets a site of its own with the vector
in every Markdown and YAML field (see attack_vectors.py); every page, feed and
calendar of the built site is parsed with real parsers and searched for live
script (see attack_scan.py). A field cxsite refuses must be refused with a
located message; the fields it accepts are then tested without it.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from attack_scan import Allowed, parse_fragment, scan_feed, scan_site, scan_tree
from attack_support import (
    MINIMAL,
    assert_answered,
    located,
    minimal_site,
    run_cxsite,
    yaml_str,
)
from attack_vectors import FIELDS, NOT_MARKED, build_vector, load_vectors, marker

VECTORS = load_vectors()


@pytest.fixture(scope="module")
def allowed(tmp_path_factory) -> Allowed:
    """The theme's own scripts, forms and styles, learnt from a clean site made by `cxsite init`."""
    work = tmp_path_factory.mktemp("clean")
    made = run_cxsite("init", work / "site")
    assert made.code == 0, str(made)
    built = run_cxsite("build", "--root", work / "site", "--out", work / "public")
    assert built.code == 0, str(built)
    return Allowed.learn(work / "public")


@pytest.fixture(scope="module")
def vector_builds(tmp_path_factory, allowed):
    """Every vector's site built (refused fields set aside), scanned, and the markers found in it."""
    results, work = [], tmp_path_factory.mktemp("vectors")
    for index, vector in enumerate(VECTORS):
        built = build_vector(vector, work / "site", work / f"public-{index:03d}")
        findings = scan_site(built.out, allowed) if built.out else []
        text = _output_text(built.out) if built.out else ""
        reached = {code for code in FIELDS if code not in NOT_MARKED and marker(code) in text}
        results.append((index, built, findings, reached))
    return results


def _output_text(site: Path) -> str:
    """All text of a built site, calendar lines unfolded (folding may split a marker)."""
    parts = []
    for path in sorted(site.rglob("*")):
        if path.is_file() and path.suffix in (".html", ".xml", ".ics", ".json", ".txt", ".js"):
            text = path.read_text("utf-8", "replace")
            parts.append(text.replace("\r\n ", "").replace("\n ", "") if path.suffix == ".ics" else text)
    return "\n".join(parts)


def _report(rows: list[str], limit: int = 60) -> str:
    """A failure message listing at most `limit` rows."""
    more = f"\n… and {len(rows) - limit} more" if len(rows) > limit else ""
    return "\n".join(rows[:limit]) + more


def _findings(vector_builds, kind) -> list[str]:
    """Findings in output files of one kind ('page', 'feed', 'calendar'): one row per vector and finding."""
    rows = []
    for index, built, findings, _ in vector_builds:
        by_what = defaultdict(list)
        for finding in findings:
            file = finding.file.split(" ")[0]
            is_kind = {
                "page": file.endswith((".html", ".htm")),
                "calendar": file.endswith(".ics"),
                "feed": not file.endswith((".html", ".htm", ".ics")),
            }[kind]
            if is_kind:
                by_what[finding.what].append(finding.file)
        for what, files in by_what.items():
            shown = ", ".join(sorted(set(files))[:3]) + (
                f" (+{len(set(files)) - 3} files)" if len(set(files)) > 3 else ""
            )
            rows.append(f"vector #{index} {built.vector[:60]!r}: {what} — in {shown}")
    return rows


def test_the_owasp_list_is_read_whole():
    assert len(VECTORS) >= 100, f"only {len(VECTORS)} vectors read from tests/data/owasp_xss.txt"
    kinds = [
        "&#106;avascript:",
        "jav&#x09;ascript:",
        "jav\tascript:",
        "onerror=",
        "<svg",
        "<iframe",
        "<object",
        "<embed",
        'http-equiv="refresh"',
        "expression(",
        "url(javascript:",
        "data:text/html",
        "<base",
        "<form",
        "vbscript:",
        "\0",
        "+ADw-",
        "[点这里](javascript:",
        "[点这里](&#106;avascript:",
        "![图](javascript:",
        "<javascript:",
        "[r]: javascript:",
        "`<img src=x onerror=alert(1)>`",
    ]
    text = "\n".join(VECTORS).lower()
    assert [k for k in kinds if k.lower() not in text] == []


def test_no_page_carries_live_script_from_any_field(vector_builds):
    rows = _findings(vector_builds, "page")
    assert rows == [], f"{len(rows)} live things in pages:\n" + _report(rows)


def test_no_feed_carries_live_script_from_any_field(vector_builds):
    rows = _findings(vector_builds, "feed")
    assert rows == [], f"{len(rows)} live things in feeds:\n" + _report(rows)


def test_no_calendar_carries_a_script_url_or_live_html(vector_builds):
    rows = _findings(vector_builds, "calendar")
    assert rows == [], f"{len(rows)} live things in calendars:\n" + _report(rows)


def test_hostile_fields_never_crash_a_build(vector_builds):
    rows = [f"vector #{i} {b.vector[:70]!r}: {crash}" for i, b, _, _ in vector_builds for crash in b.crashes]
    assert rows == [], f"{len(rows)} internal errors:\n" + _report(rows)


def test_a_refused_field_is_named_by_path_and_line(vector_builds):
    rows = [f"vector #{i} {b.vector[:70]!r}: {text}" for i, b, _, _ in vector_builds for text in b.unlocated]
    assert rows == [], f"{len(rows)} refusals that name no field of the site:\n" + _report(rows)


def test_every_vector_site_builds_once_refused_fields_are_set_aside(vector_builds):
    rows = [
        f"vector #{i} {b.vector[:70]!r}: never built; refusals: {b.set_aside[-3:]}"
        for i, b, _, _ in vector_builds
        if b.out is None
    ]
    assert rows == [], _report(rows)


def test_every_writer_field_reaches_the_output(vector_builds):
    """Guards the test itself: a field that never reaches a page, feed or calendar was not tested."""
    reached = set().union(*(r for _, _, _, r in vector_builds))
    missing = sorted(code for code in FIELDS if code not in NOT_MARKED and code not in reached)
    assert missing == [], "fields never found in any output: " + ", ".join(
        f"{c} ({FIELDS[c]})" for c in missing
    )


# ---------------------------------------------------------------- the issue's own examples


ENTITY_LINK = "[点这里](&#106;avascript:alert(1))"


def test_entity_encoded_markdown_link_is_not_live_in_any_markdown_field(tmp_path, allowed):
    body = f"第一段。\n\n{ENTITY_LINK}\n"
    md = yaml_str(f"说明。\n\n{ENTITY_LINK}")
    root = minimal_site(
        tmp_path / "site",
        {
            "site.yaml": MINIMAL["site.yaml"] + f"intro: {md}\n",
            "content/branches.yaml": f"- id: yulin\n  name: 育林党支部\n  description: {md}\n",
            "content/bulletins/001.md": MINIMAL["content/bulletins/001.md"] + "\n" + body,
            "content/events/e1.yaml": f"id: e1\ntitle: 大会\ndate: 2010-07-16\nphase: ph1\nsummary: {md}\n",
            "content/phases.yaml": f"- id: ph1\n  name: 第一阶段\n  start: 2010-07-01\n  end: 2010-12-31\n"
            f"  summary: {md}\n",
        },
    )
    outcome = run_cxsite("build", "--root", root, "--out", tmp_path / "public")
    assert_answered(outcome, "entity-encoded javascript: link")
    if outcome.code == 0:
        assert [str(f) for f in scan_site(tmp_path / "public", allowed)] == []


def test_rss_description_is_escaped_text_or_sanitised_html(tmp_path, allowed):
    """Inline code holding markup must not become live markup in a reader that renders descriptions."""
    root = minimal_site(
        tmp_path / "site",
        {
            "content/bulletins/001.md": "---\ntitle: 动员大会\nissue: 1\ndate: 2010-07-18\n---\n\n"
            "示例代码 `<img src=x onerror=alert(1)>` 与 `<script>alert(2)</script>`。\n"
        },
    )
    outcome = run_cxsite("build", "--root", root, "--out", tmp_path / "public")
    assert outcome.code == 0, str(outcome)
    feeds = [p for p in sorted((tmp_path / "public").rglob("*.xml")) if b"<rss" in p.read_bytes()[:2000]]
    assert feeds, "no RSS feed built"
    found = [str(f) for feed in feeds for f in scan_feed(feed, feed.name, allowed)]
    assert found == []


def test_check_reports_script_urls_with_path_and_line(tmp_path):
    lines = [
        "---",
        "title: 动员大会",
        "issue: 1",
        "date: 2010-07-18",
        "---",
        "",
        "[甲](javascript:alert(1))",
        "",
        "[乙](&#106;avascript:alert(1))",
        "",
        '<a href="jav&#x09;ascript:alert(1)">丙</a>',
        "",
        "![丁](vbscript:msgbox(1))",
        "",
    ]
    root = minimal_site(tmp_path / "site", {"content/bulletins/001.md": "\n".join(lines)})
    outcome = run_cxsite("check", "--root", root)
    assert_answered(outcome, "check of script URLs")
    reported = {(line.path, line.line) for line in located(outcome.text)}
    want = {("content/bulletins/001.md", number) for number in (7, 9, 11, 13)}
    assert want <= reported, f"script URLs not reported at {sorted(want - reported)}\n{outcome}"


MENU_URLS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
             "\x01javascript:alert(1)", "vbscript:msgbox(1)",
             "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "&#106;avascript:alert(1)",
             "javascript&colon;alert(1)", "jav&#x09;ascript:alert(1)", "//evil.example/x", "/bulletins/"]


def test_menu_urls_never_become_script_links(tmp_path, allowed):
    """Unsafe menu URLs are refused (located at their line) or neutralised; what is accepted is scanned."""
    urls = list(MENU_URLS)
    for _ in range(len(urls) + 1):
        menu = "".join(f"  - {{title: 菜单{i}, url: {yaml_str(u)}}}\n" for i, u in enumerate(urls))
        site_yaml = MINIMAL["site.yaml"] + "menu:\n" + menu
        root = minimal_site(tmp_path / "site", {"site.yaml": site_yaml})
        out = tmp_path / "public"
        outcome = run_cxsite("build", "--root", root, "--out", out)
        assert_answered(outcome, "unsafe menu URLs")
        if outcome.code == 0:
            break
        first_menu_line = MINIMAL["site.yaml"].count("\n") + 2
        blamed = {line.line - first_menu_line for line in located(outcome.text) if line.path == "site.yaml"}
        blamed &= set(range(len(urls)))
        assert blamed, f"a menu URL was refused without naming its line\n{outcome}"
        urls = [u for i, u in enumerate(urls) if i not in blamed]
    assert outcome.code == 0, f"no menu was ever accepted\n{outcome}"
    assert [str(f) for f in scan_site(out, allowed)] == []


def test_external_menu_url_stays_absolute_on_every_page(tmp_path):
    external = "https://www.forestry.gov.cn/"
    site_yaml = (
        MINIMAL["site.yaml"] + f"menu:\n  - {{title: 首页, url: /}}\n  - {{title: 林业局, url: {external}}}\n"
    )
    root = minimal_site(tmp_path / "site", {"site.yaml": site_yaml})
    out = tmp_path / "public"
    outcome = run_cxsite("build", "--root", root, "--out", out)
    assert outcome.code == 0, str(outcome)
    wrong = []
    for page in sorted(out.rglob("*.html")):
        hrefs = [a.get("href") for a in _elements(page, "a") if (a.text or "").strip() == "林业局"]
        if hrefs != [external]:
            wrong.append(f"{page.relative_to(out)}: {hrefs}")
    assert wrong == [], "\n".join(wrong[:20])


def _elements(page: Path, tag: str):
    """The elements of a page with a tag."""
    from attack_scan import parse_page

    return [e for e in parse_page(page.read_bytes()).iter() if e.tag == tag]


def test_scanner_finds_what_it_must(allowed):
    """Guards the test itself: the scanner sees the classic live constructs."""
    live = [
        '<a href="&#106;avascript:alert(1)">x</a>',
        "<img src=x onerror=alert(1)>",
        '<a href="jav&#x09;ascript:x">x</a>',
        '<iframe src="https://e.example/"></iframe>',
        '<div style="width: expression(alert(1))">x</div>',
        '<svg><a xlink:href="javascript:x">x</a></svg>',
        '<meta http-equiv="refresh" content="0;url=javascript:x">',
        "<script>alert(1)</script>",
        '<form action="https://e.example/"></form>',
        '<img srcset="x 1x, javascript:y 2x">',
    ]
    missed = [html for html in live if not scan_tree(parse_fragment(html), "t", allowed)]
    assert missed == []
    harmless = [
        '<a href="https://example.org/">x</a>',
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
        '<img src="../img/a.svg" alt="javascript:alert(1)">',
    ]
    assert [h for h in harmless if scan_tree(parse_fragment(h), "t", allowed)] == []
