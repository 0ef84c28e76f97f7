"""Large tool results that Claude Code (>= 2.0.52) saved to files instead of the transcript.

The transcript then holds only a preview (the saved-to path is on the same line)::

    <persisted-output>
    Output too large (48.9KB). Full output saved to:
    /home/u/.claude/projects/<proj>/<session>/tool-results/toolu_01D….txt

    Preview (first 2KB):
    …
    </persisted-output>

The saved path is absolute on the machine that recorded it, so we look for the file by its part
after ``tool-results/`` next to the transcript being imported (``<session>/tool-results/`` in
2.1.x, ``<project>/tool-results/`` in 2.0.x), never outside those folders. The content found is
inlined, bounded to :data:`MAX_INLINE_BYTES`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = ["MAX_INLINE_BYTES", "PersistedOutputs"]

MAX_INLINE_BYTES = 1024 * 1024
_MARKER = "<persisted-output>"
_SAVED_TO = re.compile(r"saved to:\s*(\S+)")
_FOLDER = "tool-results/"


class PersistedOutputs:
    """Finds and inlines persisted tool outputs for one transcript."""

    def __init__(self, roots: list[Path]) -> None:
        self._roots = [root for root in roots if root.is_dir()]
        self.inlined = 0
        self.missing: list[str] = []

    @classmethod
    def for_transcript(cls, transcript: Path, session_id: str) -> PersistedOutputs:
        folder = transcript.parent
        return cls(
            [
                folder / session_id / "tool-results",
                folder / transcript.stem / "tool-results",
                folder / "tool-results",
            ]
        )

    def _find(self, saved_path: str) -> Path | None:
        normalised = saved_path.replace("\\", "/")
        cut = normalised.rfind(_FOLDER)
        relative = normalised[cut + len(_FOLDER) :] if cut >= 0 else normalised.rsplit("/", 1)[-1]
        for root in self._roots:
            candidate = (root / relative).resolve()
            if candidate.is_file() and candidate.is_relative_to(root.resolve()):
                return candidate
        return None

    def _read(self, path: Path) -> str:
        with path.open("rb") as handle:
            data = handle.read(MAX_INLINE_BYTES + 1)
        text = data[:MAX_INLINE_BYTES].decode("utf-8", "replace")
        if len(data) > MAX_INLINE_BYTES:
            size = path.stat().st_size
            text += f"\n[vibecast: output truncated to {MAX_INLINE_BYTES} of {size} bytes]"
        return text

    def inline_text(self, text: str) -> str:
        """The full output for a ``<persisted-output>`` preview, or the text unchanged."""
        if _MARKER not in text:
            return text
        match = _SAVED_TO.search(text)
        if match is None:
            return text
        found = self._find(match.group(1)) if self._roots else None
        if found is None:
            self.missing.append(match.group(1))
            return text
        self.inlined += 1
        return self._read(found)

    def inline(self, value: Any) -> Any:
        """``value`` (a string, a dict of strings, or text blocks) with previews replaced."""
        if isinstance(value, str):
            return self.inline_text(value)
        if isinstance(value, dict):
            changed = {
                k: self.inline_text(v)
                for k, v in value.items()
                if isinstance(v, str) and _MARKER in v
            }
            return {**value, **changed} if changed else value
        if isinstance(value, list):
            return [self.inline(item) if isinstance(item, str | dict) else item for item in value]
        return value
