"""A replay with no events yet (just made by ``POST /api/replays/start``) is refused when its
export is asked for, instead of "exported" as a 0.03 s video."""

from __future__ import annotations

from server_helpers import Local

from vibecast.export.request import NOTHING_TO_EXPORT


def test_exporting_an_empty_replay_is_a_422(local: Local) -> None:
    started = local.client.post("/api/replays/start", json={"session_id": "not-yet-anything"})
    assert started.status_code == 201, started.text
    replay = started.json()
    assert replay["metadata"].get("event_count", 0) == 0
    for body in ({}, {"format": "webm", "resolution": "720p"}, {"from_ms": 0, "to_ms": 1000}):
        answer = local.client.post(f"/api/replays/{replay['id']}/export", json=body)
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"] == {"code": "invalid_request", "message": NOTHING_TO_EXPORT}
    assert NOTHING_TO_EXPORT == "nothing to export: the replay has no events yet"
    # a replay with events is still accepted as far as the request goes
    full = local.replay("1af7fc5e")
    late = local.client.post(f"/api/replays/{full.id}/export", json={"from_ms": 10**9})
    assert late.status_code == 422
    assert late.json()["error"]["message"].startswith("from_ms: past the end of the replay (")
