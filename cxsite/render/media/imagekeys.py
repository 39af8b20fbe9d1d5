"""What names a derived image: the image settings, their fingerprint, and the key of an original.

Apart from imaging.py so that a build whose photos are all made already can
find them without importing Pillow (30 ms a process): `fingerprint_label` is
cheap and names the fingerprint, which the build cache keeps (imagestore.py);
only `ImageSettings.fingerprint()` reads the codec versions from Pillow.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

# Bumped whenever imaging.py would encode the same original differently.
ALGORITHM = 1


@dataclass(frozen=True)
class Box:
    """The largest width and height a derived image may have."""

    width: int
    height: int


@dataclass(frozen=True)
class ImageSettings:
    """How derived images are made; everything but `max_pixels` shapes their bytes."""

    thumbnail: Box = Box(480, 960)
    large: Box = Box(1600, 1600)
    jpeg_quality: int = 82
    webp_quality: int = 80
    # Under Pillow's own hard limit (2 × MAX_IMAGE_PIXELS ≈ 179 MP) so that ours, with its
    # Chinese message, is the one a writer meets; 120 MP still admits a 108 MP phone photo.
    max_pixels: int = 120_000_000

    def fingerprint(self) -> str:
        """Return a short digest of the settings and codec versions, for cache keys and names."""
        from PIL import features  # imports Pillow's core: only when a fingerprint is not remembered

        parts = [*self._shaping(), *(f"{name}={features.version(name)}"
                                     for name in ("jpg", "zlib", "webp", "littlecms2"))]
        return hashlib.blake2b("\n".join(parts).encode(), digest_size=8).hexdigest()

    def _shaping(self) -> list[str]:
        """What of these settings and of Pillow shapes the bytes, codecs aside."""
        import PIL  # the package alone (its version), not its core

        return [f"algorithm={ALGORITHM}", f"pillow={PIL.__version__}",
                f"thumbnail={self.thumbnail.width}x{self.thumbnail.height}",
                f"large={self.large.width}x{self.large.height}",
                f"jpeg={self.jpeg_quality}", f"webp={self.webp_quality}"]


def fingerprint_label(settings: ImageSettings) -> str:
    """Name a fingerprint without computing it: the settings and Pillow's version.

    A Pillow wheel carries its own codecs, so its version stands for them; a
    fingerprint remembered under this label is reused (imagestore.py).
    """
    return "\n".join(settings._shaping())


def original_digest(data: bytes) -> bytes:
    """Return the digest of an original's bytes, as cxsite's loader computes it for every file."""
    return hashlib.blake2b(data, digest_size=16).digest()


def key_of(digest: bytes, fingerprint: str) -> str:
    """Return the ASCII key of an original (by its digest) under a settings fingerprint."""
    return hashlib.blake2b(fingerprint.encode() + b"\0" + digest, digest_size=8).hexdigest()


def image_key(digest: bytes, settings: ImageSettings) -> str:
    """Return the ASCII key of an original (by its digest) under some settings: the start of its names."""
    return key_of(digest, settings.fingerprint())
