"""``build_replay``: a captured session plus what is stored becomes the replay to save.

This is the recorder's one entry point. It is a pure function of its inputs (the clock comes in
as ``now_ms``), so importing the same data twice returns exactly what is stored — same id, same
events byte for byte, same metadata, same ``updated_at`` — and the pipeline can tell that
nothing changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace

import msgspec

from vibecast.importers.base import CapturedSession, SessionInfo
from vibecast.model import RecordedEvent, Replay, ReplayMetadata
from vibecast.recorder.identity import replay_id_for
from vibecast.recorder.merge import merge_events
from vibecast.recorder.metadata import compute_metadata, main_thread_value
from vibecast.recorder.reconcile import reconcile_times
from vibecast.recorder.subagents import nest_subagents
from vibecast.recorder.timing import by_timestamp, settle_timeline
from vibecast.recorder.titles import session_title
from vibecast.recorder.tools import apply_outcomes, pair_tool_calls
from vibecast.recorder.twins import merge_prompt_twins, merge_subagent_twins

__all__ = ["build_events", "build_replay", "merged_info"]


def build_events(
    existing: Sequence[RecordedEvent], new: Sequence[RecordedEvent]
) -> list[RecordedEvent]:
    """Merged, re-timed, ordered events with subagents nested and tool outcomes set."""
    merged = merge_subagent_twins(merge_prompt_twins(merge_events(existing, new)))
    events = nest_subagents(by_timestamp(reconcile_times(merged)))
    calls = pair_tool_calls(events)
    apply_outcomes(events, calls)
    return settle_timeline(events, calls)


def merged_info(
    info: SessionInfo,
    existing: ReplayMetadata | None,
    stored_title: Callable[[], str],
    stored_model: Callable[[], str | None],
) -> SessionInfo:
    """The session's facts: this import's, else what an earlier import of the session knew.

    A hook capture knows no title or branch; importing it after the transcript must not erase
    what the transcript said. A stored session name or model that the stored events do not give
    (``stored_title``: the title their prompts give; ``stored_model``: the model they used most;
    called only when needed) came from the session's own facts, and is kept. One they do give
    is theirs, and is worked out again from all the events: a live recording committed a few
    events at a time names the model one import of the same events names, not the first seen.
    """
    if existing is None:
        return info
    title = info.title
    if not title and existing.session_name:
        title = existing.session_name if existing.session_name != stored_title() else None
    model = info.model
    if not model and existing.model:
        model = existing.model if existing.model != stored_model() else None
    return replace(
        info,
        title=title,
        model=model,
        cwd=info.cwd or existing.cwd,
        git_branch=info.git_branch or existing.git_branch,
        claude_version=info.claude_version or existing.claude_version,
    )


def build_replay(
    session: CapturedSession,
    existing: Replay | None = None,
    existing_events: Sequence[RecordedEvent] = (),
    user_id: str = "local",
    now_ms: int | None = None,
) -> tuple[Replay, list[RecordedEvent]]:
    """The replay and events to save for ``session``, merged with what is stored.

    ``session`` is already redacted. ``existing`` / ``existing_events`` are the stored replay of
    the same session, if any. Neither input is modified. When the merge changes nothing, the
    stored replay is returned as it was (``updated_at`` included). The title follows the
    session's name unless a user has set their own, which is kept.
    """
    events = build_events(existing_events, session.events)
    old_meta = existing.metadata if existing else None
    sources = [*(old_meta.sources if old_meta else ()), session.source]
    info = merged_info(
        session.info,
        old_meta,
        lambda: session_title(existing_events, SessionInfo()),
        lambda: main_thread_value(existing_events, "model"),
    )
    metadata = compute_metadata(events, info, sources)

    if existing is None:
        now = int(time.time() * 1000) if now_ms is None else now_ms
        replay = Replay(
            id=replay_id_for(session.session_id, user_id),
            session_id=session.session_id,
            user_id=user_id,
            title=metadata.session_name,
            metadata=metadata,
            created_at=now,
            updated_at=now,
        )
        return replay, events

    user_titled = bool(existing.title) and existing.title != existing.metadata.session_name
    title = existing.title if user_titled else metadata.session_name
    unchanged = events == list(existing_events)
    if unchanged and title == existing.title and metadata == existing.metadata:
        return existing, events
    now = int(time.time() * 1000) if now_ms is None else now_ms
    replay = msgspec.structs.replace(
        existing,
        title=title,
        metadata=metadata,
        created_at=existing.created_at or now,
        updated_at=now,
    )
    return replay, events
