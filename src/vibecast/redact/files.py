"""The file-content policy: what a Read returned and an Edit's original file are not kept.

The spec stores paths, sizes and line ranges, not the files an agent looked at (they are the
largest payloads of a session, and the likeliest to hold secrets nobody typed into the chat).
``RedactionSettings.keep_file_contents`` keeps them (redacted like everything else).

What is dropped, in the shapes Claude Code produces (hook ``tool_response`` and transcript
``toolUseResult`` alike):

* Read: ``{"type": "text", "file": {"filePath", "content", "numLines", "startLine",
  "totalLines"}}`` keeps everything but ``content`` and gains ``bytes`` and ``digest`` of it, so
  two reads of the same file still compare equal. The digest is keyed with the install's secret
  (``hmac-sha256:…``, see :mod:`vibecast.install_key`): a plain hash of a short secret file
  (``.env``) could be checked against guesses by anyone who reads the replay. Images, PDFs and
  notebooks (``base64``, ``cells``) likewise. The transcript's own ``tool_result`` text of a
  Read (line-numbered, as ``cat -n`` prints it) becomes ``[file contents not stored: N lines,
  M bytes]``.
* Edit / MultiEdit / Write-over-a-file: ``originalFile`` / ``originalFileContents`` is dropped;
  ``filePath``, ``oldString``, ``newString`` and ``structuredPatch`` stay, which is what a diff
  view needs. What Write wrote is the agent's own output and is kept.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections import Counter
from typing import Any

__all__ = ["READ_TOOLS", "omit_file_contents"]

READ_TOOLS = frozenset({"Read"})
_ORIGINAL_KEYS = ("originalFile", "originalFileContents")
_FILE_PAYLOAD_KEYS = ("content", "base64", "cells")
_READ_TYPES = frozenset({"text", "image", "notebook", "pdf"})
_LINE_NUMBERED = re.compile(r"[ \t]*\d+(?:→|\t)")
_MAX_DEPTH = 64  # file payloads sit a few levels down; deeper structures are not tool results


def _digest(text: str, key: bytes | None) -> tuple[int, str]:
    """Size and digest of dropped contents: keyed when there is a key (always, in the import
    pipeline and the recorder), a plain ``sha256:`` otherwise."""
    data = text.encode("utf-8", "surrogatepass")
    if key is None:
        return len(data), "sha256:" + hashlib.sha256(data).hexdigest()
    return len(data), "hmac-sha256:" + hmac.new(key, data, hashlib.sha256).hexdigest()


def is_file_listing(text: str, *, tabs: bool = True) -> bool:
    """Text as Read returns it: ``cat -n`` style, each line led by its number and an arrow.

    Older Claude Code versions put a tab after the number; ``tabs=False`` accepts only the arrow
    (for tool results whose tool is unknown, where a tab could be any tool's output).
    """
    m = _LINE_NUMBERED.match(text)
    return m is not None and (tabs or m.group().endswith("→"))


def _listing_note(text: str) -> str:
    size = len(text.encode("utf-8", "surrogatepass"))
    return f"[file contents not stored: {len(text.splitlines())} lines, {size} bytes]"


def _describe_file(
    file: dict[str, Any], omitted: Counter[str], key: bytes | None
) -> dict[str, Any] | None:
    """The Read ``file`` object without its payload, or None if it has none."""
    payload_key = next((k for k in _FILE_PAYLOAD_KEYS if k in file), None)
    if payload_key is None:
        return None
    payload = file[payload_key]
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    described = {k: v for k, v in file.items() if k not in _FILE_PAYLOAD_KEYS}
    described["bytes"], described["digest"] = _digest(text, key)
    omitted["read-contents"] += 1
    return described


# Where a string is met: anywhere, in a Read's result, or in a tool_result block of unknown tool.
_ANY, _READ, _BLOCK = 0, 1, 2


def _omit_in(value: Any, where: int, omitted: Counter[str], depth: int, key: bytes | None) -> Any:
    """``value`` without file payloads; containers are copied only where something changed."""
    if depth > _MAX_DEPTH:
        return value
    kind = type(value)
    if kind is str or isinstance(value, str):
        if where != _ANY and is_file_listing(value, tabs=where == _READ):
            omitted["read-contents"] += 1
            return _listing_note(value)
        return value
    if kind is list or isinstance(value, list):
        items = [_omit_in(item, where, omitted, depth + 1, key) for item in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if not isinstance(value, dict):
        return value

    changes: dict[str, Any] = {}
    drop = [k for k in _ORIGINAL_KEYS if isinstance(value.get(k), str)]
    if drop:
        omitted["original-file"] += len(drop)
    block_type = value.get("type")
    file = value.get("file")
    if block_type in _READ_TYPES and isinstance(file, dict):
        described = _describe_file(file, omitted, key)
        if described is not None:
            changes["file"] = described
    inner = _BLOCK if block_type == "tool_result" and where == _ANY else where
    for name, item in value.items():
        item_type = type(item)
        if item_type is str:
            # Only a Read's (or an unknown tool's) content/text can be a listing: skip the call.
            if inner == _ANY or name not in ("content", "text"):
                continue
        elif not isinstance(item, (str, list, dict)):
            continue
        if name in changes or name in drop:
            continue
        new = _omit_in(
            item, inner if name in ("content", "text") else _ANY, omitted, depth + 1, key
        )
        if new is not item:
            changes[name] = new
    if not changes and not drop:
        return value
    return {k: changes.get(k, v) for k, v in value.items() if k not in drop}


def omit_file_contents(
    tool: str | None, value: Any, omitted: Counter[str], key: bytes | None = None
) -> Any:
    """``value`` (a tool response, or a raw source record) without file contents.

    ``tool`` is the event's tool name; with ``Read``, a plain string or text blocks holding a
    file listing are replaced too. Counts what was dropped in ``omitted``. Never mutates
    ``value``. ``key`` keys the digests of what is dropped.
    """
    return _omit_in(value, _READ if tool in READ_TOOLS else _ANY, omitted, 0, key)
