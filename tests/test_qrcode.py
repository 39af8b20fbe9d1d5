"""render/media/qrcode.py: the inline SVG QR code is self-contained, reproducible, scans to the address."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxsite.render.media.qrcode import make_qr, qr_svg

ZBARIMG = shutil.which("zbarimg")
CHROMIUM = "/usr/bin/chromium"
SVG_NS = "{http://www.w3.org/2000/svg}"
URLS = [
    "https://example.org/",
    "http://intranet.lyghy.cn/zt/cxcy/bulletins/12/",
    "https://www.example.gov.cn/zt/cxcy/events/2010-07-08-dong-yuan-da-hui/",
    "http://10.1.2.3:8080/zt/cxcy/posts/xue-xi-tao-lun/index.html",
]

needs_zbar = pytest.mark.skipif(ZBARIMG is None, reason="zbarimg (Debian zbar-tools) is not installed")


def _scan(png: Path) -> str:
    """Return what zbarimg reads from a picture (exactly one code expected)."""
    result = subprocess.run([ZBARIMG, "--raw", "-q", str(png)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"zbarimg found no code in {png}: {result.stderr}"
    return result.stdout.rstrip("\n")


def test_svg_is_inline_self_contained_and_titled():
    svg = qr_svg("https://example.org/zt/cxcy/bulletins/1/")
    assert svg.startswith("<svg ") and "<?xml" not in svg and "\n" not in svg
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("role") == "img" and root.get("width") == root.get("height") == "128"
    assert root.get("viewBox").startswith("0 0 ")
    assert root[0].tag == f"{SVG_NS}title" and root[0].text == "手机扫码阅读"
    # Nothing the browser would fetch: no links, no images, no styles from elsewhere.
    assert "href" not in svg and "url(" not in svg and "<image" not in svg and "<style" not in svg


def test_svg_is_the_same_every_time_and_differs_by_address():
    url = "https://example.org/zt/cxcy/bulletins/1/"
    assert qr_svg(url) == qr_svg(url)
    assert qr_svg(url) != qr_svg("https://example.org/zt/cxcy/bulletins/2/")


def test_title_and_size_are_the_callers():
    svg = qr_svg("https://example.org/", title="扫码 <阅读> & 转发", size=96)
    root = ElementTree.fromstring(svg)
    assert root[0].text == "扫码 <阅读> & 转发"
    assert root.get("width") == "96"


@pytest.mark.parametrize("url", ["/zt/cxcy/", "bulletins/1/", "ftp://example.org/",
                                 "https://example.org/简报/", "https://example.org/a b/"])
def test_only_absolute_ascii_http_addresses_are_drawn(url):
    with pytest.raises(ValueError):
        qr_svg(url)


@needs_zbar
@pytest.mark.parametrize("url", URLS)
def test_the_code_decodes_to_the_exact_address(tmp_path, url):
    # The symbol qr_svg draws, drawn as PNG for the scanner.
    png = tmp_path / "qr.png"
    make_qr(url).save(png, scale=4, border=4)
    assert _scan(png) == url


@needs_zbar
@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium is not installed at {CHROMIUM}")
def test_the_svg_we_ship_decodes_when_chromium_draws_it(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            # device_scale_factor 1: the shipped 128 CSS pixels, no extra sharpness from a retina screen.
            page = browser.new_page(viewport={"width": 400, "height": 300}, device_scale_factor=1)
            for index, url in enumerate(URLS):
                page.set_content(f'<!doctype html><html><body style="background:#f6f1ea;margin:20px">'
                                 f'<p>{qr_svg(url)}</p></body></html>')
                png = tmp_path / f"chromium-{index}.png"
                page.locator("svg").screenshot(path=str(png))
                assert _scan(png) == url
        finally:
            browser.close()


def _segno_svg(url: str, *, title: str, size: int, dark: str) -> str:
    """The SVG segno's own writer draws for the code qr_svg draws (the reference for _dark_runs)."""
    import io

    buffer = io.BytesIO()
    make_qr(url).save(buffer, kind="svg", xmldecl=False, svgns=True, nl=False, omitsize=True, scale=1,
                      border=4, dark=dark, light="#fff", title=title, svgclass="qr", lineclass=None)
    svg = buffer.getvalue().decode("utf-8")
    start = f'<svg role="img" width="{size}" height="{size}" shape-rendering="crispEdges" '
    return start + svg[len("<svg "):]


@settings(max_examples=300, deadline=None)
@given(path=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_/.%", max_size=180),
       size=st.integers(16, 400), title=st.text(max_size=20), dark=st.sampled_from(["#222", "#000", "red"]))
def test_our_path_writer_draws_what_segnos_writer_draws(path, size, title, dark):
    url = f"http://intranet.example.cn/zt/cxcy/{path}"
    drawn = qr_svg(url, title=title, size=size, dark=dark)
    assert drawn == _segno_svg(url, title=title, size=size, dark=dark)
