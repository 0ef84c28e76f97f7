"""Fixtures for the store tests: fresh stores on disk, and one of each backend."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from vibecast.store.base import Store
from vibecast.store.codec import ChunkCodec
from vibecast.store.sqlite import SQLiteStore


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "vibecast.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[SQLiteStore]:
    opened = SQLiteStore(db_path)
    yield opened
    opened.close()


@pytest.fixture
def small_chunk_store(db_path: Path) -> Iterator[SQLiteStore]:
    """A store cutting chunks every 4 events, so short replays span many chunks."""
    opened = SQLiteStore(db_path, codec=ChunkCodec(chunk_max_events=4))
    yield opened
    opened.close()


@pytest.fixture
def raw_db(db_path: Path, store: SQLiteStore) -> Iterator[sqlite3.Connection]:
    """A second, plain connection to the store's file: to look at rows as they are stored."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


# -- every backend ------------------------------------------------------------------------------
BACKENDS = ["sqlite"]
"""The backends the contract tests (test_store_contract.py) run against."""


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def any_store(backend: str, tmp_path: Path) -> Iterator[Store]:
    """A fresh store of each backend, as the system (no acting user)."""
    opened = SQLiteStore(tmp_path / "contract.db")
    yield opened
    opened.close()
