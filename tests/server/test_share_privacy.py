"""A share link hands out no local transcript path and no real Claude session id — checked on
replays recorded from real hook payloads, whose every event names both."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
from server_helpers import Team

from vibecast.config import Settings
from vibecast.model import RecordedEvent, Replay, ReplayMetadata, encode_event
from vibecast.pipeline import import_paths
from vibecast.server.encoding import UNTITLED, public_replay, shared_events

HOOK_PAYLOADS = "claude-code/hook-payloads"
HOUR_MS = 3_600_000
# Fields of the real payloads that hold the session id or a path to the owner's transcripts.
_SECRET_FIELDS = ("session_id", "transcript_path", "agent_transcript_path")


def _strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, key)
    elif isinstance(value, str):
        yield key, value


def _secrets(folder: Path) -> set[str]:
    """Every session id and transcript path the payloads carry (a logger's copy too)."""
    found = set()
    for path in folder.rglob("*.json"):
        for key, text in _strings(json.loads(path.read_text())):
            if key in _SECRET_FIELDS:
                found.add(text)
    return found


def _responses(team: Team, token: str, duration_ms: int) -> dict[str, bytes]:
    """Every answer of the link's endpoints and page to an anonymous reader."""
    anonymous = team.anonymous
    answers = {
        "replay": anonymous.get(f"/api/s/{token}"),
        "notes": anonymous.get(f"/api/s/{token}/notes"),
        "page": anonymous.get(f"/s/{token}"),
        "played": anonymous.post(f"/api/s/{token}/played", json={}),
    }
    for start in range(0, duration_ms + 1, HOUR_MS):  # every event, an hour at a time
        answers[f"events from {start}"] = anonymous.get(
            f"/api/s/{token}/events", params={"from_ms": start, "to_ms": start + HOUR_MS - 1}
        )
    for name, answer in answers.items():
        assert answer.status_code in (200, 204), (name, answer.text)
    return {
        name: answer.content + json.dumps(dict(answer.headers)).encode()
        for name, answer in answers.items()
    }


def test_share_links_show_no_transcript_path_and_no_session_id(
    team: Team, settings: Settings, shared_data: Path
) -> None:
    folder = shared_data / HOOK_PAYLOADS
    secrets = _secrets(folder)
    assert any("/.claude/projects/" in s for s in secrets)  # the data has what is tested
    summary = import_paths(team.store, settings, [folder], user_id=team.alice.user.id, force=True)
    assert len(summary.replay_ids) >= 3
    for replay_id in summary.replay_ids:
        replay = team.store.get_replay(replay_id)
        assert replay is not None
        owners = team.alice.client.get(f"/api/replays/{replay_id}").text
        assert replay.session_id in owners  # the owner still sees what was recorded
        share = team.alice.client.post(
            f"/api/replays/{replay_id}/share", json={"is_public": True, "share_notes": True}
        )
        token = share.json()["share_token"]
        team.alice.client.post(
            f"/api/replays/{replay_id}/annotations", json={"timestamp_ms": 0, "text": "see here"}
        )
        answers = _responses(team, token, replay.metadata.duration_ms)
        for name, body in answers.items():
            leaked = sorted(s for s in secrets if s.encode() in body)
            assert not leaked, f"{replay.session_id}: /api/s {name} shows {leaked[:3]}"
            assert b"transcript_path" not in body and b".claude/projects" not in body, name
        body = team.anonymous.get(f"/api/s/{token}").json()
        aliases = {event["sessionId"] for event in body["events"]}
        assert len(aliases) == 1 and next(iter(aliases)).startswith("shared-")
        # the working directory is the session's own, and the player shows it (docs/api.md)
        cwds = {event.get("cwd") for event in body["events"]} - {None}
        assert cwds == {e.cwd for e in team.store.read_events(replay_id)} - {None}


def test_a_session_id_inside_any_text_becomes_its_alias() -> None:
    """Not only the session fields: a path or an output naming the id, a Vibecraft event id
    built from it, an unknown record kept whole in ``raw`` — the same alias everywhere."""
    sid = "11473b9f-d3da-4c3c-a193-9110e7dfbcfb"
    events = [
        RecordedEvent(
            id=f"{sid}-1795511545989442038",
            timestamp=1,
            type="post_tool_use",
            session_id=sid,
            tool="Bash",
            tool_response={"stdout": f"ls ~/.claude/projects/x/{sid}.jsonl", sid: 1},
            raw={
                "session_id": sid,
                "nested": {"transcript_path": f"/Users/a/{sid}.jsonl", "sessionId": "s1"},
            },
            recorded_at=1,
            relative_time_ms=0,
        ),
        RecordedEvent(
            id="e2", timestamp=2, type="stop", session_id="s1", recorded_at=2, relative_time_ms=1
        ),
    ]
    shown = shared_events(events, b"k" * 32)
    text = b"".join(encode_event(e) for e in shown).decode()
    assert sid not in text and "transcript_path" not in text and '"s1"' not in text
    alias = shown[0].session_id
    assert alias.startswith("shared-") and shown[0].id == f"{alias}-1795511545989442038"
    assert shown[0].raw == {"session_id": alias, "nested": {"sessionId": shown[1].session_id}}
    assert shown[0].tool_response == {"stdout": f"ls ~/.claude/projects/x/{alias}.jsonl", alias: 1}
    assert events[0].session_id == sid  # the stored events are not changed


def test_a_session_named_by_its_id_is_untitled_on_the_link() -> None:
    """A session with no prompt is named ``Session <first 8 of its id>``: on a link that would
    give away the start of the id the alias hides."""
    sid = "11473b9f-d3da-4c3c-a193-9110e7dfbcfb"
    replay = Replay(
        id="r1",
        user_id="u1",
        session_id=sid,
        title=f"Session {sid[:8]}",
        metadata=ReplayMetadata(session_name=f"Session {sid[:8]}", recorded_date="2026-01-01"),
    )
    shown = public_replay(replay)
    assert (shown.title, shown.metadata.session_name) == (UNTITLED, UNTITLED)
    titled = msgspec.structs.replace(replay, title="Fix the login bug")
    assert public_replay(titled).title == "Fix the login bug"  # a real title is kept


def test_the_links_page_names_no_session_id(team: Team) -> None:
    """The page's title and its preview for chat apps (og:title) too."""
    sid = "5e55104f-0000-4000-8000-00000000beef"
    started = team.alice.client.post("/api/replays/start", json={"session_id": sid}).json()
    # what a session with no prompt is named (a replay started by the API has no name yet)
    named = team.alice.client.patch(
        f"/api/replays/{started['id']}", json={"title": f"Session {sid[:8]}"}
    )
    assert named.status_code == 200, named.text
    share = team.alice.client.post(f"/api/replays/{started['id']}/share", json={"is_public": True})
    page = team.anonymous.get(f"/s/{share.json()['share_token']}").text
    assert sid[:8] not in page and f"<title>{UNTITLED}" in page
