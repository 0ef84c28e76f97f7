"""Secret share links: no login needed, expiry, revocation, guessed and altered tokens, and
nothing of the owner's beyond the replay."""

from __future__ import annotations

import json
import os
from pathlib import Path

from fastapi.testclient import TestClient
from server_helpers import LOOPBACK, T0, Local, Team

from required import unavailable
from vibecast.config import load_settings
from vibecast.export.outputs import thumbnail_path
from vibecast.export.thumbnail import thumbnail_moment
from vibecast.export.video import load_replay_data
from vibecast.server import ServerSettings, create_app
from vibecast.server.tokens import hash_token

DAY_MS = 86_400_000


def share(client: TestClient, replay_id: str, **body) -> dict:
    response = client.post(f"/api/replays/{replay_id}/share", json={"is_public": True, **body})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()


def test_share_returns_a_link_that_works_without_login(team: Team) -> None:
    replay = team.alice.replays[0]
    result = share(team.alice.client, replay.id)
    token = result["share_token"]
    assert result["is_public"] is True
    assert result["share_url"] == f"{LOOPBACK}/s/{token}"
    assert result["expires_at"] == T0 + 30 * DAY_MS  # VIBECAST_SHARE_DAYS default
    assert len(token) >= 22  # >= 128 bits in base64url
    # Stored hashed: the token itself is nowhere in the store's view of the replay.
    assert team.store.replay_by_share(hash_token(token), T0).id == replay.id
    assert team.store.replay_by_share(token, T0) is None

    public = team.anonymous.get(f"/api/s/{token}")
    assert public.status_code == 200
    body = public.json()
    assert body["replay"]["id"] == replay.id
    assert len(body["events"]) == min(replay.metadata.event_count, 5000)
    window = team.anonymous.get(f"/api/s/{token}/events", params={"from_ms": 0, "to_ms": 10_000})
    assert window.status_code == 200
    assert all(e["relative_time_ms"] <= 10_000 for e in window.json()["events"])
    page = team.anonymous.get(f"/s/{token}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert replay.title.split()[0] in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    played = team.anonymous.post(f"/api/s/{token}/played", json={"p95_fps": 30})
    assert played.status_code == 204


def test_a_links_preview_image_needs_no_login_and_ends_with_the_link(team: Team) -> None:
    """The thumbnail the share page names as its preview (``og:image``), on each backend in
    server mode: drawn for the anonymous viewer, gone once the link is revoked."""
    if not Path(os.environ.get("VIBECAST_CHROMIUM", "/usr/bin/chromium")).exists():
        unavailable("no Chromium to draw thumbnails", "thumbnails are drawn by the real player")
    replay = team.alice.replays[0]
    token = share(team.alice.client, replay.id)["share_token"]
    page = team.anonymous.get(f"/s/{token}").text
    image_url = f"{LOOPBACK}/api/s/{token}/thumbnail"
    assert f'<meta property="og:image" content="{image_url}">' in page
    image = team.anonymous.get(image_url)
    assert image.status_code == 200, image.text
    assert image.headers["content-type"] == "image/png" and image.content[:4] == b"\x89PNG"
    assert image.headers["cache-control"] == "no-store"
    # the owner's note at the very moment drawn: drawn again, the link's preview is unchanged
    moment = thumbnail_moment(load_replay_data(team.store, replay.id))
    noted = team.alice.client.post(
        f"/api/replays/{replay.id}/annotations",
        json={"timestamp_ms": moment, "text": "private note"},
    )
    assert noted.status_code == 201, noted.text
    root = team.alice.client.app.state.vibecast_exports.root
    thumbnail_path(root, replay.id, shared=True).unlink()
    again = team.anonymous.get(image_url)
    assert again.status_code == 200 and again.content == image.content
    owners = team.alice.client.get(f"/api/replays/{replay.id}/thumbnail")
    assert owners.status_code == 200 and owners.content != image.content  # the owner's has it
    team.alice.client.delete(f"/api/replays/{replay.id}/share")
    assert team.anonymous.get(image_url).status_code == 404


def test_shared_replay_reveals_nothing_else_of_the_owner(team: Team) -> None:
    replay = team.alice.replays[0]
    team.alice.client.post(
        f"/api/replays/{replay.id}/annotations", json={"timestamp_ms": 0, "text": "private note"}
    )
    token = share(team.alice.client, replay.id)["share_token"]
    body = team.anonymous.get(f"/api/s/{token}").json()
    assert set(body["replay"]) == {
        "id",
        "title",
        "description",
        "metadata",
        "status",
        "created_at",
        "updated_at",
    }
    text = json.dumps(body)
    assert team.alice.user.id not in text and "alice" not in text
    assert "private note" not in text
    assert "session_id" not in body["replay"]
    events = team.anonymous.get(f"/api/s/{token}/events").json()
    assert team.alice.user.id not in json.dumps(events)
    # The Claude session id is the owner's too: events carry a stable alias instead.
    assert replay.session_id not in text and replay.session_id not in json.dumps(events)
    aliases = {e["sessionId"] for e in body["events"]} | {e["sessionId"] for e in events["events"]}
    assert aliases and all(a.startswith("shared-") for a in aliases)
    assert {e["sessionId"] for e in body["events"]} <= aliases
    # The link opens this replay only: the owner's other replays stay 404 without login.
    other = team.alice.replays[1]
    assert team.anonymous.get(f"/api/replays/{other.id}").status_code == 401
    assert team.bob.client.get(f"/api/replays/{other.id}").status_code == 404


def test_link_expires(local: Local) -> None:
    replay = local.replays[0]
    result = share(local.client, replay.id, expires_in_days=2)
    assert result["expires_at"] == T0 + 2 * DAY_MS
    token = result["share_token"]
    local.clock.advance(2 * DAY_MS - 1)
    assert local.client.get(f"/api/s/{token}").status_code == 200
    local.clock.advance(1)
    for path in [f"/api/s/{token}", f"/api/s/{token}/events"]:
        expired = local.client.get(path)
        assert expired.status_code == 404
        assert expired.json()["error"]["code"] == "not_found"
    assert local.client.get(f"/s/{token}").status_code == 404
    assert local.client.post(f"/api/s/{token}/played", json={}).status_code == 404


def test_revoking_takes_effect_at_once(local: Local) -> None:
    replay = local.replays[0]
    token = share(local.client, replay.id)["share_token"]
    assert local.client.get(f"/api/s/{token}").status_code == 200
    revoked = local.client.post(f"/api/replays/{replay.id}/share", json={"is_public": False})
    assert revoked.status_code == 200
    assert revoked.json() == {
        "is_public": False,
        "share_url": None,
        "share_token": None,
        "expires_at": None,
        "share_notes": False,
    }
    assert local.client.get(f"/api/s/{token}").status_code == 404
    assert local.store.get_replay(replay.id).is_public is False

    again = share(local.client, replay.id)["share_token"]
    assert again != token
    assert local.client.get(f"/api/s/{token}").status_code == 404  # the old link stays dead
    assert local.client.delete(f"/api/replays/{replay.id}/share").status_code == 204
    assert local.client.get(f"/api/s/{again}").status_code == 404


def test_a_new_link_replaces_the_old_one(local: Local) -> None:
    replay = local.replays[0]
    first = share(local.client, replay.id)["share_token"]
    second = share(local.client, replay.id)["share_token"]
    assert local.client.get(f"/api/s/{first}").status_code == 404
    assert local.client.get(f"/api/s/{second}").status_code == 200


def test_guessed_and_altered_tokens_get_404(local: Local) -> None:
    token = share(local.client, local.replays[0].id)["share_token"]
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in [
        flipped,
        token[:-1],
        token + "x",
        token.upper() if token.upper() != token else token.lower(),
        "A" * len(token),
        "not-a-token",
        "%00" + token,
        hash_token(token),  # the stored hash is not a key either
    ]:
        for path in [f"/api/s/{bad}", f"/api/s/{bad}/events"]:
            response = local.client.get(path)
            assert response.status_code == 404, (bad, path)
            assert response.json()["error"]["code"] == "not_found"
        assert local.client.get(f"/s/{bad}").status_code == 404


def test_share_days_are_configurable_and_bounded(local: Local) -> None:
    replay = local.replays[0]
    for days in [0, 3651, -1]:
        response = local.client.post(
            f"/api/replays/{replay.id}/share", json={"is_public": True, "expires_in_days": days}
        )
        assert response.status_code == 422
        assert "expires_in_days" in response.json()["error"]["message"]
    missing = local.client.post(f"/api/replays/{replay.id}/share", json={})
    assert missing.status_code == 422 and "is_public" in missing.json()["error"]["message"]


def test_only_the_owner_shares(team: Team) -> None:
    replay = team.alice.replays[0]
    for method, path, body in [
        ("POST", f"/api/replays/{replay.id}/share", {"is_public": True}),
        ("DELETE", f"/api/replays/{replay.id}/share", None),
    ]:
        response = team.bob.client.request(method, path, json=body)
        assert response.status_code == 404
    # Not even once it is public: reading a public replay is not owning it.
    token = share(team.alice.client, replay.id)["share_token"]
    response = team.bob.client.post(f"/api/replays/{replay.id}/share", json={"is_public": False})
    assert response.status_code == 404
    assert team.anonymous.get(f"/api/s/{token}").status_code == 200


def test_share_page_escapes_the_title(local: Local) -> None:
    replay = local.replays[0]
    local.client.patch(f"/api/replays/{replay.id}", json={"title": "<script>alert(1)</script>"})
    token = share(local.client, replay.id)["share_token"]
    page = local.client.get(f"/s/{token}").text
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_share_days_and_public_url_from_the_environment(local: Local, tmp_path: Path) -> None:
    base = load_settings({"VIBECAST_HOME": str(tmp_path / "h")})
    settings = ServerSettings.load(
        base,
        env={"VIBECAST_SHARE_DAYS": "7", "VIBECAST_PUBLIC_URL": "https://replays.example.com"},
        clock=local.clock,
        secret_key=b"x" * 32,
    )
    with TestClient(create_app(settings, store=local.store), base_url=LOOPBACK) as client:
        result = share(client, local.replays[0].id)
    assert result["expires_at"] == T0 + 7 * DAY_MS
    assert result["share_url"].startswith("https://replays.example.com/s/")
