"""Which Task/Agent tool call spawned which subagent work.

Claude Code stored subagent conversations three ways over the years:

* 1.0.x — inline in the session file as ``isSidechain: true`` records. A chain starts with a
  user record (``parentUuid: null``) holding the Task's prompt; nothing names the Task call, so
  chains are matched to calls by prompt, then by the call's result text (the subagent's final
  answer), then by order in time.
* 2.0.x — ``agent-<agentId>.jsonl`` files next to the session file.
* 2.1.x — ``<session>/subagents/agent-<agentId>.jsonl`` (+ optional ``agent-<id>.meta.json``
  with ``agentType``). Both file forms are linked through the agentId that the Task result
  reports (``toolUseResult.agentId`` or ``agentId: …`` in its text), through ``agent_progress``
  records, or failing those by prompt.

Files named ``agent-acompact-*`` are Claude Code's own compaction calls, and unlinked
``Warmup`` agents are cache warm-ups: neither is part of the session.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from vibecast.importers.content import blocks_text
from vibecast.importers.timestamps import parse_timestamp

__all__ = [
    "SPAWN_TOOLS",
    "AgentFile",
    "Nesting",
    "TaskCall",
    "agent_ids_from_results",
    "collect_task_calls",
    "find_agent_files",
    "is_agent_file",
    "link_agent_files",
    "link_inline_sidechains",
]

SPAWN_TOOLS = frozenset({"Task", "Agent"})
_AGENT_ID_TEXT = re.compile(r"\bagent_?[iI]d:\s*([\w@.-]+)")
_WARMUP = "Warmup"
# A sidechain chain may start a little before its Task call is written (same second).
_ORDER_TOLERANCE_MS = 2000
_HEAD_LINES = 20
_MAX_HEAD_LINE = 4 * 1024 * 1024

Record = tuple[int, dict[str, Any]]


@dataclass(frozen=True)
class Nesting:
    """Where an event sits: in the main conversation (all None) or under a spawning tool call."""

    agent_id: str | None = None
    agent_type: str | None = None
    parent_tool_use_id: str | None = None


MAIN = Nesting()


@dataclass
class TaskCall:
    tool_use_id: str
    timestamp: int | None
    prompt: str
    agent_type: str | None
    order: int
    result_text: str = ""
    assigned: bool = False


@dataclass
class AgentFile:
    """A subagent transcript file and what we know about the call that spawned it."""

    path: Path
    agent_id: str
    records: list[Record]
    agent_type: str | None = None
    nesting: Nesting = field(default_factory=Nesting)


def is_agent_file(path: Path) -> bool:
    return path.name.startswith("agent-") and path.suffix == ".jsonl"


def _tool_uses(record: dict[str, Any]) -> Iterable[dict[str, Any]]:
    message = record.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, list):
        for block in content:
            if isinstance(block, dict) and block.get("type") == "tool_use":
                yield block


def _tool_results(record: dict[str, Any]) -> Iterable[dict[str, Any]]:
    message = record.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, list):
        for block in content:
            if isinstance(block, dict) and block.get("type") == "tool_result":
                yield block


def _is_spawn(block: dict[str, Any]) -> bool:
    tool_input = block.get("input")
    return block.get("name") in SPAWN_TOOLS or (
        isinstance(tool_input, dict) and isinstance(tool_input.get("subagent_type"), str)
    )


def collect_task_calls(records: Iterable[Record]) -> dict[str, TaskCall]:
    """Every Task/Agent tool call, with its result text, by tool_use id (in file order)."""
    calls: dict[str, TaskCall] = {}
    results: dict[str, str] = {}
    for _, record in records:
        if record.get("type") == "assistant":
            for block in _tool_uses(record):
                if _is_spawn(block) and isinstance(block.get("id"), str):
                    tool_input = block.get("input") if isinstance(block.get("input"), dict) else {}
                    calls[block["id"]] = TaskCall(
                        tool_use_id=block["id"],
                        timestamp=parse_timestamp(record.get("timestamp")),
                        prompt=str(tool_input.get("prompt") or "").strip(),
                        agent_type=tool_input.get("subagent_type")
                        if isinstance(tool_input.get("subagent_type"), str)
                        else None,
                        order=len(calls),
                    )
        elif record.get("type") == "user":
            for block in _tool_results(record):
                if isinstance(block.get("tool_use_id"), str):
                    results[block["tool_use_id"]] = blocks_text(block.get("content")).strip()
    for tool_use_id, call in calls.items():
        call.result_text = results.get(tool_use_id, "")
    return calls


def agent_ids_from_results(records: Iterable[Record], calls: dict[str, TaskCall]) -> dict[str, str]:
    """agentId -> spawning tool_use id, from Task results and ``agent_progress`` records."""
    links: dict[str, str] = {}
    for _, record in records:
        kind = record.get("type")
        if kind == "user":
            blocks = [b for b in _tool_results(record) if b.get("tool_use_id") in calls]
            structured = record.get("toolUseResult")
            for block in blocks:
                agent_id = None
                if len(blocks) == 1 and isinstance(structured, dict):
                    agent_id = structured.get("agentId")
                if not isinstance(agent_id, str):
                    found = _AGENT_ID_TEXT.search(blocks_text(block.get("content")))
                    agent_id = found.group(1) if found else None
                if agent_id:
                    links.setdefault(agent_id, block["tool_use_id"])
        elif kind == "progress":
            data = record.get("data")
            parent = record.get("parentToolUseID")
            if isinstance(data, dict) and isinstance(data.get("agentId"), str) and parent in calls:
                links.setdefault(data["agentId"], parent)
    return links


def _root_prompt(record: dict[str, Any]) -> str:
    message = record.get("message")
    return blocks_text(message.get("content") if isinstance(message, dict) else None).strip()


@dataclass
class _Chain:
    root: dict[str, Any]
    uuids: list[str] = field(default_factory=list)
    last_text: str = ""
    call: TaskCall | None = None


def _assign(chains: list[_Chain], calls: list[TaskCall]) -> None:
    """Match chains to calls: same prompt, then same final answer, then order in time."""
    for key in ("prompt", "result"):
        for chain in chains:
            if chain.call is not None:
                continue
            wanted = _root_prompt(chain.root) if key == "prompt" else chain.last_text.strip()
            if not wanted:
                continue
            for call in calls:
                have = call.prompt if key == "prompt" else call.result_text
                if not call.assigned and have == wanted:
                    chain.call, call.assigned = call, True
                    break
    for chain in sorted(chains, key=lambda c: parse_timestamp(c.root.get("timestamp")) or 0):
        if chain.call is not None:
            continue
        started = parse_timestamp(chain.root.get("timestamp"))
        for call in calls:
            if call.assigned or not call.prompt:  # a call without a prompt spawned nothing
                continue
            if (
                started is None
                or call.timestamp is None
                or call.timestamp <= started + _ORDER_TOLERANCE_MS
            ):
                chain.call, call.assigned = call, True
                break


def link_inline_sidechains(records: list[Record], calls: dict[str, TaskCall]) -> dict[str, Nesting]:
    """record uuid -> Nesting for the inline (1.0.x) sidechain records of a session file."""
    main_spawns: dict[str, str] = {}  # uuid of a main record -> the Task call it made
    main_uuids: set[str] = set()
    chains: list[_Chain] = []
    chain_of: dict[str, _Chain] = {}
    previous: _Chain | None = None
    for _, record in records:
        uuid = record.get("uuid")
        if not isinstance(uuid, str):
            continue
        if record.get("isSidechain") is not True or record.get("agentId"):
            main_uuids.add(uuid)
            for block in _tool_uses(record):
                if block.get("id") in calls:
                    main_spawns[uuid] = block["id"]
            continue
        parent = record.get("parentUuid")
        chain = chain_of.get(parent) if isinstance(parent, str) else None
        if chain is None:
            if parent is None or parent in main_uuids or previous is None:
                chain = _Chain(root=record)
                chains.append(chain)
                spawn = main_spawns.get(parent) if isinstance(parent, str) else None
                if spawn is not None and not calls[spawn].assigned:
                    chain.call = calls[spawn]
                    chain.call.assigned = True
            else:  # its parent line is missing (damaged file): it continues the chain before it
                chain = previous
        chain.uuids.append(uuid)
        chain_of[uuid] = chain
        if record.get("type") == "assistant":
            text = _root_prompt(record)
            if text:
                chain.last_text = text
        previous = chain
    _assign(chains, [c for c in calls.values() if not c.assigned])
    links: dict[str, Nesting] = {}
    for chain in chains:
        call = chain.call
        nesting = Nesting(
            agent_type=call.agent_type if call else None,
            parent_tool_use_id=call.tool_use_id if call else None,
        )
        for uuid in chain.uuids:
            links[uuid] = nesting
    return links


def find_agent_files(transcript: Path, session_id: str) -> list[Path]:
    """The subagent files of a session: ``<session>/subagents/agent-*.jsonl`` and 2.0.x siblings."""
    found: list[Path] = []
    for folder_name in dict.fromkeys((session_id, transcript.stem)):
        nested = transcript.parent / folder_name / "subagents"
        if nested.is_dir():
            found.extend(sorted(p for p in nested.glob("agent-*.jsonl") if p.is_file()))
    for sibling in sorted(transcript.parent.glob("agent-*.jsonl")):
        if sibling.is_file() and first_session_id(sibling) == session_id:
            found.append(sibling)
    return [p for p in found if not p.name.startswith("agent-acompact")]


def first_session_id(path: Path) -> str | None:
    """The sessionId of a transcript's first records (cached per file version).

    Discovery asks this of every ``agent-*.jsonl`` once per session in the folder, so the
    answer is cached by path, size and modification time.
    """
    try:
        stat = path.stat()
    except OSError:
        return None
    return _first_session_id(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _first_session_id(path: str, size: int, mtime_ns: int) -> str | None:
    del size, mtime_ns  # part of the cache key only
    try:
        with open(path, "rb") as handle:
            lines = [handle.readline(_MAX_HEAD_LINE) for _ in range(_HEAD_LINES)]
    except OSError:
        return None
    for line in lines:
        try:
            record = msgspec.json.decode(line)
        except (msgspec.DecodeError, UnicodeDecodeError):
            continue
        if isinstance(record, dict) and isinstance(record.get("sessionId"), str):
            return record["sessionId"]
    return None


def read_agent_meta(path: Path) -> dict[str, Any]:
    meta = path.with_name(path.name[: -len(".jsonl")] + ".meta.json")
    try:
        value = msgspec.json.decode(meta.read_bytes())
    except (OSError, msgspec.DecodeError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def _agent_id_of(path: Path, records: list[Record]) -> str:
    for _, record in records:
        if isinstance(record.get("agentId"), str):
            return record["agentId"]
    return path.stem[len("agent-") :]


def link_agent_files(
    files: list[tuple[Path, list[Record]]],
    calls: dict[str, TaskCall],
    agent_links: dict[str, str],
) -> list[AgentFile]:
    """Subagent files with their Nesting; unlinked warm-up agents are left out."""
    linked: list[AgentFile] = []
    for path, records in files:
        agent_id = _agent_id_of(path, records)
        meta = read_agent_meta(path)
        root = next((r for _, r in records if r.get("type") == "user"), None)
        prompt = _root_prompt(root) if root else ""
        call = calls.get(agent_links.get(agent_id, ""))
        if call is None and prompt:
            call = next((c for c in calls.values() if not c.assigned and c.prompt == prompt), None)
        if call is None and prompt == _WARMUP:
            continue
        if call is not None:
            call.assigned = True
        agent_type = meta.get("agentType") if isinstance(meta.get("agentType"), str) else None
        agent_type = agent_type or (call.agent_type if call else None)
        linked.append(
            AgentFile(
                path=path,
                agent_id=agent_id,
                records=records,
                agent_type=agent_type,
                nesting=Nesting(agent_id, agent_type, call.tool_use_id if call else None),
            )
        )
    return linked
