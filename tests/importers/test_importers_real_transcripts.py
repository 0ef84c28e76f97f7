"""Every shared transcript and chat array, imported and checked against its source JSON."""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import jsonschema
import msgspec
import pytest
from importer_source_json import CHAT_ARRAYS, TRANSCRIPTS, SessionFacts, sessions_in

from vibecast.importers import SourceResult, read_source
from vibecast.model import EventType, RecordedEvent, event_json_schema

SOURCES = TRANSCRIPTS + CHAT_ARRAYS
SOURCE_IDS = [p.name for p in SOURCES]


@cache
def imported(path: Path) -> SourceResult:
    return read_source(path)


def session_pairs() -> list[tuple[Path, str]]:
    return [(path, sid) for path in SOURCES for sid in sessions_in(path)]


def events_of(path: Path, session_id: str) -> list[RecordedEvent]:
    sessions = {s.session_id: s for s in imported(path).sessions}
    return sessions[session_id].events if session_id in sessions else []


def test_the_shared_data_is_there(shared_data: Path) -> None:
    assert len(TRANSCRIPTS) == 4 and len(CHAT_ARRAYS) == 2


@pytest.mark.parametrize("path", SOURCES, ids=SOURCE_IDS)
def test_imports_without_reader_failure(path: Path) -> None:
    result = imported(path)
    assert result.format in {"claude-transcript", "claude-chat-array"}
    everything = result.issues + [i for s in result.sessions for i in s.issues]
    assert not [i for i in everything if "reader failed" in i.message]
    assert sum(len(s.events) for s in result.sessions) > 0


@pytest.mark.parametrize("path", SOURCES, ids=SOURCE_IDS)
def test_session_ids_are_the_sources(path: Path) -> None:
    facts = sessions_in(path)
    result = imported(path)
    with_events = {sid for sid, f in facts.items() if f.tool_uses or f.typed_prompts()}
    assert with_events <= {s.session_id for s in result.sessions} <= set(facts)
    for session in result.sessions:
        assert {e.session_id for e in session.events} == {session.session_id}
        assert session.source == str(path)


@pytest.mark.parametrize(("path", "session_id"), session_pairs(), ids=str)
def test_tool_calls_per_tool_match_the_source(path: Path, session_id: str) -> None:
    facts = sessions_in(path)[session_id]
    events = events_of(path, session_id)
    calls = Counter(e.tool for e in events if e.type == EventType.PRE_TOOL_USE)
    assert calls == facts.calls_per_tool()
    assert all(e.id == f"{e.tool_use_id}:pre" for e in events if e.type == EventType.PRE_TOOL_USE)


@pytest.mark.parametrize(("path", "session_id"), session_pairs(), ids=str)
def test_every_tool_result_is_one_event(path: Path, session_id: str) -> None:
    facts = sessions_in(path)[session_id]
    events = events_of(path, session_id)
    results = [
        e for e in events if e.type in (EventType.POST_TOOL_USE, EventType.POST_TOOL_USE_FAILURE)
    ]
    per_call = Counter(e.tool_use_id for e in results)
    assert set(per_call) == set(facts.results)
    assert set(per_call.values()) <= {1}
    calls = facts.tool_uses
    matched = {tid for tid in facts.results if tid in calls}
    for event in results:
        expected_tool = calls[event.tool_use_id][0] if event.tool_use_id in matched else None
        assert event.tool == expected_tool


@pytest.mark.parametrize(("path", "session_id"), session_pairs(), ids=str)
def test_errors_are_failures(path: Path, session_id: str) -> None:
    facts = sessions_in(path)[session_id]
    events = events_of(path, session_id)
    failed = {e.tool_use_id for e in events if e.type == EventType.POST_TOOL_USE_FAILURE}
    assert failed == facts.failed_results()
    for event in events:
        if event.type == EventType.POST_TOOL_USE_FAILURE:
            assert event.success is False and event.error
        elif event.type == EventType.POST_TOOL_USE:
            assert event.success is True and event.error is None


@pytest.mark.parametrize(("path", "session_id"), session_pairs(), ids=str)
def test_prompts_match_the_typed_ones(path: Path, session_id: str) -> None:
    facts = sessions_in(path)[session_id]
    events = events_of(path, session_id)
    prompts = [e for e in events if e.type == EventType.USER_PROMPT_SUBMIT]
    assert len(prompts) == len(facts.typed_prompts())
    assert not [p for p in prompts if "<command-name>" in (p.prompt or "")]


def test_fe5e1c67_in_numbers(shared_data: Path) -> None:
    """The README's figures: 405 sidechain records, 5 Task calls, 61 Bash, 23 tool errors."""
    path = shared_data / "claude-code/transcripts/fe5e1c67-53e7-4862-81ae-d0e013e3270b.jsonl"
    facts = sessions_in(path)["fe5e1c67-53e7-4862-81ae-d0e013e3270b"]
    assert sum(1 for r in facts.records if r.get("isSidechain")) == 405
    events = events_of(path, facts.session_id)
    calls = Counter(e.tool for e in events if e.type == EventType.PRE_TOOL_USE)
    assert calls["Task"] == 5 and calls["Bash"] == 61
    assert sum(e.type == EventType.POST_TOOL_USE_FAILURE for e in events) == 23
    assert sum(e.type == EventType.SUBAGENT_START for e in events) == 5
    session = next(s for s in imported(path).sessions if s.session_id == facts.session_id)
    assert session.info.title == "Empty Repo Setup: CLAUDE.md Foundation Created"
    assert session.info.model == "claude-sonnet-4-20250514"
    assert session.info.claude_version == "1.0.98"
    prompts = [e.prompt for e in events if e.type == EventType.USER_PROMPT_SUBMIT]
    assert prompts[0] == "/orchestrator create TODO app by Next.js"


@pytest.mark.parametrize(
    "name", ["fe5e1c67-53e7-4862-81ae-d0e013e3270b", "5c0375b4-57a5-4f26-b12d-d022ee4e51b7"]
)
def test_inline_sidechains_nest_under_the_task_that_spawned_them(
    shared_data: Path, name: str
) -> None:
    path = shared_data / f"claude-code/transcripts/{name}.jsonl"
    facts: SessionFacts = sessions_in(path)[name]
    expected_parent = facts.sidechain_parent()
    by_record: dict[str, str] = {}  # source record uuid -> parent our events carry
    owner = {tid: record["uuid"] for tid, (_, record) in facts.tool_uses.items()}
    result_owner = {
        block["tool_use_id"]: record["uuid"]
        for record in facts.records
        if record.get("type") == "user" and isinstance(record["message"]["content"], list)
        for block in record["message"]["content"]
        if block.get("type") == "tool_result"
    }
    for event in events_of(path, name):
        if event.id.endswith(":pre"):
            uuid = owner[event.tool_use_id]
        elif event.id.endswith(":post"):
            uuid = result_owner[event.tool_use_id]
        else:
            uuid = event.id.rsplit(":", 1)[0]
        if uuid in expected_parent:
            by_record[uuid] = event.parent_tool_use_id
        else:
            assert event.parent_tool_use_id is None
    assert by_record and all(by_record[u] == expected_parent[u] for u in by_record)
    spawned = {tid for tid, (tool, _) in facts.tool_uses.items() if tool == "Task"}
    assert set(by_record.values()) <= spawned


@pytest.mark.parametrize("path", SOURCES, ids=SOURCE_IDS)
def test_usage_is_counted_once_per_api_message(path: Path) -> None:
    for session_id, facts in sessions_in(path).items():
        final: dict[str, int] = {}
        for record in facts.records:
            message = record.get("message")
            if record.get("type") == "assistant" and not record.get("isApiErrorMessage"):
                usage = message.get("usage") or {}
                if "output_tokens" in usage:
                    final[message["id"]] = usage["output_tokens"]
        events = events_of(path, session_id)
        carried = [
            e.usage["output_tokens"] for e in events if e.usage and "output_tokens" in e.usage
        ]
        assert sum(carried) == sum(final.values())


@pytest.mark.parametrize("path", SOURCES, ids=SOURCE_IDS)
def test_events_validate_against_the_published_schema(path: Path) -> None:
    validator = jsonschema.Draft202012Validator(event_json_schema())
    for session in imported(path).sessions:
        for event in session.events:
            validator.validate(msgspec.json.decode(msgspec.json.encode(event)))
