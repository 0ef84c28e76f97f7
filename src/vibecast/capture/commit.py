"""Committing captured events to a replay: the pipeline's steps, plus the live status.

These are the steps of :func:`vibecast.pipeline.save_session` — redact, merge with what is
stored through :func:`~vibecast.recorder.build_replay`, save in one transaction — with two
additions live capture needs: the replay's ``status`` (``"recording"`` until ``SessionEnd``,
then ``"complete"``), and a cache of what this process last saved, so that a flush every few
seconds does not decode the whole replay again when nobody else has written it since.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import msgspec

from vibecast.importers.base import CapturedSession
from vibecast.model import RecordedEvent, Replay
from vibecast.recorder import build_replay
from vibecast.redact import Redactor
from vibecast.store.base import Store

__all__ = ["COMPLETE", "RECORDING", "CommitResult", "Saved", "commit_session"]

RECORDING = "recording"
COMPLETE = "complete"


@dataclass(frozen=True)
class Saved:
    """A replay as this process last saved it."""

    replay: Replay
    events: list[RecordedEvent]


@dataclass(frozen=True)
class CommitResult:
    saved: Saved
    outcome: str  # "created", "updated" or "unchanged"
    new_events: int


def _stored(store: Store, session_id: str, user_id: str, cached: Saved | None) -> Saved | None:
    """The stored replay of the session and its events, from the cache when still current."""
    existing = store.find_replay_by_session(session_id, user_id)
    if existing is None:
        return None
    if (
        cached is not None
        and cached.replay.id == existing.id
        and cached.replay.updated_at == existing.updated_at
        and cached.replay.metadata.event_count == existing.metadata.event_count
    ):
        return Saved(existing, cached.events)
    return Saved(existing, store.read_events(existing.id))


def commit_session(
    store: Store,
    session: CapturedSession,
    redactor: Redactor,
    *,
    status: str,
    cached: Saved | None = None,
    user_id: str = "local",
) -> CommitResult:
    """Redact ``session``, merge it into its stored replay with ``status``, save it atomically.

    ``cached`` is the previous result's ``saved`` for this session; it is used only if the
    stored replay has not changed since (another process, e.g. ``vibecast import``, may have).
    """
    session.events = [redactor.redact_event(event) for event in session.events]
    session.info = redactor.redact_info(session.info)
    stored = _stored(store, session.session_id, user_id, cached)
    existing = stored.replay if stored else None
    existing_events = stored.events if stored else []
    replay, events = build_replay(session, existing, existing_events, user_id=user_id)
    if replay.status != status:
        replay = msgspec.structs.replace(replay, status=status, updated_at=int(time.time() * 1000))
    if existing is not None and replay == existing and events == existing_events:
        return CommitResult(Saved(existing, existing_events), "unchanged", 0)
    if existing is not None and replay.updated_at <= existing.updated_at:
        # Two saves in one millisecond must still look different to the cache check.
        replay = msgspec.structs.replace(replay, updated_at=existing.updated_at + 1)
    store.save_replay(replay, events, session.blobs)
    outcome = "updated" if existing else "created"
    return CommitResult(Saved(replay, events), outcome, len(events) - len(existing_events))
