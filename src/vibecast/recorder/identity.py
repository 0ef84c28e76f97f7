"""Replay ids: the same Claude session of the same user always gets the same replay id.

A deterministic id is what makes re-importing idempotent across machines and stores: the id is
a uuid5 of the user and the session, so it never depends on import order or on what is stored.
"""

from __future__ import annotations

import uuid

__all__ = ["REPLAY_NAMESPACE", "replay_id_for"]

REPLAY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://vibecast.dev/replay")
"""The uuid5 namespace of replay ids (fixed forever: changing it would orphan stored replays)."""


def replay_id_for(session_id: str, user_id: str = "local") -> str:
    """The replay id of ``session_id`` for ``user_id`` (a uuid5, as a string)."""
    return str(uuid.uuid5(REPLAY_NAMESPACE, f"{user_id}\x00{session_id}"))
