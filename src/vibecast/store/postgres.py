"""Server mode: the store on PostgreSQL (psycopg 3), with the spec's row-level security enforced
by the database itself.

The store connects as the owner of the tables — the system: migrations, the CLI, token lookups.
:meth:`PostgresStore.acting_as` gives a view whose every transaction switches to the app role
(which the policies bind; see :mod:`vibecast.store.pgaccess`) and names the acting user, so the
queries below carry no access rules of their own: what a user may not see, PostgreSQL does not
return, and what they may not change, it does not change. Python-side checks only tell "absent"
from "not yours" where the contract asks for AccessDenied.

Chunks are the same bytes as on SQLite (:mod:`vibecast.store.codec`); a replay is saved in one
transaction; connections come from a small pool, so one store serves many threads.
"""

from __future__ import annotations

import copy
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import msgspec
import psycopg
from psycopg import errors

from vibecast.model import RecordedEvent, Replay
from vibecast.store import users_sql
from vibecast.store.base import (
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
from vibecast.store.codec import ChunkCodec, CodecError, EncodedChunk
from vibecast.store.migrations import MigrationError, apply_postgresql
from vibecast.store.pgaccess import (
    APP_ROLE_ENV,
    DEFAULT_APP_ROLE,
    check_not_app_role,
    ensure_app_role,
)
from vibecast.store.pgpool import DEFAULT_POOL_SIZE, ConnectionPool
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
    pyformat,
    recorded_at,
    replay_from_row,
    share_from_row,
    sorted_events,
    token_from_row,
    user_from_row,
)
from vibecast.store.search import (
    SearchFields,
    like_pattern,
    scalar_filters,
    search_fields,
    tool_key,
    wanted,
)

__all__ = ["PostgresStore"]

log = logging.getLogger(__name__)

# JSON columns are jsonb here; read them as text, which the shared row decoders expect.
_REPLAY_COLUMNS = REPLAY_COLUMNS.replace("metadata,", "metadata::text,")
_ANNOTATION_COLUMNS = ANNOTATION_COLUMNS.replace("position,", "position::text,")
_ACT_AS = "SELECT set_config('role', %s, true), set_config('vibecast.user_id', %s, true)"
_LIST_ORDER = "ORDER BY recorded_at DESC, created_at DESC, id"
# share_notes as a link is made or revoked (SET sees the row as it was): as given (%(notes)s),
# else what the live link it replaces had; a replay without a live link starts with notes hidden.
_NEXT_SHARE_NOTES = (
    "CASE WHEN %(notes)s::boolean IS NOT NULL THEN %(notes)s::boolean "
    f"WHEN {pyformat(live_link_sql('', 'updated'))} THEN share_notes ELSE false END"
)


class PostgresStore(Store):
    """:class:`~vibecast.store.base.Store` on PostgreSQL.

    ``url`` is a libpq URL (``postgresql://user@host:5432/db``) of the role that owns (or will
    own) the tables. ``app_role`` is the role users' transactions run as (default
    ``$VIBECAST_DB_APP_ROLE`` or ``vibecast_app``), created by :meth:`migrate` if missing.
    """

    def __init__(
        self,
        url: str,
        *,
        codec: ChunkCodec | None = None,
        app_role: str | None = None,
        pool_size: int = DEFAULT_POOL_SIZE,
        migrate: bool = True,
    ) -> None:
        self.url = url
        self.codec = codec or ChunkCodec()
        self.chunks_read = 0
        self.app_role = app_role or os.environ.get(APP_ROLE_ENV) or DEFAULT_APP_ROLE
        self._actor: str | None = None
        self._is_view = False
        self._pool = ConnectionPool(self._connect, size=pool_size)
        if migrate:
            try:
                self.migrate()
            except BaseException:
                self._pool.close()
                raise

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True, application_name="vibecast")

    # -- plumbing ----------------------------------------------------------------------------
    @contextmanager
    def _tx(self, action: str) -> Iterator[psycopg.Connection]:
        """One transaction as the acting user (or the system); errors become StoreErrors."""
        try:
            with self._pool.connection() as conn, conn.transaction():
                if self._actor is not None:
                    conn.execute(_ACT_AS, (self.app_role, self._actor))
                yield conn
        except StoreError:
            raise
        except errors.InsufficientPrivilege as exc:
            raise AccessDenied(f"{action}: not allowed ({_first_line(exc)})") from exc
        except (psycopg.Error, CodecError) as exc:
            raise StoreError(f"{action} failed: {_first_line(exc)}") from exc

    def _owned(self, column: str = "user_id") -> tuple[str, dict[str, Any]]:
        """``column`` is the acting user (true for the system): where the contract needs owners
        only and the policies also let public readers through."""
        if self._actor is None:
            return "TRUE", {}
        return f"{column} = %(actor)s", {"actor": self._actor}

    def migrate(self) -> None:
        try:
            with self._pool.connection() as conn:
                check_not_app_role(conn, self.app_role)
                for migration in apply_postgresql(conn):
                    log.info("applied migration %04d_%s", migration.version, migration.name)
                ensure_app_role(conn, self.app_role)
        except MigrationError as exc:
            raise StoreError(str(exc)) from exc
        except psycopg.Error as exc:
            raise StoreError(f"migrating the database failed: {_first_line(exc)}") from exc
        self._index_unsearchable()

    def _index_unsearchable(self) -> None:
        """Fill the search rows of replays saved before the search tables existed."""
        with self._tx("finding replays to index") as conn:
            missing = [
                row[0]
                for row in conn.execute(
                    "SELECT id FROM replays WHERE id NOT IN (SELECT replay_id FROM replay_search)"
                )
            ]
        for replay_id in missing:
            with self._tx(f"indexing replay {replay_id}") as conn:
                replay = self._get(conn, replay_id)
                if replay is not None:
                    self._write_search(conn, replay, self._read_chunks(conn, replay_id, None, None))
        if missing:
            log.info("indexed %d replay(s) for search", len(missing))

    def acting_as(self, user_id: str | None) -> PostgresStore:
        view = copy.copy(self)
        view._actor = user_id
        view._is_view = True
        return view

    def close(self) -> None:
        if not self._is_view:
            self._pool.close()

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
        action = f"saving replay {replay.id}"
        events = sorted_events(events, replay.id, unchanged)
        counts: list[tuple[int, int]] = []
        if unchanged:
            with self._tx(action) as conn:
                counts = _chunk_counts(conn, replay.id)
        try:
            first_seq, chunks = changed_chunks(
                self.codec, replay, events, counts, unchanged, fast=fast
            )
        except CodecError as exc:
            raise StoreError(f"{action} failed: {exc}") from exc
        needed = needed_blobs(chunks, blobs or {}, replay.id)
        text_keys = {key for chunk in chunks for key in chunk.text_blobs}
        with self._tx(action) as conn:
            stored = _stored_blobs(conn, list(needed))
        # Compress new blobs before the write transaction.
        encoded = {
            key: self.codec.encode_blob(data, binary=key not in text_keys, fast=fast)
            for key, data in needed.items()
            if key not in stored and data is not None
        }
        with self._tx(action) as conn:
            self._check_writable(conn, replay, expected_updated_at)
            old_blobs = _replay_blob_keys(conn, replay.id, first_seq)
            self._upsert_replay(conn, replay, events)
            conn.execute(
                "DELETE FROM replay_chunks WHERE replay_id = %s AND seq >= %s",
                (replay.id, first_seq),
            )
            # Blobs stored now are locked until commit; add the others (another save may be
            # adding the same ones: content-addressed, so whichever lands first is right).
            stored = _stored_blobs(conn, list(needed))
            new = [key for key, data in needed.items() if key not in stored and data is not None]
            for key in new:
                if key not in encoded:
                    data = needed[key]
                    assert data is not None
                    encoded[key] = self.codec.encode_blob(
                        data, binary=key not in text_keys, fast=fast
                    )
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO blobs (sha256, size, codec, dict_id, data, created_at) "
                    "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (sha256) DO NOTHING",
                    [
                        (key, b.size, b.codec, b.dict_id, b.data, now_ms())
                        for key in new
                        for b in (encoded[key],)
                    ],
                )
            self._insert_chunks(conn, replay.id, chunks, stored | set(new), needed)
            self._write_search(conn, replay, events, search)
            if old_blobs:
                conn.execute("SELECT vibecast.collect_blobs(%s)", (sorted(old_blobs),))

    def _check_writable(
        self, conn: psycopg.Connection, replay: Replay, expected_updated_at: int | None
    ) -> None:
        """Refuse a save over someone else's replay, a second replay of one session, or (with
        ``expected_updated_at``) over a replay saved since it was read. The row stays locked
        until commit, so two saves of one replay take turns."""
        row = conn.execute(
            "SELECT user_id, updated_at FROM replays WHERE id = %s FOR UPDATE", (replay.id,)
        ).fetchone()
        if row and self._actor is not None and row[0] != self._actor:
            raise AccessDenied(f"replay {replay.id} belongs to another user")
        if row is None and expected_updated_at is not None:
            # Two creators of one replay: the second waits for the first's row, then sees it.
            conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (replay.id,))
            row = conn.execute(
                "SELECT user_id, updated_at FROM replays WHERE id = %s FOR UPDATE", (replay.id,)
            ).fetchone()
        check_expected(replay.id, row[1] if row else None, expected_updated_at)
        other = conn.execute(
            "SELECT id FROM replays WHERE user_id = %s AND session_id = %s AND id <> %s",
            (replay.user_id, replay.session_id, replay.id),
        ).fetchone()
        if other:
            raise StoreError(
                f"session {replay.session_id} already has replay {other[0]}; "
                f"cannot save it again as {replay.id}"
            )

    def _upsert_replay(
        self, conn: psycopg.Connection, replay: Replay, events: Sequence[RecordedEvent]
    ) -> None:
        """Insert or update the replay row. Saving a replay as private drops its share link."""
        now = now_ms()
        row = conn.execute("SELECT created_at FROM replays WHERE id = %s", (replay.id,)).fetchone()
        created_at = replay.created_at or (row[0] if row else now)
        conn.execute(
            "INSERT INTO replays (id, session_id, user_id, title, description, metadata, "
            "is_public, thumbnail_url, status, recorded_at, duration_ms, event_count, "
            "created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s, %s, %s, "
            "%s, %s, %s) "
            "ON CONFLICT (id) DO UPDATE SET session_id = excluded.session_id, "
            "user_id = excluded.user_id, title = excluded.title, "
            "description = excluded.description, metadata = excluded.metadata, "
            "is_public = excluded.is_public, "
            "share_token = CASE WHEN excluded.is_public THEN replays.share_token END, "
            "share_expires_at = CASE WHEN excluded.is_public THEN replays.share_expires_at END, "
            "share_notes = excluded.is_public AND replays.share_notes, "
            "thumbnail_url = excluded.thumbnail_url, status = excluded.status, "
            "recorded_at = excluded.recorded_at, duration_ms = excluded.duration_ms, "
            "event_count = excluded.event_count, created_at = excluded.created_at, "
            "updated_at = excluded.updated_at",
            (
                replay.id,
                replay.session_id,
                replay.user_id,
                _text(replay.title),
                _text(replay.description),
                msgspec.json.encode(replay.metadata).decode(),
                replay.is_public,
                replay.thumbnail_url,
                replay.status,
                recorded_at(replay, events, created_at),
                duration_ms(replay, events),
                len(events),
                created_at,
                replay.updated_at or now,
            ),
        )

    def _insert_chunks(
        self,
        conn: psycopg.Connection,
        replay_id: str,
        chunks: Sequence[EncodedChunk],
        available: set[str],
        needed: Mapping[str, bytes | None],
    ) -> None:
        if not chunks:
            return
        chunk_ids: list[int] = []
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO replay_chunks "
                "(replay_id, seq, start_ms, end_ms, event_count, raw_size, dict_id, data) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                [
                    (
                        replay_id,
                        c.seq,
                        c.start_ms,
                        c.end_ms,
                        c.event_count,
                        c.raw_size,
                        c.dict_id,
                        c.data,
                    )
                    for c in chunks
                ],
                returning=True,
            )
            while True:
                found = cur.fetchone()
                if found is not None:
                    chunk_ids.append(found[0])
                if not cur.nextset():
                    break
            refs: list[tuple[int, str]] = []
            for chunk_id, chunk in zip(chunk_ids, chunks, strict=True):
                for key in sorted(chunk.blob_keys):
                    if key in available:
                        refs.append((chunk_id, key))
                    elif needed.get(key) is None:
                        log.warning(
                            "replay %s: attachment blob %s is not available", replay_id, key
                        )
            cur.executemany("INSERT INTO chunk_blob_refs (chunk_id, sha256) VALUES (%s, %s)", refs)

    def _write_search(
        self,
        conn: psycopg.Connection,
        replay: Replay,
        events: Sequence[RecordedEvent],
        known: SearchFields | None = None,
    ) -> None:
        """The replay's rows in replay_search and replay_tools (the list filters' indexes)."""
        fields = search_fields(replay, events) if known is None else known
        # Rows that did not change are not written (the live recorder saves every few seconds;
        # an update re-indexes the text).
        conn.execute(
            "INSERT INTO replay_search (replay_id, title, prompts, files) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (replay_id) DO UPDATE SET title = excluded.title, "
            "prompts = excluded.prompts, files = excluded.files "
            "WHERE (replay_search.title, replay_search.prompts, replay_search.files) "
            "IS DISTINCT FROM (excluded.title, excluded.prompts, excluded.files)",
            (replay.id, fields.title, fields.prompts, fields.files),
        )
        stored = conn.execute("SELECT tool FROM replay_tools WHERE replay_id = %s", (replay.id,))
        if {row[0] for row in stored} == set(fields.tools):
            return
        conn.execute("DELETE FROM replay_tools WHERE replay_id = %s", (replay.id,))
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO replay_tools (replay_id, tool) VALUES (%s, %s)",
                [(replay.id, tool) for tool in fields.tools],
            )

    def get_blob(self, sha256: str) -> bytes | None:
        with self._tx(f"reading blob {sha256}") as conn:
            return _load_blobs(conn, self.codec, [sha256]).get(sha256)

    def _replays(
        self, conn: psycopg.Connection, where: str, params: Mapping[str, Any], tail: str = ""
    ) -> list[Replay]:
        rows = conn.execute(
            f"SELECT {_REPLAY_COLUMNS} FROM replays WHERE {where} {tail}", params
        ).fetchall()
        now = now_ms()
        return [replay_from_row(row, now, self._actor) for row in rows]

    def _get(self, conn: psycopg.Connection, replay_id: str) -> Replay | None:
        found = self._replays(conn, "id = %(id)s", {"id": replay_id})
        return found[0] if found else None

    def get_replay(self, replay_id: str) -> Replay | None:
        with self._tx(f"reading replay {replay_id}") as conn:
            return self._get(conn, replay_id)

    def find_replay_by_session(self, session_id: str, user_id: str = "local") -> Replay | None:
        with self._tx(f"looking up session {session_id}") as conn:
            found = self._replays(
                conn,
                "session_id = %(session)s AND user_id = %(user)s",
                {"session": session_id, "user": user_id},
            )
            return found[0] if found else None

    def resolve_replay(self, ref: str, user_id: str = "local") -> Replay:
        ref = ref.strip()
        if not ref:
            raise ReplayNotFound("no replay id given")
        with self._tx(f"looking up replay {ref}") as conn:
            params = {"ref": ref, "user": user_id}
            owner = "" if user_id is None else " AND user_id = %(user)s"
            for column in ("id", "session_id"):
                rows = self._replays(
                    conn, f"{column} = %(ref)s{owner}", params, tail="ORDER BY id LIMIT 2"
                )
                if len(rows) == 1:
                    return rows[0]
            # starts_with compares code points whatever the database's collation says.
            matches = self._replays(
                conn,
                f"(starts_with(id, %(ref)s) OR starts_with(session_id, %(ref)s)){owner}",
                params,
                tail="ORDER BY id LIMIT 6",
            )
        if not matches:
            raise ReplayNotFound(f"no replay matches {ref!r}")
        if len(matches) > 1:
            listed = ", ".join(f"{r.id} (session {r.session_id})" for r in matches[:5])
            more = " and more" if len(matches) > 5 else ""
            raise AmbiguousReplayId(
                f"{ref!r} matches several replays: {listed}{more}; give more characters"
            )
        return matches[0]

    def list_replays(
        self,
        user_id: str | None = "local",
        limit: int = 50,
        offset: int = 0,
        filters: ReplayFilter | None = None,
    ) -> list[Replay]:
        where, params = _filter_sql(user_id, filters)
        params.update(limit=max(0, limit), offset=max(0, offset))
        with self._tx("listing replays") as conn:
            return self._replays(
                conn, where, params, tail=f"{_LIST_ORDER} LIMIT %(limit)s OFFSET %(offset)s"
            )

    def count_replays(
        self, user_id: str | None = "local", filters: ReplayFilter | None = None
    ) -> int:
        where, params = _filter_sql(user_id, filters)
        with self._tx("counting replays") as conn:
            row = conn.execute(f"SELECT count(*) FROM replays WHERE {where}", params).fetchone()
            return int(row[0]) if row else 0

    def update_replay(
        self, replay_id: str, *, title: str | None = None, description: str | None = None
    ) -> Replay:
        sets = ["updated_at = GREATEST(%(updated)s, updated_at + 1)"]
        values: dict[str, Any] = {"id": replay_id, "updated": now_ms()}
        if title is not None:
            sets.append("title = %(title)s")
            values["title"] = _text(title)
        if description is not None:
            sets.append("description = %(description)s")
            values["description"] = _text(description)
        with self._tx(f"updating replay {replay_id}") as conn:
            row = conn.execute(
                f"UPDATE replays SET {', '.join(sets)} WHERE id = %(id)s "
                f"RETURNING {_REPLAY_COLUMNS}",
                values,
            ).fetchone()
            if row is None:
                raise ReplayNotFound(f"no replay {replay_id}")
            if title is not None:
                conn.execute(
                    "UPDATE replay_search SET title = %s WHERE replay_id = %s",
                    (values["title"], replay_id),
                )
            return replay_from_row(row, now_ms(), self._actor)

    def delete_replay(self, replay_id: str) -> bool:
        with self._tx(f"deleting replay {replay_id}") as conn:
            old_blobs = _replay_blob_keys(conn, replay_id)
            deleted = conn.execute("DELETE FROM replays WHERE id = %s", (replay_id,)).rowcount
            if deleted and old_blobs:
                conn.execute("SELECT vibecast.collect_blobs(%s)", (sorted(old_blobs),))
            return deleted > 0

    # -- events ------------------------------------------------------------------------------
    def read_events(
        self, replay_id: str, from_ms: int | None = None, to_ms: int | None = None
    ) -> list[RecordedEvent]:
        # One transaction (and snapshot): a concurrent save cannot swap chunks or blobs under us.
        with self._tx(f"reading events of replay {replay_id}") as conn:
            return self._read_chunks(conn, replay_id, from_ms, to_ms)

    def _read_chunks(
        self, conn: psycopg.Connection, replay_id: str, from_ms: int | None, to_ms: int | None
    ) -> list[RecordedEvent]:
        low = from_ms if from_ms is not None else -(2**63)
        high = to_ms if to_ms is not None else 2**63 - 1
        if low > high:
            return []
        # Chunks are time-ordered, so only the last chunk starting before the window can reach
        # into it: start the index range there.
        rows = conn.execute(
            "SELECT dict_id, data FROM replay_chunks WHERE replay_id = %(id)s "
            "AND start_ms >= coalesce((SELECT max(start_ms) FROM replay_chunks "
            "WHERE replay_id = %(id)s AND start_ms < %(low)s), %(low)s) "
            "AND start_ms <= %(high)s AND end_ms >= %(low)s ORDER BY seq",
            {"id": replay_id, "low": low, "high": high},
        ).fetchall()
        events: list[RecordedEvent] = []
        for dict_id, data in rows:
            self.chunks_read += 1
            events.extend(
                self.codec.decode_chunk(
                    data, dict_id, lambda keys: _load_blobs(conn, self.codec, keys), low, high
                )
            )
        return events

    # -- imports (the system's bookkeeping: no user reads or writes it) ------------------------
    def get_import_source(self, path: str, user_id: str) -> ImportSource | None:
        if self._actor is not None:
            return None
        with self._tx(f"reading import record of {path}") as conn:
            row = conn.execute(
                "SELECT user_id, path, size, mtime_ns, fingerprint, replay_ids::text "
                "FROM import_sources WHERE user_id = %s AND path = %s",
                (user_id, _text(path)),
            ).fetchone()
        return None if row is None else import_source_from_row(row)

    def record_import_source(self, source: ImportSource) -> None:
        if self._actor is not None:
            raise AccessDenied("only the system records imported files")
        with self._tx(f"recording import of {source.path}") as conn:
            conn.execute(
                "INSERT INTO import_sources "
                "(user_id, path, size, mtime_ns, fingerprint, replay_ids, imported_at) "
                "VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s) ON CONFLICT (user_id, path) "
                "DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, "
                "fingerprint = excluded.fingerprint, replay_ids = excluded.replay_ids, "
                "imported_at = excluded.imported_at",
                (
                    source.user_id,
                    _text(source.path),
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
        with self._tx(f"sharing replay {replay_id}") as conn:
            try:
                changed = conn.execute(
                    "UPDATE replays SET is_public = %(public)s, share_token = %(token)s, "
                    f"share_expires_at = %(expires)s, share_notes = {_NEXT_SHARE_NOTES}, "
                    "updated_at = GREATEST(%(updated)s, updated_at + 1) WHERE id = %(id)s",
                    {
                        "public": token_hash is not None,
                        "token": token_hash,
                        "expires": expires_at,
                        "notes": share_notes,
                        "updated": now_ms(),
                        "id": replay_id,
                    },
                ).rowcount
            except errors.UniqueViolation as exc:
                raise StoreError("that share token is already in use") from exc
            if not changed:
                raise ReplayNotFound(f"no replay {replay_id}")

    def replay_by_share(self, token_hash: str, now_ms: int) -> Replay | None:
        with self._tx("looking up a shared replay") as conn:
            found = self._replays(
                conn,
                "share_token = %(token)s AND is_public AND share_expires_at > %(at)s",
                {"token": token_hash, "at": now_ms},
            )
            return found[0] if found else None

    def get_share(self, replay_id: str) -> Share | None:
        owned, params = self._owned()
        with self._tx(f"reading the share of replay {replay_id}") as conn:
            row = conn.execute(
                "SELECT id, share_token, share_expires_at, share_notes FROM replays "
                f"WHERE id = %(id)s AND share_token IS NOT NULL AND {owned}",
                {**params, "id": replay_id},
            ).fetchone()
        return share_from_row(row)

    def set_share_notes(self, replay_id: str, share_notes: bool) -> Share | None:
        owned, params = self._owned()
        with self._tx(f"sharing the notes of replay {replay_id}") as conn:
            row = conn.execute(
                "UPDATE replays SET share_notes = %(notes)s, "
                "updated_at = GREATEST(%(updated)s, updated_at + 1) "
                f"WHERE id = %(id)s AND {pyformat(live_link_sql('', 'updated'))} AND {owned} "
                "RETURNING id, share_token, share_expires_at, share_notes",
                {**params, "notes": share_notes, "updated": now_ms(), "id": replay_id},
            ).fetchone()
            if row is None:  # no live link (nothing changed), or no replay of the actor's
                mine = f"SELECT 1 FROM replays WHERE id = %(id)s AND {owned}"
                if conn.execute(mine, {**params, "id": replay_id}).fetchone() is None:
                    raise ReplayNotFound(f"no replay {replay_id}")
        return share_from_row(row)

    # -- annotations and bookmarks -----------------------------------------------------------
    def add_annotation(self, annotation: Annotation) -> Annotation:
        stored = check_annotation(annotation, self._actor)
        if self._actor is not None and stored.user_id != self._actor:
            raise AccessDenied("cannot annotate as another user")
        with self._tx(f"annotating replay {stored.replay_id}") as conn:
            replay = self._get(conn, stored.replay_id)
            if replay is None:
                raise ReplayNotFound(f"no replay {stored.replay_id}")
            if self._actor is not None and replay.user_id != self._actor:
                raise AccessDenied("only the owner of a replay can annotate it")
            try:
                conn.execute(
                    f"INSERT INTO replay_annotations ({ANNOTATION_COLUMNS}) "
                    "VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s)",
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
            except errors.UniqueViolation as exc:
                raise StoreError(f"annotation {stored.id} already exists") from exc
        return stored

    def list_annotations(self, replay_id: str) -> list[Annotation]:
        with self._tx(f"listing annotations of replay {replay_id}") as conn:
            rows = conn.execute(
                f"SELECT {_ANNOTATION_COLUMNS} FROM replay_annotations WHERE replay_id = %s "
                "ORDER BY timestamp_ms, created_at, id",
                (replay_id,),
            )
            return [annotation_from_row(row) for row in rows]

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
        sets = ["updated_at = %(updated)s"]
        values: dict[str, Any] = {"id": annotation_id, "updated": now_ms()}
        if text is not None:
            sets.append("text = %(text)s")
            values["text"] = _text(text)
        if timestamp_ms is not None:
            sets.append("timestamp_ms = %(timestamp)s")
            values["timestamp"] = timestamp_ms
        if position is not None:
            sets.append("position = %(position)s::jsonb")
            values["position"] = position_json(position)
        with self._tx(f"updating annotation {annotation_id}") as conn:
            row = conn.execute(
                f"UPDATE replay_annotations SET {', '.join(sets)} WHERE id = %(id)s "
                f"RETURNING {_ANNOTATION_COLUMNS}",
                values,
            ).fetchone()
        if row is None:
            raise AnnotationNotFound(f"no annotation {annotation_id}")
        return annotation_from_row(row)

    def delete_annotation(self, annotation_id: str) -> bool:
        with self._tx(f"deleting annotation {annotation_id}") as conn:
            deleted = conn.execute(
                "DELETE FROM replay_annotations WHERE id = %s", (annotation_id,)
            ).rowcount
            return deleted > 0

    # -- users and tokens --------------------------------------------------------------------
    def create_user(self, name: str, *, is_admin: bool = False) -> User:
        if self._actor is not None:
            raise AccessDenied("only the system creates users")
        user = User(id=new_id(), name=check_user_name(name), created_at=now_ms(), is_admin=is_admin)
        with self._tx(f"creating user {user.name}") as conn:
            try:
                conn.execute(
                    f"INSERT INTO users ({USER_COLUMNS}) VALUES (%s, %s, %s, %s)",
                    (user.id, user.name, user.created_at, user.is_admin),
                )
            except errors.UniqueViolation as exc:
                raise StoreError(f"user {user.name!r} already exists") from exc
        return user

    def get_user(self, user_id_or_name: str) -> User | None:
        with self._tx(f"looking up user {user_id_or_name}") as conn:
            for where in ("id = %s", "lower(name) = lower(%s)"):
                row = conn.execute(
                    f"SELECT {USER_COLUMNS} FROM users WHERE {where}", (_text(user_id_or_name),)
                ).fetchone()
                if row is not None:
                    return user_from_row(row)
            return None

    def list_users(self) -> list[User]:
        with self._tx("listing users") as conn:
            rows = conn.execute(f"SELECT {USER_COLUMNS} FROM users ORDER BY lower(name)")
            return [user_from_row(row) for row in rows]

    def user_removal(self, user_id: str, *, transfer_to: str | None = None) -> UserRemoval:
        if self._actor is not None:
            raise AccessDenied("only the system removes users")
        with self._tx(f"looking at user {user_id}") as conn:
            return users_sql.user_removal(conn, pyformat, user_id, transfer_to, now_ms())

    def remove_user(self, user_id: str, *, transfer_to: str | None = None) -> UserRemoval:
        if self._actor is not None:
            raise AccessDenied("only the system removes users")
        with self._tx(f"removing user {user_id}") as conn:
            # Saves in flight finish first and new ones wait until the user is gone, so no
            # replay of theirs is written between the count and the removal.
            conn.execute("LOCK TABLE replays IN SHARE ROW EXCLUSIVE MODE")
            return users_sql.remove_user(conn, pyformat, user_id, transfer_to, now_ms())

    def add_token(self, token: ApiToken) -> None:
        token = check_token(token)
        if self._actor is not None and token.user_id != self._actor:
            raise AccessDenied("cannot create a token for another user")
        with self._tx(f"adding token {token.name!r}") as conn:
            try:
                conn.execute(
                    f"INSERT INTO api_tokens ({TOKEN_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    (
                        token.id,
                        token.user_id,
                        _text(token.name),
                        token.token_hash,
                        token.created_at,
                        token.last_used_at,
                        token.revoked,
                    ),
                )
            except (errors.UniqueViolation, errors.ForeignKeyViolation) as exc:
                raise StoreError(
                    f"cannot add token {token.id}: no user {token.user_id}, or a token "
                    "with that id or hash exists"
                ) from exc

    def list_tokens(self, user_id: str | None = None) -> list[ApiToken]:
        with self._tx("listing tokens") as conn:
            rows = conn.execute(
                f"SELECT {TOKEN_COLUMNS} FROM api_tokens "
                "WHERE %(user)s::text IS NULL OR user_id = %(user)s ORDER BY created_at, id",
                {"user": user_id},
            )
            return [token_from_row(row) for row in rows]

    def user_for_token(self, token_hash: str, now_ms: int) -> User | None:
        with self._tx("checking an API token") as conn:
            row = conn.execute(
                "SELECT t.id, t.last_used_at, u.id, u.name, u.created_at, u.is_admin "
                "FROM api_tokens t JOIN users u ON u.id = t.user_id "
                "WHERE t.token_hash = %s AND NOT t.revoked",
                (_text(token_hash.lower()),),
            ).fetchone()
            if row is None:
                return None
            token_id, last_used = row[0], row[1]
            if last_used is None or now_ms - last_used >= TOKEN_USE_GRANULARITY_MS:
                conn.execute(
                    "UPDATE api_tokens SET last_used_at = %s WHERE id = %s", (now_ms, token_id)
                )
            return user_from_row(row[2:])

    def revoke_token(self, token_id: str) -> bool:
        with self._tx(f"revoking token {token_id}") as conn:
            changed = conn.execute(
                "UPDATE api_tokens SET revoked = true WHERE id = %s", (token_id,)
            ).rowcount
            return changed > 0

    # -- accounting --------------------------------------------------------------------------
    def stats(self) -> StoreStats:
        with self._tx("reading statistics") as conn:
            row = conn.execute(
                "SELECT (SELECT count(*) FROM replays), "
                "(SELECT count(*) FROM replay_chunks), "
                "(SELECT coalesce(sum(event_count), 0) FROM replay_chunks), "
                "(SELECT coalesce(sum(octet_length(data)), 0) FROM replay_chunks), "
                "(SELECT count(*) FROM blobs), "
                "(SELECT coalesce(sum(octet_length(data)), 0) FROM blobs)"
            ).fetchone()
            raw = 0
            if self._actor is None:  # what was imported is the system's business
                found = conn.execute(RAW_BYTES_IMPORTED_SQL).fetchone()
                raw = int(found[0]) if found else 0
        replays, chunks, events, chunk_bytes, blobs, blob_bytes = (int(v) for v in row or ())
        return StoreStats(
            replays=replays,
            events=events,
            chunks=chunks,
            blobs=blobs,
            stored_bytes=chunk_bytes + blob_bytes,
            raw_bytes_imported=raw,
        )


def _stored_blobs(conn: psycopg.Connection, keys: list[str]) -> set[str]:
    """Those of ``keys`` in the blob table, whoever stored them (locked until commit)."""
    if not keys:
        return set()
    rows = conn.execute("SELECT * FROM vibecast.stored_blobs(%s)", (keys,))
    return {row[0] for row in rows}


def _replay_blob_keys(conn: psycopg.Connection, replay_id: str, from_seq: int = 0) -> set[str]:
    """Blobs the replay's chunks from ``from_seq`` on refer to."""
    rows = conn.execute(
        "SELECT DISTINCT r.sha256 FROM chunk_blob_refs r "
        "JOIN replay_chunks c ON c.id = r.chunk_id WHERE c.replay_id = %s AND c.seq >= %s",
        (replay_id, from_seq),
    )
    return {row[0] for row in rows}


def _chunk_counts(conn: psycopg.Connection, replay_id: str) -> list[tuple[int, int]]:
    """``(seq, event_count)`` of the replay's stored chunks, in order."""
    rows = conn.execute(
        "SELECT seq, event_count FROM replay_chunks WHERE replay_id = %s ORDER BY seq",
        (replay_id,),
    )
    return [(seq, count) for seq, count in rows]


def _load_blobs(
    conn: psycopg.Connection, codec: ChunkCodec, keys: Sequence[str]
) -> dict[str, bytes]:
    unique = list(dict.fromkeys(keys))
    if not unique:
        return {}
    rows = conn.execute(
        "SELECT sha256, codec, dict_id, data FROM blobs WHERE sha256 = ANY(%s)", (unique,)
    )
    return {key: codec.decode_blob(kind, dict_id, data) for key, kind, dict_id, data in rows}


def _filter_sql(user_id: str | None, filters: ReplayFilter | None) -> tuple[str, dict[str, Any]]:
    """The WHERE clause (over ``replays``) of a list: its owner and its filters.

    Text and file filters are ILIKE over replay_search, which the pg_trgm indexes answer.
    """
    clauses = ["TRUE"]
    params: dict[str, Any] = {}
    if user_id is not None:
        clauses.append("replays.user_id = %(owner)s")
        params["owner"] = user_id
    if filters is None:
        return " AND ".join(clauses), params
    tool = tool_key(filters)
    if tool:
        clauses.append(
            "EXISTS (SELECT 1 FROM replay_tools t "
            "WHERE t.replay_id = replays.id AND t.tool = %(tool)s)"
        )
        params["tool"] = tool
    scalars, values = scalar_filters(filters, lambda name: f"%({name})s")
    clauses += scalars
    params.update(values)
    for name, value, columns in (
        ("text", wanted(filters.text), ("title", "prompts")),
        ("file", wanted(filters.file), ("files",)),
    ):
        if value is None:
            continue
        matches = " OR ".join(f"s.{column} ILIKE %({name})s" for column in columns)
        clauses.append(f"replays.id IN (SELECT s.replay_id FROM replay_search s WHERE {matches})")
        params[name] = like_pattern(value)
    return " AND ".join(clauses), params


def _text(value: str) -> str:
    """PostgreSQL text cannot hold NUL characters; nothing a person typed needs them."""
    return value.replace("\x00", "")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
