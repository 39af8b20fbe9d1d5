"""The search index, read back in Python: what it finds, what it costs to load, how an edit changes it."""

from __future__ import annotations

import dataclasses
import random
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxsite.render.search import text as searchtext
from cxsite.render.search.index import DOC_BLOCK, PATCH_LIMIT, TEXT_BLOCK, build_index, patch_index, shard_of
from cxsite.render.search.postings import decode, encode, patch
from cxsite.render.search.text import distinct_units, fold, keys_of, text_of_html, units_of

from searchkit import (
    SPECIAL,
    Reader,
    corpus,
    documents,
    entry,
    filler,
    index_files,
    naive,
    resolve,
    script_data,
)
from searchkit import decode as decode_like_js


@pytest.fixture(scope="module")
def entries():
    """The hard cases and 400 generated documents."""
    return corpus(400)


@pytest.fixture(scope="module")
def files(entries) -> dict[str, bytes]:
    """Their index."""
    return index_files(entries)


def test_folding_makes_full_width_and_case_one():
    assert fold("ＡＢＣ１２３") == "abc123"
    assert units_of("Ｈｅｌｌｏ，世界！２０１０年7月") == ["hello", "世界", "2010年7月"]
    assert units_of("①遥感；25℃") == ["1遥感", "25", "c"]  # NFKC: ① is 1, ℃ is °C
    assert units_of("——……“”") == []


def test_html_becomes_text_with_blocks_apart_and_inline_tags_gone():
    html = "<h2>一、提高认识</h2>\n<p>要<strong>深入</strong>贯彻&amp;落实</p><ul><li>甲</li><li>乙</li></ul>"
    assert text_of_html(html) == "一、提高认识\n要深入贯彻&落实\n甲\n乙"
    assert units_of(text_of_html(html)) == ["一", "提高认识", "要深入贯彻", "落实", "甲", "乙"]


def test_keys_are_the_next_four_characters_or_fewer_at_the_end():
    assert keys_of("一段简单工作") == {"一段简单", "段简单工", "简单工作", "单工作", "工作", "作"}


def test_text_is_first_cut_where_folding_keeps_a_cut():
    """Cutting before folding is right only where folding never makes a letter, digit or mark."""
    for code in range(0x110000):
        char = chr(code)
        if 0xD800 <= code < 0xE000 or searchtext._PIECE.fullmatch(char):
            continue
        assert units_of(char) == [] and not unicodedata.combining(char), f"U+{code:04X}"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("甲乙丙丁ａＡaZ１2①℃，。 ：“”-_\n\u0301é"), max_size=60))
def test_distinct_units_are_the_units_of_the_folded_text(text):
    assert distinct_units(text) == list(dict.fromkeys(units_of(text)))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 70_000), min_size=1, max_size=300, unique=True),
       st.sets(st.integers(0, 70_000), max_size=20), st.sets(st.integers(0, 70_000), max_size=20))
def test_posting_lists_decode_to_their_documents_and_patch_like_a_fresh_encoding(docs, added, removed):
    docs.sort()
    code = encode(docs)
    assert decode(code) == docs == sorted(decode_like_js(code))
    after = (set(docs) | added) - removed
    assert patch(code, added, removed) == (encode(sorted(after)) if after else None)


def test_posting_lists_take_the_smallest_form():
    assert encode(list(range(1000)))[0] == "B"  # a bitmap: 1,000 documents in 125 bytes
    assert encode([200]) == "D" + "yQAA"  # one document: a gap, padded with gaps of nothing
    assert encode([0, 300, 600, 900])[0] == "H"  # gaps above 255
    assert encode(list(range(0, 1000, 9)))[0] == "D"
    assert encode(list(range(0, 2000, 300)) + [1999])[0] == "H"


def test_every_key_lists_exactly_the_documents_that_hold_it(entries, files):
    docs = sorted(entries, key=lambda e: (e.date, e.url))
    expected = {name: {} for name in ("body", "title", "tags")}
    for number, doc in enumerate(docs):
        for name, text in (("body", resolve(doc)[0]), ("title", doc.title), ("tags", " ".join(doc.tags))):
            for key in set().union(*map(keys_of, units_of(text))):
                expected[name].setdefault(key, set()).add(number)
    found = {name: {} for name in expected}
    modes = set()
    for path, content in files.items():
        if path.startswith("search/k/"):
            for name in found:
                for key, code in script_data(content)[1][name].items():
                    found[name][key] = set(decode(code))
                    modes.add(code[0])
    assert found == expected
    assert modes == {"B", "D", "H"}  # bitmaps, gaps and lists of numbers all occur here


def test_every_substring_finds_its_document(files):
    reader = Reader(files)
    for doc in SPECIAL:
        for text in (resolve(doc)[0], doc.title, " ".join(doc.tags)):
            for unit in units_of(text):
                for size in range(1, 7):
                    for start in range(0, max(1, len(unit) - size + 1)):
                        term = unit[start:start + size]
                        assert doc.url in reader.search(term), (doc.url, term)


def test_generated_documents_are_found_by_substrings_from_their_middle(entries, files):
    reader, rnd = Reader(files), random.Random(3)
    for doc in rnd.sample(entries[len(SPECIAL):], 60):
        unit = max(units_of(resolve(doc)[0]), key=len)
        size = rnd.randint(2, min(6, len(unit)))
        start = rnd.randint(0, len(unit) - size)
        assert doc.url in reader.search(unit[start:start + size])


QUERIES = ["动员大会", "段简", "一段简单", "ＧＩＳ", "gis系统", "GIS 培训", "123", "hello world", "HELLO",
           "25", "c", "①", "1", "𠀀字", "扎实推进工作", "推进工作作风", "扎实推进工作作风建设", "作风建设年",
           "创先争优", "党", "支部 动员", "文明科室 办公室", "，", "", "2010年", "第3期", "不存在的词语",
           "林业规划造林绿化", "学习讨论，表彰"]


@pytest.mark.parametrize("query", QUERIES)
def test_results_are_exactly_the_documents_holding_every_term(entries, files, query):
    assert set(Reader(files).search(query)) == naive(entries, query)


def test_long_terms_are_checked_against_the_text(files):
    # /posts/pieces/ holds every four-character piece of the term (in text and tags), never the term.
    reader = Reader(files)
    assert reader.search("扎实推进工作作风建设") == ["/about/"]
    assert reader.search("扎实推进工作") == ["/posts/pieces/", "/about/"]  # in its tags: ranked first


def test_title_phrase_comes_first_then_title_then_tags_then_newest():
    docs = [entry("/a/", "其他", "动员大会召开", "2010-01-03"), entry("/b/", "动员大会", "", "2010-01-01"),
            entry("/c/", "大会之前的动员", "", "2010-01-02"),
            entry("/d/", "其他", "", "2010-01-01", tags=("动员", "大会")),
            entry("/e/", "其他", "动员了，大会了", "2010-01-04"), entry("/f/", "动员大会", "", "2010-01-05")]
    reader = Reader(index_files(docs))
    assert reader.search("动员 大会") == ["/f/", "/b/", "/c/", "/d/", "/e/", "/a/"]
    assert reader.search("动员大会") == ["/f/", "/b/", "/a/"]
    later = entry("/g/", "动员大会之后", "", "2010-01-09")
    assert Reader(index_files([*docs, later])).search("动员大会") == ["/f/", "/b/", "/g/", "/a/"]


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(st.text(alphabet="甲乙丙ab，Ａ ", max_size=40), min_size=1, max_size=12),
       queries=st.lists(st.text(alphabet="甲乙丙abA ", min_size=1, max_size=9), min_size=1, max_size=5))
def test_any_query_matches_plain_substring_search(texts, queries):
    docs = [entry(f"/d/{i}/", t[:5], t, tags=(t[-3:],)) for i, t in enumerate(texts)]
    reader = Reader(index_files(docs))
    for query in queries:
        assert set(reader.search(query)) == naive(docs, query), query


def test_same_entries_in_any_order_give_the_same_bytes(entries, files):
    shuffled = entries[:]
    random.Random(5).shuffle(shuffled)
    assert index_files(shuffled) == files


# ---- edits patched into the last index ------------------------------------------------------


def patched(before: list, after: list):
    """Patch the index of `before` into that of `after`: (files of the result, what was made, kept)."""
    first = build_index(documents(before), resolve)
    made = patch_index(documents(after), resolve, first.remember["layout"], first.remember.get)
    if made is None:
        return None
    assert not set(made.kept) & set(made.files)
    files = {path: first.files[path] for path in made.kept} | made.files
    return files, made


def edit(docs: list, rnd: random.Random) -> list:
    """One edit a writer might make: a sentence added or removed, a title, tags, a date, a new issue."""
    docs = docs[:]
    at = rnd.randrange(len(docs))
    doc = docs[at]
    choice = rnd.choice(["add", "cut", "title", "tags", "date", "new", "remove"])
    if choice == "add":
        docs[at] = dataclasses.replace(doc, text=(*doc.text, f"补充说明第{rnd.randint(1, 99)}条：绿化造林。"))
    elif choice == "cut" and doc.text:
        docs[at] = dataclasses.replace(doc, text=(doc.text[0][: len(doc.text[0]) // 2],))
    elif choice == "title":
        docs[at] = dataclasses.replace(doc, title=doc.title + f"（{rnd.randint(1, 9)}）")
    elif choice == "tags":
        docs[at] = dataclasses.replace(doc, tags=(*doc.tags, rnd.choice(["新标签", "动员部署"])))
    elif choice == "date":
        docs[at] = dataclasses.replace(doc, date="2012-01-01")
    elif choice == "new":
        docs.append(entry(f"/bulletins/{9000 + at}/", "新一期简报", "新一期的内容：动员大会。", "2013-01-01"))
    else:
        del docs[at]
    return docs


@pytest.mark.parametrize("seed", range(12))
def test_an_edit_patched_in_gives_the_bytes_of_a_clean_build(entries, seed):
    rnd = random.Random(seed)
    after = edit(entries, rnd)
    result = patched(entries, after)
    clean = index_files(after)
    if result is None:  # more than PATCH_LIMIT renumbered (a dated document moved or went)
        order = [sorted(docs, key=lambda e: (e.date, e.url)) for docs in (entries, after)]
        moved = sum(a.url != b.url for a, b in zip(*order, strict=False))
        assert moved > PATCH_LIMIT or abs(len(after) - len(entries)) > PATCH_LIMIT
        return
    files, _ = result
    assert files == clean


def test_an_edit_makes_only_the_files_that_changed(entries, files):
    at = next(i for i, e in enumerate(entries) if e.url == "/bulletins/150/")
    after = entries[:]
    after[at] = dataclasses.replace(entries[at], text=(entries[at].text[0] + "新增一句：绿化造林",))
    result, made = patched(entries, after)
    changed = {p for p in files.keys() | result.keys() if files.get(p) != result.get(p)}
    assert set(made.files) - {"search/meta.js"} == changed  # the meta file is made and found the same
    reader = Reader(result)
    doc = next(d for d in range(reader.meta["count"]) if reader.record(d)[0] == "/bulletins/150/")
    bits = reader.meta["bits"]
    # Keys change only in units the document gained or lost (the added text may join its last unit).
    units = set(units_of(resolve(entries[at])[0])) ^ set(units_of(resolve(after[at])[0]))
    shards = {f"search/k/{shard_of(c, bits):0{(bits + 3) // 4}x}.js" for c in "".join(units)}
    assert f"search/x/{doc // reader.meta['textBlock']}.js" in changed
    assert changed <= shards | {f"search/x/{doc // reader.meta['textBlock']}.js"}


def test_a_new_newest_document_is_patched_in_without_renumbering(entries):
    after = [*entries, entry("/bulletins/9999/", "最新一期", "最新一期：岗位建功。", "2099-01-01")]
    files, made = patched(entries, after)
    assert files == index_files(after)
    newest = len(after) - 1  # the highest number: no other document's blocks are made again
    assert {p for p in made.files if not p.startswith("search/k/")} == {
        "search/meta.js", f"search/d/{newest // DOC_BLOCK}.js", f"search/x/{newest // TEXT_BLOCK}.js"}
    assert Reader(files).search("最新一期")[0] == "/bulletins/9999/"


def test_an_old_document_moving_renumbers_and_is_made_again(entries):
    oldest = min(entries, key=lambda e: (e.date, e.url))
    after = [dataclasses.replace(e, date="2099-01-01") if e is oldest else e for e in entries]
    assert patched(entries, after) is None  # every number moves: a clean build


def test_a_query_loads_a_small_share_of_the_index():
    docs = filler(3000, seed=11)
    files = index_files(docs)
    total = sum(map(len, files.values()))
    rnd = random.Random(2)
    for _ in range(30):
        unit = max(units_of(resolve(rnd.choice(docs))[0]), key=len)
        size = rnd.randint(2, min(4, len(unit)))
        start = rnd.randint(0, len(unit) - size)
        reader = Reader(files)
        for doc in reader.order(unit[start:start + size])[:20]:  # the first page: its blocks of text
            reader.shown(doc)
        loaded = sum(len(files[p]) for p in reader.loaded)
        assert loaded <= total / 10, (unit[start:start + size], loaded, total)


def test_an_empty_site_has_an_empty_index():
    files = index_files([])
    assert sorted(files) == ["search/meta.js"]
    assert script_data(files["search/meta.js"])[1]["count"] == 0


def test_two_entries_with_one_url_are_refused():
    with pytest.raises(ValueError, match="/a/"):
        index_files([entry("/a/", "甲"), entry("/b/", "乙"), entry("/a/", "丙", date="2010-01-01")])


def test_blocks_of_text_repeat_the_records(files):
    reader = Reader(files)
    for doc in range(reader.meta["count"]):
        assert reader.shown(doc)[:5] == reader.record(doc)


def test_scripts_hand_their_data_to_the_page(files):
    for path, content in files.items():
        name, _ = script_data(content)
        assert path == f"search/{name}.js"
        assert "\u2028" not in content.decode() and "\u2029" not in content.decode()


def test_captions_and_attachment_titles_the_pages_show_are_found(example_build):
    """Words only in a photo's caption or an attachment's title (the example site's) find their page."""
    files = {p.relative_to(example_build.out).as_posix(): p.read_bytes()
             for p in (example_build.out / "search").rglob("*.js")}
    reader = Reader(files)
    assert reader.search("投影屏幕上打出") == ["/events/jiangtang-01/"]
    assert reader.search("牌匾挂上了") == ["/events/xingji-wenming-pingbi/"]
    assert reader.search("简报（PDF版）") == ["/bulletins/1/"]
