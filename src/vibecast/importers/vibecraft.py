"""Vibecraft's event log (``~/.vibecraft/data/events.jsonl``): one ClaudeEvent per line.

The lines are already in our wire format, with two upstream quirks fixed here:

* ``success`` is always true (a jq bug in Vibecraft's hook), so it is never copied: it is derived
  from the toolResponse (``success: false``, ``is_error``, ``error``…) or left unset.
* Hooks Vibecraft does not know become ``{"type": "unknown", "raw": <payload>}``; those payloads
  are mapped with :func:`event_from_hook_payload` like any other hook capture.

Tool events get the ``<toolUseId>:pre|post`` ids, so they merge with the same calls from a
transcript; other events keep Vibecraft's own (stable) id. Vibecraft stamps every event with
epoch milliseconds when its hook runs, so its times are exact (not ``time_estimated``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import msgspec

from vibecast.importers.base import ImportIssue
from vibecast.importers.builder import SessionBuilder
from vibecast.importers.content import move_binaries_out
from vibecast.importers.hooks import derive_success, event_from_hook_payload
from vibecast.importers.ids import content_event_id, content_hash, tool_event_id
from vibecast.importers.issues import IssueLog
from vibecast.importers.timestamps import read_time
from vibecast.model import TOOL_EVENT_TYPES, Attachment, EventType, RecordedEvent

__all__ = ["VIBECRAFT_TYPES", "looks_like_vibecraft_event", "read_vibecraft_events"]

VIBECRAFT_TYPES = frozenset(
    {
        "pre_tool_use",
        "post_tool_use",
        "stop",
        "subagent_stop",
        "session_start",
        "session_end",
        "user_prompt_submit",
        "notification",
        "pre_compact",
        "unknown",
    }
)
# Vibecraft field -> RecordedEvent attribute (both sides' names as they are spelled).
_FIELDS = {
    "cwd": "cwd",
    "tool": "tool",
    "toolInput": "tool_input",
    "toolResponse": "tool_response",
    "toolUseId": "tool_use_id",
    "duration": "duration",
    "assistantText": "assistant_text",
    "prompt": "prompt",
    "response": "response",
    "message": "message",
    "notificationType": "notification_type",
    "source": "source",
    "reason": "reason",
    "permissionMode": "permission_mode",
    "agentId": "agent_id",
    "agentType": "agent_type",
    "model": "model",
    "error": "error",
}
_IGNORED = frozenset({"id", "timestamp", "type", "sessionId", "success", "raw"})
_STRING_FIELDS = frozenset(_FIELDS) - {"toolInput", "toolResponse", "duration"}


def looks_like_vibecraft_event(record: dict[str, Any]) -> bool:
    return (
        record.get("type") in VIBECRAFT_TYPES
        and isinstance(record.get("sessionId"), str)
        and isinstance(record.get("timestamp"), int | float)
        and "id" in record
    )


def _event(
    record: dict[str, Any], ts: int, occurrence: int, blobs: dict[str, bytes]
) -> RecordedEvent:
    event_type = record["type"]
    fields: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in record.items():
        target = _FIELDS.get(key)
        if target is None:
            if key not in _IGNORED:
                extra[key] = value
        elif value is not None and (key not in _STRING_FIELDS or isinstance(value, str)):
            fields[target] = value
    if not isinstance(fields.get("duration"), int):
        fields.pop("duration", None)
    attachments: list[Attachment] = []
    for key in ("tool_input", "tool_response"):
        if key in fields:
            fields[key] = move_binaries_out(fields[key], blobs, attachments)
    if event_type == EventType.POST_TOOL_USE:
        fields["success"] = derive_success(fields.get("tool_response"))
    tool_use_id = fields.get("tool_use_id")
    if tool_use_id and event_type in TOOL_EVENT_TYPES:
        event_id = tool_event_id(tool_use_id, event_type)
    elif isinstance(record.get("id"), str) and record["id"]:
        event_id = record["id"]
    else:
        event_id = content_event_id("vibecraft", record, occurrence)
    return RecordedEvent(
        id=event_id,
        timestamp=ts,
        type=event_type,
        session_id=record["sessionId"],
        attachments=attachments or None,
        raw=extra or None,
        recorded_at=ts,
        relative_time_ms=0,
        **fields,
    )


def read_vibecraft_events(
    path: Path, items: list[tuple[int, Any]], log: IssueLog
) -> list[tuple[SessionBuilder, list[ImportIssue]]]:
    """Sessions from the decoded lines of a Vibecraft events.jsonl."""
    builders: dict[str, SessionBuilder] = {}
    issues: dict[str, list[ImportIssue]] = {}
    occurrences: Counter[str] = Counter()
    for line, record in items:
        if not isinstance(record, dict) or not isinstance(record.get("sessionId"), str):
            log.add(line, "skipped a line that is not a Vibecraft event")
            continue
        session_id = record["sessionId"]
        builder = builders.get(session_id)
        if builder is None:
            builder = builders[session_id] = SessionBuilder(session_id, str(path))
            issues[session_id] = []
        time = read_time(record.get("timestamp"))
        if time is None:
            log.add(line, "skipped an event without a usable timestamp")
            continue
        ts = time.ms
        digest = content_hash(record)
        occurrence = occurrences[digest]
        occurrences[digest] += 1
        raw = record.get("raw")
        try:
            if (
                record.get("type") == EventType.UNKNOWN
                and isinstance(raw, dict)
                and "hook_event_name" in raw
            ):
                event = event_from_hook_payload(raw, ts, occurrence, blobs=builder.blobs)
                if event.session_id == "unknown":
                    event.session_id = session_id
            elif record.get("type") in VIBECRAFT_TYPES:
                event = _event(record, ts, occurrence, builder.blobs)
            else:
                attachments: list[Attachment] = []
                event = RecordedEvent(
                    id=content_event_id("vibecraft", record, occurrence),
                    timestamp=ts,
                    type=EventType.UNKNOWN,
                    session_id=session_id,
                    raw=move_binaries_out(record, builder.blobs, attachments),
                    attachments=attachments or None,
                    recorded_at=ts,
                    relative_time_ms=0,
                )
        except (TypeError, msgspec.ValidationError) as exc:
            log.add(line, f"skipped a malformed Vibecraft event: {exc}")
            continue
        if event.session_id != session_id:
            event.session_id = session_id
        if not time.exact:  # Vibecraft writes epoch ms; an ISO time without zone is a guess
            event.time_estimated = True
        if event.type == EventType.UNKNOWN:
            what = raw.get("hook_event_name") if isinstance(raw, dict) else record.get("type")
            issue = log.once(
                f"unknown:{what}", line, f"unknown event {what!r} kept as an unknown event"
            )
            if issue is not None:
                issues[session_id].append(issue)
        builder.add(event)
        if event.cwd and builder.info.cwd is None:
            builder.info.cwd = event.cwd
    return [(builder, issues[sid]) for sid, builder in builders.items()]
