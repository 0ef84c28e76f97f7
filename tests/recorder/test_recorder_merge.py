"""Merging: re-imports change nothing; grown and prefix copies and two sources make one replay."""

from __future__ import annotations

import copy

from recorder_events import T0, by_id, event, post, pre, prompt, session, wire

from vibecast.importers.base import SessionInfo
from vibecast.model import EventType
from vibecast.recorder import build_events, build_replay, replay_id_for


def transcript() -> list:
    return [
        prompt("u1:0", T0, "fix the build"),
        event("a1:0", EventType.ASSISTANT_MESSAGE, T0 + 900, text="Looking."),
        pre("toolu_1", T0 + 1000, tool="Bash", tool_input={"command": "make"}),
        post("toolu_1", T0 + 4000, tool="Bash", success=True),
        pre("toolu_2", T0 + 4100, tool="Read"),
        post("toolu_2", T0 + 4150, tool="Read", success=True),
        event("a2:0", EventType.ASSISTANT_MESSAGE, T0 + 5000, text="Fixed."),
        prompt("u2:0", T0 + 60_000, "thanks, now run the tests"),
        pre("toolu_3", T0 + 61_000, tool="Bash", tool_input={"command": "pytest"}),
        post("toolu_3", T0 + 70_000, tool="Bash", success=False),
    ]


def test_reimport_changes_nothing_byte_for_byte() -> None:
    replay, events = build_replay(session(transcript()), now_ms=111)
    again, events_again = build_replay(session(transcript()), replay, events, now_ms=999)
    assert again == replay
    assert again.updated_at == 111 and again.created_at == 111
    assert wire(events_again) == wire(events)


def test_replay_id_is_deterministic_per_user_and_session() -> None:
    replay, _ = build_replay(session(transcript()), user_id="ann", now_ms=1)
    assert replay.id == replay_id_for(replay.session_id, "ann")
    assert replay_id_for("s", "ann") == replay_id_for("s", "ann")
    assert replay_id_for("s", "ann") != replay_id_for("s", "bob")
    assert replay_id_for("s", "ann") != replay_id_for("t", "ann")


def test_grown_transcript_merges_into_one_replay() -> None:
    full = transcript()
    first, first_events = build_replay(session(full[:6]), now_ms=1)
    grown, grown_events = build_replay(session(full), first, first_events, now_ms=2)
    fresh, fresh_events = build_replay(session(full), now_ms=2)
    assert grown.id == first.id
    assert wire(grown_events) == wire(fresh_events)
    assert grown.metadata == fresh.metadata
    assert (grown.created_at, grown.updated_at) == (1, 2)


def test_prefix_copy_imported_after_the_full_transcript_changes_nothing() -> None:
    full = transcript()
    replay, events = build_replay(session(full), now_ms=1)
    checkpoint = session(full[:4], source=replay.metadata.sources[0])
    again, again_events = build_replay(checkpoint, replay, events, now_ms=2)
    assert again is replay
    assert wire(again_events) == wire(events)


def test_prefix_copy_from_another_file_adds_only_its_source() -> None:
    full = transcript()
    replay, events = build_replay(session(full), now_ms=1)
    again, again_events = build_replay(session(full[:4], source="/backup/s.jsonl"), replay, events)
    assert wire(again_events) == wire(events)
    assert again.metadata.sources == [*replay.metadata.sources, "/backup/s.jsonl"]


def test_hook_and_transcript_events_of_one_call_merge_and_keep_richer_fields() -> None:
    from_transcript = [
        prompt("u1:0", T0, "read it"),
        pre("toolu_9", T0 + 1000, assistant_text="Let me read a.py", model="claude-opus-4"),
        post("toolu_9", T0 + 1500, tool_response={"type": "text", "file": {"numLines": 3}}),
    ]
    from_hooks = [
        pre("toolu_9", T0 + 990, permission_mode="default", cwd="/repo"),
        post(
            "toolu_9",
            T0 + 1495,
            type=EventType.POST_TOOL_USE_FAILURE,
            error="File does not exist.",
            tool_response=None,
        ),
    ]
    replay, events = build_replay(session(from_transcript), now_ms=1)
    merged_replay, merged = build_replay(session(from_hooks, source="hooks.json"), replay, events)
    assert len(merged) == 3
    call, result = by_id(merged)["toolu_9:pre"], by_id(merged)["toolu_9:post"]
    assert call.timestamp == T0 + 990  # the earliest timestamp wins
    assert (call.assistant_text, call.model) == ("Let me read a.py", "claude-opus-4")
    assert (call.permission_mode, call.cwd) == ("default", "/repo")
    assert result.type == EventType.POST_TOOL_USE_FAILURE
    assert result.error == "File does not exist."
    assert result.tool_response == {"type": "text", "file": {"numLines": 3}}
    assert result.success is False and call.success is False
    assert result.duration == 1495 - 990
    assert merged_replay.metadata.error_count == 1
    assert merged_replay.metadata.tool_breakdown == {"Read": 1}
    assert merged_replay.metadata.sources == [replay.metadata.sources[0], "hooks.json"]


def test_merge_is_the_same_whichever_source_comes_first() -> None:
    a = [pre("toolu_1", T0 + 10, assistant_text="x"), post("toolu_1", T0 + 50)]
    b = [pre("toolu_1", T0, permission_mode="plan"), post("toolu_1", T0 + 40, success=True)]
    r1, e1 = build_replay(session(a), now_ms=1)
    _, ab = build_replay(session(b), r1, e1, now_ms=2)
    r2, e2 = build_replay(session(b), now_ms=1)
    _, ba = build_replay(session(a), r2, e2, now_ms=2)
    assert wire(ab) == wire(ba)


def test_inputs_are_not_modified() -> None:
    captured = session(transcript())
    replay, events = build_replay(captured, now_ms=1)
    stored_replay, stored_events = copy.deepcopy(replay), copy.deepcopy(events)
    grown = session([*transcript(), prompt("u3:0", T0 + 80_000, "and commit")])
    snapshot = copy.deepcopy(grown.events)
    build_replay(grown, replay, events, now_ms=2)
    assert replay == stored_replay and events == stored_events
    assert grown.events == snapshot


def test_duplicate_ids_within_one_import_become_one_event() -> None:
    twice = [prompt("u1:0", T0, "hello"), prompt("u1:0", T0, "hello"), *transcript()[1:3]]
    _, events = build_replay(session(twice), now_ms=1)
    assert [e.id for e in events].count("u1:0") == 1


def test_stored_events_are_merged_even_without_a_stored_replay_row() -> None:
    earlier = [prompt("u0:0", T0 - 5000, "first, look around")]
    replay, events = build_replay(session(transcript()), None, earlier, now_ms=1)
    assert events[0].id == "u0:0" and events[1].relative_time_ms == 5000
    assert replay.metadata.event_count == len(transcript()) + 1


def test_session_facts_of_an_earlier_import_survive_a_poorer_source() -> None:
    info = SessionInfo(title="Fix the build", git_branch="main", claude_version="1.0.98")
    replay, events = build_replay(session(transcript(), info=info), now_ms=1)
    hooks = [pre("toolu_7", T0 + 90_000, tool="Grep", tool_input={"pattern": "x"})]
    again, _ = build_replay(session(hooks, source="hooks.json"), replay, events, now_ms=2)
    assert again.metadata.session_name == "Fix the build"
    assert again.title == "Fix the build"
    assert (again.metadata.git_branch, again.metadata.claude_version) == ("main", "1.0.98")
    assert again.metadata.tool_breakdown == {"Bash": 2, "Grep": 1, "Read": 1}


def test_a_time_the_source_gave_beats_an_importers_estimate() -> None:
    guessed = [
        pre("toolu_1", T0 - 60_000, time_estimated=True, permission_mode="default"),
        post("toolu_1", T0 + 90_000, time_estimated=True, raw={"transcript_path": "/t"}),
    ]
    exact = [pre("toolu_1", T0, assistant_text="reading"), post("toolu_1", T0 + 700)]
    for first, second in ((guessed, exact), (exact, guessed)):
        replay, events = build_replay(session(first), now_ms=1)
        _, merged = build_replay(session(second), replay, events, now_ms=2)
        call, result = by_id(merged)["toolu_1:pre"], by_id(merged)["toolu_1:post"]
        assert (call.timestamp, result.timestamp) == (T0, T0 + 700)
        assert call.permission_mode == "default" and result.raw == {"transcript_path": "/t"}
        # Exact now (False, not True), and the capture's estimate is remembered.
        assert (call.time_estimated, result.time_estimated) == (False, False)
        assert (call.recorded_at, result.recorded_at) == (T0 - 60_000, T0 + 90_000)
        assert result.duration == call.duration == 700


def test_an_estimated_end_gives_no_duration() -> None:
    events = build_events(
        [], [pre("toolu_1", T0 + 50, time_estimated=True), post("toolu_1", T0 + 1050)]
    )
    call, result = by_id(events)["toolu_1:pre"], by_id(events)["toolu_1:post"]
    assert (call.duration, result.duration) == (None, None)
    assert (call.success, result.success) == (True, True)
    assert call.time_estimated is True and call.timestamp <= result.timestamp


def test_two_estimates_of_one_event_keep_the_earliest() -> None:
    first = [pre("toolu_1", T0 + 50, time_estimated=True)]
    replay, events = build_replay(session(first), now_ms=1)
    again = [pre("toolu_1", T0 + 20, time_estimated=True)]
    _, merged = build_replay(session(again), replay, events, now_ms=2)
    call = by_id(merged)["toolu_1:pre"]
    assert (call.timestamp, call.recorded_at, call.time_estimated) == (T0 + 20, T0 + 20, True)
