"""The recorder's CPU per event for one long session at a real pace: a few events per commit.

``capture_recorder_cpu.py`` measures a burst (10 sessions of 500 events, ~3 commits each), where
each commit carries hundreds of events. A real session sends a few events per 5 s commit, and
each commit merges the whole session again (pairing, timeline, metadata) and re-encodes its open
last chunk, so the cost per event grows with the session. This script spools one session of the
real hook payloads (cycled; each capture's events in the order Claude Code sends them, a call
before its result) and commits every ``--per-commit`` events, as the recorder does for a
session that sends that many per interval, and prints the CPU per event over the first and
the last tenth of the commits, and overall. No target of its own: it shows where the issue's
50 µs per event stands outside a burst.

    python benchmarks/capture_long_session.py [--events 2000] [--per-commit 10]
"""

from __future__ import annotations

import argparse
import json
import os
import time

from _common import temp_store
from capture_latency import real_payloads, recorder_on, session_stream
from vibecast.capture.spool import HOOK

FIRST_US = 1_767_000_000_000_000  # arrival time of the first event (2025-12-29)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--per-commit", type=int, default=10)
    parser.add_argument(
        "--one-start",
        action="store_true",
        help="one SessionStart first and one SessionEnd last, as one real session sends them "
        "(the cycled captures carry one of each per capture: the replay ends and resumes)",
    )
    args = parser.parse_args()
    stream = session_stream(real_payloads(causal=True), "long-session", args.events)
    if args.one_start:
        stream = _one_start(stream)
    per = args.per_commit
    spent: list[float] = []
    with temp_store() as (store, settings), recorder_on(store, settings) as (writer, recorder):
        arrival = FIRST_US
        for start in range(0, len(stream), per):
            for payload in stream[start : start + per]:
                arrival += 500_000  # two events a second
                writer.write(json.dumps(payload).encode(), HOOK, arrival)
            started = time.process_time()
            recorder.poll()
            recorder.flush()
            spent.append(time.process_time() - started)
    tenth = max(1, len(spent) // 10)
    first = sum(spent[:tenth]) / (tenth * per) * 1e6
    last = sum(spent[-tenth:]) / (tenth * per) * 1e6
    overall = sum(spent) / len(stream) * 1e6
    print(
        f"one session of {len(stream)} events, a commit every {per} events "
        f"({len(spent)} commits); {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"recorder CPU per event: first tenth of the commits {first:.0f} µs, last tenth "
        f"{last:.0f} µs, overall {overall:.0f} µs (the burst benchmark's target: 50 µs)"
    )


def _one_start(stream: list[dict]) -> list[dict]:
    """``stream`` with its SessionStarts but the first and its SessionEnds but the last left out."""
    starts = [i for i, p in enumerate(stream) if p.get("hook_event_name") == "SessionStart"]
    ends = [i for i, p in enumerate(stream) if p.get("hook_event_name") == "SessionEnd"]
    dropped = set(starts[1:]) | set(ends[:-1])
    return [p for i, p in enumerate(stream) if i not in dropped]


if __name__ == "__main__":
    main()
