"""Shared pytest set-up: the --update-golden switch."""

import pytest


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/ and expected problem files from the current output")


@pytest.fixture
def update_golden(request) -> bool:
    """Whether golden files are to be rewritten instead of compared."""
    return request.config.getoption("--update-golden")
