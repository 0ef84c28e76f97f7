"""Server mode: export jobs on procrastinate (PostgreSQL) run by two real `vibecast worker`
processes; jobs spread across both, and a worker killed mid-job has its job finished by the other.
Each worker's stderr says, a timestamped line each, which export (``exp_`` id) it started and how
it ended, and which job of a dead worker it put back in the queue; a worker removes what killed
renders left in the exports directory when it starts.
"""

from __future__ import annotations

import os
import re
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


def _worker_env(url: str, tmp_path: Path) -> dict[str, str]:
    """A team's environment: its database, a home, and an exports directory shared by all."""
    return {
        **os.environ,
        "VIBECAST_DATABASE_URL": url,
        "VIBECAST_HOME": str(tmp_path / "home"),
        "VIBECAST_EXPORTS_DIR": str(tmp_path / "exports"),
    }


def _start_worker(env: dict[str, str], name: str, log: Path) -> subprocess.Popen:
    """``vibecast worker --name NAME``, its log lines (stderr) going to ``log``."""
    return subprocess.Popen(
        [sys.executable, "-m", "vibecast", "worker", "--name", name],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )


@pytest.fixture
def team(tmp_path: Path, shared_data: Path) -> Iterator[dict]:
    need_tools()
    with scratch_database() as url:
        env = _worker_env(url, tmp_path)
        settings = load_settings(env)
        store = open_store(url)
        alice = store.create_user("alice")
        summary = import_paths(store, settings, [shared_data / SMALL], user_id=alice.id)
        service = ExportService(settings, store)
        workers: dict[str, subprocess.Popen] = {}
        try:
            for name in ("w1", "w2"):
                workers[name] = _start_worker(env, name, tmp_path / f"{name}.log")
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


_STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"


def _log(team: dict, worker: str) -> str:
    return (team["logs"] / f"{worker}.log").read_text()


def _wait_for_line(team: dict, worker: str, pattern: str, timeout: float = 30) -> str:
    """The first line of ``worker``'s stderr matching ``pattern`` (written after the job's
    record changed: wait for it)."""
    deadline = time.monotonic() + timeout
    while True:
        found = re.search(pattern, _log(team, worker), re.MULTILINE)
        if found:
            return found.group(0)
        if time.monotonic() > deadline:
            pytest.fail(f"no line /{pattern}/ in {worker}'s log: {_log(team, worker)[-3000:]}")
        time.sleep(0.1)


def test_jobs_spread_across_two_workers(team: dict) -> None:
    ids = [_submit(team, 3000), _submit(team, 3000)]
    done = [_wait(team, job_id, {"complete", "failed"}) for job_id in ids]
    assert [job.status for job in done] == ["complete", "complete"], [j.error for j in done]
    assert {job.worker for job in done} == {"w1", "w2"}
    for job in done:
        assert job.output_path and probe(Path(job.output_path))["codec_name"] == "h264"
    # each worker's stderr: its start, then one line as each of its jobs starts and ends
    replay = team["replay_id"][:8]
    for job in done:
        log = _log(team, job.worker)
        assert re.match(
            rf"{_STAMP} INFO vibecast worker {job.worker}: taking export jobs from "
            r"postgresql://127\.0\.0\.1:5432/vibecast_test_\w+ \(files in .*exports\)\n",
            log,
        ), log
        assert re.search(
            rf"^{_STAMP} INFO export {job.id} started: replay {replay}, mp4 720p, "
            r"0:00-0:03 of \d+:\d\d, video 0:03$",
            log,
            re.MULTILINE,
        ), log
        _wait_for_line(
            team,
            job.worker,
            rf"^{_STAMP} INFO export {job.id} complete in \d+\.\d s: "
            rf"{re.escape(job.output_path)} \(\d+\.\d [KM]B\)$",
        )
    for name in ("w1", "w2"):  # no procrastinate chatter below WARNING, no error
        lines = _log(team, name).splitlines()
        assert all(re.match(rf"{_STAMP} (INFO|WARNING) ", line) for line in lines), lines
        chatter = [line for line in lines if " INFO " in line and "export exp_" not in line]
        assert all(re.search(r"vibecast worker |created procrastinate's", x) for x in chatter)
        assert not any(" ERROR " in line or "Traceback" in line for line in lines), lines
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
    # the survivor's stderr: the takeover, naming the export and the dead worker, then the job
    log = _log(team, done.worker)
    assert re.search(
        rf"^{_STAMP} WARNING export {job_id}: its worker {victim} stopped responding "
        r"\(no heartbeat for 10 s\); back in the queue$",
        log,
        re.MULTILINE,
    ), log
    assert re.search(rf"^{_STAMP} INFO export {job_id} started \(attempt 2\): replay ", log, re.M)
    _wait_for_line(team, done.worker, rf"^{_STAMP} INFO export {job_id} complete in ")
    assert re.search(rf"^{_STAMP} INFO export {job_id} started: ", _log(team, victim), re.M)


def test_a_worker_removes_what_killed_renders_left_at_start(tmp_path: Path) -> None:
    """A temporary part directory (and a partial video) untouched for longer than a live render
    ever is goes; a fresh one, which a worker on another machine may be writing, stays."""
    with scratch_database() as url:
        videos = tmp_path / "exports" / "videos"
        stale = videos / "vibecast-export-dead1234"
        fresh = videos / "vibecast-export-live5678"
        for folder in (stale, fresh):
            folder.mkdir(parents=True)
            (folder / "part0.mp4").write_bytes(b"\0" * 1000)
            (folder / "part1.mp4.part").write_bytes(b"\0" * 1000)
        stale_part = videos / "exp_0123456789abcdef01234567.mp4.part"
        stale_part.write_bytes(b"\0" * 1000)
        finished = videos / "exp_89abcdef0123456789abcdef.mp4"  # a video, however old: kept
        finished.write_bytes(b"\0" * 1000)
        old = time.time() - 20 * 60
        for path in (*stale.iterdir(), stale, stale_part, finished):
            os.utime(path, (old, old))
        env = _worker_env(url, tmp_path)
        log = tmp_path / "w.log"
        worker = _start_worker(env, "w", log)
        try:
            deadline = time.monotonic() + 60
            while "taking export jobs" not in log.read_text():
                assert worker.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=20)
        assert not stale.exists() and not stale_part.exists()
        assert sorted(p.name for p in fresh.iterdir()) == ["part0.mp4", "part1.mp4.part"]
        assert finished.exists()
        text = log.read_text()
        assert f"INFO removed {stale}, left by a render that was killed" in text
        assert f"INFO removed {stale_part}, left by a render that was killed" in text
        # (its "stopped" line is not waited for: SIGTERM may come before its handler is set)
        assert "Traceback" not in text and " ERROR " not in text, text


def test_the_service_counts_the_workers_alive(team: dict, tmp_path: Path) -> None:
    """What a queued job's status says it waits for (``workers_online``): both workers, then
    one once the other stopped; none on a database no worker has used."""
    service = team["service"]

    def until(count: int) -> None:
        deadline = time.monotonic() + 40
        while service.workers_online() != count:
            assert time.monotonic() < deadline, (count, service.workers_online())
            time.sleep(0.25)

    until(2)
    stopped = team["workers"]["w1"]
    stopped.send_signal(signal.SIGTERM)
    stopped.wait(timeout=20)
    until(1)
    with scratch_database() as url:
        settings = load_settings({"VIBECAST_DATABASE_URL": url, "HOME": str(tmp_path)})
        store = open_store(url)
        try:
            assert ExportService(settings, store).workers_online() == 0
        finally:
            store.close()
