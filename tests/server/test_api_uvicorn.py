"""Through a real uvicorn on 127.0.0.1: plain requests, and the live stream of a recording while
the recorder saves a real session into it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import msgspec
import pytest
import uvicorn
from server_helpers import SMALL_TRANSCRIPT, Local

from served import free_port
from vibecast.config import Settings
from vibecast.importers import read_source
from vibecast.importers.base import CapturedSession
from vibecast.pipeline import save_session
from vibecast.redact import Redactor


@pytest.fixture
def served(local: Local) -> Iterator[str]:
    """The local app on a real uvicorn (random free port), stopped at the end."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            local.client.app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            timeout_graceful_shutdown=2,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        assert not thread.is_alive()


@pytest.mark.readonly
def test_requests_through_uvicorn(local: Local, served: str) -> None:
    with httpx.Client(base_url=served, timeout=10) as client:
        listed = client.get("/api/replays")
        assert listed.status_code == 200
        assert listed.json()["total"] == len(local.replays)
        replay = local.replay("fe5e1c67")
        window = client.get(
            f"/api/replays/{replay.id}/events", params={"from_ms": 0, "to_ms": 10_000}
        )
        assert window.status_code == 200
        assert window.json()["events"]
        assert client.get("/api/replays/nope").status_code == 404
        assert client.get("/docs").status_code == 200


def _read_stream(url: str, received: list[tuple[str, dict]], done: threading.Event) -> None:
    """Collect (event, data) pairs from an SSE stream until it closes."""
    try:
        with httpx.stream("GET", url, timeout=30) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            kind = "message"
            for line in response.iter_lines():
                if line.startswith("event: "):
                    kind = line[len("event: ") :]
                elif line.startswith("data: "):
                    received.append((kind, json.loads(line[len("data: ") :])))
                elif not line:
                    kind = "message"
    finally:
        done.set()


def _wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_live_stream_follows_a_recording(
    local: Local, served: str, settings: Settings, shared_data: Path
) -> None:
    (session,) = read_source(shared_data / SMALL_TRANSCRIPT).sessions
    session_id = "live-" + session.session_id
    events = [msgspec.structs.replace(e, session_id=session_id) for e in session.events]
    half = len(events) // 2

    with httpx.Client(base_url=served, timeout=10) as client:
        replay = client.post("/api/replays/start", json={"session_id": session_id}).json()
        received: list[tuple[str, dict]] = []
        done = threading.Event()
        reader = threading.Thread(
            target=_read_stream,
            args=(f"{served}/api/replays/{replay['id']}/live", received, done),
            daemon=True,
        )
        reader.start()
        redactor = Redactor(settings.redaction)

        def record(part: list) -> int:
            """Save like the recorder does; returns how many events the replay now has."""
            captured = CapturedSession(session_id=session_id, events=part, source="live-test")
            save_session(local.store, captured, redactor, "local")
            return len(local.store.read_events(replay["id"]))

        first = record(events[:half])
        _wait_for(lambda: len(received) >= first)
        total = record(events)  # the recorder merges: only the second half is new
        assert total > first
        _wait_for(lambda: len(received) >= total)
        client.post("/api/replays/stop", json={"replay_id": replay["id"]})
        assert done.wait(10), "the stream did not end after stop"

    kinds = [kind for kind, _ in received]
    assert kinds[-1] == "end" and received[-1][1]["status"] == "complete"
    streamed = [data["id"] for kind, data in received if kind == "event"]
    stored = [e.id for e in local.store.read_events(replay["id"])]
    assert sorted(streamed) == sorted(stored)  # every event exactly once
    assert len(streamed) == len(set(streamed))
