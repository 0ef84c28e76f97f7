"""Hand-built events and a recorder of what a player emits, on a manual clock."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from vibecast.model import RecordedEvent
from vibecast.player import Emission, Jump, ManualClock, PlayerUpdate, ReplayPlayer

_ids = itertools.count()
MS = 1_000_000  # ns


def event(time_ms: int, type: str = "user_prompt_submit", **fields: Any) -> RecordedEvent:
    """An event at ``time_ms``; a prompt naming its time unless told otherwise."""
    if type == "user_prompt_submit" and "prompt" not in fields:
        fields["prompt"] = f"at {time_ms}"
    return RecordedEvent(
        id=f"e{next(_ids)}",
        timestamp=1_700_000_000_000 + time_ms,
        type=type,
        session_id="s1",
        recorded_at=1_700_000_000_000 + time_ms,
        relative_time_ms=time_ms,
        **fields,
    )


def prompts(*times: int) -> list[RecordedEvent]:
    return [event(t) for t in times]


def label(update: PlayerUpdate) -> str:
    if isinstance(update, Jump):
        return f"jump {update.from_ms:.12g}->{update.to_ms:.12g}"
    assert isinstance(update, Emission)
    text = update.event.prompt or update.event.type
    return f"step {text}" if update.stepped else text


@dataclass
class Recorder:
    """Collects ``(virtual ms, label)`` for every update, and checks play timing on the way."""

    clock: ManualClock
    seen: list[tuple[float, str]] = field(default_factory=list)
    updates: list[PlayerUpdate] = field(default_factory=list)

    def __call__(self, update: PlayerUpdate) -> None:
        now = self.clock.now_ns()
        if isinstance(update, Emission) and not update.stepped:
            # On a manual clock an event is emitted exactly when it was due.
            assert now == update.due_ns, (now, update.due_ns)
        self.updates.append(update)
        self.seen.append((now / MS, label(update)))


def run(player: ReplayPlayer, clock: ManualClock, **kwargs: Any) -> list[tuple[float, str]]:
    recorder = Recorder(clock)
    player.run(recorder, **kwargs)
    return recorder.seen


def manual_player(
    events: Any, clock: ManualClock | None = None, **kwargs: Any
) -> tuple[ReplayPlayer, ManualClock]:
    clock = clock or ManualClock()
    return ReplayPlayer(events, clock=clock, **kwargs), clock
