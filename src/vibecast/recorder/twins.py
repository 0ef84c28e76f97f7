"""Twins: one tool call reported by a time-less hook capture and by an exact source.

Hooks of Claude Code 2.x carry the ``tool_use_id``, so their tool events share ids with the
transcript's and meet in :func:`~vibecast.recorder.merge.merge_events`. Hooks of 1.0.x carry no
id: their PreToolUse / PostToolUse payloads would duplicate every call of the transcript. They
are recognised here by what they repeat — the phase (call or result), the tool, and the exact
tool input — and matched first-in-first-out, in capture order against time order, which is the
order Claude Code ran them in. The twin merges into the exact event: its id, toolUseId and
time win, the hook's extra fields fill its gaps, and it keeps the hook's estimated time in
``recorded_at`` (``time_estimated=False``) so that the capture's other events can be re-timed
around it.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Sequence

from vibecast.model import EventType, RecordedEvent
from vibecast.recorder.estimates import EstimateView, input_key
from vibecast.recorder.merge import merge_event, time_is_estimated

__all__ = ["merge_twins"]

_PHASE: dict[str, str] = {
    EventType.PRE_TOOL_USE: "call",
    EventType.POST_TOOL_USE: "result",
    EventType.POST_TOOL_USE_FAILURE: "result",
}

_Key = tuple[str, str | None, bytes]


def _call_inputs(events: Sequence[RecordedEvent]) -> dict[str, object]:
    """tool_use_id -> the call's input (transcripts' results do not repeat it; hooks' do)."""
    return {
        event.tool_use_id: event.tool_input
        for event in events
        if event.type == EventType.PRE_TOOL_USE and event.tool_use_id and event.tool_input
    }


def _exact_queues(view: EstimateView) -> dict[_Key, deque[int]]:
    """Exact tool events by (phase, tool, input), each queue in time order."""
    inputs = _call_inputs(view.events)
    queues: defaultdict[_Key, deque[int]] = defaultdict(deque)
    for index in view.exact:
        event = view.events[index]
        phase = _PHASE.get(event.type)
        if phase is None:
            continue
        tool_input = event.tool_input
        if tool_input is None and event.tool_use_id:
            tool_input = inputs.get(event.tool_use_id)
        queues[(phase, event.tool, input_key(tool_input))].append(index)
    return queues


def merge_twins(events: Sequence[RecordedEvent]) -> list[RecordedEvent]:
    """``events`` with every id-less estimated tool event merged into its exact twin.

    A hook event without a twin (a call the exact sources did not see, such as a subagent's
    call when only the main transcript was imported) stays as it is.
    """
    hooks = {
        index
        for index, event in enumerate(events)
        if time_is_estimated(event) and not event.tool_use_id and event.type in _PHASE
    }
    if not hooks:
        return list(events)
    view = EstimateView(events)
    queues = _exact_queues(view)
    merged = list(events)
    absorbed: set[int] = set()
    for index in (i for i in view.guessed if i in hooks):
        event = events[index]
        phase = _PHASE[event.type]
        queue = queues.get((phase, event.tool, input_key(event.tool_input)))
        if queue:
            twin = queue.popleft()
            merged[twin] = merge_event(merged[twin], event)
            absorbed.add(index)
    return [event for index, event in enumerate(merged) if index not in absorbed]
