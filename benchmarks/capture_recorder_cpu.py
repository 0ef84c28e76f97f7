"""The recorder's CPU per event on its own, without 10 processes of hooks competing for the two
cores (which inflate and scatter what ``capture_latency.py`` measures under its burst).

The spool is filled with the same stream ``capture_latency.py`` fires (the real hook payloads of
the shared data in the order Claude Code sends them, cycled, 10 sessions), and the recorder
commits it the way it does under that burst: each session's first event at once, then the next
~5 s of events, then the rest, each burst into a fresh store ``--repeat`` times.
Printed: CPU per event of the whole recorder (target <= 50 µs), split into ingest (spool ->
events) and commit (redact, merge, encode, save), and redaction alone on the same events; then
the floor: what the steps every spooled payload needs (read from its log segment, decode, map,
redact, release) cost alone, on one cycle of the payloads — what no rearranging of the recorder
around them removes.

    python benchmarks/capture_recorder_cpu.py [--events 5000] [--sessions 10] [--repeat 5]
                                              [--by-name]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import dataclass

import msgspec

from _common import temp_store, verdict
from capture_latency import TARGET_CPU_US, real_payloads, recorder_on, session_stream
from vibecast.capture import CapturePaths
from vibecast.capture.ingest import entry_bytes, read_entry
from vibecast.capture.segments import SegmentReader
from vibecast.capture.spool import HOOK, SpoolWriter, list_files, list_spool
from vibecast.importers.hooks import event_from_hook_payload
from vibecast.redact import Redactor

FIRST_US = 1_767_000_000_000_000  # arrival time of the first event (2025-12-29)
_decoder = msgspec.json.Decoder()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument(
        "--by-name",
        action="store_true",
        help="each capture's payloads by file name (every result before its call, which no "
        "real session sends), not in the order Claude Code sends them",
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="bursts, each into a fresh store (best and median)"
    )
    args = parser.parse_args()
    per_session = args.events // args.sessions
    plan = [1, per_session * 9 // 10 - 1, per_session - per_session * 9 // 10]  # 1, ~5 s, rest
    base = real_payloads(causal=not args.by_name)
    streams = [session_stream(base, f"bench-{n:02d}", per_session) for n in range(args.sessions)]

    runs = [_burst(streams, plan) for _ in range(args.repeat)]
    runs.sort(key=lambda run: run.cpu_us)
    best, median = runs[0], runs[len(runs) // 2]
    print(
        f"recorder: {best.events} events of {args.sessions} sessions, {best.commits} commits, "
        f"{args.repeat} runs; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"CPU per event, best run: ingest {best.ingest_us:.1f} µs, commit {best.commit_us:.1f} µs "
        f"(of which redaction alone {best.redact_us:.1f} µs); whole recorder "
        f"{best.cpu_us:.1f} µs, median of the runs {median.cpu_us:.1f} µs "
        f"[target <= {TARGET_CPU_US:.0f}] {verdict(best.cpu_us <= TARGET_CPU_US)}"
    )
    floor = {step: min(run.floor[step] for run in runs) for step in runs[0].floor}
    steps = ", ".join(f"{name} {us:.1f}" for name, us in floor.items())
    print(
        f"floor, µs per event, each step alone on the first {FLOOR_EVENTS} payloads, "
        f"best of {len(runs) * FLOOR_RUNS}: {steps}; "
        f"sum {sum(floor.values()):.1f} µs before merging, encoding and saving"
    )


@dataclass(frozen=True)
class _Run:
    """One burst committed into a fresh store: CPU µs per event, whole and by part."""

    events: int
    commits: int
    cpu_us: float
    ingest_us: float
    commit_us: float
    redact_us: float
    floor: dict[str, float]


def _burst(streams: list, plan: list[int]) -> _Run:
    """Spool the sessions' streams in the plan's steps, the recorder committing after each."""
    with temp_store() as (store, settings), recorder_on(store, settings) as (writer, recorder):
        paths = CapturePaths.from_settings(settings)
        arrival, done, cpu = FIRST_US, 0, 0.0
        redaction_events = []
        for count in plan:
            for index in range(done, done + count):
                for stream in streams:
                    arrival += 100
                    writer.write(json.dumps(stream[index]).encode(), HOOK, arrival)
            done += count
            redaction_events += [
                e for entry in list_spool(paths.spool) for e in read_entry(entry).events
            ]
            started = time.process_time()
            recorder.poll()
            recorder.flush()
            cpu += time.process_time() - started
        stats = recorder.stats
        redactor = Redactor(settings.redaction)
        started = time.process_time()
        for event in redaction_events:
            redactor.redact_event(event)
        redact_s = time.process_time() - started
        floors = [_floor(paths, writer, streams, redactor) for _ in range(FLOOR_RUNS)]
    events = max(1, stats.events)
    return _Run(
        events=stats.events,
        commits=stats.commits,
        cpu_us=cpu / events * 1e6,
        ingest_us=stats.ingest_cpu_s / events * 1e6,
        commit_us=stats.commit_cpu_s / events * 1e6,
        redact_us=redact_s / max(1, len(redaction_events)) * 1e6,
        floor={step: min(run[step] for run in floors) for step in floors[0]},
    )


FLOOR_EVENTS = 500  # one cycle of the real payloads: no content is seen twice
FLOOR_RUNS = 3  # the least of three runs: other work on the machine only ever adds


def _floor(
    paths: CapturePaths, writer: SpoolWriter, streams: list, redactor: Redactor
) -> dict[str, float]:
    """What every spooled payload costs however the recorder is written: reading it back from
    its log segment (list, read, check), decoding and mapping the payload, redacting the event
    (a fresh redactor, so its cache of short strings holds nothing from the run above), and
    releasing it (the segment deleted once all its records are)."""
    datas = [json.dumps(event).encode() for event in streams[0][:FLOOR_EVENTS]]
    for index, data in enumerate(datas):
        writer.write(data, HOOK, FIRST_US + index)
    clock = time.process_time
    spent: dict[str, float] = {}

    def timed(name: str, started: float) -> None:
        spent[name] = (clock() - started) / len(datas) * 1e6

    reader = SegmentReader()
    started = clock()
    _, segments = list_files(paths.spool)
    entries, _ = reader.read(segments)
    timed("read", started)
    started = clock()
    payloads = [_decoder.decode(entry_bytes(entry)) for entry in entries]
    timed("decode", started)
    started = clock()
    events = [
        event_from_hook_payload(p, e.arrival_ms, e.arrival_us, blobs={})
        for p, e in zip(payloads, entries, strict=True)
    ]
    timed("map", started)
    fresh = Redactor(redactor.settings)
    started = clock()
    for event in events:
        fresh.redact_event(event)
    timed("redact", started)
    started = clock()
    for entry in entries:
        reader.committed(entry)
    reader.delete_finished()
    timed("release", started)
    return spent


if __name__ == "__main__":
    main()
