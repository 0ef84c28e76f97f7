"""Whose sessions `vibecast serve` records in server mode: the user `--user NAME` names, and
without one nobody's — not the built-in ``local`` user, whom nobody can sign in as — saying so
at start and in `vibecast hooks status`. Local mode records as ``local``, as before."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient

from pg_helpers import scratch_database
from served import run_vibecast, serving
from vibecast.capture import SpoolWriter
from vibecast.capture.spool import HOOK
from vibecast.cli import cli
from vibecast.config import load_settings
from vibecast.server import create_app
from vibecast.server.settings import NOT_RECORDING_WITHOUT_USER, ServerSettings
from vibecast.store import open_store

PROMPT = b'{"hook_event_name": "UserPromptSubmit", "session_id": "%s", "prompt": "hi"}'


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIBECAST_", "CLAUDE_"))}
    env.update(VIBECAST_HOME=str(home), CLAUDE_CONFIG_DIR=str(home / "claude"), NO_COLOR="1")
    env.update(extra)
    return env


def _status(env: dict[str, str]) -> dict:
    result = CliRunner().invoke(cli, ["hooks", "status", "--json"], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _sessions_of(url: str, user_id: str | None) -> list[str]:
    store = open_store(url)
    try:
        return [r.session_id for r in store.list_replays(user_id, limit=50)]
    finally:
        store.close()


def _wait_for(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_server_mode_without_a_user_leaves_the_spool_alone_and_says_why(tmp_path: Path) -> None:
    env = _env(tmp_path / "home")
    base = load_settings(env)
    settings = ServerSettings.load(base, env={}, record=True, server_mode=True)
    spool = SpoolWriter(base.home / "capture" / "spool")
    spool.write(PROMPT % b"team-1", HOOK)
    with TestClient(create_app(settings), base_url="http://127.0.0.1"):
        report = _status(env)
        assert report["recorder"]["running"] is False
        assert report["standby"]["note"] == f"vibecast serve is {NOT_RECORDING_WITHOUT_USER}"
        text = CliRunner().invoke(cli, ["hooks", "status"], env=env).output
        assert "Recorder: not running\n  vibecast serve is not recording hook events" in text
        time.sleep(2)  # the recorder, had it started, files a new session at its first pass
        assert _sessions_of(base.database_url, None) == []
        assert _status(env)["spool"]["events"] == 1
    assert _status(env)["standby"] is None  # stopped: nothing to say any more


def test_server_mode_with_a_user_records_as_that_user(tmp_path: Path) -> None:
    env = _env(tmp_path / "home")
    base = load_settings(env)
    store = open_store(base.database_url)
    try:
        alice = store.create_user("alice")
    finally:
        store.close()
    settings = ServerSettings.load(
        base, env={}, record=True, server_mode=True, capture_user=alice.id
    )
    SpoolWriter(base.home / "capture" / "spool").write(PROMPT % b"team-2", HOOK)
    with TestClient(create_app(settings), base_url="http://127.0.0.1"):
        assert _wait_for(lambda: _sessions_of(base.database_url, alice.id) == ["team-2"])
        assert _status(env)["standby"] is None
    assert _sessions_of(base.database_url, "local") == []


def test_vibecast_serve_on_postgresql_records_only_as_the_user_it_is_given(
    tmp_path: Path,
) -> None:
    """The team server of docs/operations.md, as a lead runs it: without a user nothing is
    recorded, and the events wait; with `VIBECAST_USER=alice` (or `--user alice`) they are
    alice's."""
    with scratch_database() as url:
        env = _env(tmp_path / "home", VIBECAST_DATABASE_URL=url)
        added = run_vibecast(env, "users", "add", "alice", "--admin")
        assert added.returncode == 0, added.stderr
        alice_id = added.stdout.strip()
        assert run_vibecast(env, "tokens", "create", "alice").returncode == 0
        SpoolWriter(tmp_path / "home" / "capture" / "spool").write(PROMPT % b"team-3", HOOK)

        with serving(env) as served:
            note = _status(env)["standby"]["note"]
            assert note.endswith(f"is {NOT_RECORDING_WITHOUT_USER}"), note
            time.sleep(2)
            assert _sessions_of(url, None) == []
        assert f"WARNING {NOT_RECORDING_WITHOUT_USER}" in served.stderr
        assert _status(env)["spool"]["events"] == 1

        with serving({**env, "VIBECAST_USER": "alice"}) as served:
            assert _wait_for(lambda: _sessions_of(url, alice_id) == ["team-3"])
            assert _status(env)["standby"] is None
        assert "recording this machine's hook events as alice" in served.stderr
        assert _sessions_of(url, "local") == []
