"""`cxsite serve` in headless Chromium: edits appear by themselves, mistakes show over the page."""

from __future__ import annotations

import queue
import shutil
from pathlib import Path

import pytest

from cxsite.cli import start_preview

from support import REPO

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
TIMEOUT_MS = 20_000  # how long a condition may take to come true before the test fails
BULLETIN = "content/bulletins/001-dongyuan-dahui.md"


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian chromium at /usr/bin/chromium")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def expect():
    """Playwright's expect, waiting up to TIMEOUT_MS for each condition."""
    from playwright.sync_api import expect
    expect.set_options(timeout=TIMEOUT_MS)
    return expect


@pytest.fixture
def site(tmp_path) -> Path:
    """A copy of the repository's example site."""
    root = tmp_path / "site"
    root.mkdir()
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    for folder in ("content", "layouts", "static"):
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, root / folder)
    return root


@pytest.fixture
def served(site):
    """The example site served on a free port; yields (url, queue of rebuild outcomes)."""
    outcomes: queue.Queue = queue.Queue()
    running = start_preview(site, "127.0.0.1", 0, False, False,
                            lambda outcome, changes, seconds: outcomes.put(outcome))
    try:
        yield running.server.url, outcomes
    finally:
        running.stop()


def next_outcome(outcomes: queue.Queue, ok: bool):
    """Return the next rebuild outcome that succeeded (ok=True) or failed (ok=False)."""
    while True:
        outcome = outcomes.get(timeout=TIMEOUT_MS / 1000)
        if outcome.ok is ok:
            return outcome


def test_edit_break_and_fix_a_bulletin_while_its_page_is_open(site, served, browser, expect):
    url, outcomes = served
    assert next_outcome(outcomes, ok=True).ok  # the first build
    source = site / BULLETIN
    original = source.read_text(encoding="utf-8")
    page = browser.new_page()
    page.goto(url + "bulletins/1/")
    expect(page.locator("h1")).to_contain_text("我院召开创先争优活动动员大会")
    page.evaluate("window.cxsiteTestMark = 1")  # gone once the page has reloaded

    # An edit on disk appears in the open page by itself.
    added = "院党委在预览中补写了这一段。"
    edited = original.replace("7月5日，院党委召开党委会", f"{added}\n\n7月5日，院党委召开党委会", 1)
    assert edited != original
    source.write_text(edited, encoding="utf-8")
    expect(page.get_by_text(added)).to_be_visible()
    assert page.evaluate("window.cxsiteTestMark") is None  # the page reloaded itself
    assert page.url == url + "bulletins/1/"

    # A broken front matter: the overlay lists every problem, the last good page stays beneath.
    broken = edited.replace("\nissue: 1\n", "\nissue：1\n", 1)
    assert broken != edited
    source.write_text(broken, encoding="utf-8")
    failed = next_outcome(outcomes, ok=False)
    overlay = page.locator("#cxsite-overlay")
    expect(overlay).to_be_visible()
    expect(overlay.locator("h2")).to_have_text("网站生成失败，请改正下列问题（页面显示的是上次成功生成的版本）")
    lines = [p.format().split("\n")[0] for p in failed.problems]
    expect(overlay.locator(".cxsite-problem")).to_have_text(lines)
    hints = [f"提示：{p.hint}" for p in failed.problems if p.hint]
    expect(overlay.locator(".cxsite-hint")).to_have_text(hints)
    expect(overlay.locator(".cxsite-problem").filter(has_text=BULLETIN)).to_have_text(
        f"{BULLETIN}:3:6: 错误：“issue”后面用了全角冒号“：”")
    expect(page.get_by_text(added)).to_be_attached()  # still the last good build underneath

    # A page opened while the site is broken shows the overlay at once, without the event stream.
    other = browser.new_page()
    other.route("**/__cxsite/events", lambda route: route.abort())
    other.goto(url + "bulletins/2/")
    expect(other.locator("#cxsite-overlay .cxsite-problem").filter(has_text=BULLETIN)).to_have_count(1)
    other.close()

    # Fixed: the overlay goes away by itself.
    source.write_text(edited, encoding="utf-8")
    assert next_outcome(outcomes, ok=True).ok
    expect(overlay).to_have_count(0)
    expect(page.get_by_text(added)).to_be_visible()
    page.close()
