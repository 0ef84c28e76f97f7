"""Source timestamps (ISO 8601 strings or epoch numbers) to epoch milliseconds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

__all__ = ["parse_timestamp"]

# Epoch values below this are seconds, above it milliseconds (1e11 s is year 5138, 1e11 ms 1973).
_SECONDS_LIMIT = 100_000_000_000


def parse_timestamp(value: Any) -> int | None:
    """Epoch ms from an ISO 8601 string or an epoch number (s or ms); None if unusable.

    Naive ISO strings (no offset) are what hook-logging scripts write with
    ``datetime.now().isoformat()``: local time of the machine that logged. They are read in this
    machine's time zone, which is right when the logs are imported where they were written (the
    usual case); logs from another zone are off by the difference.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if value != value or value <= 0:  # NaN or not a real time
            return None
        return int(value * 1000) if value < _SECONDS_LIMIT else int(value)
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return int(moment.timestamp() * 1000)  # naive: local time
