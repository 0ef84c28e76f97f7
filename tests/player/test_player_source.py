"""Event sources: a list and a window loader navigate alike; the loader is read lazily."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from player_helpers import MS, Recorder, event, manual_player, prompts, run

from vibecast.model import RecordedEvent, Replay
from vibecast.player import (
    Cursor,
    Emission,
    ListSource,
    ManualClock,
    ReplayPlayer,
    WindowedSource,
)
from vibecast.player.source import make_source
from vibecast.store import open_store


class SpyLoader:
    """A window loader over a list with the store's semantics, remembering every request."""

    def __init__(self, events: Sequence[RecordedEvent]) -> None:
        self.events = list(events)
        self.calls: list[tuple[int, int]] = []

    def __call__(self, from_ms: int, to_ms: int) -> list[RecordedEvent]:
        self.calls.append((from_ms, to_ms))
        return [e for e in self.events if from_ms <= e.relative_time_ms <= to_ms]


@settings(max_examples=80, deadline=None)
@given(
    times=st.lists(st.integers(0, 5000), max_size=30),
    probes=st.lists(st.tuples(st.integers(0, 5200), st.integers(0, 3)), min_size=1, max_size=10),
    window=st.integers(1, 700),
)
def test_windowed_source_answers_like_the_list(
    times: list[int], probes: list[tuple[int, int]], window: int
) -> None:
    events = prompts(*times)
    duration = max(times, default=0)
    listed = ListSource(events, duration)
    windowed = WindowedSource(SpyLoader(events), duration, window_ms=window, cache_windows=2)
    for time_ms, index in probes:
        cursor = Cursor(time_ms, index)
        assert windowed.event_at(cursor) == listed.event_at(cursor)
        assert windowed.event_before(cursor) == listed.event_before(cursor)
        assert windowed.next_time(time_ms) == listed.next_time(time_ms)
        assert windowed.prev_time(time_ms) == listed.prev_time(time_ms)


def test_playback_reads_only_windows_near_the_playhead() -> None:
    window = 60_000
    events = prompts(*range(0, 600_001, 5000))  # ten minutes, an event every 5 s
    loader = SpyLoader(events)
    clock = ManualClock()
    recorder = Recorder(clock)
    requested_at: list[tuple[int, int]] = []  # (window start, last event played when asked)

    def spy(from_ms: int, to_ms: int) -> list[RecordedEvent]:
        played = [u.event.relative_time_ms for u in recorder.updates if isinstance(u, Emission)]
        requested_at.append((from_ms, played[-1] if played else 0))
        return loader(from_ms, to_ms)

    player = ReplayPlayer(spy, duration_ms=600_000, clock=clock, window_ms=window, speed=16)
    player.run(recorder)
    assert len(recorder.updates) == len(events)
    starts = [start for start, _ in requested_at]
    assert starts == sorted(set(starts)), "each window is read once, in order"
    for start, playhead in requested_at:
        assert playhead - window <= start <= playhead + 2 * window, (start, playhead)


def test_seek_far_ahead_reads_the_target_window_not_the_ones_between() -> None:
    loader = SpyLoader(prompts(*range(0, 3_600_001, 10_000)))  # an hour
    player, clock = manual_player(loader, duration_ms=3_600_000, window_ms=60_000)
    clock.call_at(100 * MS, lambda: player.seek(3_000_000))
    clock.call_at(1500 * MS, player.stop)
    seen = run(player, clock)
    assert seen[:3] == [(0, "at 0"), (100, "jump 100->3000000"), (100, "at 3000000")]
    assert {start for start, _ in loader.calls} <= {0, 60_000, 3_000_000, 3_060_000}


def test_loader_quirks_are_tolerated() -> None:
    """Unsorted results and events outside the window asked for do not confuse playback."""
    events = prompts(0, 1000, 61_000, 62_000)

    def sloppy(from_ms: int, to_ms: int) -> list[RecordedEvent]:
        return list(reversed(events))  # everything, backwards

    player, clock = manual_player(sloppy, duration_ms=62_000, window_ms=60_000)
    assert [label for _, label in run(player, clock)] == [e.prompt for e in events]


def test_a_loader_needs_a_duration() -> None:
    with pytest.raises(ValueError, match="duration"):
        make_source(SpyLoader([]), None)


def test_plays_a_replay_from_the_real_store(tmp_path: Path) -> None:
    """The loader the CLI passes: ``store.read_events`` on SQLite, window by window."""
    events = [event(t, "user_prompt_submit", prompt=f"at {t}") for t in range(0, 300_001, 7_000)]
    store = open_store(f"sqlite:///{tmp_path / 'vibecast.db'}")
    try:
        store.save_replay(Replay(id="r1", session_id="s1"), events)
        calls: list[int] = []

        def load(from_ms: int, to_ms: int) -> list[RecordedEvent]:
            calls.append(from_ms)
            return store.read_events("r1", from_ms, to_ms)

        player, clock = manual_player(load, duration_ms=300_000, window_ms=30_000, speed=16)
        seen = run(player, clock)
    finally:
        store.close()
    assert [label for _, label in seen] == [e.prompt for e in events]
    assert calls == list(range(0, 300_001, 30_000))
