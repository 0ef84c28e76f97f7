"""REST API latency and throughput over loopback, on SQLite and (when reachable) PostgreSQL.

Target (issue 4): p99 <= 50 ms and >= 500 requests/s for each of
  - list:          GET /api/replays?limit=50
  - get-metadata:  GET /api/replays/{id}?events_limit=0
  - events window: GET /api/replays/{id}/events?from_ms=T&to_ms=T+10000 (T varies)
on a replay of 10,000+ events built from the real shared sessions (their events repeated end to
end, shifted in time, with fresh ids), next to the shared sessions themselves and copies of them.

The server is what ``vibecast serve --workers N`` runs (``vibecast.server.runner``; N = 2 on a
2-core machine) in a subprocess; the load comes from a second process: ``wrk`` if installed
(``apt-get install wrk``), else a bounded httpx loop. Each endpoint gets a 1 s warm-up and a
measured run; the whole benchmark takes well under 2 minutes.

    python benchmarks/api_latency.py [--seconds 5] [--connections 8] [--workers 2] [--only sqlite]
    VIBECAST_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres (the default)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import msgspec

from _common import SHARED_DATA, percentile, verdict
from vibecast.config import Settings, load_settings
from vibecast.importers import read_source
from vibecast.importers.base import CapturedSession
from vibecast.model import RecordedEvent
from vibecast.pipeline import import_paths, save_session
from vibecast.redact import Redactor
from vibecast.server.tokens import hash_token, new_api_token
from vibecast.store import StoreError, open_store
from vibecast.store.base import ApiToken, Store

P99_TARGET_MS = 50.0
RPS_TARGET = 500.0
TARGET_EVENTS = 10_000
WINDOW_MS = 10_000
LIST_REPLAYS = 60  # replays in the store, so a list page is a full page of 50
POSTGRES_URL = os.environ.get(
    "VIBECAST_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


# -- the data ------------------------------------------------------------------------------------


def long_session(target: int = TARGET_EVENTS) -> CapturedSession:
    """One session of ``target``+ real events: every shared transcript's events back to back
    (5 s apart), repeated until long enough, each copy with its own ids."""
    rounds: list[RecordedEvent] = []
    offset = 0
    for path in sorted((SHARED_DATA / "claude-code" / "transcripts").glob("*.jsonl")):
        for session in read_source(path).sessions:
            if not session.events:
                continue
            start = min(e.timestamp for e in session.events)
            end = max(e.timestamp for e in session.events)
            for event in session.events:
                rounds.append(
                    msgspec.structs.replace(event, timestamp=event.timestamp - start + offset)
                )
            offset += end - start + 5000
    session_id = f"bench-{uuid.uuid4()}"
    events: list[RecordedEvent] = []
    copy = 0
    while len(events) < target:
        shift = copy * offset + 1_700_000_000_000
        for event in rounds:
            events.append(
                msgspec.structs.replace(
                    event,
                    id=f"{event.id}~{copy}",
                    session_id=session_id,
                    timestamp=event.timestamp + shift,
                    recorded_at=event.timestamp + shift,
                    tool_use_id=f"{event.tool_use_id}~{copy}" if event.tool_use_id else None,
                    parent_tool_use_id=(
                        f"{event.parent_tool_use_id}~{copy}" if event.parent_tool_use_id else None
                    ),
                )
            )
        copy += 1
    return CapturedSession(session_id=session_id, events=events, source="benchmark")


@dataclass
class Seeded:
    replay_id: str
    event_count: int
    duration_ms: int
    window_starts: list[int]
    token: str | None  # server mode (PostgreSQL) needs one


def seed(store: Store, settings: Settings, server_mode: bool) -> Seeded:
    user_id, token = "local", None
    if server_mode:
        user = store.create_user(f"bench-{uuid.uuid4().hex[:8]}", is_admin=True)
        token = new_api_token()
        store.add_token(
            ApiToken(
                id=str(uuid.uuid4()),
                user_id=user.id,
                name="benchmark",
                token_hash=hash_token(token),
                created_at=int(time.time() * 1000),
            )
        )
        user_id = user.id
    summary = import_paths(
        store, settings, [SHARED_DATA / "claude-code" / "transcripts"], user_id=user_id, force=True
    )
    # Copies of the real replays under other session ids fill a list page.
    sources = [store.get_replay(i) for i in summary.replay_ids]
    copies = 0
    while len(summary.replay_ids) + copies < LIST_REPLAYS - 1:
        source = sources[copies % len(sources)]
        events = store.read_events(source.id)
        session_id = f"copy-{copies}-{source.session_id}"
        replay = msgspec.structs.replace(
            source, id=str(uuid.uuid4()), session_id=session_id, title=f"{source.title} #{copies}"
        )
        store.save_replay(
            replay, [msgspec.structs.replace(e, session_id=session_id) for e in events]
        )
        copies += 1
    saved = save_session(store, long_session(), Redactor(settings.redaction), user_id)
    replay_id = saved.saved.replay.id
    replay = store.get_replay(replay_id)
    events = store.read_events(replay_id)
    starts = [e.relative_time_ms for e in events[:: max(1, len(events) // 200)]]
    return Seeded(replay_id, len(events), replay.metadata.duration_ms, starts, token)


# -- the server (a subprocess) -------------------------------------------------------------------


def serve(database_url: str, home: str, port: int, workers: int) -> None:
    """Entry point of the server subprocess: what `vibecast serve --workers N` runs."""
    from vibecast.server import ServerSettings
    from vibecast.server.runner import run

    env = {**os.environ, "VIBECAST_HOME": home, "VIBECAST_DATABASE_URL": database_url}
    run(
        ServerSettings.load(load_settings(env), host="127.0.0.1", port=port, env=env),
        workers=workers,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server_process(database_url: str, home: str, workers: int) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", database_url, home, str(port), str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {proc.stderr.read()}")
            try:
                httpx.get(f"{base}/api/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start in 30 s") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- the load (a second process) -----------------------------------------------------------------


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


_WRK_LUA = """
paths = {%s}
headers = {%s}
i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i], headers)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%.3f %%.3f\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal here


def load_wrk(
    base: str, paths: list[str], headers: dict[str, str], seconds: float, connections: int
) -> LoadResult:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            _WRK_LUA
            % (
                ", ".join(_lua_string(p) for p in paths),
                ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()),
            )
        )
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "5s",
                "-s",
                script.name,
                base,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    match = re.search(r"RESULT (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+)", out)
    if not match:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    requests, errors, micros = (int(match.group(i)) for i in (1, 2, 3))
    return LoadResult(requests, errors, micros / 1e6, float(match.group(4)), float(match.group(5)))


async def _httpx_loop(
    base: str, paths: list[str], headers: dict[str, str], seconds: float, connections: int
) -> LoadResult:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits) as client:
        deadline = time.perf_counter() + seconds

        async def worker(offset: int) -> None:
            nonlocal errors
            i = offset
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await client.get(paths[i % len(paths)])
                latencies.append((time.perf_counter() - started) * 1000)
                errors += response.status_code != 200
                i += connections

        started = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(connections)))
        elapsed = time.perf_counter() - started
    return LoadResult(
        len(latencies), errors, elapsed, percentile(latencies, 50), percentile(latencies, 99)
    )


def load(
    base: str, paths: list[str], headers: dict[str, str], seconds: float, connections: int
) -> LoadResult:
    """Drive the server from another process: wrk if present, else the httpx loop."""
    if shutil.which("wrk"):
        return load_wrk(base, paths, headers, seconds, connections)
    config = json.dumps([base, paths, headers, seconds, connections])
    out = subprocess.run(
        [sys.executable, __file__, "--load", config],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    return LoadResult(**json.loads(out))


# -- the benchmark -------------------------------------------------------------------------------


def scenarios(seeded: Seeded) -> dict[str, list[str]]:
    replay = seeded.replay_id
    return {
        "list": ["/api/replays?limit=50"],
        "get-metadata": [f"/api/replays/{replay}?events_limit=0"],
        "events 10 s": [
            f"/api/replays/{replay}/events?from_ms={t}&to_ms={t + WINDOW_MS}"
            for t in seeded.window_starts
        ],
    }


def bench_backend(
    name: str, database_url: str, home: str, seconds: float, connections: int, workers: int
) -> bool:
    store = open_store(database_url)
    try:
        settings = load_settings({"VIBECAST_HOME": home, "VIBECAST_DATABASE_URL": database_url})
        started = time.perf_counter()
        seeded = seed(store, settings, server_mode=name == "PostgreSQL")
        built = time.perf_counter() - started
    finally:
        store.close()
    print(
        f"\n{name}: replay of {seeded.event_count} events, "
        f"{seeded.duration_ms / 3_600_000:.1f} h, built in {built:.1f} s; "
        f"{LIST_REPLAYS} replays in the store"
    )
    headers = {"Authorization": f"Bearer {seeded.token}"} if seeded.token else {}
    ok = True
    with server_process(database_url, home, workers) as base:
        for label, paths in scenarios(seeded).items():
            check = httpx.get(base + paths[0], headers=headers, timeout=10)
            if check.status_code != 200:
                raise RuntimeError(f"{label}: {check.status_code} {check.text[:200]}")
            load(base, paths, headers, 1.0, connections)  # warm-up
            result = load(base, paths, headers, seconds, connections)
            passed = (
                result.p99_ms <= P99_TARGET_MS and result.rps >= RPS_TARGET and not result.errors
            )
            ok &= passed
            print(
                f"  {label:<13} p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms  "
                f"{result.rps:7.0f} req/s  ({result.requests} requests, "
                f"{result.errors} errors)  {verdict(passed)}"
            )
    return ok


@contextmanager
def postgres_database() -> Iterator[str | None]:
    """A scratch database on the PostgreSQL server, or None (with the reason printed)."""
    try:
        import psycopg
    except ImportError:
        print("\nPostgreSQL: skipped (psycopg is not installed)")
        yield None
        return
    name = f"vibecast_bench_{os.getpid()}"
    try:
        with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        print(f"\nPostgreSQL: skipped ({str(exc).strip().splitlines()[0]})")
        yield None
        return
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measured run per endpoint")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one backend only")
    parser.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="server worker processes (vibecast serve --workers; default: up to 2)",
    )
    args = parser.parse_args()
    tool = "wrk" if shutil.which("wrk") else "httpx (install wrk for a lighter load generator)"
    print(
        f"Targets per endpoint: p99 <= {P99_TARGET_MS:.0f} ms, >= {RPS_TARGET:.0f} req/s. "
        f"Server: {args.workers} worker process(es). Load: {tool}, {args.connections} "
        f"connections, {args.seconds:.0f} s each; {os.cpu_count()} CPUs shared by server, "
        "database and load."
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="vibecast-api-bench-") as home:
        sqlite_url = f"sqlite:///{Path(home) / 'vibecast.db'}"
        if args.only != "postgresql":
            results.append(
                bench_backend(
                    "SQLite", sqlite_url, home, args.seconds, args.connections, args.workers
                )
            )
        if args.only == "sqlite":
            print(f"\nOverall: {verdict(all(results))}")
            return
        with postgres_database() as pg_url:
            if pg_url is not None:
                try:
                    results.append(
                        bench_backend(
                            "PostgreSQL",
                            pg_url,
                            home,
                            args.seconds,
                            args.connections,
                            args.workers,
                        )
                    )
                except StoreError as exc:
                    print(f"  skipped: {exc}")
    print(f"\nOverall: {verdict(all(results))}")


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--serve":
        serve(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    elif len(sys.argv) == 3 and sys.argv[1] == "--load":
        base, paths, headers, seconds, connections = json.loads(sys.argv[2])
        result = asyncio.run(_httpx_loop(base, paths, headers, seconds, connections))
        print(json.dumps(msgspec.to_builtins(result.__dict__)))
    else:
        main()
