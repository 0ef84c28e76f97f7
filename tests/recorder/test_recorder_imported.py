"""The recorder behind vibecast's own importers, on every shared sample, against the source JSON.

``read_source`` turns the files into sessions; the replay built from them must say what the raw
records say: calls per tool, call-to-result times, failed results, token usage, titles, prompts.
Expectations come from ``recorder_transcripts``, which reads the raw records without vibecast.
"""

from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path

import pytest
from recorder_events import by_id, wire
from recorder_transcripts import TRANSCRIPTS, SourceFacts, expected_from_source, load_records

from shared_data import SHARED_DATA
from vibecast.importers import read_source
from vibecast.importers.base import CapturedSession
from vibecast.model import EventType, RecordedEvent, Replay
from vibecast.recorder import build_replay
from vibecast.recorder.merge import time_is_estimated
from vibecast.recorder.subagents import SPAWNING_TOOLS

SHARED = SHARED_DATA
TITLES = {
    "1af7fc5e": "/init",
    "5c0375b4": "/orchestrator @CLAUDE.md を最新の状態にアップデートしてください",
    "fe5e1c67": "Empty Repo Setup: CLAUDE.md Foundation Created",  # the transcript's summary
    "b162b1ae": "幫我查一下 golang文檔 透過 context7",
    "c33e0ff6": "nh home switch . still fails!, fix it",
    "129cee5b": "fix the nixos system build error without being lazy and whilst thinking hard",
    "7da73774": "lets use an agent team to see how we make our cka buddy learning interface…",
    "e9f146fa": (
        "幫我檢查一下 go.mod 裡面 為何 go版本是 1.23, toolchain 卻是 1.24? "
        "請幫我統一成1.23並且我希望1.23以上就能使用…"
    ),
}
PROMPTS = {
    "1af7fc5e": 1,  # /init (its expanded instructions are isMeta)
    "5c0375b4": 1,
    "fe5e1c67": 2,
    "e9f146fa": 2,
    "b162b1ae": 2,  # /mcp, /exit, caveats and command output are not prompts
    "c33e0ff6": 1,
    "129cee5b": 3,  # "[Request interrupted by user]" is not one
    "7da73774": 2,
}
SUBAGENTS = {"5c0375b4": 2, "fe5e1c67": 5, "c33e0ff6": 2, "7da73774": 3}


@cache
def sessions(rel: str) -> tuple[CapturedSession, ...]:
    return tuple(read_source(SHARED / rel).sessions)


def _ids(rel: str) -> list[tuple[str, str]]:
    if not (SHARED / rel).exists():
        return [(rel, "missing")]
    return [(rel, session.session_id) for session in sessions(rel)]


CASES = [case for rel in TRANSCRIPTS for case in _ids(rel)]


def session_of(rel: str, session_id: str) -> CapturedSession:
    return next(s for s in sessions(rel) if s.session_id == session_id)


@cache
def recorded(rel: str, session_id: str) -> tuple[Replay, list[RecordedEvent]]:
    return build_replay(session_of(rel, session_id), now_ms=1)


@cache
def facts(rel: str, session_id: str) -> SourceFacts:
    return expected_from_source(SHARED / rel, session_id)


@pytest.fixture(params=CASES, ids=[f"{Path(r).name[:24]}-{s[:8]}" for r, s in CASES])
def case(request: pytest.FixtureRequest, shared_data: Path) -> tuple[str, str]:
    return request.param


def test_every_sample_session_is_covered() -> None:
    assert {session_id[:8] for _, session_id in CASES} == set(TITLES)


def test_metadata_says_what_the_source_says(case: tuple[str, str]) -> None:
    replay, _ = recorded(*case)
    source = facts(*case)
    meta = replay.metadata
    key = case[1][:8]
    assert meta.tool_breakdown == dict(source.tool_calls)
    assert meta.error_count == len(source.errors)
    assert meta.token_usage == source.token_usage
    assert meta.session_name == replay.title == TITLES[key]
    assert len(replay.title) <= 80
    assert meta.prompt_count == PROMPTS[key]
    assert meta.subagent_count == SUBAGENTS.get(key, 0)
    assert meta.sources == [str(SHARED / case[0])]


def test_durations_and_outcomes_match_the_source_records(case: tuple[str, str]) -> None:
    source = facts(*case)
    _, events = recorded(*case)
    answered = source.call_time.keys() & source.result_time.keys()
    timed = {}
    for event in events:
        if event.tool_use_id in answered and event.type != EventType.PERMISSION_REQUEST:
            expected = source.result_time[event.tool_use_id] - source.call_time[event.tool_use_id]
            assert event.duration == max(0, expected), event.id
            assert event.success is (event.tool_use_id not in source.errors), event.id
            timed[event.id] = event
    assert len(timed) == 2 * len(answered)  # the call and the result of each
    for event in events:
        if event.type == EventType.PRE_TOOL_USE and event.tool_use_id not in answered:
            assert (event.success, event.duration) == (None, None)  # never answered


def test_timeline_starts_at_zero_and_never_goes_back(case: tuple[str, str]) -> None:
    replay, events = recorded(*case)
    times = [e.relative_time_ms for e in events]
    assert times[0] == 0
    assert all(a <= b for a, b in itertools.pairwise(times))
    stamps = [e.timestamp for e in events]
    assert replay.metadata.duration_ms == max(stamps) - min(stamps) == times[-1]
    assert replay.metadata.event_count == len(events) == len(session_of(*case).events)


def test_subagent_events_are_nested_under_a_task_of_the_same_replay(case: tuple[str, str]) -> None:
    _, events = recorded(*case)
    tasks = {e.tool_use_id for e in events if e.tool in SPAWNING_TOOLS and e.tool_use_id}
    nested = [e for e in events if e.parent_tool_use_id]
    assert all(e.parent_tool_use_id in tasks for e in nested)
    sidechain = sum(
        1
        for r in load_records(SHARED / case[0])
        if r.get("sessionId") == case[1] and r.get("isSidechain")
    )
    assert bool(nested) == bool(sidechain)


def test_importing_again_or_a_grown_copy_changes_nothing(case: tuple[str, str]) -> None:
    replay, events = recorded(*case)
    session = next(s for s in read_source(SHARED / case[0]).sessions if s.session_id == case[1])
    again, again_events = build_replay(session, replay, events, now_ms=2)
    assert again is replay
    assert wire(again_events) == wire(events)

    half = CapturedSession(
        session_id=session.session_id,
        events=session.events[: len(session.events) // 2],
        source=session.source,
        info=session.info,
    )
    first, first_events = build_replay(half, now_ms=1)
    grown, grown_events = build_replay(session, first, first_events, now_ms=2)
    assert wire(grown_events) == wire(events)
    assert grown.metadata == replay.metadata and grown.id == replay.id


def test_vibecraft_blanket_success_is_replaced_by_the_real_outcome(shared_data: Path) -> None:
    result = read_source(shared_data / "vibecraft" / "events.jsonl")
    session = next(s for s in result.sessions if s.session_id == "test-session-12345")
    replay, events = build_replay(session, now_ms=1)
    edit = by_id(events)["toolu_01DEF456abc:post"]
    assert edit.tool_response == {"success": False, "content": "x"}
    assert edit.success is False  # Vibecraft's hook wrote success: true
    read_call = by_id(events)["toolu_01ABC123xyz:pre"]
    assert (read_call.success, read_call.duration) == (None, None)  # no result was recorded
    assert replay.metadata.error_count == 1


def test_hook_captures_merge_into_the_transcripts_replay(shared_data: Path) -> None:
    session_id = "7da73774-862d-4897-94a7-ef847ce65033"
    chat = "claude-code/chat-arrays/cka-buddy-cc-2.1.62.chat.json"
    replay, events = recorded(chat, session_id)
    transcript_ids = {e.id: e for e in events}
    hook_events: list[RecordedEvent] = []
    for name in ("pre_tool_use.json", "post_tool_use.json", "post_tool_use_failure.json"):
        path = shared_data / "claude-code" / "hook-payloads" / "cc-2.1.62" / name
        for hooks in read_source(path).sessions:
            if hooks.session_id == session_id:
                replay, events = build_replay(hooks, replay, events, now_ms=2)
                hook_events.extend(hooks.events)

    merged = by_id(events)
    assert len(merged) == len(events)
    assert merged.keys() == transcript_ids.keys() | {e.id for e in hook_events}
    shared = [e for e in hook_events if e.id in transcript_ids]
    assert shared, "the hook captures and the transcript share tool calls"
    for hook in shared:
        before, after = transcript_ids[hook.id], merged[hook.id]
        exact = (
            before.timestamp if time_is_estimated(hook) else min(before.timestamp, hook.timestamp)
        )
        assert after.timestamp == exact and not time_is_estimated(after)
        assert after.tool_input == (before.tool_input or hook.tool_input)
        assert after.permission_mode == (before.permission_mode or hook.permission_mode)
        assert after.tool_response == (before.tool_response or hook.tool_response)
    calls = {e.tool_use_id for e in events if e.tool_use_id and e.type != "permission_request"}
    assert sum(replay.metadata.tool_breakdown.values()) == len(calls)
    assert len(replay.metadata.sources) == 4
