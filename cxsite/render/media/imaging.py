"""Web images from a writer's original: upright, stripped of metadata, resized, with ASCII names.

A pure function of the original's bytes and an `ImageSettings`, so it runs in
worker processes and its results can be cached under `image_key`. Nothing here
knows about sites or paths: problems are raised as `ImageError` with a Chinese
message and hint that the caller places at `path:line`.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms

from cxsite.render.media.imagekeys import ALGORITHM, Box, ImageSettings, image_key, key_of, original_digest
from cxsite.render.media.svgsize import looks_like_svg, svg_size

__all__ = ["ALGORITHM", "Box", "DerivedImage", "DerivedSet", "ImageError", "ImageSettings", "derive_image",
           "image_key", "image_size", "original_digest"]


# Only these parsers are tried: a web image has no business being EPS (which runs Ghostscript)
# or one of the exotic formats Pillow can read.
_INPUT_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")
_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_SUFFIX = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# Modes encoded as they are when an image keeps its size (a palette stays a palette).
_KEPT_MODES = ("1", "L", "LA", "RGB", "RGBA", "CMYK")
_ORIENTATION_TAG = 0x0112
# ImageOps.exif_transpose's table. It is applied here to the already reduced image (a 1600 px
# turn instead of a 4000 px one), and the EXIF that exif_transpose would rewrite is dropped anyway.
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# PNG chunks that describe pixels and nothing about who made them, where or when.
_PLAIN_PNG_CHUNKS = frozenset({b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM",
                               b"sRGB", b"sBIT", b"pHYs", b"bKGD"})
# A JFIF header without a thumbnail (14 bytes) and Adobe's colour-transform marker say nothing else.
_PLAIN_JPEG_SEGMENTS = (("APP0", b"JFIF\0", 14), ("APP14", b"Adobe", 12))


class ImageError(ValueError):
    """An original that cannot become a web image; message and hint are in Chinese."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __reduce__(self):
        """Pickle with the hint too, so the error crosses from a worker process whole."""
        return (type(self), (self.message, self.hint))


@dataclass(frozen=True)
class DerivedImage:
    """One file to publish: its ASCII name, bytes, pixel size and MIME type."""

    name: str
    data: bytes
    width: int | None  # None only for an SVG that states no size
    height: int | None
    mime: str


@dataclass(frozen=True)
class DerivedSet:
    """What one original becomes: a thumbnail and a large version, and its own upright size."""

    key: str
    thumbnail: DerivedImage
    large: DerivedImage
    width: int | None
    height: int | None

    def files(self) -> tuple[DerivedImage, ...]:
        """Return the files to write, each once (a small image's two versions are one file)."""
        if self.thumbnail.name == self.large.name:
            return (self.large,)
        return (self.thumbnail, self.large)


def derive_image(data: bytes, *, settings: ImageSettings | None = None,
                 fingerprint: str | None = None) -> DerivedSet:
    """Return the thumbnail and large version of an original image (raises ImageError).

    `fingerprint` is settings.fingerprint() when the caller has it (remembered by the cache).
    """
    settings = settings or ImageSettings()
    key = key_of(original_digest(data), fingerprint or settings.fingerprint())
    size = svg_size(data) if looks_like_svg(data) else None
    if size is not None:
        width, height = size
        svg = DerivedImage(name=f"{key}.svg", data=data, width=width, height=height, mime="image/svg+xml")
        return DerivedSet(key=key, thumbnail=svg, large=svg, width=width, height=height)
    with _opened(data, settings.max_pixels) as image:
        return _derive_raster(image, data, key, settings)


def image_size(data: bytes) -> tuple[int, int] | None:
    """Return an image's width and height as a browser shows it (EXIF orientation applied).

    Reads the header only. None for an SVG that states no size; raises ImageError
    for anything that is not an image.
    """
    if looks_like_svg(data):
        size = svg_size(data)
        if size is None:
            raise _unreadable_svg()
        return None if size[0] is None else (size[0], size[1])
    with _opened(data, None) as image:  # nothing is decoded: any size can be reported
        return _upright_size(image.size, _orientation(image))


def _opened(data: bytes, max_pixels: int | None) -> Image.Image:
    """Open an original lazily (header only), turning every failure into an ImageError."""
    if not data:
        raise ImageError("图片文件是空的（0 字节）", "请重新从原处拷贝这张图片")
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
        raise ImageError("这是 HEIC/HEIF 格式的照片（苹果等手机的默认格式），网页上无法直接显示",
                         "请在手机或电脑上把照片另存为 JPG 后再放入网站")
    try:
        with warnings.catch_warnings():
            # Between Pillow's warning and error limits our own limit decides, in Chinese.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=_INPUT_FORMATS)
    except Image.DecompressionBombError:
        raise _too_large(None, None) from None
    except (OSError, SyntaxError, ValueError, struct.error) as exc:
        if looks_like_svg(data):
            raise _unreadable_svg() from exc
        raise ImageError("文件不是可识别的图片（支持 JPEG、PNG、GIF、WebP、SVG 等格式）",
                         "请确认文件没有损坏、扩展名与内容相符；可用看图软件打开后另存为 JPG 或 PNG") from exc
    if max_pixels is not None and image.width * image.height > max_pixels:
        image.close()
        raise _too_large(image.size, max_pixels)
    return image


def _unreadable_svg() -> ImageError:
    """Return the error for a file that starts like an SVG but is not well-formed XML."""
    return ImageError("SVG 图片无法读取（不是完整、正确的 SVG 文件）",
                      "请用浏览器打开这个文件检查；由绘图软件重新导出一次通常可以解决")


def _too_large(size: tuple[int, int] | None, max_pixels: int | None) -> ImageError:
    """Return the error for an image with more pixels than a build should decode (None: Pillow's limit)."""
    stated = f"（{size[0]}×{size[1]} 像素）" if size else ""
    limit = f"超过 {max_pixels / 10_000:g} 万像素的上限" if max_pixels else "超过程序能安全处理的上限"
    return ImageError(f"图片尺寸过大{stated}，{limit}",
                      "请先用看图软件把图片缩小（例如长边 4000 像素）后再放入网站")


def _derive_raster(image: Image.Image, data: bytes, key: str, settings: ImageSettings) -> DerivedSet:
    """Make both versions of an opened raster image."""
    orientation = _orientation(image)
    upright = _upright_size(image.size, orientation)
    large_size = _fit(upright, settings.large)
    thumb_size = _fit(upright, settings.thumbnail)
    output = _output_format(image)
    palette = image.mode in ("P", "PA")
    if large_size == upright and _is_plain(image, data, orientation):
        # Already a web image without metadata that fits: published byte for byte, never re-encoded.
        large = DerivedImage(name=f"{key}-{upright[0]}.{_SUFFIX[output]}", data=data, width=upright[0],
                             height=upright[1], mime=_MIME[output])
        thumb = large if thumb_size == upright else _encode(
            _decode(image, thumb_size, orientation), key, output, settings, palette=palette)
    else:
        working = _decode(image, large_size, orientation)
        large = _encode(working, key, output, settings, palette=palette)
        thumb = large if thumb_size == large_size else _encode(
            _working_mode(working).resize(thumb_size, Image.Resampling.LANCZOS), key, output, settings,
            palette=palette)
    return DerivedSet(key=key, thumbnail=thumb, large=large, width=upright[0], height=upright[1])


def _decode(image: Image.Image, size: tuple[int, int], orientation: int) -> Image.Image:
    """Decode the first frame at a given upright size: upright, in sRGB, without metadata."""
    swapped = orientation in (5, 6, 7, 8)
    stored = (size[1], size[0]) if swapped else size
    box = None
    if image.format in ("JPEG", "MPO") and stored != image.size:
        # libjpeg can decode at 1/2, 1/4 or 1/8 scale; stay at twice the target, as Pillow's
        # thumbnail() does, so the final Lanczos pass still has detail to average.
        drafted = image.draft(None, (stored[0] * 2, stored[1] * 2))
        box = drafted[1] if drafted else None
    try:
        image.seek(0)
        image.load()
    except (OSError, SyntaxError, ValueError, struct.error, EOFError) as exc:
        raise ImageError("图片文件不完整或已损坏，无法读出画面",
                         "可能没有拷贝完整；请重新从原处拷贝这张图片，或用看图软件打开后另存") from exc
    icc = image.info.get("icc_profile")
    transparency = image.info.get("transparency")
    kept = image.mode == "P" or (image.mode in _KEPT_MODES and transparency is None)
    frame = image if kept else _working_mode(image)
    if stored != image.size or box is not None:
        frame = _working_mode(image).resize(stored, Image.Resampling.LANCZOS, box=box)
    if orientation in _TRANSPOSE:
        frame = frame.transpose(_TRANSPOSE[orientation])
    frame = _to_srgb(frame, icc)
    if frame is image:
        frame = image.copy()
    # Nothing from the original's info survives but a palette image's transparent colour.
    frame.info = {"transparency": transparency} if frame.mode == "P" and transparency is not None else {}
    return frame


def _working_mode(image: Image.Image) -> Image.Image:
    """Return the image in a mode that resizes smoothly (palette and 1-bit images do not)."""
    if image.mode in ("P", "PA"):
        has_alpha = image.mode == "PA" or "transparency" in image.info or image.palette.mode == "RGBA"
        return image.convert("RGBA" if has_alpha else "RGB")
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        return _to_8bit_gray(image)
    if image.mode == "1":
        return image.convert("L")
    if image.mode in ("L", "RGB") and "transparency" in image.info:
        return image.convert("RGBA")
    return image


def _to_8bit_gray(image: Image.Image) -> Image.Image:
    """Scale a 16-bit grey image to 8 bits (a plain convert would clip everything above 255)."""
    if image.mode == "F":
        return image.convert("L")
    return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Return colour image pixels in sRGB, converted from their ICC profile when it is another one."""
    if image.mode == "CMYK" or (icc and image.mode in ("RGB", "RGBA") and not _is_srgb(icc)):
        target = "RGBA" if image.mode == "RGBA" else "RGB"
        if icc:
            try:
                source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
                return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                                 renderingIntent=ImageCms.Intent.PERCEPTUAL,
                                                 outputMode=target)
            except (ImageCms.PyCMSError, OSError, ValueError):
                pass  # a damaged profile: the colours are taken as they are rather than failing
        return image.convert(target)
    return image


def _is_srgb(icc: bytes) -> bool:
    """Whether an ICC profile is (a version of) sRGB, whose pixels need no conversion."""
    try:
        description = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc)))
    except (ImageCms.PyCMSError, OSError, ValueError):
        return True  # unreadable: nothing to convert from, so the profile is just dropped
    return "srgb" in description.lower().replace(" ", "")


def _encode(image: Image.Image, key: str, output: str, settings: ImageSettings, *,
            palette: bool) -> DerivedImage:
    """Encode a decoded image in its output format; no metadata is passed to the encoder."""
    image = _output_mode(image, output, palette=palette)
    buffer = io.BytesIO()
    if output == "JPEG":
        image.save(buffer, "JPEG", quality=settings.jpeg_quality, optimize=True, progressive=True,
                   subsampling="4:2:0")
    elif output == "WEBP":
        image.save(buffer, "WEBP", quality=settings.webp_quality, method=4)
    else:
        extra = {"transparency": image.info["transparency"]} if "transparency" in image.info else {}
        image.save(buffer, "PNG", optimize=True, **extra)
    return DerivedImage(name=f"{key}-{image.width}.{_SUFFIX[output]}", data=buffer.getvalue(),
                        width=image.width, height=image.height, mime=_MIME[output])


def _output_mode(image: Image.Image, output: str, *, palette: bool) -> Image.Image:
    """Return the image in a mode its output format stores; a resized palette image gets a palette again."""
    if output == "JPEG":
        return image if image.mode in ("L", "RGB") else image.convert("RGB")
    if output == "WEBP":
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        return image if image.mode in ("RGB", "RGBA") else image.convert("RGBA" if has_alpha else "RGB")
    if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I;16"):
        image = _working_mode(image)
    if palette and image.mode in ("RGB", "RGBA"):
        # Smoothing a diagram or logo adds in-between colours; 256 of them keep it small and exact enough.
        method = Image.Quantize.FASTOCTREE if image.mode == "RGBA" else Image.Quantize.MEDIANCUT
        return image.quantize(256, method=method)
    return image


def _output_format(image: Image.Image) -> str:
    """Choose the format of the derived files: JPEG stays JPEG, WebP stays WebP, the rest PNG or JPEG."""
    if image.format in ("JPEG", "MPO"):  # MPO: a phone's JPEG with more pictures after the first
        return "JPEG"
    if image.format == "WEBP":
        return "WEBP"
    if image.format in ("PNG", "GIF"):
        return "PNG"
    # BMP and TIFF: a photograph becomes a JPEG, anything with a palette or alpha a PNG.
    has_alpha = image.mode in ("RGBA", "LA", "PA", "P", "1") or "transparency" in image.info
    return "PNG" if has_alpha else "JPEG"


def _is_plain(image: Image.Image, data: bytes, orientation: int) -> bool:
    """Whether an original is a still JPEG or PNG in sRGB that carries no metadata at all."""
    if orientation != 1 or getattr(image, "n_frames", 1) > 1 or image.info.get("icc_profile"):
        return False
    if image.format == "JPEG" and image.mode in ("L", "RGB"):
        segments = getattr(image, "applist", [])
        if not all(_is_plain_segment(marker, body) for marker, body in segments):
            return False
        # Whatever follows the end of the image (a phone's second picture, a depth map) is unread.
        end = data.find(b"\xff\xd9")
        return end != -1 and not data[end + 2:].strip(b"\0")
    if image.format == "PNG":
        chunks = _png_chunks(data)
        return chunks is not None and chunks <= _PLAIN_PNG_CHUNKS
    return False


def _is_plain_segment(marker: str, body: bytes) -> bool:
    """Whether a JPEG's APPn or COM segment is one that carries nothing but decoding hints."""
    return any(marker == name and body.startswith(start) and len(body) <= most
               for name, start, most in _PLAIN_JPEG_SEGMENTS)


def _png_chunks(data: bytes) -> set[bytes] | None:
    """Return the chunk types of a PNG file, or None if anything follows its end.

    Written out because Pillow skips the chunks it does not know, and any of those
    may carry metadata.
    """
    types, offset = set(), 8
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        types.add(kind)
        offset += 12 + length
        if kind == b"IEND":
            return types if offset >= len(data) else None
    return None


def _orientation(image: Image.Image) -> int:
    """Return the EXIF orientation (1–8) of an image; 1 when absent or unreadable."""
    try:
        value = image.getexif().get(_ORIENTATION_TAG, 1)
    except (OSError, SyntaxError, ValueError, struct.error, EOFError):
        return 1  # a damaged EXIF block is dropped with the rest of the metadata
    return value if isinstance(value, int) and value in range(1, 9) else 1


def _upright_size(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    """Return a stored size as shown after turning the image by its orientation."""
    return (size[1], size[0]) if orientation in (5, 6, 7, 8) else size


def _fit(size: tuple[int, int], box: Box) -> tuple[int, int]:
    """Return the largest size with the same proportions that fits in a box, never larger than it was."""
    scale = min(box.width / size[0], box.height / size[1], 1.0)
    if scale == 1.0:
        return size
    return (max(1, min(box.width, round(size[0] * scale))), max(1, min(box.height, round(size[1] * scale))))
