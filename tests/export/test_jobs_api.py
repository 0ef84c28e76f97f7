"""The export job API in local mode: the real app, its in-process queue, real renders."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from export_helpers import need_tools, probe
from fastapi.testclient import TestClient

from vibecast.config import load_settings
from vibecast.export.jobs import ExportJob, job_store, new_job_id
from vibecast.export.outputs import exports_dir, thumbnail_path
from vibecast.export.request import ExportRequest
from vibecast.server import ServerSettings, create_app
from vibecast.store import open_store

KEY = b"export-test-secret-key-0123456789"


@pytest.fixture(autouse=True)
def _tools() -> None:
    need_tools()


def _client(imported) -> TestClient:
    server = ServerSettings.load(imported.settings, env={}, server_mode=False, secret_key=KEY)
    return TestClient(create_app(server, store=imported.store), base_url="http://127.0.0.1")


def _wait(client: TestClient, job_id: str, until: set[str], timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/api/replays/exports/{job_id}").json()
        if body["status"] in until or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


def test_queued_processing_complete_then_download(imported, tmp_path: Path) -> None:
    rid = imported.replay.id
    with _client(imported) as client:
        answer = client.post(
            f"/api/replays/{rid}/export",
            json={"format": "mp4", "resolution": "720p", "speed": 4, "to_ms": 20_000},
        )
        assert answer.status_code == 202, answer.text
        assert answer.json()["status"] == "queued"
        job_id = answer.json()["job_id"]
        seen = _wait(client, job_id, {"processing", "complete"})
        assert seen["status"] in {"processing", "complete"}
        done = _wait(client, job_id, {"complete", "failed"})
        assert done["status"] == "complete", done
        assert done["progress"] == 1
        video = client.get(done["download_url"].replace("http://127.0.0.1", ""))
        assert video.status_code == 200
        assert video.headers["content-type"] == "video/mp4"
        (tmp_path / "dl.mp4").write_bytes(video.content)
        assert probe(tmp_path / "dl.mp4")["codec_name"] == "h264"
        # the signature is checked
        forged = (
            done["download_url"].replace("sig=", "sig=0").rsplit("&", 1)[0] + "&sig=" + "0" * 64
        )
        assert client.get(forged.replace("http://127.0.0.1", "")).status_code == 403
        # the replay got its thumbnail
        replay = client.get(f"/api/replays/{rid}", params={"events_limit": 0}).json()["replay"]
        assert replay["thumbnail_url"] == f"/api/replays/{rid}/thumbnail"
        thumb = client.get(replay["thumbnail_url"])
        assert thumb.status_code == 200 and thumb.content.startswith(b"\x89PNG")
        # drawn again only when the replay was saved after it (a live recording grows)
        drawn = thumbnail_path(client.app.state.vibecast_exports.root, rid)
        kept = drawn.stat().st_mtime_ns
        assert client.get(replay["thumbnail_url"]).status_code == 200
        assert drawn.stat().st_mtime_ns == kept
        before = (replay["updated_at"] - 120_000) * 1_000_000
        os.utime(drawn, ns=(before, before))
        assert client.get(replay["thumbnail_url"]).status_code == 200
        assert drawn.stat().st_mtime_ns // 1_000_000 >= replay["updated_at"]
        metrics = client.get("/metrics").text
        assert "vibecast_exports_requested_total 1" in metrics
        # deleting the replay deletes what was made from it
        finished = job_store(imported.store).get(job_id, None)
        assert finished is not None and finished.output_path
        video = Path(finished.output_path)
        assert video.is_file() and drawn.is_file()
        assert client.delete(f"/api/replays/{rid}").status_code == 204
        assert not video.exists() and not drawn.exists()


def test_files_of_deleted_replays_are_swept_at_start(imported, tmp_path: Path) -> None:
    """A server removes the files of replays and jobs its database no longer has — only in an
    exports directory its database owns: another database's files under the same
    VIBECAST_HOME are not its to judge."""
    root = exports_dir(imported.settings)
    orphans = [
        root / "videos" / f"exp_{'1' * 24}.mp4",
        root / "thumbnails" / "gone-replay.png",
        root / "thumbnails" / "gone-replay.shared.png",
    ]
    kept = root / "thumbnails" / f"{imported.replay.id}.png"

    def lay_out() -> None:
        for path in [*orphans, kept]:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"x")

    lay_out()
    with _client(imported):
        pass  # the first start claims the directory, sweeping nothing yet
    assert all(p.exists() for p in orphans)
    with _client(imported):
        pass
    assert [p.exists() for p in orphans] == [False, False, False] and kept.exists()

    # a server of another database on the same home: nothing of the first one's is touched
    lay_out()
    other = load_settings(
        {
            "VIBECAST_HOME": str(imported.settings.home),
            "HOME": str(tmp_path),
            "VIBECAST_DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}",
        }
    )
    assert exports_dir(other) == root
    store = open_store(other.database_url)
    try:
        server = ServerSettings.load(other, env={}, server_mode=False, secret_key=KEY)
        with TestClient(create_app(server, store=store), base_url="http://127.0.0.1"):
            pass
    finally:
        store.close()
    assert all(p.exists() for p in [*orphans, kept])


def test_bad_requests_and_unknown_jobs(imported) -> None:
    rid = imported.replay.id
    with _client(imported) as client:
        for body, field in [
            ({"format": "gif"}, "format"),
            ({"speed": 100}, "speed"),
            ({"from_ms": 5000, "to_ms": 1000}, "to_ms"),
            ({"from_ms": 10**9}, "from_ms"),
            ({"resolution": "1080p", "extra": 1}, "extra"),
        ]:
            answer = client.post(f"/api/replays/{rid}/export", json=body)
            assert answer.status_code == 422, (body, answer.text)
            assert field in answer.json()["error"]["message"]
        assert client.post("/api/replays/nope/export", json={}).status_code == 404
        assert client.get("/api/replays/exports/exp_" + "0" * 24).status_code == 404


def test_cancel_stops_a_running_export(imported) -> None:
    rid = imported.replay.id
    with _client(imported) as client:
        job_id = client.post(
            f"/api/replays/{rid}/export", json={"resolution": "720p", "speed": 0.25}
        ).json()["job_id"]
        _wait(client, job_id, {"processing"})
        cancelled = client.delete(f"/api/replays/exports/{job_id}").json()
        assert cancelled["status"] == "cancelled"
        time.sleep(2)
        after = client.get(f"/api/replays/exports/{job_id}").json()
        assert after["status"] == "cancelled" and "download_url" not in after


def test_a_failed_export_says_why(imported, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIBECAST_FFMPEG", "/nonexistent/ffmpeg")
    with _client(imported) as client:
        job_id = client.post(
            f"/api/replays/{imported.replay.id}/export", json={"to_ms": 1000}
        ).json()["job_id"]
        done = _wait(client, job_id, {"complete", "failed"})
        assert done["status"] == "failed"
        assert "needs FFmpeg" in done["error"]


def test_queued_jobs_survive_a_restart(imported) -> None:
    """A job queued (or left processing) by a server that stopped is run by the next one."""
    jobs = job_store(imported.store)
    now = int(time.time() * 1000)
    left = []
    for status in ("queued", "processing"):
        job = ExportJob(
            id=new_job_id(),
            replay_id=imported.replay.id,
            user_id="local",
            request=ExportRequest(resolution="720p", speed=4, to_ms=4000),
            status=status,
            worker="serve@gone:1" if status == "processing" else None,
            lease_until=now - 1 if status == "processing" else None,
            created_at=now,
            updated_at=now,
        )
        jobs.add(job)
        left.append(job.id)
    with _client(imported) as client:
        for job_id in left:
            assert _wait(client, job_id, {"complete", "failed"})["status"] == "complete"
