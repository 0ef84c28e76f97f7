"""`vibecast serve` records too: the live-capture recorder runs in the server process, and
Vibecraft's hook can post its events to ``POST /event`` (local mode)."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from vibecast.capture import CapturePaths
from vibecast.config import load_settings
from vibecast.server import create_app
from vibecast.server.settings import ServerSettings

VIBECRAFT_EVENT = {
    "id": "vc-serve-1",
    "timestamp": 1_767_225_600_000,
    "type": "user_prompt_submit",
    "sessionId": "served-vibecraft-session",
    "cwd": "/srv/app",
    "prompt": "record me through vibecast serve",
}


def _settings(home: Path, *, record: bool) -> ServerSettings:
    base = load_settings({"VIBECAST_HOME": str(home), "HOME": str(home)})
    return ServerSettings.load(base, env={}, record=record)


def test_vibecraft_events_posted_to_serve_become_a_replay(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "home", record=True)
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        posted = client.post("/event", json=VIBECRAFT_EVENT)
        assert posted.status_code == 200, posted.text
        deadline = time.monotonic() + 30
        replays: list = []
        while time.monotonic() < deadline and not replays:
            replays = client.get("/api/replays").json()["replays"]
            time.sleep(0.25)
        assert replays, "the in-process recorder did not record the posted event"
        assert replays[0]["session_id"] == "served-vibecraft-session"
        events = client.get(f"/api/replays/{replays[0]['id']}/events").json()["events"]
        assert [e.get("prompt") for e in events] == [VIBECRAFT_EVENT["prompt"]]


def test_a_second_server_on_the_same_home_leaves_recording_to_the_first(tmp_path: Path) -> None:
    first = _settings(tmp_path / "home", record=True)
    with TestClient(create_app(first), base_url="http://127.0.0.1") as one:  # noqa: SIM117
        with TestClient(create_app(first), base_url="http://127.0.0.1") as two:
            assert one.get("/api/replays").status_code == 200
            assert two.get("/api/replays").status_code == 200


def test_without_record_the_app_only_spools(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "home", record=False)
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        assert client.post("/event", json=VIBECRAFT_EVENT).status_code == 200
        time.sleep(0.5)
        assert client.get("/api/replays").json()["replays"] == []
    spool = CapturePaths.from_settings(settings.base).spool
    assert [p for p in spool.iterdir() if p.is_file()], "the event waits in the spool"


def test_each_worker_process_records_as_the_user_serve_was_given(
    tmp_path: Path, monkeypatch
) -> None:
    """`vibecast --user alice serve --workers 2`: each worker process builds its app from the
    environment `run` hands over, the capture user included. uvicorn's process spawning is
    stood in for by building the worker's app here, from that environment."""
    from vibecast.server import runner

    monkeypatch.setattr(runner.os, "environ", dict(runner.os.environ))
    base = load_settings({"VIBECAST_HOME": str(tmp_path / "home"), "HOME": str(tmp_path)})
    settings = ServerSettings.load(base, env={}, capture_user="user-id-of-alice")
    workers: list = []
    monkeypatch.setattr(
        runner.uvicorn, "run", lambda *_a, **_k: workers.append(runner.app_from_environment())
    )
    # A worker process logs on its stderr; this process's loggers are pytest's.
    monkeypatch.setattr(runner, "configure_serve_logging", lambda _access_log: None)
    runner.run(settings, workers=2)
    assert [app.state.vibecast.settings.capture_user for app in workers] == ["user-id-of-alice"]
