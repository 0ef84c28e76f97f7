"""Tool calls: durations from matched pairs, FIFO pairing without ids, success from real results."""

from __future__ import annotations

import pytest
from recorder_events import T0, by_id, event, post, pre, session

from vibecast.model import EventType
from vibecast.recorder import build_events, build_replay
from vibecast.recorder.tools import derive_success


def test_duration_is_the_time_between_call_and_result_and_the_call_knows_it() -> None:
    events = by_id(
        build_events((), [pre("toolu_1", T0, tool="Bash"), post("toolu_1", T0 + 2345, tool="Bash")])
    )
    assert events["toolu_1:post"].duration == 2345
    assert events["toolu_1:pre"].duration == 2345
    assert events["toolu_1:post"].success is True
    assert events["toolu_1:pre"].success is True


def test_interleaved_calls_pair_by_tool_use_id() -> None:
    events = by_id(
        build_events(
            (),
            [
                pre("toolu_a", T0),
                pre("toolu_b", T0 + 10),
                post("toolu_b", T0 + 30),
                post("toolu_a", T0 + 500),
            ],
        )
    )
    assert events["toolu_a:post"].duration == 500
    assert events["toolu_b:post"].duration == 20
    assert events["toolu_a:pre"].duration == 500


def test_calls_without_ids_pair_first_in_first_out_per_session_and_tool() -> None:
    hooks = [
        pre(None, T0, tool="Bash", tool_input={"command": "a"}),
        pre(None, T0 + 10, tool="Read"),
        pre(None, T0 + 20, tool="Bash", tool_input={"command": "b"}),
        pre(None, T0 + 25, tool="Bash", session_id="other-session"),
        post(None, T0 + 100, tool="Bash", tool_input={"command": "a"}),
        post(None, T0 + 150, tool="Read"),
        post(None, T0 + 300, tool="Bash", tool_input={"command": "b"}),
    ]
    events = build_events((), hooks)
    posts = [e for e in events if e.type == EventType.POST_TOOL_USE]
    assert [(e.tool, e.duration) for e in posts] == [("Bash", 100), ("Read", 140), ("Bash", 280)]
    pres = {e.id: e for e in events if e.type == EventType.PRE_TOOL_USE}
    assert pres[f"hook-pre-Bash-{T0}"].duration == 100
    assert pres[f"hook-pre-Bash-{T0 + 20}"].duration == 280
    other = pres[f"hook-pre-Bash-{T0 + 25}"]
    assert (other.success, other.duration) == (None, None)  # another session's call: no result


def test_unmatched_call_is_in_progress_and_unmatched_result_is_kept() -> None:
    events = by_id(
        build_events(
            (),
            [pre("toolu_open", T0, success=True), post("toolu_orphan", T0 + 50, duration=75)],
        )
    )
    assert (events["toolu_open:pre"].success, events["toolu_open:pre"].duration) == (None, None)
    orphan = events["toolu_orphan:post"]
    assert (orphan.success, orphan.duration) == (True, 75)


def test_the_call_knows_about_a_failure() -> None:
    events = by_id(
        build_events(
            (),
            [
                pre("toolu_1", T0, tool="Write"),
                post(
                    "toolu_1",
                    T0 + 20,
                    tool="Write",
                    type=EventType.POST_TOOL_USE_FAILURE,
                    error="File has not been read yet.",
                    tool_response=None,
                ),
            ],
        )
    )
    assert events["toolu_1:post"].success is False
    assert (events["toolu_1:pre"].success, events["toolu_1:pre"].duration) == (False, 20)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"type": EventType.POST_TOOL_USE_FAILURE, "tool_response": None}, False),
        ({"error": "Exit code 1"}, False),
        ({"success": False}, False),  # set by the importer from is_error
        ({"success": True}, True),
        ({"tool_response": {"stdout": "ok", "stderr": "", "interrupted": False}}, True),
        ({"tool_response": {"stdout": "", "interrupted": True}}, False),
        ({"tool_response": {"success": False, "content": "x"}}, False),  # Vibecraft's sample
        ({"tool_response": {"is_error": True}}, False),
        ({"tool_response": {"error": "timed out"}}, False),
        ({"tool_response": {"error": None, "output": "fine"}}, True),
        ({"tool_response": "Error: File has not been read yet."}, False),
        ({"tool_response": "<tool_use_error>InputValidationError</tool_use_error>"}, False),
        ({"tool_response": [{"type": "text", "text": "docs"}]}, True),
        ({"tool_response": "Error: shown, but the importer said it worked", "success": True}, True),
        ({"tool_response": {"success": False}, "success": True}, False),  # a blanket true
        ({"tool_response": None}, None),
    ],
)
def test_success_comes_from_the_real_result(fields: dict, expected: bool | None) -> None:
    assert derive_success(post("toolu_1", T0, **fields)) is expected


def test_tool_breakdown_counts_each_call_once() -> None:
    captured = [
        pre("toolu_1", T0, tool="Bash"),
        post("toolu_1", T0 + 1, tool="Bash"),
        pre("toolu_2", T0 + 2, tool="Bash"),
        pre("toolu_3", T0 + 3, tool="Read"),
        post("toolu_3", T0 + 4, tool="Read"),
        post("toolu_4", T0 + 5, tool="Edit"),  # its call was not captured
        pre(None, T0 + 6, tool="Bash"),
        post(None, T0 + 7, tool="Bash"),
    ]
    replay, _ = build_replay(session(captured), now_ms=1)
    assert replay.metadata.tool_breakdown == {"Bash": 3, "Edit": 1, "Read": 1}
    assert next(iter(replay.metadata.tool_breakdown)) == "Bash"


def test_error_count_counts_failed_calls_and_api_errors() -> None:
    captured = [
        pre("toolu_1", T0, tool="Write"),
        post("toolu_1", T0 + 5, tool="Write", success=False),
        pre("toolu_2", T0 + 10, tool="Bash"),
        post("toolu_2", T0 + 15, tool="Bash", tool_response={"interrupted": True}),
        pre("toolu_3", T0 + 20, tool="Read"),
        post("toolu_3", T0 + 25, tool="Read", success=True),
        event("e:0", EventType.API_ERROR, T0 + 30, text="overloaded"),
    ]
    replay, _ = build_replay(session(captured), now_ms=1)
    assert replay.metadata.error_count == 3


def test_a_result_without_call_or_tool_name_is_not_attributed_to_any_tool() -> None:
    orphan = post("toolu_x", T0, tool=None, success=False)
    replay, _ = build_replay(session([orphan, pre("toolu_y", T0 + 1)]), now_ms=1)
    assert replay.metadata.tool_breakdown == {"Read": 1}
    assert replay.metadata.error_count == 1


def test_results_without_ids_find_the_waiting_call_with_the_same_input() -> None:
    hooks = [
        pre(None, T0, tool="Bash", tool_input={"command": "sleep 5"}),
        pre(None, T0 + 10, tool="Bash", tool_input={"command": "ls"}),
        post(None, T0 + 30, tool="Bash", tool_input={"command": "ls"}),
        post(None, T0 + 5000, tool="Bash", tool_input={"command": "sleep 5"}),
    ]
    events = build_events((), hooks)
    durations = {e.tool_input["command"]: e.duration for e in events if e.type == "post_tool_use"}
    assert durations == {"ls": 20, "sleep 5": 5000}
