"""Claude Code ``system`` records (and ``pr-link``) -> what event, if any, they make.

Pure functions of one record, so the rules are easy to read and to test:

* ``compact_boundary`` / ``microcompact_boundary`` -> compact_boundary; ``raw`` keeps the
  subtype and the metadata (``trigger``, ``preTokens``, ``tokensSaved``, ...)
* ``api_error`` -> api_error with the API's message; ``raw`` keeps the retry counters
* ``stop_hook_summary`` -> system, only when a Stop hook failed or blocked
* ``local_command`` -> system with the command or its output
* ``turn_duration`` and 1.0.x hook chatter ("Running PreToolUse:Bash…") -> nothing
* anything else -> system with its text; ``raw`` keeps subtype and level
"""

from __future__ import annotations

import re
from typing import Any

from vibecast.importers.content import classify_user_text, strip_ansi
from vibecast.model import EventType

__all__ = ["Mapped", "pr_link_event", "system_event"]

Mapped = tuple[EventType, dict[str, Any]]

_SILENT_SUBTYPES = frozenset({"turn_duration", "bridge_status", "thinking"})
_HOOK_CHATTER = re.compile(r"^(Running )?\x1b\[1m\w+(:\S*)?\x1b\[22m")
_CHATTER_LEVELS = frozenset({None, "info", "suggestion", "debug"})
_RETRY_FIELDS = ("retryInMs", "retryAttempt", "maxRetries")
_COMPACTION = {
    "compact_boundary": ("compactMetadata", "Conversation compacted"),
    "microcompact_boundary": ("microcompactMetadata", "Context microcompacted"),
}


def _api_error_text(record: dict[str, Any], content: str) -> str:
    error = record.get("error")
    if isinstance(error, dict):
        inner = error.get("error") if isinstance(error.get("error"), dict) else error
        message = inner.get("message") or error.get("message")
        return str(message) if message else str(error)
    return str(error) if error else content or "API error"


def system_event(record: dict[str, Any]) -> Mapped | None:
    """The event type and fields for a ``system`` record, or None when it shows nothing."""
    subtype = record.get("subtype")
    content = record.get("content") if isinstance(record.get("content"), str) else ""
    level = record.get("level") if isinstance(record.get("level"), str) else None
    if subtype in _COMPACTION:
        meta_key, default_text = _COMPACTION[subtype]
        raw: dict[str, Any] = {"subtype": subtype}
        if isinstance(record.get(meta_key), dict):
            raw.update(record[meta_key])
        return EventType.COMPACT_BOUNDARY, {"text": content or default_text, "raw": raw}
    if subtype == "api_error":
        retries = {k: record[k] for k in _RETRY_FIELDS if k in record}
        fields = {"text": content or None, "error": _api_error_text(record, content)}
        return EventType.API_ERROR, {**fields, "raw": retries or None}
    if subtype == "stop_hook_summary":
        errors = record.get("hookErrors")
        if not errors and record.get("preventedContinuation") is not True:
            return None
        reason = record.get("stopReason") or "prevented continuation"
        return EventType.SYSTEM, {"text": f"Stop hook: {reason}", "raw": {"hookErrors": errors}}
    if subtype == "local_command":
        classified = classify_user_text(content)
        if classified.kind == "noise" or not classified.text.strip():
            return None
        return EventType.SYSTEM, {"text": classified.text}
    if subtype in _SILENT_SUBTYPES:
        return None
    if level in _CHATTER_LEVELS and _HOOK_CHATTER.match(content):
        return None
    text = strip_ansi(content) or (subtype if isinstance(subtype, str) else "")
    raw = {k: v for k, v in (("subtype", subtype), ("level", level)) if v}
    return EventType.SYSTEM, {"text": text, "raw": raw or None}


def pr_link_event(record: dict[str, Any]) -> Mapped:
    """A ``pr-link`` record (the session opened a pull request) as a system line."""
    url = record.get("prUrl")
    number = record.get("prNumber")
    text = f"Pull request #{number}: {url}" if url else "Pull request linked"
    return EventType.SYSTEM, {"text": text}
