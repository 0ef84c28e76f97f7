"""ReplayMetadata: what a replay browser says about a session, computed from its events.

Counts are of things a person would count: a tool call is one call however many events
reported it (pre, post, a hook and a transcript); an API response is one response however many
transcript records repeat its token usage; a prompt typed once is one prompt even when both the
hook and the transcript recorded it.
"""

from __future__ import annotations

import datetime as dt
import ntpath
import posixpath
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import chain

from vibecast.importers.base import SessionInfo
from vibecast.model import EventType, RecordedEvent, ReplayMetadata
from vibecast.recorder.subagents import count_subagents
from vibecast.recorder.titles import is_housekeeping, real_prompts, session_title
from vibecast.recorder.tools import ToolCall, pair_tool_calls

__all__ = [
    "FILE_TOOLS",
    "TOKEN_KEYS",
    "compute_metadata",
    "count_prompts",
    "display_path",
    "files_touched",
    "first_cwd",
    "iso_utc",
    "main_thread_value",
    "thread_of",
    "token_usage",
    "tool_breakdown",
]

FILE_TOOLS = frozenset({"Read", "Write", "Edit", "MultiEdit", "NotebookRead", "NotebookEdit"})
"""Tools whose input names a file they read or write (``file_path``, ``notebook_path``, ``path``).

Search tools (Grep, Glob, LS) are left out on purpose: their ``path`` is where a search started,
usually a directory, and listing it would make "files touched" say less, not more.
"""
_PATH_KEYS = ("file_path", "notebook_path", "path")

TOKEN_KEYS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
)

SAME_PROMPT_WINDOW_MS = 10_000
"""The same prompt twice within this window is one prompt reported by two sources."""


def thread_of(event: RecordedEvent) -> str:
    """Which conversation an event belongs to: "" for the main thread, else the id its
    subagent is known by (the spawning call's ``toolUseId``, else the agent id)."""
    return event.parent_tool_use_id or event.agent_id or ""


def tool_breakdown(calls: Iterable[ToolCall]) -> dict[str, int]:
    """Tool name -> number of calls, most used first (ties by name).

    A result whose call was never captured and does not name its tool is left out: there is
    nothing to attribute it to.
    """
    return most_used_first(Counter(call.tool for call in calls if call.tool))


def most_used_first(counts: Counter[str]) -> dict[str, int]:
    """``counts`` above zero, most first (ties by name): the order of ``tool_breakdown``."""
    positive = ((name, n) for name, n in counts.items() if n > 0)
    return dict(sorted(positive, key=lambda item: (-item[1], item[0])))


def call_failed(events: Sequence[RecordedEvent], call: ToolCall) -> bool:
    """Whether any report of the call says it failed."""
    # A loop, not any() over a generator: this runs for every call at every full build.
    for index in chain(call.pres, call.posts):  # noqa: SIM110
        if events[index].success is False:
            return True
    return False


@lru_cache(maxsize=4096)
def display_path(path: str, cwd: str | None) -> str:
    """A path as a user wants to read it: relative to the session's directory when under it.
    Cached: a session touches the same files again and again, and every build counts them."""
    path = path.strip()
    windows = "\\" in path or (len(path) > 1 and path[1] == ":")
    flavour = ntpath if windows else posixpath
    path = flavour.normpath(path)
    if cwd:
        root = flavour.normpath(cwd.strip())
        if path == root:
            return "."
        prefix = root.rstrip(flavour.sep) + flavour.sep
        matches = path.lower().startswith(prefix.lower()) if windows else path.startswith(prefix)
        if matches:
            return path[len(prefix) :]
    return path


def files_touched(events: Iterable[RecordedEvent], cwd: str | None) -> list[str]:
    """Files read or written by file tools, sorted and unique, relative to ``cwd`` when under it.

    A call that failed touched nothing (a rejected Write, a Read of a directory); one whose
    outcome is unknown (still running, or only its call was captured) counts.
    """
    paths: set[str] = set()
    for event in events:
        if event.tool not in FILE_TOOLS or not isinstance(event.tool_input, dict):
            continue
        if event.success is False:
            continue
        for key in _PATH_KEYS:
            value = event.tool_input.get(key)
            if isinstance(value, str) and value.strip():
                paths.add(display_path(value, cwd))
                break
    return sorted(paths)


def token_usage(events: Iterable[RecordedEvent]) -> dict[str, int]:
    """Summed token usage, one API response counted once.

    Claude Code writes one transcript record per content block of a response, each repeating
    the response's usage (input and cache counts equal, output growing as it streams). Within a
    conversation thread, the (input, cache creation, cache read) triple identifies a response,
    since every later request carries more context; the largest output count is its final one.
    """
    responses: dict[tuple[str, int, int, int], dict[str, int]] = {}
    for event in events:
        usage = event.usage
        if not isinstance(usage, dict):
            continue
        counts = {
            key: value
            for key in TOKEN_KEYS
            if isinstance(value := usage.get(key), int) and not isinstance(value, bool)
        }
        if not counts:
            continue
        key = (
            thread_of(event),
            counts.get("input_tokens", 0),
            counts.get("cache_creation_input_tokens", 0),
            counts.get("cache_read_input_tokens", 0),
        )
        seen = responses.setdefault(key, {})
        for name, value in counts.items():
            seen[name] = max(seen.get(name, 0), value)
    totals: dict[str, int] = {}
    for counts in responses.values():
        for name, value in counts.items():
            totals[name] = totals.get(name, 0) + value
    return {key: totals[key] for key in TOKEN_KEYS if key in totals}


def count_prompts(events: Iterable[RecordedEvent]) -> int:
    """Prompts the user gave the agent in the main thread.

    Housekeeping commands (``/clear``, ``/mcp``) are not prompts; one prompt reported twice
    (by a hook and by the transcript) counts once.
    """
    count = 0
    last: tuple[str, int] | None = None
    for event, typed in real_prompts(events):
        if is_housekeeping(typed):
            continue
        if last and last[0] == typed and event.timestamp - last[1] <= SAME_PROMPT_WINDOW_MS:
            continue
        count += 1
        last = (typed, event.timestamp)
    return count


def main_thread_value(events: Sequence[RecordedEvent], field: str) -> str | None:
    """The most frequent value of ``field`` in the main thread (else anywhere); ties: first seen."""
    for main_only in (True, False):
        values = Counter(
            value
            for event in events
            if (not main_only or not thread_of(event)) and (value := getattr(event, field))
        )
        if values:
            return values.most_common(1)[0][0]
    return None


def first_cwd(events: Sequence[RecordedEvent]) -> str | None:
    """The session's working directory as its events tell it: the main thread's first, else
    any thread's first (the metadata's ``cwd`` when the session's own facts do not give it)."""
    for main_only in (True, False):
        for event in events:
            if event.cwd and (not main_only or not thread_of(event)):
                return event.cwd
    return None


def iso_utc(ms: int) -> str:
    """Epoch milliseconds as the metadata's ``recorded_date`` writes them (ISO 8601, UTC, ms)."""
    moment = dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def compute_metadata(
    events: Sequence[RecordedEvent], info: SessionInfo, sources: Sequence[str]
) -> ReplayMetadata:
    """The metadata of a replay whose ``events`` are final (ordered, timed, outcomes set).

    ``info`` wins over what the events suggest (the importer read the session's own facts);
    the model is otherwise the one the main thread used most, the directory its first.
    """
    if not events:
        return ReplayMetadata(
            session_name=info.title or "",
            model=info.model,
            cwd=info.cwd,
            git_branch=info.git_branch,
            claude_version=info.claude_version,
            sources=list(dict.fromkeys(sources)),
        )
    calls = pair_tool_calls(events)
    cwd = info.cwd or first_cwd(events)
    first = min(event.timestamp for event in events)
    failed_calls = sum(1 for call in calls if call_failed(events, call))
    api_errors = sum(1 for event in events if event.type == EventType.API_ERROR)
    return ReplayMetadata(
        duration_ms=events[-1].relative_time_ms - events[0].relative_time_ms,
        event_count=len(events),
        tool_breakdown=tool_breakdown(calls),
        files_touched=files_touched(events, cwd),
        session_name=session_title(events, info),
        recorded_date=iso_utc(first),
        model=info.model or main_thread_value(events, "model"),
        cwd=cwd,
        git_branch=info.git_branch or None,
        claude_version=info.claude_version or None,
        token_usage=token_usage(events),
        error_count=failed_calls + api_errors,
        subagent_count=count_subagents(events),
        prompt_count=count_prompts(events),
        sources=list(dict.fromkeys(sources)),
    )
