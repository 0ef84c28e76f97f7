"""The real Claude Code, for the tests and the benchmark that run the agent itself.

The agent is the one users run, from npm (``scripts/install-claude-code`` puts the version in
``tests/claude-code.version`` under ``~/.cache/vibecast-tests``). It talks to a
:class:`ScriptedModel` on 127.0.0.1 instead of Anthropic's API: the model is the one part that
cannot run here, so its answers are scripted. Everything vibecast meets — Claude Code running
the installed hooks, the payloads it sends, the transcripts it writes — is the real thing.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

__all__ = [
    "CLAUDE_CODE_VERSION",
    "ScriptedModel",
    "ToolUse",
    "claude_env",
    "find_claude",
    "run_claude",
]

CLAUDE_CODE_VERSION = (Path(__file__).parent / "claude-code.version").read_text().strip()


def find_claude() -> Path | None:
    """The pinned Claude Code as ``scripts/install-claude-code`` installs it (or
    ``VIBECAST_TEST_CLAUDE``), if it is there."""
    given = os.environ.get("VIBECAST_TEST_CLAUDE")
    if given:
        return Path(given) if Path(given).is_file() else None
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    claude = cache / "vibecast-tests" / f"claude-code-{CLAUDE_CODE_VERSION}"
    claude = claude / "node_modules" / ".bin" / "claude"
    return claude if claude.is_file() else None


@dataclass(frozen=True)
class ToolUse:
    """One tool call the model asks for."""

    name: str
    input: dict[str, Any]


Turn = str | Sequence[ToolUse]
"""What the model answers at one turn: text (the conversation ends) or tool calls."""


@dataclass
class ScriptedModel:
    """A stand-in for the Messages API on 127.0.0.1 that answers from a script.

    ``script`` maps a conversation, told by a piece of the text of its first user message (the
    prompt; for a subagent, the prompt its Task call gave it), to its turns: the n-th answer of
    a conversation is its n-th turn. Any other request (a title, a conversation past its
    script) is answered with a short text. Answers are streamed as the real API streams them.
    """

    script: Mapping[str, Sequence[Turn]]
    requests: list[tuple[str, int]] = field(default_factory=list)  # (conversation, turn)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @contextmanager
    def serving(self) -> Iterator[str]:
        """Serve on a free port of 127.0.0.1; yields the base URL."""
        model = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:
                size = int(self.headers.get("content-length") or 0)
                request = json.loads(self.rfile.read(size) or b"{}")
                if "count_tokens" in self.path:
                    self._json({"input_tokens": 100})
                elif request.get("stream"):
                    self._stream(model.answer(request), request.get("model"))
                else:
                    self._json(model.message(model.answer(request), request.get("model")))

            def _json(self, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, turn: Turn, name: str | None) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("connection", "close")
                self.end_headers()
                for event in model.stream_events(turn, name):
                    line = f"event: {event['type']}\ndata: {json.dumps(event)}\n\n"
                    self.wfile.write(line.encode())
                self.wfile.flush()
                self.close_connection = True

            def do_GET(self) -> None:
                self._json({})

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)

    def answer(self, request: Mapping[str, Any]) -> Turn:
        messages = request.get("messages") or []
        first = _text(messages[0].get("content")) if messages else ""
        turn = sum(1 for m in messages if m.get("role") == "assistant")
        for key, turns in self.script.items():
            if key in first:
                self.requests.append((key, turn))
                if turn < len(turns):
                    return turns[turn]
                break
        return "ok"

    def _blocks(self, turn: Turn) -> tuple[list[dict[str, Any]], str]:
        if isinstance(turn, str):
            return [{"type": "text", "text": turn}], "end_turn"
        calls = [
            {
                "type": "tool_use",
                "id": f"toolu_vc{next(self._ids):06d}",
                "name": c.name,
                "input": c.input,
            }
            for c in turn
        ]
        return calls, "tool_use"

    def message(self, turn: Turn, name: str | None) -> dict[str, Any]:
        content, stop = self._blocks(turn)
        return {
            "id": f"msg_vc{next(self._ids):06d}",
            "type": "message",
            "role": "assistant",
            "model": name,
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": 100, "output_tokens": 20},
        }

    def stream_events(self, turn: Turn, name: str | None) -> Iterator[dict[str, Any]]:
        message = self.message(turn, name)
        content = message.pop("content")
        stop = message.pop("stop_reason")
        yield {"type": "message_start", "message": {**message, "content": [], "stop_reason": None}}
        for index, block in enumerate(content):
            if block["type"] == "text":
                start, delta = (
                    {"type": "text", "text": ""},
                    {"type": "text_delta", "text": block["text"]},
                )
            else:
                start = {**block, "input": {}}
                delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
            yield {"type": "content_block_start", "index": index, "content_block": start}
            yield {"type": "content_block_delta", "index": index, "delta": delta}
            yield {"type": "content_block_stop", "index": index}
        yield {
            "type": "message_delta",
            "delta": {"stop_reason": stop, "stop_sequence": None},
            "usage": {"output_tokens": 20},
        }
        yield {"type": "message_stop"}


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(b.get("text", "") for b in content if isinstance(b, dict))
    return ""


def claude_env(env: Mapping[str, str], model_url: str) -> dict[str, str]:
    """``env`` for Claude Code talking to ``model_url``, with nothing sent anywhere else."""
    return {
        **env,
        "ANTHROPIC_BASE_URL": model_url,
        "ANTHROPIC_API_KEY": "vibecast-test-key",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_AUTOUPDATER": "1",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_ERROR_REPORTING": "1",
    }


def run_claude(
    claude: Path,
    prompt: str,
    *,
    cwd: Path,
    env: Mapping[str, str],
    model_url: str,
    tools: Sequence[str] = ("Bash", "Write", "Read", "Task", "Agent"),
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``claude -p PROMPT`` in ``cwd``, the given tools allowed without asking."""
    return subprocess.run(
        [str(claude), "-p", prompt, "--allowedTools", *tools],
        cwd=cwd,
        env=claude_env(env, model_url),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
