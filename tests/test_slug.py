"""ASCII slugs: Chinese becomes pinyin (phrases read right), everything else dashes."""

from __future__ import annotations

import pytest

from cxsite.content.slug import is_slug, slugify


@pytest.mark.parametrize(("text", "slug"), [
    ("创先争优", "chuang-xian-zheng-you"),
    ("工作动态", "gong-zuo-dong-tai"),
    ("党员服务之星", "dang-yuan-fu-wu-zhi-xing"),
    ("“五好”支部", "wu-hao-zhi-bu"),
    ("2010年度", "2010-nian-du"),
    ("3S技术", "3s-ji-shu"),
    ("離退休", "li-tui-xiu"),  # traditional characters
    ("二〇一〇年", "er-ling-yi-ling-nian"),
])
def test_chinese_becomes_pinyin(text, slug):
    assert slugify(text) == slug


@pytest.mark.parametrize(("text", "slug"), [
    # Heteronyms: pypinyin reads the phrase, so the same character gets the right syllable.
    ("行动计划", "xing-dong-ji-hua"), ("银行", "yin-hang"),
    ("重要", "zhong-yao"), ("重庆", "chong-qing"),
    ("长征", "chang-zheng"), ("成长", "cheng-zhang"),
    ("音乐", "yin-yue"), ("快乐", "kuai-le"),
    ("会计", "kuai-ji"), ("会议", "hui-yi"),
    ("率先", "shuai-xian"), ("效率", "xiao-lv"),
])
def test_heteronyms(text, slug):
    assert slugify(text) == slug


@pytest.mark.parametrize(("text", "slug"), [
    ("Hello World!", "hello-world"),
    ("  --GIS--  ", "gis"),
    ("already-a-slug", "already-a-slug"),
    ("a_b.c d", "a-b-c-d"),
    ("café", "cafe"),  # accented letters keep their base letter
    ("ＧＩＳ技术", "gis-ji-shu"),  # full-width letters and digits are ASCII ones
    ("第２期", "di-2-qi"),
])
def test_ascii_and_other_letters(text, slug):
    assert slugify(text) == slug


@pytest.mark.parametrize("text", ["", "  ", "！？", "——", "α"])
def test_slug_may_be_empty(text):
    assert slugify(text) == ""


@pytest.mark.parametrize("text", ["creative", "gong-zuo-2010", "a", "3s"])
def test_valid_slugs(text):
    assert is_slug(text)


@pytest.mark.parametrize("text", ["", "Gong", "gong--zuo", "-gong", "gong-", "gong zuo", "工作", "gong_zuo"])
def test_invalid_slugs(text):
    assert not is_slug(text)


@pytest.mark.parametrize(("text", "slug"), [("〇", "ling"), ("\U00020000", "he")])
def test_han_outside_the_basic_block_alone_still_gets_pinyin(text, slug):
    assert slugify(text) == slug


def test_slug_memory_answers_from_what_earlier_builds_stored():
    """A heading spelt in an earlier process is taken from the store, not spelt again."""
    from cxsite.content.engines.headings import SlugCache

    stored = {"一、基本情况": "stored-answer"}
    slugs = SlugCache(stored)
    assert slugs("一、基本情况") == "stored-answer"
    assert slugs("二、主要做法") == slugify("二、主要做法")
    assert stored["二、主要做法"] == slugify("二、主要做法")  # written back for the next build


def test_a_build_whose_headings_are_known_does_not_load_pypinyin(tmp_path):
    """An edit that keeps a bulletin's headings is converted without pypinyin's dictionaries."""
    import shutil
    import subprocess
    import sys

    from support import REPO

    site = tmp_path / "site"
    site.mkdir()
    for name in ("site.yaml", "content", "static", "layouts"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, site / name)
        elif (REPO / name).is_file():
            shutil.copy(REPO / name, site / name)
    probe = ("import sys; from cxsite.cli import cli\n"
             "try:\n    cli(['build', '--jobs', '1'], standalone_mode=False, obj={})\n"
             "finally:\n    print('PYPINYIN', 'pypinyin' in sys.modules)\n")

    def build() -> str:
        done = subprocess.run([sys.executable, "-c", probe], cwd=site, capture_output=True,
                              text=True, env={**__import__("os").environ, "PYTHONPATH": str(REPO)})
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "PYPINYIN True" in build()  # the first build spells every heading
    bulletin = next((site / "content" / "bulletins").glob("*.md"))
    text = bulletin.read_text(encoding="utf-8")
    assert "\n## " in text or "\n### " in text
    bulletin.write_text(text + "\n补记一句，标题不变。\n", encoding="utf-8")
    assert "PYPINYIN False" in build()
    bulletin.write_text(text + "\n## 新加的一个小标题\n", encoding="utf-8")
    assert "PYPINYIN True" in build()  # a new heading is spelt
