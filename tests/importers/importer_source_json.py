"""What the source files say, read with the standard ``json`` module and no vibecast code.

The importer tests compare the events vibecast makes against these facts, so a mapping bug
cannot hide behind the same bug in the expectation.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared_data import SHARED_DATA

SHARED = SHARED_DATA
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TRANSCRIPTS = sorted((SHARED / "claude-code" / "transcripts").glob("*.jsonl"))
CHAT_ARRAYS = sorted((SHARED / "claude-code" / "chat-arrays").glob("*.json"))
HOOK_FILES = sorted((SHARED / "claude-code" / "hook-payloads").glob("*/*.json"))
VIBECRAFT = SHARED / "vibecraft" / "events.jsonl"
SPAWN_TOOLS = {"Task", "Agent"}
# User text that Claude Code writes into the user's turn although the user did not type it.
NOT_TYPED = (
    "<local-command-stdout>",
    "<local-command-stderr>",
    "<bash-stdout>",
    "<bash-stderr>",
    "[Request interrupted by user",
    "Caveat: The messages below were generated",
    "<task-notification>",
)


def load_records(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        return [r for r in json.loads(text) if isinstance(r, dict)]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def blocks(record: dict[str, Any]) -> list[dict[str, Any]]:
    message = record.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def text_of(record: dict[str, Any]) -> str:
    return "\n".join(b["text"] for b in blocks(record) if b.get("type") == "text")


@dataclass
class SessionFacts:
    """Facts about one session's records (grouped by their ``sessionId``)."""

    session_id: str
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def tool_uses(self) -> dict[str, tuple[str, dict[str, Any]]]:
        """tool_use id -> (tool name, record), first occurrence."""
        found: dict[str, tuple[str, dict[str, Any]]] = {}
        for record in self.records:
            if record.get("type") == "assistant":
                for block in blocks(record):
                    if block.get("type") == "tool_use":
                        found.setdefault(block["id"], (block["name"], record))
        return found

    @property
    def results(self) -> dict[str, dict[str, Any]]:
        """tool_use id -> its (first) tool_result block."""
        found: dict[str, dict[str, Any]] = {}
        for record in self.records:
            if record.get("type") == "user":
                for block in blocks(record):
                    if block.get("type") == "tool_result":
                        found.setdefault(block["tool_use_id"], block)
        return found

    def calls_per_tool(self) -> Counter[str]:
        return Counter(name for name, _ in self.tool_uses.values())

    def failed_results(self) -> set[str]:
        return {tid for tid, block in self.results.items() if block.get("is_error") is True}

    def typed_prompts(self) -> list[str]:
        """User turns a person typed in the main thread (not meta, not sidechain, not output)."""
        prompts = []
        for record in self.records:
            if record.get("type") != "user" or record.get("isMeta") or record.get("isSidechain"):
                continue
            if record.get("isCompactSummary"):
                continue
            text = text_of(record).strip()
            if text and not text.startswith(NOT_TYPED):
                prompts.append(text)
        return prompts

    def sidechain_parent(self) -> dict[str, str]:
        """uuid of every inline sidechain record -> the Task call whose prompt started its chain."""
        tasks = {
            block["input"].get("prompt", "").strip(): block["id"]
            for record in self.records
            if record.get("type") == "assistant"
            for block in blocks(record)
            if block.get("type") == "tool_use" and block.get("name") in SPAWN_TOOLS
        }
        root_of: dict[str, str] = {}
        parent_of: dict[str, str] = {}
        for record in self.records:
            if not record.get("isSidechain"):
                continue
            uuid, parent = record["uuid"], record.get("parentUuid")
            root_of[uuid] = uuid if parent is None else root_of[parent]
            if parent is None:
                parent_of[uuid] = tasks[text_of(record).strip()]
        return {uuid: parent_of[root] for uuid, root in root_of.items()}


def sessions_in(path: Path) -> dict[str, SessionFacts]:
    """The file's records by sessionId (records without one go to the file's last sessionId)."""
    records = load_records(path)
    last = next((r["sessionId"] for r in reversed(records) if r.get("sessionId")), path.stem)
    grouped: dict[str, SessionFacts] = defaultdict(lambda: SessionFacts(""))
    for record in records:
        session_id = record.get("sessionId") or last
        facts = grouped[session_id]
        facts.session_id = session_id
        facts.records.append(record)
    return dict(grouped)


def hook_payloads(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))
