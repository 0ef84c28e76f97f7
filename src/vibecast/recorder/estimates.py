"""A replay's events seen from the clock's side: which have exact times, which are guesses.

Re-timing (:mod:`vibecast.recorder.reconcile`) needs the same few views over and over: the
exact events in time order, the estimated ones in the order their capture wrote them, the
conversation thread an event belongs to, and which Task call ran which subagent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import msgspec

from vibecast.model import RecordedEvent
from vibecast.recorder.merge import time_is_estimated

__all__ = ["AFTER", "BEFORE", "Anchoring", "EstimateView", "input_key", "is_main_thread"]

BEFORE = -1
AFTER = 1
"""Offsets (ms) from the exact event an estimated one is anchored to: just before or after it,
so that the two play in a sensible order without pretending to a precision nobody measured."""

_canonical = msgspec.json.Encoder(order="sorted")


def input_key(value: Any) -> bytes:
    """A hashable key equal for equal tool inputs (keys sorted, so dict order does not matter)."""
    try:
        return _canonical.encode(value)
    except (TypeError, msgspec.EncodeError):
        return repr(value).encode("utf-8", "replace")


def is_main_thread(event: RecordedEvent) -> bool:
    """Whether the event is the main agent's rather than a subagent's."""
    return not (event.parent_tool_use_id or event.agent_id)


@dataclass
class EstimateView:
    """Indices into ``events``: ``exact`` in time order, ``guessed`` in capture order.

    An event's time is exact unless ``time_estimated`` is True. The capture order of guesses is
    their estimated time (``recorded_at``, which re-timing never changes), then list order: a
    capture's file order, since importers space guesses in file order.
    """

    events: Sequence[RecordedEvent]
    exact: list[int] = field(init=False)
    guessed: list[int] = field(init=False)

    def __post_init__(self) -> None:
        events = self.events
        self.exact = sorted(
            (i for i, e in enumerate(events) if not time_is_estimated(e)),
            key=lambda i: events[i].timestamp,
        )
        self.guessed = sorted(
            (i for i, e in enumerate(events) if time_is_estimated(e)),
            key=lambda i: events[i].recorded_at,
        )

    @property
    def first(self) -> int:
        """The earliest exact time (the view is only built when there is one)."""
        return self.events[self.exact[0]].timestamp

    @property
    def last(self) -> int:
        return self.events[self.exact[-1]].timestamp

    def time(self, index: int) -> int:
        return self.events[index].timestamp

    def guessed_of(self, *types: str) -> list[int]:
        """The estimated events of ``types``, in capture order."""
        return [i for i in self.guessed if self.events[i].type in types]

    def exact_of(self, *types: str) -> list[int]:
        """The exact events of ``types``, in time order."""
        return [i for i in self.exact if self.events[i].type in types]

    @cached_property
    def agent_of_task(self) -> dict[str, str]:
        """Task/Agent tool_use_id -> the id of the subagent it ran, as the exact events say.

        A subagent's own records name both (``agentId`` and the parent Task); Claude Code 2.x
        also returns the agent's id in the Task result (``toolUseResult.agentId``).
        """
        agents: dict[str, str] = {}
        for index in self.exact:
            event = self.events[index]
            if event.agent_id and event.parent_tool_use_id:
                agents.setdefault(event.parent_tool_use_id, event.agent_id)
            response = event.tool_response
            if event.tool_use_id and isinstance(response, dict):
                agent = response.get("agentId")
                if isinstance(agent, str) and agent:
                    agents.setdefault(event.tool_use_id, agent)
        return agents

    @cached_property
    def task_of_agent(self) -> dict[str, str]:
        """Subagent id -> the tool_use_id of the Task call that ran it."""
        tasks: dict[str, str] = {}
        for task, agent in self.agent_of_task.items():
            tasks.setdefault(agent, task)
        return tasks

    @cached_property
    def events_of_agent(self) -> dict[str, list[int]]:
        """Subagent id -> its exact events, in time order."""
        own: defaultdict[str, list[int]] = defaultdict(list)
        for index in self.exact:
            agent = self.agent_of(self.events[index])
            if agent:
                own[agent].append(index)
        return dict(own)

    @cached_property
    def events_about_task(self) -> dict[str, list[int]]:
        """tool_use_id -> exact events of that call or about it (a task notification names the
        Task in ``raw.toolUseId``), in time order."""
        about: defaultdict[str, list[int]] = defaultdict(list)
        for index in self.exact:
            event = self.events[index]
            raw_id = event.raw.get("toolUseId") if event.raw else None
            for key in {event.tool_use_id, raw_id if isinstance(raw_id, str) else None}:
                if key:
                    about[key].append(index)
        return dict(about)

    def agent_of(self, event: RecordedEvent) -> str | None:
        """The subagent an exact event belongs to, if any."""
        if event.agent_id:
            return event.agent_id
        if event.parent_tool_use_id:
            return self.agent_of_task.get(event.parent_tool_use_id)
        return None


@dataclass
class Anchoring:
    """What the content rules found: a time for some estimated events (by index), and the
    tool_use_id of the call a permission request asked about."""

    times: dict[int, int] = field(default_factory=dict)
    tool_use_ids: dict[int, str] = field(default_factory=dict)

    def pin(self, index: int, time: int) -> None:
        self.times.setdefault(index, time)

    def free(self, indices: list[int]) -> list[int]:
        """``indices`` not anchored yet, in their order."""
        return [index for index in indices if index not in self.times]
