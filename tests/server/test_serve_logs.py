"""What `vibecast serve` prints for whoever runs it: what it does at start (mode, database
without credentials, whose sessions it records, exports, access log), then a warning per
refused sign-in or token — never the token, and a handful of lines for a burst of thousands."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import httpx

from pg_helpers import scratch_database
from served import run_vibecast, serving
from vibecast.server.logs import RateLimit, _loggable_path, describe_database

BAD_TOKEN = "vct_" + "x" * 43


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIBECAST_", "CLAUDE_"))}
    env.update(VIBECAST_HOME=str(home), CLAUDE_CONFIG_DIR=str(home / "claude"), NO_COLOR="1")
    env.update(extra)
    return env


def test_local_serve_says_what_it_does_and_logs_requests_when_asked(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with serving(_env(home)) as served:
        httpx.get(f"{served.url}/api/health", timeout=5)
    lines = served.stderr
    assert "INFO mode: local (no login; this machine only)" in lines
    assert f"INFO database: SQLite ({home / 'vibecast.db'})" in lines
    assert "INFO live capture: recording this machine's hook events as local" in lines
    assert "INFO video exports: rendered in this process" in lines
    assert "INFO access log: off (--access-log or VIBECAST_ACCESS_LOG=1 turns it on)" in lines
    assert "/api/health" not in lines

    with serving(_env(home, VIBECAST_ACCESS_LOG="1")) as served:
        httpx.get(f"{served.url}/api/health", timeout=5)
    assert "INFO access log: on" in served.stderr
    assert '"GET /api/health HTTP/1.1" 200' in served.stderr


def test_server_mode_warns_of_refused_tokens_and_sign_ins_without_flooding(
    tmp_path: Path,
) -> None:
    with scratch_database() as url:
        # Trust auth on the test server takes any password: the one here must never be printed.
        with_password = url.replace("postgres@", "postgres:s3cret-db-password@")
        env = _env(tmp_path / "home", VIBECAST_DATABASE_URL=with_password)
        assert run_vibecast(env, "users", "add", "alice", "--admin").returncode == 0
        assert run_vibecast(env, "tokens", "create", "alice").returncode == 0
        with serving(env) as served, httpx.Client(base_url=served.url, timeout=5) as client:
            bearer = {"Authorization": f"Bearer {BAD_TOKEN}"}
            for _ in range(300):
                assert client.get("/api/replays", headers=bearer).status_code == 401
            login = client.post(
                "/login",
                data={"name": "alice", "token": BAD_TOKEN + "login"},
                headers={"Origin": served.url},
            )
            assert login.status_code == 401
    lines = served.stderr.splitlines()
    database = url.rsplit("/", 1)[1]
    assert f"INFO database: PostgreSQL (database {database} on 127.0.0.1:5432)" in served.stderr
    assert "INFO video exports: rendered by `vibecast worker` processes, not this" in served.stderr
    refused = [line for line in lines if "401 GET /api/replays from 127.0.0.1" in line]
    assert 1 <= len(refused) <= 5, served.stderr
    assert "WARNING" in refused[0] and "(no valid token or login)" in refused[0]
    assert "more like this within 10 s are counted, not logged" in refused[-1]
    signed = [line for line in lines if "failed sign-in: POST /login answered 401" in line]
    assert len(signed) == 1, served.stderr
    assert BAD_TOKEN not in served.stderr and "s3cret-db-password" not in served.stderr
    assert len(lines) < 20, served.stderr


def test_rate_limit_lets_a_burst_through_then_counts() -> None:
    now = [0.0]
    limit = RateLimit(burst=3, window_s=10, clock=lambda: now[0])

    def record(msg: str = "%d %s") -> logging.LogRecord:
        return logging.LogRecord("vibecast.serve", logging.WARNING, "", 0, msg, (401, "/x"), None)

    passed = [r for r in (record() for _ in range(1000)) if limit.filter(r)]
    assert len(passed) == 3
    assert passed[-1].getMessage().endswith("[more like this within 10 s are counted, not logged]")
    assert limit.filter(record("another kind %d %s"))  # each kind has its own budget
    now[0] = 10.0
    after = record()
    assert limit.filter(after)
    assert after.getMessage() == "401 /x [997 more like this not logged]"


def test_what_is_logged_of_a_path_and_a_database() -> None:
    assert _loggable_path("/s/SECRETTOKEN") == "/s/…"
    assert _loggable_path("/api/s/SECRETTOKEN/events") == "/api/s/…/events"
    assert _loggable_path("/api/replays/abc\n2026 WARNING forged") == (
        "/api/replays/abc?2026 WARNING forged"
    )
    assert len(_loggable_path("/" + "a" * 5000)) == 201
    assert describe_database("postgresql://owner:pw@db.example:5433/team?password=pw") == (
        "PostgreSQL (database team on db.example:5433)"
    )
