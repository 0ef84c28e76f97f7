"""``vibecast users remove``: the real command group (in-process; in a subprocess on a terminal
for the question it asks), on SQLite and on PostgreSQL — there connected as the docs' owner role
(it owns the tables and is no superuser), as a team's CLI connects. A team of three: Bob
recorded two sessions, Alice one of them too; Bob shared a replay, annotated his own and one of
Alice's, exported one; Carol owns nothing."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from pg_helpers import owner_database
from vibecast.cli import cli
from vibecast.export.jobs import ExportJob, job_store, new_job_id
from vibecast.export.request import ExportRequest
from vibecast.server.tokens import hash_token
from vibecast.store import open_store
from vibecast.store.base import Annotation, Store
from vibecast.store.pgaccess import APP_ROLE_ENV
from vibecast.store.postgres import PostgresStore
from vibecast.store.records import now_ms, pyformat

Runner = Callable[..., Any]
TRANSCRIPTS = "claude-code/transcripts"
BOTH = "5c0375b4-57a5-4f26-b12d-d022ee4e51b7"  # recorded by Bob and by Alice
BOBS = "fe5e1c67-53e7-4862-81ae-d0e013e3270b"  # Bob's alone


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The variables that point the command at the team's database."""
    if request.param == "sqlite":
        yield {"VIBECAST_DATABASE_URL": f"sqlite:///{tmp_path / 'team.db'}"}
        return
    # The docs' owner role: it owns the tables and may create the app role, but is no superuser.
    with owner_database(createrole=True) as (url, _, app):
        yield {"VIBECAST_DATABASE_URL": url, APP_ROLE_ENV: app}


@dataclass
class Office:
    env: dict[str, str]
    exports: Path
    bob_token: str
    bobs: dict[str, str]  # Bob's replay ids by session
    alices: dict[str, str]
    link: str  # the token of Bob's share link
    video: Path  # Bob's exported video
    thumbnails: dict[str, Path]  # a thumbnail of each of Bob's and Alice's replays


def opened(env: dict[str, str]) -> Store:
    """The team's store as the system, as the command opens it."""
    url = env["VIBECAST_DATABASE_URL"]
    return (
        PostgresStore(url, app_role=env[APP_ROLE_ENV]) if APP_ROLE_ENV in env else open_store(url)
    )


def rows(env: dict[str, str], query: str, **params: Any) -> list[tuple[Any, ...]]:
    """Plain SQL (``:name`` parameters) on the team's database, whoever's rows they are."""
    url = env["VIBECAST_DATABASE_URL"]
    if url.startswith("sqlite:///"):
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
            return conn.execute(query, params).fetchall()
    with psycopg.connect(url) as conn:
        return conn.execute(pyformat(query), params).fetchall()


def blob_keys(env: dict[str, str], replay_ids: list[str]) -> set[str]:
    found: set[str] = set()
    for replay_id in replay_ids:
        found |= {
            row[0]
            for row in rows(
                env,
                "SELECT r.sha256 FROM chunk_blob_refs r JOIN replay_chunks c ON c.id = r.chunk_id "
                "WHERE c.replay_id = :id",
                id=replay_id,
            )
        }
    return found


@dataclass
class Ran:
    code: int
    out: str
    err: str


def invoke(env: dict[str, str], *args: str) -> Ran:
    """The real command group in-process, in ``env`` (no terminal: it cannot ask)."""
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def office(database: dict[str, str], tmp_path: Path, shared_data: Path) -> Office:
    home = tmp_path / "home"
    env = {**database, "VIBECAST_HOME": str(home), "CLAUDE_CONFIG_DIR": str(tmp_path / "claude")}

    def ok(*args: str) -> str:
        result = invoke(env, *args)
        assert result.code == 0, result.err
        return result.out

    for name in ("alice", "bob", "carol"):
        ok("users", "add", name)
    bob_token = ok("tokens", "create", "bob").strip()
    transcripts = shared_data / TRANSCRIPTS
    ok(
        "--user",
        "bob",
        "import",
        str(transcripts / f"{BOTH}.jsonl"),
        str(transcripts / f"{BOBS}.jsonl"),
    )
    # Bob imported that file too: Alice's import reads it all the same, into her own replay.
    ok("--user", "alice", "import", str(transcripts / f"{BOTH}.jsonl"))
    exports = home / "exports"
    with opened(env) as store:
        users = {u.name: u for u in store.list_users()}
        bobs = {r.session_id: r.id for r in store.list_replays(users["bob"].id)}
        alices = {r.session_id: r.id for r in store.list_replays(users["alice"].id)}
        store.set_share(bobs[BOBS], hash_token("bobs-link-token"), now_ms() + 86_400_000)
        for replay_id, author, text in (
            (bobs[BOBS], "bob", "bob on his own"),
            (alices[BOTH], "bob", "bob on alice's"),
            (alices[BOTH], "alice", "alice on her own"),
        ):
            store.add_annotation(
                Annotation(
                    id=f"{author}-{replay_id}",
                    replay_id=replay_id,
                    user_id=users[author].id,
                    timestamp_ms=1000,
                    text=text,
                )
            )
        video = exports / "videos" / "bobs.mp4"
        video.parent.mkdir(parents=True)
        video.write_bytes(b"video")
        job_store(store).add(
            ExportJob(
                id=new_job_id(),
                replay_id=bobs[BOBS],
                user_id=users["bob"].id,
                request=ExportRequest(),
                status="complete",
                output_path=str(video),
                created_at=now_ms(),
                updated_at=now_ms(),
            )
        )
    thumbnails = {}
    for replay_id in [*bobs.values(), *alices.values()]:
        thumbnails[replay_id] = exports / "thumbnails" / f"{replay_id}.png"
        thumbnails[replay_id].parent.mkdir(parents=True, exist_ok=True)
        thumbnails[replay_id].write_bytes(b"png")
    return Office(env, exports, bob_token, bobs, alices, "bobs-link-token", video, thumbnails)


def one_line_error(result: Ran, *needles: str, code: int = 1) -> str:
    assert result.code == code, result.err
    assert "Traceback" not in result.err + result.out
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1, result.err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def names(office: Office) -> set[str]:
    listed = invoke(office.env, "users", "list", "--json")
    return {u["name"] for u in json.loads(listed.out)}


def untouched(office: Office) -> None:
    """Bob as he was: listed, his token valid, his replays and link there."""
    assert names(office) == {"alice", "bob", "carol", "local"}
    with opened(office.env) as store:
        assert store.user_for_token(hash_token(office.bob_token), now_ms()).name == "bob"
        assert store.count_replays(store.get_user("bob").id) == 2
        assert store.replay_by_share(hash_token(office.link), now_ms()) is not None
        assert len(store.list_annotations(office.alices[BOTH])) == 2


def test_refusals_say_why_and_change_nothing(office: Office) -> None:
    def remove(*args: str) -> Ran:
        return invoke(office.env, "users", "remove", *args)

    line = one_line_error(remove("bob", "--yes"), "bob still owns 2 replays (1 shared by")
    assert "--delete-replays" in line and "--transfer-to OTHER" in line
    one_line_error(remove("nobody", "--yes"), "no user 'nobody'")
    one_line_error(remove("local", "--yes"), "built-in user 'local' cannot be removed")
    one_line_error(remove("bob", "--transfer-to", "nobody", "--yes"), "no user 'nobody' to")
    one_line_error(remove("bob", "--transfer-to", "bob", "--yes"), "cannot transfer bob's")
    conflict = one_line_error(
        remove("bob", "--transfer-to", "alice", "--yes"), "alice already has a replay of 1 of"
    )
    assert f"vibecast --user bob delete {BOTH}" in conflict
    one_line_error(remove("bob", "--delete-replays"), "no terminal", "--yes")
    both = remove("bob", "--delete-replays", "--transfer-to", "carol", "--yes")
    assert both.code == 2 and "exclude each other" in both.err
    untouched(office)


def imports_of(office: Office, user_id: str) -> int:
    """How many files the store remembers ``user_id`` imported."""
    [(count,)] = rows(
        office.env, "SELECT count(*) FROM import_sources WHERE user_id = :u", u=user_id
    )
    return count


def test_delete_replays_removes_them_and_everything_stored_for_them(office: Office) -> None:
    bobs, alices = list(office.bobs.values()), list(office.alices.values())
    with opened(office.env) as store:
        bob, alice = store.get_user("bob").id, store.get_user("alice").id
    assert (imports_of(office, bob), imports_of(office, alice)) == (2, 1)
    shared_blobs, only_bobs = blob_keys(office.env, alices), blob_keys(office.env, bobs)
    only_bobs -= shared_blobs
    assert shared_blobs and only_bobs  # the data must exercise both kinds
    with opened(office.env) as store:
        alice_events = [len(store.read_events(i)) for i in alices]

    result = invoke(office.env, "users", "remove", "bob", "--delete-replays", "--yes")
    assert result.code == 0, result.err
    assert "1 active API token revoked" in result.err
    assert "2 replays (1 shared by a live link) deleted" in result.err
    assert "1 export" in result.err
    assert "1 annotation bob made on other users' replays deleted" in result.err
    assert "Removed user bob." in result.err

    assert names(office) == {"alice", "carol", "local"}
    with opened(office.env) as store:
        assert store.user_for_token(hash_token(office.bob_token), now_ms()) is None
        assert all(store.get_replay(i) is None for i in bobs)
        assert store.replay_by_share(hash_token(office.link), now_ms()) is None
        assert [len(store.read_events(i)) for i in alices] == alice_events
        assert [a.text for a in store.list_annotations(office.alices[BOTH])] == ["alice on her own"]
    stored = {row[0] for row in rows(office.env, "SELECT sha256 FROM blobs")}
    assert shared_blobs <= stored and not only_bobs & stored
    for table in ("replay_chunks", "replay_annotations", "export_jobs", "replay_search"):
        left = rows(
            office.env,
            f"SELECT count(*) FROM {table} WHERE replay_id IN (:a, :b)",
            a=bobs[0],
            b=bobs[1],
        )
        assert left == [(0,)], table
    assert (imports_of(office, bob), imports_of(office, alice)) == (0, 1)
    assert not office.video.exists()
    assert [office.thumbnails[i].exists() for i in bobs] == [False, False]
    assert all(office.thumbnails[i].exists() for i in alices)


def test_transfer_to_gives_the_replays_away_and_links_keep_working(
    office: Office, shared_data: Path
) -> None:
    result = invoke(office.env, "users", "remove", "bob", "--transfer-to", "carol", "--yes")
    assert result.code == 0, result.err
    assert "2 replays given to carol" in result.err
    assert "share links keep working" in result.err

    assert names(office) == {"alice", "carol", "local"}
    listed = invoke(office.env, "--user", "carol", "list", "--json")
    assert {r["id"] for r in json.loads(listed.out)} == set(office.bobs.values())
    with opened(office.env) as store:
        assert store.user_for_token(hash_token(office.bob_token), now_ms()) is None
        shared = store.replay_by_share(hash_token(office.link), now_ms())
        assert shared is not None and shared.id == office.bobs[BOBS]
        carol = store.get_user("carol").id
        assert [(a.text, a.user_id) for a in store.list_annotations(office.bobs[BOBS])] == [
            ("bob on his own", carol)
        ]
        assert [a.text for a in store.list_annotations(office.alices[BOTH])] == ["alice on her own"]
    assert office.video.exists()
    assert all(path.exists() for path in office.thumbnails.values())
    # What Bob imported went to Carol with the replays: her import of his files skips them.
    files = [str(shared_data / TRANSCRIPTS / f"{session}.jsonl") for session in (BOTH, BOBS)]
    again = invoke(office.env, "--user", "carol", "import", "--json", *files)
    assert again.code == 0, again.err
    summary = json.loads(again.out)
    assert (summary["files_skipped"], summary["replay_ids"]) == (2, [])


def test_it_asks_first_on_a_terminal(vibecast: Runner, office: Office) -> None:
    def answered(answer: str) -> Any:
        terminal, keyboard = os.openpty()
        try:
            os.write(terminal, answer.encode() + b"\n")
            return vibecast("users", "remove", "carol", env=office.env, stdin=keyboard, timeout=60)
        finally:
            os.close(terminal)
            os.close(keyboard)

    declined = answered("n")
    assert declined.code == 1
    assert "Removing user carol" in declined.err and "Remove user carol? [y/N]" in declined.err
    assert "no active API token" in declined.err and "no replays of carol's" in declined.err
    assert "carol" in names(office)
    accepted = answered("y")
    assert accepted.code == 0, accepted.err
    assert "Removed user carol." in accepted.err
    assert "carol" not in names(office)
