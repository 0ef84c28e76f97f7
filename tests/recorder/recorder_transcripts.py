"""Reading the shared sample transcripts, independently of vibecast's importers.

Two things live here: ``expected_from_source`` computes what the source files say (tool calls
per tool, result times, errors, token usage) straight from their JSON, and ``read_transcript``
is a minimal reader turning the same files into a ``CapturedSession`` the way importers shape
events, so the recorder can be tested on real data on its own.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vibecast.importers.base import CapturedSession, SessionInfo
from vibecast.model import EventType, RecordedEvent

TRANSCRIPTS = [
    "claude-code/transcripts/1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl",
    "claude-code/transcripts/5c0375b4-57a5-4f26-b12d-d022ee4e51b7.jsonl",
    "claude-code/transcripts/fe5e1c67-53e7-4862-81ae-d0e013e3270b.jsonl",
    "claude-code/transcripts/vibecodingtracker-claude_code.jsonl",
    "claude-code/chat-arrays/dotfiles-cc-1.0.59.chat.json",
    "claude-code/chat-arrays/cka-buddy-cc-2.1.62.chat.json",
]
TOKEN_KEYS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
)


def load_records(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".json":
        return [r for r in json.loads(path.read_text()) if isinstance(r, dict)]
    records = []
    for line in path.read_text().splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def epoch_ms(stamp: str) -> int:
    return int(dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)


def _blocks(record: dict[str, Any]) -> list[dict[str, Any]]:
    content = (record.get("message") or {}).get("content")
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


@dataclass
class SourceFacts:
    """What one session's records say, computed without vibecast."""

    tool_calls: Counter[str] = field(default_factory=Counter)
    call_time: dict[str, int] = field(default_factory=dict)  # tool_use id -> ms
    result_time: dict[str, int] = field(default_factory=dict)  # tool_use id -> ms
    errors: set[str] = field(default_factory=set)  # tool_use ids with is_error
    usage_by_message: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def token_usage(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for usage in self.usage_by_message.values():
            totals.update(usage)
        return {key: totals[key] for key in TOKEN_KEYS if key in totals}


def expected_from_source(path: Path, session_id: str) -> SourceFacts:
    facts = SourceFacts()
    for record in load_records(path):
        if record.get("sessionId") != session_id or "timestamp" not in record:
            continue
        ms = epoch_ms(record["timestamp"])
        message = record.get("message") or {}
        if record.get("type") == "assistant":
            for block in _blocks(record):
                if block.get("type") == "tool_use" and block["id"] not in facts.call_time:
                    facts.tool_calls[block["name"]] += 1
                    facts.call_time[block["id"]] = ms
            usage = message.get("usage") or {}
            seen = facts.usage_by_message.setdefault(message.get("id") or record["uuid"], {})
            for key in TOKEN_KEYS:
                if isinstance(usage.get(key), int):
                    seen[key] = max(seen.get(key, 0), usage[key])
        elif record.get("type") == "user":
            for block in _blocks(record):
                if block.get("type") == "tool_result":
                    facts.result_time.setdefault(block["tool_use_id"], ms)
                    if block.get("is_error"):
                        facts.errors.add(block["tool_use_id"])
    return facts


def session_ids(path: Path) -> list[str]:
    ids = Counter(
        r["sessionId"] for r in load_records(path) if r.get("type") in ("user", "assistant")
    )
    return [session_id for session_id, _ in ids.most_common()]


def read_transcript(path: Path, session_id: str) -> CapturedSession:
    """A minimal importer: prompts, assistant text and thinking, tool calls and results."""
    records = [r for r in load_records(path) if r.get("sessionId") == session_id]
    info = SessionInfo()
    tool_names: dict[str, str] = {}
    task_prompts: dict[str, str] = {}  # Task prompt -> tool_use id (inline sidechains)
    chain_parent: dict[str, str] = {}  # record uuid -> the Task it runs under
    events: list[RecordedEvent] = []

    def add(event_id: str, event_type: str, ms: int, **fields: Any) -> None:
        events.append(
            RecordedEvent(
                id=event_id,
                timestamp=ms,
                type=event_type,
                session_id=session_id,
                recorded_at=ms,
                relative_time_ms=0,
                **fields,
            )
        )

    for record in records:
        kind, uuid = record.get("type"), record.get("uuid")
        if kind not in ("user", "assistant") or not uuid or "timestamp" not in record:
            continue
        ms = epoch_ms(record["timestamp"])
        info.cwd = info.cwd or record.get("cwd")
        info.git_branch = info.git_branch or record.get("gitBranch") or None
        info.claude_version = info.claude_version or record.get("version")
        message = record.get("message") or {}
        parent = chain_parent.get(record.get("parentUuid") or "")
        content = message.get("content")
        if record.get("isSidechain") and parent is None and isinstance(content, str):
            parent = task_prompts.get(content)
        if parent:
            chain_parent[uuid] = parent
        common: dict[str, Any] = {"cwd": record.get("cwd"), "parent_tool_use_id": parent}
        if kind == "assistant":
            info.model = info.model or message.get("model")
            usage = message.get("usage")
            for index, block in enumerate(_blocks(record)):
                extra = {**common, "model": message.get("model"), "usage": usage}
                if block.get("type") == "tool_use":
                    tool_names[block["id"]] = block["name"]
                    if block["name"] == "Task" and isinstance(block.get("input"), dict):
                        task_prompts[block["input"].get("prompt", "")] = block["id"]
                    add(
                        f"{block['id']}:pre",
                        EventType.PRE_TOOL_USE,
                        ms,
                        tool=block["name"],
                        tool_input=block.get("input"),
                        tool_use_id=block["id"],
                        **extra,
                    )
                elif block.get("type") == "text":
                    add(
                        f"{uuid}:{index}",
                        EventType.ASSISTANT_MESSAGE,
                        ms,
                        text=block["text"],
                        **extra,
                    )
                elif block.get("type") == "thinking":
                    add(
                        f"{uuid}:{index}",
                        EventType.ASSISTANT_THINKING,
                        ms,
                        thinking=block.get("thinking"),
                        **extra,
                    )
            continue
        raw = {"isMeta": True} if record.get("isMeta") else None
        if isinstance(content, str):
            add(f"{uuid}:0", EventType.USER_PROMPT_SUBMIT, ms, prompt=content, raw=raw, **common)
            continue
        for index, block in enumerate(_blocks(record)):
            if block.get("type") == "text":
                add(
                    f"{uuid}:{index}",
                    EventType.USER_PROMPT_SUBMIT,
                    ms,
                    prompt=block["text"],
                    raw=raw,
                    **common,
                )
            elif block.get("type") == "tool_result":
                tool_use_id = block["tool_use_id"]
                add(
                    f"{tool_use_id}:post",
                    EventType.POST_TOOL_USE,
                    ms,
                    tool=tool_names.get(tool_use_id),
                    tool_use_id=tool_use_id,
                    tool_response=record.get("toolUseResult", block.get("content")),
                    success=not block.get("is_error", False),
                    **common,
                )
    return CapturedSession(session_id=session_id, events=events, source=str(path), info=info)
