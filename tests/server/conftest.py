"""API test fixtures: a store on each backend holding real replays imported from the shared
sample data, and clients in local and server mode.

Every test runs against SQLite and against the PostgreSQL server on 127.0.0.1:5432, each test in
a database of its own: the shared data is imported once per backend into a template, and every
test gets a fresh copy of it (a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on
PostgreSQL). Without a reachable PostgreSQL the PostgreSQL half is skipped with the reason —
unless ``CI=true``, where it fails: CI must test both.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from server_helpers import (
    LOOPBACK,
    FakeClock,
    Local,
    Member,
    Seed,
    Team,
    postgres_database,
    postgres_unavailable,
    seed,
    server_settings,
)

from vibecast.config import Settings, load_settings
from vibecast.server import create_app
from vibecast.store import StoreError, open_store, sqlite_path
from vibecast.store.base import Store


@dataclass(frozen=True)
class Template:
    backend: str
    location: str  # the SQLite file, or the PostgreSQL database name
    seed: Seed


def _open(url: str) -> Store:
    try:
        return open_store(url)
    except StoreError as exc:
        if url.startswith("postgresql"):
            postgres_unavailable(str(exc))
        raise


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, shared_data: Path
) -> Iterator[Template]:
    """The seeded database each test copies, one per backend and test session."""
    root = tmp_path_factory.mktemp(f"template-{request.param}")
    settings = load_settings({"VIBECAST_HOME": str(root), "HOME": str(root)})
    if request.param == "sqlite":
        store = _open(settings.database_url)
        try:
            seeded = seed(store, settings, shared_data)
        finally:
            store.close()  # checkpoints the WAL: the file alone is the whole database
        yield Template("sqlite", sqlite_path(settings.database_url), seeded)
        return
    with postgres_database() as url:
        store = _open(url)
        try:
            seeded = seed(store, settings, shared_data)
        finally:
            store.close()  # a template database must have no connections
        yield Template("postgresql", url.rsplit("/", 1)[1], seeded)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "readonly: the test changes nothing in the store, so it may share one copy of the seeded "
        "database with the other read-only tests (a copy per test costs ~0.3 s on PostgreSQL)",
    )


@pytest.fixture(scope="session")
def shared_copy(template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One copy of the seeded database for every read-only test of the session."""
    with _copy(template, tmp_path_factory.mktemp("shared")) as store:
        yield store


@contextmanager
def _copy(template: Template, directory: Path) -> Iterator[Store]:
    if template.backend == "sqlite":
        copy = directory / "vibecast.db"
        shutil.copyfile(template.location, copy)
        opened = _open(f"sqlite:///{copy}")
        try:
            yield opened
        finally:
            opened.close()
        return
    with postgres_database(template=template.location) as url:
        opened = _open(url)
        try:
            yield opened
        finally:
            opened.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    home = tmp_path / "home"
    return load_settings({"VIBECAST_HOME": str(home), "HOME": str(tmp_path)})


@pytest.fixture
def store(request: pytest.FixtureRequest, template: Template, tmp_path: Path) -> Iterator[Store]:
    """A fresh copy of the seeded database for this test (shared if it is marked readonly)."""
    if request.node.get_closest_marker("readonly"):
        yield request.getfixturevalue("shared_copy")
        return
    with _copy(template, tmp_path) as store:
        yield store


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def local(
    store: Store, template: Template, settings: Settings, clock: FakeClock
) -> Iterator[Local]:
    app = create_app(server_settings(settings, clock, server_mode=False), store=store)
    with TestClient(app, base_url=LOOPBACK) as client:
        yield Local(client, store, clock, template.seed.replays["local"])


@pytest.fixture
def team(store: Store, template: Template, settings: Settings, clock: FakeClock) -> Iterator[Team]:
    app = create_app(server_settings(settings, clock, server_mode=True), store=store)
    clients = [TestClient(app, base_url=LOOPBACK) for _ in range(3)]
    members = []
    for client, name in zip(clients[1:], ["alice", "bob"], strict=True):
        user, token = template.seed.users[name]
        client.headers["Authorization"] = f"Bearer {token}"
        members.append(Member(user, token, client, template.seed.replays[user.id]))
    for client in clients:
        client.__enter__()
    try:
        yield Team(store, clock, clients[0], *members)
    finally:
        for client in clients:
            client.__exit__(None, None, None)
