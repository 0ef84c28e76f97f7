"""The recorder on the shared real transcripts, checked against what the source JSON says.

Events come from the test-local reader in ``recorder_transcripts`` (the recorder is tested on
its own here); expectations are computed from the raw records, not from any vibecast code.
"""

from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path

import pytest
from recorder_events import wire
from recorder_transcripts import (
    TRANSCRIPTS,
    SourceFacts,
    expected_from_source,
    read_transcript,
    session_ids,
)

from vibecast.importers.base import CapturedSession
from vibecast.model import EventType, RecordedEvent, Replay
from vibecast.recorder import build_replay

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SESSIONS = [(rel, sid) for rel in TRANSCRIPTS for sid in session_ids(SHARED / rel)]
TITLES = {
    "1af7fc5e": "/init",
    "5c0375b4": "/orchestrator @CLAUDE.md を最新の状態にアップデートしてください",
    "fe5e1c67": "/orchestrator create TODO app by Next.js",
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
def captured(rel: str, session_id: str) -> CapturedSession:
    return read_transcript(SHARED / rel, session_id)


@cache
def recorded(rel: str, session_id: str) -> tuple[Replay, list[RecordedEvent]]:
    return build_replay(captured(rel, session_id), now_ms=1)


@cache
def facts(rel: str, session_id: str) -> SourceFacts:
    return expected_from_source(SHARED / rel, session_id)


@pytest.fixture(params=SESSIONS, ids=[f"{Path(r).name[:24]}-{s[:8]}" for r, s in SESSIONS])
def case(request: pytest.FixtureRequest, shared_data: Path) -> tuple[str, str]:
    return request.param


def test_every_sample_session_is_covered() -> None:
    assert {sid[:8] for _, sid in SESSIONS} == set(TITLES)


def test_tool_breakdown_matches_the_source(case: tuple[str, str]) -> None:
    replay, _ = recorded(*case)
    assert replay.metadata.tool_breakdown == dict(facts(*case).tool_calls)


def test_durations_are_the_time_between_tool_use_and_tool_result(case: tuple[str, str]) -> None:
    source = facts(*case)
    _, events = recorded(*case)
    checked = 0
    for event in events:
        if event.type not in (EventType.PRE_TOOL_USE, EventType.POST_TOOL_USE):
            continue
        tool_use_id = event.tool_use_id
        if tool_use_id in source.call_time and tool_use_id in source.result_time:
            expected = source.result_time[tool_use_id] - source.call_time[tool_use_id]
            assert event.duration == max(0, expected), event.id
            checked += 1
        elif event.type == EventType.PRE_TOOL_USE:
            assert (event.success, event.duration) == (None, None)  # never answered
    answered = source.call_time.keys() & source.result_time.keys()
    assert checked == 2 * len(answered)  # each call and each result


def test_errors_are_the_failed_results(case: tuple[str, str]) -> None:
    source = facts(*case)
    replay, events = recorded(*case)
    assert replay.metadata.error_count == len(source.errors)
    for event in events:
        if event.type == EventType.POST_TOOL_USE and event.tool_use_id in source.call_time:
            assert event.success is (event.tool_use_id not in source.errors)


def test_token_usage_counts_each_api_response_once(case: tuple[str, str]) -> None:
    replay, _ = recorded(*case)
    assert replay.metadata.token_usage == facts(*case).token_usage


def test_titles_prompts_and_subagents(case: tuple[str, str]) -> None:
    replay, _ = recorded(*case)
    key = case[1][:8]
    assert replay.metadata.session_name == replay.title == TITLES[key]
    assert len(replay.title) <= 80
    assert replay.metadata.prompt_count == PROMPTS[key]
    assert replay.metadata.subagent_count == SUBAGENTS.get(key, 0)


def test_timeline_starts_at_zero_and_never_goes_back(case: tuple[str, str]) -> None:
    replay, events = recorded(*case)
    times = [e.relative_time_ms for e in events]
    assert times[0] == 0
    assert all(a <= b for a, b in itertools.pairwise(times))
    stamps = [e.timestamp for e in events]
    assert replay.metadata.duration_ms == max(stamps) - min(stamps) == times[-1]
    assert replay.metadata.event_count == len(events) == len(captured(*case).events)


def test_reimport_and_prefix_merge_are_idempotent(case: tuple[str, str]) -> None:
    replay, events = recorded(*case)
    session = captured(*case)
    again, again_events = build_replay(session, replay, events, now_ms=2)
    assert again is replay and wire(again_events) == wire(events)

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
