"""render/media/imaging.py: derived web images are upright, stripped of metadata, smaller, reproducible."""

from __future__ import annotations

import io
import re
import struct
import zlib
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pytest
from PIL import Image, ImageCms, ImageDraw, ImageSequence

from cxsite.render.media.imaging import (
    DerivedImage,
    ImageError,
    ImageSettings,
    derive_image,
    image_key,
    image_size,
    original_digest,
)

RED = (220, 20, 20)
GPS_IFD = 0x8825
A98_PROFILE = Path("/usr/share/color/icc/ghostscript/a98.icc")  # Adobe RGB (1998), from Debian's Ghostscript


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    """Return an image saved in a format, in memory."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _photo(width: int, height: int) -> Image.Image:
    """A photo-like picture (gradients and grain) with a red block at its stored top-left corner."""
    grain = Image.effect_noise((width, height), 24)
    across = Image.linear_gradient("L").rotate(90).resize((width, height))
    down = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (down, Image.blend(grain, across, 0.5), across))
    ImageDraw.Draw(image).rectangle((0, 0, width // 5, height // 5), fill=RED)
    return image


def _open(derived: DerivedImage) -> Image.Image:
    """Open a derived raster file."""
    return Image.open(io.BytesIO(derived.data))


@pytest.fixture(scope="module")
def phone_photo() -> bytes:
    """A 4000×3000 JPEG stored on its side (EXIF orientation 6) that tells where it was taken."""
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned 90° clockwise
    exif[0x010F] = "SomePhone"
    exif[GPS_IFD] = {1: "N", 2: (30.0, 15.0, 7.5), 3: "E", 4: (120.0, 9.0, 1.0)}
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="30,15.125N"/>'
           b"</rdf:RDF></x:xmpmeta>")
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = _encode(_photo(4000, 3000), "JPEG", quality=92, exif=exif.tobytes(), xmp=xmp, icc_profile=srgb)
    original = Image.open(io.BytesIO(data))
    assert original.size == (4000, 3000) and original.getexif()[0x0112] == 6
    assert original.getexif().get_ifd(GPS_IFD)[1] == "N"
    return data


@pytest.fixture(scope="module")
def derived(phone_photo):
    """The phone photo's derived set, made once."""
    return derive_image(phone_photo)


def test_thumbnail_of_a_turned_photo_is_portrait_and_at_most_480_wide(derived):
    thumb = _open(derived.thumbnail)
    assert thumb.size == (480, 640)
    assert (derived.width, derived.height) == (3000, 4000)


def test_the_photo_is_turned_clockwise_as_its_orientation_says(derived):
    # Orientation 6: the stored top-left corner is shown at the top right.
    for variant in (derived.thumbnail, derived.large):
        image = _open(variant).convert("RGB")
        top_right = image.getpixel((image.width - 5, 5))
        top_left = image.getpixel((5, 5))
        assert all(abs(a - b) < 40 for a, b in zip(top_right, RED, strict=True)), top_right
        assert abs(top_left[0] - RED[0]) > 40 or abs(top_left[1] - RED[1]) > 40, top_left


def test_large_version_fits_1600_and_keeps_proportions(derived):
    large = _open(derived.large)
    assert large.size == (1200, 1600)
    assert large.format == "JPEG" and derived.large.mime == "image/jpeg"


@pytest.mark.parametrize("variant", ["thumbnail", "large"])
def test_derived_files_carry_no_metadata(derived, variant):
    result = getattr(derived, variant)
    image = _open(result)
    assert len(image.getexif()) == 0
    assert "exif" not in image.info and "xmp" not in image.info and "icc_profile" not in image.info
    for marker in (b"Exif", b"GPS", b"SomePhone", b"adobe", b"xmpmeta", b"ICC_PROFILE"):
        assert marker not in result.data, marker
    # Only the JFIF header and the image itself: no APPn segment but APP0.
    assert [name for name, _ in image.applist] == ["APP0"]


def test_derived_files_together_weigh_less_than_the_original(phone_photo, derived):
    assert sum(len(f.data) for f in derived.files()) < len(phone_photo)


def test_sizes_and_types_returned_match_the_files(derived):
    for result in derived.files():
        image = _open(result)
        assert (result.width, result.height) == image.size
        assert result.mime == Image.MIME[image.format]
        assert re.fullmatch(rf"{derived.key}-{result.width}\.jpg", result.name)
        assert result.name.isascii()


def test_the_same_original_gives_the_same_bytes(phone_photo, derived):
    again = derive_image(phone_photo)
    assert again == derived


def test_a_worker_process_gives_the_same_bytes(phone_photo, derived):
    drawing = Image.new("RGBA", (2000, 1000), (0, 0, 0, 0))
    ImageDraw.Draw(drawing).ellipse((200, 100, 1800, 900), fill=(20, 90, 200, 200))
    others = [_encode(drawing, "PNG"), _encode(drawing.quantize(16), "PNG"), _encode(drawing, "WEBP")]
    # spawn, not fork: what Windows does, and the stricter case (nothing inherited).
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        assert pool.submit(derive_image, phone_photo).result() == derived
        assert list(pool.map(derive_image, others)) == [derive_image(data) for data in others]


def test_key_names_the_original_and_the_settings(phone_photo, derived):
    settings = ImageSettings()
    assert derived.key == image_key(original_digest(phone_photo), settings)
    assert settings.fingerprint() == ImageSettings().fingerprint()
    assert ImageSettings(jpeg_quality=70).fingerprint() != settings.fingerprint()
    assert ImageSettings(thumbnail=ImageSettings().large).fingerprint() != settings.fingerprint()
    other = derive_image(phone_photo, settings=ImageSettings(jpeg_quality=70))
    assert other.key != derived.key and other.large.data != derived.large.data


def test_image_size_reports_the_size_a_browser_shows(phone_photo):
    assert image_size(phone_photo) == (3000, 4000)
    assert image_size(_encode(Image.new("RGB", (640, 360)), "PNG")) == (640, 360)


def test_png_with_alpha_keeps_alpha():
    image = Image.new("RGBA", (2400, 1200), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((600, 200, 1800, 1000), fill=(180, 30, 30, 255))
    result = derive_image(_encode(image, "PNG"))
    for variant in (result.thumbnail, result.large):
        derived = _open(variant)
        assert derived.format == "PNG" and derived.mode == "RGBA" and variant.mime == "image/png"
        assert derived.getpixel((0, 0))[3] == 0
        assert derived.getpixel((derived.width // 2, derived.height // 2))[3] == 255
    assert _open(result.large).size == (1600, 800) and _open(result.thumbnail).size == (480, 240)


def test_a_palette_png_stays_a_palette_with_its_transparent_colour():
    drawing = Image.new("P", (2000, 1000), 0)
    drawing.putpalette([255, 255, 255, 200, 0, 0, 0, 90, 0] + [0] * 759)
    ImageDraw.Draw(drawing).rectangle((500, 250, 1500, 750), fill=1)
    ImageDraw.Draw(drawing).line((0, 999, 1999, 0), fill=2, width=9)
    result = derive_image(_encode(drawing, "PNG", transparency=0))
    for variant in (result.thumbnail, result.large):
        derived = _open(variant)
        assert derived.mode == "P"
        rgba = derived.convert("RGBA")
        assert rgba.getpixel((2, 2))[3] == 0  # the transparent background is still transparent
        centre = rgba.getpixel((derived.width // 2, derived.height // 3))
        assert centre[3] > 245 and centre[0] > 150 and centre[1] < 60  # 256 colours: alpha to within a step


def test_a_small_image_without_metadata_is_published_as_it_is():
    data = _encode(_photo(400, 300), "JPEG", quality=90)
    result = derive_image(data)
    assert result.files() == (result.large,)
    assert result.large.data == data and (result.large.width, result.large.height) == (400, 300)


def test_a_small_image_with_metadata_is_encoded_again_without_it():
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (30.0, 15.0, 7.5)}
    data = _encode(_photo(400, 300), "JPEG", quality=90, exif=exif.tobytes())
    result = derive_image(data)
    assert result.large.data != data and result.large is result.thumbnail
    assert _open(result.large).size == (400, 300)
    assert b"Exif" not in result.large.data and len(_open(result.large).getexif()) == 0


def test_a_png_with_a_text_chunk_is_encoded_again_without_it():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Somebody")
    data = _encode(Image.new("RGB", (300, 200), (10, 120, 40)), "PNG", pnginfo=info)
    result = derive_image(data)
    assert result.large.data != data and b"Somebody" not in result.large.data
    assert _open(result.large).size == (300, 200)


def test_cmyk_jpeg_becomes_rgb():
    result = derive_image(_encode(Image.new("CMYK", (2000, 1500), (0, 255, 255, 0)), "JPEG"))
    large = _open(result.large)
    assert large.mode == "RGB" and large.size == (1600, 1200)
    red, green, blue = large.getpixel((800, 600))
    assert red > 180 and green < 80 and blue < 80


@pytest.mark.skipif(not A98_PROFILE.exists(), reason="needs Ghostscript's Adobe RGB profile")
def test_a_wide_gamut_profile_is_converted_to_srgb_and_dropped():
    # Mid-grey-green in Adobe RGB is a more saturated green than the same numbers in sRGB.
    data = _encode(Image.new("RGB", (2000, 1000), (60, 160, 60)), "JPEG", quality=95,
                   icc_profile=A98_PROFILE.read_bytes())
    large = _open(derive_image(data).large)
    assert "icc_profile" not in large.info
    red, green, blue = large.getpixel((1000, 500))
    assert green > 150 and red < 50 and blue < 55, (red, green, blue)


def test_an_animated_gif_gives_its_first_frame_as_png():
    first = Image.new("P", (1000, 500), 1)
    first.putpalette([0, 0, 0, 0, 90, 200] + [0] * 762)
    second = first.copy()
    ImageDraw.Draw(second).rectangle((0, 0, 999, 499), fill=0)
    data = _encode(first, "GIF", save_all=True, append_images=[second], duration=200, loop=0)
    assert len(list(ImageSequence.Iterator(Image.open(io.BytesIO(data))))) == 2
    result = derive_image(data)
    large = _open(result.large)
    assert large.format == "PNG" and result.large.name.endswith(".png")
    assert large.size == (1000, 500) and large.convert("RGB").getpixel((10, 10)) == (0, 90, 200)
    assert _open(result.thumbnail).size == (480, 240)


def test_webp_stays_webp():
    result = derive_image(_encode(_photo(2000, 1000), "WEBP", quality=90))
    assert _open(result.large).format == "WEBP" and result.large.mime == "image/webp"
    assert (result.large.width, result.large.height) == _open(result.large).size == (1600, 800)


def test_svg_passes_through_with_its_stated_size():
    data = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- Generator: a drawing program -->\n'
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10cm" viewBox="0 0 200 100">'
            b'<rect width="9"/></svg>')
    result = derive_image(data)
    assert result.files() == (result.large,)
    assert result.large.data == data and result.large.mime == "image/svg+xml"
    assert (result.large.width, result.large.height) == (378, 189)
    assert result.large.name == f"{result.key}.svg"
    assert image_size(data) == (378, 189)


@pytest.mark.parametrize(("root", "size"), [
    ('width="120" height="80"', (120, 80)),
    ('width="120px" height="80px" viewBox="0 0 12 8"', (120, 80)),
    ('viewBox="0 0 300 150"', (300, 150)),
    ('width="100%" viewBox="0 0 300 150"', (300, 150)),
    ('height="50" viewBox="0,0,300,150"', (100, 50)),
    ('width="100%" height="100%"', None),
    ("", None),
])
def test_svg_size_from_attributes_or_viewbox(root, size):
    data = f'<svg xmlns="http://www.w3.org/2000/svg" {root}></svg>'.encode()
    assert image_size(data) == size


def test_svg_from_illustrator_with_a_doctype_is_recognised():
    data = (b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
            b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [\n<!ENTITY ns_flows "http://ns.adobe.com/Flows/1.0/">\n]>\n'
            b'<svg version="1.1" xmlns="http://www.w3.org/2000/svg" width="64px" height="32px"/>')
    assert image_size(data) == (64, 32)


def _has_chinese(text: str) -> bool:
    """Whether a text contains Chinese characters."""
    return bool(re.search(r"[\u4e00-\u9fff]", text))


def _bomb_png(width: int, height: int) -> bytes:
    """A PNG header claiming a huge size, with (almost) no pixel data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


@pytest.mark.parametrize(("data", "words"), [
    (b"", "空的"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "不是可识别的图片"),
    ("这是一个文本文件，不是照片".encode(), "不是可识别的图片"),
    (b"\0\0\0\x18ftypheic\0\0\0\0mif1heic", "HEIC"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" width="10"', "SVG"),
    (_bomb_png(30000, 30000), "尺寸过大"),  # past Pillow's own limit
    (_bomb_png(12000, 12000), "尺寸过大（12000×12000 像素）"),  # past ours
])
def test_what_is_not_a_usable_image_is_refused_in_chinese(data, words):
    with pytest.raises(ImageError) as caught:
        derive_image(data)
    assert words in caught.value.message
    assert _has_chinese(caught.value.message) and _has_chinese(caught.value.hint)


def test_a_truncated_photo_is_refused_in_chinese(phone_photo):
    with pytest.raises(ImageError) as caught:
        derive_image(phone_photo[: len(phone_photo) // 2])
    assert "不完整" in caught.value.message


def test_image_size_refuses_what_is_not_an_image():
    with pytest.raises(ImageError):
        image_size(b"not an image at all")


def test_a_png_loses_its_colour_profile_and_exif():
    # Pillow's PNG encoder would copy an opened image's ICC profile unless told otherwise.
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (30.0, 15.0, 7.5)}
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    picture = Image.linear_gradient("L").convert("RGB").resize((1800, 900))  # smooth: quick to compress
    data = _encode(picture, "PNG", icc_profile=srgb, exif=exif.tobytes())
    for variant in derive_image(data).files():
        derived = _open(variant)
        assert "icc_profile" not in derived.info and len(derived.getexif()) == 0
        assert b"iCCP" not in variant.data and b"eXIf" not in variant.data


def test_a_plain_image_that_fits_the_large_size_is_kept_and_only_its_thumbnail_made():
    data = _encode(_photo(1200, 900), "JPEG", quality=90)
    result = derive_image(data)
    assert result.large.data == data and (result.large.width, result.large.height) == (1200, 900)
    assert _open(result.thumbnail).size == (480, 360) and result.thumbnail.name != result.large.name


def test_a_transparent_colour_in_an_rgb_png_becomes_alpha():
    image = Image.new("RGB", (300, 200), (255, 255, 255))
    ImageDraw.Draw(image).rectangle((100, 50, 200, 150), fill=(0, 0, 255))
    exif = Image.Exif()
    exif[0x010F] = "SomeScanner"  # metadata, so that the file is encoded again
    result = derive_image(_encode(image, "PNG", transparency=(255, 255, 255), exif=exif.tobytes()))
    derived = _open(result.large).convert("RGBA")
    assert derived.getpixel((5, 5))[3] == 0 and derived.getpixel((150, 100)) == (0, 0, 255, 255)


def test_a_phone_jpeg_with_a_second_picture_gives_only_the_first():
    # MPO: what phones write for depth maps and dual cameras, a JPEG with more pictures after it.
    first, second = Image.new("RGB", (3000, 2000), (200, 30, 30)), Image.new("RGB", (600, 400), (0, 0, 255))
    data = _encode(first, "MPO", save_all=True, append_images=[second])
    result = derive_image(data)
    for variant in result.files():
        derived = _open(variant)
        assert derived.format == "JPEG" and variant.mime == "image/jpeg"
        assert b"MPF" not in variant.data and variant.data.count(b"\xff\xd8") == 1
        red, green, blue = derived.getpixel((5, 5))
        assert red > 180 and blue < 60
    assert _open(result.large).size == (1600, 1067)


def test_a_jfif_thumbnail_counts_as_metadata():
    data = bytearray(_encode(Image.new("RGB", (200, 100), (0, 128, 0)), "JPEG"))
    # Rewrite the JFIF header to carry a 1×1 thumbnail (3 more bytes), as old editors left them.
    assert data[2:4] == b"\xff\xe0" and data[6:11] == b"JFIF\0"
    length = int.from_bytes(data[4:6], "big")
    header = bytes(data[4:4 + length])
    thumbnail = header[:-2] + b"\x01\x01" + b"\xff\x00\x00"
    data[4:4 + length] = (len(thumbnail)).to_bytes(2, "big") + thumbnail[2:]
    assert Image.open(io.BytesIO(bytes(data))).size == (200, 100)
    result = derive_image(bytes(data))
    assert result.large.data != bytes(data) and b"\xff\x00\x00" not in result.large.data[:40]


def test_image_size_reads_only_the_header():
    # Too many pixels to derive, but the size is known without decoding anything.
    assert image_size(_bomb_png(12000, 12000)) == (12000, 12000)
    with pytest.raises(ImageError) as caught:
        image_size(_bomb_png(30000, 30000))  # past Pillow's own limit: refused even so
    assert "尺寸过大" in caught.value.message


def test_the_error_crosses_a_process_boundary_with_its_hint():
    import pickle

    with pytest.raises(ImageError) as caught:
        derive_image(b"")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.message, copy.hint) == (caught.value.message, caught.value.hint) and copy.hint
