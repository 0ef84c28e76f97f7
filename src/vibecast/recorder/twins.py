"""Twins: one tool call or one prompt reported by a hook capture and by an exact source.

Hooks of Claude Code 2.x carry the ``tool_use_id``, so their tool events share ids with the
transcript's and meet in :func:`~vibecast.recorder.merge.merge_events`. Hooks of 1.0.x carry no
id: their PreToolUse / PostToolUse payloads would duplicate every call of the transcript. They
are recognised here by what they repeat — the phase (call or result), the tool, and the exact
tool input — and matched first-in-first-out, in capture order against time order, which is the
order Claude Code ran them in. The twin merges into the exact event: its id, toolUseId and
time win, the hook's extra fields fill its gaps, and it keeps the hook's estimated time in
``recorded_at`` (``time_estimated=False``) so that the capture's other events can be re-timed
around it.

Prompts never share ids: a ``UserPromptSubmit`` hook's id is a hash of its payload, the
transcript's is its record's uuid. :func:`merge_prompt_twins` pairs them by their text — the
hook carries exactly what the transcript records — and, for a live capture (the hook's time is
its arrival time, exact), by time: the transcript's prompt of the same text nearest to it,
within :data:`PROMPT_TWIN_WINDOW_MS`. A hook prompt whose time is a guess (an imported capture)
is paired first-in-first-out, like tool twins. Either way the transcript's event survives.

A subagent's start is reported by its ``SubagentStart`` hook and by the first record of its
transcript (which carries the prompt it was given); :func:`merge_subagent_twins` pairs them by
the subagent's ``agent_id``, which both carry, and the transcript's event survives.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Sequence

from vibecast.model import EventType, RecordedEvent
from vibecast.recorder.estimates import EstimateView, input_key
from vibecast.recorder.merge import merge_event, time_is_estimated

__all__ = [
    "HOOK_ID_PREFIX",
    "PROMPT_TWIN_WINDOW_MS",
    "merge_prompt_twins",
    "merge_subagent_twins",
    "merge_twins",
]

PROMPT_TWIN_WINDOW_MS = 60_000
"""How far apart a live hook prompt and its transcript copy may be. Both are written when the
prompt is submitted, on one machine: milliseconds apart in practice; a minute covers a
transcript written late, and the same text typed twice pairs with the nearest one."""

HOOK_ID_PREFIX = "hook-"
"""Ids of hook events without a tool_use_id (``content_event_id("hook", ...)`` in
:mod:`vibecast.importers.hooks`)."""

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
    twins: dict[int, int] = {}
    for index in (i for i in view.guessed if i in hooks):
        event = events[index]
        phase = _PHASE[event.type]
        queue = queues.get((phase, event.tool, input_key(event.tool_input)))
        if queue:
            twins[index] = queue.popleft()
    return _absorb(events, twins)


def _prompt_text(event: RecordedEvent) -> str | None:
    return event.prompt if event.prompt is not None else event.text


def merge_prompt_twins(events: Sequence[RecordedEvent]) -> list[RecordedEvent]:
    """``events`` with every hook prompt merged into the transcript's copy of it, if present.

    The list keeps its order, less the hook prompts merged away. A hook prompt without a twin
    (the transcript is not read yet, or never will be) stays as it is.
    """
    hooks: list[int] = []
    typed: defaultdict[str | None, list[int]] = defaultdict(list)
    for index, event in enumerate(events):
        if event.type != EventType.USER_PROMPT_SUBMIT:
            continue
        if event.id.startswith(HOOK_ID_PREFIX):
            hooks.append(index)
        else:
            typed[_prompt_text(event)].append(index)
    if not hooks or not typed:
        return list(events)
    twins: dict[int, int] = {}  # hook prompt -> its transcript twin
    guessed: defaultdict[str | None, deque[int]] = defaultdict(deque)
    for text, indices in typed.items():
        guessed[text].extend(sorted(indices, key=lambda i: events[i].timestamp))
    for index in sorted(hooks, key=lambda i: (events[i].recorded_at, i)):
        hook = events[index]
        text = _prompt_text(hook)
        if time_is_estimated(hook):
            queue = guessed.get(text)
            twin = queue.popleft() if queue else None
        else:
            near = [
                i
                for i in typed.get(text, ())
                if abs(events[i].timestamp - hook.timestamp) <= PROMPT_TWIN_WINDOW_MS
            ]
            twin = min(near, key=lambda i: abs(events[i].timestamp - hook.timestamp), default=None)
        if twin is not None:
            twins[index] = twin
    return _absorb(events, twins)


def merge_subagent_twins(events: Sequence[RecordedEvent]) -> list[RecordedEvent]:
    """``events`` with each hook's subagent start merged into the transcript's start of the
    same subagent, if present (the list keeps its order, less the hook starts merged away)."""
    starts: dict[str, int] = {}
    hooks: list[int] = []
    for index, event in enumerate(events):
        if event.type != EventType.SUBAGENT_START or not event.agent_id:
            continue
        if event.id.startswith(HOOK_ID_PREFIX):
            hooks.append(index)
        else:
            starts.setdefault(event.agent_id, index)
    if not hooks or not starts:
        return list(events)
    twins = {i: starts[events[i].agent_id or ""] for i in hooks if events[i].agent_id in starts}
    return _absorb(events, twins)


def _absorb(events: Sequence[RecordedEvent], twins: dict[int, int]) -> list[RecordedEvent]:
    """``events`` with each hook copy (key) merged into its twin (value), in the order given,
    and left out; the rest as they are, in their order."""
    merged = list(events)
    for hook, twin in twins.items():
        merged[twin] = merge_event(merged[twin], events[hook])
    return [event for index, event in enumerate(merged) if index not in twins]
