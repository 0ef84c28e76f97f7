"""Hook payload captures, and the one-payload mapping the live capture reuses."""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from importer_source_json import CHAT_ARRAYS, HOOK_FILES, hook_payloads

from vibecast.importers import event_from_hook_payload, read_source
from vibecast.importers.timestamps import parse_timestamp, read_time
from vibecast.model import EventType

EXPECTED_TYPE = {
    "SessionStart": "session_start",
    "SessionEnd": "session_end",
    "UserPromptSubmit": "user_prompt_submit",
    "PreToolUse": "pre_tool_use",
    "PostToolUse": "post_tool_use",
    "PostToolUseFailure": "post_tool_use_failure",
    "PermissionRequest": "permission_request",
    "Notification": "notification",
    "Stop": "stop",
    "SubagentStart": "subagent_start",
    "SubagentStop": "subagent_stop",
    "PreCompact": "pre_compact",
    "PostCompact": "post_compact",
}
HOOK_IDS = [f"{p.parent.name}/{p.name}" for p in HOOK_FILES]


def distinct_moments(payloads: list[dict]) -> list[dict]:
    """The payloads that are distinct moments: one per tool call and phase, else each one."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for payload in payloads:
        tool_use_id = payload.get("tool_use_id")
        if tool_use_id:
            key = (payload["hook_event_name"], tool_use_id)
            if key in seen:
                continue
            seen.add(key)
        kept.append(payload)
    return kept


@pytest.mark.parametrize("path", HOOK_FILES, ids=HOOK_IDS)
def test_every_payload_becomes_its_event(path: Path) -> None:
    payloads = hook_payloads(path)
    result = read_source(path)
    assert result.format == "claude-hook-payloads"
    events = [e for s in result.sessions for e in s.events]
    expected = Counter(EXPECTED_TYPE[p["hook_event_name"]] for p in distinct_moments(payloads))
    assert Counter(e.type for e in events) == expected
    per_session = Counter(p["session_id"] for p in payloads)
    assert {s.session_id for s in result.sessions} == set(per_session)


@pytest.mark.parametrize("path", HOOK_FILES, ids=HOOK_IDS)
def test_times_are_logged_or_synthesised_in_file_order(path: Path) -> None:
    payloads = hook_payloads(path)
    result = read_source(path)
    logged = [read_time(p.get("timestamp") or p.get("logged_at")) for p in payloads]
    warnings = [i for i in result.issues if "timeEstimated" in i.message]
    events = [e for s in result.sessions for e in s.events]
    assert all(e.raw is None or "timeSynthesised" not in e.raw for e in events)
    if all(t is not None and t.exact for t in logged):
        assert not warnings and not any(e.time_estimated for e in events)
    else:  # no time, or a logger's time without zone: one warning, every guess marked
        assert len(warnings) == 1
        guessed = [e for e, t in zip(events, logged, strict=True) if t is None or not t.exact]
        assert guessed and all(e.time_estimated is True for e in guessed)
    if all(t is not None for t in logged):
        assert sorted(e.timestamp for e in events) == sorted(t.ms for t in logged if t)
        assert "synthesised" not in " ".join(i.message for i in warnings)
    else:
        assert "synthesised" in warnings[0].message
        assert len({e.timestamp for e in events}) == len(events)
        assert max(e.timestamp for e in events) <= int(path.stat().st_mtime * 1000)


def test_naive_logger_times_are_kept_as_local_time_but_marked_estimated(
    shared_data: Path,
) -> None:
    """cka-buddy's logger wrote naive local times (its zone is ~6 h off the transcript's UTC)."""
    path = shared_data / "claude-code/hook-payloads/cc-2.1.62/session_end.json"
    payloads = hook_payloads(path)
    result = read_source(path)
    events = {e.session_id: e for s in result.sessions for e in s.events}
    for payload in payloads:
        event = events[payload["session_id"]]
        naive = datetime.fromisoformat(payload["logged_at"])
        assert event.timestamp == int(naive.timestamp() * 1000)
        assert event.time_estimated is True
    (warning,) = result.issues
    assert "without a time zone" in warning.message and "synthesised" not in warning.message


def test_times_with_a_zone_are_exact(tmp_path: Path) -> None:
    capture = tmp_path / "hooks.json"
    payload = {**PAYLOAD, "hook_event_name": "Stop", "stop_hook_active": False}
    capture.write_text(
        json.dumps(
            [
                {**payload, "timestamp": "2026-02-28T03:50:50.230Z"},
                {**payload, "logged_at": 1772250651230},
                {**payload, "logged_at": "2026-02-27T21:51:51.230"},
            ]
        )
    )
    result = read_source(capture)
    events = result.sessions[0].events
    assert [e.time_estimated for e in events] == [None, None, True]
    assert [e.timestamp for e in events[:2]] == [1772250650230, 1772250651230]
    assert len(result.issues) == 1


def test_tool_failures_keep_their_error(shared_data: Path) -> None:
    path = shared_data / "claude-code/hook-payloads/cc-2.1.62/post_tool_use_failure.json"
    payloads = {p["tool_use_id"]: p for p in hook_payloads(path)}
    events = [e for s in read_source(path).sessions for e in s.events]
    assert {e.tool_use_id for e in events} == set(payloads)
    for event in events:
        assert event.type == EventType.POST_TOOL_USE_FAILURE and event.success is False
        assert event.error == payloads[event.tool_use_id]["error"]
        assert event.id == f"{event.tool_use_id}:post"
        assert event.timestamp == parse_timestamp(payloads[event.tool_use_id]["timestamp"])


def test_hook_and_transcript_give_a_tool_call_the_same_ids(shared_data: Path) -> None:
    """cc-2.1.62's hooks and its chat.json saw the same session 7da73774."""
    transcript = next(p for p in CHAT_ARRAYS if "cka-buddy" in p.name)
    from_transcript = {e.id: e for s in read_source(transcript).sessions for e in s.events}
    shared = 0
    for name in ("pre_tool_use.json", "post_tool_use.json"):
        path = shared_data / "claude-code/hook-payloads/cc-2.1.62" / name
        for event in (e for s in read_source(path).sessions for e in s.events):
            twin = from_transcript.get(event.id)
            if twin is not None:
                shared += 1
                assert (twin.tool, twin.tool_use_id) == (event.tool, event.tool_use_id)
    assert shared >= 20


def test_subagent_events_carry_the_agent(shared_data: Path) -> None:
    path = shared_data / "claude-code/hook-payloads/cc-2.1.62/subagent_stop.json"
    payloads = hook_payloads(path)
    events = [e for s in read_source(path).sessions for e in s.events]
    assert Counter(e.agent_type for e in events) == Counter(
        p["agent_type"] or None for p in payloads
    )
    assert all(e.response and e.agent_id for e in events)
    assert all(e.raw and e.raw["agent_transcript_path"].endswith(".jsonl") for e in events)


PAYLOAD = {
    "session_id": "s-1",
    "transcript_path": "/home/u/.claude/projects/p/s-1.jsonl",
    "cwd": "/work",
    "hook_event_name": "Notification",
    "message": "Claude needs your permission",
    "notification_type": "permission_prompt",
}


def test_one_payload_maps_to_one_event() -> None:
    event = event_from_hook_payload(PAYLOAD, 1_700_000_000_000, 0)
    assert event.type == EventType.NOTIFICATION
    assert (event.timestamp, event.recorded_at, event.relative_time_ms) == (
        1_700_000_000_000,
    ) * 2 + (0,)
    assert (event.message, event.notification_type, event.cwd) == (
        "Claude needs your permission",
        "permission_prompt",
        "/work",
    )
    assert event.raw == {"transcript_path": PAYLOAD["transcript_path"]}


def test_ids_come_from_content_and_occurrence_not_from_logging_or_time() -> None:
    logged = {**PAYLOAD, "logged_at": "2026-01-01T00:00:00", "timestamp": 5}
    first = event_from_hook_payload(PAYLOAD, 1, 0)
    assert event_from_hook_payload(logged, 999, 0).id == first.id
    assert event_from_hook_payload(PAYLOAD, 1, 1).id != first.id
    assert event_from_hook_payload({**PAYLOAD, "message": "other"}, 1, 0).id != first.id


def test_raw_input_is_the_payload_when_a_logger_kept_it() -> None:
    entry = {
        "timestamp": "2026-01-01T00:00:00",
        "raw_input": PAYLOAD,
        "message": "rewritten by the logger",
    }
    assert event_from_hook_payload(entry, 1, 0).message == PAYLOAD["message"]


def test_tool_payloads_use_tool_ids_and_derive_success() -> None:
    pre = {
        **PAYLOAD,
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": "ls"},
        "tool_use_id": "toolu_1",
    }
    post = {
        **pre,
        "hook_event_name": "PostToolUse",
        "tool_response": {"stdout": "a", "interrupted": False},
    }
    bad = {**post, "tool_response": {"success": False, "error": "denied"}}
    assert event_from_hook_payload(pre, 1, 0).id == "toolu_1:pre"
    assert event_from_hook_payload(post, 2, 0).id == "toolu_1:post"
    assert event_from_hook_payload(post, 2, 0).success is True
    assert event_from_hook_payload(bad, 2, 0).success is False
    permission = {**pre, "hook_event_name": "PermissionRequest"}
    assert event_from_hook_payload(permission, 1, 0).id == "toolu_1:perm"


def test_every_known_hook_name_has_its_type() -> None:
    for name, expected in EXPECTED_TYPE.items():
        assert event_from_hook_payload({**PAYLOAD, "hook_event_name": name}, 1, 0).type == expected


def test_unknown_hook_names_are_kept_raw(tmp_path: Path) -> None:
    odd = {**PAYLOAD, "hook_event_name": "TeammateIdle", "teammate": "bob"}
    event = event_from_hook_payload(odd, 1, 0)
    assert event.type == EventType.UNKNOWN and event.raw == odd
    path = tmp_path / "log.json"
    path.write_text(json.dumps([odd, PAYLOAD]))
    result = read_source(path)
    everything = result.issues + [i for s in result.sessions for i in s.issues]
    warnings = [i for i in everything if "TeammateIdle" in i.message]
    assert len(warnings) == 1 and warnings[0] in result.sessions[0].issues
    assert [e.type for e in result.sessions[0].events] == [
        EventType.UNKNOWN,
        EventType.NOTIFICATION,
    ]


def test_images_in_tool_responses_become_blobs() -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(200)
    payload = {
        **PAYLOAD,
        "hook_event_name": "PostToolUse",
        "tool_name": "Read",
        "tool_use_id": "toolu_img",
        "tool_input": {"file_path": "/a.png"},
        "tool_response": {
            "type": "image",
            "file": {"base64": base64.b64encode(png).decode(), "type": "image/png"},
        },
    }
    blobs: dict[str, bytes] = {}
    event = event_from_hook_payload(payload, 1, 0, blobs=blobs)
    digest = hashlib.sha256(png).hexdigest()
    assert blobs == {digest: png}
    assert event.attachments[0].blob == digest and event.attachments[0].media_type == "image/png"
    assert event.tool_response["file"]["base64"] == f"blob:{digest}"
