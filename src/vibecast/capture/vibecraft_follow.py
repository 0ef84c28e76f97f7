"""Following Vibecraft's event log (``~/.vibecraft/data/events.jsonl``) as it grows.

Each complete new line is spooled as a ``.vibecraft`` payload, then the offset after it is
saved (atomically, per file, with its inode so that a replaced or truncated log starts over).
A crash between the two spools a line again; Vibecraft's own event ids make that second copy
merge with the first, so each event is in the store exactly once.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import msgspec

from vibecast.capture.paths import CapturePaths
from vibecast.capture.spool import VIBECRAFT, SpoolWriter

__all__ = ["VibecraftFollower"]

log = logging.getLogger("vibecast.capture")

_MAX_READ = 8 << 20  # read at most this much per poll, so a huge backlog does not stall


class _Offset(msgspec.Struct):
    inode: int
    offset: int


class VibecraftFollower:
    """Spools the lines appended to one Vibecraft event log since the last poll."""

    def __init__(self, path: Path, paths: CapturePaths) -> None:
        self.path = Path(path).expanduser()
        self.paths = paths
        self.writer = SpoolWriter(paths.spool)
        self._key = str(self.path.resolve())

    def _load(self) -> dict[str, _Offset]:
        try:
            data = self.paths.vibecraft_offsets.read_bytes()
            return msgspec.json.decode(data, type=dict[str, _Offset])
        except FileNotFoundError:
            return {}
        except (OSError, msgspec.DecodeError) as exc:
            log.warning("cannot read %s (starting over): %s", self.paths.vibecraft_offsets, exc)
            return {}

    def _save(self, offsets: dict[str, _Offset]) -> None:
        target = self.paths.vibecraft_offsets
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(msgspec.json.encode(offsets))
        os.replace(tmp, target)

    def poll(self) -> int:
        """Spool the complete lines added since last time; returns how many."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return 0
        except OSError as exc:
            log.warning("cannot follow %s: %s", self.path, exc)
            return 0
        offsets = self._load()
        known = offsets.get(self._key)
        start = known.offset if known and known.inode == st.st_ino else 0
        if st.st_size < start:
            log.warning("%s shrank: reading it again from the start", self.path)
            start = 0
        if st.st_size == start:
            return 0
        with self.path.open("rb") as fh:
            fh.seek(start)
            data = fh.read(min(st.st_size - start, _MAX_READ))
            if b"\n" not in data and len(data) == _MAX_READ:  # one very long line
                data += fh.read(st.st_size - start - len(data))
        end = data.rfind(b"\n") + 1  # a line still being written waits for its newline
        if end == 0:
            return 0
        spooled = 0
        for line in data[:end].splitlines():
            if line.strip():
                self.writer.write(line.strip(), VIBECRAFT)
                spooled += 1
        offsets[self._key] = _Offset(inode=st.st_ino, offset=start + end)
        self._save(offsets)
        return spooled
