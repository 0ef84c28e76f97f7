"""Replay playback: the timing engine (:class:`ReplayPlayer`) and what drives it.

``timeline`` is pure arithmetic (play time, idle compression, the virtual clock) shared with the
API stream and the video exporter; ``source`` reads events from a list or window by window from a
store; ``clock`` is real or manual time; ``engine`` is the player with its controls; ``render``,
``keys`` and ``terminal`` are ``vibecast play``.
"""

from vibecast.player.clock import Clock, ManualClock, SystemClock
from vibecast.player.engine import Emission, Jump, PlayerState, PlayerUpdate, ReplayPlayer
from vibecast.player.source import Cursor, EventSource, ListSource, WindowedSource, WindowLoader
from vibecast.player.timeline import SPEEDS, Timeline, VirtualClock, compressed_duration_ms

__all__ = [
    "SPEEDS",
    "Clock",
    "Cursor",
    "Emission",
    "EventSource",
    "Jump",
    "ListSource",
    "ManualClock",
    "PlayerState",
    "PlayerUpdate",
    "ReplayPlayer",
    "SystemClock",
    "Timeline",
    "VirtualClock",
    "WindowLoader",
    "WindowedSource",
    "compressed_duration_ms",
]
