"""Row-level security, checked around the app: plain SQL over a plain psycopg connection, logged in
as the app's role with a user named as the app names it, cannot read, change or delete another
user's private replays, annotations, chunks or blobs, and can read their public replay.

Data is written by the store as the system; every check then talks to PostgreSQL directly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from psycopg import errors, sql
from store_helpers import BASE_TS, make_event, make_replay

from pg_helpers import ADMIN_URL, scratch_database
from vibecast.model import RecordedEvent
from vibecast.store.base import Annotation
from vibecast.store.codec import BLOB_MIN_BYTES
from vibecast.store.pgaccess import DEFAULT_APP_ROLE
from vibecast.store.postgres import PostgresStore

# Users are uuids in server mode (and on Supabase, auth.uid() is one).
ALICE = "a11ce000-0000-4000-8000-000000000001"
BOB = "b0b00000-0000-4000-8000-000000000002"
ALICE_PRIVATE = "00000000-0000-4000-8000-00000000a001"
BOB_PRIVATE = "00000000-0000-4000-8000-00000000b001"
BOB_PUBLIC = "00000000-0000-4000-8000-00000000b002"
BOB_EXPIRED = "00000000-0000-4000-8000-00000000b003"
FAR = BASE_TS * 10


def _events(session: str, secret: str) -> list[RecordedEvent]:
    """A few events, one holding a string large enough to live in the blob table."""
    return [
        make_event(0, 0, session=session, type="user_prompt_submit", prompt=f"prompt {session}"),
        make_event(1, 100, session=session, type="pre_tool_use", tool="Bash"),
        make_event(2, 200, session=session, text=secret * (BLOB_MIN_BYTES // len(secret) + 1)),
    ]


def _blob_of(session: str, secret: str) -> str:
    text = secret * (BLOB_MIN_BYTES // len(secret) + 1)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class World:
    url: str
    store: PostgresStore
    secret_blob: str  # only in Bob's private replay
    public_blob: str  # in Bob's public replay


@pytest.fixture
def world(migrated_postgres_url: str) -> Iterator[World]:
    """Alice's private replay; Bob's private, public and expired-public ones, each annotated."""
    url = migrated_postgres_url
    store = PostgresStore(url)
    for replay_id, user, session, secret in (
        (ALICE_PRIVATE, ALICE, "alice-1", "alice's own "),
        (BOB_PRIVATE, BOB, "bob-1", "bob's secret "),
        (BOB_PUBLIC, BOB, "bob-2", "bob's public "),
        (BOB_EXPIRED, BOB, "bob-3", "bob's old "),
    ):
        replay = make_replay(replay_id, session_id=session, user_id=user, title=session)
        store.save_replay(replay, _events(session, secret))
        store.add_annotation(
            Annotation(
                id=f"note-{session}",
                replay_id=replay_id,
                user_id=user,
                timestamp_ms=100,
                text=f"note on {session}",
            )
        )
    store.set_share(BOB_PUBLIC, hashlib.sha256(b"share").hexdigest(), FAR)
    store.set_share(BOB_EXPIRED, hashlib.sha256(b"old").hexdigest(), BASE_TS)
    secret_blob, public_blob = (
        _blob_of("bob-1", "bob's secret "),
        _blob_of("bob-2", "bob's public "),
    )
    yield World(url, store, secret_blob, public_blob)
    store.close()


def _as_app(url: str, user: str | None) -> psycopg.Connection:
    """A plain connection logged in as the app's role, with ``user`` named as the app names it."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("ALTER ROLE {} LOGIN").format(sql.Identifier(DEFAULT_APP_ROLE)))
    conn = psycopg.connect(url, user=DEFAULT_APP_ROLE, autocommit=True)
    if user is not None:
        conn.execute("SELECT set_config('vibecast.user_id', %s, false)", (user,))
    return conn


def _ids(conn: psycopg.Connection, query: str, *params: object) -> set[str]:
    return {row[0] for row in conn.execute(query, params)}


def test_the_app_role_cannot_bypass_the_policies(world: World) -> None:
    with _as_app(world.url, ALICE) as conn:
        who, superuser, bypass = conn.execute(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).fetchone()  # type: ignore[misc]
        assert (who, superuser, bypass) == (DEFAULT_APP_ROLE, False, False)
        owner = conn.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'replays'")
        assert owner.fetchone() != (DEFAULT_APP_ROLE,)
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("SET ROLE postgres")


def test_a_user_reads_their_own_and_public_replays_only(world: World) -> None:
    with _as_app(world.url, ALICE) as conn:
        assert _ids(conn, "SELECT id FROM replays") == {ALICE_PRIVATE, BOB_PUBLIC}
        assert _ids(conn, "SELECT DISTINCT replay_id FROM replay_chunks") == {
            ALICE_PRIVATE,
            BOB_PUBLIC,
        }
        # Bob's note on his public replay is his: its link does not show his notes.
        assert _ids(conn, "SELECT replay_id FROM replay_annotations") == {ALICE_PRIVATE}
        assert _ids(conn, "SELECT replay_id FROM replay_search") == {ALICE_PRIVATE, BOB_PUBLIC}
        assert _ids(conn, "SELECT replay_id FROM replay_tools") == {ALICE_PRIVATE, BOB_PUBLIC}
        blobs = _ids(conn, "SELECT sha256 FROM blobs")
        assert world.public_blob in blobs and world.secret_blob not in blobs
        # Asking for Bob's private rows by key finds nothing either.
        assert conn.execute("SELECT * FROM replays WHERE id = %s", (BOB_PRIVATE,)).fetchall() == []
        assert (
            conn.execute(
                "SELECT data FROM blobs WHERE sha256 = %s", (world.secret_blob,)
            ).fetchall()
            == []
        )
        assert _ids(conn, "SELECT id FROM users") == set()  # Alice has no users row here
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM import_sources")


def test_a_user_cannot_change_or_delete_another_users_rows(world: World) -> None:
    before = _snapshot(world.url)
    with _as_app(world.url, ALICE) as conn:
        others = (BOB_PRIVATE, BOB_PUBLIC, BOB_EXPIRED)
        for statement in (
            "UPDATE replays SET title = 'defaced', is_public = true WHERE id = ANY(%s)",
            "UPDATE replays SET user_id = current_setting('vibecast.user_id') WHERE id = ANY(%s)",
            "DELETE FROM replays WHERE id = ANY(%s)",
            "UPDATE replay_annotations SET text = 'defaced' WHERE replay_id = ANY(%s)",
            "DELETE FROM replay_annotations WHERE replay_id = ANY(%s)",
            "UPDATE replay_chunks SET data = '\\x00'::bytea WHERE replay_id = ANY(%s)",
            "DELETE FROM replay_chunks WHERE replay_id = ANY(%s)",
            "DELETE FROM replay_search WHERE replay_id = ANY(%s)",
            "DELETE FROM replay_tools WHERE replay_id = ANY(%s)",
            "DELETE FROM chunk_blob_refs WHERE chunk_id IN "
            "(SELECT id FROM replay_chunks WHERE replay_id = ANY(%s))",
        ):
            assert conn.execute(statement, (list(others),)).rowcount == 0, statement
        # Blobs: no user may change or remove one (only vibecast.collect_blobs, unused ones).
        for statement in ("DELETE FROM blobs", "UPDATE blobs SET data = '\\x00'::bytea"):
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(statement)
        assert conn.execute(
            "SELECT vibecast.collect_blobs(%s)", ([world.secret_blob],)
        ).fetchone() == (0,)
    assert _snapshot(world.url) == before


@pytest.mark.parametrize(
    "statement",
    [
        # A replay in Bob's name.
        "INSERT INTO replays (id, user_id, session_id, created_at, updated_at) "
        f"VALUES ('forged', '{BOB}', 's', 0, 0)",
        # Giving one's own replay away.
        f"UPDATE replays SET user_id = '{BOB}' WHERE id = '{ALICE_PRIVATE}'",
        # An annotation on Bob's public replay, in Alice's or Bob's name.
        "INSERT INTO replay_annotations (id, replay_id, user_id, timestamp_ms, text, created_at) "
        f"VALUES ('x', '{BOB_PUBLIC}', '{ALICE}', 0, 'hi', 0)",
        "INSERT INTO replay_annotations (id, replay_id, user_id, timestamp_ms, text, created_at) "
        f"VALUES ('x', '{BOB_PUBLIC}', '{BOB}', 0, 'hi', 0)",
        # A chunk slipped into Bob's replay; search text for it.
        "INSERT INTO replay_chunks (replay_id, seq, start_ms, end_ms, event_count, raw_size, "
        f"dict_id, data) VALUES ('{BOB_PUBLIC}', 99, 0, 0, 0, 0, 0, '\\x00'::bytea)",
        f"INSERT INTO replay_tools (replay_id, tool) VALUES ('{BOB_PRIVATE}', 'x')",
        # A token for Bob.
        "INSERT INTO api_tokens (id, user_id, token_hash, created_at) "
        f"VALUES ('t', '{BOB}', 'h', 0)",
    ],
)
def test_a_user_cannot_write_in_another_users_name(world: World, statement: str) -> None:
    before = _snapshot(world.url)
    with _as_app(world.url, ALICE) as conn, pytest.raises(errors.InsufficientPrivilege):
        conn.execute(statement)
    assert _snapshot(world.url) == before


def test_without_a_user_nothing_private_is_visible(world: World) -> None:
    for user in (None, ""):
        with _as_app(world.url, user) as conn:
            assert _ids(conn, "SELECT id FROM replays") == {BOB_PUBLIC}
            assert _ids(conn, "SELECT DISTINCT replay_id FROM replay_chunks") == {BOB_PUBLIC}
            # the owner of BOB_PUBLIC has not shared its notes with the link
            assert _ids(conn, "SELECT replay_id FROM replay_annotations") == set()
            assert _ids(conn, "SELECT sha256 FROM blobs") == {world.public_blob}
            assert conn.execute("DELETE FROM replays").rowcount == 0


def test_revoking_or_expiring_a_share_hides_the_replay_at_once(world: World) -> None:
    with _as_app(world.url, ALICE) as conn:
        assert BOB_PUBLIC in _ids(conn, "SELECT id FROM replays")
        world.store.clear_share(BOB_PUBLIC)
        assert _ids(conn, "SELECT id FROM replays") == {ALICE_PRIVATE}
        world.store.set_share(BOB_PUBLIC, hashlib.sha256(b"again").hexdigest(), FAR)
        assert BOB_PUBLIC in _ids(conn, "SELECT id FROM replays")
        world.store.set_share(BOB_PUBLIC, hashlib.sha256(b"again").hexdigest(), BASE_TS)
        assert _ids(conn, "SELECT id FROM replays") == {ALICE_PRIVATE}
        assert _ids(conn, "SELECT DISTINCT replay_id FROM replay_chunks") == {ALICE_PRIVATE}


def test_the_owner_reads_and_writes_their_own(world: World) -> None:
    with _as_app(world.url, BOB) as conn:
        assert _ids(conn, "SELECT id FROM replays") == {BOB_PRIVATE, BOB_PUBLIC, BOB_EXPIRED}
        assert world.secret_blob in _ids(conn, "SELECT sha256 FROM blobs")
        updated = conn.execute(
            "UPDATE replay_annotations SET text = 'edited' WHERE replay_id = %s", (BOB_PRIVATE,)
        )
        assert updated.rowcount == 1
        assert conn.execute("DELETE FROM replays WHERE id = %s", (BOB_PRIVATE,)).rowcount == 1
    assert world.store.get_replay(BOB_PRIVATE) is None


def test_policies_honour_supabase_auth_uid() -> None:
    """On a Supabase project, auth.uid() (from the request's JWT) names the user."""
    with scratch_database() as url:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("CREATE SCHEMA auth")
            admin.execute(  # as Supabase defines it
                "CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS "
                "$$ SELECT nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$"
            )
            admin.execute(f"GRANT USAGE ON SCHEMA auth TO {DEFAULT_APP_ROLE}")
        store = PostgresStore(url)
        try:
            for replay_id, user, session in ((ALICE_PRIVATE, ALICE, "a"), (BOB_PRIVATE, BOB, "b")):
                store.save_replay(
                    make_replay(replay_id, session_id=session, user_id=user), _events(session, "x ")
                )
            with _as_app(url, None) as conn:
                assert _ids(conn, "SELECT id FROM replays") == set()
                conn.execute("SELECT set_config('request.jwt.claim.sub', %s, false)", (ALICE,))
                assert _ids(conn, "SELECT id FROM replays") == {ALICE_PRIVATE}
            # The store's own connections carry no JWT: the acting user still decides.
            assert store.acting_as(BOB).get_replay(BOB_PRIVATE) is not None
            assert store.acting_as(BOB).get_replay(ALICE_PRIVATE) is None
        finally:
            store.close()


def _snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row that matters, read as the owner (no policies)."""
    with psycopg.connect(url, autocommit=True) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in (
                "replays",
                "replay_annotations",
                "replay_chunks",
                "chunk_blob_refs",
                "blobs",
                "replay_search",
                "replay_tools",
                "api_tokens",
            )
        }
