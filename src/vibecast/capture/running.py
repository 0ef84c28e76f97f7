"""A live session's running state: a commit folds its new events in, at the cost of those events.

:func:`~vibecast.recorder.build_replay` is a pure function of the stored events and the new ones,
and it walks every event of the session at every commit (pairing tool calls, ordering, nesting
subagents, the metadata's counts). :class:`RunningState` remembers what those walks found for the
replay as last saved — where each event sits, which tool calls are open, the metadata's counts —
and :meth:`RunningState.fold` works out the next replay from the new events and the few stored
ones they touch: a tool call they join, the prompts a twin may pair with, the subagent events a
Task may nest. Each step runs the recorder's own functions on that subset, which is exact
because each of them looks only at the events of its kind (prompts, subagents, the calls of one
``toolUseId``, the open calls of one tool).

The state is a cache, never the source of truth. It is built from the replay a full build saved,
by the first commit after it that can fold (:class:`StateToBuild`: building it walks the whole
replay); it is used only while the stored replay is the one it was built for
(:func:`~vibecast.pipeline.save_session` checks), and ``fold`` returns None — the caller builds
in full — whenever a case falls outside what it handles exactly: an estimated time anywhere
(re-timing looks at the whole capture), a subagent's start with a twin (its hook's and its
transcript's copies merge), an event placed before the replay's first,
a tool result ordered before its call, an id-less tool event that is not the newest of its kind.
``tests/capture/test_running_state.py`` checks it against full builds on the real payloads.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

import msgspec

from vibecast.importers.base import CapturedSession, SessionInfo
from vibecast.model import EventType, RecordedEvent, Replay, ReplayMetadata
from vibecast.pipeline import Built, SavedReplay, build_in_full
from vibecast.recorder.build import merged_info
from vibecast.recorder.merge import merge_event, time_is_estimated
from vibecast.recorder.metadata import (
    FILE_TOOLS,
    call_failed,
    count_prompts,
    files_touched,
    first_cwd,
    iso_utc,
    main_thread_value,
    most_used_first,
    thread_of,
    token_usage,
)
from vibecast.recorder.subagents import (
    count_subagents,
    counting_reads,
    nest_subagents,
    nesting_reads,
)
from vibecast.recorder.titles import session_title
from vibecast.recorder.tools import POST_TYPES, ToolCall, apply_outcomes, pair_tool_calls
from vibecast.recorder.twins import HOOK_ID_PREFIX, merge_prompt_twins
from vibecast.store.search import prompt_text, search_fields_of

__all__ = ["RunningState", "StateToBuild", "build_live"]

_T = TypeVar("_T")
_CallKey = str  # a call's toolUseId, or "\0" + the id of its first event for id-less calls


def build_live(session: CapturedSession, stored: SavedReplay | None, user_id: str) -> Built:
    """The replay to save: folded into the running state when it can be, else built in full
    (and, from the second commit on, a state to build from the result when a commit can fold)."""
    state = stored.state if stored is not None else None
    if isinstance(state, StateToBuild) and stored is not None:
        # Built only for the events stored, and for a commit that may fold (checked again,
        # with the twins the state knows of, by ``fold``).
        foldable = state.events is stored.events and _foldable(session.events)
        state = state.build() if foldable else None
    if isinstance(state, RunningState) and stored is not None:
        built = state.fold(session, stored)
        if built is not None:
            return built
    built = build_in_full(session, stored, user_id)
    if stored is None:
        # A session's first commit: its second is about as cheap to build in full as to fold
        # (the stored replay is that one commit).
        return built
    return Built(
        built.replay,
        built.events,
        status_view=built.status_view,
        state=StateToBuild(built.replay, built.events),
    )


def _foldable(events: Sequence[RecordedEvent]) -> bool:
    """Whether a commit of these new events can be folded at all (else it is built in full):
    not with an estimated time, since re-timing looks at the whole capture."""
    return not any(time_is_estimated(event) for event in events)


@dataclass(frozen=True)
class StateToBuild:
    """The running state of a replay just built in full, not built yet: building it walks the
    whole replay, about what a full build costs, and there may be no next commit that folds
    (the session's last, one with an estimated time). The first commit that can fold builds
    it."""

    replay: Replay
    events: list[RecordedEvent]

    def build(self) -> RunningState | None:
        return RunningState.of(self.replay, self.events)


def _is_tool(event: RecordedEvent) -> bool:
    return event.type == EventType.PRE_TOOL_USE or event.type in POST_TYPES


_KINDS = ("prompts", "bounds", "nesting", "subagents", "usage")


def _kinds(event: RecordedEvent) -> tuple[bool, ...]:
    """Which of the subsets in :data:`_KINDS` the event belongs to."""
    return (
        event.type == EventType.USER_PROMPT_SUBMIT,
        event.type in (EventType.SESSION_START, EventType.SESSION_END),
        nesting_reads(event),
        counting_reads(event),
        isinstance(event.usage, dict),
    )


@dataclass
class _Call:
    tool: str | None
    members: list[str]  # event ids, pres and posts
    failed: bool
    waiting: bool  # an id-less call with its pre and no result yet


@dataclass
class RunningState:
    """What full builds would find again in a saved replay's events; see the module docstring."""

    index: dict[str, int]  # event id -> position in the saved events
    subsets: dict[str, dict[str, None]]  # kind -> ids of its events (order: not meaningful)
    calls: dict[_CallKey, _Call]
    call_of: dict[str, _CallKey]  # tool event id -> its call
    waiting: dict[_CallKey, None]  # id-less calls with a pre and no result yet
    idless_last: str | None  # the id-less tool event saved last (in event order)
    tools: Counter[str]  # tool name -> calls
    failed_calls: int
    api_errors: int
    cwd: str | None
    files: Counter[str]  # file touched -> events that touched it
    models_main: Counter[str]
    models_all: Counter[str]
    event_tools: Counter[str]  # the ``tool`` of each event naming one (the store's search rows)
    starts: dict[str, dict[str, None]] = field(default_factory=dict)  # agent id -> its starts
    cached: dict[str, object] = field(default_factory=dict)  # per-subset results
    saved: list[RecordedEvent] | None = None  # the events it is the state of (checked by ``is``)

    # -- building ------------------------------------------------------------------------------
    @classmethod
    def of(cls, replay: Replay, events: Sequence[RecordedEvent]) -> RunningState | None:
        """The state of a saved replay, or None where folding would not be exact (an estimated
        time; an order that is not the timestamps' — a result played after its earlier call)."""
        if not events:
            return None
        previous = events[0].timestamp
        for event in events:
            if event.timestamp < previous or time_is_estimated(event):
                return None
            previous = event.timestamp
        state = cls(
            index={event.id: i for i, event in enumerate(events)},
            subsets={kind: {} for kind in _KINDS},
            calls={},
            call_of={},
            waiting={},
            idless_last=None,
            tools=Counter(),
            failed_calls=0,
            api_errors=0,
            cwd=replay.metadata.cwd,
            files=Counter(),
            models_main=Counter(),
            models_all=Counter(),
            event_tools=Counter(),
            saved=list(events) if not isinstance(events, list) else events,
        )
        for event in events:
            state._account(event, 1)
            if _is_tool(event) and not event.tool_use_id:
                state.idless_last = event.id
        calls = pair_tool_calls(events)
        if _inverted(calls):
            return None
        state._remember_calls(events, calls)
        return state

    def _account(self, event: RecordedEvent, sign: int) -> None:
        """Add (``sign`` 1) or take away (-1) what one event adds to the counts and subsets.
        Runs for every event of a replay when its state is built: the common case (a tool
        event in no subset, touching no file) is kept to a few checks."""
        kinds = _kinds(event)
        if True in kinds:
            for kind, member in zip(_KINDS, kinds, strict=True):
                if member:
                    if sign > 0:
                        self.subsets[kind][event.id] = None
                    else:
                        self.subsets[kind].pop(event.id, None)
        if event.type == EventType.API_ERROR:
            self.api_errors += sign
        if event.model:
            self.models_all[event.model] += sign
            if not thread_of(event):
                self.models_main[event.model] += sign
        if event.tool in FILE_TOOLS:  # files_touched looks at nothing else
            for path in files_touched((event,), self.cwd):
                self.files[path] += sign
        if event.tool:
            self.event_tools[event.tool] += sign
        if event.type == EventType.SUBAGENT_START and event.agent_id:
            starts = self.starts.setdefault(event.agent_id, {})
            if sign > 0:
                starts[event.id] = None
            else:
                starts.pop(event.id, None)

    def _remember_calls(self, events: Sequence[RecordedEvent], calls: Iterable[ToolCall]) -> None:
        for call in calls:
            members = [events[i].id for i in (*call.pres, *call.posts)]
            key = call.tool_use_id or "\0" + events[min((*call.pres, *call.posts))].id
            old = self.calls.get(key)
            if old is not None:
                self.failed_calls -= old.failed
                if old.tool:
                    self.tools[old.tool] -= 1
            new = _Call(
                tool=call.tool,
                members=members,
                failed=call_failed(events, call),
                waiting=not call.tool_use_id and bool(call.pres) and not call.posts,
            )
            self.calls[key] = new
            if new.waiting:
                self.waiting[key] = None
            else:
                self.waiting.pop(key, None)
            self.failed_calls += new.failed
            if new.tool:
                self.tools[new.tool] += 1
            for member in members:
                self.call_of[member] = key

    # -- folding -------------------------------------------------------------------------------
    def fold(self, session: CapturedSession, stored: SavedReplay) -> Built | None:
        """What ``build_replay(session, stored)`` gives, from the new events; None when this
        commit falls outside what folding does exactly (the caller then builds in full)."""
        if self.saved is not stored.events or not stored.events:
            return None  # a save failed after the last fold, or the events are not these
        if not _foldable(session.events) or self._start_twins(session.events):
            return None
        return _Fold(self, stored).run(session)

    def _start_twins(self, events: Sequence[RecordedEvent]) -> bool:
        """Whether a new subagent start has a twin, stored or new: a hook's start and a
        transcript's of the same agent merge (``merge_subagent_twins``), which folding does not
        do. A few times a session, when both sources report the subagent; hooks alone have none."""
        seen: dict[str, set[str]] = {}
        for event in events:
            if event.type == EventType.SUBAGENT_START and event.agent_id:
                ids = seen.get(event.agent_id)
                if ids is None:
                    ids = seen[event.agent_id] = set(self.starts.get(event.agent_id, ()))
                ids.add(event.id)
        return any(
            any(i.startswith(HOOK_ID_PREFIX) for i in ids)
            and not all(i.startswith(HOOK_ID_PREFIX) for i in ids)
            for ids in seen.values()
        )


def _inverted(calls: Iterable[ToolCall]) -> bool:
    """Whether a result comes before its call's first pre (the timeline would move it)."""
    return any(call.pres and any(post < call.pres[0] for post in call.posts) for call in calls)


class _Fold:
    """One commit folded into a state: works on copies, changes the state only in ``apply``."""

    def __init__(self, state: RunningState, stored: SavedReplay) -> None:
        self.state = state
        self.old = stored.events
        self.replay = stored.replay
        self.events = list(stored.events)
        self.new_at: dict[str, int] = {}  # positions that moved (or are new) in self.events
        self.dirty: dict[str, RecordedEvent | None] = {}  # id -> its previous version (None: new)
        self.removed: dict[str, RecordedEvent] = {}
        self.first_changed = len(self.old)

    def at(self, event_id: str) -> int:
        position = self.new_at.get(event_id)
        return self.state.index[event_id] if position is None else position

    def _set(self, event: RecordedEvent) -> None:
        position = self.at(event.id)
        previous = self.events[position]
        if previous is event:
            return
        if event.id not in self.dirty:
            self.dirty[event.id] = previous
        self.events[position] = event
        self.first_changed = min(self.first_changed, position)

    def run(self, session: CapturedSession) -> Built | None:
        index = self.state.index
        # 1. merge by id: stored events in place, new ids after them (merge_events).
        changed: dict[str, RecordedEvent] = {}
        added: dict[str, RecordedEvent] = {}
        for event in session.events:
            if event.id in index:
                base = changed.get(event.id) or self.old[index[event.id]]
                changed[event.id] = merge_event(base, event)
            elif event.id in added:
                added[event.id] = merge_event(added[event.id], event)
            else:
                added[event.id] = event
        changed = {k: v for k, v in changed.items() if v is not self.old[index[k]]}
        # 2. prompt twins, on the prompts alone (merge_prompt_twins looks at nothing else).
        self._prompt_twins(changed, added)
        # 3. no estimated time anywhere (checked): re-timing changes nothing.
        # 4. order by timestamp (a stable sort), placing only what is new or moved.
        if not self._place(changed, added):
            return None
        # 5. subagents nested, on the events nesting looks at.
        self._nest()
        # 6. tool calls: the calls the new events belong to, paired and their outcomes set.
        calls = self._pair()
        if calls is None:
            return None
        # 7. the timeline: relative times from the (unchanged) first event.
        origin = self.events[0].timestamp
        for event_id in list(self.dirty):
            event = self.events[self.at(event_id)]
            relative = event.timestamp - origin
            if event.relative_time_ms != relative:
                self._set(msgspec.structs.replace(event, relative_time_ms=relative))
        return self._built(session, calls)

    def _prompt_twins(
        self, changed: dict[str, RecordedEvent], added: dict[str, RecordedEvent]
    ) -> None:
        """Hook prompts merged into their transcript copies: a stored one merged away is
        ``removed``. Only prompts are ever removed, so no tool call loses a member."""
        state, index = self.state, self.state.index
        stored_prompts = sorted(state.subsets["prompts"], key=index.__getitem__)
        news = [e.id for e in added.values() if e.type == EventType.USER_PROMPT_SUBMIT]
        touched = news or any(i in changed for i in stored_prompts)
        if touched:
            prompts = [changed.get(i) or self.old[index[i]] for i in stored_prompts]
            prompts += [added[i] for i in news]
            hooks = sum(1 for e in prompts if e.id.startswith(HOOK_ID_PREFIX))
            if hooks and hooks < len(prompts):
                kept = {e.id: e for e in merge_prompt_twins(prompts)}
                for event in prompts:
                    if event.id not in kept:
                        if event.id in added:
                            del added[event.id]
                        else:
                            changed.pop(event.id, None)
                            self.removed[event.id] = self.old[index[event.id]]
                    elif kept[event.id] is not event:
                        (added if event.id in added else changed)[event.id] = kept[event.id]

    def _place(self, changed: dict[str, RecordedEvent], added: dict[str, RecordedEvent]) -> bool:
        """Stable sort of (stored events, then new ones) by timestamp, done by insertion: the
        stored events are in that order already, so only new and moved ones need placing."""
        index, old = self.state.index, self.old
        origin = old[0].timestamp
        moved = [k for k, e in changed.items() if e.timestamp != old[index[k]].timestamp]
        if old[0].id in moved or old[0].id in self.removed:
            return False  # the origin would change: every relative time with it
        if any(e.timestamp < origin for e in (*added.values(), *(changed[k] for k in moved))):
            return False
        for event_id, event in changed.items():
            if event.timestamp == old[index[event_id]].timestamp:
                self._set(event)
        out = sorted((index[k] for k in (*moved, *self.removed)), reverse=True)
        for position in out:
            del self.events[position]
        structure = out[-1] if out else len(old)
        # The stable sort's key: (timestamp, position in the merged list).
        added_at = {event_id: len(old) + n for n, event_id in enumerate(added)}

        def key(event: RecordedEvent) -> tuple[int, int]:
            position = added_at.get(event.id)
            return (event.timestamp, index[event.id] if position is None else position)

        placing = sorted((*(changed[k] for k in moved), *added.values()), key=key)
        events = self.events
        for event in placing:
            if not events or key(events[-1]) <= key(event):
                at = len(events)
                events.append(event)
            else:
                at = bisect_right(events, key(event), key=key)
                events.insert(at, event)
            structure = min(structure, at)
            self.dirty[event.id] = None if event.id in added_at else old[index[event.id]]
        self.first_changed = min(self.first_changed, structure)
        for position in range(structure, len(events)):
            self.new_at[events[position].id] = position
        return True

    def _nest(self) -> None:
        """Subagents nested under their Task, on the events nesting looks at (in order)."""
        subset = self._subset("nesting")
        if subset is None:
            return
        for before, after in zip(subset, nest_subagents(subset), strict=True):
            if after is not before:
                self._set(after)

    def _subset(self, kind: str) -> list[RecordedEvent] | None:
        """The current events of one subset, in order — None when no new or changed event
        belongs to it (the stored ones are what the last build made of them already)."""
        kinds = _KINDS.index(kind)
        members = self.state.subsets[kind]
        touched = False
        ids = [k for k in members if k not in self.removed]
        for event_id, previous in self.dirty.items():
            now = self.events[self.at(event_id)]
            if _kinds(now)[kinds]:
                touched = True
                if event_id not in members:
                    ids.append(event_id)
            elif previous is not None and _kinds(previous)[kinds]:
                touched = True
                ids.remove(event_id)
        if not touched and not any(k in members for k in self.removed):
            return None
        return [self.events[i] for i in sorted(map(self.at, ids))]

    def _pair(self) -> list[ToolCall] | None:
        """Pair the calls that new or changed tool events belong to, set their outcomes."""
        state = self.state
        touched: set[str] = set()
        idless: list[str] = []
        for event_id, previous in self.dirty.items():
            event = self.events[self.at(event_id)]
            if not _is_tool(event) and (previous is None or not _is_tool(previous)):
                continue
            if event.tool_use_id:
                touched.add(event_id)
                key = state.call_of.get(event_id)
                if key is not None and key != event.tool_use_id:
                    return None  # a tool event that changed calls: not worth the bookkeeping
                call = state.calls.get(event.tool_use_id)
                if call is not None:
                    touched.update(call.members)
            elif previous is not None:
                return None  # a stored id-less tool event changed: FIFO pairing may change
            else:
                idless.append(event_id)
        if idless:
            last = state.idless_last
            if last is not None and min(map(self.at, idless)) < self.at(last):
                return None  # not after every stored one: the FIFO queues would differ
            touched.update(idless)
            for key in state.waiting:
                touched.update(state.calls[key].members)
        if not touched:
            return []
        positions = sorted(map(self.at, touched))
        subset = [self.events[i] for i in positions]
        calls = pair_tool_calls(subset)
        if _inverted(calls):
            return None
        apply_outcomes(subset, calls)
        for event in subset:
            self._set(event)
        self.subset_calls = (subset, calls, idless)
        return calls

    def _built(self, session: CapturedSession, calls: list[ToolCall]) -> Built:
        state, events, index = self.state, self.events, self.state.index
        old_title_view = self._title_view(self.old)
        # What the stored events give for a model, counted before the counts follow the new ones.
        keeps = not session.info.model and self.replay.metadata.model
        old_model = self._model(self.old) if keeps else None
        touched = self._touched()
        # The state follows the events: positions, counts, subsets, calls.
        for event_id, previous in self.removed.items():
            del index[event_id]
            state._account(previous, -1)
        index.update(self.new_at)
        for event_id, previous in self.dirty.items():
            if previous is not None:
                state._account(previous, -1)
            state._account(events[index[event_id]], 1)
        if calls:
            subset, _, idless = self.subset_calls
            state._remember_calls(subset, calls)
            if idless:
                state.idless_last = max(idless, key=index.__getitem__)
        old_meta = self.replay.metadata
        info = merged_info(
            session.info,
            old_meta,
            lambda: session_title(old_title_view, SessionInfo()),
            lambda: old_model,
        )
        cwd = info.cwd or first_cwd(events)
        if cwd != state.cwd:
            state.cwd = cwd
            state.files = Counter()
            for event in events:
                for path in files_touched((event,), cwd):
                    state.files[path] += 1
        metadata = ReplayMetadata(
            duration_ms=events[-1].relative_time_ms - events[0].relative_time_ms,
            event_count=len(events),
            tool_breakdown=most_used_first(state.tools),
            files_touched=sorted(path for path, n in state.files.items() if n > 0),
            session_name=self._title(info, touched),
            recorded_date=iso_utc(events[0].timestamp),
            model=info.model or self._model(events),
            cwd=cwd,
            git_branch=info.git_branch or None,
            claude_version=info.claude_version or None,
            token_usage=self._cached("usage", touched, token_usage),
            error_count=state.failed_calls + state.api_errors,
            subagent_count=self._cached("subagents", touched, count_subagents),
            prompt_count=self._cached("prompts", touched, count_prompts),
            sources=list(dict.fromkeys([*old_meta.sources, session.source])),
        )
        replay = self._replay(metadata)
        prompts = self._cached("prompts", touched, prompt_text)
        event_tools = tuple(tool for tool, n in state.event_tools.items() if n > 0)
        changed = bool(self.dirty or self.removed)
        saved = events if changed else self.old
        state.saved = saved
        return Built(
            replay,
            saved,
            status_view=self._members("bounds"),
            state=state,
            unchanged=self.first_changed,
            search=partial(search_fields_of, prompts=prompts, event_tools=event_tools),
        )

    def _replay(self, metadata: ReplayMetadata) -> Replay:
        """As :func:`~vibecast.recorder.build_replay` finishes: a user's own title is kept."""
        existing = self.replay
        user_titled = bool(existing.title) and existing.title != existing.metadata.session_name
        title = existing.title if user_titled else metadata.session_name
        unchanged = not self.dirty and not self.removed
        if unchanged and title == existing.title and metadata == existing.metadata:
            return existing
        now = int(time.time() * 1000)
        return msgspec.structs.replace(
            existing,
            title=title,
            metadata=metadata,
            created_at=existing.created_at or now,
            updated_at=now,
        )

    def _touched(self) -> dict[str, bool]:
        """For each subset, whether a new, changed or removed event is (or was) in it."""
        hit = [False] * len(_KINDS)
        changed = [*self.removed.values()]
        for event_id, previous in self.dirty.items():
            changed.append(self.events[self.at(event_id)])
            if previous is not None:
                changed.append(previous)
        for event in changed:
            for k, member in enumerate(_kinds(event)):
                hit[k] = hit[k] or member
            if all(hit):
                break
        return dict(zip(_KINDS, hit, strict=True))

    def _members(self, kind: str) -> list[RecordedEvent]:
        """A subset's events, in order (once the state follows the new events)."""
        index = self.state.index
        return [self.events[i] for i in sorted(index[k] for k in self.state.subsets[kind])]

    def _cached(
        self, kind: str, touched: dict[str, bool], compute: Callable[[list[RecordedEvent]], _T]
    ) -> _T:
        """``compute`` over a subset, again only when the subset changed."""
        key = f"{kind}:{compute.__name__}"
        if touched[kind] or key not in self.state.cached:
            self.state.cached[key] = compute(self._members(kind))
        return self.state.cached[key]  # type: ignore[return-value]

    def _title_view(self, events: Sequence[RecordedEvent]) -> list[RecordedEvent]:
        """What :func:`session_title` looks at: the prompts, after the first event."""
        index = self.state.index
        prompts = sorted(self.state.subsets["prompts"], key=index.__getitem__)
        view = [events[index[k]] for k in prompts]
        return view if view and view[0] is events[0] else [events[0], *view]

    def _title(self, info: SessionInfo, touched: dict[str, bool]) -> str:
        if info.title and info.title.strip():
            return session_title((), info)
        first_dirty = self.events[0].id in self.dirty
        key = "title"
        if touched["prompts"] or first_dirty or key not in self.state.cached:
            self.state.cached[key] = session_title(self._title_view(self.events), info)
        return self.state.cached[key]  # type: ignore[return-value]

    def _model(self, events: Sequence[RecordedEvent]) -> str | None:
        """The main thread's most frequent model (else any thread's); ties: the first seen in
        ``events`` (the events the counts are of)."""
        for counts in (self.state.models_main, self.state.models_all):
            live = [(value, n) for value, n in counts.items() if n > 0]
            if live:
                top = max(n for _, n in live)
                best = [value for value, n in live if n == top]
                return best[0] if len(best) == 1 else main_thread_value(events, "model")
        return None
