"""Source timestamps (ISO 8601 strings or epoch numbers) to epoch milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

__all__ = ["parse_timestamp"]

# Epoch values below this are seconds, above it milliseconds (1e11 s is year 5138, 1e11 ms 1973).
_SECONDS_LIMIT = 100_000_000_000


def parse_timestamp(value: Any) -> int | None:
    """Epoch ms from an ISO 8601 string or an epoch number (s or ms); None if unusable.

    Naive ISO strings (no offset, as Python logging scripts write them) are read as UTC: the
    writer's time zone is unknown, and UTC keeps the result the same on every machine.
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
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)
