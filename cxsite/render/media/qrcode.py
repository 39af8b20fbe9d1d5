"""手机扫码阅读: a page's absolute address as a QR code, drawn at build time as inline SVG.

Made with segno (pure Python, deterministic), so no page asks an outside
service for its code and the same address always gives the same bytes.
"""

from __future__ import annotations

import re
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import segno

# Any of the eight masks gives a valid symbol (ISO/IEC 18004 §7.8); letting segno score all eight
# for the best-looking one costs six times as long (12 ms instead of 2 ms a page, measured), on
# every bulletin, post and event page of a cold build. Mask 2 (vertical stripes) scans in zbar and
# on phones for every address the tests try.
MASK = 2
INK = "#222"  # the theme's --ink; a dark grey scans as well as black
BORDER = 4  # modules of quiet zone around the symbol, as the standard asks
_DARK = re.compile(b"\x01+")
PAPER = "#fff"  # drawn, not left transparent: a scanner needs the light quiet zone on any page colour


def qr_svg(url: str, *, title: str = "手机扫码阅读", size: int = 128, dark: str = INK) -> str:
    """Return an inline <svg> QR code (no XML declaration) of an absolute http(s) URL, `size` px square."""
    matrix = make_qr(url).matrix
    side = len(matrix) + 2 * BORDER
    # crispEdges keeps modules sharp when a module is not a whole number of pixels; the viewBox counts
    # modules and the size is set once, in CSS pixels; the light square is the quiet zone a scanner needs.
    return (f'<svg role="img" width="{size}" height="{size}" shape-rendering="crispEdges" '
            f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" class="qr">'
            f'<title>{escape(title, quote=False)}</title>'
            f'<path fill="{PAPER}" d="M0 0h{side}v{side}h-{side}z"/>'
            f'<path stroke="{dark}" d="{_dark_runs(matrix)}"/></svg>')


def _dark_runs(matrix: tuple[bytearray, ...]) -> str:
    """Return the SVG path data drawing each row's runs of dark modules as horizontal strokes."""
    # segno's own SVG writer draws the same path (tests compare the bytes) but walks every module
    # through generic writer code: 0.37 ms a page against 0.05 ms here, on every bulletin, post and
    # event page of a cold build (10,000 bulletins: ~3 s of CPU).
    steps = []
    x_at, y_at = 0, 0  # where the pen stands: the end of the last stroke (column, row)
    for y, row in enumerate(matrix, start=BORDER):
        for run in _DARK.finditer(row):
            x, length = run.start() + BORDER, run.end() - run.start()
            # The first stroke moves absolutely (to the middle of its row), the others relatively.
            steps.append(f"m{x - x_at} {y - y_at}h{length}" if steps else f"M{x} {y}.5h{length}")
            x_at, y_at = x + length, y
    return "".join(steps)


def make_qr(url: str) -> segno.QRCode:
    """Return the QR symbol of an absolute http(s) URL (error correction M or better, never a Micro QR)."""
    import segno  # imported when a code is drawn (30 ms): most rebuilds draw none

    _check_url(url)
    return segno.make(url, error="m", micro=False, mask=MASK)


def _check_url(url: str) -> None:
    """Refuse anything but an absolute http(s) URL in ASCII: a relative one is useless on a phone."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or not url.isascii() or any(
            c.isspace() for c in url):
        raise ValueError(f"qr_svg needs an absolute http(s) URL in ASCII (percent-encoded), not {url!r}")
