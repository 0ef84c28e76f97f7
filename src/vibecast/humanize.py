"""Human-readable times and sizes (the CLI, the worker's log, link previews), and parsing of the
times users type."""

from __future__ import annotations

import re

__all__ = ["format_bytes", "format_duration", "parse_time_ms", "plural"]

_TIME_RE = re.compile(r"^(?:(?:(\d+):)?(\d+):)?(\d+(?:\.\d+)?)$")
_UNIT_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}


def format_duration(ms: int) -> str:
    """``3723000`` -> ``1:02:03``; ``65000`` -> ``1:05``."""
    seconds = max(0, int(ms)) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def plural(count: int, noun: str) -> str:
    """``plural(1, "replay")`` -> ``1 replay``; ``plural(2, "replay")`` -> ``2 replays``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def format_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def parse_time_ms(text: str) -> int:
    """A time a user typed: ``90`` or ``90s`` (seconds), ``1:30``, ``1:02:03``, ``1500ms``, ``2m``.

    Raises ValueError with a message that says what is accepted.
    """
    value = text.strip().lower()
    unit = _UNIT_RE.match(value)
    if unit:
        return round(float(unit.group(1)) * _UNIT_MS[unit.group(2)])
    clock = _TIME_RE.match(value)
    if clock:
        hours, minutes, seconds = clock.groups()
        total = float(seconds) + 60 * int(minutes or 0) + 3600 * int(hours or 0)
        return round(total * 1000)
    raise ValueError(f"{text!r} is not a time; use e.g. 90, 90s, 1:30, 1:02:03 or 1500ms")
