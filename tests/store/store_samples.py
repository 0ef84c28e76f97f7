"""Real RecordedEvents for the store tests, built from the shared sample data.

The real importers live elsewhere and are written in parallel; this small converter only has to
produce realistic events (prompts, assistant text and thinking, tool calls with their inputs and
results, images as blob references) so the store can be tested on real content.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from vibecast.model import Attachment, RecordedEvent


def _epoch_ms(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)


def _read_records(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        data = json.loads(text)
        return [r for r in data if isinstance(r, dict)]
    records = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def transcript_events(path: Path) -> tuple[list[RecordedEvent], dict[str, bytes]]:
    """Events of a Claude Code transcript (``.jsonl``) or chat array (``.json``), sorted.

    Returns the events (with ``relative_time_ms`` from the first one) and the image blobs they
    reference, keyed by sha256 hex.
    """
    events: list[RecordedEvent] = []
    blobs: dict[str, bytes] = {}
    for record in _read_records(path):
        stamp = record.get("timestamp")
        uuid = record.get("uuid") or record.get("leafUuid")
        if not isinstance(stamp, str) or not uuid:
            continue
        ts = _epoch_ms(stamp)
        common: dict[str, Any] = {
            "session_id": record.get("sessionId") or path.stem,
            "cwd": record.get("cwd"),
            "timestamp": ts,
            "recorded_at": ts,
            "relative_time_ms": 0,
        }
        if record.get("isSidechain"):
            common["agent_id"] = "sidechain"
        message = record.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        kind = record.get("type")
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        if kind == "system" and isinstance(record.get("content"), str):
            events.append(RecordedEvent(id=uuid, type="system", text=record["content"], **common))
            continue
        if not isinstance(content, list):
            events.append(RecordedEvent(id=uuid, type="unknown", raw=record, **common))
            continue
        for index, block in enumerate(content):
            if not isinstance(block, dict):
                continue
            event_id = f"{uuid}:{index}"
            block_type = block.get("type")
            if block_type == "tool_use":
                events.append(
                    RecordedEvent(
                        id=event_id,
                        type="pre_tool_use",
                        tool=block.get("name"),
                        tool_input=block.get("input"),
                        tool_use_id=block.get("id"),
                        model=message.get("model"),
                        **common,
                    )
                )
            elif block_type == "tool_result":
                response = record.get("toolUseResult", block.get("content"))
                failed = bool(block.get("is_error"))
                events.append(
                    RecordedEvent(
                        id=event_id,
                        type="post_tool_use_failure" if failed else "post_tool_use",
                        tool_use_id=block.get("tool_use_id"),
                        tool_response=response,
                        success=not failed,
                        **common,
                    )
                )
            elif block_type == "thinking":
                events.append(
                    RecordedEvent(
                        id=event_id,
                        type="assistant_thinking",
                        thinking=block.get("thinking"),
                        **common,
                    )
                )
            elif block_type == "image":
                source = block.get("source") or {}
                data = base64.b64decode(source.get("data", ""))
                digest = hashlib.sha256(data).hexdigest()
                blobs[digest] = data
                attachment = Attachment(
                    kind="image", media_type=source.get("media_type"), blob=digest, size=len(data)
                )
                events.append(
                    RecordedEvent(
                        id=event_id, type="user_prompt_submit", attachments=[attachment], **common
                    )
                )
            elif block_type == "text" and kind == "assistant":
                events.append(
                    RecordedEvent(
                        id=event_id,
                        type="assistant_message",
                        text=block.get("text"),
                        model=message.get("model"),
                        usage=_int_usage(message.get("usage")),
                        **common,
                    )
                )
            elif block_type == "text":
                events.append(
                    RecordedEvent(
                        id=event_id, type="user_prompt_submit", prompt=block.get("text"), **common
                    )
                )
    return with_relative_times(events), blobs


def _int_usage(usage: Any) -> dict[str, int] | None:
    if not isinstance(usage, dict):
        return None
    return {k: v for k, v in usage.items() if isinstance(v, int) and not isinstance(v, bool)}


_HOOK_TYPES = {
    "PreToolUse": "pre_tool_use",
    "PostToolUse": "post_tool_use",
    "PostToolUseFailure": "post_tool_use_failure",
    "PermissionRequest": "permission_request",
    "UserPromptSubmit": "user_prompt_submit",
    "Notification": "notification",
    "Stop": "stop",
    "SubagentStop": "subagent_stop",
    "SubagentStart": "subagent_start",
    "SessionStart": "session_start",
    "SessionEnd": "session_end",
}


def hook_events(path: Path) -> list[RecordedEvent]:
    """Events of one hook-payload capture file (a JSON array of hook stdin payloads)."""
    events = []
    for index, payload in enumerate(_read_records(path)):
        stamp = payload.get("timestamp") or payload.get("logged_at")
        ts = _epoch_ms(stamp) if isinstance(stamp, str) else 1_700_000_000_000 + index
        events.append(
            RecordedEvent(
                id=f"{path.stem}:{index}",
                timestamp=ts,
                recorded_at=ts,
                relative_time_ms=0,
                type=_HOOK_TYPES.get(payload.get("hook_event_name", ""), "unknown"),
                session_id=payload.get("session_id") or "unknown",
                cwd=payload.get("cwd"),
                tool=payload.get("tool_name"),
                tool_input=payload.get("tool_input"),
                tool_response=payload.get("tool_response"),
                tool_use_id=payload.get("tool_use_id"),
                prompt=payload.get("prompt"),
                message=payload.get("message"),
                response=payload.get("last_assistant_message"),
            )
        )
    return with_relative_times(events)


def with_relative_times(events: list[RecordedEvent]) -> list[RecordedEvent]:
    """Sorted by time (stable), with ``relative_time_ms`` counted from the first event."""
    events = sorted(events, key=lambda e: e.timestamp)
    if not events:
        return events
    start = events[0].timestamp
    for event in events:
        event.relative_time_ms = event.timestamp - start
    return events
