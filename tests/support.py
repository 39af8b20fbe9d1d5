"""Helpers for the test suite: building sites with a fixed clock, comparing trees with goldens."""

from __future__ import annotations

import datetime as dt
import difflib
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

from cxsite.build import BuildOptions, BuildResult, build

REPO = Path(__file__).resolve().parent.parent
SITES = REPO / "tests" / "sites"
GOLDEN = REPO / "tests" / "golden"
EXAMPLE = REPO  # the example campaign site: site.yaml, content/, static/ at the repository root
SAMPLE = SITES / "sample"
# Mid-campaign: phase two is under way and the December events are still ahead.
FIXED_NOW = dt.datetime(2010, 11, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def build_at(root: Path, out: Path, **options) -> BuildResult:
    """Build the site at root into out with the fixed clock."""
    options.setdefault("now", FIXED_NOW)
    # The cache goes beside the output, so tests leave nothing in the site's folder.
    options.setdefault("cache_dir", out.parent / f".{out.name}-cache")
    return build(BuildOptions(root=root, out=out, **options))


def html_files(folder: Path) -> list[Path]:
    """Return every built HTML page under folder, sorted."""
    return sorted(folder.rglob("*.html"))


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Return every file under folder as {relative path: bytes}."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def compare_golden(actual: Path, golden: Path, update: bool) -> None:
    """Assert that the tree at actual equals the golden tree (or rewrite the golden)."""
    if update:
        if golden.exists():
            shutil.rmtree(golden)
        shutil.copytree(actual, golden)
        return
    assert golden.is_dir(), f"no golden output at {golden}; run pytest --update-golden"
    got, want = tree_bytes(actual), tree_bytes(golden)
    assert sorted(got) == sorted(want), _file_set_diff(got, want)
    for name in sorted(want):
        if got[name] != want[name]:
            diff = difflib.unified_diff(
                want[name].decode("utf-8", "replace").splitlines(),
                got[name].decode("utf-8", "replace").splitlines(),
                f"golden/{name}", f"built/{name}", lineterm="", n=2)
            raise AssertionError(f"{name} differs from the golden output "
                                 "(pytest --update-golden if intended):\n" + "\n".join(list(diff)[:60]))


def _file_set_diff(got: dict, want: dict) -> str:
    """Describe which files are missing or extra compared with the golden tree."""
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    return f"missing: {missing[:20]}\nextra: {extra[:20]}"
