"""ReplayMetadata: durations, dates, files, tokens, prompts and session facts."""

from __future__ import annotations

from recorder_events import T0, event, post, pre, prompt, session

from vibecast.importers.base import SessionInfo
from vibecast.model import EventType, RecordedEvent
from vibecast.recorder import build_events, build_replay, compute_metadata
from vibecast.recorder.metadata import display_path, files_touched, token_usage


def test_duration_event_count_and_recorded_date() -> None:
    replay, _ = build_replay(
        session([prompt("u:0", T0, "go"), event("s:0", EventType.STOP, T0 + 83_500)]), now_ms=1
    )
    meta = replay.metadata
    assert (meta.duration_ms, meta.event_count) == (83_500, 2)
    assert meta.recorded_date == "2025-09-03T00:47:19.293Z"
    assert meta.sources == ["/home/u/.claude/projects/p/s.jsonl"]


def test_files_touched_are_relative_to_the_session_directory_sorted_and_unique() -> None:
    cwd = "/home/u/app"
    captured = [
        pre("t1", T0, tool="Read", tool_input={"file_path": "/home/u/app/src/main.py"}),
        post("t1", T0 + 1, tool="Read", tool_input={"file_path": "/home/u/app/src/main.py"}),
        pre("t2", T0 + 2, tool="Edit", tool_input={"file_path": "/home/u/app/./README.md"}),
        pre("t3", T0 + 3, tool="Write", tool_input={"file_path": "/etc/hosts"}),
        pre("t4", T0 + 4, tool="NotebookEdit", tool_input={"notebook_path": "/home/u/app/a.ipynb"}),
        pre("t5", T0 + 5, tool="MultiEdit", tool_input={"file_path": "lib/util.py"}),
        pre("t6", T0 + 6, tool="Grep", tool_input={"pattern": "x", "path": "/home/u/app/src"}),
        pre("t7", T0 + 7, tool="Glob", tool_input={"pattern": "**/*.py"}),
        pre("t8", T0 + 8, tool="Read", tool_input="not a dict"),
        pre("t9", T0 + 9, tool="Read", tool_input={"file_path": "/home/u/application/x.py"}),
    ]
    expected = [
        "/etc/hosts",
        "/home/u/application/x.py",
        "README.md",
        "a.ipynb",
        "lib/util.py",
        "src/main.py",
    ]
    assert files_touched(captured, cwd) == expected
    failed_read = [
        pre("t10", T0 + 10, tool="Read", tool_input={"file_path": "/home/u/app/src"}),
        post("t10", T0 + 11, tool="Read", tool_response="Error: EISDIR: illegal operation"),
    ]
    replay, _ = build_replay(session(captured + failed_read, info=SessionInfo(cwd=cwd)), now_ms=1)
    assert replay.metadata.files_touched == expected  # a failed call touched nothing
    assert replay.metadata.cwd == cwd


def test_display_path_handles_windows_paths() -> None:
    assert display_path("C:\\Users\\u\\app\\src\\x.py", "C:\\Users\\u\\app") == "src\\x.py"
    assert display_path("/a/b", "/a/b") == "."
    assert display_path("/a/b", None) == "/a/b"


def usage(inp: int, out: int, created: int, read: int) -> dict[str, int]:
    return {
        "input_tokens": inp,
        "output_tokens": out,
        "cache_creation_input_tokens": created,
        "cache_read_input_tokens": read,
    }


def test_token_usage_counts_each_api_response_once() -> None:
    # One response written as three records (text, tool_use, tool_use), output growing as it
    # streams; then the next response; then a subagent's first response with the same numbers.
    events = [
        event("r1:0", EventType.ASSISTANT_MESSAGE, T0, usage=usage(3, 8, 10816, 4734)),
        pre("t1", T0 + 1, usage=usage(3, 322, 10816, 4734)),
        pre("t2", T0 + 2, usage=usage(3, 322, 10816, 4734)),
        event("r2:0", EventType.ASSISTANT_MESSAGE, T0 + 9, usage=usage(6, 30, 304, 15550)),
        event(
            "s:0",
            EventType.ASSISTANT_MESSAGE,
            T0 + 10,
            usage=usage(6, 30, 304, 15550),
            parent_tool_use_id="toolu_task",
        ),
        event("x:0", EventType.ASSISTANT_MESSAGE, T0 + 11, usage={"input_tokens": True}),
    ]
    assert token_usage(events) == {
        "input_tokens": 3 + 6 + 6,
        "output_tokens": 322 + 30 + 30,
        "cache_creation_input_tokens": 10816 + 304 + 304,
        "cache_read_input_tokens": 4734 + 15550 + 15550,
    }
    assert token_usage([prompt("u", T0, "x")]) == {}


def test_prompt_count_counts_what_the_user_typed_once() -> None:
    events = [
        prompt("hook-1", T0, "fix the nixos build"),
        prompt("u1:0", T0 + 40, "fix the nixos build"),  # the transcript's copy of the same
        prompt("meta:0", T0 + 41, "expanded instructions", raw={"isMeta": True}),
        prompt("u2:0", T0 + 1000, "[Request interrupted by user]"),
        prompt("u3:0", T0 + 2000, "continue"),
        prompt("u4:0", T0 + 90_000, "continue"),  # typed again, later: a second prompt
        prompt("sub:0", T0 + 90_001, "subagent task", parent_tool_use_id="toolu_t"),
    ]
    replay, _ = build_replay(session(events), now_ms=1)
    assert replay.metadata.prompt_count == 3


def test_session_facts_come_from_info_else_from_events() -> None:
    events = build_events(
        (),
        [
            prompt("u:0", T0, "go", cwd="/work/app"),
            event("a:0", EventType.ASSISTANT_MESSAGE, T0 + 1, model="claude-sonnet-4"),
            event("a:1", EventType.ASSISTANT_MESSAGE, T0 + 2, model="claude-sonnet-4"),
            event(
                "s:0",
                EventType.ASSISTANT_MESSAGE,
                T0 + 3,
                model="claude-haiku",
                cwd="/elsewhere",
                parent_tool_use_id="toolu_t",
            ),
            event("s:1", EventType.ASSISTANT_MESSAGE, T0 + 4, model="claude-haiku", agent_id="a"),
            event("s:2", EventType.ASSISTANT_MESSAGE, T0 + 5, model="claude-haiku", agent_id="a"),
        ],
    )
    derived = compute_metadata(events, SessionInfo(), ["x.jsonl", "x.jsonl"])
    assert (derived.model, derived.cwd, derived.git_branch) == (
        "claude-sonnet-4",
        "/work/app",
        None,
    )
    assert derived.sources == ["x.jsonl"]
    info = SessionInfo(model="claude-opus-4", cwd="/w", git_branch="dev", claude_version="2.1.62")
    given = compute_metadata(events, info, [])
    assert (given.model, given.cwd, given.git_branch, given.claude_version) == (
        "claude-opus-4",
        "/w",
        "dev",
        "2.1.62",
    )


def _assistant(event_id: str, ts: int, model: str) -> RecordedEvent:
    return event(event_id, EventType.ASSISTANT_MESSAGE, ts, model=model)


def test_a_model_the_stored_events_give_is_counted_again_with_the_new_ones() -> None:
    """Saved in pieces, a session names the model one build of all its events names (the most
    used), not the first one a piece saw."""
    first = [prompt("u:0", T0, "go"), _assistant("a:0", T0 + 1, "claude-haiku")]
    later = [_assistant(f"a:{i}", T0 + 1 + i, "claude-sonnet-4") for i in range(1, 3)]
    stored, stored_events = build_replay(session(first), now_ms=1)
    assert stored.metadata.model == "claude-haiku"
    grown, _ = build_replay(session(later), stored, stored_events, now_ms=2)
    at_once, _ = build_replay(session([*first, *later]), now_ms=2)
    assert grown.metadata.model == at_once.metadata.model == "claude-sonnet-4"


def test_a_model_the_session_named_itself_is_kept_by_later_captures() -> None:
    """A model from the session's own facts (a transcript's), which its events do not give, is
    not lost when a hook capture (which knows none) is merged in later."""
    events = [prompt("u:0", T0, "go"), _assistant("a:0", T0 + 1, "claude-haiku")]
    stored, stored_events = build_replay(
        session(events, SessionInfo(model="claude-opus-4")), now_ms=1
    )
    assert stored.metadata.model == "claude-opus-4"
    more = [_assistant(f"a:{i}", T0 + 1 + i, "claude-haiku") for i in range(1, 3)]
    grown, _ = build_replay(session(more), stored, stored_events, now_ms=2)
    assert grown.metadata.model == "claude-opus-4"
