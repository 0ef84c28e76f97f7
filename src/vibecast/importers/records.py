"""Claude Code transcript records -> RecordedEvents.

One :class:`RecordMapper` per session. It is fed records in file order (main file, then subagent
files) with the :class:`Nesting` each belongs to, and emits into a :class:`SessionBuilder`.

Mapping (wire names as in the transcript):

====================================  ========================================================
user text / ``<command-name>``        user_prompt_submit (``/cmd args``); sidechain root:
                                      subagent_start with the subagent's prompt
user ``isMeta`` / command stdout      system (caveat boilerplate is dropped)
``[Request interrupted by user…]``    system
user ``isCompactSummary``             summary
user ``tool_result``                  post_tool_use / post_tool_use_failure (``is_error``);
                                      toolResponse = ``toolUseResult`` when it is a dict
assistant text / thinking             assistant_message / assistant_thinking
assistant ``tool_use``                pre_tool_use (``assistantText`` = text said before it)
assistant ``isApiErrorMessage``       api_error
``system`` records, ``pr-link``       see :mod:`vibecast.importers.system_records`
``summary``                           summary (and the session title)
``custom-title`` / ``ai-title``       the session title only
``queue-operation`` task notice       notification (a background agent finished; one event
                                      with the user record that hands it to the model)
``progress`` ``agent_progress``       the subagent's message, when no subagent file has it;
                                      other progress records are dropped (their result
                                      arrives as the tool_result)
snapshots, modes, attachments, …      dropped (and Claude Code 2.1's API request bookkeeping)
anything else                         unknown (``raw`` = the record) + one warning per type
====================================  ========================================================
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from vibecast.importers.builder import SessionBuilder
from vibecast.importers.content import (
    UserText,
    blocks_text,
    classify_user_text,
    move_binaries_out,
)
from vibecast.importers.ids import (
    content_event_id,
    record_event_id,
    task_notification_id,
    tool_event_id,
)
from vibecast.importers.issues import IssueLog
from vibecast.importers.subagents import Nesting
from vibecast.importers.system_records import Mapped, pr_link_event, system_event
from vibecast.importers.timestamps import parse_timestamp
from vibecast.importers.tool_results import PersistedOutputs
from vibecast.model import Attachment, EventType, RecordedEvent

__all__ = ["RecordMapper", "ToolIndex"]

ToolIndex = dict[str, str]  # tool_use id -> tool name

# Record types that carry nothing a replay shows.
_SILENT_TYPES = frozenset(
    {
        "file-history-snapshot",
        "file-history-delta",
        "last-prompt",
        "mode",
        "agent-setting",
        "agent-name",
        "attachment",
        "permission-mode",
        "tag",
        # Claude Code 2.1's request bookkeeping: the prompt-cache shape of each API request
        # (the whole system prompt and tool list), its parameters, the tools it offered, the
        # running cost, an internal latch. What the session did is in the other records.
        "atis-latch",
        "api-request",
        "api-request-blob",
        "api-request-shape",
        "tools-used",
        "cost-state",
    }
)
_ASSISTANT_TOOL_CALLS = frozenset({"tool_use", "server_tool_use", "mcp_tool_use"})
_TOOL_USE_ERROR = re.compile(r"^\s*<tool_use_error>(.*)</tool_use_error>\s*$", re.S)


def _usage_of(usage: Any) -> dict[str, int] | None:
    if not isinstance(usage, dict):
        return None
    flat = {k: v for k, v in usage.items() if isinstance(v, int) and not isinstance(v, bool)}
    return flat or None


def _error_text(content: Any) -> str:
    text = blocks_text(content).strip()
    match = _TOOL_USE_ERROR.match(text)
    return match.group(1).strip() if match else text


class RecordMapper:
    """Turns the records of one session into events, keeping the session's facts on the way."""

    def __init__(
        self,
        builder: SessionBuilder,
        issues: IssueLog,
        tools: ToolIndex,
        outputs: PersistedOutputs | None = None,
        *,
        skip_agents: frozenset[str] = frozenset(),
        agent_types: dict[str, str | None] | None = None,
        start_ts: int | None = None,
    ) -> None:
        self._b = builder
        self._issues = issues
        self._tools = tools
        self._outputs = outputs
        # Agents whose own file is imported: their copies inside progress records are ignored.
        self._skip_agents = skip_agents
        self._agent_types = agent_types or {}
        self._last_ts: int | None = start_ts  # records without a time take the one before
        self._ts_by_uuid: dict[str, int] = {}
        self._seen_content: Counter[str] = Counter()
        self._message_event: dict[str, RecordedEvent] = {}
        self._message_usage: dict[str, dict[str, int]] = {}
        self._message_text: dict[str, str] = {}
        self._summaries: list[tuple[str, str | None]] = []
        self._titles: dict[str, str] = {}
        self._main_cwd: str | None = None
        self._any_cwd: str | None = None  # for a session seen only through subagent records

    @property
    def outputs(self) -> PersistedOutputs | None:
        return self._outputs

    @contextmanager
    def reporting_to(self, issues: IssueLog) -> Iterator[None]:
        """Send warnings to another log meanwhile (records of a subagent file)."""
        previous, self._issues = self._issues, issues
        try:
            yield
        finally:
            self._issues = previous

    # ---------------------------------------------------------------- helpers

    def _timestamp(self, record: dict[str, Any]) -> int:
        ts = parse_timestamp(record.get("timestamp"))
        if ts is None:
            return self._last_ts if self._last_ts is not None else 0
        self._last_ts = ts
        return ts

    def _emit(
        self,
        event_id: str,
        event_type: str,
        ts: int,
        record: dict[str, Any],
        nest: Nesting,
        **fields: Any,
    ) -> RecordedEvent:
        cwd = record.get("cwd")
        return self._b.emit(
            event_id,
            event_type,
            ts,
            cwd=cwd if isinstance(cwd, str) else self._main_cwd,
            agent_id=nest.agent_id,
            agent_type=nest.agent_type,
            parent_tool_use_id=nest.parent_tool_use_id,
            **fields,
        )

    def _record_key(self, record: dict[str, Any], kind: str) -> str:
        """The record's uuid, or a content-derived stand-in for records that have none."""
        uuid = record.get("uuid")
        if isinstance(uuid, str) and uuid:
            return uuid
        fallback = content_event_id(kind, record, 0)
        occurrence = self._seen_content[fallback]
        self._seen_content[fallback] += 1
        return fallback if occurrence == 0 else f"{fallback}.{occurrence}"

    def _note_facts(self, record: dict[str, Any], nest: Nesting) -> None:
        if nest != Nesting() or record.get("isSidechain") is True:
            if self._any_cwd is None and isinstance(record.get("cwd"), str):
                self._any_cwd = record["cwd"]
            return
        info = self._b.info
        cwd = record.get("cwd")
        if isinstance(cwd, str) and cwd and info.cwd is None:
            info.cwd = cwd
            self._main_cwd = cwd
        branch = record.get("gitBranch")
        if isinstance(branch, str) and branch:
            info.git_branch = branch
        version = record.get("version")
        if isinstance(version, str) and version:
            info.claude_version = version

    # ---------------------------------------------------------------- entry points

    def map(self, line: int, record: dict[str, Any], nest: Nesting) -> None:
        """Map one record (its events go to the builder)."""
        kind = record.get("type")
        ts = self._timestamp(record)
        uuid = record.get("uuid")
        if isinstance(uuid, str):
            self._ts_by_uuid[uuid] = ts
        self._note_facts(record, nest)
        if kind == "user":
            self._user(line, record, ts, nest)
        elif kind == "assistant":
            self._assistant(line, record, ts, nest)
        elif kind == "system":
            self._system(record, ts, nest, system_event(record))
        elif kind == "summary":
            summary = record.get("summary")
            if isinstance(summary, str) and summary.strip():
                leaf = record.get("leafUuid")
                self._summaries.append((summary.strip(), leaf if isinstance(leaf, str) else None))
        elif kind == "custom-title":
            self._title("custom", record.get("customTitle") or record.get("title"))
        elif kind == "ai-title":
            self._title("ai", record.get("aiTitle") or record.get("title"))
        elif kind == "queue-operation":
            self._queue_operation(record, ts, nest)
        elif kind == "progress":
            self._progress(line, record, nest)
        elif kind == "pr-link":
            self._system(record, ts, nest, pr_link_event(record))
        elif kind in _SILENT_TYPES:
            return
        else:
            self._unknown(line, record, ts, nest, f"record type {kind!r}")

    def finish(self) -> None:
        """Attach token usage (once per API message) and emit the summaries."""
        for message_id, usage in self._message_usage.items():
            event = self._message_event.get(message_id)
            if event is not None:
                event.usage = usage
        first_ts = min(self._ts_by_uuid.values(), default=self._last_ts or 0)
        for summary, leaf in self._summaries:
            ts = self._ts_by_uuid.get(leaf, first_ts) if leaf else first_ts
            key = content_event_id("summary", [summary, leaf], 0)
            self._b.emit(key, EventType.SUMMARY, ts, text=summary, cwd=self._main_cwd)
            if leaf in self._ts_by_uuid:
                self._titles["summary"] = summary
            else:
                self._titles.setdefault("summary-elsewhere", summary)
        info = self._b.info
        if info.cwd is None:
            info.cwd = self._any_cwd
        for source in ("custom", "ai", "summary", "summary-elsewhere"):
            if source in self._titles:
                info.title = self._titles[source]
                break

    def _title(self, source: str, value: Any) -> None:
        if isinstance(value, str) and value.strip():
            self._titles[source] = value.strip()

    def _unknown(
        self,
        line: int,
        record: dict[str, Any],
        ts: int,
        nest: Nesting,
        what: str,
        event_id: str | None = None,
    ) -> None:
        """Keep what we cannot map as an ``unknown`` event (``raw`` = it), warning once per kind."""
        self._issues.once(what, line, f"unknown {what} kept as an unknown event")
        event_id = event_id or self._record_key(record, "unknown")
        attachments: list[Attachment] = []
        raw = move_binaries_out(record, self._b.blobs, attachments)
        self._emit(
            event_id, EventType.UNKNOWN, ts, record, nest, raw=raw, attachments=attachments or None
        )

    # ---------------------------------------------------------------- user records

    def _user(self, line: int, record: dict[str, Any], ts: int, nest: Nesting) -> None:
        message = record.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        key = self._record_key(record, "user")
        if record.get("isCompactSummary") is True:
            text = blocks_text(content).strip()
            self._emit(record_event_id(key, 0), EventType.SUMMARY, ts, record, nest, text=text)
            return
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        if not isinstance(content, list):
            self._unknown(line, record, ts, nest, "user message without content")
            return
        results = [b for b in content if isinstance(b, dict) and b.get("type") == "tool_result"]
        prompt_parts: list[str] = []
        attachments: list[Attachment] = []
        prompt_index: int | None = None
        for index, block in enumerate(content):
            block_type = block.get("type") if isinstance(block, dict) else None
            if block_type == "tool_result":
                self._tool_result(line, record, block, len(results) == 1, ts, nest)
            elif block_type == "text" and isinstance(block.get("text"), str):
                typed = self._user_text(record, key, index, block["text"], ts, nest)
                if typed is not None:
                    prompt_parts.append(typed)
                    prompt_index = index if prompt_index is None else prompt_index
            elif block_type in ("image", "document"):
                move_binaries_out(block, self._b.blobs, attachments)
                prompt_index = index if prompt_index is None else prompt_index
            else:
                self._unknown(
                    line,
                    {"type": "user", "block": block},
                    ts,
                    nest,
                    f"user content block {block_type!r}",
                    record_event_id(key, index),
                )
        if prompt_index is None:
            return
        prompt = "\n".join(prompt_parts)
        if record.get("isSidechain") is True and record.get("parentUuid") is None:
            self._emit(
                record_event_id(key, prompt_index),
                EventType.SUBAGENT_START,
                ts,
                record,
                nest,
                prompt=prompt,
                attachments=attachments or None,
            )
            return
        permission_mode = record.get("permissionMode")
        self._emit(
            record_event_id(key, prompt_index),
            EventType.USER_PROMPT_SUBMIT,
            ts,
            record,
            nest,
            prompt=prompt,
            attachments=attachments or None,
            permission_mode=permission_mode if isinstance(permission_mode, str) else None,
        )

    def _user_text(
        self, record: dict[str, Any], key: str, index: int, text: str, ts: int, nest: Nesting
    ) -> str | None:
        """The prompt this text is (``/cmd args`` for a command); other text becomes its own
        event (or is dropped as boilerplate) and gives None."""
        classified = classify_user_text(text)
        if classified.kind == "noise":
            return None
        if record.get("isMeta") is True:
            if text.strip():
                event_id = record_event_id(key, index)
                self._emit(event_id, EventType.SYSTEM, ts, record, nest, text=text)
            return None
        if classified.kind == "prompt":
            return classified.text
        if classified.kind == "notification":
            self._notification(text, classified, ts, record, nest)
        else:  # command output, interruption
            event_id = record_event_id(key, index)
            self._emit(event_id, EventType.SYSTEM, ts, record, nest, text=classified.text)
        return None

    def _notification(
        self, text: str, classified: UserText, ts: int, record: dict[str, Any], nest: Nesting
    ) -> None:
        """A task notice (``text``, as ``classified``): one event, whichever record gives it."""
        self._emit(
            task_notification_id(text),
            EventType.NOTIFICATION,
            ts,
            record,
            nest,
            **classified.notice_fields(),
        )

    def _tool_result(
        self,
        line: int,
        record: dict[str, Any],
        block: dict[str, Any],
        sole: bool,
        ts: int,
        nest: Nesting,
    ) -> None:
        tool_use_id = block.get("tool_use_id")
        if not isinstance(tool_use_id, str) or not tool_use_id:
            self._unknown(
                line, {"type": "user", "block": block}, ts, nest, "tool_result without tool_use_id"
            )
            return
        tool = self._tools.get(tool_use_id)
        if tool is None:
            self._issues.add(
                line, f"tool_result for {tool_use_id}, whose tool_use is not in this session"
            )
        failed = block.get("is_error") is True
        content = block.get("content")
        structured = record.get("toolUseResult") if sole else None
        attachments: list[Attachment] = []
        response = structured if isinstance(structured, dict) else content
        response = move_binaries_out(response, self._b.blobs, attachments)
        if isinstance(response, list) and all(
            isinstance(b, dict) and b.get("type") == "text" for b in response
        ):
            response = blocks_text(response)
        if self._outputs is not None:
            response = self._outputs.inline(response)
        event_type = EventType.POST_TOOL_USE_FAILURE if failed else EventType.POST_TOOL_USE
        self._emit(
            tool_event_id(tool_use_id, event_type),
            event_type,
            ts,
            record,
            nest,
            tool=tool,
            tool_use_id=tool_use_id,
            tool_response=response,
            success=not failed,
            error=_error_text(content) if failed else None,
            attachments=attachments or None,
        )

    # ---------------------------------------------------------------- assistant records

    def _assistant(self, line: int, record: dict[str, Any], ts: int, nest: Nesting) -> None:
        message = record.get("message")
        if not isinstance(message, dict):
            self._unknown(line, record, ts, nest, "assistant record without message")
            return
        key = self._record_key(record, "assistant")
        content = message.get("content")
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        if not isinstance(content, list):
            content = []
        model = message.get("model") if isinstance(message.get("model"), str) else None
        if model == "<synthetic>":
            model = None
        if record.get("isApiErrorMessage") is True:
            text = blocks_text(content).strip()
            error = record.get("error")
            self._emit(
                record_event_id(key, 0),
                EventType.API_ERROR,
                ts,
                record,
                nest,
                text=text,
                error=error if isinstance(error, str) and error else text,
            )
            return
        if model and nest == Nesting() and record.get("isSidechain") is not True:
            self._b.info.model = model
        message_id = message.get("id") if isinstance(message.get("id"), str) else key
        for index, block in enumerate(content):
            event = self._assistant_block(
                line, record, key, index, block, message_id, model, ts, nest
            )
            if event is not None:
                self._message_event[message_id] = event
        usage = _usage_of(message.get("usage"))
        if usage:
            self._message_usage[message_id] = usage

    def _assistant_block(
        self,
        line: int,
        record: dict[str, Any],
        key: str,
        index: int,
        block: Any,
        message_id: str,
        model: str | None,
        ts: int,
        nest: Nesting,
    ) -> RecordedEvent | None:
        block_type = block.get("type") if isinstance(block, dict) else None
        event_id = record_event_id(key, index)
        if block_type == "text":
            text = block.get("text")
            if not isinstance(text, str) or not text.strip():
                return None
            self._message_text[message_id] = text
            return self._emit(
                event_id, EventType.ASSISTANT_MESSAGE, ts, record, nest, text=text, model=model
            )
        if block_type == "thinking":
            thinking = block.get("thinking")
            if not isinstance(thinking, str) or not thinking.strip():
                return None
            return self._emit(
                event_id,
                EventType.ASSISTANT_THINKING,
                ts,
                record,
                nest,
                thinking=thinking,
                model=model,
            )
        if block_type == "redacted_thinking":
            return self._emit(
                event_id,
                EventType.ASSISTANT_THINKING,
                ts,
                record,
                nest,
                model=model,
                raw={"redacted": True},
            )
        if block_type in _ASSISTANT_TOOL_CALLS:
            tool_use_id = block.get("id")
            if not isinstance(tool_use_id, str) or not tool_use_id:
                self._unknown(
                    line, {"type": "assistant", "block": block}, ts, nest, "tool_use without id"
                )
                return None
            attachments: list[Attachment] = []
            tool_input = move_binaries_out(block.get("input"), self._b.blobs, attachments)
            name = block.get("name") if isinstance(block.get("name"), str) else None
            return self._emit(
                tool_event_id(tool_use_id, EventType.PRE_TOOL_USE),
                EventType.PRE_TOOL_USE,
                ts,
                record,
                nest,
                tool=name,
                tool_input=tool_input,
                tool_use_id=tool_use_id,
                assistant_text=self._message_text.get(message_id),
                attachments=attachments or None,
            )
        if isinstance(block_type, str) and block_type.endswith("_tool_result"):
            # Server-side tools (web search, code execution) answer inside the assistant message.
            tool_use_id = block.get("tool_use_id")
            if isinstance(tool_use_id, str):
                result = block.get("content")
                failed = isinstance(result, dict) and str(result.get("type", "")).endswith("_error")
                event_type = EventType.POST_TOOL_USE_FAILURE if failed else EventType.POST_TOOL_USE
                return self._emit(
                    tool_event_id(tool_use_id, event_type),
                    event_type,
                    ts,
                    record,
                    nest,
                    tool=self._tools.get(tool_use_id),
                    tool_use_id=tool_use_id,
                    tool_response=result,
                    success=not failed,
                )
        if block_type in ("image", "document"):
            attachments = []
            move_binaries_out(block, self._b.blobs, attachments)
            return self._emit(
                event_id, EventType.ASSISTANT_MESSAGE, ts, record, nest, attachments=attachments
            )
        self._unknown(
            line,
            {"type": "assistant", "block": block},
            ts,
            nest,
            f"assistant content block {block_type!r}",
            event_id,
        )
        return None

    # ---------------------------------------------------------------- system and other records

    def _system(
        self, record: dict[str, Any], ts: int, nest: Nesting, mapped: Mapped | None
    ) -> None:
        if mapped is not None:
            event_type, fields = mapped
            event_id = record_event_id(self._record_key(record, "system"), 0)
            self._emit(event_id, event_type, ts, record, nest, **fields)

    def _queue_operation(self, record: dict[str, Any], ts: int, nest: Nesting) -> None:
        content = record.get("content")
        if record.get("operation") != "enqueue" or not isinstance(content, str):
            return  # queued prompts arrive later as user records
        classified = classify_user_text(content)
        if classified.kind == "notification":
            self._notification(content, classified, ts, record, nest)

    def _progress(self, line: int, record: dict[str, Any], nest: Nesting) -> None:
        data = record.get("data")
        if not isinstance(data, dict) or data.get("type") not in (None, "agent_progress"):
            return  # hook/bash/mcp/search progress: the tool_result carries the outcome
        inner = data.get("message")
        agent_id = data.get("agentId") if isinstance(data.get("agentId"), str) else None
        if agent_id in self._skip_agents or not isinstance(inner, dict):
            return
        if inner.get("type") not in ("user", "assistant") or not isinstance(
            inner.get("message"), dict
        ):
            return
        parent = record.get("parentToolUseID")
        nested = Nesting(
            agent_id=agent_id,
            agent_type=self._agent_types.get(parent) if isinstance(parent, str) else None,
            parent_tool_use_id=parent if isinstance(parent, str) else nest.parent_tool_use_id,
        )
        copy = dict(inner)
        copy.setdefault("timestamp", record.get("timestamp"))
        copy.setdefault("cwd", record.get("cwd"))
        if not isinstance(copy.get("uuid"), str):
            copy["uuid"] = f"{self._record_key(record, 'progress')}.message"
        copy["isSidechain"] = True
        self.map(line, copy, nested)
