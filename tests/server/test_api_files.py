"""Files a replay hands out: the portable ``.vibecast`` download (``GET /api/replays/{id}/file``)
and its images (``/api/replays/{id}/attachments/{sha}``, ``/api/s/{token}/attachments/{sha}``) —
served only to who may see the replay, only when the replay attaches them, only as raster images."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from server_helpers import Local, Team

from image_session import SESSION_ID, ImageSession, sha, write_image_session
from vibecast.config import Settings
from vibecast.media import raster_type
from vibecast.model import Replay
from vibecast.pipeline import import_paths
from vibecast.replayfile import read_replay_file
from vibecast.store.base import Store


def _import_images(
    store: Store, settings: Settings, shared_data: Path, tmp_path: Path, user_id: str
) -> tuple[Replay, ImageSession]:
    session = write_image_session(shared_data, tmp_path)
    summary = import_paths(store, settings, [session.path], user_id=user_id, force=True)
    assert len(summary.replay_ids) == 1, summary.issues
    replay = store.get_replay(summary.replay_ids[0])
    assert replay is not None and replay.session_id == SESSION_ID
    attached = {a.blob for e in store.read_events(replay.id) for a in e.attachments or ()}
    assert {sha(session.png), sha(session.svg), sha(session.html)} <= attached
    return replay, session


# -- the replay file --------------------------------------------------------------------------


@pytest.mark.readonly
def test_file_download_is_the_replay_file_and_reads_back(local: Local, tmp_path: Path) -> None:
    replay = local.replay("fe5e1c67")
    response = local.client.get(f"/api/replays/{replay.id}/file")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.vibecast.replay+zstd"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert re.search(rf'filename="[A-Za-z0-9._-]+-{replay.id[:8]}\.vibecast"', disposition)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    path = tmp_path / "download.vibecast"
    path.write_bytes(response.content)
    session, saved = read_replay_file(path)
    assert saved.id == replay.id and saved.title == replay.title
    stored = local.store.read_events(replay.id)
    assert [e.id for e in session.events] == [e.id for e in stored]
    assert session.events == stored


def test_file_carries_the_images_and_reimports(
    local: Local, settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    replay, session = _import_images(local.store, settings, shared_data, tmp_path, "local")
    response = local.client.get(f"/api/replays/{replay.id}/file")
    assert response.status_code == 200, response.text
    path = tmp_path / "images.vibecast"
    path.write_bytes(response.content)
    captured, _ = read_replay_file(path)
    assert captured.blobs[sha(session.png)] == session.png
    # Deleted here, imported back from the download: the same events and the same image.
    before = local.store.read_events(replay.id)
    assert local.client.delete(f"/api/replays/{replay.id}").status_code == 204
    summary = import_paths(local.store, settings, [path], user_id="local", force=True)
    assert summary.replay_ids == [replay.id], summary.issues
    assert local.store.read_events(replay.id) == before
    image = local.client.get(f"/api/replays/{replay.id}/attachments/{sha(session.png)}")
    assert image.status_code == 200 and image.content == session.png


def test_file_only_for_who_may_see_the_replay(team: Team) -> None:
    replay = team.alice.replays[0]
    assert team.alice.client.get(f"/api/replays/{replay.id}/file").status_code == 200
    assert team.bob.client.get(f"/api/replays/{replay.id}/file").status_code == 404
    assert team.anonymous.get(f"/api/replays/{replay.id}/file").status_code == 401
    assert team.alice.client.get("/api/replays/no-such-replay/file").status_code == 404


# -- images ------------------------------------------------------------------------------------


def test_image_served_inline_as_what_its_bytes_are(
    local: Local, settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    replay, session = _import_images(local.store, settings, shared_data, tmp_path, "local")
    base = f"/api/replays/{replay.id}/attachments"
    response = local.client.get(f"{base}/{sha(session.png)}")
    assert response.status_code == 200, response.text
    assert response.content == session.png
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith("inline;")
    assert "sandbox" in response.headers["content-security-policy"]
    # An SVG (it could script) and HTML labelled image/png are attached, but never served.
    for refused in (session.svg, session.html):
        answer = local.client.get(f"{base}/{sha(refused)}")
        assert answer.status_code == 404, answer.text
        assert answer.headers["content-type"].startswith("application/json")
        assert answer.json()["error"]["code"] == "not_found"


def test_image_only_from_a_replay_that_attaches_it(
    local: Local, settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    replay, session = _import_images(local.store, settings, shared_data, tmp_path, "local")
    other = local.replay("fe5e1c67")
    # The blob exists, but this replay does not attach it.
    assert (
        local.client.get(f"/api/replays/{other.id}/attachments/{sha(session.png)}").status_code
        == 404
    )
    # A blob the store keeps for a large text payload is not an attachment.
    assert local.client.get(f"/api/replays/{replay.id}/attachments/{'0' * 64}").status_code == 404
    bad = local.client.get(f"/api/replays/{replay.id}/attachments/NOT-A-SHA")
    assert bad.status_code == 422
    upper = local.client.get(f"/api/replays/{replay.id}/attachments/{sha(session.png).upper()}")
    assert upper.status_code == 422


def test_image_owner_reader_and_share_link(
    team: Team, settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    alice = team.alice
    replay, session = _import_images(team.store, settings, shared_data, tmp_path, alice.user.id)
    key = sha(session.png)
    owner = alice.client.get(f"/api/replays/{replay.id}/attachments/{key}")
    assert owner.status_code == 200 and owner.content == session.png
    assert "private" in owner.headers["cache-control"]
    assert team.bob.client.get(f"/api/replays/{replay.id}/attachments/{key}").status_code == 404
    assert team.anonymous.get(f"/api/replays/{replay.id}/attachments/{key}").status_code == 401

    shared = alice.client.post(f"/api/replays/{replay.id}/share", json={"is_public": True})
    token = shared.json()["share_token"]
    public = team.anonymous.get(f"/api/s/{token}/attachments/{key}")
    assert public.status_code == 200 and public.content == session.png
    assert public.headers["cache-control"] == "no-store"
    assert public.headers["x-content-type-options"] == "nosniff"
    assert team.anonymous.get(f"/api/s/{token}/attachments/{sha(session.svg)}").status_code == 404
    # Another replay's image is not reachable through this link.
    other = alice.replays[0]
    other_link = alice.client.post(f"/api/replays/{other.id}/share", json={"is_public": True})
    other_token = other_link.json()["share_token"]
    assert team.anonymous.get(f"/api/s/{other_token}/attachments/{key}").status_code == 404
    # Revoked: gone.
    assert alice.client.delete(f"/api/replays/{replay.id}/share").status_code == 204
    assert team.anonymous.get(f"/api/s/{token}/attachments/{key}").status_code == 404


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0....", "image/jpeg"),
        (b"GIF89a....", "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"RIFF\x10\x00\x00\x00AVI LIST", None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        (b"<!doctype html>", None),
        (b"", None),
    ],
)
def test_raster_type_from_magic_bytes(data: bytes, expected: str | None) -> None:
    assert raster_type(data) == expected


@pytest.mark.readonly
def test_health_lists_export_where_the_export_api_is(local: Local) -> None:
    health = local.client.get("/api/health")
    assert health.status_code == 200
    features = health.json()["features"]
    assert {"export", "file", "attachments", "share"} <= set(features)
    assert features == sorted(features)
    paths = local.client.get("/openapi.json").json()["paths"]
    assert "/api/replays/{replay_id}/export" in paths  # what "export" promises
