"""What live capture costs the agent, under a burst: 10 concurrent sessions firing 1,000 hook
events per second, through the settings ``vibecast hooks install`` writes, with the recorder
running — then checks that not one event was lost.

- **Hook latency** (targets: p50 <= 3 ms, p99 <= 10 ms): each event is run the way Claude Code
  runs a command hook — the matching command from settings.json as ``sh -c <command>`` with the
  real payload on stdin — timed from spawn to exit, which is what the agent waits for. Ten
  processes stand in for ten Claude Code sessions, each firing its events in order on a fixed
  schedule, the ten schedules staggered so that together they fire one event every 1/rate s.
- **Recorder CPU per event** (target <= 50 µs): the recorder runs as ``vibecast record`` would
  (its own process, commits every 5 s); ``ingest`` is the CPU time of its thread spent reading,
  mapping, redacting and committing (``time.thread_time`` around that work), ``process`` all
  of its process's CPU time (``time.process_time``) including idle polling.
- **Zero loss**: afterwards every session's replay holds exactly the events fired for it.

Payloads are the real hook captures of the shared data in the order Claude Code sends them,
cycled, each session given its own id (and tool calls their own ids per cycle, so that no two
events are the same). Bounded: the burst lasts ``--seconds`` (5) and the whole run well under a
minute.

    python benchmarks/capture_latency.py [--seconds 5] [--rate 1000] [--sessions 10]
                                         [--recorder during|after] [--by-name]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _common import SHARED_DATA, percentile, verdict
from vibecast.capture import (
    CapturePaths,
    Recorder,
    SpoolWriter,
    build_hook_program,
    install_hooks,
    list_spool,
    settings_path,
)
from vibecast.capture.claude_hooks import commands_for, recorded_payloads, spawn_hook
from vibecast.capture.lock import running_recorder_pid
from vibecast.config import Settings, load_settings
from vibecast.store import open_store
from vibecast.store.base import Store

TARGET_P50_MS = 3.0
TARGET_P99_MS = 10.0
TARGET_CPU_US = 50.0

RECORDER = """
import json, signal, sys, time
from vibecast.capture import Recorder
from vibecast.config import load_settings
recorder = Recorder(load_settings(), flush_interval=5.0, fill_from_transcripts=False)
signal.signal(signal.SIGTERM, lambda *_: recorder.request_stop())
started = time.process_time()
recorder.run()
print(json.dumps({**recorder.stats.as_dict(), "process_cpu_s": time.process_time() - started}))
"""


def real_payloads(*, causal: bool = True) -> list[dict[str, Any]]:
    """Every real hook payload of the shared data, each capture as one real session sends them
    (a call before its result: :func:`recorded_payloads`); ``causal=False``: by file name,
    which puts every result before its call — no real session does, and the recorder then
    rebuilds each commit in full (kept to compare with earlier figures: ``--by-name``)."""
    return recorded_payloads(SHARED_DATA / "claude-code" / "hook-payloads", causal=causal)


def session_stream(base: list[dict[str, Any]], session: str, count: int) -> list[dict[str, Any]]:
    """``count`` payloads for one session: the real ones cycled, made distinct per cycle."""
    stream = []
    for i in range(count):
        cycle, payload = divmod(i, len(base))
        event = dict(base[payload], session_id=session)
        event.pop("transcript_path", None)  # nothing to fill in: this measures capture alone
        if event.get("tool_use_id"):
            event["tool_use_id"] = f"{event['tool_use_id']}~{session}~{cycle}"
        stream.append(event)
    return stream


@contextmanager
def recorder_on(store: Store, settings: Settings) -> Iterator[tuple[SpoolWriter, Recorder]]:
    """A spool writer and a recorder that drains it into ``store`` in this process (for the
    benchmarks that drive the recorder's passes themselves), holding the spool's lock."""
    paths = CapturePaths.from_settings(settings)
    paths.ensure()
    recorder = Recorder(settings, store=store, fill_from_transcripts=False, nice=0)
    recorder._acquire()
    try:
        yield SpoolWriter(paths.spool), recorder
    finally:
        recorder._release()


def fire(
    config: dict[str, Any],
    stream: list[dict[str, Any]],
    interval: float,
    start: float,
    results: Any,
) -> None:
    """One session (its own process, like one Claude Code): run its hooks on schedule, each
    as soon as the previous one exited and its time has come; send back the waits (ms) and
    the exit statuses that were not 0."""
    prepared = [(commands_for(config, p), json.dumps(p).encode()) for p in stream]
    waits: list[float] = []
    failures: list[int] = []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for index, (commands, data) in enumerate(prepared):
        delay = start + index * interval - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        for command in commands:
            seconds, status = spawn_hook(command, data)
            waits.append(seconds * 1000)
            if status != 0:
                failures.append(status)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    results.put((waits, failures, cpu))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rate", type=int, default=1000, help="events per second, all sessions")
    parser.add_argument(
        "--by-name", action="store_true", help="payloads by file name, results before calls"
    )
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument(
        "--recorder",
        choices=["during", "after"],
        default="during",
        help="run the recorder during the burst (default) or start it afterwards",
    )
    args = parser.parse_args()
    began = time.perf_counter()
    per_session = int(args.seconds * args.rate / args.sessions)
    interval = args.sessions / args.rate

    with tempfile.TemporaryDirectory(prefix="vibecast-capture-bench-") as tmp:
        root = Path(tmp)
        env = dict(os.environ, VIBECAST_HOME=str(root / "home"), CLAUDE_CONFIG_DIR=str(root))
        env.pop("VIBECAST_DATABASE_URL", None)
        settings = load_settings(env)
        paths = CapturePaths.from_settings(settings)
        program = build_hook_program(paths)
        settings_file = settings_path(settings)
        install_hooks(settings_file, program.command, paths)
        config = json.loads(settings_file.read_text())

        base = real_payloads(causal=not args.by_name)
        sessions = [f"bench-session-{n:02d}" for n in range(args.sessions)]
        streams = {s: session_stream(base, s, per_session) for s in sessions}

        def start_recorder() -> subprocess.Popen:
            process = subprocess.Popen(
                [sys.executable, "-c", RECORDER], env=env, stdout=subprocess.PIPE, text=True
            )
            while running_recorder_pid(paths.lock) != process.pid:
                if process.poll() is not None:
                    raise SystemExit("the recorder did not start")
                time.sleep(0.02)
            return process

        if args.recorder == "during":
            recorder = start_recorder()

        # Ten sessions, each its own process, their schedules staggered evenly: together one
        # event every 1/rate s, each session one every sessions/rate s.
        context = multiprocessing.get_context("fork")
        results = context.Queue()
        start = time.perf_counter() + 0.5
        workers = [
            context.Process(
                target=fire,
                args=(config, streams[s], interval, start + n * interval / len(sessions), results),
            )
            for n, s in enumerate(sessions)
        ]
        for worker in workers:
            worker.start()
        values: list[float] = []
        failures: list[int] = []
        hooks_cpu_s = 0.0
        for _ in workers:
            waits, failed, cpu = results.get()
            values.extend(waits)
            failures.extend(failed)
            hooks_cpu_s += cpu
        for worker in workers:
            worker.join()
        burst_s = time.perf_counter() - start
        if args.recorder == "after":  # it finds the whole burst waiting in the spool
            recorder = start_recorder()
            while list_spool(paths.spool):
                time.sleep(0.1)

        recorder.send_signal(signal.SIGTERM)
        output, _ = recorder.communicate(timeout=120)
        stats = json.loads(output.strip().splitlines()[-1])

        store = open_store(settings.database_url)
        try:
            lost = 0
            for session in sessions:
                replay = store.find_replay_by_session(session)
                stored = len(store.read_events(replay.id)) if replay else 0
                lost += per_session - stored
        finally:
            store.close()
        left = len(list_spool(paths.spool))
        hook_errors = paths.hook_log.exists()

    fired = len(values)
    p50, p99 = percentile(values, 50), percentile(values, 99)
    events = max(1, stats["events"])
    ingest_us = stats["ingest_cpu_s"] / events * 1e6
    commit_us = stats["commit_cpu_s"] / events * 1e6
    process_us = stats["process_cpu_s"] / events * 1e6
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"burst: {fired} hook events from {args.sessions} sessions in {burst_s:.2f} s "
        f"({fired / burst_s:.0f}/s, asked {args.rate}/s); hook program: {program.form}; "
        f"recorder {args.recorder} the burst; {os.cpu_count()} cores, load average {load}"
    )
    hook_cpu_ms = hooks_cpu_s / max(1, fired) * 1000
    print(
        f"hook CPU (sh + hook program, all processes): {hook_cpu_ms:.2f} ms per event, i.e. "
        f"{hook_cpu_ms * fired / burst_s / 1000:.2f} of the {os.cpu_count()} cores during the burst"
    )
    print(
        f"hook latency (spawn to exit): p50 {p50:.2f} ms [target <= {TARGET_P50_MS}] "
        f"{verdict(p50 <= TARGET_P50_MS)}, p99 {p99:.2f} ms [target <= {TARGET_P99_MS}] "
        f"{verdict(p99 <= TARGET_P99_MS)}, max {max(values):.2f} ms"
    )
    print(
        f"recorder: {stats['events']} events, {stats['commits']} commits; CPU per event: "
        f"ingest (spool -> events) {ingest_us:.1f} µs [target <= {TARGET_CPU_US:.0f}] "
        f"{verdict(ingest_us <= TARGET_CPU_US)}; commit (redact, merge, compress, save) "
        f"{commit_us:.1f} µs; whole recorder process {process_us:.1f} µs "
        f"[target <= {TARGET_CPU_US:.0f}] {verdict(process_us <= TARGET_CPU_US)}"
    )
    clean = lost == 0 and left == 0 and not hook_errors and not failures
    print(
        f"loss: {lost} events missing, {left} left in the spool, {len(failures)} hooks exited "
        f"non-zero, hook errors logged: {'yes' if hook_errors else 'no'} {verdict(clean)}"
    )
    print(f"total {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
