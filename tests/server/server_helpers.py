"""Helpers of the API tests: a database per test on PostgreSQL, shared-data imports, the
injectable clock, clients in local and server mode. Fixtures using them are in conftest.py."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

from pg_helpers import ADMIN_URL, scratch_database
from required import unavailable
from vibecast.config import Settings
from vibecast.model import Replay
from vibecast.pipeline import import_paths
from vibecast.server import ServerSettings
from vibecast.server.tokens import hash_token, new_api_token
from vibecast.store.base import ApiToken, Store, User

LOOPBACK = "http://127.0.0.1"
T0 = int(time.time()) * 1000  # "now" of the injectable clock: the store checks expiry by wall time


class FakeClock:
    """Epoch ms that move only when a test says so (share expiry without sleeping)."""

    def __init__(self, now_ms: int = T0) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, ms: int) -> None:
        self.now_ms += ms


def postgres_unavailable(reason: str) -> None:
    unavailable(
        f"PostgreSQL backend not usable at {ADMIN_URL}: {reason}",
        "the API must be tested on both backends",
    )


postgres_database = scratch_database
"""A new database on the local PostgreSQL server (a copy of ``template``, if given), dropped
afterwards; yields its URL."""


def import_shared(
    store: Store, settings: Settings, shared_data: Path, paths: list[str], user_id: str
) -> list[Replay]:
    """Import shared sample files for ``user_id`` through the real pipeline."""
    summary = import_paths(
        store, settings, [shared_data / p for p in paths], user_id=user_id, force=True
    )
    assert summary.replay_ids, summary.issues
    return [r for r in (store.get_replay(i) for i in summary.replay_ids) if r is not None]


TRANSCRIPTS = "claude-code/transcripts"
VIBECRAFT = "vibecraft/events.jsonl"
SMALL_TRANSCRIPT = "claude-code/transcripts/1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl"


def server_settings(
    settings: Settings, clock: FakeClock, *, server_mode: bool, **overrides: object
) -> ServerSettings:
    values: dict[str, object] = {
        "server_mode": server_mode,
        "clock": clock,
        "secret_key": b"test-secret-key-0123456789abcdef",
        "token_cache_seconds": 0.0,
        "live_poll_seconds": 0.02,
    }
    values.update(overrides)
    return ServerSettings.load(settings, env={}, **values)


@dataclass
class Local:
    """Local mode: the implicit user owns the shared transcripts and the Vibecraft log."""

    client: TestClient
    store: Store
    clock: FakeClock
    replays: list[Replay]

    def replay(self, session_prefix: str) -> Replay:
        return next(r for r in self.replays if r.session_id.startswith(session_prefix))


@dataclass
class Member:
    user: User
    token: str
    client: TestClient
    replays: list[Replay]


@dataclass
class Team:
    """Server mode: alice (admin) and bob, each with a token and replays of their own."""

    store: Store
    clock: FakeClock
    anonymous: TestClient
    alice: Member
    bob: Member


@dataclass
class Seed:
    """What the template database holds: the local user's replays (shared transcripts and the
    Vibecraft log), and alice (admin) and bob with a token and replays each."""

    replays: dict[str, list[Replay]]  # by user id
    users: dict[str, tuple[User, str]]  # name -> (user, token)


def add_user(store: Store, name: str, *, admin: bool = False) -> tuple[User, str]:
    user = store.create_user(name, is_admin=admin)
    token = new_api_token()
    store.add_token(
        ApiToken(
            id=f"tok-{name}",
            user_id=user.id,
            name="tests",
            token_hash=hash_token(token),
            created_at=T0,
        )
    )
    return user, token


def seed(store: Store, settings: Settings, shared_data: Path) -> Seed:
    """Fill a store the way the tests expect it (through the real import pipeline)."""
    alice, alice_token = add_user(store, "alice", admin=True)
    bob, bob_token = add_user(store, "bob")
    replays = {
        "local": import_shared(store, settings, shared_data, [TRANSCRIPTS, VIBECRAFT], "local"),
        alice.id: import_shared(store, settings, shared_data, [TRANSCRIPTS], alice.id),
        bob.id: import_shared(store, settings, shared_data, [SMALL_TRANSCRIPT, VIBECRAFT], bob.id),
    }
    return Seed(replays, {"alice": (alice, alice_token), "bob": (bob, bob_token)})
