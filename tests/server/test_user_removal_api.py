"""``vibecast users remove`` seen from the running server, on SQLite and on PostgreSQL: the real
command (in-process, on the server's own database) removes a user, and at once the server
refuses their API token and their web sign-in cookie; replays handed to another user keep their
share link and the notes it shows; a refused removal leaves the user able to work."""

from __future__ import annotations

from click.testing import CliRunner, Result
from fastapi.testclient import TestClient
from server_helpers import LOOPBACK, Team, add_user

from vibecast.cli import cli
from vibecast.config import Settings
from vibecast.server.sessions import COOKIE_NAME
from vibecast.store.base import Store
from vibecast.store.postgres import PostgresStore
from vibecast.store.sqlite import SQLiteStore


def database_url(store: Store) -> str:
    if isinstance(store, SQLiteStore):
        return f"sqlite:///{store.path}"
    assert isinstance(store, PostgresStore)
    return store.url


def vibecast(store: Store, settings: Settings, *args: str) -> Result:
    """The real command group, on the server's database and home (no terminal: no prompt)."""
    env = {"VIBECAST_DATABASE_URL": database_url(store), "VIBECAST_HOME": str(settings.home)}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def sign_in(client: TestClient, name: str, token: str) -> str:
    response = client.post(
        "/login", data={"name": name, "token": token, "next": "/"}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return client.cookies[COOKIE_NAME]


def test_a_removed_users_token_and_cookie_are_refused_at_once(
    team: Team, settings: Settings
) -> None:
    bob = team.bob
    browser = team.anonymous
    sign_in(browser, "bob", bob.token)
    replay = bob.replays[0]
    link = bob.client.post(f"/api/replays/{replay.id}/share", json={"is_public": True}).json()
    assert bob.client.get("/api/me").status_code == 200
    assert browser.get("/api/me").json()["via"] == "session"
    assert browser.get(f"/api/s/{link['share_token']}").status_code == 200

    removed = vibecast(team.store, settings, "users", "remove", "bob", "--delete-replays", "--yes")
    assert removed.exit_code == 0, removed.stderr
    assert "Removed user bob." in removed.stderr

    for response in (
        bob.client.get("/api/me"),
        bob.client.get("/api/replays"),
        browser.get("/api/me"),
        browser.get(f"/api/replays/{replay.id}"),
    ):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
    # Signing in again with the old token is refused too.
    again = browser.post("/login", data={"name": "bob", "token": bob.token, "next": "/"})
    assert again.status_code == 401
    # Their replays went, and the link with them; Alice is untouched.
    assert browser.get(f"/api/s/{link['share_token']}").status_code == 404
    assert all(team.store.get_replay(r.id) is None for r in bob.replays)
    alice = team.alice.client.get("/api/replays", params={"limit": 500}).json()
    assert alice["total"] == len(team.alice.replays)


def test_replays_handed_on_keep_their_link_and_notes(team: Team, settings: Settings) -> None:
    bob = team.bob
    replay = bob.replays[0]
    link = bob.client.post(
        f"/api/replays/{replay.id}/share", json={"is_public": True, "share_notes": True}
    ).json()
    note = {"timestamp_ms": 1000, "text": "this is where it broke"}
    assert bob.client.post(f"/api/replays/{replay.id}/annotations", json=note).status_code == 201
    carol_user, carol_token = add_user(team.store, "carol")

    removed = vibecast(
        team.store, settings, "users", "remove", "bob", "--transfer-to", "carol", "--yes"
    )
    assert removed.exit_code == 0, removed.stderr
    assert f"{len(bob.replays)} replays given to carol" in removed.stderr

    assert bob.client.get("/api/me").status_code == 401
    public = team.anonymous.get(f"/api/s/{link['share_token']}")
    assert public.status_code == 200 and public.json()["replay"]["id"] == replay.id
    notes = team.anonymous.get(f"/api/s/{link['share_token']}/notes").json()["notes"]
    assert [n["text"] for n in notes] == [note["text"]]
    with TestClient(team.anonymous.app, base_url=LOOPBACK) as carol:
        carol.headers["Authorization"] = f"Bearer {carol_token}"
        listed = carol.get("/api/replays", params={"limit": 500}).json()
        assert {r["id"] for r in listed["replays"]} == {r.id for r in bob.replays}
        assert all(r["user_id"] == carol_user.id for r in listed["replays"])
        mine = carol.get(f"/api/replays/{replay.id}/annotations").json()["annotations"]
        assert [a["text"] for a in mine] == [note["text"]]


def test_a_refused_removal_leaves_the_user_working(team: Team, settings: Settings) -> None:
    # Alice recorded some of the sessions Bob did: a replay each, which cannot become one.
    refused = vibecast(
        team.store, settings, "users", "remove", "bob", "--transfer-to", "alice", "--yes"
    )
    assert refused.exit_code == 1
    assert "alice already has a replay of" in refused.stderr
    assert "vibecast --user bob delete" in refused.stderr
    undecided = vibecast(team.store, settings, "users", "remove", "bob", "--yes")
    assert undecided.exit_code == 1
    assert f"bob still owns {len(team.bob.replays)} replays" in undecided.stderr
    assert "--delete-replays" in undecided.stderr and "--transfer-to" in undecided.stderr
    assert team.bob.client.get("/api/me").json()["user"]["name"] == "bob"
    listed = team.bob.client.get("/api/replays").json()
    assert listed["total"] == len(team.bob.replays)
