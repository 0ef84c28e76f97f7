"""Server mode: export jobs on procrastinate (PostgreSQL) run by two real `vibecast worker`
processes; jobs spread across both, and a worker killed mid-job has its job finished by the other.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from export_helpers import SMALL, need_tools, probe

from pg_helpers import scratch_database
from vibecast.config import load_settings
from vibecast.export.jobs import ExportJob, new_job_id
from vibecast.export.request import ExportRequest
from vibecast.export.service import ExportService
from vibecast.pipeline import import_paths
from vibecast.store import open_store


@pytest.fixture
def team(tmp_path: Path, shared_data: Path) -> Iterator[dict]:
    need_tools()
    with scratch_database() as url:
        env = {
            **os.environ,
            "VIBECAST_DATABASE_URL": url,
            "VIBECAST_HOME": str(tmp_path / "home"),
            "VIBECAST_EXPORTS_DIR": str(tmp_path / "exports"),
        }
        settings = load_settings(env)
        store = open_store(url)
        alice = store.create_user("alice")
        summary = import_paths(store, settings, [shared_data / SMALL], user_id=alice.id)
        service = ExportService(settings, store)
        workers: dict[str, subprocess.Popen] = {}
        try:
            for name in ("w1", "w2"):
                workers[name] = subprocess.Popen(
                    [sys.executable, "-m", "vibecast", "worker", "--name", name],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=(tmp_path / f"{name}.log").open("wb"),
                )
            yield {
                "store": store,
                "service": service,
                "user": alice.id,
                "replay_id": summary.replay_ids[0],
                "workers": workers,
                "logs": tmp_path,
            }
        finally:
            for process in workers.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in workers.values():
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            service.stop()
            store.close()


def _submit(team: dict, to_ms: int) -> str:
    now = int(time.time() * 1000)
    job = ExportJob(
        id=new_job_id(),
        replay_id=team["replay_id"],
        user_id=team["user"],
        request=ExportRequest(resolution="720p", to_ms=to_ms),
        created_at=now,
        updated_at=now,
    )
    return team["service"].submit(job).id


def _wait(team: dict, job_id: str, statuses: set[str], timeout: float = 180) -> ExportJob:
    jobs = team["service"].jobs
    deadline = time.monotonic() + timeout
    while True:
        job = jobs.get(job_id, None)
        if job is not None and job.status in statuses:
            return job
        if time.monotonic() > deadline:
            logs = {p.name: p.read_text()[-2000:] for p in team["logs"].glob("w*.log")}
            pytest.fail(f"job {job_id} is {job and job.status} after {timeout}s; logs: {logs}")
        time.sleep(0.25)


def test_jobs_spread_across_two_workers(team: dict) -> None:
    ids = [_submit(team, 3000), _submit(team, 3000)]
    done = [_wait(team, job_id, {"complete", "failed"}) for job_id in ids]
    assert [job.status for job in done] == ["complete", "complete"], [j.error for j in done]
    assert {job.worker for job in done} == {"w1", "w2"}
    for job in done:
        assert job.output_path and probe(Path(job.output_path))["codec_name"] == "h264"
    # owner-only: another user cannot see the job (row-level security)
    bob = team["store"].create_user("bob")
    assert team["service"].jobs.get(ids[0], bob.id) is None
    assert team["service"].jobs.get(ids[0], team["user"]) is not None


def test_a_killed_worker_has_its_job_finished_by_the_other(team: dict) -> None:
    job_id = _submit(team, 8000)
    running = _wait(team, job_id, {"processing"})
    victim = running.worker
    assert victim in team["workers"]
    time.sleep(1.0)  # mid-render
    team["workers"][victim].kill()  # kill -9
    team["workers"][victim].wait()
    done = _wait(team, job_id, {"complete", "failed"})
    assert done.status == "complete", done.error
    assert done.worker != victim
    assert done.attempts == 2
    assert probe(Path(done.output_path))["codec_name"] == "h264"
