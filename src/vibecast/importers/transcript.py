"""Claude Code session transcripts: a JSONL session file (or its chat-array copy) -> sessions.

A file normally holds one session, but Claude Code and the tools around it sometimes put the
records of several sessions in one file (a resumed session's copied history, a logging script
that appended two transcripts). Records are therefore grouped by their ``sessionId``; records
without one (summaries, snapshots) belong to the file's own session — the file name when it is a
session UUID (as Claude Code names them), else the last sessionId in the file.

Subagent files (see :mod:`vibecast.importers.subagents`) are read together with their parent
session, so their events land in the parent's replay, nested under the spawning tool call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vibecast.importers.base import CapturedSession, ImportIssue
from vibecast.importers.builder import SessionBuilder
from vibecast.importers.issues import IssueLog
from vibecast.importers.jsonio import (
    iter_json_lines,
    non_objects_message,
    split_objects,
    strip_bom,
)
from vibecast.importers.records import RecordMapper, ToolIndex
from vibecast.importers.subagents import (
    MAIN,
    AgentFile,
    Nesting,
    Record,
    agent_ids_from_results,
    collect_task_calls,
    find_agent_files,
    first_session_id,
    is_agent_file,
    link_agent_files,
    link_inline_sidechains,
)
from vibecast.importers.timestamps import parse_timestamp
from vibecast.importers.tool_results import PersistedOutputs

__all__ = [
    "SESSION_UUID",
    "TranscriptResult",
    "parent_session_file",
    "read_transcript_lines",
    "read_transcript_records",
]

SESSION_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


@dataclass
class TranscriptResult:
    """Sessions (each with its own issues) and the issues about the file as a whole."""

    sessions: list[CapturedSession] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)


def parent_session_file(path: Path) -> Path | None:
    """For a subagent file, the session file it belongs to (if it exists)."""
    if not is_agent_file(path):
        return None
    if path.parent.name == "subagents":
        candidate = path.parent.parent.with_suffix(".jsonl")
        return candidate if candidate.is_file() else None
    session_id = first_session_id(path)
    if session_id is None:
        return None
    candidate = path.parent / f"{session_id}.jsonl"
    return candidate if candidate.is_file() else None


def _primary_session_id(path: Path, records: list[Record]) -> str:
    stem = path.name.split(".", 1)[0]
    if SESSION_UUID.match(stem):
        return stem
    for _, record in reversed(records):
        session_id = record.get("sessionId")
        if isinstance(session_id, str) and session_id:
            return session_id
    return stem


def _tool_index(records: list[Record]) -> ToolIndex:
    """tool_use id -> tool name, including subagent messages kept inside progress records."""
    tools: ToolIndex = {}
    pending: list[dict[str, Any]] = [r for _, r in records]
    while pending:
        record = pending.pop()
        kind = record.get("type")
        if kind == "progress":
            data = record.get("data")
            if isinstance(data, dict) and isinstance(data.get("message"), dict):
                pending.append(data["message"])
            continue
        if kind != "assistant":
            continue
        message = record.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list):
            continue
        for block in content:
            if (
                isinstance(block, dict)
                and isinstance(block.get("id"), str)
                and isinstance(block.get("name"), str)
            ):
                tools[block["id"]] = block["name"]
    return tools


def _load_agent_files(
    transcript: Path, session_id: str
) -> tuple[list[tuple[Path, list[Record]]], list[IssueLog]]:
    loaded: list[tuple[Path, list[Record]]] = []
    logs: list[IssueLog] = []
    for path in find_agent_files(transcript, session_id):
        log = IssueLog(str(path))
        logs.append(log)
        try:
            data = strip_bom(path.read_bytes())
        except OSError as exc:
            log.add(None, f"cannot read subagent file: {exc.strerror or exc}")
            continue
        records = [
            (line, value) for line, value in iter_json_lines(data, log) if isinstance(value, dict)
        ]
        loaded.append((path, records))
    return loaded, logs


def _nesting_in_main_file(record: dict[str, Any], inline: dict[str, Nesting]) -> Nesting:
    if record.get("isSidechain") is not True:
        return MAIN
    uuid = record.get("uuid")
    nesting = inline.get(uuid) if isinstance(uuid, str) else None
    if nesting is not None and nesting != MAIN:
        return nesting
    agent_id = record.get("agentId")
    return Nesting(agent_id=agent_id) if isinstance(agent_id, str) else MAIN


def _build_session(
    path: Path,
    session_id: str,
    group: list[Record],
    agent_files: list[tuple[Path, list[Record]]],
    load_issues: list[ImportIssue],
) -> tuple[CapturedSession, list[ImportIssue]]:
    builder = SessionBuilder(session_id, str(path))
    log = IssueLog(str(path))
    everything = group + [record for _, records in agent_files for record in records]
    calls = collect_task_calls(everything)
    inline = link_inline_sidechains(group, calls)
    linked = link_agent_files(agent_files, calls, agent_ids_from_results(everything, calls))
    mapper = RecordMapper(
        builder,
        log,
        _tool_index(everything),
        PersistedOutputs.for_transcript(path, session_id),
        skip_agents=frozenset(agent.agent_id for agent in linked),
        agent_types={call.tool_use_id: call.agent_type for call in calls.values()},
        start_ts=next(
            (ts for _, r in everything if (ts := parse_timestamp(r.get("timestamp"))) is not None),
            None,
        ),
    )
    unlinked_sidechain = 0
    for line, record in group:
        nesting = _nesting_in_main_file(record, inline)
        if record.get("isSidechain") is True and nesting.parent_tool_use_id is None:
            unlinked_sidechain += 1
        mapper.map(line, record, nesting)
    if unlinked_sidechain:
        log.add(
            None,
            f"{unlinked_sidechain} sidechain (subagent) records matched no Task call",
        )
    agent_logs: list[IssueLog] = []
    for agent in linked:
        agent_logs.append(_map_agent_file(mapper, agent))
    mapper.finish()
    issues = (
        load_issues + log.issues + [issue for agent_log in agent_logs for issue in agent_log.issues]
    )
    outputs = mapper.outputs
    if outputs is not None and outputs.missing:
        issues.append(
            ImportIssue(
                str(path),
                None,
                f"{len(outputs.missing)} large tool outputs were saved to files that are not here; "
                "kept their previews",
            )
        )
    builder.issues = issues
    return builder.build(), issues


def _map_agent_file(mapper: RecordMapper, agent: AgentFile) -> IssueLog:
    log = IssueLog(str(agent.path))
    if agent.nesting.parent_tool_use_id is None:
        log.add(
            None, f"subagent {agent.agent_id} could not be matched to the Task call that spawned it"
        )
    with mapper.reporting_to(log):
        for line, record in agent.records:
            mapper.map(line, record, agent.nesting)
    return log


def read_transcript_records(
    path: Path, records: list[tuple[int, Any]], unit: str = "line"
) -> TranscriptResult:
    """Sessions from the decoded records of a transcript file (JSONL lines or chat-array items,
    numbered in ``unit``s)."""
    result = TranscriptResult()
    dict_records, skipped = split_objects(records)
    if skipped:
        message = non_objects_message(skipped, "record", unit)
        result.issues.append(ImportIssue(str(path), None, message))
    primary = _primary_session_id(path, dict_records)
    groups: dict[str, list[Record]] = {primary: []}
    for line, record in dict_records:
        session_id = record.get("sessionId")
        key = session_id if isinstance(session_id, str) and session_id else primary
        groups.setdefault(key, []).append((line, record))
    for session_id, group in groups.items():
        agent_files: list[tuple[Path, list[Record]]] = []
        load_issues: list[ImportIssue] = []
        if session_id == primary and not is_agent_file(path):
            agent_files, logs = _load_agent_files(path, session_id)
            load_issues = [issue for log in logs for issue in log.issues]
        if not group and not agent_files:
            continue
        session, _ = _build_session(path, session_id, group, agent_files, load_issues)
        if session.events or session.info.title:
            result.sessions.append(session)
    return result


def read_transcript_lines(path: Path, data: bytes, log: IssueLog) -> TranscriptResult:
    """A JSONL transcript's bytes -> sessions (bad lines are logged in ``log`` and skipped)."""
    return read_transcript_records(path, list(iter_json_lines(data, log)))
