"""A session captured twice — by hooks (no times) and by its transcript — is one truthful replay.

The shared data holds two such pairs side by side (see its README): cka-buddy (Claude Code
2.1.62: hooks with tool_use_ids, some logger times without zone) and dotfiles (1.0.59: hooks
with neither ids nor times). Each goes through the real pipeline (importers, redaction,
recorder, SQLite store), in either order; expectations come from the source JSON.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import msgspec
import pytest

from vibecast.config import load_settings
from vibecast.importers import read_source
from vibecast.model import EventType, RecordedEvent, Replay
from vibecast.pipeline import import_paths
from vibecast.recorder import build_replay
from vibecast.store import open_store

TOOL_HOOKS = ("PreToolUse", "PostToolUse", "PostToolUseFailure")
# Hook events that only the capture has: each payload must survive as its own event.
# (A UserPromptSubmit is in the transcript too: it becomes one event with the typed prompt.)
HOOK_ONLY = {
    "SessionStart": EventType.SESSION_START,
    "SessionEnd": EventType.SESSION_END,
    "PermissionRequest": EventType.PERMISSION_REQUEST,
    "Notification": EventType.NOTIFICATION,
    "Stop": EventType.STOP,
    "SubagentStart": EventType.SUBAGENT_START,
    "SubagentStop": EventType.SUBAGENT_STOP,
}


@dataclass(frozen=True)
class Pair:
    chat: str
    hooks: str
    session_id: str


PAIRS = {
    "cka-buddy": Pair(
        "cka-buddy-cc-2.1.62.chat.json", "cc-2.1.62", "7da73774-862d-4897-94a7-ef847ce65033"
    ),
    "dotfiles": Pair(
        "dotfiles-cc-1.0.59.chat.json", "cc-1.0.59", "c33e0ff6-e15c-4f85-98ea-266437ed8495"
    ),
}
ORDERS = ("transcript-first", "hooks-first")


@dataclass(frozen=True)
class Imported:
    replay: Replay
    events: list[RecordedEvent]
    replays_of_session: int
    reimport_changed_nothing: bool


@pytest.fixture(scope="module")
def claude(shared_data: Path) -> Path:
    return shared_data / "claude-code"


@pytest.fixture(scope="module")
def imports(
    claude: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, str], Imported]:
    """Every pair imported as a user would, in both orders, then everything imported again."""
    done = {}
    for name, pair in PAIRS.items():
        batches = [[claude / "chat-arrays" / pair.chat], [claude / "hook-payloads" / pair.hooks]]
        for order in ORDERS:
            home = tmp_path_factory.mktemp(f"{name}-{order}")
            settings = load_settings({"VIBECAST_HOME": str(home), "HOME": str(home)})
            with open_store(settings.database_url) as store:
                for batch in batches if order == ORDERS[0] else batches[::-1]:
                    import_paths(store, settings, batch)
                mine = [
                    r for r in store.list_replays(limit=1000) if r.session_id == pair.session_id
                ]
                events = store.read_events(mine[0].id)
                again = import_paths(store, settings, [p for b in batches for p in b], force=True)
                same = not again.replays_created and not again.replays_updated
                same = same and store.read_events(mine[0].id) == events
                done[(name, order)] = Imported(mine[0], events, len(mine), same)
    return done


@cache
def _payloads(claude: Path, pair: Pair) -> tuple[dict, ...]:
    found = []
    for path in sorted((claude / "hook-payloads" / pair.hooks).glob("*.json")):
        for entry in json.loads(path.read_text()):
            payload = entry["raw_input"] if isinstance(entry.get("raw_input"), dict) else entry
            if payload.get("session_id") == pair.session_id:
                found.append(payload)
    return tuple(found)


@cache
def _transcript_tool_ids(claude: Path, pair: Pair) -> frozenset[str]:
    records = json.loads((claude / "chat-arrays" / pair.chat).read_text())
    return frozenset(
        block["id"]
        for record in records
        if record.get("type") == "assistant" and isinstance(record["message"]["content"], list)
        for block in record["message"]["content"]
        if isinstance(block, dict) and block.get("type") == "tool_use"
    )


@cache
def _transcript_alone(claude: Path, pair: Pair) -> Replay:
    sessions = read_source(claude / "chat-arrays" / pair.chat).sessions
    return build_replay(next(s for s in sessions if s.session_id == pair.session_id), now_ms=1)[0]


@pytest.fixture(params=[(n, o) for n in PAIRS for o in ORDERS], ids=lambda c: f"{c[0]}-{c[1]}")
def case(request: pytest.FixtureRequest, imports, claude: Path):
    name, order = request.param
    return PAIRS[name], imports[(name, order)], claude


def test_one_replay_as_long_as_the_transcript(case) -> None:
    pair, result, claude = case
    alone = _transcript_alone(claude, pair).metadata
    assert result.replays_of_session == 1
    # Hook events sit a millisecond outside the transcript's span at most (session start/end).
    assert 0 <= result.replay.metadata.duration_ms - alone.duration_ms <= 5


def test_tool_calls_are_the_transcripts_plus_only_those_it_never_saw(case) -> None:
    """1.0.x hooks carry no id: every one of their calls is a transcript call, never a new one.
    2.x hooks name their calls; those the chat copy lacks (its subagents' calls) add to it."""
    pair, result, claude = case
    known = _transcript_tool_ids(claude, pair)
    unseen: dict[str, str] = {}
    for payload in _payloads(claude, pair):
        tool_use_id = payload.get("tool_use_id")
        if payload["hook_event_name"] in TOOL_HOOKS and tool_use_id and tool_use_id not in known:
            unseen[tool_use_id] = payload["tool_name"]
    expected = Counter(_transcript_alone(claude, pair).metadata.tool_breakdown)
    expected.update(unseen.values())
    assert result.replay.metadata.tool_breakdown == dict(expected)
    if pair.hooks == "cc-1.0.59":
        assert not unseen and result.replay.metadata.tool_breakdown == dict(
            _transcript_alone(claude, pair).metadata.tool_breakdown
        )


def test_what_only_the_hooks_knew_is_kept(case) -> None:
    pair, result, claude = case
    wanted = Counter(
        HOOK_ONLY[p["hook_event_name"]]
        for p in _payloads(claude, pair)
        if p["hook_event_name"] in HOOK_ONLY
    )
    estimated = Counter(e.type for e in result.events if e.time_estimated)
    assert {kind: estimated[kind] for kind in wanted} == dict(wanted)
    responses = {p.get("last_assistant_message") for p in _payloads(claude, pair)} - {None}
    kept = {
        e.response for e in result.events if e.type in (EventType.STOP, EventType.SUBAGENT_STOP)
    }
    assert responses <= kept


def test_each_prompt_shows_once(case) -> None:
    """The hook's UserPromptSubmit and the transcript's prompt are one event: the transcript's
    (its id and time), knowing what the hook knew."""
    pair, result, claude = case
    hooked = [
        p["prompt"] for p in _payloads(claude, pair) if p["hook_event_name"] == "UserPromptSubmit"
    ]
    alone = [e for e in build_replay_events(claude, pair) if e.type == EventType.USER_PROMPT_SUBMIT]
    assert hooked and sorted(hooked) == sorted(e.prompt for e in alone)
    prompts = [e for e in result.events if e.type == EventType.USER_PROMPT_SUBMIT]
    assert [(e.id, e.timestamp, e.prompt) for e in prompts] == [
        (e.id, e.timestamp, e.prompt) for e in alone
    ]
    assert all(e.time_estimated is False for e in prompts)  # met its hook twin


def build_replay_events(claude: Path, pair: Pair) -> list[RecordedEvent]:
    sessions = read_source(claude / "chat-arrays" / pair.chat).sessions
    return build_replay(next(s for s in sessions if s.session_id == pair.session_id), now_ms=1)[1]


def _position(events: list[RecordedEvent]) -> dict[str, int]:
    return {event.id: index for index, event in enumerate(events)}


def test_events_come_in_an_order_a_person_would_accept(case) -> None:
    _, result, _ = case
    events = result.events
    at = _position(events)
    kinds = [e.type for e in events]
    assert [e.relative_time_ms for e in events] == sorted(e.relative_time_ms for e in events)
    if EventType.SESSION_START in kinds:
        assert kinds[0] == EventType.SESSION_START
    if EventType.SESSION_END in kinds:
        assert kinds[-1] == EventType.SESSION_END
    calls = {e.tool_use_id: at[e.id] for e in events if e.type == EventType.PRE_TOOL_USE}
    for event in events:
        if event.type in (EventType.POST_TOOL_USE, EventType.POST_TOOL_USE_FAILURE):
            assert calls.get(event.tool_use_id, -1) < at[event.id], event.id
        if event.type == EventType.PERMISSION_REQUEST and event.tool_use_id in calls:
            assert at[event.id] + 1 == calls[event.tool_use_id]  # right before its call
    assert not [e for e in events if e.type == EventType.USER_PROMPT_SUBMIT and e.time_estimated]
    for stop in (e for e in events if e.type == EventType.STOP and e.response):
        said = [e for e in events if e.type == EventType.ASSISTANT_MESSAGE and e.text]
        said = [m for m in said if m.text.strip() == stop.response.strip()]
        assert not said or at[said[0].id] < at[stop.id]
    starts = {e.agent_id: at[e.id] for e in events if e.type == EventType.SUBAGENT_START}
    for stop in (e for e in events if e.type == EventType.SUBAGENT_STOP):
        assert starts.get(stop.agent_id, -1) < at[stop.id]


def test_times_a_capture_could_only_guess_are_marked(case) -> None:
    _, result, _ = case
    for event in result.events:
        if event.id.startswith("hook-"):
            assert event.time_estimated is True, event.id  # kept as its own event: inferred
        if event.time_estimated is True:
            assert event.duration is None
    twins = [e for e in result.events if e.time_estimated is False]
    assert twins and all(not e.id.startswith("hook-") for e in twins)


def test_importing_again_changes_nothing(case) -> None:
    _, result, _ = case
    assert result.reimport_changed_nothing


@pytest.mark.parametrize("name", PAIRS)
def test_either_import_order_gives_the_same_replay(name: str, imports) -> None:
    first, second = (imports[(name, order)] for order in ORDERS)
    meta = [msgspec.structs.replace(r.replay.metadata, sources=[]) for r in (first, second)]
    assert meta[0] == meta[1]  # sources differ only in the order they were imported
    timing = [
        {e.id: (e.timestamp, e.relative_time_ms, e.time_estimated) for e in r.events}
        for r in (first, second)
    ]
    assert timing[0] == timing[1]
