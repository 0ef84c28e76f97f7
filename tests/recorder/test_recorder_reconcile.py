"""Re-timing a hook capture's guessed times against the exact events of the same session.

Each rule on hand-built events: the capture's clock (``EST``) is months away from the truth,
like an importer's guess that ends at a file's modification time.
"""

from __future__ import annotations

from typing import Any

from recorder_events import T0, by_id, event, post, pre, prompt, session, wire

from vibecast.model import EventType, RecordedEvent
from vibecast.recorder import build_events, build_replay, reconcile_times

EST = T0 + 180 * 24 * 3600 * 1000  # the capture's guessed clock: half a year off


def guess(event_: RecordedEvent) -> RecordedEvent:
    event_.time_estimated = True
    return event_


def hook(event_type: str, offset: int, **fields: Any) -> RecordedEvent:
    """A hook event as the importer gives it: a content id, a guessed time."""
    return guess(event(f"hook-{event_type}-{offset}", event_type, EST + offset, **fields))


def message(event_id: str, ts: int, text: str, **fields: Any) -> RecordedEvent:
    return event(event_id, EventType.ASSISTANT_MESSAGE, ts, text=text, **fields)


def times(events: list[RecordedEvent]) -> dict[str, int]:
    return {e.id: e.timestamp for e in events}


def test_id_less_hook_calls_merge_into_their_exact_twins_in_order() -> None:
    make = {"command": "make"}
    exact = [
        pre("toolu_a", T0, tool="Bash", tool_input=make),
        post("toolu_a", T0 + 900, tool="Bash"),  # a transcript's result does not repeat the input
        pre("toolu_b", T0 + 2000, tool="Bash", tool_input=make),
        post("toolu_b", T0 + 2500, tool="Bash"),
    ]
    hooks = [
        guess(pre(None, EST, tool="Bash", tool_input=make, permission_mode="default")),
        guess(post(None, EST + 1000, tool="Bash", tool_input=make)),
        guess(pre(None, EST + 2000, tool="Bash", tool_input=make)),
        guess(post(None, EST + 3000, tool="Bash", tool_input=make)),
    ]
    replay, events = build_replay(session(exact + hooks), now_ms=1)
    assert [e.id for e in events] == [e.id for e in exact]
    assert times(events) == times(exact)
    merged = by_id(events)
    assert merged["toolu_a:pre"].permission_mode == "default"  # the hook's field fills a gap
    assert merged["toolu_a:post"].tool_input == make
    # Exact now, and each remembers where its twin sat on the capture's clock (first in, first out).
    assert [e.time_estimated for e in events] == [False] * 4
    assert [e.recorded_at for e in events] == [EST, EST + 1000, EST + 2000, EST + 3000]
    assert replay.metadata.tool_breakdown == {"Bash": 2}
    assert (merged["toolu_a:pre"].duration, merged["toolu_b:post"].duration) == (900, 500)


def test_a_hook_call_twins_only_the_same_phase_tool_and_input() -> None:
    exact = [pre("toolu_a", T0, tool="Read", tool_input={"file_path": "/r/a.py"})]
    exact.append(post("toolu_a", T0 + 50, tool="Read"))
    hooks = [
        guess(pre(None, EST, tool="Read", tool_input={"file_path": "/r/a.py"})),  # twin
        guess(pre(None, EST + 1, tool="Read", tool_input={"file_path": "/r/b.py"})),  # other file
        guess(pre(None, EST + 2, tool="Grep", tool_input={"file_path": "/r/a.py"})),  # other tool
    ]
    replay, events = build_replay(session(exact + hooks), now_ms=1)
    assert len(events) == 4
    left = [e for e in events if e.time_estimated is True]
    assert [(e.tool, e.tool_input) for e in left] == [
        ("Read", {"file_path": "/r/b.py"}),
        ("Grep", {"file_path": "/r/a.py"}),
    ]
    assert replay.metadata.tool_breakdown == {"Read": 2, "Grep": 1}


def test_a_permission_request_comes_just_before_the_call_it_asked_about() -> None:
    rm = {"command": "rm -rf build"}
    exact = [
        pre("toolu_1", T0 + 5000, tool="Bash", tool_input=rm),
        post("toolu_1", T0 + 9000, tool="Bash"),
        pre("toolu_2", T0 + 12_000, tool="Write", tool_input={"file_path": "/r/x"}),
    ]
    asks = [
        hook(EventType.PERMISSION_REQUEST, 0, tool="Bash", tool_input=rm),
        hook(EventType.PERMISSION_REQUEST, 1, tool="Write", tool_use_id="toolu_2"),
    ]
    events = build_events([], exact + asks)
    by_tool = {e.tool: e for e in events if e.type == EventType.PERMISSION_REQUEST}
    assert (by_tool["Bash"].timestamp, by_tool["Bash"].tool_use_id) == (T0 + 4999, "toolu_1")
    assert by_tool["Write"].timestamp == T0 + 11_999
    order = [e.id for e in events]
    assert order.index(by_tool["Bash"].id) + 1 == order.index("toolu_1:pre")
    assert all(e.time_estimated is True for e in by_tool.values())  # inferred, not measured


def test_a_hook_prompt_follows_the_transcript_prompt_of_the_same_text() -> None:
    exact = [
        prompt("u1:0", T0, "continue"),
        prompt(
            "u2:0", T0 + 5000, "<command-name>/init</command-name><command-args></command-args>"
        ),
        prompt("u3:0", T0 + 9000, "continue"),
    ]
    hooks = [
        hook(EventType.USER_PROMPT_SUBMIT, 0, prompt="continue"),
        hook(EventType.USER_PROMPT_SUBMIT, 1000, prompt="/init"),
        hook(EventType.USER_PROMPT_SUBMIT, 2000, prompt="continue"),
    ]
    events = reconcile_times(exact + hooks)
    assert [e.timestamp for e in events[3:]] == [T0 + 1, T0 + 5001, T0 + 9001]


def test_a_stop_follows_the_message_it_repeats_in_its_thread() -> None:
    summary = "All done: the build passes and the flaky test is fixed."
    exact = [
        prompt("u1:0", T0, "fix the build"),
        message("a1:0", T0 + 1000, summary, agent_id="ag1"),  # a subagent said it first
        message("a2:0", T0 + 3000, "Details first.\n\n" + summary),  # the main thread's answer
        message("a3:0", T0 + 4000, "Done."),
        prompt("u2:0", T0 + 8000, "thanks"),
        message("a4:0", T0 + 9000, "Done. Anything else I can help with today?"),
    ]
    hooks = [
        hook(EventType.STOP, 0, response=summary),
        hook(EventType.SUBAGENT_STOP, 10, response=summary, agent_id="ag1"),
        hook(EventType.STOP, 20, response="Done."),
    ]
    events = by_id(reconcile_times(exact + hooks))
    assert events[hooks[0].id].timestamp == T0 + 3001  # a suffix of the main thread's message
    assert events[hooks[1].id].timestamp == T0 + 1001  # the subagent's own message
    # "Done." equals a3's text; as a mere prefix of a4's it would be too short to trust.
    assert events[hooks[2].id].timestamp == T0 + 4001


def test_text_less_stops_close_the_turns_no_other_stop_closed() -> None:
    exact = [
        prompt("u1:0", T0, "first"),
        message("a1:0", T0 + 2000, "The first answer, in full."),
        prompt("u2:0", T0 + 10_000, "second"),
        message("a2:0", T0 + 12_000, "On it."),
        post("toolu_1", T0 + 15_000, tool="Bash"),
        prompt("u3:0", T0 + 20_000, "third"),
        message("a3:0", T0 + 21_000, "Third answer."),
    ]
    hooks = [
        hook(EventType.STOP, 0, response="The first answer, in full."),
        hook(EventType.STOP, 10),  # 1.0.x: no text
        hook(EventType.STOP, 20),
    ]
    events = by_id(reconcile_times(exact + hooks))
    assert [events[h.id].timestamp for h in hooks] == [T0 + 2001, T0 + 15_001, T0 + 21_001]


def test_a_subagent_starts_and_stops_around_its_own_events() -> None:
    task_input = {"subagent_type": "Explore", "prompt": "look"}
    exact = [
        pre("toolu_t", T0, tool="Task", tool_input=task_input),
        message("s1:0", T0 + 100, "Looking.", agent_id="ag1", parent_tool_use_id="toolu_t"),
        message("s2:0", T0 + 900, "Found it.", parent_tool_use_id="toolu_t"),
        post("toolu_t", T0 + 1000, tool="Task"),
    ]
    hooks = [
        hook(EventType.SUBAGENT_START, 0, agent_id="ag1", agent_type="Explore"),
        hook(EventType.SUBAGENT_STOP, 1, agent_id="ag1", response="a summary it never wrote down"),
    ]
    events = build_events([], exact + hooks)
    start, stop = by_id(events)[hooks[0].id], by_id(events)[hooks[1].id]
    assert (start.timestamp, stop.timestamp) == (T0 + 99, T0 + 901)
    assert start.parent_tool_use_id == stop.parent_tool_use_id == "toolu_t"  # nested as before


def test_a_background_subagent_spans_its_task_call_and_its_completion_notice() -> None:
    """Claude Code 2.x: the transcript has only the Task call, whose result names the agent."""
    exact = [
        pre("toolu_t", T0, tool="Task", tool_input={"subagent_type": "Explore"}),
        post("toolu_t", T0 + 60, tool="Task", tool_response={"agentId": "ag2", "isAsync": True}),
        message("a1:0", T0 + 5000, "Waiting for the explorer."),
        event(
            "queue-1",
            EventType.NOTIFICATION,
            T0 + 50_000,
            message='Agent "Explore" completed',
            raw={"toolUseId": "toolu_t", "status": "completed"},
        ),
    ]
    hooks = [
        hook(EventType.SUBAGENT_START, 0, agent_id="ag2"),
        hook(EventType.SUBAGENT_STOP, 1, agent_id="ag2"),
    ]
    events = by_id(reconcile_times(exact + hooks))
    assert (events[hooks[0].id].timestamp, events[hooks[1].id].timestamp) == (T0 + 1, T0 + 49_999)


def test_the_session_opens_before_and_closes_after_everything() -> None:
    exact = [prompt("u1:0", T0, "go"), message("a1:0", T0 + 5000, "Gone and done, as asked.")]
    hooks = [
        hook(EventType.SESSION_START, 0, source="startup"),
        hook(EventType.STOP, 10, response="Gone and done, as asked."),  # anchored at last + 1
        hook(EventType.SESSION_END, 20, reason="exit"),
        hook(EventType.SESSION_START, 30, source="resume"),  # not the first: placed, not anchored
    ]
    events = build_events([], exact + hooks)
    assert (events[0].id, events[-1].id) == (hooks[0].id, hooks[2].id)
    assert (events[0].timestamp, events[-1].timestamp) == (T0 - 1, T0 + 5002)
    assert T0 <= by_id(events)[hooks[3].id].timestamp <= T0 + 5000


def test_the_rest_keep_their_offset_from_the_nearest_anchor_of_their_type() -> None:
    exact = [
        prompt("u1:0", T0, "go"),
        prompt("u2:0", T0 + 2000, "go on"),
        message("a1:0", T0 + 60_000, "Finished."),
    ]
    hooks = [
        hook(EventType.USER_PROMPT_SUBMIT, 0, prompt="go"),  # anchored at T0 + 1
        hook(EventType.USER_PROMPT_SUBMIT, 1500, prompt="typed, never sent"),
        hook(EventType.USER_PROMPT_SUBMIT, 10_000, prompt="go on"),  # anchored at T0 + 2001
        hook(EventType.USER_PROMPT_SUBMIT, 15_000, prompt="later"),
        hook(EventType.USER_PROMPT_SUBMIT, 900_000, prompt="much later"),
    ]
    events = by_id(reconcile_times(exact + hooks))
    got = [events[h.id].timestamp for h in hooks]
    # +1500 from its nearest anchor; +5000 from the second; the last one would fall after the
    # session's end, so it is kept within the exact span.
    assert got == [T0 + 1, T0 + 1501, T0 + 2001, T0 + 7001, T0 + 60_000]
    assert all(events[h.id].time_estimated is True for h in hooks)


def test_an_estimate_never_passes_the_anchors_around_it() -> None:
    exact = [prompt("u1:0", T0, "a"), prompt("u2:0", T0 + 1000, "b"), message("m", T0 + 9000, "x")]
    hooks = [
        hook(EventType.USER_PROMPT_SUBMIT, 0, prompt="a"),
        hook(EventType.USER_PROMPT_SUBMIT, 3000, prompt="unknown"),  # nearest: +3000 from "a"
        hook(EventType.USER_PROMPT_SUBMIT, 8000, prompt="b"),  # ... but "b" comes at T0 + 1001
    ]
    events = by_id(reconcile_times(exact + hooks))
    assert events[hooks[1].id].timestamp == T0 + 1001


def test_types_nothing_anchors_are_spread_over_the_exact_span() -> None:
    exact = [prompt("u1:0", T0, "go"), message("a1:0", T0 + 9000, "Done.")]
    hooks = [
        hook(EventType.NOTIFICATION, 0, message="waiting for your input"),
        hook(EventType.NOTIFICATION, 1000, message="needs your attention"),
    ]
    events = reconcile_times(exact + hooks)
    assert [e.timestamp for e in events[2:]] == [T0 + 3000, T0 + 6000]


def test_a_guessed_call_never_follows_its_guessed_result() -> None:
    exact = [
        prompt("u1:0", T0, "go"),
        pre("toolu_m", T0 + 1000, tool="Read"),
        post("toolu_m", T0 + 1100, tool="Read"),
        message("a1:0", T0 + 10_000, "Done."),
    ]
    hooks = [
        guess(pre("toolu_m", EST)),  # the capture's calls and results, on two clocks
        guess(post("toolu_m", EST + 5000)),
        guess(pre("toolu_x", EST + 3000, tool="Grep")),  # +3000 from the known call
        guess(post("toolu_x", EST + 4000, tool="Grep")),  # -1000 from the known result
    ]
    events = by_id(build_events([], exact + hooks))
    assert events["toolu_x:post"].timestamp == T0 + 100
    assert events["toolu_x:pre"].timestamp == T0 + 99
    assert events["toolu_m:pre"].time_estimated is False  # the transcript's call, exact


def test_a_capture_alone_keeps_its_estimated_timeline() -> None:
    hooks = [
        hook(EventType.SESSION_START, 0),
        hook(EventType.USER_PROMPT_SUBMIT, 1000, prompt="go"),
        guess(pre(None, EST + 2000, tool="Bash", tool_input={"command": "ls"})),
    ]
    events = build_events([], hooks)
    assert [(e.timestamp, e.time_estimated) for e in events] == [(h.timestamp, True) for h in hooks]


def _transcript_and_capture() -> tuple[list[RecordedEvent], list[RecordedEvent]]:
    ls = {"command": "ls"}
    transcript = [
        prompt("u1:0", T0, "list the files"),
        message("a1:0", T0 + 1500, "Listing."),
        pre("toolu_1", T0 + 2500, tool="Bash", tool_input=ls),
        post("toolu_1", T0 + 2800, tool="Bash"),
        message("a2:0", T0 + 4000, "Here they are: a.py and b.py."),
    ]
    capture = [
        hook(EventType.SESSION_START, 0, source="startup"),
        hook(EventType.USER_PROMPT_SUBMIT, 1000, prompt="list the files"),
        guess(pre(None, EST + 2000, tool="Bash", tool_input=ls)),
        hook(EventType.PERMISSION_REQUEST, 2500, tool="Bash", tool_input=ls),
        guess(post(None, EST + 3000, tool="Bash", tool_input=ls, tool_response={"stdout": "a.py"})),
        hook(EventType.NOTIFICATION, 3500, message="Claude is waiting for your input"),
        hook(EventType.STOP, 4000, response="Here they are: a.py and b.py."),
        hook(EventType.SESSION_END, 5000, reason="exit"),
    ]
    return transcript, capture


def test_retiming_is_idempotent_and_the_same_in_either_import_order() -> None:
    transcript, capture = _transcript_and_capture()
    results = []
    for first, second in ((transcript, capture), (capture, transcript)):
        replay, events = build_replay(session(first), now_ms=1)
        replay, events = build_replay(session(second), replay, events, now_ms=2)
        for again in (first, second):
            same, same_events = build_replay(session(again), replay, events, now_ms=3)
            assert same is replay and wire(same_events) == wire(events)
        results.append(events)
    assert [(e.id, e.timestamp, e.time_estimated) for e in results[0]] == [
        (e.id, e.timestamp, e.time_estimated) for e in results[1]
    ]
    events = results[0]
    assert [e.type for e in events] == [
        EventType.SESSION_START,
        EventType.USER_PROMPT_SUBMIT,  # the hook's and the transcript's: one event
        EventType.ASSISTANT_MESSAGE,
        EventType.NOTIFICATION,  # nothing anchors it: the middle of the exact span
        EventType.PERMISSION_REQUEST,
        EventType.PRE_TOOL_USE,
        EventType.POST_TOOL_USE,
        EventType.ASSISTANT_MESSAGE,
        EventType.STOP,
        EventType.SESSION_END,
    ]
    # The transcript's 4000 ms, opened 1 ms before and closed 2 ms after (after the stop).
    assert events[-1].relative_time_ms == 4000 + 3


def test_a_hook_only_replay_keeps_its_clock_but_not_gaps_between_clocks() -> None:
    """Zone-less logger times (February) and mtime guesses (November) of one session's capture
    files: each clock keeps its own spacing, the months between the clocks become a second."""
    logged = [guess(event(f"log-{i}", EventType.SESSION_END, T0 + i * 60_000)) for i in range(3)]
    guessed = [hook(EventType.PRE_TOOL_USE, i * 1000, tool="Bash") for i in range(4)]
    result = reconcile_times([*guessed, *logged])
    by_time = sorted(result, key=lambda e: e.timestamp)
    assert [e.id for e in by_time] == [e.id for e in logged] + [e.id for e in guessed]
    assert times(result)[logged[2].id] - times(result)[logged[0].id] == 120_000
    assert by_time[3].timestamp - by_time[2].timestamp == 1000
    assert by_time[-1].timestamp - by_time[3].timestamp == 3000
    assert all(e.time_estimated for e in result)
    # A pause shorter than the limit inside one clock is a real pause: kept.
    paused = [guess(event(f"p-{i}", EventType.STOP, T0 + i * 3_600_000)) for i in range(3)]
    assert times(reconcile_times(paused)) == times(paused)
