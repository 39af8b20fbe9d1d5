"""Shared pytest set-up: the --update-golden switch and builds shared by several test files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from cxsite.build import BuildResult

from support import EXAMPLE, SAMPLE, build_at


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/ and expected problem files from the current output")


@pytest.fixture
def update_golden(request) -> bool:
    """Whether golden files are to be rewritten instead of compared."""
    return request.config.getoption("--update-golden")


@dataclass(frozen=True)
class Built:
    """A site built once for the session: the build's result and its output folder."""

    result: BuildResult
    out: Path


def _build_once(tmp_path_factory, root: Path, name: str) -> Built:
    """Build a site with the fixed clock into a fresh folder; fail loudly on problems."""
    out = tmp_path_factory.mktemp(name) / "public"
    result = build_at(root, out)
    assert result.ok, "\n".join(p.format() for p in result.problems)
    return Built(result, out)


@pytest.fixture(scope="session")
def example_build(tmp_path_factory) -> Built:
    """The repository's example site, built once (read-only for tests)."""
    return _build_once(tmp_path_factory, EXAMPLE, "example")


@pytest.fixture(scope="session")
def example_images(example_build) -> Path:
    """The derived images of the example site, made once (see support.seed_images)."""
    return example_build.out.parent / ".public-cache" / "images"


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> Built:
    """tests/sites/sample, built once (read-only for tests)."""
    return _build_once(tmp_path_factory, SAMPLE, "sample")
