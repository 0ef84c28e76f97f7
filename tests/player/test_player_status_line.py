"""The terminal player's status line names the tool call playing now, and only while it is:
after stepping back (``,``) or seeking to before a call, the line named it still (a QA
walk-through met "Task" there after stepping back before the Task)."""

from __future__ import annotations

import io

from player_helpers import MS, event, manual_player
from rich.console import Console

from vibecast.player.terminal import _Printer, _StatusLine


def test_stepping_back_before_a_call_clears_the_tool_shown() -> None:
    events = [
        event(0),
        event(1000, "pre_tool_use", tool="Task", tool_input={"description": "review"}),
        event(2000, "pre_tool_use", tool="Bash", tool_input={"command": "npm test"}),
    ]
    player, clock = manual_player(events, paused=True)
    status = _StatusLine(player)
    printer = _Printer(Console(file=io.StringIO()), status)
    shown: list[str] = []
    for second in (1, 2, 3):
        clock.call_at(second * 1000 * MS, player.step_next)
    clock.call_at(3500 * MS, lambda: shown.append(status.current))
    clock.call_at(4000 * MS, player.step_prev)  # back to the Task call: it is playing again
    clock.call_at(4500 * MS, lambda: shown.append(status.current))
    clock.call_at(5000 * MS, player.step_prev)  # back to the prompt, before any call
    clock.call_at(5500 * MS, lambda: shown.append(status.current))
    clock.call_at(6000 * MS, player.stop)
    player.run(printer)
    assert shown == ["Bash npm test", "Task", ""]
