"""Versions of cxsite to benchmark side by side: a label, a Python executable, and site settings.

A variant is written `LABEL=PYTHON[:OPTION=VALUE...]` on the command line, e.g.
`before=/tmp/cxsite-before/.venv/bin/python` or `fast=/work/main/.venv/bin/python:engine=fast`.
Options: `engine=NAME` writes `markdown: {engine: NAME}` into the variant's copy of site.yaml;
`pythonpath=DIR` imports cxsite from DIR (a worktree) instead of what the Python has installed.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

OPTIONS = ("engine", "pythonpath")
# What a build leaves in a site folder, and what a checkout beside it holds; a variant's copy has none.
BUILT = ("public", ".cxsite-cache", ".git", ".venv", "__pycache__")
# Run by the variant's own Python: where its cxsite is imported from, and its version.
# Importing cxsite.__main__ (guarded, so nothing runs) checks that `python -m cxsite` can start.
PROBE = ("import pathlib, cxsite, cxsite.__main__; print(pathlib.Path(cxsite.__file__).parent); "
         "print(getattr(cxsite, '__version__', '?'))")


@dataclass(frozen=True)
class Variant:
    """One cxsite to time: which Python runs it, where cxsite comes from, which engine it uses."""

    label: str
    python: Path
    engine: str | None = None
    pythonpath: str | None = None

    def command(self, *arguments: str) -> list[str]:
        """The command line running `cxsite ARGUMENTS...` with this variant's Python."""
        return [str(self.python), "-m", "cxsite", *arguments]

    def environment(self) -> dict[str, str]:
        """The environment of this variant's processes: the caller's, with PYTHONPATH its own."""
        # An inherited PYTHONPATH (a worktree) would shadow the frozen install of another variant.
        env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
        if self.pythonpath:
            env["PYTHONPATH"] = self.pythonpath
        return env

    def describe(self) -> str:
        """The variant as given: Python and options."""
        options = "".join(f", {name} {getattr(self, name)}" for name in OPTIONS if getattr(self, name))
        return f"{self.python}{options}"

    def prepare(self, pristine: Path, folder: Path) -> None:
        """Make folder a fresh copy of the pristine site, with this variant's settings in site.yaml."""
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(pristine, folder, ignore=shutil.ignore_patterns(*BUILT))
        if self.engine:
            set_engine(folder / "site.yaml", self.engine)


@dataclass(frozen=True)
class Installed:
    """Where a variant's cxsite is imported from, its version and (for a checkout) its revision."""

    package: Path
    version: str
    revision: str


def parse_variant(spec: str) -> Variant:
    """Read `LABEL=PYTHON[:OPTION=VALUE...]` (raises ValueError with a message when malformed)."""
    label, equals, rest = spec.partition("=")
    if not equals or not re.fullmatch(r"[A-Za-z0-9_.-]+", label):
        raise ValueError(f"{spec!r}: expected LABEL=PYTHON[:engine=NAME][:pythonpath=DIR], "
                         "LABEL made of letters, digits, '_', '.', '-'")
    python, *pairs = rest.split(":")
    options: dict[str, str] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if name not in OPTIONS or not equals or not value:
            raise ValueError(f"{spec!r}: unknown option {pair!r} (known: {', '.join(OPTIONS)})")
        options[name] = value
    if not os.access(python, os.X_OK):
        raise ValueError(f"{spec!r}: {python} is not an executable Python")
    return Variant(label, Path(python), **options)


def default_variant() -> Variant:
    """The cxsite of the Python running the benchmark (and its PYTHONPATH, if one is set)."""
    return Variant("cxsite", Path(sys.executable), pythonpath=os.environ.get("PYTHONPATH") or None)


def set_engine(site_yaml: Path, engine: str) -> None:
    """Write `markdown: {engine: ENGINE}` into a site.yaml, keeping its other settings."""
    settings = yaml.safe_load(site_yaml.read_text(encoding="utf-8")) or {}
    settings.setdefault("markdown", {})["engine"] = engine
    site_yaml.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")


def probe(variant: Variant, folder: Path) -> Installed:
    """Ask the variant's Python which cxsite it imports (from folder, as the timed runs do)."""
    found = subprocess.run([str(variant.python), "-c", PROBE], cwd=folder, env=variant.environment(),
                           capture_output=True, text=True)
    if found.returncode != 0:
        raise SystemExit(f"{variant.label}: {variant.python} cannot import cxsite:\n{found.stderr}")
    package, version = found.stdout.split("\n")[:2]
    return Installed(Path(package), version, revision_of(Path(package)))


def revision_of(package: Path) -> str:
    """The git commit of a package tracked in a checkout, '+ changes' when it differs; '' otherwise."""

    def git(*arguments: str) -> str:
        """Run git in the package's folder; its output, or '' when git fails."""
        try:
            done = subprocess.run(["git", "-C", str(package), *arguments], capture_output=True, text=True)
        except OSError:  # no git on this machine
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    # An installed copy may lie inside a checkout (a venv in a worktree) without being tracked there.
    if not git("ls-files", "--", "__init__.py"):
        return ""
    commit = git("rev-parse", "--short", "HEAD")
    return commit + (" + changes" if git("status", "--porcelain", "--", ".") else "")


def digest_output(folder: Path) -> tuple[int, str]:
    """The number of files in a built site's output and a digest of their names and bytes."""
    digest, count = hashlib.sha256(), 0
    for path in sorted((folder / "public").rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
            count += 1
    return count, digest.hexdigest()[:12]
