"""The pure arithmetic: gap compression, the whole-replay Timeline, the VirtualClock."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from player_helpers import MS, prompts

from vibecast.player import Timeline, VirtualClock, compressed_duration_ms
from vibecast.player.timeline import gap_play_ms


def test_gap_play_caps_only_with_a_limit() -> None:
    assert gap_play_ms(0, 5000, None) == 5000
    assert gap_play_ms(0, 5000, 1000) == 1000
    assert gap_play_ms(4500, 5000, 1000) == 500
    assert gap_play_ms(6000, 5000, 1000) == 0


def test_timeline_maps_both_ways_and_skips_the_start_of_long_gaps() -> None:
    timeline = Timeline(prompts(0, 1000, 11_000), duration_ms=12_000, idle_limit_ms=2000)
    assert timeline.play_duration_ms == 1000 + 2000 + 1000
    assert [timeline.to_play(r) for r in (0, 500, 1000, 5000, 9000, 10_000, 11_000, 12_000)] == [
        0,
        500,
        1000,
        1000,  # skipped part of the gap: play time stands still
        1000,
        2000,
        3000,
        4000,
    ]
    assert timeline.to_replay(1000) == 9000  # right after the event the playhead is past the skip
    assert timeline.to_replay(2500) == 10_500
    assert timeline.to_replay(99_999) == 12_000
    assert timeline.to_replay(-5) == 0


def test_due_hands_out_each_event_once_frame_by_frame() -> None:
    events = prompts(0, 0, 30, 31, 500, 10_000)
    timeline = Timeline(events, idle_limit_ms=100)
    shown: list[str] = []
    previous: float | None = None
    frame = 0.0
    while frame <= timeline.play_duration_ms + 1000 / 30:
        position = timeline.to_replay(frame)
        shown += [e.prompt or "" for e in timeline.due(previous, position)]
        previous, frame = position, frame + 1000 / 30
    assert shown == [e.prompt for e in events]


def test_compressed_duration() -> None:
    events = prompts(0, 100, 60_000)
    assert compressed_duration_ms(events, idle_limit_ms=None) == 60_000
    assert compressed_duration_ms(events, idle_limit_ms=5000) == 5100
    assert compressed_duration_ms(events, duration_ms=90_000, idle_limit_ms=5000) == 10_100
    assert compressed_duration_ms([], idle_limit_ms=5000) == 0


@settings(max_examples=100, deadline=None)
@given(
    times=st.lists(st.integers(0, 100_000), max_size=20),
    idle=st.one_of(st.none(), st.integers(1, 10_000)),
    probe=st.floats(0, 120_000),
)
def test_timeline_is_monotonic_and_round_trips(
    times: list[int], idle: int | None, probe: float
) -> None:
    timeline = Timeline(prompts(*times), idle_limit_ms=idle)
    play = timeline.to_play(probe)
    assert 0 <= play <= timeline.play_duration_ms
    assert timeline.to_play(probe + 1) >= play
    back = timeline.to_replay(play)
    assert back >= min(probe, timeline.duration_ms) - 1e-6  # never earlier than where we were
    assert timeline.to_play(back) == pytest.approx(play, abs=1e-6)


def test_virtual_clock_anchors_deadlines_and_freezes_when_paused() -> None:
    clock = VirtualClock(now_ns=1_000 * MS, speed=2.0)
    assert clock.deadline_ns(1000) == 1_500 * MS
    clock.reach(1000)  # emitted late or not, the next deadline stays on the schedule
    assert clock.deadline_ns(3000) == 2_500 * MS
    assert clock.position_ms(2_000 * MS, 3000) == 2000
    clock.pause(2_000 * MS)
    assert clock.deadline_ns(3000) is None
    assert clock.position_ms(9_000 * MS, 3000) == 2000
    clock.resume(10_000 * MS)
    assert clock.deadline_ns(3000) == 10_500 * MS
    clock.set_speed(10_250 * MS, 0.5)  # at 2500: 500 ms of replay left, at half speed
    assert clock.position_ms(10_250 * MS, 3000) == 2500
    assert clock.deadline_ns(3000) == 11_250 * MS
    clock.seek(20_000 * MS, 100)
    assert clock.position_ms(20_000 * MS, 3000) == 100
    assert clock.deadline_ns(3000) == 20_000 * MS + 2900 * 2 * MS


def test_virtual_clock_never_reports_past_the_next_boundary() -> None:
    clock = VirtualClock(now_ns=0, idle_limit_ms=1000)
    assert clock.position_ms(50_000 * MS, 5000) == 5000
    assert clock.position_ms(0, 5000) == 4000  # idle: jumped to 1 s before the boundary
    assert clock.position_ms(500 * MS, 5000) == 4500
