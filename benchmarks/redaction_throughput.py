"""Redaction throughput: MB/s of ``Redactor.redact_event`` over the shared real recordings.

Target: >= 40 MB/s of event text on one core (the whole import must reach 10 MB/s, and
redaction is one stage of it). The events are what ``read_source`` makes of every shared
recording — transcripts, chat arrays, hook payloads, Vibecraft's log — read once up front, so the
timing is redaction alone. MB are the events' own JSON (``encode_event``) before redaction.
Reported: best of ``--runs``, with the default file-content policy (Read contents and original
files dropped, not scanned) and with ``keep_file_contents`` (everything scanned).

    python benchmarks/redaction_throughput.py [--runs 5]
"""

from __future__ import annotations

import argparse
import time

from _common import RECORDING_FILES, verdict
from vibecast.config import RedactionSettings
from vibecast.importers import read_source
from vibecast.model import RecordedEvent, encode_event
from vibecast.redact import Redactor
from vibecast.redact.names import classify_name

TARGET_MB_S = 40.0


def shared_events() -> list[RecordedEvent]:
    """The events vibecast's importers really produce from every shared recording."""
    return [e for path in RECORDING_FILES for s in read_source(path).sessions for e in s.events]


def measure(
    events: list[RecordedEvent], settings: RedactionSettings, runs: int
) -> tuple[float, Redactor]:
    best = float("inf")
    redactor = Redactor(settings)
    for _ in range(runs):
        classify_name.cache_clear()
        redactor = Redactor(settings)
        started = time.perf_counter()
        for event in events:
            redactor.redact_event(event)
        best = min(best, time.perf_counter() - started)
    return best, redactor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    events = shared_events()
    mb = sum(len(encode_event(e)) for e in events) / 1e6
    print(f"events: {len(events)}, event text: {mb:.2f} MB, runs: {args.runs} (best reported)")
    for label, settings in (
        ("default policy", RedactionSettings()),
        ("keep_file_contents", RedactionSettings(keep_file_contents=True)),
    ):
        seconds, redactor = measure(events, settings, args.runs)
        rate = mb / seconds
        print(
            f"{label:20s} {rate:7.1f} MB/s  {len(events) / seconds:9.0f} events/s  "
            f"target >= {TARGET_MB_S:.0f} MB/s: {verdict(rate >= TARGET_MB_S)}"
        )
        print(f"{'':20s} findings: {dict(redactor.findings)}  omitted: {dict(redactor.omitted)}")


if __name__ == "__main__":
    main()
