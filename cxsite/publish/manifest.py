"""The manifest in every tree cxsite writes: which files are its own, and which generation the tree is.

It is how cxsite knows what it may replace or delete (only its own files),
and how the writer keeps its spare tree in step with the output (writer.py).
A manifest is data from the disk: every path in it is checked before it is
used, and a manifest someone edited is reported, never obeyed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from cxsite.problem import Problem, warning

MANIFEST = ".cxsite-manifest"
FORMAT = 2
LEGACY_HEADER = "# cxsite manifest v1"


@dataclass(frozen=True)
class Manifest:
    """What one tree holds of cxsite's: its files, its folders' state, its generation."""

    generation: int = 0  # counts the builds committed into this output folder
    files: dict[str, int] = field(default_factory=dict)  # path -> size
    folders: dict[str, int] = field(default_factory=dict)  # folder -> modification time when written
    changed: tuple[str, ...] = ()  # paths written or deleted since the previous generation
    foreign: tuple[str, ...] = ()  # files someone else put in the output, carried over (never deleted)

    def to_text(self) -> str:
        """The manifest as its file holds it (sorted: same tree, same bytes)."""
        return json.dumps({"cxsite": FORMAT, "generation": self.generation, "files": self.files,
                           "folders": self.folders, "changed": sorted(self.changed),
                           "foreign": sorted(self.foreign)},
                          ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


# Anything that could leave the tree or is not written as cxsite writes paths: a segment . or ..,
# an empty segment, a leading or trailing slash, a backslash, a colon (C:, streams), NUL.
_UNSAFE = re.compile(r"(?:^|/)\.\.?(?:/|$)|//|^/|/$|[\\:\x00]")


def is_safe_path(path: object) -> bool:
    """Whether a manifest entry names a file inside the tree: relative, normal, forward slashes."""
    return isinstance(path, str) and bool(path) and not _UNSAFE.search(path)


def read_manifest(tree: Path, shown: str) -> tuple[Manifest | None, list[Problem]]:
    """Read a tree's manifest (None when there is none); entries that leave the tree are reported."""
    try:
        text = (tree / MANIFEST).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, []
    except (OSError, UnicodeDecodeError):
        return Manifest(), [_tampered(shown, "无法读取")]
    if text.startswith(LEGACY_HEADER):  # an older cxsite's list of paths, sizes unknown
        paths = [line for line in text.splitlines()[1:] if line and not line.startswith("#")]
        return _checked(Manifest(files={p: -1 for p in paths}), shown)
    try:
        data = json.loads(text)
        manifest = Manifest(int(data["generation"]), {str(k): int(v) for k, v in data["files"].items()},
                            {str(k): int(v) for k, v in data["folders"].items()},
                            tuple(str(p) for p in data["changed"]),
                            tuple(str(p) for p in data.get("foreign", ())))
    except (ValueError, KeyError, TypeError, AttributeError):
        return Manifest(), [_tampered(shown, "内容无法识别")]
    return _checked(manifest, shown)


def _checked(manifest: Manifest, shown: str) -> tuple[Manifest, list[Problem]]:
    """The manifest without entries that leave its tree, and a warning naming them."""
    every = (*manifest.files, *manifest.folders, *manifest.changed, *manifest.foreign)
    bad = sorted({p for p in every if not is_safe_path(p)})
    if not bad:
        return manifest, []
    files = {p: s for p, s in manifest.files.items() if is_safe_path(p)}
    folders = {p: m for p, m in manifest.folders.items() if is_safe_path(p)}
    changed = tuple(p for p in manifest.changed if is_safe_path(p))
    foreign = tuple(p for p in manifest.foreign if is_safe_path(p))
    listed = "、".join(bad[:3]) + (f" 等 {len(bad)} 项" if len(bad) > 3 else "")
    problem = _tampered(shown, f"含有指向文件夹以外的路径（{listed}），这些项已忽略")
    # Without trustworthy entries the spare tree cannot be trusted either: the writer resyncs it.
    return Manifest(-1, files, folders, changed, foreign), [problem]


def _tampered(shown: str, why: str) -> Problem:
    """A manifest that is not as cxsite wrote it."""
    return warning(f"{shown}/{MANIFEST}", None, f"cxsite 的清单文件{why}",
                   "这个文件由 cxsite 维护，请不要编辑；cxsite 只会删除清单里、且在输出文件夹内的文件")
