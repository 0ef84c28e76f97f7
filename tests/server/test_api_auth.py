"""Server mode: bearer tokens, the web login cookie, and every user seeing only what is theirs
(or public). Local mode: no login, but only for localhost addresses and same-origin pages."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from server_helpers import LOOPBACK, Local, Team, server_settings

from vibecast.config import Settings
from vibecast.server import create_app
from vibecast.server.sessions import COOKIE_NAME
from vibecast.server.tokens import new_api_token


@pytest.mark.readonly
def test_no_token_is_401(team: Team) -> None:
    replay = team.alice.replays[0]
    for method, path in [
        ("GET", "/api/replays"),
        ("GET", f"/api/replays/{replay.id}"),
        ("GET", f"/api/replays/{replay.id}/events"),
        ("DELETE", f"/api/replays/{replay.id}"),
        ("POST", "/api/replays/start"),
        ("GET", f"/api/replays/{replay.id}/annotations"),
        ("GET", f"/api/replays/{replay.id}/live"),
        ("GET", "/api/me"),
        ("GET", "/metrics"),
    ]:
        response = team.anonymous.request(method, path)
        assert response.status_code == 401, (method, path)
        assert response.json()["error"]["code"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"
    assert team.store.get_replay(replay.id) is not None
    assert team.anonymous.get("/api/health").status_code == 200


@pytest.mark.readonly
@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Basic YWxpY2U6c2VjcmV0", "Token abc", "Bearer vct_notarealtoken123456"],
)
def test_bad_authorization_headers_are_401(team: Team, header: str) -> None:
    response = team.anonymous.get("/api/replays", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["error"]["message"]


@pytest.mark.readonly
def test_each_user_lists_only_their_replays(team: Team) -> None:
    alice = team.alice.client.get("/api/replays").json()
    bob = team.bob.client.get("/api/replays").json()
    assert {r["id"] for r in alice["replays"]} == {r.id for r in team.alice.replays}
    assert {r["id"] for r in bob["replays"]} == {r.id for r in team.bob.replays}
    assert alice["total"] == len(team.alice.replays) and bob["total"] == len(team.bob.replays)
    # Asking for someone else's replays shows only their public ones.
    peek = team.bob.client.get("/api/replays", params={"user_id": team.alice.user.id}).json()
    assert peek["replays"] == [] and peek["total"] == 0


@pytest.mark.readonly
def test_another_users_replay_is_404(team: Team) -> None:
    replay = team.alice.replays[0]
    for method, path, body in [
        ("GET", f"/api/replays/{replay.id}", None),
        ("GET", f"/api/replays/{replay.id}/events", None),
        ("PATCH", f"/api/replays/{replay.id}", {"title": "mine now"}),
        ("DELETE", f"/api/replays/{replay.id}", None),
        ("POST", "/api/replays/stop", {"replay_id": replay.id}),
        ("POST", f"/api/replays/{replay.id}/played", {}),
        ("GET", f"/api/replays/{replay.id}/live", None),
        ("GET", f"/api/replays/{replay.id}/bookmarks", None),
    ]:
        response = team.bob.client.request(method, path, json=body)
        assert response.status_code == 404, (method, path)
        assert response.json() == {"error": {"code": "not_found", "message": "no such replay"}}
    assert team.store.get_replay(replay.id).title == replay.title


def test_a_public_replay_is_readable_by_others_but_not_theirs(team: Team) -> None:
    replay = team.alice.replays[0]
    team.alice.client.post(f"/api/replays/{replay.id}/share", json={"is_public": True})
    assert team.bob.client.get(f"/api/replays/{replay.id}").status_code == 200
    assert team.bob.client.get(f"/api/replays/{replay.id}/events").status_code == 200
    assert (
        team.bob.client.patch(f"/api/replays/{replay.id}", json={"title": "x"}).status_code == 404
    )
    assert team.bob.client.delete(f"/api/replays/{replay.id}").status_code == 404
    assert team.store.get_replay(replay.id) is not None


def test_same_session_id_gives_each_user_their_own_recording(team: Team) -> None:
    a = team.alice.client.post("/api/replays/start", json={"session_id": "shared-sid"}).json()
    b = team.bob.client.post("/api/replays/start", json={"session_id": "shared-sid"}).json()
    assert a["id"] != b["id"]
    assert (a["user_id"], b["user_id"]) == (team.alice.user.id, team.bob.user.id)
    stop = team.bob.client.post("/api/replays/stop", json={"replay_id": a["id"]})
    assert stop.status_code == 404


def test_revoked_token_stops_working(team: Team) -> None:
    assert team.bob.client.get("/api/me").json()["user"]["name"] == "bob"
    assert team.store.revoke_token("tok-bob")
    assert team.bob.client.get("/api/me").status_code == 401


def test_a_revoked_token_works_at_most_token_cache_seconds_more(
    team: Team, settings: Settings
) -> None:
    cached = server_settings(settings, team.clock, server_mode=True, token_cache_seconds=5.0)
    headers = {"Authorization": f"Bearer {team.bob.token}"}
    with TestClient(create_app(cached, store=team.store), base_url=LOOPBACK) as client:
        assert client.get("/api/me", headers=headers).status_code == 200
        team.store.revoke_token("tok-bob")
        team.clock.advance(4_999)
        assert client.get("/api/me", headers=headers).status_code == 200  # remembered
        team.clock.advance(1)
        assert client.get("/api/me", headers=headers).status_code == 401
        assert client.get("/api/me", headers=headers).status_code == 401  # never cached


def test_metrics_are_for_admins(team: Team) -> None:
    assert team.bob.client.get("/metrics").status_code == 403
    response = team.alice.client.get("/metrics")
    assert response.status_code == 200 and "vibecast_replays " in response.text


def login(client: TestClient, name: str, token: str, next_path: str = "/") -> object:
    return client.post(
        "/login",
        data={"name": name, "token": token, "next": next_path},
        follow_redirects=False,
    )


def test_web_login_sets_a_signed_httponly_cookie(team: Team) -> None:
    client = team.anonymous
    assert "form" in client.get("/login").text
    failed = login(client, "alice", team.bob.token)  # bob's token is not alice's
    assert failed.status_code == 401 and COOKIE_NAME not in failed.cookies
    assert login(client, "alice", "wrong").status_code == 401
    assert client.get("/api/me").status_code == 401

    response = login(client, "alice", team.alice.token, next_path="/api/replays")
    assert response.status_code == 303
    assert response.headers["location"] == "/api/replays"
    cookie_header = response.headers["set-cookie"]
    assert "HttpOnly" in cookie_header and "samesite=lax" in cookie_header.lower()
    assert team.alice.token not in cookie_header
    me = client.get("/api/me").json()
    assert me["user"]["name"] == "alice" and me["via"] == "session"
    assert len(client.get("/api/replays").json()["replays"]) == len(team.alice.replays)
    assert "alice" in client.get("/").text

    # Logging in never redirects to another site.
    away = login(client, "alice", team.alice.token, next_path="https://evil.example/")
    assert away.headers["location"] == "/"

    client.post("/logout", follow_redirects=False)
    client.cookies.clear()
    assert client.get("/api/me").status_code == 401


def test_cookie_dies_with_its_token_and_cannot_be_forged(team: Team) -> None:
    client = team.anonymous
    login(client, "bob", team.bob.token)
    cookie = client.cookies[COOKIE_NAME]
    assert client.get("/api/me").status_code == 200
    payload, mac = cookie.split(".")
    client.cookies.clear()
    client.cookies.set(COOKIE_NAME, payload + "." + mac[::-1])
    assert client.get("/api/me").status_code == 401
    client.cookies.clear()
    client.cookies.set(COOKIE_NAME, cookie)
    assert client.get("/api/me").status_code == 200
    team.store.revoke_token("tok-bob")
    assert client.get("/api/me").status_code == 401


def test_cross_origin_writes_are_refused(team: Team) -> None:
    client = team.anonymous
    login(client, "alice", team.alice.token)
    replay = team.alice.replays[0]
    evil = client.patch(
        f"/api/replays/{replay.id}",
        json={"title": "pwned"},
        headers={"Origin": "https://evil.example"},
    )
    assert evil.status_code == 403 and evil.json()["error"]["code"] == "cross_origin"
    same = client.patch(
        f"/api/replays/{replay.id}", json={"title": "renamed"}, headers={"Origin": LOOPBACK}
    )
    assert same.status_code == 200
    assert team.store.get_replay(replay.id).title == "renamed"


@pytest.mark.readonly
def test_local_mode_answers_only_localhost_names(local: Local) -> None:
    rebound = local.client.get("/api/replays", headers={"Host": "attacker.example"})
    assert rebound.status_code == 421
    assert rebound.json()["error"]["code"] == "misdirected_request"
    for host in ["localhost:8642", "127.0.0.1:8642", "[::1]:8642"]:
        assert local.client.get("/api/replays", headers={"Host": host}).status_code == 200


@pytest.mark.readonly
def test_local_mode_ignores_tokens_and_has_no_login(local: Local) -> None:
    response = local.client.get("/api/me", headers={"Authorization": f"Bearer {new_api_token()}"})
    assert response.json()["user"]["id"] == "local"
    redirect = local.client.get("/login", follow_redirects=False)
    assert redirect.status_code == 303 and redirect.headers["location"] == "/"
