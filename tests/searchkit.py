"""Search test helpers: a corpus with the hard cases, a reader of the index files, and a Python
mirror of search.js's matching (to check the index exhaustively without a browser)."""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Sequence
from itertools import chain

from cxsite.render.search.entries import SearchEntry
from cxsite.render.search.index import Documents, build_index
from cxsite.render.search.text import distinct_units, fold, units_of


def resolve(entry: SearchEntry) -> tuple[str, list[str]]:
    """An entry's text and units when all of it is plain text (no Markdown keys)."""
    return "\n".join(entry.text), list(dict.fromkeys(chain.from_iterable(map(distinct_units, entry.text))))


def documents(entries: Sequence[SearchEntry]) -> Documents:
    """Entries as the index orders them."""
    return Documents.of([e.row for e in entries])


def index_files(entries: Sequence[SearchEntry]) -> dict[str, bytes]:
    """The index files of entries of plain text."""
    return build_index(documents(entries), resolve).files


def entry(url: str, title: str, text: str = "", date: str = "", tags: tuple[str, ...] = (),
          kind: str = "简报") -> SearchEntry:
    """A plain-text entry."""
    return SearchEntry(url=url, kind=kind, title=title, date=date, tags=tags, text=(text,) if text else ())

SPECIAL = [
    SearchEntry(url="/bulletins/1/", kind="简报", title="我院召开创先争优活动动员大会", date="2010-07-20",
                tags=("动员部署", "工作动态"),
                text=("7月16日下午，院党委在院新楼三楼会议室召开创先争优活动动员大会。"
                      "会议由院长主持，全院职工参加。院党委书记作动员讲话，要求各支部一段简单而扎实地推进工作。",)),
    SearchEntry(url="/posts/gis-peixun/", kind="动态", title="ＧＩＳ系统培训班开班", date="2010-08-02",
                tags=("技术培训",),
                text=("信息中心举办ＧＩＳ系统培训，共１２３人参加；Hello World 是第一课。气温25℃，"
                      "培训内容：①遥感影像判读；②ArcGIS 制图。",)),
    SearchEntry(url="/branches/xinxi/", kind="支部", title="信息中心党支部", date="", tags=("生产",),
                text=("主题：数字林业先锋岗。科室：信息中心、档案室。目标：建成𠀀字号数据库。",)),
    SearchEntry(url="/events/jiangtang-01/", kind="活动", title="党课讲堂第一讲", date="2010-09-10",
                tags=("讲座",), text=("地点：院多功能厅。内容：学习党章，重温入党誓词。",)),
    SearchEntry(url="/honors/#h-2010", kind="荣誉", title="2010年度荣誉", date="", tags=(),
                text=("2010年度省直机关文明科室：办公室。优秀共产党员：王建国、李海燕。",)),
    # Candidates that share the four-character pieces of a long term without holding it.
    SearchEntry(url="/posts/pieces/", kind="动态", title="拆开的词", date="2010-10-01",
                tags=("扎实推进工作",), text=("扎实推进各项任务；推进工作作风建设；工作作风建设年。",)),
    SearchEntry(url="/about/", kind="页面", title="关于本专题", date="", tags=(),
                text=("本专题由材料宣传组维护。扎实推进工作作风建设年活动。",)),
]

_WORDS = ["创先争优", "党支部", "学习讨论", "文明科室", "林业规划", "造林绿化", "服务群众", "组织生活会",
          "志愿服务", "岗位建功", "先锋模范", "理论学习", "承诺践诺", "森林资源", "调查队", "信息中心",
          "后勤", "离退休", "动员", "总结", "表彰", "会议", "强调", "指出", "要求", "全院", "职工",
          "2010年", "第3期", "GIS", "数据", "一", "了", "的", "在", "和"]
_PUNCT = ["，", "。", "；", "、", "：", " ", "\n", "（", "）", "“", "”"]


def filler(count: int, seed: int = 7) -> list[SearchEntry]:
    """`count` generated documents (deterministic): stock words and a Zipf-like spread of made-up ones."""
    rnd = random.Random(seed)
    made_up = ["".join(chr(rnd.randint(0x4E00, 0x62FF)) for _ in range(rnd.randint(2, 4)))
               for _ in range(3000)]
    vocabulary = _WORDS + made_up
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    out = []
    for i in range(count):
        words = [w + (rnd.choice(_PUNCT) if rnd.random() < 0.3 else "")
                 for w in rnd.choices(vocabulary, weights, k=rnd.randint(20, 120))]
        out.append(SearchEntry(
            url=f"/bulletins/{100 + i}/", kind="简报", title="".join(rnd.sample(_WORDS[:20], 3)),
            date=f"2011-{1 + i % 12:02d}-{1 + i % 28:02d}", tags=tuple(rnd.sample(_WORDS[:16], 2)),
            text=("".join(words),)))
    return out


def corpus(count: int = 400) -> list[SearchEntry]:
    """The special cases plus generated documents."""
    return SPECIAL + filler(count)


def script_data(content: bytes) -> tuple[str, object]:
    """The name and data of one index script."""
    text = content.decode()
    prefix = 'window.cxsearch.load("'
    assert text.startswith(prefix) and text.endswith(");\n"), text[:80]
    name, _, rest = text[len(prefix):].partition('",')
    return name, json.loads(rest[:-3])


def decode(code: str) -> set[int]:
    """The documents of one encoded posting list (as search.js's addPostings)."""
    mode, raw = code[0], base64.b64decode(code[1:])
    if mode == "D":
        docs, at = set(), -1
        for gap in raw:
            at += gap
            docs.add(at)
        return docs
    if mode in "HI":
        width = 2 if mode == "H" else 4
        return {int.from_bytes(raw[i:i + width], "little") for i in range(0, len(raw), width)}
    assert mode == "B", mode
    number = int.from_bytes(raw, "little")
    return {i for i in range(number.bit_length()) if number >> i & 1}


class Reader:
    """The index files read back, with search.js's matching done in Python."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.loaded: set[str] = set()
        self.meta = self.load("meta")

    def load(self, name: str):
        """The data of search/<name>.js, remembering that it was loaded."""
        self.loaded.add(f"search/{name}.js")
        found, data = script_data(self.files[f"search/{name}.js"])
        assert found == name
        return data

    def shard(self, char: str) -> dict | None:
        """The shard of keys starting with `char`, as search.js finds it (None when absent)."""
        bits = self.meta["bits"]
        number = ((ord(char) * 0x9E3779B1) & 0xFFFFFFFF) >> (32 - bits)
        present = int(self.meta["shards"], 16) >> number & 1
        name = f"k/{number:0{(bits + 3) // 4}x}"
        assert bool(present) == (f"search/{name}.js" in self.files)
        return self.load(name) if present else None

    def lookup(self, prefix: str, exact: bool) -> dict[str, set[int]]:
        """For each field, the documents of keys starting with `prefix` (or equal to it)."""
        shard = self.shard(prefix[0]) or {"body": {}, "title": {}, "tags": {}, "whole": {}}
        sets = {field: set().union(*(decode(code) for key, code in shard[field].items()
                                     if (key == prefix if exact else key.startswith(prefix))))
                for field in ("body", "title", "tags")}
        sets["whole"] = decode(shard["whole"][prefix]) if prefix in shard["whole"] else set()
        return sets

    def record(self, doc: int) -> list:
        """url, kind, title, date, tags of a document."""
        size = self.meta["docBlock"]
        return self.load(f"d/{doc // size}")[doc % size]

    def shown(self, doc: int) -> list:
        """url, kind, title, date, tags and text of a document (what a result shows)."""
        size = self.meta["textBlock"]
        return self.load(f"x/{doc // size}")[doc % size]

    def text(self, doc: int) -> str:
        """The plain text of a document."""
        return self.shown(doc)[5]

    def term_sets(self, term: str) -> dict[str, set[int]]:
        """For each field, the documents that hold the term (candidates checked as search.js does)."""
        size = self.meta["keyLength"]
        if len(term) <= size:
            return self.lookup(term, exact=False)
        pieces = [self.lookup(term[i:i + size], exact=True) for i in range(len(term) - size + 1)]  # windows
        sets = {f: set.intersection(*(p[f] for p in pieces)) for f in ("body", "title", "tags")}
        title = {d for d in sets["title"] if term in fold(self.record(d)[2])}
        tags = {d for d in sets["tags"] if term in fold(" ".join(self.record(d)[4]))}
        body = {d for d in sets["body"] - title - tags if term in fold(self.text(d))}
        return {"body": body, "title": title, "tags": tags, "whole": self.lookup(term, exact=True)["whole"]}

    def search(self, query: str) -> list[str]:
        """URLs of the documents matching the query, in search.js's order."""
        return [self.record(doc)[0] for doc in self.order(query)]

    def order(self, query: str) -> list[int]:
        """Numbers of the documents matching the query, in search.js's order."""
        terms = sorted(set(units_of(query)), key=len, reverse=True)
        if not terms:
            return []
        per_term = [self.term_sets(t) for t in terms]
        match = set.intersection(*(s["body"] | s["title"] | s["tags"] for s in per_term))
        phrase = "".join(units_of(query))
        in_title = set.intersection(*(s["title"] for s in per_term))
        named = set.intersection(*(s["title"] | s["tags"] for s in per_term))
        phrase_sets = self.term_sets(phrase) if len(terms) > 1 else per_term[0]
        levels = [phrase_sets["whole"] & match, phrase_sets["title"] & match, in_title, named, match]
        order, taken = [], set()
        for level in levels:
            order += sorted(level - taken, reverse=True)
            taken |= level
        return order


def naive(entries: Sequence[SearchEntry], query: str) -> set[str]:
    """URLs of the entries holding every term of the query, by plain substring search."""
    terms = units_of(query)
    if not terms:
        return set()
    return {e.url for e in entries
            if all(t in fold(f"{e.title}\n{' '.join(e.tags)}\n{resolve(e)[0]}") for t in terms)}
