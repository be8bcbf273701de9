"""Shared test helpers: fixture directories copied to a temporary place before use."""

import importlib.util
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"

_spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
make_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_fixtures)


@pytest.fixture
def fixture_dir(tmp_path):
    """fixture_dir("small") -> a fresh copy of analysis/tests/fixtures/small (tests may write into it)."""
    def copy(name):
        dst = tmp_path / name
        shutil.copytree(FIXTURES / name, dst)
        return dst
    return copy
