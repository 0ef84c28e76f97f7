"""The embedded default backend: one SQLite file, WAL mode, chunks and blobs as BLOBs.

Writes of a replay are one ``BEGIN IMMEDIATE`` transaction (the replay row, all of its chunks and
their blob references), so a reader never sees half a replay and a crash never leaves one.
Compression runs before the transaction starts, so the write lock is held only for the inserts —
the capture hook, writing to the same file, never waits on zstd.
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec

from vibecast.model import RecordedEvent, Replay, ReplayMetadata
from vibecast.store.base import (
    AmbiguousReplayId,
    ImportSource,
    ReplayNotFound,
    Store,
    StoreError,
    StoreStats,
)
from vibecast.store.codec import ChunkCodec, CodecError, EncodedBlob, EncodedChunk, blob_key
from vibecast.store.migrations import MigrationError, apply_sqlite

__all__ = ["BUSY_TIMEOUT_MS", "SQLiteStore"]

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
"""How long a writer waits for another process's transaction before giving up."""

_REPLAY_COLUMNS = (
    "id, session_id, user_id, title, description, metadata, is_public, thumbnail_url, status, "
    "created_at, updated_at"
)
_BATCH = 500
"""Keys per ``IN (...)`` query: well under SQLite's limit on bound parameters."""
_metadata_decoder = msgspec.json.Decoder(ReplayMetadata)
_ids_decoder = msgspec.json.Decoder(list[str])


def _now_ms() -> int:
    return int(time.time() * 1000)


def _placeholders(count: int) -> str:
    return ",".join("?" * count)


class SQLiteStore(Store):
    """:class:`~vibecast.store.base.Store` on a SQLite file (or ``":memory:"``).

    ``chunks_read`` counts chunks decoded since the store was opened: it shows (and tests check)
    that a window read touches only the chunks it needs.
    """

    def __init__(
        self, path: str | Path, *, codec: ChunkCodec | None = None, migrate: bool = True
    ) -> None:
        self.path = str(path)
        self.codec = codec or ChunkCodec()
        self.chunks_read = 0
        self._lock = threading.RLock()
        try:
            self._conn = sqlite3.connect(
                self.path,
                isolation_level=None,  # we issue BEGIN/COMMIT ourselves
                check_same_thread=False,  # guarded by self._lock
                timeout=BUSY_TIMEOUT_MS / 1000,
            )
            self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._conn.execute("PRAGMA foreign_keys = ON")
            # Only takes on a new, empty file: lets delete_replay give the space back to the disk.
            self._conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            if self.path != ":memory:":
                self._conn.execute("PRAGMA journal_mode = WAL")
                # WAL + NORMAL: a power cut may lose the last commit, never corrupt the file.
                self._conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the database {self.path}: {exc}") from exc
        if migrate:
            self.migrate()

    # -- plumbing ----------------------------------------------------------------------------
    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Database and codec failures become a StoreError with a message for the user."""
        with self._lock:
            try:
                yield
            except (StoreError, MigrationError):
                raise
            except (sqlite3.Error, CodecError) as exc:
                raise StoreError(f"{action} failed: {exc}") from exc

    @contextmanager
    def _transaction(self, mode: str = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
        """One transaction: committed if the block succeeds, rolled back on any exception."""
        conn = self._conn
        conn.execute(f"BEGIN {mode}")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def migrate(self) -> None:
        with self._errors("migrating the database"):
            try:
                applied = apply_sqlite(self._conn)
            except MigrationError as exc:
                raise StoreError(str(exc)) from exc
            for migration in applied:
                log.info("applied migration %04d_%s", migration.version, migration.name)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- replays -----------------------------------------------------------------------------
    def save_replay(
        self,
        replay: Replay,
        events: Sequence[RecordedEvent],
        blobs: Mapping[str, bytes] | None = None,
    ) -> None:
        with self._errors(f"saving replay {replay.id}"):
            events = _sorted(events, replay.id)
            chunks = list(self.codec.encode(events))
            needed = self._needed_blobs(chunks, blobs or {}, replay.id)
            text_keys = {key for chunk in chunks for key in chunk.text_blobs}
            # Compress new blobs before taking the write lock.
            encoded = {
                key: self._encode_blob(needed[key], key in text_keys)
                for key in self._missing_blobs(needed)
            }
            with self._transaction() as conn:
                old_blobs = self._replay_blob_keys(replay.id)
                self._upsert_replay(conn, replay, events)
                conn.execute("DELETE FROM replay_chunks WHERE replay_id = ?", (replay.id,))
                # Another process may have collected a blob since we looked: check again.
                for key in self._missing_blobs(needed):
                    blob = encoded.get(key) or self._encode_blob(needed[key], key in text_keys)
                    conn.execute(
                        "INSERT INTO blobs (sha256, size, codec, dict_id, data, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (key, blob.size, blob.codec, blob.dict_id, blob.data, _now_ms()),
                    )
                for chunk in chunks:
                    self._insert_chunk(conn, replay.id, chunk, needed)
                self._collect_blobs(old_blobs)

    def _needed_blobs(
        self, chunks: Sequence[EncodedChunk], given: Mapping[str, bytes], replay_id: str
    ) -> dict[str, bytes | None]:
        """Every blob the chunks refer to, with its bytes (None: expected to be stored already)."""
        needed: dict[str, bytes | None] = {}
        for chunk in chunks:
            needed.update(chunk.text_blobs)
            for key in chunk.attachment_blobs:
                data = given.get(key)
                if data is not None and blob_key(data) != key:
                    log.warning(
                        "replay %s: blob %s does not match its content; not stored", replay_id, key
                    )
                    data = None
                needed.setdefault(key, data)
        unused = set(given) - set(needed)
        if unused:
            log.info(
                "replay %s: %d blob(s) no event refers to were not stored", replay_id, len(unused)
            )
        return needed

    def _encode_blob(self, data: bytes | None, text: bool) -> EncodedBlob:
        if data is None:  # _missing_blobs only lists blobs we have the bytes of
            raise StoreError("internal error: a blob to store has no bytes")
        return self.codec.encode_blob(data, binary=not text)

    def _missing_blobs(self, needed: Mapping[str, bytes | None]) -> list[str]:
        """Blobs we must insert: not in the table yet, and we have their bytes."""
        present = self._present(list(needed))
        return [key for key, data in needed.items() if key not in present and data is not None]

    def _insert_chunk(
        self,
        conn: sqlite3.Connection,
        replay_id: str,
        chunk: EncodedChunk,
        needed: Mapping[str, bytes | None],
    ) -> None:
        cursor = conn.execute(
            "INSERT INTO replay_chunks "
            "(replay_id, seq, start_ms, end_ms, event_count, raw_size, dict_id, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                replay_id,
                chunk.seq,
                chunk.start_ms,
                chunk.end_ms,
                chunk.event_count,
                chunk.raw_size,
                chunk.dict_id,
                chunk.data,
            ),
        )
        chunk_id = cursor.lastrowid
        keys = sorted(chunk.blob_keys)
        stored = self._present(keys)
        for key in keys:
            if key in stored:
                conn.execute(
                    "INSERT INTO chunk_blob_refs (chunk_id, sha256) VALUES (?, ?)", (chunk_id, key)
                )
            elif needed.get(key) is None:
                log.warning("replay %s: attachment blob %s is not available", replay_id, key)

    def _present(self, keys: Sequence[str]) -> set[str]:
        """Those of ``keys`` that are in the blob table."""
        present: set[str] = set()
        for start in range(0, len(keys), _BATCH):
            batch = list(keys[start : start + _BATCH])
            rows = self._conn.execute(
                f"SELECT sha256 FROM blobs WHERE sha256 IN ({_placeholders(len(batch))})", batch
            )
            present.update(row[0] for row in rows)
        return present

    def _upsert_replay(
        self, conn: sqlite3.Connection, replay: Replay, events: Sequence[RecordedEvent]
    ) -> None:
        now = _now_ms()
        row = conn.execute("SELECT created_at FROM replays WHERE id = ?", (replay.id,)).fetchone()
        created_at = replay.created_at or (row[0] if row else now)
        try:
            conn.execute(
                "INSERT INTO replays (id, session_id, user_id, title, description, metadata, "
                "is_public, thumbnail_url, status, recorded_at, duration_ms, event_count, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET session_id = excluded.session_id, "
                "user_id = excluded.user_id, title = excluded.title, "
                "description = excluded.description, metadata = excluded.metadata, "
                "is_public = excluded.is_public, thumbnail_url = excluded.thumbnail_url, "
                "status = excluded.status, recorded_at = excluded.recorded_at, "
                "duration_ms = excluded.duration_ms, event_count = excluded.event_count, "
                "created_at = excluded.created_at, updated_at = excluded.updated_at",
                (
                    replay.id,
                    replay.session_id,
                    replay.user_id,
                    replay.title,
                    replay.description,
                    msgspec.json.encode(replay.metadata).decode(),
                    int(replay.is_public),
                    replay.thumbnail_url,
                    replay.status,
                    _recorded_at(replay, events, created_at),
                    replay.metadata.duration_ms
                    or (events[-1].relative_time_ms - events[0].relative_time_ms if events else 0),
                    len(events),
                    created_at,
                    replay.updated_at or now,
                ),
            )
        except sqlite3.IntegrityError as exc:
            other = conn.execute(
                "SELECT id FROM replays WHERE user_id = ? AND session_id = ? AND id <> ?",
                (replay.user_id, replay.session_id, replay.id),
            ).fetchone()
            if other:
                raise StoreError(
                    f"session {replay.session_id} already has replay {other[0]}; "
                    f"cannot save it again as {replay.id}"
                ) from exc
            raise

    def _replay_blob_keys(self, replay_id: str) -> set[str]:
        rows = self._conn.execute(
            "SELECT DISTINCT r.sha256 FROM chunk_blob_refs r "
            "JOIN replay_chunks c ON c.id = r.chunk_id WHERE c.replay_id = ?",
            (replay_id,),
        )
        return {row[0] for row in rows}

    def _collect_blobs(self, candidates: set[str]) -> int:
        """Delete those of ``candidates`` that no chunk refers to any more."""
        deleted = 0
        for key in candidates:
            deleted += self._conn.execute(
                "DELETE FROM blobs WHERE sha256 = ? AND NOT EXISTS "
                "(SELECT 1 FROM chunk_blob_refs WHERE sha256 = ?)",
                (key, key),
            ).rowcount
        return deleted

    def get_blob(self, sha256: str) -> bytes | None:
        with self._errors(f"reading blob {sha256}"):
            return self._load_blobs([sha256]).get(sha256)

    def _load_blobs(self, keys: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _BATCH):
            batch = unique[start : start + _BATCH]
            rows = self._conn.execute(
                "SELECT sha256, codec, dict_id, data FROM blobs "
                f"WHERE sha256 IN ({_placeholders(len(batch))})",
                batch,
            )
            for key, codec, dict_id, data in rows:
                found[key] = self.codec.decode_blob(codec, dict_id, data)
        return found

    def get_replay(self, replay_id: str) -> Replay | None:
        with self._errors(f"reading replay {replay_id}"):
            row = self._conn.execute(
                f"SELECT {_REPLAY_COLUMNS} FROM replays WHERE id = ?", (replay_id,)
            ).fetchone()
            return _replay(row) if row else None

    def find_replay_by_session(self, session_id: str, user_id: str = "local") -> Replay | None:
        with self._errors(f"looking up session {session_id}"):
            row = self._conn.execute(
                f"SELECT {_REPLAY_COLUMNS} FROM replays WHERE session_id = ? AND user_id = ?",
                (session_id, user_id),
            ).fetchone()
            return _replay(row) if row else None

    def resolve_replay(self, ref: str, user_id: str = "local") -> Replay:
        ref = ref.strip()
        if not ref:
            raise ReplayNotFound("no replay id given")
        with self._errors(f"looking up replay {ref}"):
            for column in ("id", "session_id"):
                rows = self._select_replays(f"{column} = ?", [ref], user_id)
                if len(rows) == 1:
                    return rows[0]
            upper = _prefix_upper_bound(ref)
            where = "((id >= ? AND id < ?) OR (session_id >= ? AND session_id < ?))"
            matches = self._select_replays(where, [ref, upper, ref, upper], user_id, limit=6)
        if not matches:
            raise ReplayNotFound(f"no replay matches {ref!r}")
        if len(matches) > 1:
            listed = ", ".join(f"{r.id} (session {r.session_id})" for r in matches[:5])
            more = " and more" if len(matches) > 5 else ""
            raise AmbiguousReplayId(
                f"{ref!r} matches several replays: {listed}{more}; give more characters"
            )
        return matches[0]

    def _select_replays(
        self, where: str, params: list[Any], user_id: str | None, limit: int = 2
    ) -> list[Replay]:
        if user_id is not None:
            where += " AND user_id = ?"
            params = [*params, user_id]
        rows = self._conn.execute(
            f"SELECT {_REPLAY_COLUMNS} FROM replays WHERE {where} ORDER BY id LIMIT ?",
            [*params, limit],
        )
        return [_replay(row) for row in rows]

    def list_replays(
        self, user_id: str | None = "local", limit: int = 50, offset: int = 0
    ) -> list[Replay]:
        with self._errors("listing replays"):
            where, params = ("WHERE user_id = ?", [user_id]) if user_id is not None else ("", [])
            rows = self._conn.execute(
                f"SELECT {_REPLAY_COLUMNS} FROM replays {where} "
                "ORDER BY recorded_at DESC, created_at DESC, id LIMIT ? OFFSET ?",
                [*params, max(0, limit), max(0, offset)],
            )
            return [_replay(row) for row in rows]

    def delete_replay(self, replay_id: str) -> bool:
        with self._errors(f"deleting replay {replay_id}"):
            with self._transaction() as conn:
                old_blobs = self._replay_blob_keys(replay_id)
                deleted = conn.execute("DELETE FROM replays WHERE id = ?", (replay_id,)).rowcount
                self._collect_blobs(old_blobs)
            # executescript steps the pragma to the end (execute frees a single page).
            self._conn.executescript("PRAGMA incremental_vacuum;")
            return deleted > 0

    # -- events ------------------------------------------------------------------------------
    def read_events(
        self, replay_id: str, from_ms: int | None = None, to_ms: int | None = None
    ) -> list[RecordedEvent]:
        low = from_ms if from_ms is not None else -(2**63)
        high = to_ms if to_ms is not None else 2**63 - 1
        if low > high:
            return []
        with self._errors(f"reading events of replay {replay_id}"):
            # One read transaction: a concurrent save cannot swap chunks or blobs under us.
            with self._transaction("DEFERRED") as conn:
                # Chunks are time-ordered, so only the last chunk starting before the window can
                # reach into it: start the index range there.
                rows = conn.execute(
                    "SELECT dict_id, data FROM replay_chunks WHERE replay_id = ?1 "
                    "AND start_ms >= coalesce((SELECT max(start_ms) FROM replay_chunks "
                    "WHERE replay_id = ?1 AND start_ms < ?2), ?2) "
                    "AND start_ms <= ?3 AND end_ms >= ?2 ORDER BY seq",
                    (replay_id, low, high),
                ).fetchall()
                events: list[RecordedEvent] = []
                for dict_id, data in rows:
                    self.chunks_read += 1
                    events.extend(
                        self.codec.decode_chunk(data, dict_id, self._load_blobs, low, high)
                    )
            return events

    # -- imports -----------------------------------------------------------------------------
    def get_import_source(self, path: str) -> ImportSource | None:
        with self._errors(f"reading import record of {path}"):
            row = self._conn.execute(
                "SELECT path, size, mtime_ns, fingerprint, replay_ids FROM import_sources "
                "WHERE path = ?",
                (path,),
            ).fetchone()
        if row is None:
            return None
        try:
            replay_ids = _ids_decoder.decode(row[4])
        except msgspec.DecodeError:
            log.warning("import record of %s has unreadable replay ids; ignoring them", path)
            replay_ids = []
        return ImportSource(
            path=row[0], size=row[1], mtime_ns=row[2], fingerprint=row[3], replay_ids=replay_ids
        )

    def record_import_source(self, source: ImportSource) -> None:
        with self._errors(f"recording import of {source.path}"):
            self._conn.execute(
                "INSERT INTO import_sources "
                "(path, size, mtime_ns, fingerprint, replay_ids, imported_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET "
                "size = excluded.size, mtime_ns = excluded.mtime_ns, "
                "fingerprint = excluded.fingerprint, replay_ids = excluded.replay_ids, "
                "imported_at = excluded.imported_at",
                (
                    source.path,
                    source.size,
                    source.mtime_ns,
                    source.fingerprint,
                    msgspec.json.encode(source.replay_ids).decode(),
                    _now_ms(),
                ),
            )

    # -- accounting --------------------------------------------------------------------------
    def stats(self) -> StoreStats:
        with self._errors("reading statistics"), self._transaction("DEFERRED") as conn:
            replays = conn.execute("SELECT count(*) FROM replays").fetchone()[0]
            chunks, events, chunk_bytes = conn.execute(
                "SELECT count(*), coalesce(sum(event_count), 0), "
                "coalesce(sum(length(data)), 0) FROM replay_chunks"
            ).fetchone()
            blobs, blob_bytes = conn.execute(
                "SELECT count(*), coalesce(sum(length(data)), 0) FROM blobs"
            ).fetchone()
            raw = conn.execute("SELECT coalesce(sum(size), 0) FROM import_sources").fetchone()[0]
        return StoreStats(
            replays=replays,
            events=events,
            chunks=chunks,
            blobs=blobs,
            stored_bytes=chunk_bytes + blob_bytes,
            raw_bytes_imported=raw,
        )


def _sorted(events: Sequence[RecordedEvent], replay_id: str) -> Sequence[RecordedEvent]:
    """Events in ``relative_time_ms`` order (the contract asks callers to sort; we make sure)."""
    if all(a.relative_time_ms <= b.relative_time_ms for a, b in itertools.pairwise(events)):
        return events
    log.warning("replay %s: events were not sorted by relative_time_ms; sorting them", replay_id)
    return sorted(events, key=lambda event: event.relative_time_ms)


def _recorded_at(replay: Replay, events: Sequence[RecordedEvent], fallback: int) -> int:
    """Epoch ms the session started: from its first event, else its metadata, else ``fallback``."""
    if events:
        return events[0].timestamp - events[0].relative_time_ms
    try:
        stamp = datetime.fromisoformat(replay.metadata.recorded_date.replace("Z", "+00:00"))
    except ValueError:
        return fallback
    return int(stamp.timestamp() * 1000)


def _prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix``."""
    following = ord(prefix[-1]) + 1
    if following > 0x10FFFF:
        return prefix + "\U0010ffff"
    if 0xD800 <= following <= 0xDFFF:  # surrogates cannot be stored as UTF-8: skip them
        following = 0xE000
    return prefix[:-1] + chr(following)


def _replay(row: Sequence[Any]) -> Replay:
    (
        replay_id,
        session_id,
        user_id,
        title,
        description,
        metadata,
        is_public,
        thumbnail_url,
        status,
        created_at,
        updated_at,
    ) = row
    try:
        meta = _metadata_decoder.decode(metadata)
    except msgspec.DecodeError:
        log.warning("replay %s has unreadable metadata; showing it without", replay_id)
        meta = ReplayMetadata()
    return Replay(
        id=replay_id,
        session_id=session_id,
        user_id=user_id,
        title=title,
        description=description,
        metadata=meta,
        is_public=bool(is_public),
        thumbnail_url=thumbnail_url,
        status=status,
        created_at=created_at,
        updated_at=updated_at,
    )
