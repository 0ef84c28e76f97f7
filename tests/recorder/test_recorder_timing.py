"""Timeline: order by source time, ties in source order, relative times, clock skew, timestamps."""

from __future__ import annotations

import itertools

from recorder_events import T0, by_id, event, post, pre, prompt, session

from vibecast.model import EventType
from vibecast.recorder import build_events, build_replay


def test_events_are_ordered_by_timestamp_and_timed_from_the_first() -> None:
    shuffled = [
        event("c", EventType.STOP, T0 + 3000),
        prompt("a", T0, "go"),
        event("b", EventType.ASSISTANT_MESSAGE, T0 + 1200, text="ok"),
    ]
    events = build_events((), shuffled)
    assert [e.id for e in events] == ["a", "b", "c"]
    assert [e.relative_time_ms for e in events] == [0, 1200, 3000]
    assert [e.timestamp for e in events] == [T0, T0 + 1200, T0 + 3000]


def test_equal_timestamps_keep_source_order() -> None:
    same_ms = [
        event("r1:0", EventType.ASSISTANT_THINKING, T0, thinking="hmm"),
        event("r1:1", EventType.ASSISTANT_MESSAGE, T0, text="I'll run two tools"),
        pre("toolu_b", T0, tool="Grep"),
        pre("toolu_a", T0, tool="Glob"),
        post("toolu_b", T0, tool="Grep"),
        post("toolu_a", T0, tool="Glob"),
    ]
    events = build_events((), same_ms)
    assert [e.id for e in events] == [e.id for e in same_ms]
    assert {e.relative_time_ms for e in events} == {0}


def test_new_events_tied_with_stored_ones_follow_them() -> None:
    stored = build_events((), [prompt("u1:0", T0, "go"), pre("toolu_1", T0 + 5)])
    grown = [prompt("u1:0", T0, "go"), pre("toolu_1", T0 + 5), post("toolu_1", T0 + 5)]
    assert [e.id for e in build_events(stored, grown)] == ["u1:0", "toolu_1:pre", "toolu_1:post"]


def test_a_result_stamped_before_its_call_plays_after_it() -> None:
    # The hook stamped the result on arrival; the transcript stamped the call later (clock skew).
    skewed = [
        prompt("u1:0", T0, "go"),
        post("toolu_1", T0 + 400, success=True),
        pre("toolu_1", T0 + 650),
        event("a:0", EventType.ASSISTANT_MESSAGE, T0 + 700, text="done"),
    ]
    events = build_events((), skewed)
    assert [e.id for e in events] == ["u1:0", "toolu_1:pre", "toolu_1:post", "a:0"]
    assert [e.relative_time_ms for e in events] == [0, 650, 650, 700]
    result = by_id(events)["toolu_1:post"]
    assert result.timestamp == T0 + 400  # the source's time is kept
    assert result.duration == 0


def test_relative_times_never_go_backwards_or_below_zero() -> None:
    messy = [
        pre("t1", T0 + 100),
        post("t1", T0 + 50),
        pre("t2", T0 + 10),
        post("t2", T0 + 5),
        prompt("p", T0 + 7, "x"),
    ]
    times = [e.relative_time_ms for e in build_events((), messy)]
    assert times[0] == 0
    assert all(later >= earlier >= 0 for earlier, later in itertools.pairwise(times))


def test_created_at_is_kept_and_updated_at_moves_on_change() -> None:
    first = [prompt("u1:0", T0, "go")]
    replay, events = build_replay(session(first), now_ms=1000)
    assert (replay.created_at, replay.updated_at) == (1000, 1000)
    grown = [*first, event("s:0", EventType.STOP, T0 + 10)]
    updated, events = build_replay(session(grown), replay, events, now_ms=2000)
    assert (updated.created_at, updated.updated_at) == (1000, 2000)
    same, _ = build_replay(session(grown), updated, events, now_ms=3000)
    assert same.updated_at == 2000


def test_empty_session_gives_an_empty_replay() -> None:
    replay, events = build_replay(session([]), now_ms=5)
    assert events == []
    assert replay.metadata.event_count == 0 and replay.metadata.duration_ms == 0
