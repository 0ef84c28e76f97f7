"""The live stream's protocol and bounds, in-process (the recording-in-progress case runs through
a real uvicorn in test_api_uvicorn.py)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from server_helpers import LOOPBACK, Local, server_settings

from vibecast.config import Settings
from vibecast.server import create_app


def read_sse(client: TestClient, url: str, **kwargs) -> list[tuple[str, str | None, dict]]:
    """(event, id, data) of every event of a stream, until the server closes it."""
    events: list[tuple[str, str | None, dict]] = []
    with client.stream("GET", url, **kwargs) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        kind, event_id = "message", None
        for line in response.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("id: "):
                event_id = line[4:]
            elif line.startswith("data: "):
                events.append((kind, event_id, json.loads(line[6:])))
            elif not line:
                kind, event_id = "message", None
    return events


@pytest.mark.readonly
def test_a_finished_replay_streams_its_events_then_end(local: Local) -> None:
    replay = local.replay("1af7fc5e")
    received = read_sse(local.client, f"/api/replays/{replay.id}/live")
    assert received[-1][0] == "end" and received[-1][2]["id"] == replay.id
    events = [(event_id, data) for kind, event_id, data in received if kind == "event"]
    stored = local.store.read_events(replay.id)
    assert [data["id"] for _, data in events] == [e.id for e in stored]
    assert [int(event_id) for event_id, _ in events] == [e.relative_time_ms for e in stored]


@pytest.mark.readonly
def test_resume_from_a_time_or_last_event_id(local: Local) -> None:
    replay = local.replay("1af7fc5e")
    stored = local.store.read_events(replay.id)
    middle = stored[len(stored) // 2].relative_time_ms
    expected = [e.id for e in stored if e.relative_time_ms >= middle]
    url = f"/api/replays/{replay.id}/live"
    by_param = read_sse(local.client, url, params={"from_ms": middle})
    by_header = read_sse(local.client, url, headers={"Last-Event-ID": str(middle)})
    for received in (by_param, by_header):
        assert [d["id"] for kind, _, d in received if kind == "event"] == expected


def test_streams_are_bounded(local: Local, settings: Settings) -> None:
    recording = local.client.post("/api/replays/start", json={"session_id": "live-bounds"}).json()
    url = f"/api/replays/{recording['id']}/live"
    no_room = server_settings(settings, local.clock, server_mode=False, live_max_streams=0)
    with TestClient(create_app(no_room, store=local.store), base_url=LOOPBACK) as client:
        refused = client.get(url)
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "too_many_streams"
    short = server_settings(settings, local.clock, server_mode=False, live_max_seconds=0)
    with TestClient(create_app(short, store=local.store), base_url=LOOPBACK) as client:
        received = read_sse(client, url)
    assert [kind for kind, _, _ in received] == ["timeout"]
    assert received[0][2] == {"last_ms": 0}
    assert local.client.get("/api/replays/nope/live").status_code == 404
