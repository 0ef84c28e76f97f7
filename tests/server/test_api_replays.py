"""``/api/replays`` in local mode, on replays imported from the shared sample data."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from server_helpers import Local

from vibecast.recorder.identity import replay_id_for
from vibecast.server.limits import MAX_BODY_BYTES, MAX_WINDOW_MS


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}
    return body["error"]


@pytest.mark.readonly
def test_list_is_newest_first_with_total(local: Local) -> None:
    response = local.client.get("/api/replays")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == len(local.replays) == len(body["replays"])
    assert (body["limit"], body["offset"]) == (50, 0)
    dates = [r["metadata"]["recorded_date"] for r in body["replays"]]
    assert dates == sorted(dates, reverse=True)
    assert {r["user_id"] for r in body["replays"]} == {"local"}


@pytest.mark.readonly
def test_list_pages(local: Local) -> None:
    everything = local.client.get("/api/replays").json()["replays"]
    seen = []
    for offset in range(0, len(everything), 2):
        page = local.client.get("/api/replays", params={"limit": 2, "offset": offset}).json()
        assert page["total"] == len(everything)
        seen += [r["id"] for r in page["replays"]]
    assert seen == [r["id"] for r in everything]
    past = local.client.get("/api/replays", params={"offset": 1000}).json()
    assert past["replays"] == [] and past["total"] == len(everything)


@pytest.mark.readonly
def test_list_filters(local: Local) -> None:
    big = local.replay("fe5e1c67")

    def ids(**params: str) -> set[str]:
        response = local.client.get("/api/replays", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == len(body["replays"])
        return {r["id"] for r in body["replays"]}

    with_task = {r.id for r in local.replays if "Task" in r.metadata.tool_breakdown}
    assert big.id in with_task
    assert ids(tool="Task") == with_task
    assert ids(tool="NoSuchTool") == set()
    some_file = big.metadata.files_touched[0]
    assert big.id in ids(file=some_file.rsplit("/", 1)[-1])
    assert ids(q="orchestrator") >= {local.replay("5c0375b4").id}
    assert ids(q="ORCHESTRATOR") == ids(q="orchestrator")  # case-insensitive
    started = datetime.fromisoformat(big.metadata.recorded_date.replace("Z", "+00:00"))
    stamp = int(started.astimezone(UTC).timestamp() * 1000)
    assert big.id in ids(since=str(stamp), until=str(stamp + 1))
    assert big.id not in ids(since=str(stamp + 1))
    assert big.id in ids(until=started.date().isoformat())  # a bare date: through that day
    assert ids(since="2099-01-01") == set()
    assert ids(status="complete") == {r.id for r in local.replays}  # imports are complete
    assert ids(status="recording") == set()
    assert local.client.get("/api/replays", params={"status": "live"}).status_code == 422


@pytest.mark.readonly
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 501}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"since": "last tuesday"}, "since"),
        ({"q": "x" * 501}, "q"),
        ({"q": "nul\x00byte"}, "q"),
        ({"limit": "many"}, "limit"),
    ],
)
def test_list_bad_parameters_say_which(local: Local, params: dict, field: str) -> None:
    response = local.client.get("/api/replays", params=params)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid_request"
    assert field in error["message"]


@pytest.mark.readonly
def test_get_replay_with_events(local: Local) -> None:
    replay = local.replay("1af7fc5e")
    body = local.client.get(f"/api/replays/{replay.id}").json()
    assert body["replay"]["id"] == replay.id
    assert body["replay"]["metadata"]["event_count"] == replay.metadata.event_count
    events = body["events"]
    assert len(events) == replay.metadata.event_count
    assert body["truncated"] is False and body["next_from_ms"] is None
    stored = local.store.read_events(replay.id)
    assert [e["id"] for e in events] == [e.id for e in stored]
    first = events[0]
    assert first["sessionId"] == replay.session_id  # ClaudeEvent's camelCase wire names
    assert "relative_time_ms" in first and "recorded_at" in first


@pytest.mark.readonly
def test_get_replay_without_events_and_windowed(local: Local) -> None:
    replay = local.replay("fe5e1c67")
    meta_only = local.client.get(f"/api/replays/{replay.id}", params={"events_limit": 0}).json()
    assert meta_only["events"] == []
    assert meta_only["truncated"] is True and meta_only["next_from_ms"] == 0
    page = local.client.get(f"/api/replays/{replay.id}", params={"events_limit": 100}).json()
    assert 0 < len(page["events"]) <= 100 and page["truncated"] is True
    rest = local.client.get(
        f"/api/replays/{replay.id}/events", params={"from_ms": page["next_from_ms"]}
    ).json()
    together = [e["id"] for e in page["events"] + rest["events"]]
    assert together == [e.id for e in local.store.read_events(replay.id)]


@pytest.mark.readonly
def test_events_window(local: Local) -> None:
    replay = local.replay("fe5e1c67")
    stored = local.store.read_events(replay.id)
    low, high = stored[10].relative_time_ms, stored[60].relative_time_ms
    body = local.client.get(
        f"/api/replays/{replay.id}/events", params={"from_ms": low, "to_ms": high}
    ).json()
    expected = [e.id for e in stored if low <= e.relative_time_ms <= high]
    assert [e["id"] for e in body["events"]] == expected
    assert (body["replay_id"], body["from_ms"], body["to_ms"]) == (replay.id, low, high)


@pytest.mark.readonly
def test_events_window_paging_sees_every_event_once(local: Local) -> None:
    replay = local.replay("fe5e1c67")
    seen: list[str] = []
    low = 0
    while True:
        body = local.client.get(
            f"/api/replays/{replay.id}/events", params={"from_ms": low, "limit": 37}
        ).json()
        seen += [e["id"] for e in body["events"]]
        if not body["truncated"]:
            break
        low = body["next_from_ms"]
    assert seen == [e.id for e in local.store.read_events(replay.id)]


@pytest.mark.readonly
def test_events_window_limits(local: Local) -> None:
    replay = local.replay("1af7fc5e")
    url = f"/api/replays/{replay.id}/events"
    too_long = local.client.get(url, params={"from_ms": 0, "to_ms": MAX_WINDOW_MS + 1})
    assert too_long.status_code == 400 and error_of(too_long)["code"] == "window_too_large"
    inverted = local.client.get(url, params={"from_ms": 10, "to_ms": 5})
    assert inverted.status_code == 400 and error_of(inverted)["code"] == "invalid_window"
    huge = local.client.get(url, params={"from_ms": 2**63})
    assert huge.status_code == 422 and "from_ms" in error_of(huge)["message"]
    assert local.client.get(url, params={"limit": 5001}).status_code == 422


@pytest.mark.readonly
def test_unknown_replay_is_404_json(local: Local) -> None:
    for method, path in [
        ("GET", "/api/replays/nope"),
        ("GET", "/api/replays/nope/events"),
        ("PATCH", "/api/replays/nope"),
        ("DELETE", "/api/replays/nope"),
    ]:
        kwargs = {"json": {"title": "x"}} if method == "PATCH" else {}
        response = local.client.request(method, path, **kwargs)
        assert response.status_code == 404, (method, path)
        assert error_of(response)["code"] == "not_found"
    unknown_route = local.client.get("/api/nothing-here")
    assert unknown_route.status_code == 404 and error_of(unknown_route)["code"] == "not_found"
    wrong_method = local.client.put("/api/replays")
    assert wrong_method.status_code == 405
    assert error_of(wrong_method)["code"] == "method_not_allowed"


def test_patch_title_and_description(local: Local) -> None:
    replay = local.replay("1af7fc5e")
    url = f"/api/replays/{replay.id}"
    response = local.client.patch(url, json={"title": "Init walkthrough"})
    assert response.status_code == 200
    assert response.json()["title"] == "Init walkthrough"
    response = local.client.patch(url, json={"description": "How /init writes CLAUDE.md"})
    body = response.json()
    assert body["title"] == "Init walkthrough"
    assert body["description"] == "How /init writes CLAUDE.md"
    assert local.store.get_replay(replay.id).title == "Init walkthrough"
    assert local.client.patch(url, json={}).json()["title"] == "Init walkthrough"


@pytest.mark.readonly
@pytest.mark.parametrize(
    "body",
    [
        {"title": "x" * 301},
        {"description": "x" * 10_001},
        {"title": "bad\x00nul"},
        {"titel": "typo"},
        {"title": 5},
    ],
)
def test_patch_rejects_bad_bodies(local: Local, body: dict) -> None:
    replay = local.replay("1af7fc5e")
    response = local.client.patch(f"/api/replays/{replay.id}", json=body)
    assert response.status_code == 422
    assert error_of(response)["code"] == "invalid_request"
    assert local.store.get_replay(replay.id).title == replay.title


@pytest.mark.readonly
def test_malformed_json_and_oversized_bodies(local: Local) -> None:
    replay = local.replay("1af7fc5e")
    url = f"/api/replays/{replay.id}"
    headers = {"Content-Type": "application/json"}
    broken = local.client.patch(url, content=b'{"title": ', headers=headers)
    assert broken.status_code == 400 and error_of(broken)["code"] == "bad_request"
    lone_surrogate = local.client.patch(url, content=b'{"title": "\\ud800"}', headers=headers)
    assert lone_surrogate.status_code == 422
    big = b'{"title": "' + b"x" * MAX_BODY_BYTES + b'"}'
    too_big = local.client.patch(url, content=big, headers=headers)
    assert too_big.status_code == 413 and error_of(too_big)["code"] == "body_too_large"


def test_delete(local: Local) -> None:
    replay = local.replay("1af7fc5e")
    assert local.client.delete(f"/api/replays/{replay.id}").status_code == 204
    assert local.store.get_replay(replay.id) is None
    assert local.client.get(f"/api/replays/{replay.id}").status_code == 404
    assert local.client.delete(f"/api/replays/{replay.id}").status_code == 404
    assert local.client.get("/api/replays").json()["total"] == len(local.replays) - 1


def test_start_creates_a_recording_and_stop_completes_it(local: Local) -> None:
    response = local.client.post(
        "/api/replays/start", json={"session_id": "live-session-1", "title": "Live demo"}
    )
    assert response.status_code == 201
    replay = response.json()
    assert replay["id"] == replay_id_for("live-session-1", "local")
    assert (replay["status"], replay["title"], replay["session_id"]) == (
        "recording",
        "Live demo",
        "live-session-1",
    )
    # the same form as every other recorded_date (ISO 8601, UTC, milliseconds)
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", replay["metadata"]["recorded_date"]
    )
    again = local.client.post("/api/replays/start", json={"session_id": "live-session-1"})
    assert again.status_code == 200 and again.json()["id"] == replay["id"]
    stopped = local.client.post("/api/replays/stop", json={"replay_id": replay["id"]})
    assert stopped.status_code == 200 and stopped.json()["status"] == "complete"
    assert local.store.get_replay(replay["id"]).status == "complete"
    # Stopping twice is harmless; stopping nothing is a 404.
    assert local.client.post("/api/replays/stop", json={"replay_id": replay["id"]}).is_success
    missing = local.client.post("/api/replays/stop", json={"replay_id": "nope"})
    assert missing.status_code == 404


def test_start_on_an_imported_session_resumes_it_with_its_events(local: Local) -> None:
    replay = local.replay("1af7fc5e")
    response = local.client.post("/api/replays/start", json={"session_id": replay.session_id})
    assert response.status_code == 200
    assert response.json()["id"] == replay.id and response.json()["status"] == "recording"
    assert len(local.store.read_events(replay.id)) == replay.metadata.event_count
    local.client.post("/api/replays/stop", json={"replay_id": replay.id})
    after = local.store.get_replay(replay.id)
    assert after.status == "complete" and after.metadata == replay.metadata


@pytest.mark.readonly
@pytest.mark.parametrize(
    "body", [{}, {"session_id": ""}, {"session_id": "   "}, {"session_id": "s" * 201}]
)
def test_start_needs_a_session_id(local: Local, body: dict) -> None:
    response = local.client.post("/api/replays/start", json=body)
    assert response.status_code == 422
    assert "session_id" in error_of(response)["message"]


@pytest.mark.readonly
def test_played_reports_feed_metrics(local: Local) -> None:
    replay = local.replay("1af7fc5e")
    url = f"/api/replays/{replay.id}/played"
    assert local.client.post(url, json={"p95_fps": 58.5}).status_code == 204
    assert local.client.post(url, json={}).status_code == 204
    assert local.client.post(url, json={"p95_fps": -1}).status_code == 422
    assert local.client.post("/api/replays/nope/played", json={}).status_code == 404
    text = local.client.get("/metrics").text
    assert "vibecast_recordings_played_total 2" in text
    assert "vibecast_p95_playback_fps 58.5" in text


@pytest.mark.readonly
def test_health_and_me(local: Local) -> None:
    health = local.client.get("/api/health").json()
    assert health["status"] == "ok" and health["mode"] == "local"
    me = local.client.get("/api/me").json()
    assert me["user"]["id"] == "local" and me["mode"] == "local" and me["via"] == "local"
