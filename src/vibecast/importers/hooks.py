"""Claude Code hook payloads (what a hook receives on stdin) -> RecordedEvents.

:func:`event_from_hook_payload` maps one payload; the live capture reuses it. The file reader
handles the captures that logging scripts leave behind: JSON arrays (or JSON Lines) of payloads,
one file per hook type, mixing sessions, where the script may have added ``timestamp`` /
``logged_at`` / ``raw_input`` / ``hook_decision`` fields.

Real stdin carries no time. When a capture has none either, events are spaced
:data:`SYNTHETIC_SPACING_MS` apart in file order, ending at the file's modification time, and
the file gets one warning saying so: the order is true, the times are not. A logger's time
without a zone (``datetime.now().isoformat()``) is read as this machine's local time, which is
only a guess about the logger's zone. Both kinds of events are marked ``time_estimated``, so
that the recorder can tell a guessed time from a recorded one and re-time them against an
exact source of the same session (a transcript). Ending at the modification time makes a guess
later than the truth, never earlier (the file was written after the hooks ran).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from vibecast.importers.base import ImportIssue
from vibecast.importers.builder import SessionBuilder
from vibecast.importers.content import classify_user_text, move_binaries_out
from vibecast.importers.ids import (
    content_event_id,
    content_hash,
    task_notification_id,
    tool_event_id,
)
from vibecast.importers.issues import IssueLog
from vibecast.importers.jsonio import non_objects_message, split_objects
from vibecast.importers.timestamps import SourceTime, read_time
from vibecast.model import Attachment, EventType, RecordedEvent

__all__ = [
    "HOOK_EVENT_TYPES",
    "LOGGER_FIELDS",
    "SYNTHETIC_SPACING_MS",
    "derive_success",
    "event_from_hook_payload",
    "hook_payload_of",
    "read_hook_payloads",
]

HOOK_EVENT_TYPES: dict[str, EventType] = {
    "SessionStart": EventType.SESSION_START,
    "SessionEnd": EventType.SESSION_END,
    "UserPromptSubmit": EventType.USER_PROMPT_SUBMIT,
    "PreToolUse": EventType.PRE_TOOL_USE,
    "PostToolUse": EventType.POST_TOOL_USE,
    "PostToolUseFailure": EventType.POST_TOOL_USE_FAILURE,
    "PermissionRequest": EventType.PERMISSION_REQUEST,
    "Notification": EventType.NOTIFICATION,
    "Stop": EventType.STOP,
    "SubagentStart": EventType.SUBAGENT_START,
    "SubagentStop": EventType.SUBAGENT_STOP,
    "PreCompact": EventType.PRE_COMPACT,
    "PostCompact": EventType.POST_COMPACT,
}
# Added by logging scripts, not by Claude Code: never part of an event's identity.
LOGGER_FIELDS = frozenset({"timestamp", "logged_at", "raw_input", "hook_decision", "received_at"})
SYNTHETIC_SPACING_MS = 1000

# Payload fields that become RecordedEvent fields; everything else is kept in ``raw``.
_MAPPED = frozenset(
    {
        "hook_event_name",
        "session_id",
        "cwd",
        "transcript_path",
        "tool_name",
        "tool_input",
        "tool_response",
        "tool_use_id",
        "error",
        "prompt",
        "message",
        "notification_type",
        "source",
        "model",
        "reason",
        "permission_mode",
        "agent_id",
        "agent_type",
        "last_assistant_message",
    }
)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def derive_success(response: Any) -> bool | None:
    """What a tool response says about success: False on a failure marker, True on an explicit
    success, None when it does not say."""
    if not isinstance(response, dict):
        return None
    if response.get("success") is False or response.get("is_error") is True:
        return False
    error = response.get("error")
    if error not in (None, "", False):
        return False
    if response.get("interrupted") is True:
        return False
    if response.get("success") is True:
        return True
    return None


def hook_payload_of(entry: dict[str, Any]) -> dict[str, Any]:
    """The real stdin payload of a logged entry: its ``raw_input`` when the logger kept one.

    An entry with no logger field is returned as it is (no copy: the recorder maps thousands
    of payloads a second); callers must not modify what they get."""
    raw = entry.get("raw_input")
    if isinstance(raw, dict) and isinstance(raw.get("hook_event_name"), str):
        return raw
    if LOGGER_FIELDS.isdisjoint(entry):
        return entry
    return {k: v for k, v in entry.items() if k not in LOGGER_FIELDS}


def event_from_hook_payload(
    payload: dict[str, Any],
    received_at_ms: int,
    seq: int,
    *,
    blobs: dict[str, bytes] | None = None,
) -> RecordedEvent:
    """Map one hook stdin payload to a RecordedEvent.

    ``received_at_ms`` becomes the event's time (stdin has none). ``seq`` is the occurrence index
    of this exact payload in its stream (0 for the first): events without a tool_use_id are
    identified by a hash of the payload plus ``seq``, so re-reading the same stream yields the
    same ids. Tool events use ``<tool_use_id>:pre|post|perm``, the ids transcripts give them.
    Inline images are moved to ``blobs`` (or only referenced by hash when ``blobs`` is None).
    An unknown ``hook_event_name`` gives an ``unknown`` event keeping the payload in ``raw``.
    """
    payload = hook_payload_of(payload)
    # The payload's non-empty strings, in one pass (a call of ``_str`` per field cost ~1 µs
    # an event, thousands a second under a burst).
    text = {k: v for k, v in payload.items() if isinstance(v, str) and v}.get
    name = payload.get("hook_event_name")
    event_type = HOOK_EVENT_TYPES.get(name) if isinstance(name, str) else None
    session_id = text("session_id") or "unknown"
    tool_use_id = text("tool_use_id")
    store = blobs if blobs is not None else {}
    attachments: list[Attachment] = []
    if event_type is None:
        return RecordedEvent(
            id=content_event_id("hook", payload, seq),
            timestamp=received_at_ms,
            type=EventType.UNKNOWN,
            session_id=session_id,
            cwd=text("cwd"),
            raw=move_binaries_out(payload, store, attachments),
            attachments=attachments or None,
            recorded_at=received_at_ms,
            relative_time_ms=0,
        )
    prompt = payload.get("prompt") if isinstance(payload.get("prompt"), str) else None
    if event_type == EventType.USER_PROMPT_SUBMIT and prompt:
        notice = classify_user_text(prompt)
        if notice.kind == "notification":
            # Claude Code hands a finished background task's notice to the model as a prompt;
            # nobody typed it. It is the notice the transcript records (same id: one event).
            return RecordedEvent(
                id=task_notification_id(prompt),
                timestamp=received_at_ms,
                type=EventType.NOTIFICATION,
                session_id=session_id,
                cwd=text("cwd"),
                **notice.notice_fields(),
                recorded_at=received_at_ms,
                relative_time_ms=0,
            )
    if tool_use_id and event_type in (
        EventType.PRE_TOOL_USE,
        EventType.POST_TOOL_USE,
        EventType.POST_TOOL_USE_FAILURE,
        EventType.PERMISSION_REQUEST,
    ):
        event_id = tool_event_id(tool_use_id, event_type)
    else:
        event_id = content_event_id("hook", payload, seq)
    tool_input = move_binaries_out(payload.get("tool_input"), store, attachments)
    tool_response = move_binaries_out(payload.get("tool_response"), store, attachments)
    success: bool | None = None
    error = text("error")
    if event_type == EventType.POST_TOOL_USE:
        # Claude Code runs PostToolUse only for tools that completed; failures have their own hook.
        derived = derive_success(tool_response)
        success = True if derived is None else derived
    elif event_type == EventType.POST_TOOL_USE_FAILURE:
        success = False
    response = None
    if event_type in (EventType.STOP, EventType.SUBAGENT_STOP):
        response = text("last_assistant_message")
    extra = {k: v for k, v in payload.items() if k not in _MAPPED}
    transcript = text("transcript_path")
    if transcript:
        extra["transcript_path"] = transcript
    return RecordedEvent(
        id=event_id,
        timestamp=received_at_ms,
        type=event_type,
        session_id=session_id,
        cwd=text("cwd"),
        tool=text("tool_name"),
        tool_input=tool_input,
        tool_response=tool_response,
        tool_use_id=tool_use_id,
        success=success,
        error=error,
        prompt=prompt,
        response=response,
        message=text("message"),
        notification_type=text("notification_type"),
        agent_id=text("agent_id"),
        agent_type=text("agent_type"),
        model=text("model"),
        source=text("source"),
        reason=text("reason"),
        permission_mode=text("permission_mode"),
        attachments=attachments or None,
        raw=extra or None,
        recorded_at=received_at_ms,
        relative_time_ms=0,
    )


def _logged_time(entry: dict[str, Any]) -> SourceTime | None:
    for key in ("timestamp", "logged_at", "received_at"):
        time = read_time(entry.get(key))
        if time is not None:
            return time
    return None


def _times(entries: list[dict[str, Any]], end_ms: int) -> tuple[list[int], list[SourceTime | None]]:
    """One time per entry: the logged one, else synthesised in file order; and what was logged."""
    logged = [_logged_time(entry) for entry in entries]
    known = [time.ms if time is not None else None for time in logged]
    times: list[int] = []
    last: int | None = None
    for index, ts in enumerate(known):
        if ts is None:
            if last is None:
                following = next(
                    ((j, t) for j, t in enumerate(known[index:], index) if t is not None), None
                )
                ts = (
                    following[1] - (following[0] - index) * SYNTHETIC_SPACING_MS
                    if following
                    else None
                )
            else:
                ts = last + SYNTHETIC_SPACING_MS
            if ts is None:
                ts = end_ms - (len(entries) - 1 - index) * SYNTHETIC_SPACING_MS
        times.append(ts)
        last = ts
    return times, logged


def _time_warning(logged: list[SourceTime | None]) -> str | None:
    """The file's one warning about times it did not give exactly, if any."""
    missing = sum(1 for time in logged if time is None)
    naive = sum(1 for time in logged if time is not None and not time.exact)
    parts = []
    if missing:
        parts.append(
            f"{missing} of {len(logged)} payloads carry no time (hook stdin has none): their "
            f"times are synthesised in file order, {SYNTHETIC_SPACING_MS} ms apart"
        )
    if naive:
        parts.append(
            f"{naive} of {len(logged)} payloads carry a logger time without a time zone: read "
            "as this machine's local time"
        )
    if not parts:
        return None
    return "; ".join(parts) + " (marked timeEstimated)"


def read_hook_payloads(
    path: Path, items: list[tuple[int, Any]], log: IssueLog, unit: str = "line"
) -> list[tuple[SessionBuilder, list[ImportIssue]]]:
    """Sessions from the decoded entries of a hook-payload capture (array elements or lines,
    numbered in ``unit``s)."""
    entries, skipped = split_objects(items)
    if skipped:
        log.add(None, non_objects_message(skipped, "entry", unit))
    try:
        end_ms = int(path.stat().st_mtime * 1000)
    except OSError:
        end_ms = 0
    times, logged = _times([entry for _, entry in entries], end_ms)
    warning = _time_warning(logged)
    if warning:
        log.add(None, warning)
    builders: dict[str, SessionBuilder] = {}
    session_issues: dict[str, list[ImportIssue]] = {}
    occurrences: Counter[str] = Counter()
    for (line, entry), ts, given in zip(entries, times, logged, strict=True):
        payload = hook_payload_of(entry)
        digest = content_hash(payload)
        seq = occurrences[digest]
        occurrences[digest] += 1
        session_id = _str(payload.get("session_id")) or "unknown"
        builder = builders.get(session_id)
        if builder is None:
            builder = builders[session_id] = SessionBuilder(session_id, str(path))
            session_issues[session_id] = []
        event = event_from_hook_payload(payload, ts, seq, blobs=builder.blobs)
        if given is None or not given.exact:
            event.time_estimated = True
        builder.add(event)
        if event.type == EventType.UNKNOWN:
            name = payload.get("hook_event_name")
            issue = log.once(
                f"hook:{name}", line, f"unknown hook event {name!r} kept as an unknown event"
            )
            if issue is not None:
                session_issues[session_id].append(issue)
        _note_facts(builder, event)
    return [(builder, session_issues[sid]) for sid, builder in builders.items()]


def _note_facts(builder: SessionBuilder, event: RecordedEvent) -> None:
    info = builder.info
    if event.cwd and info.cwd is None:
        info.cwd = event.cwd
    if event.model:
        info.model = event.model
