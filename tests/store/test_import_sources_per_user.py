"""What each user imported, on every backend (``any_store``): a file one user imported is still
read for another (each gets their own replay of it, the first one's untouched), each user's own
import of an unchanged file is skipped, and ``raw_bytes_imported`` counts what each user
imported once, however many paths it was read from."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from vibecast.config import Settings, load_settings
from vibecast.pipeline import import_paths
from vibecast.store.base import Store

SESSION = "5c0375b4-57a5-4f26-b12d-d022ee4e51b7"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({"VIBECAST_HOME": str(tmp_path / "home"), "HOME": str(tmp_path)})


@pytest.fixture
def transcript(shared_data: Path, tmp_path: Path) -> Path:
    """A copy of a shared transcript (its mtime is this test's to change)."""
    copy = tmp_path / "work" / f"{SESSION}.jsonl"
    copy.parent.mkdir()
    shutil.copy(shared_data / "claude-code" / "transcripts" / copy.name, copy)
    return copy


def test_each_user_imports_a_file_once_whoever_imported_it_first(
    any_store: Store, settings: Settings, transcript: Path
) -> None:
    alice = any_store.create_user("alice").id
    first = import_paths(any_store, settings, [transcript])
    assert (first.files, first.files_skipped, first.replays_created) == (1, 0, 1)
    [locals_] = any_store.list_replays("local")
    local_events = any_store.read_events(locals_.id)

    theirs = import_paths(any_store, settings, [transcript], user_id=alice)
    assert (theirs.files, theirs.files_skipped, theirs.replays_created) == (1, 0, 1)
    [alices] = any_store.list_replays(alice)
    assert alices.id != locals_.id and alices.session_id == SESSION
    assert len(any_store.read_events(alices.id)) == len(local_events)
    assert any_store.list_replays("local") == [locals_]  # not saved again
    assert any_store.read_events(locals_.id) == local_events

    for user in ("local", alice, "local", alice):
        again = import_paths(any_store, settings, [transcript], user_id=user)
        assert (again.files, again.files_skipped, again.replay_ids) == (1, 1, []), user
    records = {
        user: any_store.get_import_source(str(transcript), user) for user in ("local", alice)
    }
    assert records["local"] is not None and records["local"].replay_ids == [locals_.id]
    assert records[alice] is not None and records[alice].replay_ids == [alices.id]
    assert records["local"].fingerprint == records[alice].fingerprint

    # Touched but identical: skipped, and only the importing user's record notes the new mtime.
    stat = transcript.stat()
    os.utime(transcript, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert import_paths(any_store, settings, [transcript]).files_skipped == 1
    assert any_store.get_import_source(str(transcript), "local").mtime_ns != stat.st_mtime_ns
    assert any_store.get_import_source(str(transcript), alice) == records[alice]
    assert import_paths(any_store, settings, [transcript], user_id=alice).files_skipped == 1
    assert any_store.list_replays(alice) == [alices]


def test_raw_bytes_imported_counts_each_users_content_once(
    any_store: Store, settings: Settings, transcript: Path
) -> None:
    alice = any_store.create_user("alice").id
    size = transcript.stat().st_size
    import_paths(any_store, settings, [transcript])
    assert any_store.stats().raw_bytes_imported == size

    # The same file from another path: read again, into the same replay, adding no event.
    copy = transcript.parent / "copy" / transcript.name
    copy.parent.mkdir()
    shutil.copy(transcript, copy)
    again = import_paths(any_store, settings, [copy])
    assert (again.files_skipped, again.bytes_read, again.events) == (0, size, 0)
    stats = any_store.stats()
    assert (stats.replays, stats.raw_bytes_imported) == (1, size)

    # Another user's import made their own replay: stored once more, counted once more.
    import_paths(any_store, settings, [copy], user_id=alice)
    stats = any_store.stats()
    assert (stats.replays, stats.raw_bytes_imported) == (2, 2 * size)
    assert any_store.acting_as(alice).stats().raw_bytes_imported == 0  # the system's business
