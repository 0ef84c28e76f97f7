"""Source timestamps (ISO 8601 strings or epoch numbers) to epoch milliseconds.

A time is *exact* when it names its instant without ambiguity: an epoch number, or an ISO string
with an offset (``Z``, ``+02:00``). A naive ISO string (no offset) is what hook-logging scripts
write with ``datetime.now().isoformat()``: the local time of the machine that logged, in a zone
nobody recorded. It is read in this machine's zone — right when the logs are imported where they
were written, off by the zone difference otherwise (the cc-2.1.62 sample is ~6 h off) — and
reported as not exact, so that importers can mark such events ``time_estimated``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

__all__ = ["SourceTime", "parse_timestamp", "read_time"]

# Epoch values below this are seconds, above it milliseconds (1e11 s is year 5138, 1e11 ms 1973).
_SECONDS_LIMIT = 100_000_000_000


class SourceTime(NamedTuple):
    """A source's time in epoch ms, and whether it was exact (False: naive, zone guessed)."""

    ms: int
    exact: bool


def read_time(value: Any) -> SourceTime | None:
    """The time ``value`` gives (epoch s or ms, or ISO 8601), or None if it gives none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if value != value or value <= 0:  # NaN or not a real time
            return None
        return SourceTime(int(value * 1000) if value < _SECONDS_LIMIT else int(value), True)
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    # A naive datetime's timestamp() reads it in this machine's local zone.
    return SourceTime(int(moment.timestamp() * 1000), moment.tzinfo is not None)


def parse_timestamp(value: Any) -> int | None:
    """Epoch ms from an ISO 8601 string or an epoch number (s or ms); None if unusable.

    Naive ISO strings are read as this machine's local time (see :func:`read_time` to know
    whether a time was exact).
    """
    time = read_time(value)
    return time.ms if time is not None else None
