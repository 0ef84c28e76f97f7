"""The one interface every storage backend implements (SQLite now, PostgreSQL in server mode).

Events are kept in time-ordered, zstd-compressed chunks; a backend only has to store rows. The
chunk codec (:mod:`vibecast.store.codec`) is shared by all backends, so a chunk written by SQLite
reads back byte for byte under PostgreSQL.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence

import msgspec

from vibecast.model import RecordedEvent, Replay

__all__ = [
    "AmbiguousReplayId",
    "ImportSource",
    "ReplayNotFound",
    "Store",
    "StoreError",
    "StoreStats",
]


class StoreError(Exception):
    """A storage operation failed; the message is meant for the user."""


class ReplayNotFound(StoreError):
    pass


class AmbiguousReplayId(StoreError):
    pass


class StoreStats(msgspec.Struct, kw_only=True):
    replays: int
    events: int
    chunks: int
    blobs: int
    stored_bytes: int  # compressed chunk + blob bytes as stored
    raw_bytes_imported: int  # bytes of source files imported (sum over sources)


class ImportSource(msgspec.Struct, kw_only=True):
    """A source file already imported, so an unchanged file can be skipped on the next import."""

    path: str
    size: int
    mtime_ns: int
    fingerprint: str  # sha256 of the file's bytes
    replay_ids: list[str]


class Store(ABC):
    """Replays, their events, and what was imported. One replay is written in one transaction."""

    @abstractmethod
    def migrate(self) -> None:
        """Create or upgrade the schema (idempotent)."""

    @abstractmethod
    def close(self) -> None: ...

    # -- replays ---------------------------------------------------------------------------
    @abstractmethod
    def save_replay(
        self,
        replay: Replay,
        events: Sequence[RecordedEvent],
        blobs: Mapping[str, bytes] | None = None,
    ) -> None:
        """Insert or replace ``replay`` and all of its events, atomically.

        ``events`` must be sorted by ``relative_time_ms``. Existing events of the replay are
        replaced (the recorder merges old and new before calling this). ``blobs`` are binary
        payloads (images) referenced by events' attachments, keyed by sha256 hex.
        """

    @abstractmethod
    def get_blob(self, sha256: str) -> bytes | None:
        """A stored binary payload (an image an event refers to)."""

    @abstractmethod
    def get_replay(self, replay_id: str) -> Replay | None: ...

    @abstractmethod
    def find_replay_by_session(self, session_id: str, user_id: str = "local") -> Replay | None: ...

    @abstractmethod
    def resolve_replay(self, ref: str, user_id: str = "local") -> Replay:
        """A replay by full id, unique id prefix, or Claude session id (or its unique prefix).

        Raises :class:`ReplayNotFound` or :class:`AmbiguousReplayId`.
        """

    @abstractmethod
    def list_replays(
        self, user_id: str | None = "local", limit: int = 50, offset: int = 0
    ) -> list[Replay]:
        """Newest first (by recorded date)."""

    @abstractmethod
    def delete_replay(self, replay_id: str) -> bool: ...

    # -- events ----------------------------------------------------------------------------
    @abstractmethod
    def read_events(
        self, replay_id: str, from_ms: int | None = None, to_ms: int | None = None
    ) -> list[RecordedEvent]:
        """Events with ``from_ms <= relative_time_ms <= to_ms``, reading only the chunks needed."""

    # -- imports ---------------------------------------------------------------------------
    @abstractmethod
    def get_import_source(self, path: str) -> ImportSource | None: ...

    @abstractmethod
    def record_import_source(self, source: ImportSource) -> None: ...

    # -- accounting ------------------------------------------------------------------------
    @abstractmethod
    def stats(self) -> StoreStats: ...

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
