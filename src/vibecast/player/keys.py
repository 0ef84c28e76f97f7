"""Keys for the terminal player: cbreak mode that is always undone, and a key decoder.

The terminal is put in cbreak mode (keys arrive one by one, no echo) but keeps ``ISIG``, so Ctrl-C
still raises ``KeyboardInterrupt`` in the main thread and the ``finally`` that restores the
terminal runs. Keys are read on a daemon thread that polls with a short timeout so it can be
stopped.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
from collections.abc import Callable, Iterator

__all__ = ["KeyDecoder", "KeyReader", "cbreak_terminal"]

# Escape sequences the player understands (xterm, VT100 application mode, rxvt shift-arrows).
_SEQUENCES: dict[bytes, str] = {
    b"\x1b[A": "up",
    b"\x1b[B": "down",
    b"\x1b[C": "right",
    b"\x1b[D": "left",
    b"\x1bOA": "up",
    b"\x1bOB": "down",
    b"\x1bOC": "right",
    b"\x1bOD": "left",
    b"\x1b[1;2C": "shift-right",
    b"\x1b[1;2D": "shift-left",
    b"\x1b[c": "shift-right",
    b"\x1b[d": "shift-left",
}
_NAMED: dict[bytes, str] = {b" ": "space", b"\r": "enter", b"\n": "enter", b"\x1b": "escape"}


class KeyDecoder:
    """Bytes from the terminal -> key names (``"space"``, ``"left"``, ``"q"``, ...).

    A sequence split across two reads is kept until the rest arrives; unknown sequences are
    dropped whole, so they never turn into stray letters.
    """

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, data: bytes) -> list[str]:
        buf = self._pending + data
        self._pending = b""
        keys: list[str] = []
        i = 0
        while i < len(buf):
            if buf[i] != 0x1B:
                char = buf[i : i + 1]
                name = _NAMED.get(char)
                if name is None:
                    # Multi-byte UTF-8 characters are not keys the player uses; skip them whole.
                    length = _utf8_length(buf[i])
                    name = buf[i : i + length].decode("utf-8", "replace")
                    i += length
                else:
                    i += 1
                keys.append(name)
                continue
            end = _sequence_end(buf, i)
            if end is None:  # incomplete: wait for the rest
                self._pending = buf[i:]
                break
            sequence = buf[i:end]
            keys.append(_SEQUENCES.get(sequence, "escape" if end - i == 1 else "unknown"))
            i = end
        return [k for k in keys if k != "unknown"]

    def flush(self) -> list[str]:
        """A lone ESC that waited for more bytes in vain is the Escape key."""
        pending, self._pending = self._pending, b""
        return ["escape"] if pending == b"\x1b" else []


def _utf8_length(first: int) -> int:
    if first >= 0xF0:
        return 4
    if first >= 0xE0:
        return 3
    if first >= 0xC0:
        return 2
    return 1


def _sequence_end(buf: bytes, start: int) -> int | None:
    """Index just past the escape sequence at ``start``; None if more bytes are needed."""
    if start + 1 >= len(buf):
        return None
    kind = buf[start + 1]
    if kind == ord("["):  # CSI: parameters, then a final byte in @..~
        for j in range(start + 2, len(buf)):
            if 0x40 <= buf[j] <= 0x7E:
                return j + 1
        return None
    if kind == ord("O"):  # SS3: one more byte
        return start + 3 if start + 2 < len(buf) else None
    return start + 1  # ESC followed by something else: a lone Escape


@contextlib.contextmanager
def cbreak_terminal(fd: int) -> Iterator[None]:
    """Cbreak mode (no line buffering, no echo, signals kept) for ``fd``, always restored."""
    import termios
    import tty

    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd, termios.TCSANOW)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


class KeyReader:
    """Reads keys from ``fd`` on a daemon thread and hands each to ``on_key``."""

    def __init__(
        self,
        fd: int,
        on_key: Callable[[str], None],
        *,
        on_error: Callable[[BaseException], None] | None = None,
        poll_s: float = 0.05,
    ) -> None:
        self._fd = fd
        self._on_key = on_key
        self._on_error = on_error
        self._poll_s = poll_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="vibecast-keys", daemon=True)
        self.error: BaseException | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=1.0)

    def _loop(self) -> None:
        decoder = KeyDecoder()
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([self._fd], [], [], self._poll_s)
                if not ready:
                    for key in decoder.flush():
                        self._on_key(key)
                    continue
                data = os.read(self._fd, 64)
                if not data:  # end of input: nothing more will come
                    return
                for key in decoder.feed(data):
                    self._on_key(key)
        except Exception as exc:  # a failing key handler must not die silently
            self.error = exc
            if self._on_error is not None:
                self._on_error(exc)
