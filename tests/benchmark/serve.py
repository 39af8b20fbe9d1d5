"""Measure `cxsite serve`: the time from saving a bulletin to the open page showing the change.

usage: python tests/benchmark/serve.py SITE_ROOT [--saves N] [--issue N]
                                       [--cxsite LABEL=PYTHON[:engine=NAME][:pythonpath=DIR]]...

Copies the site to a temporary folder (one copy a variant), starts `cxsite serve` there
with each variant's Python, opens the bulletin's page in headless Chromium, then N times
appends a new paragraph to its Markdown and waits for the page (reloaded by itself) to
show it; with several variants the saves alternate between them, starting one variant
later each round. "Shown" is the reloaded page's first contentful paint, read from the
browser's clock (the same wall clock as the save); Playwright's own wait, which polls, is
printed beside it. Prints each time, the medians, and what each rebuild rendered (read
from the server's own report). Not a test: timings vary by machine.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import sync_playwright
from variants import Variant, default_variant, parse_variant, probe

# When the page in the browser was first painted, in milliseconds since the epoch.
SHOWN_AT = """performance.timeOrigin + (performance.getEntriesByName("first-contentful-paint")[0]
    || {startTime: performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd}).startTime"""
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
# `cxsite serve` reports each rebuild and, once, the address it serves (cli.print_rebuild, serve_command).
REBUILT = re.compile(r"渲染了 (\d+) 个页面，(\d+) 个文件有变化，用时 ([\d.]+) 秒|(生成失败)")
SERVING = re.compile(r"正在预览：(\S+)")
WAIT = 120  # seconds allowed for a build or a repaint


@dataclass(frozen=True)
class Rebuilt:
    """What the server said of one rebuild (None where its report was not understood)."""

    rendered: int | None = None
    changed: int | None = None
    seconds: float | None = None

    def __str__(self) -> str:
        if self.seconds is None:
            return "the rebuild was not reported"
        return f"the rebuild rendered {self.rendered} pages, {self.changed} files changed, in " \
               f"{self.seconds * 1000:.0f} ms"


@dataclass
class Preview:
    """A `cxsite serve` of one variant in its own copy of the site, with its saves timed."""

    variant: Variant
    source: Path
    process: subprocess.Popen
    said: queue.Queue
    url: str = ""
    saves: list[tuple[float, float, Rebuilt]] = field(default_factory=list)

    def next_rebuild(self, timeout: float) -> Rebuilt:
        """Wait for the server's next report of a rebuild (an empty Rebuilt after timeout)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.said.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                raise SystemExit(f"{self.variant.label}: cxsite serve stopped")
            if found := REBUILT.search(line):
                if found[4]:
                    raise SystemExit(f"{self.variant.label}: the rebuild failed: {line}")
                return Rebuilt(int(found[1]), int(found[2]), float(found[3]))
        return Rebuilt()

    def forget_said(self) -> None:
        """Drop what the server has said so far (a save may be reported twice)."""
        while not self.said.empty():
            if self.said.get() is None:
                raise SystemExit(f"{self.variant.label}: cxsite serve stopped")

    def stop(self) -> None:
        """Stop the server as Ctrl-C would, or for good after ten seconds."""
        if self.process.poll() is None:
            # POSIX only has SIGINT for a child; elsewhere the server is simply ended.
            if os.name == "posix":
                self.process.send_signal(signal.SIGINT)
            else:
                self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def bulletin_source(root: Path, issue: int) -> Path:
    """Find the Markdown file of a bulletin by its issue number."""
    for path in sorted((root / "content/bulletins").rglob("*.md")):
        if re.search(rf"^issue:\s*{issue}\s*$", path.read_text(encoding="utf-8"), re.MULTILINE):
            return path
    raise SystemExit(f"no bulletin with issue {issue} under {root}")


def relay(stream, said: queue.Queue) -> None:
    """Pass the server's lines on, then None when it closes its output."""
    for line in stream:
        said.put(line)
    said.put(None)


def start(variant: Variant, site: Path, scratch: Path, issue: int) -> Preview:
    """Copy the site for a variant, start its `cxsite serve`, and wait until it serves."""
    root = scratch / variant.label
    variant.prepare(site, root)
    found = probe(variant, scratch)
    # From the scratch folder: the site itself may hold a `cxsite` folder (the example site does).
    process = subprocess.Popen(variant.command("serve", "--root", str(root), "--port", "0"), cwd=scratch,
                               env={**variant.environment(), "PYTHONUNBUFFERED": "1"},
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, encoding="utf-8", errors="replace")
    preview = Preview(variant, bulletin_source(root, issue), process, queue.Queue())
    threading.Thread(target=relay, args=(process.stdout, preview.said), daemon=True).start()
    started, first = time.perf_counter(), Rebuilt()
    # The first build is reported before the address (an older or newer wording leaves it unknown).
    while not preview.url:
        line = preview.said.get(timeout=WAIT)
        if line is None:
            raise SystemExit(f"{variant.label}: cxsite serve stopped before serving")
        if built := REBUILT.search(line):
            first = Rebuilt(int(built[1]), int(built[2]), float(built[3])) if built[1] else first
        elif address := SERVING.search(line):
            preview.url = address[1]
    print(f"{variant.label} ({found.package}{', engine ' + variant.engine if variant.engine else ''}): "
          f"first build: {first}; serving after {time.perf_counter() - started:.2f} s")
    return preview


def time_save(preview: Preview, page, marker: str) -> None:
    """Append a paragraph to the bulletin and time its appearance on the page."""
    preview.forget_said()
    text = preview.source.read_text(encoding="utf-8") + f"\n\n{marker}\n"
    saved, saved_wall = time.perf_counter(), time.time()
    preview.source.write_text(text, encoding="utf-8")
    page.get_by_text(marker).wait_for(state="visible", timeout=WAIT * 1000)
    waited = time.perf_counter() - saved
    shown = page.evaluate(SHOWN_AT) / 1000 - saved_wall
    # The page reloads only after the rebuild, so its report is out already or about to be.
    preview.saves.append((shown, waited, preview.next_rebuild(10)))


def measure(site: Path, variants: list[Variant], saves: int, issue: int) -> list[Preview]:
    """Serve a copy of the site for each variant and time saves of one bulletin, alternating."""
    previews: list[Preview] = []
    with tempfile.TemporaryDirectory() as scratch:
        try:
            for variant in variants:
                previews.append(start(variant, site, Path(scratch), issue))
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                pages = []
                for preview in previews:
                    pages.append(browser.new_page())
                    pages[-1].goto(f"{preview.url}bulletins/{issue}/")
                pairs = list(zip(previews, pages, strict=True))
                for n in range(saves):
                    turn = n % len(pairs)
                    for preview, page in pairs[turn:] + pairs[:turn]:
                        time_save(preview, page, f"计时段落第{n + 1}次保存。")
                browser.close()
        finally:
            for preview in previews:
                preview.stop()
    return previews


def print_results(previews: list[Preview]) -> None:
    """Each save of each variant, then the medians (and the ratio to the first variant)."""
    reference = statistics.median(s[0] for s in previews[0].saves)
    for preview in previews:
        print(f"{preview.variant.label}:")
        for n, (shown, waited, rebuilt) in enumerate(preview.saves, 1):
            print(f"  save {n}: painted after {shown * 1000:.0f} ms "
                  f"(Playwright saw it after {waited * 1000:.0f} ms); {rebuilt}")
        median = statistics.median(s[0] for s in preview.saves)
        ratio = f", {median / reference:.2f} × {previews[0].variant.label}" if len(previews) > 1 else ""
        print(f"  median save-to-paint: {median * 1000:.0f} ms{ratio}, "
              f"Playwright's wait {statistics.median(s[1] for s in preview.saves) * 1000:.0f} ms, "
              f"over {len(preview.saves)} saves")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--saves", type=int, default=7)
    parser.add_argument("--issue", type=int, default=1)
    parser.add_argument("--cxsite", dest="variants", action="append", metavar="LABEL=PYTHON[:OPTION=VALUE]",
                        help="a cxsite variant as for run.py (repeat); default: this Python, its PYTHONPATH")
    args = parser.parse_args()
    try:
        variants = [parse_variant(spec) for spec in args.variants or []] or [default_variant()]
    except ValueError as exc:
        parser.error(f"--cxsite {exc}")
    if len({v.label for v in variants}) < len(variants):
        parser.error("--cxsite labels must differ")
    print_results(measure(args.site.resolve(), variants, args.saves, args.issue))


if __name__ == "__main__":
    main()
