"""Helpers shared by the benchmark scripts: where the real data is, and a throwaway store."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from vibecast.config import Settings, load_settings
from vibecast.model import RecordedEvent, Replay
from vibecast.pipeline import import_paths
from vibecast.store import open_store
from vibecast.store.base import Store

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("VIBECAST_SHARED_DATA", ROOT.parent / "shared" / "data"))
TRANSCRIPTS = sorted((SHARED_DATA / "claude-code" / "transcripts").glob("*.jsonl"))
# Every shared file vibecast imports: transcripts, chat arrays, hook captures, Vibecraft's log.
RECORDING_FILES = [
    *sorted(p for p in (SHARED_DATA / "claude-code").rglob("*") if p.suffix in {".json", ".jsonl"}),
    SHARED_DATA / "vibecraft" / "events.jsonl",
]


@contextmanager
def temp_store() -> Iterator[tuple[Store, Settings]]:
    """A fresh SQLite store in a temp dir, with settings pointing at it."""
    with tempfile.TemporaryDirectory(prefix="vibecast-bench-") as tmp:
        settings = load_settings({"VIBECAST_HOME": tmp, "HOME": tmp})
        store = open_store(settings.database_url)
        try:
            yield store, settings
        finally:
            store.close()


@dataclass(frozen=True)
class Imported:
    """The largest shared transcript, imported into a throwaway store."""

    path: Path
    store: Store
    settings: Settings
    replay: Replay
    events: list[RecordedEvent]

    def describe(self) -> str:
        minutes = self.replay.metadata.duration_ms / 60_000
        return f"replay: {self.path.name}, {len(self.events)} events, {minutes:.1f} min"


@contextmanager
def largest_transcript_imported() -> Iterator[Imported]:
    """Import the largest shared transcript through the real pipeline; yield its replay."""
    largest = max(TRANSCRIPTS, key=lambda p: p.stat().st_size)
    with temp_store() as (store, settings):
        import_paths(store, settings, [largest])
        replay = store.list_replays(limit=1)[0]
        yield Imported(largest, store, settings, replay, store.read_events(replay.id))


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"
