"""Annotations (``timestamp_ms``, ``text``, optional scene ``position``) and bookmarks."""

from __future__ import annotations

import pytest
from server_helpers import T0, Local, Team


def test_annotation_crud(local: Local) -> None:
    replay = local.replay("fe5e1c67")
    base = f"/api/replays/{replay.id}/annotations"
    created = local.client.post(
        base,
        json={"timestamp_ms": 5000, "text": "Here it reads CLAUDE.md", "position": {"x": 1.5}},
    )
    assert created.status_code == 201, created.text
    note = created.json()
    assert note["replay_id"] == replay.id and note["user_id"] == "local"
    assert (note["timestamp_ms"], note["kind"], note["position"]) == (5000, "note", {"x": 1.5})
    assert note["created_at"] == note["updated_at"] == T0
    local.client.post(base, json={"timestamp_ms": 1000, "text": "earlier"})

    listed = local.client.get(base).json()["annotations"]
    assert [a["timestamp_ms"] for a in listed] == [1000, 5000]

    edited = local.client.patch(f"{base}/{note['id']}", json={"text": "Reads CLAUDE.md"})
    assert edited.status_code == 200
    assert edited.json()["text"] == "Reads CLAUDE.md" and edited.json()["timestamp_ms"] == 5000
    moved = local.client.patch(
        f"{base}/{note['id']}", json={"timestamp_ms": 7000, "position": {"x": 2, "y": -1}}
    ).json()
    assert moved["timestamp_ms"] == 7000 and moved["position"] == {"x": 2.0, "y": -1.0}
    assert moved["text"] == "Reads CLAUDE.md"

    assert local.client.delete(f"{base}/{note['id']}").status_code == 204
    assert [a["text"] for a in local.client.get(base).json()["annotations"]] == ["earlier"]
    assert local.client.delete(f"{base}/{note['id']}").status_code == 404
    assert local.client.patch(f"{base}/{note['id']}", json={"text": "x"}).status_code == 404


def test_bookmarks_are_annotations_of_kind_bookmark(local: Local) -> None:
    replay = local.replay("fe5e1c67")
    marks = f"/api/replays/{replay.id}/bookmarks"
    notes = f"/api/replays/{replay.id}/annotations"
    bookmark = local.client.post(marks, json={"timestamp_ms": 42_000, "text": "the bug"})
    assert bookmark.status_code == 201
    assert bookmark.json()["kind"] == "bookmark"
    local.client.post(notes, json={"timestamp_ms": 1, "text": "a note"})
    assert [b["text"] for b in local.client.get(marks).json()["bookmarks"]] == ["the bug"]
    assert len(local.client.get(notes).json()["annotations"]) == 2
    only_notes = local.client.get(notes, params={"kind": "note"}).json()["annotations"]
    assert [a["text"] for a in only_notes] == ["a note"]
    note_id = only_notes[0]["id"]
    assert local.client.delete(f"{marks}/{note_id}").status_code == 404  # a note, not a bookmark
    assert local.client.delete(f"{marks}/{bookmark.json()['id']}").status_code == 204
    assert local.client.get(marks).json()["bookmarks"] == []


@pytest.mark.readonly
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "no time"}, "timestamp_ms"),
        ({"timestamp_ms": -1}, "timestamp_ms"),
        ({"timestamp_ms": 2**60}, "timestamp_ms"),
        ({"timestamp_ms": 0, "text": "x" * 10_001}, "text"),
        ({"timestamp_ms": 0, "position": {f"k{i}": i for i in range(17)}}, "position"),
        ({"timestamp_ms": 0, "position": {"x": [1, 2]}}, "position"),
        ({"timestamp_ms": 0, "position": "here"}, "position"),
        ({"timestamp_ms": 0, "kind": "highlight"}, "kind"),
        ({"timestamp_ms": 0, "txt": "typo"}, "txt"),
    ],
)
def test_bad_annotations_are_refused(local: Local, body: dict, field: str) -> None:
    replay = local.replay("fe5e1c67")
    response = local.client.post(f"/api/replays/{replay.id}/annotations", json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["message"]


@pytest.mark.readonly
def test_non_finite_positions_are_refused(local: Local) -> None:
    replay = local.replay("fe5e1c67")
    response = local.client.post(
        f"/api/replays/{replay.id}/annotations",
        content=b'{"timestamp_ms": 0, "position": {"x": NaN}}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422


@pytest.mark.readonly
def test_annotations_of_an_unknown_replay(local: Local) -> None:
    assert local.client.get("/api/replays/nope/annotations").status_code == 404
    response = local.client.post("/api/replays/nope/annotations", json={"timestamp_ms": 0})
    assert response.status_code == 404


def test_annotations_are_private_to_their_author(team: Team) -> None:
    replay = team.alice.replays[0]
    base = f"/api/replays/{replay.id}/annotations"
    note = team.alice.client.post(base, json={"timestamp_ms": 0, "text": "mine"}).json()
    # Bob cannot see alice's private replay, so neither its annotations.
    assert team.bob.client.get(base).status_code == 404
    assert team.bob.client.post(base, json={"timestamp_ms": 0}).status_code == 404
    assert team.bob.client.patch(f"{base}/{note['id']}", json={"text": "x"}).status_code == 404
    assert team.bob.client.delete(f"{base}/{note['id']}").status_code == 404
    # An annotation id under another replay's path is not found either.
    other = f"/api/replays/{team.alice.replays[1].id}/annotations/{note['id']}"
    assert team.alice.client.delete(other).status_code == 404
    assert [a["text"] for a in team.alice.client.get(base).json()["annotations"]] == ["mine"]
