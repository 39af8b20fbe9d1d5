"""Measure `cxsite serve`: the time from saving a bulletin to the open page showing the change.

usage: python tests/benchmark/serve.py SITE_ROOT [--saves N] [--issue N]

Copies the site to a temporary folder, serves it, opens the bulletin's page in
headless Chromium, then N times appends a new paragraph to its Markdown and
waits for the page (reloaded by itself) to show it. "Shown" is the reloaded
page's first contentful paint, read from the browser's clock (the same wall
clock as the save); Playwright's own wait, which polls, is printed beside it.
Prints each time, the medians, and what each rebuild rendered. Not a test:
timings vary by machine.
"""

from __future__ import annotations

import argparse
import queue
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from cxsite.cli import start_preview  # noqa: E402

# When the page in the browser was first painted, in milliseconds since the epoch.
SHOWN_AT = """performance.timeOrigin + (performance.getEntriesByName("first-contentful-paint")[0]
    || {startTime: performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd}).startTime"""
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def bulletin_source(root: Path, issue: int) -> Path:
    """Find the Markdown file of a bulletin by its issue number."""
    for path in sorted((root / "content/bulletins").rglob("*.md")):
        if re.search(rf"^issue:\s*{issue}\s*$", path.read_text(encoding="utf-8"), re.MULTILINE):
            return path
    raise SystemExit(f"no bulletin with issue {issue} under {root}")


def measure(site: Path, saves: int, issue: int) -> None:
    """Serve a copy of site and time saves of one bulletin."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "site"
        shutil.copytree(site, root, ignore=shutil.ignore_patterns("public", ".cxsite-cache", ".git"))
        source = bulletin_source(root, issue)
        reports: queue.Queue = queue.Queue()
        started = time.perf_counter()
        running = start_preview(root, "127.0.0.1", 0, False, False,
                                lambda outcome, changes, seconds: reports.put((outcome, seconds)))
        first, first_seconds = reports.get()
        print(f"{site}: first build {first_seconds:.2f} s, {first.rendered} pages rendered, "
              f"{len(first.files)} files; server up after {time.perf_counter() - started:.2f} s")
        times, rebuilds = [], []
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                page = browser.new_page()
                page.goto(f"{running.server.url}bulletins/{issue}/")
                text = source.read_text(encoding="utf-8")
                for n in range(saves):
                    marker = f"计时段落第{n + 1}次保存。"
                    text += f"\n\n{marker}\n"
                    saved, saved_wall = time.perf_counter(), time.time()
                    source.write_text(text, encoding="utf-8")
                    page.get_by_text(marker).wait_for(state="visible", timeout=120_000)
                    waited = time.perf_counter() - saved
                    times.append((page.evaluate(SHOWN_AT) / 1000 - saved_wall, waited))
                    outcome, seconds = reports.get(timeout=120)
                    rebuilds.append((outcome.rendered, len(outcome.changed), seconds))
                browser.close()
        finally:
            running.stop()
    for n, ((shown, waited), (rendered, changed, seconds)) in enumerate(zip(times, rebuilds, strict=True), 1):
        print(f"  save {n}: painted after {shown * 1000:.0f} ms "
              f"(Playwright saw it after {waited * 1000:.0f} ms); the rebuild rendered {rendered} pages, "
              f"{changed} files changed, in {seconds * 1000:.0f} ms")
    print(f"  median save-to-paint: {statistics.median(t[0] for t in times) * 1000:.0f} ms, "
          f"Playwright's wait {statistics.median(t[1] for t in times) * 1000:.0f} ms, over {saves} saves")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--saves", type=int, default=7)
    parser.add_argument("--issue", type=int, default=1)
    args = parser.parse_args()
    measure(args.site.resolve(), args.saves, args.issue)


if __name__ == "__main__":
    main()
