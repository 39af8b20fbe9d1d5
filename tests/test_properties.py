"""Property tests: whatever bytes or YAML a writer's file holds, the readers return values or problems.

They never raise. Examples are derandomized so a run is repeatable, and never timed.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxsite.authoring.scaffold import yaml_text
from cxsite.content.config import STAND_IN, read_config
from cxsite.content.schema import check_fields
from cxsite.content.sources import Checked, parse_document, parse_records
from cxsite.content.syntax import (
    CONTROL,
    FrontMatter,
    YamlValue,
    decode_source,
    parse_yaml,
    split_front_matter,
)
from cxsite.problem import Problem
from cxsite.site.records import BUILT_IN_KINDS

TZ = ZoneInfo("Asia/Shanghai")
PROPERTY = settings(max_examples=300, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# Pieces writers (and their editors) put into front matter, good and bad.
TOKENS = [
    "title", "issue", "date", "branches", "events", "tags", "id", "name", "summary", "tittle", "标题",
    ":", ": ", "：", " ", "  ", "\t", "\n", "\n  ", "- ", "-", "[", "]", "{", "}", ",", "，", "'", '"',
    "&a ", "*a", "|", ">", "#", "---", "...", "? ", "!!python/object ", "!x ", "%", "@", "`", "\x07",
    "\u3000", "\ufeff", "\r\n", "2010-07-08", "2010-02-30", "2010年7月8日", "7月8日", "2010.7.8", "14:30",
    "第3期", "0", "-1", "3", "2.5", "0x1F", "1e9999", "true", "否", "~", "null", "houqin", "all", "动员部署",
]
yaml_like = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)
any_text = st.text(max_size=200)
scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


def assert_problems(problems) -> None:
    """Problems are located Problem values with a Chinese message."""
    assert isinstance(problems, list | tuple)
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.message and problem.severity in ("error", "warning")
        assert problem.line is None or problem.line >= 1
        assert problem.column is None or problem.column >= 1


@PROPERTY
@given(st.binary(max_size=300))
def test_decoding_any_bytes_gives_text_or_problems(data):
    text, problems = decode_source(data, "a.md")
    assert_problems(problems)
    assert (text is None) == any(p.is_error for p in problems)  # a text comes with warnings at most
    if text is not None:
        assert "\r" not in text and not text.startswith("\ufeff")
        assert not CONTROL.search(text)  # control characters never reach a page or a feed


@PROPERTY
@given(st.one_of(any_text, yaml_like.map(lambda t: "---\n" + t), yaml_like.map(lambda t: f"---\n{t}\n---\n")))
def test_splitting_any_text_gives_front_matter_or_problems(text):
    front, problems = split_front_matter(text, "a.md")
    assert_problems(problems)
    assert (front is None) == bool(problems)
    if front is not None:
        assert isinstance(front, FrontMatter) and front.body_line > front.header_line


@PROPERTY
@given(st.one_of(yaml_like, any_text), st.integers(min_value=1, max_value=50))
def test_parsing_any_yaml_gives_a_value_or_problems(text, first_line):
    data, problems = parse_yaml(text, "a.yaml", first_line, {"标题": "title"})
    assert_problems(problems)
    assert data is not None or problems
    lines = text.count("\n") + text.count("\r") + 2
    for problem in problems:
        assert first_line <= (problem.line or first_line) <= first_line + lines
    if data is not None:
        assert isinstance(data, YamlValue)


@PROPERTY
@given(values)
def test_parsing_dumped_yaml_gives_back_a_value(value):
    data, problems = parse_yaml(yaml.safe_dump(value, allow_unicode=True), "a.yaml")
    assert_problems(problems)
    assert data is not None or problems


KINDS = {kind.name: kind for kind in BUILT_IN_KINDS}


@PROPERTY
@given(st.sampled_from(sorted(KINDS)), st.dictionaries(
    st.sampled_from(sorted({f.name for k in KINDS.values() for f in k.fields} | {"tittle", "标题"})),
    values, max_size=8))
def test_checking_any_values_against_any_kind_gives_values_or_problems(kind, raw):
    read, problems = check_fields(YamlValue(raw, {(): (2, 1)}), KINDS[kind], "a.md", TZ)
    assert_problems(problems)
    assert isinstance(read, dict) and set(read) <= {f.name for f in KINDS[kind].fields}
    assert all(p.path == "a.md" for p in problems)


@PROPERTY
@given(st.sampled_from(["bulletin", "post", "page"]), st.one_of(
    st.binary(max_size=300), yaml_like.map(lambda t: f"---\n{t}\n---\n\n正文".encode()),
    yaml_like.map(lambda t: f"---\n{t}\n---\n".encode("gb18030", "replace"))))
def test_reading_any_document_gives_items_or_problems(kind, data):
    checked = parse_document(data, "content/x/a.md", KINDS[kind], STAND_IN, "a")
    assert isinstance(checked, Checked)
    assert_problems(checked.problems)
    assert checked.items or any(p.is_error for p in checked.problems)


@PROPERTY
@given(st.sampled_from(["branches", "events", "honors", "phases"]), st.booleans(), st.one_of(
    st.binary(max_size=300), yaml_like.map(str.encode),
    st.lists(st.dictionaries(st.sampled_from(["id", "name", "title", "date", "start", "end", "branch"]),
                             scalars, max_size=5), max_size=3).map(
        lambda v: yaml.safe_dump(v, allow_unicode=True).encode())))
def test_reading_any_record_file_gives_records_or_problems(kind, list_form, data):
    checked = parse_records(data, f"content/{kind}.yaml", KINDS[kind], STAND_IN, None if list_form else "a")
    assert isinstance(checked, Checked)
    assert_problems(checked.problems)
    if not checked.items and not checked.problems:  # only an empty list holds nothing and is right
        assert parse_yaml(data.decode("utf-8-sig"), "a.yaml")[0].value == []


@PROPERTY
@given(st.dictionaries(st.sampled_from(["title", "organization", "base_url", "timezone", "menu", "pagination",
                                        "feeds", "markdown", "slugs", "bulletin", "intro", "tittle"]),
                       values, max_size=8))
def test_reading_any_site_yaml_gives_a_config(raw):
    config, problems = read_config(YamlValue(raw, {(): (1, 1)}))
    assert_problems(problems)
    assert config is not None
    assert isinstance(config.tz, dt.tzinfo)


@PROPERTY
@given(st.text(min_size=1, max_size=60).filter(lambda t: t.strip() == t and "\n" not in t and "\r" not in t))
def test_any_title_survives_the_front_matter_cxsite_new_writes(title):
    data, problems = parse_yaml(f"title: {yaml_text(title)}\n", "a.md")
    assert problems == []
    assert data.value == {"title": title}
