"""Helpers for the test suite: building sites with a fixed clock, comparing trees with goldens."""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import hashlib
import shutil
import sqlite3
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


def seed_images(source: Path, cache_dir: Path) -> None:
    """Give a fresh build cache the derived images of an earlier build (files and sets), not its
    originals' stamps and digests, so a build still reads and digests every photo it shows.

    Derived images are a pure function of an original's bytes (test_imaging.py and test_media.py
    make them from scratch); the many clean builds of the example site need not make its photos
    again each time (three seconds a build).
    """
    target = cache_dir / "images"
    if not (source / "index.sqlite").is_file() or target.exists():
        return
    shutil.copytree(source, target)
    with contextlib.closing(sqlite3.connect(target / "index.sqlite")) as db:
        db.execute("DELETE FROM originals")
        db.commit()


def html_files(folder: Path) -> list[Path]:
    """Return every built HTML page under folder, sorted."""
    return sorted(folder.rglob("*.html"))


OWN = ".cxsite-manifest"  # cxsite's bookkeeping in the output (generation, file times), not the site
THEME_STATIC = REPO / "cxsite" / "theme" / "static"
# Golden outputs keep a hash of every file, and these representative files in full (to read diffs).
FULL_GOLDEN = (
    "index.html", "bulletins/index.html", "bulletins/1/index.html", "posts/index.html",
    "branches/houqin/index.html", "events/index.html", "events/dongyuan-dahui/index.html",
    "phases/phase-1/index.html", "honors/index.html", "subscribe/index.html", "archive/index.html",
    "feed.xml", "atom.xml", "events.ics", "sitemap.xml", "404.html", "search/index.html", "search/meta.js",
)


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Return every file of the site under folder as {relative path: bytes} (cxsite's manifest left out)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != OWN}


def compare_golden(actual: Path, golden: Path, update: bool, site: Path | None = None) -> None:
    """Assert that the tree at actual equals the golden (or rewrite the golden).

    The golden is HASHES.txt (every file's digest) plus FULL_GOLDEN files in full;
    the theme's static files are compared with the package's own (unless the site's
    static/ overrides them), so they are not kept twice.
    """
    got = tree_bytes(actual)
    for name, data in list(got.items()):
        theme = THEME_STATIC / name
        if theme.is_file() and not (site is not None and (site / "static" / name).is_file()):
            assert data == theme.read_bytes(), f"{name} differs from cxsite/theme/static/{name}"
            del got[name]
    hashes = "".join(f"{hashlib.sha256(data).hexdigest()[:20]}  {name}\n"
                     for name, data in sorted(got.items()))
    if update:
        if golden.exists():
            shutil.rmtree(golden)
        (golden / "full").mkdir(parents=True)
        (golden / "HASHES.txt").write_text(hashes, encoding="utf-8")
        for name in FULL_GOLDEN:
            if name in got:
                (golden / "full" / name).parent.mkdir(parents=True, exist_ok=True)
                (golden / "full" / name).write_bytes(got[name])
        return
    assert (golden / "HASHES.txt").is_file(), f"no golden output at {golden}; run pytest --update-golden"
    want = dict(line.split("  ", 1)[::-1] for line in (golden / "HASHES.txt").read_text("utf-8").splitlines())
    mine = dict(line.split("  ", 1)[::-1] for line in hashes.splitlines())
    assert sorted(mine) == sorted(want), _file_set_diff(mine, want)
    differing = [name for name in sorted(want) if mine[name] != want[name]]
    for name in differing:
        kept = golden / "full" / name
        if kept.is_file():
            diff = difflib.unified_diff(kept.read_text("utf-8", "replace").splitlines(),
                                        got[name].decode("utf-8", "replace").splitlines(),
                                        f"golden/{name}", f"built/{name}", lineterm="", n=2)
            raise AssertionError(f"{name} differs from the golden output "
                                 "(pytest --update-golden if intended):\n" + "\n".join(list(diff)[:60]))
    assert not differing, ("these files differ from the golden output (pytest --update-golden if intended): "
                           + ", ".join(differing[:20]))


def _file_set_diff(got: dict, want: dict) -> str:
    """Describe which files are missing or extra compared with the golden tree."""
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    return f"missing: {missing[:20]}\nextra: {extra[:20]}"


def manifest_files(out: Path) -> set[str]:
    """The files cxsite's manifest in out says it wrote (empty without one)."""
    from cxsite.publish.manifest import read_manifest

    manifest, _ = read_manifest(out, str(out))
    return set(manifest.files) if manifest else set()
