"""The recorder: truthful timing and metadata, and idempotent merging.

Importers hand over a :class:`~vibecast.importers.base.CapturedSession` (already redacted); the
recorder merges it with what the store holds for that session and returns the replay to save:

- events are the union of stored and new ones by id, each id once, richer fields kept;
- times a hook capture could only estimate are rebuilt around the session's exact events
  (a transcript's): twins merged, repeats anchored, the rest placed within the exact span;
- ordered by source timestamp (ties keep source order), ``relative_time_ms`` from the first;
- tool calls paired (``toolUseId``, else FIFO per session and tool) for durations and success;
- subagent events nested under the Task that spawned them;
- :class:`~vibecast.model.ReplayMetadata` computed from the result.
"""

from __future__ import annotations

from vibecast.recorder.build import build_events, build_replay
from vibecast.recorder.identity import replay_id_for
from vibecast.recorder.metadata import compute_metadata
from vibecast.recorder.reconcile import reconcile_times
from vibecast.recorder.titles import session_title

__all__ = [
    "build_events",
    "build_replay",
    "compute_metadata",
    "reconcile_times",
    "replay_id_for",
    "session_title",
]
