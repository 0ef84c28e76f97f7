"""`vibecast serve` started while `vibecast record` runs records once that recorder stops: its
recorder thread keeps trying the spool's lock (it used to give up for good, leaving new hook
events in the spool for as long as the server ran)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from click.testing import CliRunner

from served import serving
from vibecast.capture import Recorder, SpoolWriter
from vibecast.capture.lock import RecorderLock, running_recorder_pid
from vibecast.capture.spool import HOOK
from vibecast.cli import cli
from vibecast.store import open_store

EVENTS = 20


def _status(env: dict[str, str]) -> dict:
    result = CliRunner().invoke(cli, ["hooks", "status", "--json"], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _wait_for(predicate, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _stored_events(url: str) -> int:
    store = open_store(url)
    try:
        return sum(r.metadata.event_count for r in store.list_replays(None, limit=10))
    finally:
        store.close()


def test_serve_records_once_the_recorder_that_held_the_lock_stops(capture_env) -> None:
    env = capture_env.env
    lock = capture_env.paths.lock
    record = subprocess.Popen(
        [sys.executable, "-m", "vibecast", "record"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: running_recorder_pid(lock) == record.pid, "vibecast record")
        with serving(env) as served:
            # serve's recorder waits, and says so where `hooks status` looks.
            _wait_for(lambda: _status(env)["standby"] is not None, "serve to stand by")
            report = _status(env)
            assert report["recorder"]["pid"] == record.pid
            assert report["standby"]["note"].startswith("vibecast serve (pid ")
            assert report["standby"]["note"].endswith("records once it stops")

            record.send_signal(signal.SIGINT)
            assert record.wait(30) == 0
            spool = SpoolWriter(capture_env.paths.spool)
            first = time.time_ns() // 1000
            for n in range(EVENTS):
                payload = {
                    "hook_event_name": "UserPromptSubmit",
                    "session_id": "after-record-stopped",
                    "prompt": f"prompt {n}",
                }
                spool.write(json.dumps(payload).encode(), HOOK, arrival_us=first + n)

            url = capture_env.settings.database_url
            _wait_for(lambda: _stored_events(url) == EVENTS, "every event in the store", 30)
            report = _status(env)
            assert report["recorder"]["running"] and report["recorder"]["pid"] != record.pid
            assert report["standby"] is None
    finally:
        if record.poll() is None:
            record.kill()
            record.wait()
    assert f"WARNING live capture: another recorder is running (pid {record.pid}, " in (
        served.stderr
    )
    assert "WARNING live capture: the other recorder stopped; recording now" in served.stderr


def test_a_recorder_stopped_while_it_waits_stops_at_once(capture_env) -> None:
    """`vibecast serve` stopped while another recorder still runs: its waiting thread ends at
    once, never having taken the lock."""
    capture_env.paths.ensure()
    other = RecorderLock(capture_env.paths.lock, "vibecast record")
    assert other.acquire()
    try:
        recorder = Recorder(capture_env.settings, owner="vibecast serve (pid 1)")
        recorder.start(retry_s=0.05)
        time.sleep(0.3)
        assert recorder.running
        started = time.monotonic()
        recorder.stop()
        assert time.monotonic() - started < 1 and not recorder.running
        assert running_recorder_pid(capture_env.paths.lock) is not None
    finally:
        other.release()
