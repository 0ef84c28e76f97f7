"""The portable replay file: a saved replay reads back whole, and a damaged one says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vibecast.importers import read_source
from vibecast.recorder import build_replay
from vibecast.replayfile import is_replay_file, read_replay_file, write_replay_file

TRANSCRIPT = "claude-code/transcripts/1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl"


@pytest.fixture
def saved(shared_data: Path, tmp_path: Path) -> tuple[Path, list]:
    replay, events = build_replay(read_source(shared_data / TRANSCRIPT).sessions[0], now_ms=1)
    path = tmp_path / "replay.vibecast"
    write_replay_file(path, replay, events)
    return path, events


def test_module_imports_on_its_own() -> None:
    """The importers read replay files, and this module uses the importers' types: no cycle."""
    code = "import vibecast.replayfile"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_saved_file_reads_back_whole(saved: tuple[Path, list]) -> None:
    path, events = saved
    session, replay = read_replay_file(path)
    assert session.events == events and not session.issues
    assert session.session_id == replay.session_id


@pytest.mark.parametrize("kept", [8, 200, -10])
def test_truncated_file_is_reported_as_a_damaged_replay_file(
    saved: tuple[Path, list], kept: int
) -> None:
    path, _ = saved
    data = path.read_bytes()
    path.write_bytes(data[:kept])
    assert is_replay_file(path.read_bytes())
    result = read_source(path)
    assert not result.sessions
    [issue] = result.issues
    assert issue.message.startswith("replay file is truncated or damaged")
    assert str(path) not in issue.message  # the issue carries the path once, not twice
