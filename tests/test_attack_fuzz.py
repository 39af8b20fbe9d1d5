"""Issue 15, fuzzing whole builds: random front matter, records, site.yaml, Markdown and file names.

Every generated site is built with the real command line (in this process,
through click's CliRunner, for speed): the build must exit 0 or 1, never
raise, never print a traceback, and a refusal must name a file. Builds share
one project folder, so cxsite's cache (compiled templates) is reused; each
example gets a fresh output folder.

By default about 300 builds run (enough for CI); CXSITE_FUZZ_EXAMPLES=2000
runs 2,000, split evenly over the four tests. The examples are the same on
every run (derandomised) unless CXSITE_FUZZ_RANDOM is set; CXSITE_FUZZ_SHRINK
makes Hypothesis shrink a failing site to a minimal one (slow).
"""

from __future__ import annotations

import itertools
import os
import random
import shutil
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from attack_support import HANG_SECONDS, MINIMAL, internal_error, located
from attack_vectors import build_in_process

TOTAL = int(os.environ.get("CXSITE_FUZZ_EXAMPLES", "300"))
# Shrinking a failure costs hundreds of builds; it is off unless CXSITE_FUZZ_SHRINK is set (the
# failure message shows the whole generated site either way).
_PHASES = [Phase.explicit, Phase.reuse, Phase.generate] + (
    [Phase.shrink] if os.environ.get("CXSITE_FUZZ_SHRINK") else []
)
FUZZ = settings(
    max_examples=max(1, TOTAL // 4),
    deadline=None,
    derandomize=not os.environ.get("CXSITE_FUZZ_RANDOM"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
    phases=_PHASES,
)

ODD_TEXT = ["", " ", "：", "标题：全角冒号", "2010-07-08", "2010年7月8日", "2010-13-45", "9999-12-31",
            "0001-01-01", "2010-07-08 25:61", "yes", "no", "null", "~", "[]", "{}", "- a", "*x", "&a", "%",
            "@", "`", "|", ">", "\t", "\x0b", "\n", "\r\n", "\x00", "\u2028", "\ufeff",
            "<script>alert(1)</script>", "[x](javascript:alert(1))", "../pages/a.md", "C:\\photos\\a.jpg",
            "/img/a.svg", "𠀀", "😀", "all", "全院", "-1", "0", "1e309", "0x1F", "1_000", ".inf", ".nan",
            "é" * 200, "长" * 300]
KNOWN_KEYS = ["title", "issue", "date", "summary", "author", "branches", "events", "tags", "distribution",
              "copies", "cover", "attachments", "draft", "category", "slug", "weight", "menu", "id", "name",
              "kind", "theme", "secretary", "members", "sections", "goals", "description", "end", "time",
              "location", "participants", "phase", "bulletin", "photos", "level", "awarded_by", "recipient",
              "branch", "start"]
ODD_YAML = ["title: 标题：全角", "title:\t制表符", "title: [未闭合", "title: '未闭合", "a: &x 1\nb: *x",
            "<<: *nothing", "? 复杂键\n: 值", "title: !!binary aGVsbG8=",
            "title: !!python/object/apply:os.system ['true']", "title: !custom 值", "---", "...",
            "title: a\ntitle: b", "  缩进错误: 1", "- 列表\n- 项", "[1, 2", "title: >\n  折叠\n  文字",
            "title: |\n  保留\n  换行", "键 带空格: 值", "123: 数字键", "date: 2010-07-08T14:30:00+08:00",
            "issue: 1.5", "issue: '2'", "draft: 是", "tags: 甲, 乙", "a: " + "{b: " * 21 + "1" + "}" * 21]
MARKDOWN = ["# ", "## ", "\n", "\n\n", "> ", "- ", "1. ", "```", "`", "*", "**", "_", "~~", "[", "](", ")",
            "![", "<", ">", "&", "&#106;", "&amp;", "|", "| --- |", "---", "[^1]", "[^1]: ", "<div>",
            "</div>", "<img src=x onerror=alert(1)>", "http://example.org/", "www.example.org",
            "../pages/a.md", "/img/a.svg", "002.md", "中文", "《创先争优》", "“引号”", "\t", "\r\n", "\x00",
            "\x0b", "    ", "\\", "[x]: /a", "{{ x }}", "{% if %}", "- [ ] ", "- [x] ", "!!! note", ":::",
            "$$", "<!--", "-->"]


def _text() -> st.SearchStrategy[str]:
    """Short texts: odd ones a writer or a tool could produce, and arbitrary Unicode."""
    return st.one_of(
        st.sampled_from(ODD_TEXT), st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
    )


def _words() -> st.SearchStrategy[str]:
    """A text that is not blank (a title or a name)."""
    return _text().filter(lambda text: text.strip())


def _values() -> st.SearchStrategy:
    """YAML values of every shape: scalars, lists, nested mappings."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True),
        _text(),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_text(), inner, max_size=4)),
        max_leaves=8,
    )


def _mapping() -> st.SearchStrategy[dict]:
    """A mapping of random keys (known ones among them) and values of any shape."""
    return st.dictionaries(st.one_of(st.sampled_from(KNOWN_KEYS), _text()), _values(), max_size=8)


DATES = ["2010-07-08", "2010-07-08 14:30", "2010年7月8日", "9999-12-31", "0001-01-01", "9999-12-31 23:59",
         "0001-01-01 00:00", "2010-02-30", "2010-07", "2010", "2010-07-08T14:30", "2010-12-31 23:59"]


def _date() -> st.SearchStrategy:
    """A date as writers write them, the calendar's ends among them."""
    return st.one_of(
        st.sampled_from(DATES),
        st.dates().map(str),
        st.datetimes().map(lambda d: d.strftime("%Y-%m-%d %H:%M")),
    )


def _ids(pool: list[str]) -> st.SearchStrategy:
    """References to records: mostly known ids (and all), now and then an unknown or odd one."""
    odd = st.one_of(st.from_regex(r"[a-z0-9-]{1,10}", fullmatch=True), _text())
    return st.lists(
        st.one_of(st.sampled_from(pool), st.sampled_from(pool), st.sampled_from(pool), odd), max_size=2
    )


def _texts() -> st.SearchStrategy:
    """A list of short texts."""
    return st.lists(_text(), max_size=3)


BRANCH_IDS, EVENT_IDS, PHASE_IDS = ["yulin", "b1", "all"], ["e1", "e2"], ["p1", "p2"]
_ID = st.one_of(
    st.sampled_from(BRANCH_IDS + EVENT_IDS + PHASE_IDS), st.from_regex(r"[a-z0-9-]{1,10}", fullmatch=True)
)
# kind -> key -> (strategy, required): the content contract, values drawn mostly of the right shape.
SHAPES = {
    "bulletins": {
        "title": (_words(), True),
        "issue": (st.integers(0, 9), True),
        "date": (_date(), True),
        "summary": (_text(), False),
        "author": (_text(), False),
        "branches": (_ids(BRANCH_IDS), False),
        "events": (_ids(EVENT_IDS), False),
        "tags": (_texts(), False),
        "distribution": (_texts(), False),
        "draft": (st.booleans(), False),
        "cover": (_text(), False),
    },
    "posts": {
        "title": (_words(), True),
        "date": (_date(), True),
        "category": (_text(), False),
        "slug": (_ID, False),
        "summary": (_text(), False),
        "tags": (_texts(), False),
        "branches": (_ids(BRANCH_IDS), False),
    },
    "pages": {
        "title": (_words(), True),
        "slug": (_ID, False),
        "weight": (st.integers(-5, 5), False),
        "menu": (st.one_of(st.booleans(), _text()), False),
    },
    "branches": {
        "id": (st.sampled_from(BRANCH_IDS[:2]) | _ID, True),
        "name": (_words(), True),
        "kind": (_text(), False),
        "theme": (_text(), False),
        "members": (st.integers(-1, 99), False),
        "sections": (_texts(), False),
        "goals": (_texts(), False),
        "description": (_text(), False),
    },
    "events": {
        "id": (st.sampled_from(EVENT_IDS) | _ID, True),
        "title": (_words(), True),
        "date": (_date(), True),
        "end": (_date(), False),
        "time": (st.sampled_from(["14:30", "14:30-17:30", "25:00", "下午"]), False),
        "location": (_text(), False),
        "kind": (_text(), False),
        "branches": (_ids(BRANCH_IDS), False),
        "phase": (st.sampled_from(PHASE_IDS) | _text(), False),
        "bulletin": (st.integers(-1, 4), False),
        "participants": (st.integers(-1, 99), False),
        "summary": (_text(), False),
    },
    "honors": {
        "title": (_words(), True),
        "date": (_date(), True),
        "level": (_text(), False),
        "recipient": (_text(), False),
        "branch": (st.sampled_from(BRANCH_IDS) | _text(), False),
    },
    "phases": {
        "id": (st.sampled_from(PHASE_IDS) | _ID, True),
        "name": (_words(), True),
        "start": (_date(), True),
        "end": (_date(), True),
        "summary": (_text(), False),
        "goals": (_texts(), False),
    },
}


_SEEDS = st.integers(0, 2**64)


class Dice:
    """The structural choices of one generated site: which keys, which mutations, how wild.

    Hypothesis favours small and boundary values, which would make rare
    mutations common; one Random per site, seeded from the drawn data, decides
    evenly and the same way again when Hypothesis replays the example.
    """

    def __init__(self, seed: int):
        self.random = random.Random(seed)
        self.wild = self.random.random() < 0.25  # one site in four is wild

    def chance(self, probability: float) -> bool:
        """A yes with this probability."""
        return self.random.random() < probability


@st.composite
def _shaped(draw, kind: str, dice: Dice) -> dict:
    """A front matter or record of a kind: the contract's keys and shapes, broken more often when wild.

    Tame sites mostly pass validation, so that odd values reach rendering, feeds
    and calendars; wild ones mostly test validation itself.
    """
    keep_required, wrong_shape, extra_key = (0.8, 0.1, 0.25) if dice.wild else (0.99, 0.01, 0.05)
    data = {}
    for key, (strategy, required) in SHAPES[kind].items():
        if dice.chance(keep_required if required else 0.4):
            data[key] = draw(_values() if dice.chance(wrong_shape) else strategy)
    if dice.chance(extra_key):
        data[draw(st.one_of(st.sampled_from(KNOWN_KEYS), _text()))] = draw(_values())
    return data


@st.composite
def _odd_lines(draw, dice: Dice) -> list[str]:
    """Now and then (often when wild) one odd raw YAML line."""
    return [draw(st.sampled_from(ODD_YAML))] if dice.chance(0.25 if dice.wild else 0.02) else []


def _yaml_text(data, odd: list[str]) -> str:
    """YAML text for data, with odd raw lines mixed in."""
    try:
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False) if data else ""
    except yaml.YAMLError:
        text = ""
    return text + "".join(f"{line}\n" for line in odd)


@st.composite
def _front_matter(draw, kind: str, dice: Dice) -> str:
    """A front-matter block of a document kind (when wild, now and then without its closing fence)."""
    close = not (dice.wild and dice.chance(0.1))
    return (
        "---\n" + _yaml_text(draw(_shaped(kind, dice)), draw(_odd_lines(dice))) + ("---\n" if close else "")
    )


def _markdown(dice: Dice) -> st.SearchStrategy[str]:
    """A Markdown body made of syntax pieces and text (NUL bytes only when wild: see the inputs tests)."""
    body = st.lists(st.one_of(st.sampled_from(MARKDOWN), _text()), max_size=25).map("".join)
    return body if dice.wild else body.map(lambda text: text.replace("\x00", ""))


_NAME_CHARS = st.characters(exclude_characters="/\x00", exclude_categories=("Cs",))


def _file_name(suffix: str) -> st.SearchStrategy[str]:
    """A file name a zip or a writer could make (no / or NUL, at most 200 bytes)."""
    return (
        st.text(_NAME_CHARS, min_size=1, max_size=20)
        .filter(lambda n: n not in (".", "..") and len((n + suffix).encode()) <= 200)
        .map(lambda n: n + suffix)
    )


def _encoding(dice: Dice) -> st.SearchStrategy[str]:
    """How a file's text is saved: UTF-8, with a BOM, with CRLF; when wild, sometimes GBK."""
    return st.sampled_from(["utf-8"] * 6 + ["utf-8-sig", "crlf"] + (["gbk"] if dice.wild else []))


def _encode(text: str, encoding: str) -> bytes:
    """A file's bytes."""
    if encoding == "crlf":
        return text.replace("\n", "\r\n").encode("utf-8", "surrogatepass")
    if encoding == "gbk":
        return text.encode("gbk", "replace")
    return text.encode(encoding, "surrogatepass")


@st.composite
def _documents(draw, dice: Dice) -> dict[str, bytes]:
    """A few bulletins, posts and pages with random names, front matter, bodies and encodings."""
    files = {}
    for folder in ("bulletins", "posts", "pages"):
        for _ in range(draw(st.integers(0, 2))):
            text = draw(_front_matter(folder, dice)) + "\n" + draw(_markdown(dice))
            files[f"content/{folder}/{draw(_file_name('.md'))}"] = _encode(text, draw(_encoding(dice)))
    return files


@st.composite
def _records(draw, dice: Dice) -> dict[str, bytes]:
    """Record files of every kind, in list form or one record per file."""
    files = {}
    for kind in ("branches", "events", "honors", "phases"):
        form = dice.random.choice(["none", "list", "files"])
        if form == "list":
            text = _yaml_text(
                draw(st.lists(_shaped(kind, dice), min_size=1, max_size=3)), draw(_odd_lines(dice))
            )
            files[f"content/{kind}.yaml"] = _encode(text, draw(_encoding(dice)))
        for _ in range(dice.random.randint(1, 2) if form == "files" else 0):
            text = _yaml_text(draw(_shaped(kind, dice)), draw(_odd_lines(dice)))
            files[f"content/{kind}/{draw(_file_name('.yaml'))}"] = _encode(text, draw(_encoding(dice)))
    return files


SITE_KEYS = ["title", "organization", "tagline", "description", "intro", "footer", "base_url", "language",
             "timezone", "menu", "pagination", "feeds", "markdown", "slugs", "bulletin", "stats",
             "extensions", "banner"]
SITE_VALUES = {
    "base_url": [
        "https://lc.example.org/cxcy/",
        "http://[::1",
        "http://[::1]:99999/",
        "ftp://x/",
        "/relative/",
        "https://例子.中国/",
        "https://exa mple.org/",
        "http://localhost:0/",
    ],
    "timezone": ["Asia/Shanghai", "UTC", "Mars/Base", "+08:00", ""],
    "menu": [
        [{"title": "首页", "url": "/"}],
        [{"title": "外部", "url": "https://example.org/"}],
        [{"title": "坏", "url": "javascript:alert(1)"}],
        [{"url": "/"}],
        ["首页"],
        {"首页": "/"},
    ],
    "markdown": [
        {"raw_html": "sanitize"},
        {"raw_html": "escape"},
        {"raw_html": "allow"},
        {"raw_html": 3},
        {"extensions": ["tables", "nonexistent"]},
        "on",
    ],
    "pagination": [10, 0, -1, "十", 10**12, 1.5],
    "extensions": [["cxsite_nonexistent_module"], "os", [""]],
    "feeds": [{"items": 10}, {"items": 0}, {"items": "十"}, {}],
    "slugs": [{"护林防火": "fang-huo"}, {"甲": "Bad Slug"}, {"乙": ""}],
    "bulletin": [{"name": "林场简报"}, {"name": "<script>alert(1)</script>", "issuer": "办公室\n"}],
    "language": ["zh-CN", "en", "", "zh_CN"],
    "stats": [{}, {"logs": ["/nonexistent/access.log"]}],
}


@st.composite
def _site_yaml(draw, dice: Dice) -> bytes:
    """A site.yaml: the required keys usually present, values odd (texts) or of any shape (when wild)."""
    data = {"title": "攻击测试专题", "organization": "测试林场", "base_url": "https://lc.example.org/cxcy/"}
    for key in draw(st.lists(st.sampled_from(SITE_KEYS), max_size=6, unique=True)):
        tame = st.sampled_from(SITE_VALUES[key]) if key in SITE_VALUES else _text()
        data[key] = draw(st.one_of(tame, _values()) if dice.wild else tame)
    if dice.wild:
        for key in draw(st.lists(st.sampled_from(["title", "organization", "base_url"]), max_size=1)):
            data.pop(key, None)
    text = _yaml_text(data, draw(_odd_lines(dice)))
    return _encode(text, draw(_encoding(dice)))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> dict:
    """One project folder for all examples (its cache makes builds fast) and a counter of output folders."""
    return {"root": tmp_path_factory.mktemp("fuzz") / "site", "count": itertools.count()}


def _build(workspace: dict, files: dict[str, bytes | str]) -> None:
    """Write a generated site over the project folder and build it; fail on a crash or a hang."""
    root: Path = workspace["root"]
    for old in ("content", "site.yaml", "static", "layouts"):
        if (root / old).is_dir():
            shutil.rmtree(root / old)
        elif (root / old).exists():
            (root / old).unlink()
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    out = root.parent / f"public-{next(workspace['count'])}"
    started = time.monotonic()
    try:
        outcome = build_in_process(root, out)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    seconds = time.monotonic() - started
    shown = {rel: data[:300] for rel, data in files.items()}
    assert internal_error(outcome) is None, f"internal error: {outcome.text[-1500:]}\nsite: {shown}"
    assert outcome.code in (0, 1), f"exit {outcome.code}\n{outcome.text[-1500:]}\nsite: {shown}"
    if outcome.code == 1:
        assert located(outcome.text), f"exit 1 without naming a file\n{outcome.text[-1500:]}\nsite: {shown}"
    assert seconds <= HANG_SECONDS, (
        f"a build took {seconds:.0f} s (the hang limit is {HANG_SECONDS} s)\n{shown}"
    )


BASE = {
    "site.yaml": MINIMAL["site.yaml"],
    "content/branches.yaml": MINIMAL["content/branches.yaml"],
    "content/events.yaml": "- id: e1\n  title: 动员大会\n  date: 2010-07-16\n  phase: p1\n",
    "content/phases.yaml": "- id: p1\n  name: 第一阶段\n  start: 2010-07-01\n  end: 2010-12-31\n",
}


@FUZZ
@given(seed=_SEEDS, data=st.data())
def test_fuzzed_documents_never_crash_a_build(workspace, seed, data):
    _build(workspace, {**BASE, **data.draw(_documents(Dice(seed)), label="documents")})


@FUZZ
@given(seed=_SEEDS, data=st.data())
def test_fuzzed_records_never_crash_a_build(workspace, seed, data):
    _build(workspace, {**MINIMAL, **data.draw(_records(Dice(seed)), label="records")})


@FUZZ
@given(seed=_SEEDS, data=st.data())
def test_fuzzed_site_yaml_never_crashes_a_build(workspace, seed, data):
    _build(workspace, {**MINIMAL, "site.yaml": data.draw(_site_yaml(Dice(seed)), label="site.yaml")})


@FUZZ
@given(seed=_SEEDS, data=st.data())
def test_fuzzed_whole_sites_never_crash_a_build(workspace, seed, data):
    dice = Dice(seed)
    files = {
        "site.yaml": data.draw(_site_yaml(dice), label="site.yaml"),
        **data.draw(_documents(dice), label="documents"),
        **data.draw(_records(dice), label="records"),
    }
    _build(workspace, files)
