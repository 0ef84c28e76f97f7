"""open_store: the database URL picks the backend; the file and its directory are created."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_helpers import make_event, make_replay

from vibecast.store import open_store, sqlite_path
from vibecast.store.base import StoreError
from vibecast.store.postgres import PostgresStore
from vibecast.store.sqlite import SQLiteStore


def test_sqlite_url_creates_parent_directories(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "vibecast.db"
    store = open_store(f"sqlite:///{path}")
    try:
        assert isinstance(store, SQLiteStore)
        store.save_replay(make_replay(), [make_event(0, 0)])
    finally:
        store.close()
    assert path.is_file()
    with open_store(f"sqlite:///{path}") as again:
        assert again.read_events(make_replay().id) == [make_event(0, 0)]


def test_memory_database() -> None:
    with open_store("sqlite:///:memory:") as store:
        store.save_replay(make_replay(), [make_event(0, 0)])
        assert store.stats().replays == 1


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///srv/v.db", "/srv/v.db"),
        ("sqlite:////srv/v.db", "/srv/v.db"),
        ("sqlite:///:memory:", ":memory:"),
        ("sqlite://", ":memory:"),
        ("sqlite:///srv/v.db?mode=rwc", "/srv/v.db"),
        ("sqlite:///C:/Users/me/v.db", str(Path("C:/Users/me/v.db"))),
    ],
)
def test_sqlite_paths(url: str, path: str) -> None:
    assert sqlite_path(url) == path


def test_home_is_expanded() -> None:
    assert sqlite_path("sqlite:///~/v.db") == str(Path("~/v.db").expanduser())


def test_postgresql_url_opens_the_server_store(postgres_url: str) -> None:
    for url in (postgres_url, postgres_url.replace("postgresql://", "postgres://", 1)):
        with open_store(url) as store:
            assert isinstance(store, PostgresStore)
            store.save_replay(make_replay(), [make_event(0, 0)])
            assert store.read_events(make_replay().id) == [make_event(0, 0)]


def test_unreachable_postgresql_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match="cannot connect to PostgreSQL"):
        open_store("postgresql://nobody@127.0.0.1:1/vibecast?connect_timeout=2")


def test_unknown_scheme_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match="unsupported database URL 'mysql'"):
        open_store("mysql://localhost/db")


def test_unwritable_location_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError):
        open_store(f"sqlite:///{blocker}/sub/vibecast.db")
