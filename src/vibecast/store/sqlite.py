"""The embedded default backend: one SQLite file, WAL mode, chunks and blobs as BLOBs.

Writes of a replay are one ``BEGIN IMMEDIATE`` transaction (the replay row, all of its chunks and
their blob references, its search row), so a reader never sees half a replay and a crash never
leaves one. Compression runs before the transaction starts, so the write lock is held only for
the inserts — the capture hook, writing to the same file, never waits on zstd.

SQLite has no row-level security; :meth:`SQLiteStore.acting_as` applies the rules PostgreSQL
enforces in server mode (see ``migrations/postgresql/0002_server_mode.sql``) in its own queries:
owners read and write their replays and annotations, everybody reads public replays, and the rest
behaves as if it did not exist.
"""

from __future__ import annotations

import copy
import logging
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec

from vibecast.model import RecordedEvent, Replay
from vibecast.store import users_sql
from vibecast.store.base import (
    PUBLIC_VIEWER,
    AccessDenied,
    AmbiguousReplayId,
    Annotation,
    AnnotationNotFound,
    ApiToken,
    ImportSource,
    ReplayFilter,
    ReplayNotFound,
    Share,
    Store,
    StoreError,
    StoreStats,
    User,
    UserRemoval,
)
from vibecast.store.codec import ChunkCodec, CodecError, EncodedBlob, EncodedChunk
from vibecast.store.migrations import MigrationError, apply_sqlite
from vibecast.store.records import (
    ANNOTATION_COLUMNS,
    RAW_BYTES_IMPORTED_SQL,
    REPLAY_COLUMNS,
    TOKEN_COLUMNS,
    TOKEN_USE_GRANULARITY_MS,
    USER_COLUMNS,
    annotation_from_row,
    changed_chunks,
    check_annotation,
    check_expected,
    check_token,
    check_user_name,
    duration_ms,
    import_source_from_row,
    live_link_sql,
    needed_blobs,
    new_id,
    now_ms,
    position_json,
    prefix_upper_bound,
    public_sql,
    recorded_at,
    replay_from_row,
    share_from_row,
    sorted_events,
    token_from_row,
    user_from_row,
)
from vibecast.store.search import (
    SearchFields,
    fts_phrase,
    like_pattern,
    scalar_filters,
    search_fields,
    tool_key,
    wanted,
)

__all__ = ["BUSY_TIMEOUT_MS", "SQLiteStore"]

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
"""How long a writer waits for another process's transaction before giving up."""

_BATCH = 500
"""Keys per ``IN (...)`` query: well under SQLite's limit on bound parameters."""


# The access rules, as SQL over the ``replays`` row in scope. ``:actor`` is the acting user,
# ``:now`` the time in epoch ms. The system (actor None) is not restricted at all.
_READABLE = f"(replays.user_id = :actor OR {public_sql('replays.', 'now')})"
_OWNED = "replays.user_id = :actor"
# share_notes as a link is made or revoked (SET sees the row as it was): as given (:notes), else
# what the live link it replaces had; a replay without a live link starts with its notes hidden.
_NEXT_SHARE_NOTES = (
    "CASE WHEN :notes IS NOT NULL THEN :notes "
    f"WHEN {live_link_sql('', 'updated')} THEN share_notes ELSE 0 END"
)
# The annotations ``a`` a replay's link shows, to anyone who may read the replay: its owner's
# notes (never bookmarks), while the replay is public through a live link with share_notes on.
_SHARED_NOTES = (
    "(a.kind = 'note' AND a.user_id = replays.user_id AND replays.share_notes "
    f"AND {live_link_sql('replays.', 'now')})"
)


def _placeholders(count: int) -> str:
    return ",".join("?" * count)


class SQLiteStore(Store):
    """:class:`~vibecast.store.base.Store` on a SQLite file (or ``":memory:"``).

    ``chunks_read`` counts chunks decoded since the store was opened: it shows (and tests check)
    that a window read touches only the chunks it needs. One connection, guarded by a lock, serves
    every thread; views from :meth:`acting_as` share it.
    """

    def __init__(
        self, path: str | Path, *, codec: ChunkCodec | None = None, migrate: bool = True
    ) -> None:
        self.path = str(path)
        self.codec = codec or ChunkCodec()
        self.chunks_read = 0
        self._actor: str | None = None
        self._is_view = False
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

    def _rule(self, rule: str) -> tuple[str, dict[str, Any]]:
        """An access rule (``_READABLE`` or ``_OWNED``) for the acting user, with its parameters."""
        if self._actor is None:
            return "1", {}
        return rule, {"actor": self._actor, "now": now_ms()}

    def migrate(self) -> None:
        with self._errors("migrating the database"):
            try:
                applied = apply_sqlite(self._conn)
            except MigrationError as exc:
                raise StoreError(str(exc)) from exc
            for migration in applied:
                log.info("applied migration %04d_%s", migration.version, migration.name)
            self._index_unsearchable()

    def _index_unsearchable(self) -> None:
        """Fill the search rows of replays saved before the search tables existed."""
        missing = [
            row[0]
            for row in self._conn.execute(
                "SELECT id FROM replays WHERE id NOT IN (SELECT replay_id FROM replay_search)"
            )
        ]
        for replay_id in missing:
            replay = self._system_get_replay(replay_id)
            if replay is None:
                continue
            events = self._read_chunks(self._conn, replay_id, None, None)
            with self._transaction() as conn:
                self._write_search(conn, replay, events)
        if missing:
            log.info("indexed %d replay(s) for search", len(missing))

    def acting_as(self, user_id: str | None) -> SQLiteStore:
        view = copy.copy(self)
        view._actor = user_id
        view._is_view = True
        return view

    def close(self) -> None:
        if self._is_view:
            return
        with self._lock:
            self._conn.close()

    # -- replays -----------------------------------------------------------------------------
    def save_replay(
        self,
        replay: Replay,
        events: Sequence[RecordedEvent],
        blobs: Mapping[str, bytes] | None = None,
        *,
        expected_updated_at: int | None = None,
        unchanged: int = 0,
        fast: bool = False,
        search: SearchFields | None = None,
    ) -> None:
        if not replay.user_id:
            raise StoreError(f"replay {replay.id} has no user_id")
        if self._actor is not None and replay.user_id != self._actor:
            raise AccessDenied(f"cannot save replay {replay.id} for another user")
        if unchanged and expected_updated_at is None:
            raise StoreError(
                "keeping stored events needs the expected_updated_at they were read at"
            )
        with self._errors(f"saving replay {replay.id}"):
            events = sorted_events(events, replay.id, unchanged)
            # Encode (and compress) before taking the write lock; the layout read here is the
            # one the transaction finds, or the compare-and-swap refuses the save.
            counts = self._chunk_counts(replay.id) if unchanged else []
            first_seq, chunks = changed_chunks(
                self.codec, replay, events, counts, unchanged, fast=fast
            )
            needed = needed_blobs(chunks, blobs or {}, replay.id)
            text_keys = {key for chunk in chunks for key in chunk.text_blobs}
            encoded = {
                key: self._encode_blob(needed[key], key in text_keys, fast)
                for key in self._missing_blobs(needed)
            }
            with self._transaction() as conn:
                row = conn.execute(
                    "SELECT user_id, updated_at FROM replays WHERE id = ?", (replay.id,)
                ).fetchone()
                if row and self._actor is not None and row[0] != self._actor:
                    raise AccessDenied(f"replay {replay.id} belongs to another user")
                check_expected(replay.id, row[1] if row else None, expected_updated_at)
                old_blobs = self._replay_blob_keys(replay.id, first_seq)
                self._upsert_replay(conn, replay, events)
                conn.execute(
                    "DELETE FROM replay_chunks WHERE replay_id = ? AND seq >= ?",
                    (replay.id, first_seq),
                )
                # Another process may have collected a blob since we looked: check again.
                for key in self._missing_blobs(needed):
                    blob = encoded.get(key) or self._encode_blob(
                        needed[key], key in text_keys, fast
                    )
                    conn.execute(
                        "INSERT INTO blobs (sha256, size, codec, dict_id, data, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (key, blob.size, blob.codec, blob.dict_id, blob.data, now_ms()),
                    )
                for chunk in chunks:
                    self._insert_chunk(conn, replay.id, chunk, needed)
                self._write_search(conn, replay, events, search)
                self._collect_blobs(old_blobs)

    def _chunk_counts(self, replay_id: str) -> list[tuple[int, int]]:
        """``(seq, event_count)`` of the replay's stored chunks, in order."""
        rows = self._conn.execute(
            "SELECT seq, event_count FROM replay_chunks WHERE replay_id = ? ORDER BY seq",
            (replay_id,),
        )
        return [(seq, count) for seq, count in rows]

    def _encode_blob(self, data: bytes | None, text: bool, fast: bool) -> EncodedBlob:
        if data is None:  # _missing_blobs only lists blobs we have the bytes of
            raise StoreError("internal error: a blob to store has no bytes")
        return self.codec.encode_blob(data, binary=not text, fast=fast)

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
        """Insert or update the replay row. Saving a replay as private drops its share link."""
        now = now_ms()
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
                "is_public = excluded.is_public, "
                "share_token = CASE WHEN excluded.is_public THEN replays.share_token END, "
                "share_expires_at = CASE WHEN excluded.is_public "
                "THEN replays.share_expires_at END, "
                "share_notes = CASE WHEN excluded.is_public THEN replays.share_notes ELSE 0 END, "
                "thumbnail_url = excluded.thumbnail_url, "
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
                    recorded_at(replay, events, created_at),
                    duration_ms(replay, events),
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

    def _write_search(
        self,
        conn: sqlite3.Connection,
        replay: Replay,
        events: Sequence[RecordedEvent],
        known: SearchFields | None = None,
    ) -> None:
        """The replay's rows in replay_search and replay_tools (the list filters' indexes)."""
        fields = search_fields(replay, events) if known is None else known
        # Rows that did not change are not written: the live recorder saves a session every few
        # seconds, and an update re-indexes the whole text (FTS5 triggers).
        conn.execute(
            "INSERT INTO replay_search (replay_id, title, prompts, files) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (replay_id) DO UPDATE SET title = excluded.title, "
            "prompts = excluded.prompts, files = excluded.files "
            "WHERE replay_search.title IS NOT excluded.title "
            "OR replay_search.prompts IS NOT excluded.prompts "
            "OR replay_search.files IS NOT excluded.files",
            (replay.id, fields.title, fields.prompts, fields.files),
        )
        stored = conn.execute("SELECT tool FROM replay_tools WHERE replay_id = ?", (replay.id,))
        if {row[0] for row in stored} == set(fields.tools):
            return
        conn.execute("DELETE FROM replay_tools WHERE replay_id = ?", (replay.id,))
        conn.executemany(
            "INSERT INTO replay_tools (replay_id, tool) VALUES (?, ?)",
            [(replay.id, tool) for tool in fields.tools],
        )

    def _replay_blob_keys(self, replay_id: str, from_seq: int = 0) -> set[str]:
        """Blobs the replay's chunks from ``from_seq`` on refer to."""
        rows = self._conn.execute(
            "SELECT DISTINCT r.sha256 FROM chunk_blob_refs r "
            "JOIN replay_chunks c ON c.id = r.chunk_id WHERE c.replay_id = ? AND c.seq >= ?",
            (replay_id, from_seq),
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
            if self._actor is not None:
                rule, params = self._rule(_READABLE)
                visible = self._conn.execute(
                    "SELECT 1 FROM chunk_blob_refs r JOIN replay_chunks c ON c.id = r.chunk_id "
                    f"JOIN replays ON replays.id = c.replay_id WHERE r.sha256 = :key AND {rule} "
                    "LIMIT 1",
                    {**params, "key": sha256},
                ).fetchone()
                if not visible:
                    return None
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

    def _replays(
        self, where: str, params: Mapping[str, Any], *, rule: str = _READABLE, tail: str = ""
    ) -> list[Replay]:
        """Replays matching ``where`` that the acting user may see (or own, with ``_OWNED``)."""
        access, access_params = self._rule(rule)
        rows = self._conn.execute(
            f"SELECT {REPLAY_COLUMNS} FROM replays WHERE ({where}) AND {access} {tail}",
            {**params, **access_params},
        ).fetchall()
        now = now_ms()
        return [replay_from_row(row, now, self._actor) for row in rows]

    def _system_get_replay(self, replay_id: str) -> Replay | None:
        row = self._conn.execute(
            f"SELECT {REPLAY_COLUMNS} FROM replays WHERE id = ?", (replay_id,)
        ).fetchone()
        return replay_from_row(row, now_ms(), None) if row else None

    def get_replay(self, replay_id: str) -> Replay | None:
        with self._errors(f"reading replay {replay_id}"):
            found = self._replays("id = :id", {"id": replay_id})
            return found[0] if found else None

    def find_replay_by_session(self, session_id: str, user_id: str = "local") -> Replay | None:
        with self._errors(f"looking up session {session_id}"):
            found = self._replays(
                "session_id = :session AND user_id = :user",
                {"session": session_id, "user": user_id},
            )
            return found[0] if found else None

    def resolve_replay(self, ref: str, user_id: str = "local") -> Replay:
        ref = ref.strip()
        if not ref:
            raise ReplayNotFound("no replay id given")
        with self._errors(f"looking up replay {ref}"):
            for column in ("id", "session_id"):
                rows = self._select_replays(f"{column} = :ref", {"ref": ref}, user_id)
                if len(rows) == 1:
                    return rows[0]
            where = "((id >= :ref AND id < :upper) OR (session_id >= :ref AND session_id < :upper))"
            params = {"ref": ref, "upper": prefix_upper_bound(ref)}
            matches = self._select_replays(where, params, user_id, limit=6)
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
        self, where: str, params: dict[str, Any], user_id: str | None, limit: int = 2
    ) -> list[Replay]:
        if user_id is not None:
            where += " AND user_id = :user"
            params = {**params, "user": user_id}
        return self._replays(where, {**params, "limit": limit}, tail="ORDER BY id LIMIT :limit")

    def list_replays(
        self,
        user_id: str | None = "local",
        limit: int = 50,
        offset: int = 0,
        filters: ReplayFilter | None = None,
    ) -> list[Replay]:
        with self._errors("listing replays"):
            where, params = _filter_sql(user_id, filters)
            params.update(limit=max(0, limit), offset=max(0, offset))
            return self._replays(
                where,
                params,
                tail="ORDER BY recorded_at DESC, created_at DESC, id LIMIT :limit OFFSET :offset",
            )

    def count_replays(
        self, user_id: str | None = "local", filters: ReplayFilter | None = None
    ) -> int:
        with self._errors("counting replays"):
            where, params = _filter_sql(user_id, filters)
            access, access_params = self._rule(_READABLE)
            row = self._conn.execute(
                f"SELECT count(*) FROM replays WHERE ({where}) AND {access}",
                {**params, **access_params},
            ).fetchone()
            return int(row[0])

    def update_replay(
        self, replay_id: str, *, title: str | None = None, description: str | None = None
    ) -> Replay:
        with self._errors(f"updating replay {replay_id}"), self._transaction() as conn:
            access, params = self._rule(_OWNED)
            sets = ["updated_at = max(:updated, updated_at + 1)"]
            values: dict[str, Any] = {**params, "id": replay_id, "updated": now_ms()}
            if title is not None:
                sets.append("title = :title")
                values["title"] = title
            if description is not None:
                sets.append("description = :description")
                values["description"] = description
            changed = conn.execute(
                f"UPDATE replays SET {', '.join(sets)} WHERE id = :id AND {access}", values
            ).rowcount
            if not changed:
                raise ReplayNotFound(f"no replay {replay_id}")
            if title is not None:
                conn.execute(
                    "UPDATE replay_search SET title = ? WHERE replay_id = ?",
                    (title.replace("\x00", ""), replay_id),
                )
            found = self._replays("id = :id", {"id": replay_id})
        return found[0]

    def delete_replay(self, replay_id: str) -> bool:
        with self._errors(f"deleting replay {replay_id}"):
            with self._transaction() as conn:
                access, params = self._rule(_OWNED)
                old_blobs = self._replay_blob_keys(replay_id)
                deleted = conn.execute(
                    f"DELETE FROM replays WHERE id = :id AND {access}", {**params, "id": replay_id}
                ).rowcount
                if deleted:
                    self._collect_blobs(old_blobs)
            if deleted:
                # executescript steps the pragma to the end (execute frees a single page).
                self._conn.executescript("PRAGMA incremental_vacuum;")
            return deleted > 0

    # -- events ------------------------------------------------------------------------------
    def read_events(
        self, replay_id: str, from_ms: int | None = None, to_ms: int | None = None
    ) -> list[RecordedEvent]:
        # One read transaction: a concurrent save cannot swap chunks or blobs under us.
        with (
            self._errors(f"reading events of replay {replay_id}"),
            self._transaction("DEFERRED") as conn,
        ):
            if self._actor is not None and not self._replays("id = :id", {"id": replay_id}):
                return []
            return self._read_chunks(conn, replay_id, from_ms, to_ms)

    def _read_chunks(
        self, conn: sqlite3.Connection, replay_id: str, from_ms: int | None, to_ms: int | None
    ) -> list[RecordedEvent]:
        low = from_ms if from_ms is not None else -(2**63)
        high = to_ms if to_ms is not None else 2**63 - 1
        if low > high:
            return []
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
            events.extend(self.codec.decode_chunk(data, dict_id, self._load_blobs, low, high))
        return events

    # -- imports (the system's bookkeeping: no user reads or writes it) ------------------------
    def get_import_source(self, path: str, user_id: str) -> ImportSource | None:
        if self._actor is not None:
            return None
        with self._errors(f"reading import record of {path}"):
            row = self._conn.execute(
                "SELECT user_id, path, size, mtime_ns, fingerprint, replay_ids "
                "FROM import_sources WHERE user_id = ? AND path = ?",
                (user_id, path),
            ).fetchone()
        return None if row is None else import_source_from_row(row)

    def record_import_source(self, source: ImportSource) -> None:
        if self._actor is not None:
            raise AccessDenied("only the system records imported files")
        with self._errors(f"recording import of {source.path}"):
            self._conn.execute(
                "INSERT INTO import_sources "
                "(user_id, path, size, mtime_ns, fingerprint, replay_ids, imported_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, path) DO UPDATE SET "
                "size = excluded.size, mtime_ns = excluded.mtime_ns, "
                "fingerprint = excluded.fingerprint, replay_ids = excluded.replay_ids, "
                "imported_at = excluded.imported_at",
                (
                    source.user_id,
                    source.path,
                    source.size,
                    source.mtime_ns,
                    source.fingerprint,
                    msgspec.json.encode(source.replay_ids).decode(),
                    now_ms(),
                ),
            )

    # -- sharing -----------------------------------------------------------------------------
    def _set_share(
        self,
        replay_id: str,
        token_hash: str | None,
        expires_at: int | None,
        share_notes: bool | None,
    ) -> None:
        with self._errors(f"sharing replay {replay_id}"):
            access, params = self._rule(_OWNED)
            try:
                changed = self._conn.execute(
                    "UPDATE replays SET is_public = :public, share_token = :token, "
                    f"share_expires_at = :expires, share_notes = {_NEXT_SHARE_NOTES}, "
                    "updated_at = max(:updated, updated_at + 1) "
                    f"WHERE id = :id AND {access}",
                    {
                        **params,
                        "notes": None if share_notes is None else int(share_notes),
                        "public": int(token_hash is not None),
                        "token": token_hash,
                        "expires": expires_at,
                        "updated": now_ms(),
                        "id": replay_id,
                    },
                ).rowcount
            except sqlite3.IntegrityError as exc:
                raise StoreError("that share token is already in use") from exc
            if not changed:
                raise ReplayNotFound(f"no replay {replay_id}")

    def replay_by_share(self, token_hash: str, now_ms: int) -> Replay | None:
        with self._errors("looking up a shared replay"):
            found = self._replays(
                # Not live_link_sql: a link always has an expiry (NULL is no link), checked on
                # the caller's clock.
                "share_token = :token AND is_public AND share_expires_at > :at",
                {"token": token_hash, "at": now_ms},
            )
            return found[0] if found else None

    def get_share(self, replay_id: str) -> Share | None:
        with self._errors(f"reading the share of replay {replay_id}"):
            access, params = self._rule(_OWNED)
            row = self._conn.execute(
                "SELECT id, share_token, share_expires_at, share_notes FROM replays "
                f"WHERE id = :id AND share_token IS NOT NULL AND {access}",
                {**params, "id": replay_id},
            ).fetchone()
        return share_from_row(row)

    def set_share_notes(self, replay_id: str, share_notes: bool) -> Share | None:
        with self._errors(f"sharing the notes of replay {replay_id}"), self._transaction() as conn:
            access, params = self._rule(_OWNED)
            row = conn.execute(
                "UPDATE replays SET share_notes = :notes, "
                "updated_at = max(:updated, updated_at + 1) "
                f"WHERE id = :id AND {live_link_sql('', 'updated')} AND {access} "
                "RETURNING id, share_token, share_expires_at, share_notes",
                {**params, "notes": int(share_notes), "updated": now_ms(), "id": replay_id},
            ).fetchone()
            if row is None:  # no live link (nothing changed), or no replay of the actor's
                mine = f"SELECT 1 FROM replays WHERE id = :id AND {access}"
                if conn.execute(mine, {**params, "id": replay_id}).fetchone() is None:
                    raise ReplayNotFound(f"no replay {replay_id}")
        return share_from_row(row)

    # -- annotations and bookmarks -----------------------------------------------------------
    def _annotation_rule(self, write: bool) -> tuple[str, dict[str, Any]]:
        """Who reads an annotation: its author, on a replay they may read; anyone who may read
        the replay (a share link's viewer too), the owner's notes its link shows
        (``_SHARED_NOTES``). Who writes one: its author, on their own replay."""
        if self._actor is None:
            return "1", {}
        if write:
            return "(a.user_id = :actor AND replays.user_id = :actor)", {"actor": self._actor}
        if self._actor == PUBLIC_VIEWER:
            return _SHARED_NOTES, {"now": now_ms()}
        own = f"(a.user_id = :actor AND {_READABLE})"
        return f"({own} OR {_SHARED_NOTES})", {"actor": self._actor, "now": now_ms()}

    def add_annotation(self, annotation: Annotation) -> Annotation:
        stored = check_annotation(annotation, self._actor)
        if self._actor is not None and stored.user_id != self._actor:
            raise AccessDenied("cannot annotate as another user")
        with self._errors(f"annotating replay {stored.replay_id}"), self._transaction() as conn:
            replay = self._replays("id = :id", {"id": stored.replay_id})
            if not replay:
                raise ReplayNotFound(f"no replay {stored.replay_id}")
            if self._actor is not None and replay[0].user_id != self._actor:
                raise AccessDenied("only the owner of a replay can annotate it")
            try:
                conn.execute(
                    f"INSERT INTO replay_annotations ({ANNOTATION_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        stored.id,
                        stored.replay_id,
                        stored.user_id,
                        stored.timestamp_ms,
                        stored.text,
                        position_json(stored.position),
                        stored.kind,
                        stored.created_at,
                        stored.updated_at,
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise StoreError(f"annotation {stored.id} already exists") from exc
        return stored

    def _annotations(self, where: str, params: Mapping[str, Any], write: bool) -> list[Annotation]:
        access, access_params = self._annotation_rule(write)
        columns = ", ".join(f"a.{c.strip()}" for c in ANNOTATION_COLUMNS.split(","))
        rows = self._conn.execute(
            f"SELECT {columns} FROM replay_annotations a JOIN replays ON replays.id = a.replay_id "
            f"WHERE ({where}) AND {access} ORDER BY a.timestamp_ms, a.created_at, a.id",
            {**params, **access_params},
        )
        return [annotation_from_row(row) for row in rows]

    def list_annotations(self, replay_id: str) -> list[Annotation]:
        with self._errors(f"listing annotations of replay {replay_id}"):
            return self._annotations("a.replay_id = :id", {"id": replay_id}, write=False)

    def update_annotation(
        self,
        annotation_id: str,
        *,
        text: str | None = None,
        timestamp_ms: int | None = None,
        position: dict[str, Any] | None = None,
    ) -> Annotation:
        if timestamp_ms is not None and timestamp_ms < 0:
            raise StoreError("annotation timestamp_ms must be 0 or more")
        sets = ["updated_at = :updated"]
        values: dict[str, Any] = {"updated": now_ms()}
        if text is not None:
            sets.append("text = :text")
            values["text"] = text.replace("\x00", "")
        if timestamp_ms is not None:
            sets.append("timestamp_ms = :timestamp")
            values["timestamp"] = timestamp_ms
        if position is not None:
            sets.append("position = :position")
            values["position"] = position_json(position)
        with self._errors(f"updating annotation {annotation_id}"), self._transaction() as conn:
            if not self._annotations("a.id = :id", {"id": annotation_id}, write=True):
                raise AnnotationNotFound(f"no annotation {annotation_id}")
            conn.execute(
                f"UPDATE replay_annotations SET {', '.join(sets)} WHERE id = :id",
                {**values, "id": annotation_id},
            )
            return self._annotations("a.id = :id", {"id": annotation_id}, write=True)[0]

    def delete_annotation(self, annotation_id: str) -> bool:
        with self._errors(f"deleting annotation {annotation_id}"), self._transaction() as conn:
            if not self._annotations("a.id = :id", {"id": annotation_id}, write=True):
                return False
            conn.execute("DELETE FROM replay_annotations WHERE id = ?", (annotation_id,))
            return True

    # -- users and tokens --------------------------------------------------------------------
    def _users(self, where: str, params: Mapping[str, Any]) -> list[User]:
        own = "" if self._actor is None else " AND id = :actor"
        rows = self._conn.execute(
            f"SELECT {USER_COLUMNS} FROM users WHERE ({where}){own} ORDER BY lower(name)",
            {**params, "actor": self._actor},
        )
        return [user_from_row(row) for row in rows]

    def create_user(self, name: str, *, is_admin: bool = False) -> User:
        if self._actor is not None:
            raise AccessDenied("only the system creates users")
        user = User(id=new_id(), name=check_user_name(name), created_at=now_ms(), is_admin=is_admin)
        with self._errors(f"creating user {user.name}"):
            try:
                self._conn.execute(
                    f"INSERT INTO users ({USER_COLUMNS}) VALUES (?, ?, ?, ?)",
                    (user.id, user.name, user.created_at, int(user.is_admin)),
                )
            except sqlite3.IntegrityError as exc:
                raise StoreError(f"user {user.name!r} already exists") from exc
        return user

    def get_user(self, user_id_or_name: str) -> User | None:
        with self._errors(f"looking up user {user_id_or_name}"):
            for where in ("id = :key", "lower(name) = lower(:key)"):
                found = self._users(where, {"key": user_id_or_name})
                if found:
                    return found[0]
            return None

    def list_users(self) -> list[User]:
        with self._errors("listing users"):
            return self._users("1", {})

    def user_removal(self, user_id: str, *, transfer_to: str | None = None) -> UserRemoval:
        if self._actor is not None:
            raise AccessDenied("only the system removes users")
        with self._errors(f"looking at user {user_id}"), self._transaction("DEFERRED") as conn:
            return users_sql.user_removal(conn, str, user_id, transfer_to, now_ms())

    def remove_user(self, user_id: str, *, transfer_to: str | None = None) -> UserRemoval:
        if self._actor is not None:
            raise AccessDenied("only the system removes users")
        with self._errors(f"removing user {user_id}"), self._transaction() as conn:
            return users_sql.remove_user(conn, str, user_id, transfer_to, now_ms())

    def add_token(self, token: ApiToken) -> None:
        token = check_token(token)
        if self._actor is not None and token.user_id != self._actor:
            raise AccessDenied("cannot create a token for another user")
        with self._errors(f"adding token {token.name!r}"):
            try:
                self._conn.execute(
                    f"INSERT INTO api_tokens ({TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        token.id,
                        token.user_id,
                        token.name,
                        token.token_hash,
                        token.created_at,
                        token.last_used_at,
                        int(token.revoked),
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise StoreError(
                    f"cannot add token {token.id}: no user {token.user_id}, or a token "
                    "with that id or hash exists"
                ) from exc

    def list_tokens(self, user_id: str | None = None) -> list[ApiToken]:
        with self._errors("listing tokens"):
            rows = self._conn.execute(
                f"SELECT {TOKEN_COLUMNS} FROM api_tokens "
                "WHERE (:user IS NULL OR user_id = :user) AND (:actor IS NULL OR user_id = :actor) "
                "ORDER BY created_at, id",
                {"user": user_id, "actor": self._actor},
            )
            return [token_from_row(row) for row in rows]

    def user_for_token(self, token_hash: str, now_ms: int) -> User | None:
        with self._errors("checking an API token"), self._transaction() as conn:
            row = conn.execute(
                "SELECT t.id, t.last_used_at, u.id, u.name, u.created_at, u.is_admin "
                "FROM api_tokens t JOIN users u ON u.id = t.user_id "
                "WHERE t.token_hash = :hash AND NOT t.revoked "
                "AND (:actor IS NULL OR t.user_id = :actor)",
                {"hash": token_hash.lower(), "actor": self._actor},
            ).fetchone()
            if row is None:
                return None
            token_id, last_used = row[0], row[1]
            if last_used is None or now_ms - last_used >= TOKEN_USE_GRANULARITY_MS:
                conn.execute(
                    "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (now_ms, token_id)
                )
            return user_from_row(row[2:])

    def revoke_token(self, token_id: str) -> bool:
        with self._errors(f"revoking token {token_id}"):
            changed = self._conn.execute(
                "UPDATE api_tokens SET revoked = 1 "
                "WHERE id = :id AND (:actor IS NULL OR user_id = :actor)",
                {"id": token_id, "actor": self._actor},
            ).rowcount
            return changed > 0

    # -- accounting --------------------------------------------------------------------------
    def stats(self) -> StoreStats:
        access, params = self._rule(_READABLE)
        visible = f"SELECT id FROM replays WHERE {access}"
        chunk_ids = f"SELECT id FROM replay_chunks WHERE replay_id IN ({visible})"
        with self._errors("reading statistics"), self._transaction("DEFERRED") as conn:
            replays = conn.execute(f"SELECT count(*) FROM ({visible})", params).fetchone()[0]
            chunks, events, chunk_bytes = conn.execute(
                "SELECT count(*), coalesce(sum(event_count), 0), "
                f"coalesce(sum(length(data)), 0) FROM replay_chunks WHERE replay_id IN ({visible})",
                params,
            ).fetchone()
            blob_filter = (
                ""
                if self._actor is None
                else "WHERE sha256 IN (SELECT sha256 FROM chunk_blob_refs "
                f"WHERE chunk_id IN ({chunk_ids}))"
            )
            blobs, blob_bytes = conn.execute(
                f"SELECT count(*), coalesce(sum(length(data)), 0) FROM blobs {blob_filter}",
                params,
            ).fetchone()
            raw = 0
            if self._actor is None:  # what was imported is the system's business
                raw = conn.execute(RAW_BYTES_IMPORTED_SQL).fetchone()[0]
        return StoreStats(
            replays=replays,
            events=events,
            chunks=chunks,
            blobs=blobs,
            stored_bytes=chunk_bytes + blob_bytes,
            raw_bytes_imported=raw,
        )


def _filter_sql(user_id: str | None, filters: ReplayFilter | None) -> tuple[str, dict[str, Any]]:
    """The WHERE clause (over ``replays``) of a list: its owner and its filters."""
    clauses = ["1"]
    params: dict[str, Any] = {}
    if user_id is not None:
        clauses.append("replays.user_id = :owner")
        params["owner"] = user_id
    if filters is None:
        return " AND ".join(clauses), params
    tool = tool_key(filters)
    if tool:
        clauses.append(
            "EXISTS (SELECT 1 FROM replay_tools t "
            "WHERE t.replay_id = replays.id AND t.tool = :tool)"
        )
        params["tool"] = tool
    scalars, values = scalar_filters(filters, lambda name: f":{name}")
    clauses += scalars
    params.update(values)
    for name, value, columns in (
        ("text", wanted(filters.text), ("title", "prompts")),
        ("file", wanted(filters.file), ("files",)),
    ):
        if value is None:
            continue
        phrase = fts_phrase(value, columns)
        if phrase is not None:  # trigram index
            clauses.append(
                "replays.id IN (SELECT s.replay_id FROM replay_search s WHERE s.id IN "
                f"(SELECT rowid FROM replay_search_fts WHERE replay_search_fts MATCH :{name}))"
            )
            params[name] = phrase
        else:  # too short for trigrams: scan the search rows
            matches = " OR ".join(f"s.{column} LIKE :{name} ESCAPE '\\'" for column in columns)
            clauses.append(
                f"replays.id IN (SELECT s.replay_id FROM replay_search s WHERE {matches})"
            )
            params[name] = like_pattern(value)
    return " AND ".join(clauses), params
