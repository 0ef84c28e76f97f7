"""Fixtures for the store tests: fresh stores on disk, and one of each backend."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from pg_helpers import database_name, require_postgres, scratch_database
from vibecast.store.base import Store
from vibecast.store.codec import ChunkCodec
from vibecast.store.postgres import PostgresStore
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
BACKENDS = ["sqlite", "postgresql"]
"""The backends the contract tests (test_store_contract.py) run against."""


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, empty database of its own on the local PostgreSQL server."""
    with scratch_database() as url:
        yield url


@pytest.fixture(scope="session")
def migrated_template() -> Iterator[str]:
    """A database migrated once, that each test's database is copied from."""
    with scratch_database() as url:
        PostgresStore(url).close()
        yield database_name(url)


@pytest.fixture
def migrated_postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A database of its own, already migrated (a copy of ``migrated_template``)."""
    require_postgres()
    with scratch_database(request.getfixturevalue("migrated_template")) as url:
        yield url


@pytest.fixture
def any_store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Store]:
    """A fresh store of each backend, as the system (no acting user)."""
    opened: Store
    if backend == "sqlite":
        opened = SQLiteStore(tmp_path / "contract.db")
    else:
        opened = PostgresStore(request.getfixturevalue("migrated_postgres_url"))
    yield opened
    opened.close()


@pytest.fixture
def any_small_chunk_store(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Store]:
    """A fresh store of each backend cutting chunks every 4 events."""
    codec = ChunkCodec(chunk_max_events=4)
    opened: Store
    if backend == "sqlite":
        opened = SQLiteStore(tmp_path / "small.db", codec=codec)
    else:
        opened = PostgresStore(request.getfixturevalue("migrated_postgres_url"), codec=codec)
    yield opened
    opened.close()
