"""ASCII slugs for URLs: Chinese becomes pinyin, everything else a dash."""

from __future__ import annotations

import re

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def slugify(text: str) -> str:
    """Return an ASCII slug: 创先争优 -> chuang-xian-zheng-you; may be empty."""
    text = str(text).strip().lower()
    if _HAN.search(text):
        # pypinyin reads phrases, so heteronyms (银行, 行动) get the right syllable.
        from pypinyin import Style, lazy_pinyin

        text = " ".join(lazy_pinyin(text, style=Style.NORMAL, errors="default"))
    return _NON_SLUG.sub("-", text).strip("-")


def is_slug(text: str) -> bool:
    """Whether a text is already a valid slug."""
    return bool(SLUG_PATTERN.match(text))
