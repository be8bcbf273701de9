"""Shared test helpers: fixture directories copied to a temporary place before use."""

import shutil
from pathlib import Path

import pytest

from .fixtures import make_fixtures

__all__ = ["make_fixtures"]  # the tests import it from here

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixture_dir(tmp_path):
    """fixture_dir("small") -> a fresh copy of analysis/tests/fixtures/small (tests may write into it)."""
    def copy(name):
        dst = tmp_path / name
        shutil.copytree(FIXTURES / name, dst)
        return dst
    return copy


@pytest.fixture(scope="session")
def small_made(tmp_path_factory):
    """A copy of small/ with its plots and report made once for the session: (dir, plot files, report)."""
    from analysis.plots import make_plots
    from analysis.report import make_report
    d = tmp_path_factory.mktemp("made") / "small"
    shutil.copytree(FIXTURES / "small", d)
    files = make_plots(d)
    return d, files, make_report(d)
