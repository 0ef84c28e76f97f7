"""ReplayPlayer on a manual clock: timing, speeds, pause, seek, steps, idle skip, end."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from player_helpers import MS, Recorder, event, manual_player, prompts, run

from vibecast.player import Emission, ManualClock, ReplayPlayer, Timeline


def test_events_play_in_order_at_their_recorded_times() -> None:
    first, tie = event(1000, prompt="first"), event(1000, prompt="tie")
    player, clock = manual_player([event(2500), first, event(0), tie])
    assert run(player, clock) == [
        (0, "at 0"),
        (1000, "first"),
        (1000, "tie"),  # same instant: source order kept
        (2500, "at 2500"),
    ]
    state = player.state()
    assert state.ended and state.position_ms == 2500 and not state.running


@pytest.mark.parametrize("speed", [0.25, 0.5, 1, 2, 4, 8, 16])
def test_speed_scales_every_gap(speed: float) -> None:
    player, clock = manual_player(prompts(0, 800, 2000, 9000), speed=speed)
    assert [t for t, _ in run(player, clock)] == [0, 800 / speed, 2000 / speed, 9000 / speed]


def test_start_ms_skips_earlier_events_and_plays_the_one_at_start_first() -> None:
    player, clock = manual_player(prompts(0, 1000, 2000, 3000), start_ms=2000)
    assert run(player, clock) == [(0, "at 2000"), (1000, "at 3000")]


def test_pause_emits_nothing_and_resume_does_not_jump() -> None:
    player, clock = manual_player(prompts(0, 1000, 2000))
    positions: list[float] = []
    clock.call_at(400 * MS, player.pause)
    clock.call_at(3000 * MS, lambda: positions.append(player.state().position_ms))
    clock.call_at(5000 * MS, player.resume)
    # Paused at 400 ms of replay: 600 ms are left to the next event after resuming at 5 s.
    assert run(player, clock) == [(0, "at 0"), (5600, "at 1000"), (6600, "at 2000")]
    assert positions == [400]


def test_toggle_pause_and_start_paused() -> None:
    player, clock = manual_player(prompts(0, 1000), paused=True)
    clock.call_at(2000 * MS, lambda: player.toggle_pause())
    assert run(player, clock) == [(2000, "at 0"), (3000, "at 1000")]


def test_seek_forward_skips_without_emitting() -> None:
    player, clock = manual_player(prompts(*range(0, 10_001, 1000)))
    clock.call_at(2500 * MS, lambda: player.seek(7000))
    assert run(player, clock) == [
        (0, "at 0"),
        (1000, "at 1000"),
        (2000, "at 2000"),
        (2500, "jump 2500->7000"),
        (2500, "at 7000"),  # an event exactly at the target plays first
        (3500, "at 8000"),
        (4500, "at 9000"),
        (5500, "at 10000"),
    ]


def test_seek_back_replays_from_the_target() -> None:
    player, clock = manual_player(prompts(0, 1000, 2000, 3000))
    clock.call_at(2200 * MS, lambda: player.seek(1500))
    assert run(player, clock) == [
        (0, "at 0"),
        (1000, "at 1000"),
        (2000, "at 2000"),
        (2200, "jump 2200->1500"),
        (2700, "at 2000"),
        (3700, "at 3000"),
    ]


def test_seek_clamps_to_the_replay_and_skip_is_relative() -> None:
    player, clock = manual_player(prompts(0, 1000, 30_000), duration_ms=40_000)
    clock.call_at(500 * MS, lambda: player.skip(-10_000))  # before the start: to 0
    clock.call_at(1600 * MS, lambda: player.skip(10_000))
    clock.call_at(2000 * MS, lambda: player.seek(99_999))  # past the end: to the end
    assert run(player, clock) == [
        (0, "at 0"),
        (500, "jump 500->0"),
        (500, "at 0"),
        (1500, "at 1000"),
        (1600, "jump 1100->11100"),
        (2000, "jump 11500->40000"),
    ]
    assert player.state().position_ms == 40_000


def test_steps_while_paused() -> None:
    player, clock = manual_player(prompts(0, 1000, 2000), paused=True)
    results: list[object] = []
    for second, action in enumerate(
        [player.step_next, player.step_next, player.step_prev, player.step_prev, player.step_next]
    ):
        clock.call_at((second + 1) * 1000 * MS, lambda a=action: results.append(a()))
    clock.call_at(10_000 * MS, player.stop)
    assert run(player, clock) == [
        (1000, "step at 0"),
        (2000, "step at 1000"),
        (3000, "jump 1000->0"),
        (3000, "step at 0"),
        (5000, "step at 1000"),
    ]
    assert [getattr(r, "prompt", r) for r in results] == [
        "at 0",
        "at 1000",
        "at 0",
        None,
        "at 1000",
    ]
    state = player.state()
    assert state.paused and state.position_ms == 1000 and not state.ended


def test_step_next_while_playing_continues_from_the_stepped_event() -> None:
    player, clock = manual_player(prompts(0, 5000, 6000))
    clock.call_at(1000 * MS, player.step_next)
    assert run(player, clock) == [(0, "at 0"), (1000, "step at 5000"), (2000, "at 6000")]


def test_step_prev_after_a_seek_shows_the_event_before_the_target() -> None:
    player, clock = manual_player(prompts(0, 1000, 2000, 3000), start_ms=2500, paused=True)
    clock.call_at(0, player.step_prev)
    clock.call_at(MS, player.stop)
    assert run(player, clock) == [(0, "jump 2500->2000"), (0, "step at 2000")]


def test_step_at_the_edges_returns_none() -> None:
    player, _ = manual_player(prompts(0, 1000), paused=True)
    assert player.step_prev() is None
    assert player.step_next() is not None
    assert player.step_next() is not None
    assert player.step_next() is None


def test_idle_limit_caps_every_long_gap() -> None:
    events = prompts(0, 100, 10_000, 10_050, 60_000)
    player, clock = manual_player(events, idle_limit_ms=1000, duration_ms=70_000)
    assert run(player, clock) == [
        (0, "at 0"),
        (100, "at 100"),
        (1100, "at 10000"),
        (1150, "at 10050"),
        (2150, "at 60000"),
    ]
    assert clock.now_ns() == 3150 * MS  # the 10 s tail after the last event plays as 1 s too
    timeline = Timeline(events, duration_ms=70_000, idle_limit_ms=1000)
    assert timeline.play_duration_ms == 3150
    assert Timeline(events, idle_limit_ms=1000).play_duration_ms == 2150
    assert Timeline(events).play_duration_ms == 60_000


def test_idle_skip_jumps_the_start_of_a_gap_and_a_seek_into_it_waits_at_most_the_limit() -> None:
    player, clock = manual_player(prompts(0, 10_000, 20_000), idle_limit_ms=2000)
    positions: list[float] = []
    clock.call_at(500 * MS, lambda: positions.append(player.state().position_ms))
    clock.call_at(2500 * MS, lambda: player.seek(15_000))
    assert run(player, clock) == [
        (0, "at 0"),
        (2000, "at 10000"),
        # Right after an event the playhead skips to 2 s before the next one: 18 000, then 18 500.
        (2500, "jump 18500->15000"),
        (4500, "at 20000"),  # 5 s of replay left from the seek target, capped at 2 s
    ]
    assert positions == [8500]


def test_speed_change_mid_play_reanchors_without_a_jump() -> None:
    player, clock = manual_player(prompts(0, 1000, 2000, 3000))
    clock.call_at(1500 * MS, lambda: player.set_speed(2))
    clock.call_at(2000 * MS, lambda: player.set_speed(0.5))
    assert run(player, clock) == [
        (0, "at 0"),
        (1000, "at 1000"),
        (1750, "at 2000"),
        (3000, "at 3000"),  # at 2 s the playhead was at 2500: 500 ms left at 0.5x
    ]


def test_speed_ladder_and_bad_speeds() -> None:
    player, _ = manual_player(prompts(0))
    assert [player.faster() for _ in range(5)] == [2, 4, 8, 16, 16]
    assert [player.slower() for _ in range(7)] == [8, 4, 2, 1, 0.5, 0.25, 0.25]
    player.set_speed(3)
    assert player.faster() == 4
    for bad in (0, -1, float("inf"), float("nan")):
        with pytest.raises(ValueError):
            player.set_speed(bad)
    with pytest.raises(ValueError):
        ReplayPlayer(prompts(0), idle_limit_ms=0)


def test_hold_at_end_waits_for_a_seek_back_then_stop() -> None:
    player, clock = manual_player(prompts(0, 1000))
    clock.call_at(5000 * MS, lambda: player.seek(500))
    clock.call_at(9000 * MS, player.stop)
    assert run(player, clock, hold_at_end=True) == [
        (0, "at 0"),
        (1000, "at 1000"),
        (5000, "jump 1000->500"),
        (5500, "at 1000"),
    ]
    assert clock.now_ns() == 9000 * MS


def test_stop_from_the_callback_and_a_second_run_continues() -> None:
    player, clock = manual_player(prompts(0, 1000, 2000))
    recorder = Recorder(clock)

    def stop_after_first(update: object) -> None:
        recorder(update)  # type: ignore[arg-type]
        player.stop()

    player.run(stop_after_first)
    clock.advance(60_000 * MS)  # time between runs does not count
    player.run(recorder)
    assert recorder.seen == [(0, "at 0"), (61_000, "at 1000"), (62_000, "at 2000")]


def test_empty_replay_ends_at_once_or_after_its_duration() -> None:
    player, clock = manual_player([])
    assert run(player, clock) == []
    player, clock = manual_player([], duration_ms=3000, speed=2)
    assert run(player, clock) == []
    assert clock.now_ns() == 1500 * MS


def test_negative_times_play_at_zero() -> None:
    player, clock = manual_player([event(-50, prompt="early"), event(10)])
    assert run(player, clock) == [(0, "early"), (10, "at 10")]


def test_emissions_carry_their_due_time() -> None:
    player, clock = manual_player(prompts(0, 1000), clock=ManualClock(start_ns=7 * MS))
    recorder = Recorder(clock)
    player.run(recorder)
    assert [u.due_ns for u in recorder.updates if isinstance(u, Emission)] == [7 * MS, 1007 * MS]


@settings(max_examples=60, deadline=None)
@given(
    times=st.lists(st.integers(0, 50_000), max_size=25),
    speed=st.sampled_from([0.25, 0.5, 1.0, 2.0, 16.0, 3.0]),
    idle=st.one_of(st.none(), st.integers(1, 5000)),
    extra=st.integers(0, 10_000),
)
def test_live_schedule_matches_the_offline_timeline(
    times: list[int], speed: float, idle: int | None, extra: int
) -> None:
    """The live driver and the exporter's Timeline agree on when every event plays."""
    events = prompts(*times)
    duration = (max(times) if times else 0) + extra
    player, clock = manual_player(events, speed=speed, idle_limit_ms=idle, duration_ms=duration)
    seen = run(player, clock)
    timeline = Timeline(events, duration_ms=duration, idle_limit_ms=idle)
    assert [label for _, label in seen] == [e.prompt for e in timeline.events]
    for (at_ms, _), e in zip(seen, timeline.events, strict=True):
        assert at_ms == pytest.approx(timeline.to_play(e.relative_time_ms) / speed, abs=1e-5)
    assert clock.now_ns() / MS == pytest.approx(timeline.play_duration_ms / speed, abs=1e-5)
