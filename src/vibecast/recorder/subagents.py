"""Subagents: nesting their events under the Task that spawned them, and counting them.

Transcripts say which Task a subagent's records belong to (importers set ``parentToolUseId``).
Hook events do not: ``SubagentStart`` / ``SubagentStop`` carry only the agent's id and type. They
are nested here under the Task call that launched them — the earliest Task of the same subagent
type that started before them and is not yet taken — so a hook-only recording nests too.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from vibecast.model import EventType, RecordedEvent

__all__ = ["SPAWNING_TOOLS", "count_subagents", "nest_subagents"]

SPAWNING_TOOLS = frozenset({"Task", "Agent"})
"""Tools whose call runs a subagent ("Task", renamed "Agent" in newer Claude Code)."""


def _subagent_type(event: RecordedEvent) -> str | None:
    tool_input = event.tool_input
    if isinstance(tool_input, dict):
        value = tool_input.get("subagent_type")
        return value if isinstance(value, str) else None
    return None


def spawns_subagent(event: RecordedEvent) -> bool:
    """A call of a tool that runs a subagent."""
    return event.type == EventType.PRE_TOOL_USE and event.tool in SPAWNING_TOOLS


def nesting_reads(event: RecordedEvent) -> bool:
    """Whether :func:`nest_subagents` looks at ``event``: subagent events, and the calls (with
    an id) that spawn them. A live recording folds only these into its nesting."""
    return bool(event.agent_id) or (spawns_subagent(event) and bool(event.tool_use_id))


def counting_reads(event: RecordedEvent) -> bool:
    """Whether :func:`count_subagents` looks at ``event``."""
    return (
        bool(event.parent_tool_use_id)
        or bool(event.agent_id)
        or event.type == EventType.SUBAGENT_STOP
        or spawns_subagent(event)
    )


def nest_subagents(events: Sequence[RecordedEvent]) -> list[RecordedEvent]:
    """``events`` (in time order) with ``parentToolUseId`` set on subagent events that lack it."""
    if not any(event.agent_id for event in events):
        return list(events)
    parent_of: dict[str, str] = {}
    for event in events:
        if event.agent_id and event.parent_tool_use_id:
            parent_of.setdefault(event.agent_id, event.parent_tool_use_id)
    taken = set(parent_of.values())
    tasks = [
        event
        for event in events
        if spawns_subagent(event) and event.tool_use_id and event.tool_use_id not in taken
    ]
    for event in events:
        agent = event.agent_id
        if not agent or agent in parent_of:
            continue
        # The agent's first event (its SubagentStart, or its stop when the start was not
        # captured) claims the earliest free Task of its type launched before it.
        parent_of[agent] = ""
        for task in tasks:
            if task.tool_use_id in taken or task.session_id != event.session_id:
                continue
            if task.timestamp > event.timestamp:
                break
            wanted = _subagent_type(task)
            if wanted and event.agent_type and wanted != event.agent_type:
                continue
            parent_of[agent] = task.tool_use_id or ""
            taken.add(parent_of[agent])
            break

    nested: list[RecordedEvent] = []
    for event in events:
        parent = parent_of.get(event.agent_id) if event.agent_id else None
        if parent and not event.parent_tool_use_id:
            event = msgspec.structs.replace(event, parent_tool_use_id=parent)
        nested.append(event)
    return nested


def count_subagents(events: Sequence[RecordedEvent]) -> int:
    """How many subagents ran: one per Task call that ran, however many sources reported it.

    A subagent is known by the Task call it is nested under, else by its agent id; a Task call
    that failed without a trace of a subagent (invalid input) is not one. ``SubagentStop`` hooks of
    old Claude Code carry no id at all: when they outnumber the known subagents, they are the
    better count.
    """
    known: set[str] = set()
    anonymous_stops = 0
    for event in events:
        if event.parent_tool_use_id:
            known.add(event.parent_tool_use_id)
        elif event.agent_id:
            known.add(f"agent:{event.agent_id}")
        elif event.type == EventType.SUBAGENT_STOP:
            anonymous_stops += 1
    for event in events:
        if spawns_subagent(event) and event.success is not False:
            known.add(event.tool_use_id or f"event:{event.id}")
    return max(len(known), anonymous_stops)
