"""The real ``vibecast`` program for tests: a command run to its end, or ``vibecast serve`` on a
free port of 127.0.0.1, stopped with Ctrl-C at the end of the ``with``."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

__all__ = ["Served", "free_port", "run_vibecast", "serving"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_vibecast(env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``vibecast ARGS`` in a process of its own, to its end (at most 2 minutes)."""
    return subprocess.run(
        [sys.executable, "-m", "vibecast", *args],
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@dataclass
class Served:
    url: str
    stderr: str = ""  # what the server printed, once it has stopped


@contextmanager
def serving(env: Mapping[str, str], *args: str, start_s: float = 30) -> Iterator[Served]:
    """``vibecast serve --port P ARGS``, answering ``/api/health`` before the body runs; stopped
    with SIGINT after it, which must end it cleanly (exit status 0)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "vibecast", "serve", "--port", str(port), *args],
        env=dict(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    served = Served(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + start_s
        while True:
            assert proc.poll() is None, proc.communicate()[1]
            try:
                httpx.get(f"{served.url}/api/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "vibecast serve did not come up"
                time.sleep(0.1)
        yield served
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        _, served.stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, served.stderr
