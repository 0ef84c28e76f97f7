"""The whole import pipeline on the real shared recordings: nothing lost between the recorder and
what the store gives back, one replay per session, and bad files never stop an import."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vibecast.config import load_settings
from vibecast.importers import read_source
from vibecast.pipeline import import_paths
from vibecast.recorder import build_replay
from vibecast.redact import Redactor
from vibecast.store import open_store

SOURCES = ["claude-code", "vibecraft"]


@pytest.fixture
def store_and_settings(tmp_path: Path):
    settings = load_settings({"VIBECAST_HOME": str(tmp_path / "home"), "HOME": str(tmp_path)})
    store = open_store(settings.database_url)
    yield store, settings
    store.close()


def shared_files(shared_data: Path) -> list[Path]:
    return sorted(p for folder in SOURCES for p in (shared_data / folder).rglob("*.json*"))


def test_events_read_back_equal_events_written(store_and_settings, shared_data: Path) -> None:
    """Round trip, per shared file: what the recorder built is exactly what the store returns."""
    store, _ = store_and_settings
    redactor = Redactor()
    checked = 0
    for path in shared_files(shared_data):
        result = read_source(path)
        assert result.sessions, f"{path.name}: {result.issues}"
        for session in result.sessions:
            session.events = [redactor.redact_event(e) for e in session.events]
            replay, events = build_replay(session)
            store.save_replay(replay, events, session.blobs)
            assert store.read_events(replay.id) == events, path.name
            assert store.get_replay(replay.id) == replay
            checked += len(events)
    assert checked > 1000


def test_import_everything_shared_without_errors(store_and_settings, shared_data: Path) -> None:
    store, settings = store_and_settings
    folders = [shared_data / "claude-code", shared_data / "vibecraft"]
    summary = import_paths(store, settings, folders)
    assert summary.files >= 25
    replays = store.list_replays(limit=1000)
    # Counted once per replay, though hook captures extend the transcripts' replays.
    assert summary.replays_created == len(replays) == len(summary.replay_ids)
    assert summary.replays_updated == summary.replays_unchanged == 0
    assert not [i for i in summary.issues if "not saved" in i.message or "failed" in i.message]
    stats = store.stats()
    assert stats.events == summary.events
    assert stats.raw_bytes_imported == summary.bytes_read


def test_one_session_per_replay_across_sources(store_and_settings, shared_data: Path) -> None:
    """A transcript, its prefix checkpoint and a grown copy are one replay."""
    store, settings = store_and_settings
    source = shared_data / "claude-code/transcripts/fe5e1c67-53e7-4862-81ae-d0e013e3270b.jsonl"
    lines = source.read_bytes().splitlines(keepends=True)
    work = settings.home.parent / "work"
    work.mkdir()
    prefix = work / "checkpoint.jsonl"
    prefix.write_bytes(b"".join(lines[: len(lines) // 2]))
    first = import_paths(store, settings, [prefix])
    assert first.replays_created == 1
    half = store.list_replays()[0].metadata.event_count

    full = work / source.name
    shutil.copy(source, full)
    second = import_paths(store, settings, [full])
    assert second.replays_created == 0 and second.replays_updated == 1
    replays = store.list_replays()
    assert len(replays) == 1
    assert replays[0].metadata.event_count > half
    alone = build_replay(read_source(source).sessions[0])[1]
    assert replays[0].metadata.event_count == len(alone)


def test_bad_lines_do_not_lose_good_ones(store_and_settings, shared_data: Path) -> None:
    store, settings = store_and_settings
    source = shared_data / "claude-code/transcripts/5c0375b4-57a5-4f26-b12d-d022ee4e51b7.jsonl"
    lines = source.read_bytes().splitlines(keepends=True)
    damaged = settings.home.parent / source.name
    huge = b'{"type":"user","message":{"content":"' + b"x" * (10 * 1024 * 1024) + b'"}}\n'
    damaged.write_bytes(
        b"".join(lines[:10])
        + b"{not json at all\n"
        + b'{"type":"from-a-newer-claude-code","uuid":"u1","sessionId":"'
        + source.stem.encode()
        + b'"}\n'
        + huge
        + b"\xff\xfe garbage \x00\n"
        + b"".join(lines[10:])
        + lines[-1][: len(lines[-1]) // 2]  # truncated last line
    )
    summary = import_paths(store, settings, [damaged])
    assert summary.replays_created == 1
    assert len(summary.issues) >= 3
    clean = build_replay(read_source(source).sessions[0])[1]
    stored = store.read_events(store.list_replays()[0].id)
    stored_ids = {e.id for e in stored}
    assert {e.id for e in clean} <= stored_ids


def test_a_session_that_failed_to_save_is_retried(
    store_and_settings, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, settings = store_and_settings
    source = shared_data / "claude-code/transcripts/1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl"

    def disk_full(*_args: object) -> None:
        raise OSError("database or disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(store, "save_replay", disk_full)
        failed = import_paths(store, settings, [source])
    assert failed.replays_created == 0
    assert any("not saved" in issue.message for issue in failed.issues)

    retried = import_paths(store, settings, [source])  # same file, unchanged on disk
    assert retried.files_skipped == 0 and retried.replays_created == 1


def test_a_file_is_known_by_its_absolute_path_from_any_directory(
    store_and_settings, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative path was the file's key in the import records and its replay's source: the
    same file imported from another directory was read again, and the source named nothing."""
    store, settings = store_and_settings
    folder = tmp_path / "work" / "logs"
    folder.mkdir(parents=True)
    name = "1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl"
    shutil.copy(shared_data / "claude-code/transcripts" / name, folder / name)
    monkeypatch.chdir(folder)
    first = import_paths(store, settings, [Path(name)])
    assert first.replays_created == 1
    replay = store.get_replay(first.replay_ids[0])
    assert replay is not None and str(folder / name) in replay.metadata.sources
    monkeypatch.chdir(tmp_path)
    again = import_paths(store, settings, [Path("work/logs") / name])
    assert again.files_skipped == 1 and again.outcomes == {}


def test_a_path_through_dot_dot_is_the_same_file(
    store_and_settings, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``vibecast import ../logs/x.jsonl`` from a sibling directory names the file imported
    before as ``logs/x.jsonl``: skipped, and the replay's sources name it once."""
    store, settings = store_and_settings
    folder = tmp_path / "work" / "logs"
    folder.mkdir(parents=True)
    (tmp_path / "work" / "notes").mkdir()
    name = "1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl"
    shutil.copy(shared_data / "claude-code/transcripts" / name, folder / name)
    monkeypatch.chdir(tmp_path / "work")
    first = import_paths(store, settings, [Path("logs") / name])
    monkeypatch.chdir(tmp_path / "work" / "notes")
    again = import_paths(store, settings, [Path("..") / "logs" / name])
    assert again.files_skipped == 1 and again.outcomes == {}
    replay = store.get_replay(first.replay_ids[0])
    assert replay is not None and replay.metadata.sources == [str(folder / name)]
