"""ASCII slugs for URLs: Chinese becomes pinyin, everything else a dash."""

from __future__ import annotations

import re
import unicodedata

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG = 120  # a slug names a folder of the output: short enough for any file system and URL
_NON_SLUG = re.compile(r"[^a-z0-9]+")
# 〇, the unified ideographs with extension A, compatibility ideographs and extensions B–G.
_HAN = re.compile(r"[\u3007\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def slugify(text: str) -> str:
    """Return an ASCII slug: 创先争优 -> chuang-xian-zheng-you; may be empty."""
    # Writers type full-width letters and digits (ＧＩＳ, 第２期) that mean ASCII ones.
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    if _HAN.search(text):
        # pypinyin reads phrases, so heteronyms (银行, 行动) get the right syllable.
        from pypinyin import Style, lazy_pinyin

        text = " ".join(lazy_pinyin(text, style=Style.NORMAL, errors="default"))
    # Accented Latin letters keep their base letter (café -> cafe) rather than being dropped.
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NON_SLUG.sub("-", text).strip("-")


def is_slug(text: str) -> bool:
    """Whether a text is already a valid slug."""
    return bool(SLUG_PATTERN.match(text))
