"""Vibecraft compatibility: its hook's ``POST /event`` and its events.jsonl log, followed exactly
once, record the same events as importing the log; plus the ``http`` hook endpoint."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from vibecast.capture import Recorder, list_spool
from vibecast.capture.hook_http import HOOK_PATH
from vibecast.capture.vibecraft_follow import VibecraftFollower
from vibecast.pipeline import import_paths
from vibecast.server import ServerSettings, create_app
from vibecast.store import open_store


@pytest.fixture
def client(capture_env) -> Iterator[TestClient]:
    """The real app in local mode (``vibecast serve``), which mounts both endpoints."""
    server = ServerSettings.load(
        capture_env.settings, env={}, server_mode=False, secret_key=b"capture-test-key-0123456789"
    )
    with TestClient(create_app(server), base_url="http://127.0.0.1") as client:
        yield client


def events_by_session(database_url: str) -> dict[str, list[tuple[str, str, int]]]:
    store = open_store(database_url)
    try:
        return {
            r.session_id: [(e.id, e.type, e.timestamp) for e in store.read_events(r.id)]
            for r in store.list_replays()
        }
    finally:
        store.close()


def imported(shared_data: Path, tmp_path: Path, capture_env) -> dict:
    """What ``vibecast import`` makes of the same log, for comparison."""
    url = f"sqlite:///{tmp_path / 'imported.db'}"
    store = open_store(url)
    try:
        import_paths(store, capture_env.settings, [shared_data / "vibecraft" / "events.jsonl"])
    finally:
        store.close()
    return events_by_session(url)


def test_posted_events_record_like_an_import(client, capture_env, shared_data, tmp_path) -> None:
    lines = (shared_data / "vibecraft" / "events.jsonl").read_text().splitlines()
    for line in lines:
        response = client.post("/event", content=line, headers={"Content-Type": "application/json"})
        assert response.status_code == 200 and response.json() == {"ok": True}
    assert len(list_spool(capture_env.paths.spool)) == len(lines)
    Recorder(capture_env.settings).drain()
    live = events_by_session(capture_env.settings.database_url)
    assert live == imported(shared_data, tmp_path, capture_env)


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ('{"sessionId": "s", "type": "stop", "timestamp": 1}', "text/plain", 415),
        ("{not json", "application/json", 400),
        ("[1]", "application/json", 422),
        ('{"type": "stop", "timestamp": 1}', "application/json", 422),
        ('{"sessionId": "s", "type": "stop", "timestamp": "soon"}', "application/json", 422),
    ],
)
def test_bad_posts_are_refused(client, capture_env, body, content_type, status) -> None:
    response = client.post("/event", content=body, headers={"Content-Type": content_type})
    assert response.status_code == status
    assert "error" in response.json()
    assert list_spool(capture_env.paths.spool) == []


def test_http_hook_endpoint_spools_the_payload(client, capture_env) -> None:
    payload = {"hook_event_name": "UserPromptSubmit", "session_id": "h1", "prompt": "over http"}
    response = client.post(HOOK_PATH, json=payload)
    assert response.status_code == 200 and response.json() == {}  # a hook output deciding nothing
    assert client.post(HOOK_PATH, json={"prompt": "no event name"}).status_code == 422
    Recorder(capture_env.settings).drain()
    assert [e[1] for e in events_by_session(capture_env.settings.database_url)["h1"]] == [
        "user_prompt_submit"
    ]


def test_following_the_log_spools_each_line_exactly_once(capture_env, shared_data, tmp_path):
    lines = (shared_data / "vibecraft" / "events.jsonl").read_bytes().splitlines(keepends=True)
    log = tmp_path / "vibecraft" / "events.jsonl"
    log.parent.mkdir()
    log.write_bytes(b"".join(lines[:3]) + lines[3][:20])  # the 4th line is being written
    spooled = lambda: len(list_spool(capture_env.paths.spool))  # noqa: E731
    assert VibecraftFollower(log, capture_env.paths).poll() == 3
    assert VibecraftFollower(log, capture_env.paths).poll() == 0  # the offset is remembered
    with log.open("ab") as out:
        out.write(lines[3][20:] + b"".join(lines[4:]))
    assert VibecraftFollower(log, capture_env.paths).poll() == len(lines) - 3
    assert spooled() == len(lines)
    Recorder(capture_env.settings).drain()
    assert events_by_session(capture_env.settings.database_url) == imported(
        shared_data, tmp_path, capture_env
    )
    # A log replaced by a new, shorter one is read from its start.
    log.write_bytes(lines[0])
    assert VibecraftFollower(log, capture_env.paths).poll() == 1


def test_record_once_follows_vibecraft(capture_env, shared_data, tmp_path) -> None:
    from click.testing import CliRunner

    from vibecast.cli.main import cli

    log = tmp_path / "events.jsonl"
    shutil.copy(shared_data / "vibecraft" / "events.jsonl", log)
    result = CliRunner().invoke(
        cli, ["record", "--once", "--follow-vibecraft", str(log)], env=capture_env.env
    )
    assert result.exit_code == 0, result.output
    sessions = events_by_session(capture_env.settings.database_url)
    expected = {json.loads(line)["sessionId"] for line in log.read_text().splitlines()}
    assert set(sessions) == expected
