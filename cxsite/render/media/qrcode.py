"""手机扫码阅读: a page's absolute address as a QR code, drawn at build time as inline SVG.

Made with segno (pure Python, deterministic), so no page asks an outside
service for its code and the same address always gives the same bytes.
"""

from __future__ import annotations

import io
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
PAPER = "#fff"  # drawn, not left transparent: a scanner needs the light quiet zone on any page colour


def qr_svg(url: str, *, title: str = "手机扫码阅读", size: int = 128, dark: str = INK) -> str:
    """Return an inline <svg> QR code (no XML declaration) of an absolute http(s) URL, `size` px square."""
    code = make_qr(url)
    buffer = io.BytesIO()
    # scale=1 with omitsize: the viewBox counts modules and the size below is set once, in CSS pixels;
    # border=4 is the quiet zone the standard asks for.
    code.save(buffer, kind="svg", xmldecl=False, svgns=True, nl=False, omitsize=True, scale=1, border=4,
              dark=dark, light=PAPER, title=title, svgclass="qr", lineclass=None, encoding="utf-8")
    svg = buffer.getvalue().decode("utf-8")
    if not svg.startswith("<svg "):
        raise RuntimeError(f"segno wrote an unexpected SVG start: {svg[:40]!r}")
    # crispEdges keeps modules sharp when a module is not a whole number of pixels.
    attributes = f'<svg role="img" width="{size}" height="{size}" shape-rendering="crispEdges" '
    return attributes + svg[len("<svg "):]


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
