"""``vibecast serve``, ``vibecast users`` and ``vibecast tokens``: the real command, in a
subprocess, against a throwaway home."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from served import free_port, serving
from vibecast.cli import cli
from vibecast.config import load_settings
from vibecast.server.tokens import hash_token
from vibecast.store import open_store


@dataclass
class Result:
    code: int
    out: str
    err: str


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIBECAST_", "CLAUDE_"))}
    env.update(VIBECAST_HOME=str(home), CLAUDE_CONFIG_DIR=str(home / "claude"), NO_COLOR="1")
    env["COLUMNS"] = "200"
    return env


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def vibecast(home: Path, *args: str) -> Result:
    """The real command, in a subprocess (slow to start: only for `serve`)."""
    proc = subprocess.run(
        [sys.executable, "-m", "vibecast", *args],
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def invoke(home: Path, *args: str) -> Result:
    """The real command group in-process (click's runner), with the same environment."""
    result = CliRunner().invoke(cli, list(args), env=_env(home), catch_exceptions=False)
    return Result(result.exit_code, result.stdout, result.stderr)


def one_line_error(result: Result, needle: str) -> None:
    assert result.code != 0
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], result.err
    assert "Traceback" not in result.err


def test_users_and_tokens(home: Path) -> None:
    added = invoke(home, "users", "add", "alice", "--admin")
    assert added.code == 0, added.err
    user_id = added.out.strip()
    one_line_error(invoke(home, "users", "add", "alice"), "already exists")
    one_line_error(invoke(home, "users", "add", "bad name!"), "invalid user name")
    assert invoke(home, "users", "add", "bob").code == 0
    listed = invoke(home, "users", "list", "--json")
    users = {u["name"]: u for u in json.loads(listed.out)}
    assert users["alice"]["id"] == user_id and users["alice"]["is_admin"] is True
    assert users["bob"]["is_admin"] is False
    assert user_id[:8] in invoke(home, "users", "list").out

    created = invoke(home, "tokens", "create", "alice", "--name", "laptop")
    assert created.code == 0, created.err
    token = created.out.strip()
    assert token.startswith("vct_") and len(created.out.splitlines()) == 1
    token_id = re.search(r"Token (\S+) for alice", created.err).group(1)
    listed_tokens = json.loads(invoke(home, "tokens", "list", "alice", "--json").out)
    assert [(t["id"], t["name"], t["revoked"]) for t in listed_tokens] == [
        (token_id, "laptop", False)
    ]
    assert "token_hash" not in listed_tokens[0]
    assert token not in invoke(home, "tokens", "list").out
    store = open_store(load_settings({"VIBECAST_HOME": str(home)}).database_url)
    try:
        assert store.user_for_token(hash_token(token), 0).name == "alice"
        revoked = invoke(home, "tokens", "revoke", token_id)
        assert revoked.code == 0, revoked.err
        assert store.user_for_token(hash_token(token), 0) is None
        after = json.loads(invoke(home, "tokens", "list", "--json").out)
        assert [t["revoked"] for t in after] == [True]
        assert invoke(home, "tokens", "list").code == 0
    finally:
        store.close()
    one_line_error(invoke(home, "tokens", "revoke", "no-such-token"), "no token")
    one_line_error(invoke(home, "tokens", "create", "nobody"), "no user")


def test_serve_refuses_to_go_beyond_loopback_without_users(home: Path) -> None:
    result = vibecast(home, "serve", "--host", "0.0.0.0", "--port", str(free_port()))
    one_line_error(result, "refusing to serve on 0.0.0.0")


def test_serve_reports_a_busy_port(home: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = vibecast(home, "serve", "--port", str(port))
    one_line_error(result, f"cannot serve on 127.0.0.1:{port}")


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_runs_and_stops(home: Path, workers: int) -> None:
    with serving(_env(home), "--workers", str(workers), start_s=20) as served:
        health = httpx.get(f"{served.url}/api/health", timeout=1)
        assert health.json()["mode"] == "local"
        listed = httpx.get(f"{served.url}/api/replays", timeout=5).json()
        assert listed == {"replays": [], "total": 0, "limit": 50, "offset": 0}
    assert served.url in served.stderr and "local mode" in served.stderr
