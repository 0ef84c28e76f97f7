"""Helpers shared by the benchmark scripts: where the real data is, and a throwaway store."""

from __future__ import annotations

import os
import statistics
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from vibecast.config import load_settings
from vibecast.store import open_store
from vibecast.store.base import Store

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("VIBECAST_SHARED_DATA", ROOT.parent / "shared" / "data"))
TRANSCRIPTS = sorted((SHARED_DATA / "claude-code" / "transcripts").glob("*.jsonl"))
CLAUDE_CODE_FILES = sorted(
    p
    for p in (SHARED_DATA / "claude-code").rglob("*")
    if p.is_file() and p.suffix in {".json", ".jsonl"}
)


@contextmanager
def temp_store() -> Iterator[tuple[Store, object]]:
    """A fresh SQLite store in a temp dir, with settings pointing at it."""
    with tempfile.TemporaryDirectory(prefix="vibecast-bench-") as tmp:
        settings = load_settings({"VIBECAST_HOME": tmp, "HOME": tmp})
        store = open_store(settings.database_url)
        try:
            yield store, settings
        finally:
            store.close()


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def median(values: Sequence[float]) -> float:
    return statistics.median(values)
