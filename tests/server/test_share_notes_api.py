""" "Show my notes on the link" through the API, on SQLite and on PostgreSQL (server mode runs
every request under row-level security): the spec's share contract unchanged plus
``share_notes``, the flag changed alone without a new link, and ``GET /api/s/{token}/notes``
giving the owner's notes — no bookmarks, nobody else's, no user ids — only while it is on."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from server_helpers import T0, Local, Team

from vibecast.server.routes.sharing import PublicNote, ShareResult
from vibecast.server.schemas import PublicNoteOut, ShareOut
from vibecast.store.base import Annotation

DAY_MS = 86_400_000
NOTE = {"timestamp_ms": 5000, "text": "Now watch the test go green", "position": {"x": 1.5}}


def post_share(client: TestClient, replay_id: str, body: dict, status: int = 200) -> dict:
    response = client.post(f"/api/replays/{replay_id}/share", json=body)
    assert response.status_code == status, response.text
    return response.json()


def public_notes(client: TestClient, token: str) -> list[dict]:
    response = client.get(f"/api/s/{token}/notes")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()["notes"]


def test_the_share_contract_keeps_its_shape_and_gains_the_flag(local: Local) -> None:
    replay = local.replay("fe5e1c67")
    owner = f"/api/replays/{replay.id}"
    link = post_share(local.client, replay.id, {"is_public": True})
    assert set(link) == {"is_public", "share_url", "share_token", "expires_at", "share_notes"}
    assert link["is_public"] is True and link["share_notes"] is False
    assert link["share_url"].endswith(f"/s/{link['share_token']}")
    assert local.client.get(owner).json()["replay"]["share_notes"] is False

    # The flag alone: the same link keeps working, its token is not shown again.
    changed = post_share(local.client, replay.id, {"share_notes": True})
    assert changed == {
        "is_public": True,
        "share_url": None,
        "share_token": None,
        "expires_at": link["expires_at"],
        "share_notes": True,
    }
    assert local.client.get(f"/api/s/{link['share_token']}").status_code == 200
    assert local.client.get(owner).json()["replay"]["share_notes"] is True
    listed = local.client.get("/api/replays", params={"limit": 500}).json()["replays"]
    assert next(r for r in listed if r["id"] == replay.id)["share_notes"] is True
    # ...and it is not part of what the link shows of the replay.
    assert "share_notes" not in local.client.get(f"/api/s/{link['share_token']}").json()["replay"]

    # A new link keeps it unless told; told, it is as given.
    assert post_share(local.client, replay.id, {"is_public": True})["share_notes"] is True
    fresh = post_share(local.client, replay.id, {"is_public": True, "share_notes": False})
    assert fresh["share_notes"] is False and fresh["share_token"]

    revoked = post_share(local.client, replay.id, {"is_public": False})
    assert revoked["is_public"] is False and revoked["share_notes"] is False
    refused = post_share(local.client, replay.id, {"share_notes": True}, status=409)
    assert refused["error"]["code"] == "not_shared"
    assert local.client.get(owner).json()["replay"]["share_notes"] is False

    for body, field in [
        ({}, "is_public"),
        ({"is_public": False, "share_notes": True}, "share_notes"),
        ({"share_notes": True, "expires_in_days": 3}, "expires_in_days"),
        ({"is_public": True, "share_notes": "maybe"}, "share_notes"),
    ]:
        answer = post_share(local.client, replay.id, body, status=422)
        assert field in answer["error"]["message"], (body, answer)


def test_the_documented_shapes_match_what_is_sent() -> None:
    def fields(model) -> set[str]:
        return set(model.model_fields)

    assert fields(ShareOut) == set(ShareResult.__struct_fields__)
    assert fields(PublicNoteOut) == set(PublicNote.__struct_fields__)


def test_the_link_shows_only_the_owners_notes_and_only_when_on(team: Team) -> None:
    replay = team.alice.replays[0]
    alice = team.alice.client
    note = alice.post(f"/api/replays/{replay.id}/annotations", json=NOTE).json()
    alice.post(f"/api/replays/{replay.id}/bookmarks", json={"timestamp_ms": 6000, "text": "mark"})
    team.store.add_annotation(  # someone else's note on her replay (written by the system)
        Annotation(
            id="bobs-note",
            replay_id=replay.id,
            user_id=team.bob.user.id,
            timestamp_ms=7000,
            text="bob was here",
        )
    )
    token = post_share(alice, replay.id, {"is_public": True})["share_token"]
    assert public_notes(team.anonymous, token) == []
    everything = json.dumps(team.anonymous.get(f"/api/s/{token}").json())
    assert NOTE["text"] not in everything and "bob was here" not in everything

    post_share(alice, replay.id, {"share_notes": True})
    shown = public_notes(team.anonymous, token)
    assert shown == [
        {
            "id": note["id"],
            "timestamp_ms": NOTE["timestamp_ms"],
            "text": NOTE["text"],
            "position": NOTE["position"],
        }
    ]
    text = json.dumps(shown)
    for private in (team.alice.user.id, team.bob.user.id, "alice", "bob", "mark"):
        assert private not in text, private
    # Signed in or not, the link reads the same: a teammate's cookie or token changes nothing.
    assert public_notes(team.bob.client, token) == shown

    # Bob cannot turn it on or off for her.
    assert (
        team.bob.client.post(
            f"/api/replays/{replay.id}/share", json={"share_notes": False}
        ).status_code
        == 404
    )
    assert public_notes(team.anonymous, token) == shown

    post_share(alice, replay.id, {"share_notes": False})
    assert public_notes(team.anonymous, token) == []
    post_share(alice, replay.id, {"share_notes": True})
    assert public_notes(team.anonymous, token) == shown

    assert alice.delete(f"/api/replays/{replay.id}/share").status_code == 204
    assert team.anonymous.get(f"/api/s/{token}/notes").status_code == 404
    again = post_share(alice, replay.id, {"is_public": True})
    assert again["share_notes"] is False  # revoking turned it off
    assert public_notes(team.anonymous, again["share_token"]) == []


def test_an_expired_link_shows_no_notes(local: Local) -> None:
    replay = local.replay("fe5e1c67")
    local.client.post(f"/api/replays/{replay.id}/annotations", json=NOTE)
    link = post_share(
        local.client, replay.id, {"is_public": True, "share_notes": True, "expires_in_days": 1}
    )
    assert link["expires_at"] == T0 + DAY_MS
    assert [n["text"] for n in public_notes(local.client, link["share_token"])] == [NOTE["text"]]
    local.clock.advance(DAY_MS)
    gone = local.client.get(f"/api/s/{link['share_token']}/notes")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"


def test_a_teammate_reads_the_shown_notes_and_their_own_only(team: Team) -> None:
    """Bob, signed in, on alice's public replay: her notes only while her link shows them, never
    her bookmarks; his own annotations (the API lets him add none there: the system left them);
    and not her ``share_notes`` setting."""
    replay = team.alice.replays[0]
    alice, bob = team.alice.client, team.bob.client
    base = f"/api/replays/{replay.id}"
    note = alice.post(f"{base}/annotations", json=NOTE).json()
    mark = alice.post(f"{base}/bookmarks", json={"timestamp_ms": 6000, "text": "mark"}).json()
    for kind, at in (("note", 7000), ("bookmark", 8000)):
        team.store.add_annotation(
            Annotation(
                id=f"bobs-{kind}",
                replay_id=replay.id,
                user_id=team.bob.user.id,
                timestamp_ms=at,
                text=f"bob's {kind}",
                kind=kind,
            )
        )

    def ids(client: TestClient, path: str = "/annotations", key: str = "annotations") -> list:
        response = client.get(f"{base}{path}")
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()[key]]

    assert bob.get(f"{base}/annotations").status_code == 404  # private
    post_share(alice, replay.id, {"is_public": True})
    assert ids(bob) == ["bobs-note", "bobs-bookmark"]
    assert ids(bob, "/bookmarks", "bookmarks") == ["bobs-bookmark"]
    assert ids(alice) == [note["id"], mark["id"]]  # all of hers, none of his

    post_share(alice, replay.id, {"share_notes": True})
    assert ids(bob) == [note["id"], "bobs-note", "bobs-bookmark"]
    assert ids(bob, "/annotations?kind=note") == [note["id"], "bobs-note"]
    assert ids(bob, "/bookmarks", "bookmarks") == ["bobs-bookmark"]
    assert ids(alice) == [note["id"], mark["id"]]
    # Her setting is hers: he reads false, she reads true, in the replay and in her list.
    assert bob.get(base, params={"events_limit": 0}).json()["replay"]["share_notes"] is False
    assert alice.get(base, params={"events_limit": 0}).json()["replay"]["share_notes"] is True
    listed = bob.get("/api/replays", params={"user_id": team.alice.user.id, "limit": 500})
    assert [r["share_notes"] for r in listed.json()["replays"]] == [False]
    # He may not annotate her replay, nor change her note through it.
    assert bob.post(f"{base}/annotations", json=NOTE).status_code == 404
    assert bob.delete(f"{base}/annotations/{note['id']}").status_code == 404

    post_share(alice, replay.id, {"share_notes": False})
    assert ids(bob) == ["bobs-note", "bobs-bookmark"]
