"""``vibecast export`` of a replay with no events yet says there is nothing to export, and
writes no file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from vibecast.config import load_settings
from vibecast.server import ServerSettings, create_app

Runner = Callable[..., Any]  # the ``vibecast`` fixture of conftest.py


def test_export_of_an_empty_replay_is_refused(vibecast: Runner, tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = load_settings({"VIBECAST_HOME": str(home), "HOME": str(tmp_path)})
    server = ServerSettings.load(settings, env={}, server_mode=False, secret_key=b"k" * 32)
    with TestClient(create_app(server), base_url="http://127.0.0.1") as client:
        started = client.post("/api/replays/start", json={"session_id": "empty-one"})
        assert started.status_code == 201, started.text
    replay_id = started.json()["id"]
    target = tmp_path / "empty.mp4"
    result = vibecast("export", replay_id[:8], "-o", str(target))
    assert result.code == 1, result.err
    assert result.err.strip() == "error: nothing to export: the replay has no events yet"
    assert not target.exists()
