"""Tool calls: pairing pre and post events, durations, and success from the real result.

A tool call shows up as a ``pre_tool_use`` (the call) and a ``post_tool_use`` or
``post_tool_use_failure`` (its result). Pairs are matched by ``toolUseId``; sources without it
(hook payloads of Claude Code 1.0.x) are paired per session and tool in first-in-first-out order,
which is how Claude Code runs the calls of one tool — preferring the oldest waiting call with the
same input, since a PostToolUse payload repeats its call's ``tool_input``. ``success`` is never
taken on faith: a blanket ``true`` (Vibecraft's hook reports every tool as successful) is
replaced by what the result itself says.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from vibecast.model import EventType, RecordedEvent
from vibecast.recorder.merge import time_is_estimated

__all__ = [
    "POST_TYPES",
    "ToolCall",
    "apply_outcomes",
    "derive_success",
    "pair_tool_calls",
    "response_failed",
]

POST_TYPES = frozenset({EventType.POST_TOOL_USE, EventType.POST_TOOL_USE_FAILURE})

# How tools report failure in a string result (transcripts' ``toolUseResult`` of a failed call).
_ERROR_PREFIXES = ("Error:", "Error ", "InputValidationError")
_ERROR_MARKER = "<tool_use_error>"
# How many waiting calls a result without id is compared with, oldest first (bounds the cost
# when a capture holds calls whose results were never recorded).
_INPUT_MATCH_WINDOW = 64


@dataclass
class ToolCall:
    """One tool call: indices of its pre events and its post events in the list it came from."""

    tool: str | None
    tool_use_id: str | None
    pres: list[int] = field(default_factory=list)
    posts: list[int] = field(default_factory=list)


def response_failed(response: Any, *, strings: bool = True) -> bool:
    """Whether a tool response says the call failed (``is_error``, ``success: false``, ...).

    A string result is judged by its ``Error:`` / ``<tool_use_error>`` prefix only when
    ``strings`` is set: that is how a failed call reads in a transcript, but a successful tool
    could print the same words.
    """
    if isinstance(response, dict):
        if response.get("is_error") is True or response.get("isError") is True:
            return True
        if response.get("success") is False or response.get("interrupted") is True:
            return True
        error = response.get("error")
        return bool(error) and not isinstance(error, bool | int | float)
    if strings and isinstance(response, str):
        text = response.lstrip()
        return text.startswith(_ERROR_PREFIXES) or _ERROR_MARKER in text[:200]
    return False


def derive_success(event: RecordedEvent) -> bool | None:
    """The outcome of a post event: False for failures, True for a real result, None if unknown.

    ``success`` set by the importer (from the transcript's ``is_error``) is kept unless the
    structured result contradicts it; importers null sources' blanket values, so a None here
    means "look at the result".
    """
    if event.type == EventType.POST_TOOL_USE_FAILURE or event.error:
        return False
    if event.success is not None:
        return False if response_failed(event.tool_response, strings=False) else event.success
    if event.tool_response is None:
        return None
    return not response_failed(event.tool_response)


def pair_tool_calls(events: Sequence[RecordedEvent]) -> list[ToolCall]:
    """The tool calls among ``events`` (in time order), each counted once.

    Calls with a ``toolUseId`` group every pre and post of that id (a hook and a transcript may
    both have reported it). Calls without one are paired FIFO per (session, tool), the oldest
    waiting call with the same input first; a post without a pre before it is a call of its own.
    """
    by_id: dict[str, ToolCall] = {}
    calls: list[ToolCall] = []
    waiting: defaultdict[tuple[str, str | None], list[ToolCall]] = defaultdict(list)
    for index, event in enumerate(events):
        is_pre = event.type == EventType.PRE_TOOL_USE
        if not is_pre and event.type not in POST_TYPES:
            continue
        if event.tool_use_id:
            call = by_id.get(event.tool_use_id)
            if call is None:
                call = by_id[event.tool_use_id] = ToolCall(event.tool, event.tool_use_id)
                calls.append(call)
            call.tool = call.tool or event.tool
            (call.pres if is_pre else call.posts).append(index)
            continue
        queue = waiting[(event.session_id, event.tool)]
        if is_pre:
            call = ToolCall(event.tool, None, pres=[index])
            calls.append(call)
            queue.append(call)
        elif queue:
            candidates = enumerate(queue[:_INPUT_MATCH_WINDOW])
            same = (i for i, c in candidates if events[c.pres[0]].tool_input == event.tool_input)
            queue.pop(next(same, 0)).posts.append(index)
        else:
            calls.append(ToolCall(event.tool, None, posts=[index]))
    return calls


def _replace(event: RecordedEvent, **changes: Any) -> RecordedEvent:
    """A copy with ``changes``, or the event itself when nothing changes (cheap and stable)."""
    changed = {name: value for name, value in changes.items() if getattr(event, name) != value}
    return msgspec.structs.replace(event, **changed) if changed else event


def apply_outcomes(events: list[RecordedEvent], calls: Sequence[ToolCall]) -> None:
    """Set success and duration on the events of each call (in place in ``events``).

    A post's duration is its time since the call's first pre (never negative, whatever the
    clocks of two sources say), and None when either time is an importer's estimate: a made-up
    duration is worse than none. Every pre gets the outcome of the call — success and duration —
    so a window that holds only the pre still knows how the call ended; a pre without a post is
    in progress or was interrupted, so its success is None.
    """
    for call in calls:
        outcomes: list[tuple[bool | None, int | None]] = []
        first = events[call.pres[0]] if call.pres else None
        for index in call.posts:
            post = events[index]
            success = derive_success(post)
            if first is None:
                duration = post.duration
            elif time_is_estimated(first) or time_is_estimated(post):
                duration = None
            else:
                duration = max(0, post.timestamp - first.timestamp)
            events[index] = _replace(post, success=success, duration=duration)
            outcomes.append((success, duration))
        if outcomes:
            failed = [outcome for outcome in outcomes if outcome[0] is False]
            success, duration = failed[0] if failed else outcomes[0]
        else:
            success, duration = None, None
        for index in call.pres:
            events[index] = _replace(events[index], success=success, duration=duration)
