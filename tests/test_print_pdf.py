"""The printed 简报, printed to PDF by headless Chromium and read back with pdftotext.

A copy of tests/sites/stats gets long bulletins. Where a bulletin's text ends
on its last page depends on the fonts, so one test lengthens a bulletin's last
paragraph half a line at a time across a page end and prints it at each
step: somewhere on the way, left to itself, the browser puts the foot
(发送, 印发) alone on a page of its own.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from support import SITES, build_at

CHROMIUM = "/usr/bin/chromium"
PDFTOTEXT = shutil.which("pdftotext")
MASTHEAD = "测试活动简报"  # bulletin.name in tests/sites/stats/site.yaml
LONG_ISSUES = range(4, 12)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium is not installed at {CHROMIUM}"),
    pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext is missing: install poppler-utils"),
]


def _long_bulletin(issue: int, paragraphs: int) -> str:
    """A bulletin of some paragraphs of Chinese text, with a distribution list."""
    text = "各支部结合工作实际深入开展主题实践活动，" * 5
    body = "\n\n".join(f"第{n + 1}段。{text}" for n in range(paragraphs))
    return (f"---\ntitle: 长简报第{issue}期\nissue: {issue}\ndate: 2010-10-{issue:02d}\n"
            f"distribution: [各支部, 厅机关各处室, 厅属各单位]\n---\n\n## 工作进展\n\n{body}\n")


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    """The stats test site plus long bulletins, built into a folder printed from file://."""
    root = tmp_path_factory.mktemp("print") / "site"
    shutil.copytree(SITES / "stats", root)
    for offset, issue in enumerate(LONG_ISSUES):
        (root / "content" / "bulletins" / f"{issue:03d}.md").write_text(
            _long_bulletin(issue, 10 + offset), "utf-8")
    out = root.parent / "public"
    result = build_at(root, out, portable=True)
    assert result.ok, [p.format() for p in result.problems]
    return out


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium (Debian's), driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def printer(out, browser, tmp_path_factory):
    """A function printing a page of the site to PDF and returning the text of each printed page."""
    folder = tmp_path_factory.mktemp("pdf")
    page = browser.new_page()

    def print_pages(url: str) -> list[str]:
        page.goto((out / url.strip("/") / "index.html").as_uri())
        pdf = folder / (url.strip("/").replace("/", "-") + ".pdf")
        page.pdf(path=str(pdf), prefer_css_page_size=True)
        return _page_texts(pdf)

    yield print_pages
    page.close()


def _page_texts(pdf: Path) -> list[str]:
    """The text of each page of a PDF (pdftotext puts a form feed after each)."""
    text = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.split("\f")[:-1]


def _lines(page: str) -> list[str]:
    """The non-empty lines of a page, spaces squeezed."""
    return [re.sub(r"\s+", " ", line).strip() for line in page.splitlines() if line.strip()]


def _numbered(page: str, number: int, total: int) -> bool:
    """Whether a page carries its number: 第 X 页 / 共 Y 页."""
    return re.search(rf"第\s*{number}\s*页\s*/\s*共\s*{total}\s*页", page) is not None


def test_the_volume_starts_every_issue_on_a_new_page(printer, out):
    pages = printer("/bulletins/print/")
    issues = [1, 2, 3, *LONG_ISSUES]
    assert len(pages) > len(issues)
    assert "合订本" in pages[0] and "目录" in pages[0]  # the cover with the contents comes first
    tops = [_lines(p)[:3] for p in pages[1:]]
    started = [t for t in tops if t and t[0].startswith(MASTHEAD)]
    assert [re.search(r"第\s*(\d+)\s*期", " ".join(t)).group(1) for t in started] == [str(i) for i in issues]
    # The masthead is only ever at the top of a page: no issue starts in the middle of one.
    assert sum(MASTHEAD in p for p in pages[1:]) == len(issues)
    for number, page in enumerate(pages, start=1):
        assert _numbered(page, number, len(pages)), f"page {number} has no page number"
    assert "打印合订本" not in "".join(pages)  # the print button does not print


@pytest.mark.parametrize("issue", [3, *LONG_ISSUES])
def test_a_bulletin_never_ends_with_the_foot_alone(printer, issue):
    pages = printer(f"/bulletins/{issue}/")
    assert pages[0].lstrip().startswith(MASTHEAD)
    for number, page in enumerate(pages, start=1):
        assert _numbered(page, number, len(pages))
    last = [line for line in _lines(pages[-1]) if not _numbered(line, len(pages), len(pages))]
    foot = [line for line in last if line.startswith("发送") or line.endswith("印发")]
    assert len(foot) == 2, last  # the whole foot is on the last page…
    assert len(last) > len(foot), f"第{issue}期的最后一页只有发送/印发栏"  # …with the text's end
    assert "打印本期" not in "".join(pages)


GROW = """(chars) => {
  const paragraphs = document.querySelectorAll(".prose > p");
  paragraphs[paragraphs.length - 1].textContent += "补".repeat(chars);
}"""
HALF_LINE = 16  # about half a printed line of the bulletin's text (A4, 14pt)


def _foot_with_text(pages: list[str]) -> bool:
    """Whether the last page has the whole foot and some of the text above it."""
    last = [line for line in _lines(pages[-1]) if not _numbered(line, len(pages), len(pages))]
    foot = [line for line in last if line.startswith("发送") or line.endswith("印发")]
    return len(foot) == 2 and len(last) > len(foot)


def test_the_foot_stays_with_the_text_wherever_the_text_ends(out, browser, tmp_path):
    page = browser.new_page()

    def print_grown(chars: int) -> list[str]:
        page.goto((out / "bulletins" / "4" / "index.html").as_uri())
        page.evaluate(GROW, chars)
        page.pdf(path=str(tmp_path / "grown.pdf"), prefer_css_page_size=True)
        return _page_texts(tmp_path / "grown.pdf")

    start = len(print_grown(0))
    coarse = next(k for k in range(1, 20) if len(print_grown(k * 10 * HALF_LINE)) > start)
    # From a few lines before the text reaches the page end to well after it has crossed it.
    chars, crossed, bad = (coarse - 1) * 10 * HALF_LINE, None, []
    for step in range(40):
        pages = print_grown(chars)
        if crossed is None and len(pages) > start:
            crossed = step
        if not _foot_with_text(pages):
            bad.append(chars)
        if crossed is not None and step >= crossed + 8:
            break
        chars += HALF_LINE
    page.close()
    assert crossed is not None  # the text's end did cross a page end
    assert bad == [], f"lengthened by {bad} characters, the last page holds the foot alone or half of it"


def test_some_bulletin_runs_over_a_page(printer):
    # Otherwise the test above would prove nothing about page breaks.
    assert max(len(printer(f"/bulletins/{i}/")) for i in LONG_ISSUES) >= 2
