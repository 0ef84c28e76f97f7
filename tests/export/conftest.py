"""Export test fixtures: the smallest shared transcript imported into a fresh SQLite store."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from export_helpers import SMALL

from vibecast.config import Settings, load_settings
from vibecast.model import Replay
from vibecast.pipeline import import_paths
from vibecast.store import open_store
from vibecast.store.base import Store


@dataclass
class Imported:
    store: Store
    settings: Settings
    replay: Replay


@pytest.fixture
def imported(tmp_path: Path, shared_data: Path) -> Iterator[Imported]:
    settings = load_settings({"VIBECAST_HOME": str(tmp_path / "home"), "HOME": str(tmp_path)})
    store = open_store(settings.database_url)
    try:
        summary = import_paths(store, settings, [shared_data / SMALL], force=True)
        replay = store.get_replay(summary.replay_ids[0])
        assert replay is not None
        yield Imported(store, settings, replay)
    finally:
        store.close()


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    """Frames saved for reviewers (git-ignored ``test-artifacts/screenshots/``)."""
    directory = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    return directory
