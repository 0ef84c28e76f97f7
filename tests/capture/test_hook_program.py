"""The hook program (C and script forms): spools the exact payload with its arrival time, and on
any problem exits 0 without output, leaving a line in hook.log."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from vibecast.capture import CapturePaths, HookProgramError, build_hook_program, list_spool
from vibecast.capture import program as program_module
from vibecast.capture.claude_hooks import run_command
from vibecast.capture.ingest import entry_bytes
from vibecast.capture.program import hook_command


def run(program, stdin: bytes, tmp_path: Path) -> subprocess.CompletedProcess:
    _, done = run_command(program.command, stdin, tmp_path)
    return done


def test_the_payload_is_spooled_byte_for_byte(hook_program, shared_data: Path, tmp_path) -> None:
    biggest = max(
        (shared_data / "claude-code" / "hook-payloads").rglob("*.json"),
        key=lambda p: p.stat().st_size,
    )
    payload = max(json.loads(biggest.read_text()), key=lambda p: len(json.dumps(p)))
    data = json.dumps(payload, ensure_ascii=False).encode()
    assert len(data) > 64 * 1024  # more than one read() of the C program
    before = time.time_ns() // 1000
    done = run(hook_program, data, tmp_path)
    after = time.time_ns() // 1000
    assert done.returncode == 0 and done.stdout == b"" and done.stderr == b""
    entries = list_spool(hook_program.capture_dir / "spool")
    assert len(entries) == 1 and entries[0].kind == "hook"
    assert before <= entries[0].arrival_us <= after
    assert entry_bytes(entries[0]) == data
    assert list((hook_program.capture_dir / "spool" / "tmp").iterdir()) == []
    if hook_program.form == "c":  # appended to the log segment of its arrival time
        assert entries[0].payload is not None and entries[0].path.name.startswith("seg-")


def test_a_payload_too_large_for_one_append_gets_a_file(c_hook_dir: Path, tmp_path) -> None:
    """Above 16 MiB the C hook spools a payload as a file of its own, whole."""
    capture = tmp_path / "capture"
    data = json.dumps({"hook_event_name": "PostToolUse", "tool_response": "x" * (17 << 20)})
    done = subprocess.run(
        [str(c_hook_dir / "vibecast-hook"), str(capture)], input=data.encode(), check=False
    )
    assert done.returncode == 0
    entries = list_spool(capture / "spool")
    assert len(entries) == 1 and entries[0].payload is None
    assert entry_bytes(entries[0]) == data.encode()


def test_arrival_order_is_name_order(hook_program, tmp_path) -> None:
    for index in range(5):
        run(hook_program, json.dumps({"n": index}).encode(), tmp_path)
    entries = list_spool(hook_program.capture_dir / "spool")
    assert [json.loads(entry_bytes(e))["n"] for e in entries] == list(range(5))
    assert [e.arrival_us for e in entries] == sorted({e.arrival_us for e in entries})


def test_an_empty_payload_is_logged_not_spooled(hook_program, tmp_path) -> None:
    done = run(hook_program, b"", tmp_path)
    assert done.returncode == 0 and done.stdout == b""
    assert list_spool(hook_program.capture_dir / "spool") == []
    assert "empty payload" in (hook_program.capture_dir / "hook.log").read_text()


def test_a_spool_it_cannot_write_is_logged_and_exits_0(hook_program, tmp_path) -> None:
    spool = hook_program.capture_dir / "spool"
    spool.rename(hook_program.capture_dir / "spool-moved")
    spool.write_text("a file where the spool directory should be")
    done = run(hook_program, b'{"hook_event_name": "Stop"}', tmp_path)
    assert done.returncode == 0 and done.stdout == b""
    logged = (hook_program.capture_dir / "hook.log").read_text().splitlines()
    # The C form tries its log segment, then a file of its own; the script form a file.
    assert 1 <= len(logged) <= 2 and all("cannot" in line for line in logged)


def test_it_creates_a_missing_capture_directory(hook_program, tmp_path) -> None:
    fresh = tmp_path / "elsewhere" / "capture"
    command = hook_command(hook_program.path, fresh)
    _, done = run_command(command, b'{"a": 1}', tmp_path)
    assert done.returncode == 0
    assert len(list_spool(fresh / "spool")) == 1


def test_a_missing_program_still_exits_0(tmp_path) -> None:
    command = hook_command(tmp_path / "gone" / "vibecast-hook", tmp_path / "capture")
    _, done = run_command(command, b"{}", tmp_path)
    assert done.returncode == 0 and done.stdout == b"" and done.stderr == b""


def test_the_watchdog_ends_a_hook_whose_stdin_never_closes(c_hook_dir: Path, tmp_path) -> None:
    """Claude Code always closes stdin; if something held it open, the hook still ends (5 s)."""
    capture = tmp_path / "capture"
    process = subprocess.Popen(
        [str(c_hook_dir / "vibecast-hook"), str(capture)], stdin=subprocess.PIPE
    )
    try:
        assert process.stdin is not None
        process.stdin.write(b'{"hook_event_name": "Pre')
        process.stdin.flush()
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
    assert "timed out" in (capture / "hook.log").read_text()
    assert list_spool(capture / "spool") == []  # nothing half written anywhere
    assert not (capture / "spool").exists() or list((capture / "spool").rglob("*")) == []


def test_without_a_compiler_auto_installs_the_script(capture_env, monkeypatch) -> None:
    real_which = program_module.shutil.which
    compilers = {"cc", "gcc", "clang"}
    monkeypatch.delenv("CC", raising=False)
    monkeypatch.setattr(
        program_module.shutil,
        "which",
        lambda name, *a, **k: None if name in compilers else real_which(name, *a, **k),
    )
    paths = CapturePaths.from_settings(capture_env.settings)
    assert build_hook_program(paths, "auto").form == "script"
    with pytest.raises(HookProgramError):
        build_hook_program(paths, "c")
