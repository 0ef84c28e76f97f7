"""``vibecast import`` of a session the recorder is writing at that moment, on every backend:
whichever saves second merges with what the first wrote, never over it.

Two stores on one database stand for the two processes. Each race is forced at the worst
moment: the other side's save lands after this side read the replay and merged, right before it
writes. The store's compare-and-swap refuses the stale write (ReplayChanged) and
``save_session`` merges again on what is now stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from vibecast.config import load_settings
from vibecast.importers.base import CapturedSession
from vibecast.importers.hooks import event_from_hook_payload
from vibecast.model import EventType, ReplayStatus
from vibecast.pipeline import SaveResult, import_paths, save_session
from vibecast.redact import Redactor
from vibecast.store.base import Store
from vibecast.store.postgres import PostgresStore
from vibecast.store.sqlite import SQLiteStore

SESSION = "5c0375b4-57a5-4f26-b12d-d022ee4e51b7"
STARTED_MS = 1_757_238_723_000  # when the shared transcript of SESSION begins


@pytest.fixture
def two_stores(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[Store, Store]]:
    """The importer's store and the recorder's, on one database."""
    opened: list[Store]
    if backend == "sqlite":
        opened = [SQLiteStore(tmp_path / "race.db") for _ in range(2)]
    else:
        url = request.getfixturevalue("migrated_postgres_url")
        opened = [PostgresStore(url) for _ in range(2)]
    yield opened[0], opened[1]
    for store in opened:
        store.close()


@pytest.fixture
def transcript(shared_data: Path) -> Path:
    return shared_data / "claude-code" / "transcripts" / f"{SESSION}.jsonl"


def hooks(*names: str, at_ms: int) -> CapturedSession:
    """Live hook events of SESSION, arriving a second apart from ``at_ms``."""
    events = [
        event_from_hook_payload(
            {"hook_event_name": name, "session_id": SESSION, "message": f"{name} {i}"},
            at_ms + i * 1000,
            (at_ms + i * 1000) * 1000,
        )
        for i, name in enumerate(names)
    ]
    return CapturedSession(session_id=SESSION, events=events, source="live capture")


def record(store: Store, session: CapturedSession, cached: Any = None) -> SaveResult:
    return save_session(
        store, session, Redactor(), status=ReplayStatus.RECORDING, cached=cached, fast=True
    )


def just_before_the_next_save(store: Store, other_side: Callable[[], None]) -> list[str]:
    """Run ``other_side`` once, right before ``store``'s next write; log what each write did."""
    original = store.save_replay
    log: list[str] = []

    def racing(*args: Any, **kwargs: Any) -> None:
        if not log:
            log.append("the other side saved first")
            other_side()
        try:
            original(*args, **kwargs)
        except Exception as exc:
            log.append(type(exc).__name__)
            raise
        log.append("saved")

    store.save_replay = racing  # type: ignore[method-assign]
    return log


def test_an_import_never_overwrites_what_the_recorder_wrote_meanwhile(
    two_stores: tuple[Store, Store], transcript: Path, tmp_path: Path
) -> None:
    importer, recorder = two_stores
    first = record(recorder, hooks("SessionStart", at_ms=STARTED_MS - 500))
    late = hooks("Notification", "Notification", at_ms=STARTED_MS + 3_600_000)
    log = just_before_the_next_save(importer, lambda: record(recorder, late, first.saved))

    settings = load_settings({"VIBECAST_HOME": str(tmp_path / "home"), "HOME": str(tmp_path)})
    summary = import_paths(importer, settings, [transcript])
    assert not [i for i in summary.issues if "not saved" in i.message]
    assert log == ["the other side saved first", "ReplayChanged", "saved"]

    replay = importer.find_replay_by_session(SESSION)
    assert replay is not None
    events = importer.read_events(replay.id)
    ids = {e.id for e in events}
    assert {e.id for e in late.events} <= ids  # the recorder's newer events survived
    assert {e.id for e in first.saved.events} <= ids
    assert sum(e.type == EventType.ASSISTANT_MESSAGE for e in events) == 7  # and the transcript's
    assert len(ids) == len(events)
    assert replay.status == ReplayStatus.RECORDING  # the import does not end a live recording


def test_the_recorder_never_overwrites_an_import_that_landed_meanwhile(
    two_stores: tuple[Store, Store], transcript: Path, tmp_path: Path
) -> None:
    importer, recorder = two_stores
    first = record(recorder, hooks("SessionStart", at_ms=STARTED_MS - 500))
    settings = load_settings({"VIBECAST_HOME": str(tmp_path / "home"), "HOME": str(tmp_path)})
    log = just_before_the_next_save(
        recorder, lambda: import_paths(importer, settings, [transcript])
    )

    late = hooks("Notification", at_ms=STARTED_MS + 3_600_000)
    result = record(recorder, late, first.saved)  # its cache predates the import
    assert log == ["the other side saved first", "ReplayChanged", "saved"]

    stored = recorder.read_events(result.saved.replay.id)
    assert stored == result.saved.events  # what it caches is what is stored
    assert sum(e.type == EventType.ASSISTANT_MESSAGE for e in stored) == 7
    assert {e.id for e in late.events} <= {e.id for e in stored}
