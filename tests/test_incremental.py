"""Incremental builds: a second build writes nothing, and any edit sequence equals a clean build."""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
from pathlib import Path

import pytest

from support import FIXED_NOW, REPO, SAMPLE, build_at, seed_images, tree_bytes

SITE_PARTS = ("site.yaml", "content", "layouts", "static")


def copy_example(target: Path) -> Path:
    """Copy the repository's example site (sources only) into target."""
    target.mkdir(parents=True, exist_ok=True)
    for name in SITE_PARTS:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        elif source.is_file():
            shutil.copy(source, target / name)
    return target


@pytest.fixture(autouse=True)
def _derived_images(example_images, tmp_path):
    """Each test's first build (into tmp_path/out) starts with the example's derived images."""
    seed_images(example_images, tmp_path / ".out-cache")


def clean_build(root: Path, scratch: Path):
    """Build root from nothing: fresh cache, fresh output; return (result, files).

    Only the derived images of the incremental build beside it (scratch's sibling `out`)
    are given to the fresh cache: see support.seed_images.
    """
    if scratch.exists():
        shutil.rmtree(scratch)
    out = scratch / "out"
    seed_images(scratch.parent / ".out-cache" / "images", scratch / "cache")
    result = build_at(root, out, cache_dir=scratch / "cache", jobs=1)
    return result, (tree_bytes(out) if out.exists() else {})


def mtimes(folder: Path) -> dict[str, int]:
    """Return the modification time of every file under folder."""
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
            for p in folder.rglob("*") if p.is_file()}


def test_second_build_writes_nothing(tmp_path):
    root = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    first = build_at(root, out)
    assert first.ok and first.written > 50
    before = mtimes(out)
    second = build_at(root, out)
    assert second.ok
    assert (second.written, second.deleted, second.rendered) == (0, 0, 0)
    assert second.unchanged == first.written
    assert mtimes(out) == before


def test_one_edit_renders_only_its_dependents(tmp_path):
    root = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    first = build_at(root, out)
    path = root / "content" / "bulletins" / "002-xuexi-taolun.md"
    path.write_text(path.read_text(encoding="utf-8").replace("## ", "## 新", 1), encoding="utf-8")
    second = build_at(root, out)
    assert second.ok
    assert 0 < second.rendered < first.rendered / 2
    assert "新" in (out / "bulletins" / "2" / "index.html").read_text(encoding="utf-8")
    _, clean = clean_build(root, tmp_path / "clean")
    assert tree_bytes(out) == clean


# Each edit takes (root, rng) and changes the site the way a writer or designer might.
def edit_body(root: Path, rng: random.Random) -> None:
    doc = rng.choice(sorted((root / "content").glob("*/*.md")))
    doc.write_text(doc.read_text(encoding="utf-8") + f"\n\n补充说明第{rng.randint(1, 99)}条。\n",
                   encoding="utf-8")


def edit_title(root: Path, rng: random.Random) -> None:
    doc = rng.choice(sorted((root / "content").glob("*/*.md")))
    text = doc.read_text(encoding="utf-8")
    doc.write_text(re.sub(r"^title: (.*)$", rf"title: \1（{rng.randint(1, 9)}）", text, count=1,
                          flags=re.M), encoding="utf-8")


def edit_tags(root: Path, rng: random.Random) -> None:
    doc = rng.choice(sorted((root / "content" / "bulletins").glob("*.md")))
    text = doc.read_text(encoding="utf-8")
    tag = rng.choice(["动员部署", "新标签", "学习讨论"])
    doc.write_text(re.sub(r"^tags: \[", f"tags: [{tag}, ", text, count=1, flags=re.M), encoding="utf-8")


def edit_date(root: Path, rng: random.Random) -> None:
    doc = rng.choice(sorted((root / "content" / "posts").glob("*.md")))
    text = doc.read_text(encoding="utf-8")
    day = rng.randint(1, 28)
    doc.write_text(re.sub(r"^date: .*$", f"date: 2010-08-{day:02d}", text, count=1, flags=re.M),
                   encoding="utf-8")


def add_bulletin(root: Path, rng: random.Random) -> None:
    folder = root / "content" / "bulletins"
    issues = [int(m) for p in folder.glob("*.md")
              for m in re.findall(r"^issue: (\d+)", p.read_text(encoding="utf-8"), re.M)]
    issue = max(issues, default=0) + 1
    (folder / f"{issue:03d}-new.md").write_text(
        f"---\ntitle: 新一期简报{issue}\nissue: {issue}\ndate: 2010-10-{rng.randint(1, 28):02d}\n"
        f"branches: [houqin]\ntags: [新标签]\n---\n\n本期内容。[方案](../pages/shishi-fangan.md)\n",
        encoding="utf-8")


def remove_newest_bulletin(root: Path, rng: random.Random) -> None:
    docs = sorted((root / "content" / "bulletins").glob("*.md"))
    if len(docs) > 1:
        docs[-1].unlink()


def rename_post(root: Path, rng: random.Random) -> None:
    doc = rng.choice(sorted((root / "content" / "posts").glob("*.md")))
    text = doc.read_text(encoding="utf-8")
    text = re.sub(r"^slug: .*\n", "", text, flags=re.M)
    doc.unlink()
    (doc.parent / f"renamed-{rng.randint(1, 999)}.md").write_text(text, encoding="utf-8")


def toggle_draft(root: Path, rng: random.Random) -> None:
    doc = rng.choice(sorted((root / "content" / "posts").glob("*.md")))
    text = doc.read_text(encoding="utf-8")
    if "\ndraft: true" in text:
        text = text.replace("\ndraft: true", "", 1)
    else:
        text = text.replace("\ntitle:", "\ndraft: true\ntitle:", 1)
    doc.write_text(text, encoding="utf-8")


def rename_branch(root: Path, rng: random.Random) -> None:
    path = root / "content" / "branches.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("name: 第二党支部", f"name: 第二党支部{rng.randint(1, 9)}", 1)
                    .replace("name: 第二党支部1", "name: 第二党支部"), encoding="utf-8")


def add_event(root: Path, rng: random.Random) -> None:
    number = rng.randint(1, 99)
    (root / "content" / "events" / f"new-{number}.yaml").write_text(
        f"title: 新增活动{number}\ndate: 2010-12-{rng.randint(1, 28):02d}\nphase: phase-2\n"
        f"branches: [lituixiu]\nsummary: 活动内容。\n", encoding="utf-8")


def edit_layout(root: Path, rng: random.Random) -> None:
    layouts = root / "layouts" / "partials"
    layouts.mkdir(parents=True, exist_ok=True)
    theme = REPO / "cxsite" / "theme" / "layouts" / "partials" / "footer.html"
    text = theme.read_text(encoding="utf-8")
    (layouts / "footer.html").write_text(
        text.replace("</footer>", f"<p>页脚版本 {rng.randint(1, 99)}</p></footer>"), encoding="utf-8")


def toggle_layout_override(root: Path, rng: random.Random) -> None:
    override = root / "layouts" / "partials" / "footer.html"
    if override.exists():
        override.unlink()
    else:
        edit_layout(root, rng)


def edit_static(root: Path, rng: random.Random) -> None:
    path = root / "static" / "img" / f"extra-{rng.randint(1, 3)}.svg"
    if path.exists():
        path.unlink()
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")


def edit_config(root: Path, rng: random.Random) -> None:
    path = root / "site.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^pagination: \d+", f"pagination: {rng.choice([2, 3, 10])}", text,
                           flags=re.M), encoding="utf-8")


def move_post_to_another_month(root: Path, rng: random.Random) -> None:
    doc = rng.choice(sorted((root / "content" / "posts").glob("*.md")))
    text = doc.read_text(encoding="utf-8")
    month = rng.choice([7, 8, 9, 10])
    doc.write_text(re.sub(r"^date: .*$", f"date: 2010-{month:02d}-{rng.randint(1, 28):02d}", text, count=1,
                          flags=re.M), encoding="utf-8")


def move_event_to_another_phase(root: Path, rng: random.Random) -> None:
    path = rng.choice(sorted((root / "content" / "events").glob("*.yaml")))
    text = path.read_text(encoding="utf-8")
    phase = rng.choice(["phase-1", "phase-2"])
    text = re.sub(r"^phase: .*$", f"phase: {phase}", text, flags=re.M) if "\nphase:" in "\n" + text \
        else text + f"phase: {phase}\n"
    path.write_text(text, encoding="utf-8")


def move_event_to_another_month(root: Path, rng: random.Random) -> None:
    path = rng.choice(sorted((root / "content" / "events").glob("*.yaml")))
    text = path.read_text(encoding="utf-8")
    day = f"2010-{rng.choice([7, 9, 11]):02d}-{rng.randint(1, 28):02d}"
    text = re.sub(r"^end: .*\n", "", text, flags=re.M)  # an end before the new date would be a mistake
    path.write_text(re.sub(r"^date: .*$", f"date: {day}", text, count=1, flags=re.M), encoding="utf-8")


def move_bulletin_to_other_branches(root: Path, rng: random.Random) -> None:
    doc = rng.choice(sorted((root / "content" / "bulletins").glob("*.md")))
    text = doc.read_text(encoding="utf-8")
    chosen = rng.sample(["houqin", "shengchan-1", "shengchan-2", "lituixiu"], rng.randint(1, 3))
    doc.write_text(re.sub(r"^branches: .*$", f"branches: [{', '.join(chosen)}]", text, count=1, flags=re.M),
                   encoding="utf-8")


def move_bulletin_to_another_phase(root: Path, rng: random.Random) -> None:
    # 第3期 (2010-09-10, phase one) moves into phase two or stays in phase one; issue order is kept.
    doc = root / "content" / "bulletins" / "003-zhuti-shijian.md"
    day = rng.choice(["2010-09-20", "2010-10-05"])
    text = doc.read_text(encoding="utf-8")
    doc.write_text(re.sub(r"^date: .*$", f"date: {day}", text, count=1, flags=re.M), encoding="utf-8")


def edit_honor(root: Path, rng: random.Random) -> None:
    # Honours have no pages of their own: only lists (the honours page, the home page, a branch's) show them.
    path = root / "content" / "honors.yaml"
    text = path.read_text(encoding="utf-8")
    level = rng.choice(["省级", "厅级", "院级", "国家级"])
    path.write_text(re.sub(r"^  level: .*$", f"  level: {level}", text, count=1, flags=re.M),
                    encoding="utf-8")


def edit_caption(root: Path, rng: random.Random) -> None:
    path = root / "content" / "events" / "jiangtang-01.yaml"
    text = path.read_text(encoding="utf-8")
    caption = f"caption: 讲座现场（第{rng.randint(1, 99)}张）"
    path.write_text(re.sub(r"caption: [^}]*", caption, text, count=1), encoding="utf-8")


def replace_photo(root: Path, rng: random.Random) -> None:
    # The writer swaps in another picture under the same name: new bytes, same file name.
    from PIL import Image

    path = rng.choice(sorted((root / "static" / "img" / "photos").glob("*.jpg")))
    image = Image.new("RGB", (rng.choice([900, 1800, 2400]), 1200), (rng.randint(0, 255), 120, 60))
    image.save(path, "JPEG", quality=80)


def add_photos_to_event(root: Path, rng: random.Random) -> None:
    path = root / "content" / "events" / "xuexi-taolun.yaml"
    text = re.sub(r"^photos:\n(  - .*\n)*", "", path.read_text(encoding="utf-8"), flags=re.M)
    photos = rng.sample(sorted(p.name for p in (root / "static" / "img" / "photos").glob("*.jpg")), 2)
    path.write_text(text.rstrip("\n") + "\nphotos:\n" + "".join(f"  - /img/photos/{n}\n" for n in photos),
                    encoding="utf-8")


def swap_cover(root: Path, rng: random.Random) -> None:
    doc = rng.choice(sorted((root / "content" / "bulletins").glob("*.md")))
    cover = rng.choice(sorted(p.name for p in (root / "static" / "img" / "covers").glob("*.jpg")))
    text = doc.read_text(encoding="utf-8")
    doc.write_text(re.sub(r"^cover: .*$", f"cover: /img/covers/{cover}", text, count=1, flags=re.M),
                   encoding="utf-8")


def grow_attachment(root: Path, rng: random.Random) -> None:
    path = next((root / "static" / "files").glob("*.pdf"))
    path.write_bytes(path.read_bytes() + b"%" * rng.randint(1000, 200_000) + b"\n")


def add_body_image(root: Path, rng: random.Random) -> None:
    doc = rng.choice(sorted((root / "content" / "posts").glob("*.md")))
    photo = rng.choice(sorted(p.name for p in (root / "static" / "img" / "photos").glob("*.jpg")))
    text = doc.read_text(encoding="utf-8")
    doc.write_text(text + f"\n\n![现场照片](/img/photos/{photo})\n", encoding="utf-8")


EDITS = [edit_body, edit_title, edit_tags, edit_date, add_bulletin, remove_newest_bulletin, rename_post,
         toggle_draft, rename_branch, add_event, edit_layout, toggle_layout_override, edit_static,
         edit_config, move_post_to_another_month, move_event_to_another_phase, move_event_to_another_month,
         move_bulletin_to_other_branches, move_bulletin_to_another_phase, edit_honor, edit_caption,
         replace_photo, add_photos_to_event, swap_cover, grow_attachment, add_body_image]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_edit_sequences_equal_clean_builds(tmp_path, seed):
    rng = random.Random(seed)
    root = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    assert build_at(root, out, jobs=1).ok
    for step in range(10):
        edit = rng.choice(EDITS)
        edit(root, rng)
        result = build_at(root, out, jobs=1)
        clean, clean_files = clean_build(root, tmp_path / "clean")
        assert result.ok == clean.ok, (step, edit.__name__, result.problems, clean.problems)
        if result.ok:
            assert tree_bytes(out) == clean_files, (step, edit.__name__)






def test_a_caption_edit_renders_the_event_page_and_makes_no_image(tmp_path):
    root = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    first = build_at(root, out, jobs=1)
    assert first.ok and first.images_made == 0 and first.images_reused == 11  # seeded: see _derived_images
    edit_caption(root, random.Random(1))
    result = build_at(root, out, jobs=1)
    assert result.ok and (result.images_made, result.images_reused) == (0, 11)
    assert "讲座现场（第" in (out / "events" / "jiangtang-01" / "index.html").read_text(encoding="utf-8")
    # Pages that read the event are checked again (it is one object); only the one showing captions changes,
    # and the search index's files that hold the caption's text and keys.
    assert result.rendered < result.pages / 3, result.rendered
    page, *index = sorted(result.written_paths)
    assert page == "events/jiangtang-01/index.html" and index and all(p.startswith("search/") for p in index)
    _, clean = clean_build(root, tmp_path / "clean")
    assert tree_bytes(out) == clean


def test_a_replaced_photo_is_made_again_and_its_old_versions_leave_the_site(tmp_path):
    root = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    assert build_at(root, out, jobs=1).ok
    page = out / "events" / "jiangtang-01" / "index.html"
    before = set(re.findall(r"_img/([0-9a-f]{16}-\d+\.jpg)", page.read_text(encoding="utf-8")))
    assert len(before) == 2 and all((out / "_img" / name).is_file() for name in before)
    photo = root / "static" / "img" / "photos" / "规划院讲堂-第一讲.jpg"
    from PIL import Image

    Image.new("RGB", (2000, 1000), (10, 120, 60)).save(photo, "JPEG", quality=80)
    result = build_at(root, out, jobs=1)
    assert result.ok and (result.images_made, result.images_reused) == (1, 10)
    after = set(re.findall(r"_img/([0-9a-f]{16}-\d+\.jpg)", page.read_text(encoding="utf-8")))
    assert after.isdisjoint(before) and {name.split("-")[1] for name in after} == {"480.jpg", "1600.jpg"}
    assert not any((out / "_img" / name).exists() for name in before)
    _, clean = clean_build(root, tmp_path / "clean")
    assert tree_bytes(out) == clean


def write_post_without_summary(root: Path, first_paragraph: str) -> Path:
    """A post whose summary comes from its body (lists and the home page show it)."""
    path = root / "content" / "posts" / "2010-09-20-zhaiyao.md"
    path.write_text("---\ntitle: 摘要来自正文的动态\ndate: 2010-09-20\ncategory: 工作动态\ntags: [学习讨论]\n"
                    f"---\n\n{first_paragraph}\n\n第二段保持不变。\n", encoding="utf-8")
    return path


def test_a_body_edit_verifies_only_the_pages_that_read_the_document(tmp_path):
    root = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    post = write_post_without_summary(root, "原来的第一段文字。")
    assert build_at(root, out, jobs=1).ok
    text = post.read_text(encoding="utf-8")
    post.write_text(text.replace("原来的第一段", "改过的第一段"), encoding="utf-8")
    result = build_at(root, out, jobs=1)
    assert result.ok and result.body_only == frozenset({"/posts/2010-09-20-zhaiyao/"})
    for shown in ("posts/index.html", "tags/xuexi-taolun/index.html", "categories/gongzuo-dongtai/index.html",
                  "feed.xml", "categories/gongzuo-dongtai/feed.xml"):  # summaries, and full text in feeds
        assert "改过的第一段" in (out / shown).read_text(encoding="utf-8"), shown
    _, clean = clean_build(root, tmp_path / "clean")
    assert tree_bytes(out) == clean


@pytest.mark.parametrize("other", [edit_title, edit_layout, edit_static, add_bulletin])
def test_a_body_edit_beside_any_other_change_verifies_every_page(tmp_path, other):
    root = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    assert build_at(root, out, jobs=1).ok
    edit_body(root, random.Random(7))
    other(root, random.Random(8))
    result = build_at(root, out, jobs=1)
    assert result.ok and result.body_only is None
    _, clean = clean_build(root, tmp_path / "clean")
    assert tree_bytes(out) == clean


def test_a_layout_printing_whole_documents_stays_correct_after_a_body_edit(tmp_path):
    # The pages below never read a field of the newest bulletin, only print it whole.
    root = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    (root / "layouts" / "page.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>{{ page.title }}</h1><p>{{ site.bulletins[0] }}</p>'
        "<p>{{ site.bulletins[0]|pprint }}</p>{% endblock %}", encoding="utf-8")
    assert build_at(root, out, jobs=1).ok
    newest = sorted((root / "content" / "bulletins").glob("*.md"))[-1]
    newest.write_text(newest.read_text(encoding="utf-8") + "\n\n补充一段。\n", encoding="utf-8")
    assert build_at(root, out, jobs=1).ok
    _, clean = clean_build(root, tmp_path / "clean")
    assert tree_bytes(out) == clean


def test_a_cache_of_another_version_is_dropped_but_not_files_cxsite_did_not_write(tmp_path):
    from cxsite.content.markdown import Rendered
    from cxsite.incremental.store import Cache

    folder = tmp_path / "cache"
    Cache(folder).put_many([Rendered("k", "<p>x</p>", "summary", 1, ())])
    (folder / "templates").mkdir()
    (folder / "templates" / "__jinja2_abc.cache").write_bytes(b"compiled")
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    (folder / "VERSION").write_text("cxsite 0.0.1 (older)\n", encoding="utf-8")
    fresh = Cache(folder)
    assert set(fresh.markdown) == set()  # nothing of the other version is trusted
    assert not (folder / "templates").exists()
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("edit", EDITS, ids=lambda edit: edit.__name__)
def test_every_kind_of_edit_equals_a_clean_build(tmp_path, edit):
    root = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    assert build_at(root, out, jobs=1).ok
    edit(root, random.Random(5))
    result = build_at(root, out, jobs=1)
    clean, clean_files = clean_build(root, tmp_path / "clean")
    assert result.ok == clean.ok, (result.problems, clean.problems)
    if result.ok:
        assert tree_bytes(out) == clean_files


def test_changing_any_field_of_a_page_changes_its_digest(tmp_path):
    import dataclasses

    from cxsite.build import BuildOptions, load_site, set_up
    from cxsite.incremental.planner import page_digest
    from cxsite.incremental.recorder import Digests
    from cxsite.incremental.state import State
    from cxsite.incremental.store import Cache
    from cxsite.render.pages import Page, Pager
    from cxsite.render.subscriptions import plan_subscriptions

    options = BuildOptions(REPO, now=FIXED_NOW)
    setup, _ = set_up(options)
    site = load_site(options, setup, Cache(tmp_path / "cache"), State()).site
    first, second = site.bulletins[0], site.bulletins[1]
    base = Page(url="/a/", template="page.html", title="甲", kind="page", doc=first, record=site.branches[0],
                term=site.tags[0], items=(first, second), pager=Pager(1, 3, "/a/"),
                groups=(("7月", (first,)),), data=plan_subscriptions(site), feed="/a/feed.xml",
                in_sitemap=True)
    other = {"url": "/b/", "template": "post.html", "title": "乙", "kind": "post", "doc": second,
             "record": site.branches[1], "term": site.tags[1], "items": (second, first),
             "pager": Pager(2, 3, "/a/"),
             "groups": (("8月", (first,)),), "data": None, "feed": "", "in_sitemap": False,
             "expires": FIXED_NOW, "links_checked": False}
    fields = sorted(f.name for f in dataclasses.fields(Page))
    assert sorted(other) == fields, "give the new field another value here"
    digests = Digests(site)
    before = page_digest(base, digests)
    for name, value in other.items():
        assert page_digest(dataclasses.replace(base, **{name: value}), digests) != before, name
    # The same page digests the same: the digest depends on the data, not on the object.
    assert page_digest(dataclasses.replace(base), digests) == before


def test_a_page_showing_only_its_groups_follows_a_move_to_another_month(tmp_path):
    # The archive's index here shows nothing but page.groups (months and their counts): only the
    # page's own data tells it that a post moved from one month to another.
    root = copy_example(tmp_path / "site")
    (root / "layouts").mkdir(exist_ok=True)
    (root / "layouts" / "archive.html").write_text(
        "{% for year, months in page.groups %}{{ year }}:{% for label, link, count in months %}"
        "{{ label }}={{ count }};{% endfor %}{% endfor %}\n", encoding="utf-8")
    out = tmp_path / "out"
    assert build_at(root, out, jobs=1).ok
    post = root / "content" / "posts" / "2010-08-09-xinde-xiangmu-yixian.md"
    post.write_text(re.sub(r"^date: .*$", "date: 2010-09-09", post.read_text(encoding="utf-8"), count=1,
                           flags=re.M), encoding="utf-8")
    assert build_at(root, out, jobs=1).ok
    _, clean = clean_build(root, tmp_path / "clean")
    assert (out / "archive" / "index.html").read_bytes() == clean["archive/index.html"]


def test_a_bulletin_dated_into_another_phase_moves_to_that_phase_page(tmp_path):
    root = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    assert build_at(root, out, jobs=1).ok
    doc = root / "content" / "bulletins" / "003-zhuti-shijian.md"
    original = doc.read_text(encoding="utf-8")

    def listed() -> tuple[bool, bool]:
        return tuple('href="../../bulletins/3/"' in (out / "phases" / phase / "index.html").read_text("utf-8")
                     for phase in ("phase-1", "phase-2"))

    assert listed() == (True, False)
    moved = re.sub(r"^date: .*$", "date: 2010-10-05", original, count=1, flags=re.M)
    for text, expected in ((moved, (False, True)), (original, (True, False))):
        doc.write_text(text, encoding="utf-8")
        result = build_at(root, out, jobs=1)
        assert result.ok and result.rendered > 0
        assert listed() == expected
        _, clean = clean_build(root, tmp_path / "clean")
        assert tree_bytes(out) == clean


def test_a_previewed_future_post_loses_its_mark_when_its_date_comes(tmp_path):
    """`--future` marks a post 定时 until its date; a build after it, with the same cache, drops the mark."""
    root = tmp_path / "site"
    shutil.copytree(SAMPLE, root)
    out = tmp_path / "out"
    page = out / "posts" / "2010-12-01-jihua" / "index.html"
    assert build_at(root, out, jobs=1, future=True).ok
    assert "定时</span>" in page.read_text("utf-8")
    later = FIXED_NOW + dt.timedelta(days=31)  # 2010-12-02: the post's date has passed
    result = build_at(root, out, jobs=1, future=True, now=later)
    assert result.ok and result.rendered > 0
    assert "定时</span>" not in page.read_text("utf-8")
    _, clean = clean_build_at(root, tmp_path / "clean", future=True, now=later)
    assert tree_bytes(out) == clean


def clean_build_at(root: Path, scratch: Path, **options):
    """Like clean_build, with build options (a clock, --future)."""
    out = scratch / "out"
    result = build_at(root, out, cache_dir=scratch / "cache", jobs=1, **options)
    return result, tree_bytes(out)
