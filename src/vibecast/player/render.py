"""Turn events into short, safe rich ``Text`` for a terminal: what a person watching needs to see.

Everything taken from an event goes through :func:`escape_text` first: a transcript holds whatever
a tool printed, and an escape sequence in it must show up as text, not drive the user's terminal.
Text is never parsed as rich markup (it is appended to ``Text`` objects, never formatted into
markup strings).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from typing import Any

from rich.table import Table
from rich.text import Text

from vibecast.model import EventType, RecordedEvent

__all__ = ["EventRenderer", "escape_text", "format_clock", "summarize_response"]

# C0 controls except \n and \t, DEL, C1 controls; Unicode bidi overrides/isolates and the line and
# paragraph separators, which can reorder or hide what is shown ("Trojan Source").
_UNSAFE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)
# Complete ANSI sequences (colours, cursor moves, titles) are styling, not content: dropped.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_TAB_WIDTH = 4
_GUTTER = 8  # width of the time column
_DIFF_INPUT_LINES = 200
_FILE_KEYS = ("file_path", "notebook_path", "path", "filePath")
_SUBAGENT_TOOLS = frozenset({"Task", "Agent"})


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_text(text: str) -> str:
    """``text`` made safe to print: ANSI styling dropped, other controls shown (``\\x07``).

    Line breaks survive (``\\r\\n`` and a lone ``\\r`` become ``\\n``); tabs become spaces.
    """
    text = _ANSI.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return _UNSAFE.sub(_escape_char, text).expandtabs(_TAB_WIDTH)


def format_clock(ms: float) -> str:
    """``83_000`` -> ``1:23``; ``3_723_000`` -> ``1:02:03``."""
    seconds = max(0, int(ms // 1000))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _clip(text: str, max_lines: int, line_chars: int = 400) -> list[str]:
    """Escaped lines of ``text``, at most ``max_lines`` plus one saying how many were left out.

    Only what is shown gets escaped, so a megabyte of tool output costs little more than a line.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if not text:
        return []
    parts = text.split("\n", max_lines)
    hidden = 0
    if len(parts) > max_lines:
        hidden = parts.pop().count("\n") + 1
    shown = [
        escape_text(part) if len(part) <= line_chars else escape_text(part[:line_chars]) + "…"
        for part in parts
    ]
    if hidden:
        shown.append(f"… ({hidden} more line{'s' if hidden != 1 else ''})")
    return shown


def _one_line(value: Any, limit: int = 160) -> str:
    """A value as one escaped line, cut at ``limit`` characters."""
    text = value if isinstance(value, str) else _compact_json(value)
    text = " ".join(escape_text(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _compact_json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    except (TypeError, ValueError):
        return repr(value)


def summarize_response(response: Any) -> str:
    """The readable part of a tool result, whatever shape the source gave it.

    Transcripts carry strings or content-block lists; hooks carry structured objects (Bash's
    ``stdout``/``stderr``, Read's ``file``, Glob's ``filenames``, ...).
    """
    if response is None:
        return ""
    if isinstance(response, str):
        return response
    if isinstance(response, list):
        return "\n".join(filter(None, (_summarize_block(item) for item in response)))
    if isinstance(response, dict):
        return _summarize_dict(response)
    return str(response)


def _summarize_block(block: Any) -> str:
    if isinstance(block, dict):
        kind = block.get("type")
        if kind == "text" and isinstance(block.get("text"), str):
            return block["text"]
        if kind in {"image", "document"}:
            return f"[{kind}]"
        if "content" in block:
            return summarize_response(block["content"])
    return summarize_response(block)


def _summarize_dict(response: dict[str, Any]) -> str:
    if "stdout" in response or "stderr" in response:
        out = str(response.get("stdout") or "")
        err = str(response.get("stderr") or "")
        return "\n".join(part for part in (out, err) if part)
    file = response.get("file")
    if isinstance(file, dict):
        path = file.get("filePath") or ""
        lines = file.get("numLines") or file.get("totalLines")
        return f"{path} ({lines} lines)" if lines else str(path)
    todos = response.get("newTodos")
    if isinstance(todos, list):
        done = sum(1 for t in todos if isinstance(t, dict) and t.get("status") == "completed")
        return f"{len(todos)} todos, {done} done"
    filenames = response.get("filenames")
    if isinstance(filenames, list) and not filenames:
        return "no files"
    if isinstance(filenames, list):
        head = ", ".join(str(name) for name in filenames[:5])
        more = f" … and {len(filenames) - 5} more" if len(filenames) > 5 else ""
        count = response.get("numFiles", len(filenames))
        text = response.get("content")
        found = f"{count} file{'s' if count != 1 else ''}: {head}{more}"
        return f"{text}\n{found}" if isinstance(text, str) and text else found
    if isinstance(response.get("filePath"), str):  # Write / Edit: the file, not its content again
        kind = response.get("type")
        verb = kind if isinstance(kind, str) else "updated"
        return f"{verb} {response['filePath']}"
    for key in ("content", "output", "result", "text", "message", "error"):
        if key in response and response[key] not in (None, "", []):
            return summarize_response(response[key])
    return _compact_json(response)


def _diff_lines(old: str, new: str, max_lines: int) -> list[tuple[str, str]]:
    """A short line diff of an Edit: ``(style, line)`` pairs, changed lines only."""
    rows: list[tuple[str, str]] = []
    # difflib is quadratic: an Edit that replaces a whole file is shown by its first lines only.
    before, after = old.splitlines()[:_DIFF_INPUT_LINES], new.splitlines()[:_DIFF_INPUT_LINES]
    for line in difflib.unified_diff(before, after, lineterm="", n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        style = "red" if line.startswith("-") else "green"
        rows.append((style, f"  {line[0]} {_one_line(line[1:], 200)}"))
    if len(rows) > max_lines:
        hidden = len(rows) - max_lines
        rows = [*rows[:max_lines], ("dim", f"  … ({hidden} more changed lines)")]
    return rows


class EventRenderer:
    """Renders events one after another; remembers which Task spawned which subagent.

    Subagent events (``parent_tool_use_id`` or ``agent_id``) are indented one level under the Task
    that started them, two levels if that Task itself ran inside a subagent, and so on.
    """

    def __init__(self, *, thinking_chars: int = 240, result_lines: int = 4) -> None:
        self._thinking_chars = thinking_chars
        self._result_lines = result_lines
        self._depth_of_task: dict[str, int] = {}
        self._tool_of_use: dict[str, str] = {}
        self._said: set[str] = set()  # assistant texts shown, so a tool call does not repeat them

    def depth(self, event: RecordedEvent) -> int:
        if event.parent_tool_use_id:
            return self._depth_of_task.get(event.parent_tool_use_id, 0) + 1
        return 1 if event.agent_id else 0

    def render(self, event: RecordedEvent) -> Table:
        """The event as a few lines: time gutter, indentation, icon, content."""
        depth = self.depth(event)
        if event.tool_use_id and event.tool:
            self._tool_of_use.setdefault(event.tool_use_id, event.tool)
            if event.tool in _SUBAGENT_TOOLS and event.type == EventType.PRE_TOOL_USE:
                self._depth_of_task[event.tool_use_id] = depth
        head, body = self._content(event)
        return _layout(event.relative_time_ms, depth, head, body)

    # -- one method per kind of event ------------------------------------------------------------

    def _content(self, event: RecordedEvent) -> tuple[Text, list[Text]]:
        kind = event.type
        if kind == EventType.USER_PROMPT_SUBMIT:
            return _text_block("❯ ", "bold cyan", event.prompt or "", 12, "bold")
        if kind == EventType.ASSISTANT_MESSAGE:
            said = event.text or event.assistant_text or ""
            self._remember(said)
            return _text_block("⏺ ", "bold white", said, 20)
        if kind == EventType.ASSISTANT_THINKING:
            thought = " ".join(escape_text(event.thinking or "").split())
            if len(thought) > self._thinking_chars:
                thought = thought[: self._thinking_chars - 1] + "…"
            return Text.assemble(("✻ thinking: ", "dim italic"), (thought, "dim italic")), []
        if kind == EventType.PRE_TOOL_USE:
            return self._tool_call(event)
        if kind in {EventType.POST_TOOL_USE, EventType.POST_TOOL_USE_FAILURE}:
            return self._tool_result(event)
        if kind == EventType.PERMISSION_REQUEST:
            return (
                Text.assemble(
                    ("? permission requested: ", "bold yellow"),
                    (_one_line(event.tool or ""), "yellow"),
                    (" " + _one_line(_tool_summary(event.tool, event.tool_input), 120), ""),
                ),
                [],
            )
        if kind == EventType.NOTIFICATION:
            return Text.assemble(
                ("! ", "bold yellow"), (_one_line(event.message or ""), "yellow")
            ), []
        if kind == EventType.API_ERROR:
            message = event.error or event.text or "API error"
            return _text_block("✗ API error: ", "bold red", message, 4, "red")
        return _status_line(event), []

    def _tool_call(self, event: RecordedEvent) -> tuple[Text, list[Text]]:
        tool = event.tool or "tool"
        data = event.tool_input if isinstance(event.tool_input, dict) else {}
        head = Text.assemble(("● ", "bold yellow"), (_one_line(tool, 60), "bold yellow"), " ")
        body: list[Text] = []
        if tool == "Bash" and isinstance(data.get("command"), str):
            lines = _clip(data["command"], 6)
            head.append("$ " + (lines[0] if lines else ""), style="bold")
            body = [Text("  " + line, style="bold") for line in lines[1:]]
            if isinstance(data.get("description"), str):
                head.append("  # " + _one_line(data["description"], 80), style="dim")
        elif tool in {"Edit", "MultiEdit"}:
            head.append(_one_line(_file_of(data) or "", 200))
            edits = data.get("edits") if tool == "MultiEdit" else [data]
            edits = [e for e in edits if isinstance(e, dict)] if isinstance(edits, list) else []
            if tool == "MultiEdit":
                head.append(f"  ({len(edits)} edits)", style="dim")
            for edit in edits[:3]:
                old, new = edit.get("old_string"), edit.get("new_string")
                if isinstance(old, str) and isinstance(new, str):
                    body.extend(Text(line, style=style) for style, line in _diff_lines(old, new, 8))
        elif tool == "Write":
            head.append(_one_line(_file_of(data) or "", 200))
            content = data.get("content")
            if isinstance(content, str):
                count = content.count("\n") + (0 if content.endswith("\n") else 1)
                head.append(f"  ({count} lines)", style="dim")
        elif tool == "TodoWrite" and isinstance(data.get("todos"), list):
            for todo in data["todos"][:10]:
                if isinstance(todo, dict):
                    mark = {"completed": "✔", "in_progress": "▸"}.get(str(todo.get("status")), "☐")
                    body.append(Text(f"  {mark} {_one_line(todo.get('content', ''), 120)}"))
        else:
            head.append(_one_line(_tool_summary(tool, event.tool_input), 200))
        if event.assistant_text and event.assistant_text.strip() not in self._said:
            self._remember(event.assistant_text)
            body.insert(0, Text("  " + _one_line(event.assistant_text, 200), style="italic"))
        return head, body

    def _remember(self, said: str) -> None:
        if len(self._said) > 256:  # only recent ones matter
            self._said.clear()
        self._said.add(said.strip())

    def _tool_result(self, event: RecordedEvent) -> tuple[Text, list[Text]]:
        tool = event.tool or self._tool_of_use.get(event.tool_use_id or "", "")
        failed = event.type == EventType.POST_TOOL_USE_FAILURE or event.success is False
        duration = f" ({_format_duration(event.duration)})" if event.duration is not None else ""
        if failed:
            message = event.error or summarize_response(event.tool_response) or "failed"
            lines = _clip(message, self._result_lines)
            head = Text.assemble(
                ("⎿ ✗ ", "bold red"),
                (f"{_one_line(tool, 60)} failed{duration}: ", "bold red"),
                (lines[0] if lines else "", "red"),
            )
            return head, [Text("    " + line, style="red") for line in lines[1:]]
        lines = _clip(summarize_response(event.tool_response), self._result_lines)
        head = Text.assemble(("⎿ ", "dim"), (f"{_one_line(tool, 60)}{duration} ", "dim"))
        if lines:
            head.append(lines[0], style="dim")
        return head, [Text("    " + line, style="dim") for line in lines[1:]]


def _format_duration(ms: int) -> str:
    return f"{ms}ms" if ms < 1000 else f"{ms / 1000:.1f}s"


def _file_of(data: dict[str, Any]) -> str | None:
    return next((data[k] for k in _FILE_KEYS if isinstance(data.get(k), str)), None)


def _tool_summary(tool: str | None, tool_input: Any) -> str:
    """The one thing worth showing about a tool call's input."""
    if not isinstance(tool_input, dict):
        return "" if tool_input is None else _one_line(tool_input)
    data = tool_input
    if tool in _SUBAGENT_TOOLS:
        kind = data.get("subagent_type")
        label = data.get("description") or data.get("prompt") or ""
        return f"{label} ({kind})" if kind else str(label)
    if tool in {"Glob", "Grep"} and isinstance(data.get("pattern"), str):
        where = data.get("path") or data.get("glob") or ""
        return f"{data['pattern']} {where}".strip()
    for key in ("command", *_FILE_KEYS, "url", "query", "pattern", "description", "prompt"):
        if isinstance(data.get(key), str):
            return data[key]
    return _compact_json(data)


def _text_block(
    icon: str, icon_style: str, text: str, max_lines: int, style: str = ""
) -> tuple[Text, list[Text]]:
    lines = _clip(text, max_lines) or [""]
    head = Text.assemble((icon, icon_style), (lines[0], style))
    return head, [Text("  " + line, style=style) for line in lines[1:]]


_STATUS: dict[str, str] = {
    EventType.SESSION_START: "session started",
    EventType.SESSION_END: "session ended",
    EventType.STOP: "turn finished",
    EventType.SUBAGENT_START: "subagent started",
    EventType.SUBAGENT_STOP: "subagent finished",
    EventType.PRE_COMPACT: "compacting context",
    EventType.POST_COMPACT: "context compacted",
    EventType.COMPACT_BOUNDARY: "context compacted",
}


def _status_line(event: RecordedEvent) -> Text:
    """Lifecycle and everything else: one dim line."""
    label = _STATUS.get(event.type)
    if label is None:
        label = _one_line(event.type, 40)
    details: Iterable[str | None] = (
        event.agent_type,
        event.source,
        event.reason,
        event.model,
        event.text,
        event.message,
    )
    extra = " · ".join(_one_line(d, 120) for d in details if d)
    if not extra and event.type == EventType.UNKNOWN and event.raw:
        extra = _one_line(event.raw, 120)
    return Text("· " + label + (f": {extra}" if extra else ""), style="dim")


def _layout(time_ms: int, depth: int, head: Text, body: list[Text]) -> Table:
    """Time gutter, subagent guides, then the lines; wrapped lines keep their indentation."""
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(width=_GUTTER, justify="right", no_wrap=True, style="dim")
    if depth:
        grid.add_column(width=4 * depth, no_wrap=True, style="dim")
    grid.add_column(ratio=1, overflow="fold")
    content = Text("\n").join([head, *body])
    guides = Text("\n".join(["│   " * depth] * (len(body) + 1)))
    grid.add_row(format_clock(time_ms), *([guides] if depth else []), content)
    return grid
