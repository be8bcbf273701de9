"""Fixtures for the harness tests (helpers live in helpers.py)."""

import pytest


@pytest.fixture
def fake_env(tmp_path):
    """Environment for the fake runner: a log of its starts and a state directory."""
    state = tmp_path / "fake-state"
    state.mkdir()
    return {"FAKE_LOG": str(tmp_path / "fake.log"), "FAKE_STATE_DIR": str(state)}
