"""Rewriting a JSON settings file the way it was written: same indentation, key order, final
newline and escaping, replaced atomically (through a symlink to its target, keeping its mode)."""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["JsonStyle", "detect_style", "dump_json", "write_atomically"]

_INDENT = re.compile(r"\n([ \t]+)\S")


@dataclass(frozen=True)
class JsonStyle:
    indent: int | str | None = 2  # None: all on one line
    final_newline: bool = True
    ensure_ascii: bool = False
    compact: bool = False  # one-line files: "," and ":" without spaces


def detect_style(text: str) -> JsonStyle:
    """The style of an existing JSON text (defaults for an empty one)."""
    if not text.strip():
        return JsonStyle()
    match = _INDENT.search(text)
    indent: int | str | None
    if match is None:
        indent = None
    else:
        whitespace = match.group(1)
        indent = whitespace if "\t" in whitespace else len(whitespace)
    escaped = re.search(r"\\u[0-9a-fA-F]{4}", text) is not None
    raw_non_ascii = any(ord(ch) > 127 for ch in text)
    return JsonStyle(
        indent=indent,
        final_newline=text.endswith("\n"),
        ensure_ascii=escaped and not raw_non_ascii,
        compact=indent is None and '": ' not in text and ", " not in text,
    )


def dump_json(value: Any, style: JsonStyle) -> str:
    if style.indent is None:
        separators = (",", ":") if style.compact else (", ", ": ")
    else:
        separators = (",", ": ")
    text = json.dumps(
        value, indent=style.indent, ensure_ascii=style.ensure_ascii, separators=separators
    )
    return text + "\n" if style.final_newline else text


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path``'s content with ``data`` in one rename (a symlink keeps pointing at its
    target, which is what gets replaced; an existing file's permissions are kept)."""
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode: int | None = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
