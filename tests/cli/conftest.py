"""Run the real `vibecast` command in a subprocess, against a throwaway home and Claude dir."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


Runner = Callable[..., Result]


def make_env(home: Path, claude_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIBECAST_", "CLAUDE_"))}
    env.update(
        VIBECAST_HOME=str(home),
        CLAUDE_CONFIG_DIR=str(claude_dir),
        VIBECRAFT_EVENTS_FILE=str(home / "no-vibecraft.jsonl"),
        COLUMNS="200",
        NO_COLOR="1",
    )
    return env


@pytest.fixture
def claude_dir(tmp_path: Path, shared_data: Path) -> Path:
    """A Claude config dir whose projects/ holds copies of the shared real transcripts."""
    root = tmp_path / "claude"
    project = root / "projects" / "-path-to-Demo"
    project.mkdir(parents=True)
    for transcript in (shared_data / "claude-code" / "transcripts").glob("*.jsonl"):
        shutil.copy(transcript, project / transcript.name)
    return root


@pytest.fixture
def vibecast(tmp_path: Path, claude_dir: Path) -> Runner:
    """Call as ``vibecast("list", "--json", home=...)``; home defaults to one per test."""
    default_home = tmp_path / "home"

    def run(
        *args: str,
        home: Path | None = None,
        timeout: float = 120,
        pipe_to: str | None = None,
        env: dict[str, str] | None = None,
        stdin: int = subprocess.DEVNULL,
        terminal: int | None = None,
    ) -> Result:
        """``pipe_to``: a shell command the output is piped into (``head -1``); ``env``: more
        variables (``VIBECAST_DATABASE_URL``); ``stdin``: a file descriptor (a terminal's);
        ``terminal``: standard output is a terminal that many columns wide (``out`` is the text
        it shows, without escape codes)."""
        environ = {**make_env(home or default_home, claude_dir), **(env or {})}
        command: list[str] | str = [sys.executable, "-m", "vibecast", *args]
        if terminal is not None:
            return _on_terminal(command, {**environ, "COLUMNS": str(terminal)}, timeout)
        if pipe_to:  # pipefail: the exit status is vibecast's, not only the reader's
            command = f"set -o pipefail; {shlex.join(command)} | {pipe_to}"
        proc = subprocess.run(
            command,
            shell=bool(pipe_to),
            executable="/bin/bash" if pipe_to else None,
            env=environ,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=stdin,
            check=False,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return run


_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _on_terminal(command: list[str], env: dict[str, str], timeout: float) -> Result:
    """Run with standard output on a pseudo-terminal, as a user at a terminal sees it."""
    screen, tty = os.openpty()
    proc = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=tty, stderr=subprocess.PIPE, env=env
    )
    os.close(tty)
    shown = bytearray()
    with open(screen, "rb", buffering=0) as reader:
        while True:
            try:
                chunk = reader.read(65536)
            except OSError:  # EIO: the command closed its end
                break
            if not chunk:
                break
            shown += chunk
    err = proc.stderr.read() if proc.stderr else b""
    code = proc.wait(timeout=timeout)
    out = _ESCAPES.sub("", shown.decode()).replace("\r\n", "\n")
    return Result(code, out, err.decode())
