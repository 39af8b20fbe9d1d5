"""Invalid sample sites: each broken case gives exactly the expected lines, and the old output survives.

Every folder under tests/sites/invalid/ is a small site with one kind of mistake
(a few also show what is accepted). `expected.txt` holds the exact stderr lines
of `cxsite build`; `expected-check.txt` those of `cxsite check` where they differ
by more than the last line. `pytest --update-golden` rewrites both.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxsite.cli import cli

from support import REPO, build_at, tree_bytes

INVALID = REPO / "tests" / "sites" / "invalid"
CASES = sorted(p.name for p in INVALID.iterdir() if p.is_dir())
BUILD_FAILED = "生成失败，输出文件夹保持不变。"
CHECK_FAILED = "检查未通过。"
ENV = {"SOURCE_DATE_EPOCH": "1288584000"}  # 2010-11-01, as in support.FIXED_NOW

# The cases DESIGN §3 and issue 3 name; each must keep its sample site.
REQUIRED = {
    "yaml-unclosed-bracket", "yaml-colon-in-value", "yaml-unclosed-quote", "yaml-bad-indent",
    "fullwidth-colon", "fullwidth-colon-chinese-key", "tab-indent", "unclosed-front-matter",
    "front-matter-runs-into-body", "missing-front-matter", "empty-files", "encoding-gbk", "encoding-utf16",
    "bom-and-crlf-accepted", "missing-required", "misspelt-keys", "wrong-types", "list-as-text",
    "dates-impossible", "dates-unrecognised", "issue-not-positive", "duplicate-issue",
    "duplicate-id-list-and-folder", "duplicate-url", "unknown-references", "issue-gap", "yaml-aliases",
    "slug-and-id-characters", "broken-links", "config-and-content", "duplicate-key", "end-before-start",
    "records-not-a-list", "outside-references", "one-mistake-one-line", "issue-dates-out-of-order",
    "media-files",  # issue 14: photos, covers and attachments missing, damaged, HEIC or elsewhere; share.qr
}


@pytest.fixture(scope="session")
def previous_output(tmp_path_factory) -> Path:
    """An output folder as an earlier good build of the example site left it."""
    out = tmp_path_factory.mktemp("previous") / "public"
    result = build_at(REPO, out, cache_dir=out.parent / "cache", jobs=1)
    assert result.ok, result.problems
    return out


def run(*args) -> tuple[int, list[str]]:
    """Run the cxsite command line; return its exit status and stderr lines."""
    result = CliRunner().invoke(cli, [str(a) for a in args], env=ENV, catch_exceptions=False)
    return result.exit_code, result.stderr.splitlines()


def read_lines(path: Path) -> list[str] | None:
    """Return a golden file's lines, or None when it does not exist."""
    return path.read_text(encoding="utf-8").splitlines() if path.is_file() else None


def write_lines(path: Path, lines: list[str]) -> None:
    """Rewrite a golden file."""
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def as_check(build_lines: list[str]) -> list[str]:
    """What `cxsite check` prints when it finds what the build found: only the last line differs."""
    if build_lines and build_lines[-1] == BUILD_FAILED:
        return [*build_lines[:-1], CHECK_FAILED]
    return build_lines


def test_every_required_case_has_a_site():
    assert set(CASES) >= REQUIRED, sorted(REQUIRED - set(CASES))


@pytest.mark.parametrize("case", CASES)
def test_invalid_site(case, tmp_path, previous_output, update_golden):
    site = tmp_path / "site"
    shutil.copytree(INVALID / case, site, ignore=shutil.ignore_patterns("expected*.txt"))
    out = tmp_path / "public"
    shutil.copytree(previous_output, out)
    before = tree_bytes(out)

    build_status, build_lines = run("build", "-C", site, "-o", out)
    check_status, check_lines = run("check", "-C", site)

    expected_file, check_file = INVALID / case / "expected.txt", INVALID / case / "expected-check.txt"
    if update_golden:
        write_lines(expected_file, build_lines)
        if check_lines != as_check(build_lines):
            write_lines(check_file, check_lines)
        elif check_file.exists():
            check_file.unlink()
    expected = read_lines(expected_file)
    assert expected is not None, f"{expected_file} is missing; run pytest --update-golden"
    assert build_lines == expected
    if expected and expected[-1] == BUILD_FAILED:
        assert build_status == 1
        assert tree_bytes(out) == before, "a failed build changed the previous output"
    else:
        assert build_status == 0
    expected_check = read_lines(check_file) or as_check(expected)
    assert check_lines == expected_check
    assert check_status == (1 if expected_check and expected_check[-1] == CHECK_FAILED else 0)
