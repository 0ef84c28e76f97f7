"""What every importer produces: sessions of normalised (not yet redacted) events.

An importer reads one source format and yields one :class:`CapturedSession` per Claude session it
finds. Events carry the source's timestamps and deterministic ids; ``recorded_at`` equals
``timestamp`` and ``relative_time_ms`` is 0 — the recorder fills in timing, durations, success and
metadata. Problems with single records become :class:`ImportIssue` warnings; they never abort the
file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vibecast.model import RecordedEvent

__all__ = ["CapturedSession", "ImportIssue", "SessionInfo"]


@dataclass(frozen=True)
class ImportIssue:
    """A warning about one record: where it was and what was wrong."""

    source: str  # file path
    line: int | None  # 1-based line (or array index + 1), when it applies
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.message}"


@dataclass
class SessionInfo:
    """Facts about the session that are not events (all optional)."""

    title: str | None = None  # the session's own title (summary record, custom title)
    model: str | None = None
    cwd: str | None = None
    git_branch: str | None = None
    claude_version: str | None = None


@dataclass
class CapturedSession:
    session_id: str
    events: list[RecordedEvent]
    source: str  # the file (or directory) this came from
    info: SessionInfo = field(default_factory=SessionInfo)
    issues: list[ImportIssue] = field(default_factory=list)
    # Binary payloads (images) referenced by events' attachments, by sha256 hex.
    blobs: dict[str, bytes] = field(default_factory=dict)
