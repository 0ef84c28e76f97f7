"""Filling a live recording in from the session's transcript.

Hooks carry the precise timing of tool calls, prompts and stops, but not the assistant's text,
its thinking, full tool results or what subagents did inside. The transcript (the payload's
``transcript_path``) has all of that. The recorder re-reads it when it has changed and hands
the events to the same merge that reconciles an import of the transcript with the hook events
of the session (ids shared by both sources meet, see :mod:`vibecast.recorder.merge`).

Only events not committed before (new ids, or changed content) are handed on, so a long
transcript is parsed again on each change but its old events are not redacted and merged again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from vibecast.importers import read_source, source_files
from vibecast.importers.base import CapturedSession, ImportIssue

__all__ = ["TranscriptFill", "TranscriptState", "transcript_state"]

_encoder = msgspec.json.Encoder()


@dataclass(frozen=True)
class TranscriptState:
    """What the transcript and its side files look like on disk; a change means re-read."""

    size: int
    mtime_ns: int


def transcript_state(path: Path) -> TranscriptState | None:
    """The transcript's state, or None if it cannot be read (not written yet, elsewhere)."""
    try:
        if not path.is_file():
            return None
        stats = [file.stat() for file in source_files(path)]
    except OSError:
        return None
    return TranscriptState(
        size=sum(st.st_size for st in stats), mtime_ns=max(st.st_mtime_ns for st in stats)
    )


@dataclass
class TranscriptFill:
    """One session's transcript, and what of it has already been committed.

    :meth:`read_new` returns what is new; :meth:`confirm` records it once it is committed, so a
    failed commit hands the same events on again next time.
    """

    path: Path
    session_id: str
    state: TranscriptState | None = None
    issues: list[ImportIssue] = field(default_factory=list)
    _committed: dict[str, bytes] = field(default_factory=dict)
    _pending: dict[str, bytes] = field(default_factory=dict)
    _pending_state: TranscriptState | None = None

    def changed(self) -> bool:
        """Whether the transcript exists and differs from when it was last committed."""
        current = transcript_state(self.path)
        return current is not None and current != self.state

    def read_new(self) -> CapturedSession | None:
        """The session's events not committed yet, or None if there are none."""
        state = transcript_state(self.path)
        if state is None or state == self.state:
            return None
        result = read_source(self.path)
        self.issues = list(result.issues)
        self._pending_state = state
        self._pending = {}
        session = next((s for s in result.sessions if s.session_id == self.session_id), None)
        if session is None:
            self.confirm()  # nothing of this session in it (yet): nothing to commit
            return None
        self.issues.extend(session.issues)
        fresh = []
        for event in session.events:
            digest = hashlib.blake2b(_encoder.encode(event), digest_size=16).digest()
            if self._committed.get(event.id) != digest:
                self._pending[event.id] = digest
                fresh.append(event)
        if not fresh:
            self.confirm()
            return None
        session.events = fresh
        return session

    def confirm(self) -> None:
        """What the last :meth:`read_new` returned is now in the store."""
        self._committed.update(self._pending)
        self._pending = {}
        if self._pending_state is not None:
            self.state = self._pending_state
            self._pending_state = None
