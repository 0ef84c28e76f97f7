"""Import throughput on the shared real transcripts: MB/s and events/s, on one core.

Target (issue 2): >= 10 MB/s of transcript. Each run imports every transcript (and the chat-array
copies, which are transcripts too) into a fresh SQLite store through the same pipeline as
`vibecast import`; the best of several runs is reported, plus where the time goes per stage.

    python benchmarks/import_throughput.py [--runs 5]
"""

from __future__ import annotations

import argparse
import time

from _common import SHARED_DATA, TRANSCRIPTS, temp_store, verdict
from vibecast.importers import read_source
from vibecast.pipeline import import_paths
from vibecast.redact import Redactor

TARGET_MB_S = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    files = TRANSCRIPTS + sorted((SHARED_DATA / "claude-code" / "chat-arrays").glob("*.json"))
    total_bytes = sum(p.stat().st_size for p in files)
    best = float("inf")
    events = 0
    for run in range(args.runs):
        with temp_store() as (store, settings):
            started = time.perf_counter()
            summary = import_paths(store, settings, files)
            elapsed = time.perf_counter() - started
        if summary.issues and run == 0:
            print(f"({len(summary.issues)} import warnings)")
        best = min(best, elapsed)
        events = summary.events

    # Where the time goes: parsing alone, and redaction alone, over the same files.
    parse_best = float("inf")
    sessions = []
    for _ in range(args.runs):
        started = time.perf_counter()
        sessions = [s for p in files for s in read_source(p).sessions]
        parse_best = min(parse_best, time.perf_counter() - started)
    redactor = Redactor()
    all_events = [e for s in sessions for e in s.events]
    started = time.perf_counter()
    for event in all_events:
        redactor.redact_event(event)
    redact_time = time.perf_counter() - started

    mb = total_bytes / 1e6
    print(f"files: {len(files)} ({mb:.2f} MB), events stored: {events}, runs: {args.runs}")
    print(f"parse only:   {mb / parse_best:8.1f} MB/s")
    print(f"redact only:  {mb / redact_time:8.1f} MB/s")
    print(f"import (all stages, best run): {best * 1000:.0f} ms")
    rate = mb / best
    print(
        f"import throughput: {rate:.1f} MB/s, {events / best:,.0f} events/s "
        f"(target >= {TARGET_MB_S:.0f} MB/s) {verdict(rate >= TARGET_MB_S)}"
    )


if __name__ == "__main__":
    main()
