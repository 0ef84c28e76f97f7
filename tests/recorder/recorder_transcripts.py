"""What the shared sample transcripts say, read independently of vibecast's importers.

``expected_from_source`` computes tool calls per tool, call and result times, errors and token
usage straight from the JSON, so the recorder's output can be checked against the source.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
