"""Photos, covers, body images, attachments and sharing, built end to end (issue 14).

A copy of the sample site gets a phone photo (4000×3000 JPEG stored on its
side, EXIF orientation 6, with GPS), a cover, a wide and a small body image and
two attachments with Chinese names; the built site is then read the way
browsers, feed readers and phone cameras read it.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import feedparser
import pytest
from PIL import Image, ImageDraw

from cxsite.build import BuildResult
from cxsite.cli import summary_line

from external import external_references
from htmlscan import scan
from support import SAMPLE, build_at, tree_bytes

BASE = "https://lc.lyghy.internal/cxcy/"  # the sample site's base_url
ORIENTATION, MAKE, GPS_IFD = 0x0112, 0x010F, 0x8825
PHOTO = "static/img/photos/会场全景.jpg"
PDF = b"%PDF-1.4\n" + b"0123456789" * 3000 + b"\n%%EOF\n"
XLSX = b"PK\x03\x04" + b"x" * 2345
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZBARIMG = shutil.which("zbarimg")
CHROMIUM = Path("/usr/bin/chromium")


def jpeg(width: int, height: int, *, orientation: int | None = None, gps: bool = False, seed: int = 0,
         quality: int = 92) -> bytes:
    """A photo-like JPEG (noise and gradients) with a red block at its stored top-left corner."""
    grain = Image.effect_noise((width, height), 30 + seed)
    across = Image.linear_gradient("L").rotate(90).resize((width, height))
    image = Image.merge("RGB", (across, grain, Image.linear_gradient("L").resize((width, height))))
    ImageDraw.Draw(image).rectangle((0, 0, width // 5, height // 5), fill=(220, 20, 20))
    exif = Image.Exif()
    if orientation:
        exif[ORIENTATION] = orientation
    if gps:
        exif[MAKE] = "SomePhone"
        exif[GPS_IFD] = {1: "N", 2: (30.0, 15.0, 7.5), 3: "E", 4: (120.0, 9.0, 1.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, exif=exif.tobytes())
    return buffer.getvalue()


def png(width: int, height: int) -> bytes:
    """A small flat PNG."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def photo_bytes() -> bytes:
    """The phone photo: 4000×3000 stored, shown 3000×4000 (orientation 6), with GPS."""
    return jpeg(4000, 3000, orientation=6, gps=True)


def make_site(root: Path, photo: bytes) -> Path:
    """The sample site with photos, a cover, body images and attachments."""
    shutil.copytree(SAMPLE, root)
    (root / PHOTO).parent.mkdir(parents=True)
    (root / PHOTO).write_bytes(photo)
    (root / "static/img/cover.jpg").write_bytes(jpeg(1600, 900, seed=1, quality=80))
    (root / "static/img/wide.jpg").write_bytes(jpeg(2400, 1200, gps=True, seed=2))
    (root / "static/img/small.png").write_bytes(png(200, 100))
    (root / "static/files").mkdir()
    (root / "static/files/第1期简报.pdf").write_bytes(PDF)
    (root / "static/files/签到表.xlsx").write_bytes(XLSX)
    event = root / "content/events/dongyuan.yaml"
    event.write_text(event.read_text(encoding="utf-8")
                     + "photos:\n  - {src: /img/photos/会场全景.jpg, caption: 会场全景（手机竖拍）}\n"
                     + "attachments: [/files/签到表.xlsx]\n", encoding="utf-8")
    bulletin = root / "content/bulletins/001.md"
    text = bulletin.read_text(encoding="utf-8").replace(
        "distribution:", "cover: /img/cover.jpg\nattachments:\n"
        "  - {src: /files/第1期简报.pdf, title: 第1期简报（PDF）}\n  - /files/签到表.xlsx\ndistribution:", 1)
    bulletin.write_text(text + "\n![合影](/img/wide.jpg)\n\n![标志](/img/small.png)\n", encoding="utf-8")
    return root


@dataclass
class Built:
    """A built media site."""

    root: Path
    out: Path
    result: BuildResult

    def page(self, url: str) -> str:
        """The HTML of a page by its site URL."""
        return (self.out / url.strip("/") / "index.html").read_text(encoding="utf-8")

    def file(self, page_url: str, href: str) -> Path:
        """The output file a relative link on a page points to."""
        target = urlsplit(urljoin("http://x" + page_url, href)).path
        return self.out / unquote(target).lstrip("/")


@pytest.fixture(scope="module")
def built(tmp_path_factory, photo_bytes) -> Built:
    """The media site, built once (jobs=2: images are made in worker processes)."""
    folder = tmp_path_factory.mktemp("media")
    root = make_site(folder / "site", photo_bytes)
    result = build_at(root, folder / "out", jobs=2)
    assert result.ok, [p.format() for p in result.problems]
    return Built(root, folder / "out", result)


def images_of(html: str, selector_class: str) -> list[dict]:
    """The attributes of every <img> inside elements of a class (a rough, sufficient parse)."""
    section = re.search(rf'<section class="{selector_class}".*?</section>', html, re.S)
    assert section, f"no {selector_class} on the page"
    return [dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag)) for tag in re.findall(r"<img [^>]*>", section[0])]


def metadata(image: Image.Image) -> dict:
    """Everything in an opened image that could say who, where or when."""
    return {key: value for key, value in image.info.items()
            if key in ("exif", "xmp", "icc_profile", "comment", "photoshop", "XML:com.adobe.xmp")}


# ------------------------------------------------------------------ the gallery and its files


def test_gallery_thumbnail_is_portrait_small_sized_and_without_exif(built):
    html = built.page("/events/dongyuan/")
    [thumb] = images_of(html, "gallery")
    path = built.file("/events/dongyuan/", thumb["src"])
    image = Image.open(path)
    assert image.height > image.width  # turned upright by its orientation
    assert image.width <= 480
    assert (thumb["width"], thumb["height"]) == (str(image.width), str(image.height))
    assert not image.getexif() and metadata(image) == {}
    assert thumb["alt"] == "会场全景（手机竖拍）"
    assert "<figcaption>会场全景（手机竖拍）</figcaption>" in html
    assert re.fullmatch(r"\.\./\.\./_img/[0-9a-f]{16}-\d+\.jpg", thumb["src"])  # ASCII, content-addressed


def test_gallery_links_the_large_version_never_the_original(built):
    html = built.page("/events/dongyuan/")
    link = re.search(r'<section class="gallery".*?<a href="([^"]+)"', html, re.S)[1]
    large = Image.open(built.file("/events/dongyuan/", link))
    assert large.size == (1200, 1600)  # the longest side at most 1,600 px, upright
    assert not large.getexif() and metadata(large) == {}
    # The original (with its GPS position) is a static file, but no page shows or links it.
    for page in built.out.rglob("*.html"):
        text = unquote(page.read_text(encoding="utf-8"))
        assert "会场全景.jpg" not in text and "img/wide.jpg" not in text, page


def test_derived_files_weigh_less_than_the_original(built, photo_bytes):
    html = built.page("/events/dongyuan/")
    thumb = images_of(html, "gallery")[0]["src"]
    large = re.search(r'<section class="gallery".*?<a href="([^"]+)"', html, re.S)[1]
    derived = sum(built.file("/events/dongyuan/", href).stat().st_size for href in (thumb, large))
    assert derived < len(photo_bytes)
    assert len(photo_bytes) > 1_000_000  # a real phone photo's weight, not a token file


# ------------------------------------------------------------------ processed once, counted


def test_the_summary_counts_images_made_and_a_second_build_makes_none(built, tmp_path):
    assert (built.result.images_made, built.result.images_reused) == (3, 0)  # photo, cover, wide body image
    again = build_at(built.root, built.out)
    assert again.ok and (again.images_made, again.images_reused) == (3 - 3, 3)
    assert "图片处理 0 张，沿用 3 张" in summary_line(again, built.out)
    # Another output folder with the same cache: every image is found there, none is made.
    elsewhere = build_at(built.root, tmp_path / "elsewhere", cache_dir=built.out.parent / ".out-cache")
    assert (elsewhere.images_made, elsewhere.images_reused) == (0, 3)
    assert tree_bytes(tmp_path / "elsewhere") == tree_bytes(built.out)


def test_an_unrelated_edit_reads_no_image_again(tmp_path, photo_bytes):
    root = make_site(tmp_path / "site", photo_bytes)
    out = tmp_path / "out"
    assert build_at(root, out).ok
    post = root / "content/posts/2010-07-20-yumiao.md"
    post.write_text(post.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    result = build_at(root, out)
    assert result.ok and (result.images_made, result.images_reused) == (0, 3)
    assert result.rendered < result.pages


def test_the_timeline_and_a_branch_show_an_events_first_photo_as_its_gallery_does(built):
    gallery = images_of(built.page("/events/dongyuan/"), "gallery")[0]["src"].removeprefix("../../")
    for url, prefix in (("/events/", "../"), ("/branches/houqin/", "../../")):
        entry = re.search(r'<li class="event-item">(?:(?!</li>).)*?dongyuan/(?:(?!</li>).)*</li>',
                          built.page(url), re.S)
        [tag] = re.findall(r'<img class="list-photo" ([^>]*)>', entry[0])
        attributes = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag))
        assert attributes["src"] == prefix + gallery, url  # the thumbnail, never the original
        image = Image.open(built.file(url, attributes["src"]))
        assert (attributes["width"], attributes["height"]) == (str(image.width), str(image.height))
    assert 'class="list-photo"' not in built.page("/")  # the home page's short lists stay text


# ------------------------------------------------------------------ covers and body images


def test_cover_shows_at_the_top_and_in_lists(built):
    html = built.page("/bulletins/1/")
    cover = re.search(r'<figure class="page-cover">\s*<img ([^>]*)>', html)[1]
    attributes = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', cover))
    image = Image.open(built.file("/bulletins/1/", attributes["src"]))
    assert (attributes["width"], attributes["height"]) == (str(image.width), str(image.height))
    listed = re.search(r'<img class="list-cover" src="([^"]+)" width="(\d+)" height="(\d+)"',
                       built.page("/bulletins/page/2/"))  # two a page: 第1期 is on the second
    thumb = Image.open(built.file("/bulletins/page/2/", listed[1]))
    assert thumb.width == int(listed[2]) <= 480


def test_a_wide_body_image_shows_a_resized_version_linking_the_large_one(built):
    html = built.page("/bulletins/1/")
    zoom = re.search(r'<a class="zoom" href="([^"]+)"[^>]*><img ([^>]*)></a>', html)
    assert zoom, "the wide image is not linked to its large version"
    attributes = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', zoom[2]))
    assert attributes["alt"] == "合影"
    large = Image.open(built.file("/bulletins/1/", zoom[1]))
    assert large.size == (1600, 800) and not large.getexif()
    assert (attributes["width"], attributes["height"]) == ("1600", "800")
    thumb, _ = attributes["srcset"].split(", ")
    assert Image.open(built.file("/bulletins/1/", thumb.split()[0])).size == (480, 240)


def test_a_small_body_image_stays_as_it_is_with_its_size(built):
    html = built.page("/bulletins/1/")
    [tag] = [t for t in re.findall(r"<img [^>]*>", html) if 'alt="标志"' in t]
    attributes = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag))
    assert attributes == {"alt": "标志", "src": "../../img/small.png", "width": "200", "height": "100"}
    assert 'href="../../img/small.png"' not in html  # not linked: there is nothing larger to see


# ------------------------------------------------------------------ attachments


def test_attachments_are_listed_with_type_and_size_under_their_own_names(built):
    html = built.page("/bulletins/1/")
    links = re.findall(r'<a href="([^"]+)" download="([^"]+)" type="([^"]+)"><span class="attachment-type">'
                       r'([^<]+)</span>([^<]+)</a><span class="attachment-size">([^<]+)</span>', html)
    assert [(name, mime, label, title, size) for _, name, mime, label, title, size in links] == [
        ("第1期简报.pdf", "application/pdf", "PDF", "第1期简报（PDF）", "29 KB"),
        ("签到表.xlsx", XLSX_TYPE, "Excel", "签到表", "2.3 KB")]
    for href, *_ in links:
        assert href.isascii()  # percent-encoded; the download attribute keeps the Chinese name
        assert built.file("/bulletins/1/", href).is_file()
    assert "签到表" in built.page("/events/dongyuan/")


def test_feeds_carry_attachments_as_enclosures(built):
    pdf_url = BASE + "files/%E7%AC%AC1%E6%9C%9F%E7%AE%80%E6%8A%A5.pdf"
    rss = feedparser.parse(str(built.out / "feed.xml"))
    [entry] = [e for e in rss.entries if e.link == BASE + "bulletins/1/"]
    assert entry.enclosures == [{"href": pdf_url, "length": str(len(PDF)), "type": "application/pdf"}]
    atom = feedparser.parse(str(built.out / "atom.xml"))
    [entry] = [e for e in atom.entries if e.link == BASE + "bulletins/1/"]
    assert [(e.href, e.length, e.type) for e in entry.enclosures] == [
        (pdf_url, str(len(PDF)), "application/pdf"),
        (BASE + "files/%E7%AD%BE%E5%88%B0%E8%A1%A8.xlsx", str(len(XLSX)), XLSX_TYPE)]
    assert not rss.bozo and not atom.bozo


def test_feed_content_shows_the_resized_body_image_not_the_original(built):
    rss = feedparser.parse(str(built.out / "feed.xml"))
    [entry] = [e for e in rss.entries if e.link == BASE + "bulletins/1/"]
    html = entry.content[0].value
    [tag] = [t for t in re.findall(r"<img [^>]*>", html) if 'alt="合影"' in t]
    assert re.search(rf'src="{re.escape(BASE)}_img/[0-9a-f]{{16}}-1600\.jpg"', tag)
    assert 'width="1600"' in tag and 'height="800"' in tag
    assert "wide.jpg" not in html


# ------------------------------------------------------------------ sharing


def test_article_pages_carry_opengraph_with_the_cover(built):
    html = built.page("/bulletins/1/")
    meta = dict(re.findall(r'<meta property="(og:[\w:]+)" content="([^"]*)">', html))
    assert meta["og:title"] == "林场召开创先争优动员大会（第1期）"
    assert meta["og:url"] == BASE + "bulletins/1/"
    assert meta["og:description"]
    image = meta["og:image"]
    assert image.startswith(BASE + "_img/") and (built.out / image.removeprefix(BASE)).is_file()
    event = dict(re.findall(r'<meta property="(og:[\w:]+)" content="([^"]*)">',
                            built.page("/events/dongyuan/")))
    assert Image.open(built.out / event["og:image"].removeprefix(BASE)).size == (1200, 1600)


def test_no_request_leaves_the_site(built):
    found = external_references(built.out, BASE, {"http://www.forestry.gov.cn/"})
    assert [str(r) for r in found] == []


def test_every_page_stays_parsable(built):
    for page in built.out.rglob("*.html"):
        scan(page.read_text(encoding="utf-8"))


@pytest.mark.browser
@pytest.mark.skipif(ZBARIMG is None, reason="zbarimg (Debian zbar-tools) is not installed")
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed")
def test_the_qr_code_on_a_page_decodes_to_its_absolute_address(built, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
            for url in ("/bulletins/1/", "/events/dongyuan/", "/posts/2010-08-30-xinde/"):
                page.goto((built.out / url.strip("/") / "index.html").as_uri())
                shot = tmp_path / "qr.png"
                page.locator("aside.share svg").screenshot(path=str(shot))
                scanned = subprocess.run([ZBARIMG, "--raw", "-q", str(shot)], capture_output=True, text=True,
                                         timeout=60)
                assert scanned.stdout.strip() == BASE + url.lstrip("/"), url
            # The theme styles what issue 14 adds (a rule lost inside another block would not apply).
            page.goto((built.out / "bulletins/1/index.html").as_uri())
            assert page.locator(".attachment-type").first.evaluate(
                "e => getComputedStyle(e).backgroundColor") == "rgb(179, 21, 27)"  # the theme's --red
            assert page.locator("aside.share").evaluate("e => getComputedStyle(e).display") == "flex"
            page.set_viewport_size({"width": 375, "height": 800})  # on a phone the code is not shown
            page.goto((built.out / "bulletins/1/index.html").as_uri())
            assert not page.locator("aside.share").is_visible()
            page.emulate_media(media="print")
            assert not page.locator("aside.share").is_visible()  # share.qr: screen (the default)
        finally:
            browser.close()
