"""Shared fixtures: where the real sample recordings are."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared_data import SHARED_DATA


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` — real recordings from public repositories (see its README)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared sample data not found at {SHARED_DATA} (set VIBECAST_SHARED_DATA)")
    return SHARED_DATA
