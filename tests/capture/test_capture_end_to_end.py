"""The issue's proof: real hook payloads played through the installed settings exactly as Claude
Code runs them, with the recorder stopped, running, killed (``kill -9``) mid-burst and
restarted; afterwards every event is in the store exactly once, in the order it was sent, and
``hooks uninstall`` leaves settings.json byte-identical to how it was."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from capture_harness import real_payloads

from served import run_vibecast
from vibecast.capture import list_spool
from vibecast.capture.claude_hooks import commands_for, run_command
from vibecast.capture.lock import running_recorder_pid
from vibecast.importers.hooks import event_from_hook_payload
from vibecast.store import open_store

# Another tool's hooks, written the way Claude Code writes settings (2-space JSON).
OTHER_TOOLS = {
    "model": "opus",
    "permissions": {"allow": ["Bash(git status)"]},
    "hooks": {
        "PreToolUse": [
            {"matcher": "Bash", "hooks": [{"type": "command", "command": "cat >/dev/null"}]}
        ],
        "Stop": [{"hooks": [{"type": "command", "command": "cat >/dev/null; exit 0"}]}],
    },
}


def start_recorder(env: dict[str, str], lock: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "vibecast", "record", "--flush-interval", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while running_recorder_pid(lock) != process.pid:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the recorder did not start"
        time.sleep(0.02)
    return process


def identity(payload: dict[str, Any]) -> str:
    """What identifies the event of a payload in the store: its tool-call id, or for the rest
    its content hash (the id is ``hook-<hash>-<arrival µs>``)."""
    event_id = event_from_hook_payload(payload, 0, 0).id
    return event_id.rsplit("-", 1)[0] if event_id.startswith("hook-") else event_id


def stored_identity(event_id: str) -> str:
    return event_id.rsplit("-", 1)[0] if event_id.startswith("hook-") else event_id


@pytest.mark.parametrize("form", ["c", "script"])
def test_every_payload_recorded_once_in_order(
    capture_env, shared_data: Path, form: str, tmp_path: Path
) -> None:
    env = capture_env.env
    settings_file = capture_env.claude_settings
    settings_file.write_text(json.dumps(OTHER_TOOLS, indent=2) + "\n")
    original = settings_file.read_bytes()

    installed = run_vibecast(env, "hooks", "install", "--hook-form", form)
    assert installed.returncode == 0, installed.stderr
    assert run_vibecast(env, "hooks", "install", "--hook-form", form).returncode == 0
    config = json.loads(settings_file.read_text())
    assert config["hooks"]["PreToolUse"][0] == OTHER_TOOLS["hooks"]["PreToolUse"][0]

    payloads = real_payloads(shared_data)
    assert len(payloads) > 400
    lock = capture_env.paths.lock
    cwd = tmp_path

    def play(batch: list[dict[str, Any]]) -> None:
        for payload in batch:
            commands = commands_for(config, payload)
            ours = [c for c in commands if "vibecast-hook" in c]
            assert len(ours) == 1, payload.get("hook_event_name")
            for command in commands:
                _, done = run_command(command, json.dumps(payload).encode(), cwd)
                assert done.returncode == 0 and done.stdout == b"", (command, done)

    n = len(payloads)
    first, second, third = n * 3 // 10, n * 5 // 10, n * 7 // 10
    play(payloads[:first])  # no recorder running: everything waits in the spool
    assert len(list_spool(capture_env.paths.spool)) == first

    recorder = start_recorder(env, lock)
    play(payloads[first:second])
    deadline = time.monotonic() + 20  # let it commit part of the burst, then kill it mid-way
    while len(list_spool(capture_env.paths.spool)) > (second - first) // 2:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    play(payloads[second : second + 20])
    os.kill(recorder.pid, signal.SIGKILL)
    recorder.wait(10)
    play(payloads[second + 20 : third])  # killed: the spool keeps them

    recorder = start_recorder(env, lock)
    play(payloads[third:])
    recorder.send_signal(signal.SIGTERM)  # a clean stop commits what it buffered
    assert recorder.wait(60) == 0
    drained = run_vibecast(env, "record", "--once")
    assert drained.returncode == 0, drained.stderr

    assert list_spool(capture_env.paths.spool) == []
    assert not capture_env.paths.hook_log.exists()
    expected: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for index, payload in enumerate(payloads):
        session = payload.get("session_id") or "unknown"
        expected[session].append((index, identity(payload)))

    store = open_store(capture_env.settings.database_url)
    try:
        for session_id, played in expected.items():
            replay = store.find_replay_by_session(session_id)
            assert replay is not None, session_id
            events = store.read_events(replay.id)
            stored = [stored_identity(event.id) for event in events]
            # Exactly once: the same events, no more, no fewer.
            assert Counter(stored) == Counter(key for _, key in played), session_id
            assert len({event.id for event in events}) == len(events)
            # In order: the store's order is the order the payloads were sent in.
            queue: dict[str, list[int]] = defaultdict(list)
            for index, key in played:
                queue[key].append(index)
            order = [queue[key].pop(0) for key in stored]
            assert order == sorted(order), session_id
            assert all(event.time_estimated is None for event in events)
            ends = any(
                p.get("hook_event_name") == "SessionEnd"
                for p in payloads
                if (p.get("session_id") or "unknown") == session_id
            )
            assert replay.status == ("complete" if ends else "recording"), session_id
    finally:
        store.close()

    removed = run_vibecast(env, "hooks", "uninstall")
    assert removed.returncode == 0, removed.stderr
    assert settings_file.read_bytes() == original
