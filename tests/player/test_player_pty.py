"""The interactive player on a real pseudo-terminal: keys work, the terminal is restored."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

TIMEOUT_S = 30  # generous: these tests wait for things to happen, they do not time them
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

CHILD = """
import sys, termios
from vibecast.model import RecordedEvent
from vibecast.player.terminal import play_in_terminal

def prompt(t, text):
    return RecordedEvent(id=str(t), timestamp=t, type="user_prompt_submit", session_id="s",
                         prompt=text, recorded_at=t, relative_time_ms=t)

before = termios.tcgetattr(0)
try:
    play_in_terminal([prompt(0, "first prompt"), prompt(600_000, "ten minutes later")],
                     title="pty demo", duration_ms=600_000)
finally:
    print("RESTORED" if termios.tcgetattr(0) == before else "NOT RESTORED", flush=True)
"""


class Terminal:
    """A child process on the slave side of a pty; we type and read on the master side."""

    def __init__(self, script: Path) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
        self.initial = termios.tcgetattr(slave)
        self._slave = slave
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "30"}
        env.pop("NO_COLOR", None)
        self.proc = subprocess.Popen(
            [sys.executable, str(script)],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,  # its own session, with the pty as controlling terminal:
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),  # so Ctrl-C is a SIGINT
        )
        self.output = ""

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.master, 65536)
        except OSError:  # the child closed the terminal
            return False
        self.output += ANSI.sub("", data.decode("utf-8", "replace"))
        return bool(data)

    def expect(self, needle: str, start: int = 0) -> int:
        deadline = time.monotonic() + TIMEOUT_S
        while (found := self.output.find(needle, start)) < 0:
            if time.monotonic() > deadline or not self._read(0.05):
                pytest.fail(f"{needle!r} never appeared; output:\n{self.output}")
        return found + len(needle)

    def send(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def finish(self) -> int:
        code = self.proc.wait(TIMEOUT_S)
        while self._read(0.05) and select.select([self.master], [], [], 0)[0]:
            pass
        return code

    def attributes_now(self) -> list:
        return termios.tcgetattr(self._slave)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
        os.close(self._slave)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    term = Terminal(script)
    yield term
    term.close()


def test_space_pauses_and_q_quits_restoring_the_terminal(terminal: Terminal) -> None:
    seen = terminal.expect("first prompt")
    seen = terminal.expect("space pause", seen)  # the live status line is up
    terminal.send(b" ")
    seen = terminal.expect("PAUSED", seen)
    terminal.send(b"\x1b[C")  # right arrow: +10 s
    seen = terminal.expect("0:10 / 10:00", seen)
    terminal.send(b"q")
    assert terminal.finish() == 0
    terminal.expect("stopped at 0:10 / 10:00", seen)
    terminal.expect("RESTORED", seen)
    assert "NOT RESTORED" not in terminal.output
    assert terminal.attributes_now() == terminal.initial


def test_ctrl_c_restores_the_terminal(terminal: Terminal) -> None:
    seen = terminal.expect("space pause")
    terminal.send(b"\x03")
    assert terminal.finish() != 0  # KeyboardInterrupt, re-raised for the CLI to report
    terminal.expect("RESTORED", seen)
    assert "NOT RESTORED" not in terminal.output
    assert terminal.attributes_now() == terminal.initial
