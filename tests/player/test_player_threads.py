"""Controls from another thread while the real-time driver runs."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

from player_helpers import prompts

from vibecast.player import Emission, Jump, PlayerUpdate, ReplayPlayer

# Generous: these tests assert that things happen, never how fast.
TIMEOUT_S = 20


def _run_in_thread(
    player: ReplayPlayer, updates: list[PlayerUpdate]
) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def drive() -> None:
        try:
            player.run(updates.append, hold_at_end=True)
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    thread = threading.Thread(target=drive, daemon=True)
    thread.start()
    return thread, errors


def test_controls_from_another_thread_keep_playback_consistent() -> None:
    events = prompts(*range(0, 3000, 10))
    player = ReplayPlayer(events, speed=16)
    updates: list[PlayerUpdate] = []
    thread, errors = _run_in_thread(player, updates)
    rng = random.Random(7)
    controls = [
        player.toggle_pause,
        player.faster,
        player.slower,
        player.step_next,
        player.step_prev,
        lambda: player.seek(rng.uniform(0, 3000)),
        lambda: player.skip(rng.choice([-500, 500])),
        player.state,
    ]
    for _ in range(400):
        rng.choice(controls)()
        if rng.random() < 0.1:
            threading.Event().wait(0.002)
    player.resume()
    player.stop()
    thread.join(TIMEOUT_S)
    assert not thread.is_alive() and not errors
    # Between two jumps, events come out in replay order: controls never reorder them.
    emitted = [u for u in updates if isinstance(u, Emission)]
    assert emitted, "something was played"
    last = -1
    for update in updates:
        if isinstance(update, Jump):
            last = -1
        else:
            assert update.event.relative_time_ms >= last
            last = update.event.relative_time_ms


def _wait_for(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def test_a_control_wakes_a_sleeping_driver() -> None:
    """The driver sleeps until an event due in an hour; a seek from outside wakes it at once."""
    player = ReplayPlayer(prompts(0, 3_600_000))
    updates: list[PlayerUpdate] = []
    thread, errors = _run_in_thread(player, updates)
    assert _wait_for(lambda: len(updates) >= 1)
    player.seek(3_600_000)
    assert _wait_for(lambda: len(updates) >= 3)
    player.stop()
    thread.join(TIMEOUT_S)
    assert not errors and not thread.is_alive()
    assert [type(u).__name__ for u in updates] == ["Emission", "Jump", "Emission"]
