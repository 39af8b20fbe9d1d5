"""Same input, same bytes: across output folders, processes and hash seeds."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from support import EXAMPLE, REPO, SAMPLE, build_at, tree_bytes

# Builds a site in a fresh interpreter, so set and dict orders come from another hash seed.
CHILD = """
import sys
sys.path.insert(0, sys.argv[3])
from pathlib import Path
from support import build_at
result = build_at(Path(sys.argv[1]), Path(sys.argv[2]))
sys.exit(0 if result.ok else 1)
"""




def test_two_builds_into_different_folders_are_byte_identical(tmp_path):
    first = build_at(EXAMPLE, tmp_path / "one")
    second = build_at(EXAMPLE, tmp_path / "deeper" / "two")
    assert first.ok and second.ok
    assert tree_bytes(tmp_path / "one") == tree_bytes(tmp_path / "deeper" / "two")


def test_rebuilding_in_place_changes_nothing(tmp_path):
    out = tmp_path / "out"
    assert build_at(SAMPLE, out).ok
    before = tree_bytes(out)
    assert build_at(SAMPLE, out).ok
    assert tree_bytes(out) == before


@pytest.mark.parametrize("root", [EXAMPLE, SAMPLE], ids=["example", "sample"])
def test_other_hash_seeds_give_the_same_bytes(root, tmp_path):
    assert build_at(root, tmp_path / "here").ok
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
        subprocess.run([sys.executable, "-c", CHILD, str(root), str(tmp_path / seed), str(REPO / "tests")],
                       env=env, check=True, cwd=tmp_path)
        assert tree_bytes(tmp_path / seed) == tree_bytes(tmp_path / "here"), f"PYTHONHASHSEED={seed}"
