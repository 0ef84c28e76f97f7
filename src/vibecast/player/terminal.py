"""``vibecast play`` in a terminal: the session unfolding, with VCR keys on a TTY.

On a terminal, events print above a live status line (time, duration, speed, paused, current tool)
and keys control the :class:`ReplayPlayer`. Piped or in CI, events print in order as they play,
with nothing interactive; ``speed=0`` (or ``inf``) plays instantly, which is what tests and
``vibecast play ID | less`` want.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.live import Live
from rich.text import Text

from vibecast.model import EventType, RecordedEvent
from vibecast.player.clock import ManualClock
from vibecast.player.engine import Emission, Jump, PlayerUpdate, ReplayPlayer
from vibecast.player.keys import KeyReader, cbreak_terminal
from vibecast.player.render import EventRenderer, escape_text, format_clock
from vibecast.player.source import WindowLoader

__all__ = ["KEY_HELP", "handle_key", "play_in_terminal"]

SKIP_MS = 10_000

_ACTIONS: dict[str, Callable[[ReplayPlayer], object]] = {
    "space": ReplayPlayer.toggle_pause,
    "left": lambda player: player.skip(-SKIP_MS),
    "right": lambda player: player.skip(SKIP_MS),
    "shift-left": ReplayPlayer.step_prev,
    ",": ReplayPlayer.step_prev,
    "<": ReplayPlayer.step_prev,
    "shift-right": ReplayPlayer.step_next,
    ".": ReplayPlayer.step_next,
    ">": ReplayPlayer.step_next,
    "+": ReplayPlayer.faster,
    "=": ReplayPlayer.faster,
    "up": ReplayPlayer.faster,
    "-": ReplayPlayer.slower,
    "_": ReplayPlayer.slower,
    "down": ReplayPlayer.slower,
    "q": ReplayPlayer.stop,
    "Q": ReplayPlayer.stop,
    "escape": ReplayPlayer.stop,
}

KEY_HELP = "space pause · ←/→ 10s · ,/. step · +/- speed · q quit"


def handle_key(player: ReplayPlayer, key: str) -> bool:
    """Apply one key to the player; False if the key means nothing here."""
    action = _ACTIONS.get(key)
    if action is None:
        return False
    action(player)
    return True


def _speed_label(speed: float) -> str:
    return f"{speed:g}x"


class _StatusLine:
    """The live bottom line; rich re-renders it on every refresh."""

    def __init__(self, player: ReplayPlayer) -> None:
        self._player = player
        self.current = ""  # the tool call playing now, e.g. "Bash npm test"

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        state = self._player.state()
        if state.ended:
            mark = ("■ end ", "bold")
        elif state.paused:
            mark = ("⏸ PAUSED ", "bold yellow")
        else:
            mark = ("▶ ", "bold green")
        line = Text.assemble(
            mark,
            (f"{format_clock(state.position_ms)} / {format_clock(state.duration_ms)}", "bold"),
            f"  {_speed_label(state.speed)}",
        )
        if state.idle_limit_ms is not None:
            line.append(f"  idle≤{state.idle_limit_ms / 1000:g}s", style="dim")
        if self.current:
            line.append(f"  {self.current}", style="yellow")
        line.append(f"   {KEY_HELP}", style="dim")
        line.truncate(max(20, options.max_width - 1), overflow="ellipsis")
        yield line


class _Printer:
    """Receives player updates and prints them."""

    def __init__(self, console: Console, status: _StatusLine | None = None) -> None:
        self._console = console
        self._renderer = EventRenderer()
        self._status = status
        self.events = 0

    def __call__(self, update: PlayerUpdate) -> None:
        if isinstance(update, Jump):
            if self._status is not None:
                self._status.current = ""  # the tool shown was the one before the jump
            arrow = "⤺" if update.to_ms < update.from_ms else "⤻"
            self._console.print(
                Text(
                    f"{'':8} {arrow} {format_clock(update.from_ms)} → {format_clock(update.to_ms)}",
                    style="dim",
                )
            )
            return
        assert isinstance(update, Emission)
        event = update.event
        self.events += 1
        self._console.print(self._renderer.render(event))
        if self._status is not None and event.type == EventType.PRE_TOOL_USE:
            detail = ""
            if isinstance(event.tool_input, dict):
                first = next(
                    (
                        v
                        for k, v in event.tool_input.items()
                        if k in {"command", "file_path", "path", "pattern", "url"}
                    ),
                    "",
                )
                detail = " ".join(escape_text(str(first)).split())[:60]
            self._status.current = f"{escape_text(event.tool or '')} {detail}".strip()


def play_in_terminal(
    events_or_loader: Sequence[RecordedEvent] | WindowLoader,
    *,
    title: str,
    duration_ms: int,
    speed: float = 1.0,
    start_ms: int = 0,
    idle_limit_ms: int | None = None,
    console: Console | None = None,
    interactive: bool | None = None,
) -> None:
    """Play a replay in the terminal until its end, ``q``, or Ctrl-C (which is re-raised).

    ``events_or_loader``: the events, or ``loader(from_ms, to_ms)`` read window by window.
    ``speed`` 0.25-16, or 0 / ``inf`` for instant (never interactive). ``interactive``: None
    decides from whether stdin and the console are terminals. The terminal is restored on every
    way out.
    """
    console = console or Console(highlight=False)
    instant = speed == 0 or math.isinf(speed)
    if interactive is None:
        interactive = console.is_terminal and sys.stdin.isatty()
    elif interactive and not sys.stdin.isatty():
        raise ValueError("interactive play needs a terminal on stdin")
    interactive = interactive and not instant
    player = ReplayPlayer(
        events_or_loader,
        duration_ms=duration_ms,
        speed=1.0 if instant else speed,
        start_ms=start_ms,
        idle_limit_ms=idle_limit_ms,
        clock=ManualClock() if instant else None,
    )
    header = Text.assemble(
        ("▶ ", "bold green"),
        (" ".join(escape_text(title or "(untitled)").split()), "bold"),
        (f"  {format_clock(player.duration_ms)}", "dim"),
    )
    if not instant:
        header.append(f"  at {_speed_label(speed)}", style="dim")
    if idle_limit_ms is not None:
        header.append(f"  idle≤{idle_limit_ms / 1000:g}s", style="dim")
    if start_ms:
        header.append(f"  from {format_clock(start_ms)}", style="dim")
    console.print(header)
    if interactive:
        printer = _play_interactive(player, console)
    else:
        printer = _Printer(console)
        player.run(printer)
    state = player.state()
    console.print(
        Text(
            f"■ {'end' if state.ended else 'stopped'} at {format_clock(state.position_ms)}"
            f" / {format_clock(state.duration_ms)} · {printer.events} events shown",
            style="dim",
        )
    )


def _play_interactive(player: ReplayPlayer, console: Console) -> _Printer:
    status = _StatusLine(player)
    printer = _Printer(console, status)
    fd = sys.stdin.fileno()
    errors: list[BaseException] = []

    def on_error(exc: BaseException) -> None:
        errors.append(exc)
        player.stop()

    with cbreak_terminal(fd):
        reader = KeyReader(fd, lambda key: handle_key(player, key), on_error=on_error)
        with Live(
            status,
            console=console,
            refresh_per_second=10,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        ):
            reader.start()
            try:
                player.run(printer)
            finally:
                reader.stop()
    if errors:
        raise errors[0]
    return printer
