"""Unredacted payloads wait in the spool: only their owner can read them, whatever the umask,
and what the recorder sets aside for good (``rejected/``) is redacted first."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from vibecast.capture import CapturePaths, Recorder, list_spool
from vibecast.capture.claude_hooks import run_command
from vibecast.capture.program import hook_command

T0_US = 1_767_000_000_000_000
GHP = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"  # planted, not a real token


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_hook_keeps_the_spool_private_under_a_permissive_umask(hook_program, tmp_path) -> None:
    fresh = tmp_path / "home" / "capture"  # the hook creates it: nothing made it private before
    command = "umask 000; " + hook_command(hook_program.path, fresh)
    _, done = run_command(command, json.dumps({"prompt": GHP}).encode(), tmp_path)
    assert done.returncode == 0 and done.stderr == b""
    entries = list_spool(fresh / "spool")
    assert len(entries) == 1
    assert mode(entries[0].path) == 0o600
    for directory in (fresh, fresh / "spool", fresh / "spool" / "tmp"):
        assert mode(directory) == 0o700, directory


def test_ensure_closes_directories_left_open(tmp_path) -> None:
    paths = CapturePaths(tmp_path / "capture")
    for directory in (paths.root, paths.spool, paths.spool_tmp, paths.rejected):
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o755)
    paths.ensure()
    for directory in (paths.root, paths.spool, paths.spool_tmp, paths.rejected):
        assert mode(directory) == 0o700, directory


def test_a_rejected_payload_is_kept_redacted(capture_env) -> None:
    capture_env.paths.ensure()
    name = f"{T0_US:016d}-1.hook"
    broken = b'{"hook_event_name": "UserPromptSubmit", "prompt": "use ' + GHP.encode() + b" now"
    (capture_env.paths.spool / name).write_bytes(broken)
    stats = Recorder(capture_env.settings).drain()
    assert stats.rejected == 1
    kept = capture_env.paths.rejected / name
    text = kept.read_text()
    assert GHP not in text
    assert text == broken.decode().replace(GHP, "[REDACTED:github-pat]")
    assert mode(kept) == 0o600
    assert not (capture_env.paths.spool / name).exists()
    assert [p.name for p in capture_env.paths.rejected.iterdir()] == [name]
