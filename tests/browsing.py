"""Shared by the browser tests: the example site served from a sub-path, and Debian's Chromium."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from support import EXAMPLE, build_at

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
SUB_PATH = "/zt/cxcy/"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without logging every request to stderr."""

    def log_message(self, format, *args):
        pass


@contextmanager
def serve_example(www: Path) -> Iterator[tuple[str, Path]]:
    """Build the example site into <www>/zt/cxcy/ and serve it on 127.0.0.1; yield (base URL, folder).

    The site is built with a base_url on another host and path than it is served
    from, so any link that is not relative would break here.
    """
    out = www / SUB_PATH.strip("/")
    result = build_at(EXAMPLE, out, base_url="https://elsewhere.example.org/other/")
    assert result.ok, [p.format() for p in result.problems]
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(www)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{SUB_PATH}", out
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def launch_chromium():
    """A headless Chromium (Debian's), driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
