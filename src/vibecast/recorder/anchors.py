"""Anchors: estimated hook events timed by what they say, against the session's exact events.

A hook capture knows things a transcript does not (the permission asked, the session's start
and end, when a subagent started), but not when. Most of its events repeat something the
transcript timed exactly, and take that time, just before or after it:

- a ``user_prompt_submit`` with the text of a transcript prompt: just after it;
- a ``permission_request`` for a call of the same tool and input (or toolUseId): just before
  the call's ``pre_tool_use``, whose toolUseId it takes;
- a ``subagent_start`` / ``subagent_stop`` of an agent the exact events know: just before the
  agent's first event and just after its last; when only the Task that ran it is known (the
  2.x Task result names the agent), just after the Task call and just before the last event
  about that Task (its result, or the "agent completed" notification);
- the first ``session_start`` just before the first exact event, the last ``session_end``
  just after the last one.

Stops are anchored in :mod:`vibecast.recorder.turns`. Anchored events stay events of their own
(they carry what the transcript lacks) and stay ``time_estimated``: their time is inferred.
"""

from __future__ import annotations

from collections import defaultdict, deque

from vibecast.model import EventType
from vibecast.recorder.estimates import AFTER, BEFORE, Anchoring, EstimateView, input_key
from vibecast.recorder.estimates import is_main_thread as main_thread
from vibecast.recorder.titles import clean_prompt
from vibecast.recorder.turns import anchor_stops

__all__ = ["anchor_events"]


def anchor_events(view: EstimateView) -> Anchoring:
    """Times for the estimated events of ``view`` that repeat something an exact event says."""
    anchoring = Anchoring()
    _prompts(view, anchoring)
    _permission_requests(view, anchoring)
    anchor_stops(view, anchoring)
    _subagents(view, anchoring)
    _session_bounds(view, anchoring)
    return anchoring


def _prompt_of(view: EstimateView, index: int) -> str | None:
    event = view.events[index]
    return clean_prompt(event.prompt if event.prompt is not None else event.text)


def _prompts(view: EstimateView, anchoring: Anchoring) -> None:
    """Hook prompts meet the transcript's prompts of the same text, first come first served."""
    typed: defaultdict[str, deque[int]] = defaultdict(deque)
    for index in view.exact_of(EventType.USER_PROMPT_SUBMIT):
        text = _prompt_of(view, index)
        if text and main_thread(view.events[index]):
            typed[text].append(index)
    for index in anchoring.free(view.guessed_of(EventType.USER_PROMPT_SUBMIT)):
        text = _prompt_of(view, index)
        queue = typed.get(text) if text else None
        if queue:
            anchoring.pin(index, view.time(queue.popleft()) + AFTER)


def _permission_requests(view: EstimateView, anchoring: Anchoring) -> None:
    """A permission request precedes the call it asked about (same id, else tool and input)."""
    by_id: dict[str, int] = {}
    by_input: defaultdict[tuple[str | None, bytes], deque[int]] = defaultdict(deque)
    for index in view.exact_of(EventType.PRE_TOOL_USE):
        call = view.events[index]
        if call.tool_use_id:
            by_id.setdefault(call.tool_use_id, index)
        by_input[(call.tool, input_key(call.tool_input))].append(index)
    taken: set[int] = set()
    for index in anchoring.free(view.guessed_of(EventType.PERMISSION_REQUEST)):
        request = view.events[index]
        call = by_id.get(request.tool_use_id) if request.tool_use_id else None
        if call is None:
            queue = by_input.get((request.tool, input_key(request.tool_input)), deque())
            while queue and queue[0] in taken:
                queue.popleft()
            call = queue.popleft() if queue else None
        if call is None or call in taken:
            continue
        taken.add(call)
        anchoring.pin(index, view.time(call) + BEFORE)
        tool_use_id = view.events[call].tool_use_id
        if tool_use_id and not request.tool_use_id:
            anchoring.tool_use_ids[index] = tool_use_id


def _agent_span(view: EstimateView, agent: str) -> tuple[int, int] | None:
    """(start, stop) anchor times of a subagent the exact events know, else None."""
    own = view.events_of_agent.get(agent)
    if own:
        return view.time(own[0]) + BEFORE, view.time(own[-1]) + AFTER
    task = view.task_of_agent.get(agent)
    about = view.events_about_task.get(task, []) if task else []
    if not about:
        return None
    start = view.time(about[0]) + AFTER
    return start, max(start, view.time(about[-1]) + BEFORE)


def _subagents(view: EstimateView, anchoring: Anchoring) -> None:
    """An agent's first start and last stop (in capture order) take the agent's exact span."""
    starts = anchoring.free(view.guessed_of(EventType.SUBAGENT_START))
    stops = anchoring.free(view.guessed_of(EventType.SUBAGENT_STOP))
    first_start: dict[str, int] = {}
    last_stop: dict[str, int] = {}
    for index in starts:
        agent = view.events[index].agent_id
        if agent:
            first_start.setdefault(agent, index)
    for index in stops:
        agent = view.events[index].agent_id
        if agent:
            last_stop[agent] = index
    for agent in first_start.keys() | last_stop.keys():
        span = _agent_span(view, agent)
        if span is None:
            continue
        if agent in first_start:
            anchoring.pin(first_start[agent], span[0])
        if agent in last_stop:
            anchoring.pin(last_stop[agent], span[1])


def _session_bounds(view: EstimateView, anchoring: Anchoring) -> None:
    """The session opens before anything else happened and closes after it all (anchored
    events included: they may sit a millisecond outside the exact span)."""
    starts = anchoring.free(view.guessed_of(EventType.SESSION_START))
    ends = anchoring.free(view.guessed_of(EventType.SESSION_END))
    if starts:
        anchoring.pin(starts[0], min(view.first, *anchoring.times.values()) + BEFORE)
    if ends:
        anchoring.pin(ends[-1], max(view.last, *anchoring.times.values()) + AFTER)
