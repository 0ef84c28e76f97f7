"""Deterministic event ids, so that importing the same data twice merges instead of duplicating.

* Transcript records: ``<record uuid>:<block index>`` — a record's uuid never changes, and a
  transcript that grows (or a prefix copy of it) yields the same ids for the records they share.
* Tool events: ``<toolUseId>:pre`` / ``:post`` / ``:perm`` — the same tool call seen by a hook and
  by a transcript gets the same id, whichever source is imported first. Success and failure
  results share ``:post``: a tool call has one result.
* Everything else (hook payloads without a tool_use_id, records without a uuid): a hash of the
  content plus the occurrence index of that exact content in its source.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from vibecast.model import EventType

__all__ = ["content_event_id", "content_hash", "record_event_id", "tool_event_id"]

_TOOL_PHASE = {
    EventType.PRE_TOOL_USE: "pre",
    EventType.POST_TOOL_USE: "post",
    EventType.POST_TOOL_USE_FAILURE: "post",
    EventType.PERMISSION_REQUEST: "perm",
}

_canonical = msgspec.json.Encoder(order="sorted")


def record_event_id(uuid: str, index: int | str) -> str:
    return f"{uuid}:{index}"


def tool_event_id(tool_use_id: str, event_type: str) -> str:
    """``toolu_..:pre`` for the call, ``:post`` for its result, ``:perm`` for a permission ask."""
    return f"{tool_use_id}:{_TOOL_PHASE.get(event_type, event_type)}"


def content_hash(value: Any) -> str:
    """16 hex chars of the sha256 of the value's canonical JSON (keys sorted)."""
    try:
        encoded = _canonical.encode(value)
    except (TypeError, msgspec.EncodeError):
        encoded = repr(value).encode("utf-8", "replace")
    return hashlib.sha256(encoded).hexdigest()[:16]


def content_event_id(prefix: str, value: Any, occurrence: int) -> str:
    """``<prefix>-<hash>-<n>``: the n-th (0-based) occurrence of this content in its source."""
    return f"{prefix}-{content_hash(value)}-{occurrence}"


def task_notification_id(text: str) -> str:
    """The id of a ``<task-notification>`` (a background agent or shell finished).

    Claude Code 2.1 reports one notice three times: a queue-operation in the transcript when it
    is queued, a user record when it is handed to the model, and a UserPromptSubmit hook then.
    The three share this id, a hash of the notice's text, so they merge into one event. (A
    notice repeated word for word, task id and all, is kept once.)"""
    return content_event_id("task", text.strip(), 0)
