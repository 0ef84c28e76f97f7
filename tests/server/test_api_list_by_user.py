"""``GET /api/replays?user_id=`` takes a user id, never a name: a name (``alice``) is a 422 that
says so, not an empty list that reads as "alice has no replays"."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from server_helpers import Local, Team

NOT_AN_ID = (
    "query.user_id: not a user id (a replay's user_id, or user.id from GET /api/me); "
    "user names are not taken"
)


def _listed(client: TestClient, user: str) -> set[str]:
    response = client.get("/api/replays", params={"user_id": user, "limit": 500})
    assert response.status_code == 200, response.text
    return {replay["id"] for replay in response.json()["replays"]}


@pytest.mark.readonly
def test_a_user_name_is_a_422_that_says_to_give_the_id(team: Team) -> None:
    for who in ("alice", "Alice", "bob", "carol", team.alice.user.id.upper()):
        for client in (team.bob.client, team.alice.client):
            response = client.get("/api/replays", params={"user_id": who})
            assert response.status_code == 422, (who, response.text)
            assert response.json()["error"] == {"code": "invalid_request", "message": NOT_AN_ID}


@pytest.mark.readonly
def test_a_user_id_lists_as_before(team: Team) -> None:
    own = {replay.id for replay in team.alice.replays}
    assert _listed(team.alice.client, team.alice.user.id) == own == _listed(team.alice.client, "")
    assert _listed(team.bob.client, team.alice.user.id) == set()  # none of hers is public
    # nobody's id: nothing, as for a user with no public replays (who exists is not told)
    assert _listed(team.bob.client, str(uuid.uuid4())) == set()


@pytest.mark.readonly
def test_local_mode(local: Local) -> None:
    assert _listed(local.client, "local") == {replay.id for replay in local.replays}
    assert local.client.get("/api/replays", params={"user_id": "alice"}).status_code == 422
