"""The planted-secret corpus: fake credentials in their real formats, planted everywhere an event
can hold text, and a leak check that looks for every generated piece of every secret.

The corpus is ``corpus/secrets.toml``; values are generated from its templates with a fixed seed,
so the repository holds no secret-shaped literals and every run plants the same values.
:func:`write_planted_transcript` writes the corpus as a Claude Code transcript, for tests that go
through the importer and the store.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from vibecast.model import EventType, RecordedEvent, encode_event

CORPUS = Path(__file__).parent / "corpus" / "secrets.toml"
WINDOW = 12  # a leak is any 12 consecutive generated characters found in the output

_CHARSETS = {
    "alnum": string.ascii_letters + string.digits,
    "alpha": string.ascii_letters,
    "upper": string.ascii_uppercase,
    "lower": string.ascii_lowercase,
    "digit": string.digits,
    "hex": "0123456789abcdef",
    "HEX": "0123456789ABCDEF",
    "b32": string.ascii_uppercase + "234567",
    "b64": string.ascii_letters + string.digits + "+/",
    "b64url": string.ascii_letters + string.digits + "-_",
    "pw": string.ascii_letters + string.digits + "!%^*-_.~",
    "azure": string.ascii_letters + string.digits + "_~.-",
}
_FIELD = re.compile(r"\{([a-zA-Z0-9-]+)(?::([^}]*))?\}")
JWT_HEADER = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"  # {"alg":"HS256","typ":"JWT"}: public


@dataclass(frozen=True)
class Planted:
    """One planted secret: its expected placeholder kind, the value, and the text holding it."""

    kind: str
    secret: str
    text: str
    key: str | None
    parts: tuple[str, ...]  # the generated pieces; none may survive redaction

    @property
    def placeholder(self) -> str:
        return f"[REDACTED:{self.kind}]"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _expand(template: str, rng: random.Random) -> tuple[str, list[str]]:
    """The template's value and its generated parts."""
    parts: list[str] = []

    def field(m: re.Match[str]) -> str:
        name, arg = m.group(1), m.group(2)
        if name in _CHARSETS:
            value = "".join(rng.choice(_CHARSETS[name]) for _ in range(int(arg)))
            parts.append(value)
            return value
        if name == "lit":
            parts.append(arg)
            return arg
        if name == "jwt":
            claims = {"sub": str(rng.randrange(10**9)), "name": "Ada", "iat": 1767225600}
            claims["nonce"] = "".join(rng.choice(_CHARSETS["alnum"]) for _ in range(24))
            payload = _b64url(json.dumps(claims).encode())
            signature = _b64url(rng.randbytes(32))
            parts.extend([payload, signature])
            return f"{JWT_HEADER}.{payload}.{signature}"
        if name == "basic":
            user_pass = "deploy:" + "".join(rng.choice(_CHARSETS["alnum"]) for _ in range(16))
            encoded = base64.b64encode(user_pass.encode()).decode()
            parts.append(encoded)
            return encoded
        if name in ("pem", "pem-json"):
            body = base64.b64encode(rng.randbytes(600)).decode()
            lines = [body[i : i + 64] for i in range(0, len(body), 64)]
            parts.extend(lines)
            newline = "\\n" if name == "pem-json" else "\n"
            block = [f"-----BEGIN {arg}-----", *lines, f"-----END {arg}-----"]
            return newline.join(block)
        raise ValueError(f"unknown template field {m.group()!r}")

    return _FIELD.sub(field, template), parts


def planted_secrets(seed: int = 20260101) -> list[Planted]:
    """Every secret of the corpus, generated."""
    rng = random.Random(seed)
    corpus = tomllib.loads(CORPUS.read_text(encoding="utf-8"))
    planted = []
    for entry in corpus["secret"]:
        secret, parts = _expand(entry["template"], rng)
        text = entry["text"].replace("{secret}", secret)
        planted.append(Planted(entry["kind"], secret, text, entry.get("key"), tuple(parts)))
    return planted


# -- where an event can hold text ------------------------------------------------------------


def _event(n: int, **fields: Any) -> RecordedEvent:
    return RecordedEvent(
        id=f"planted-{n}",
        timestamp=1_767_225_600_000 + n,
        session_id="planted-session",
        cwd="/home/dev/app",
        recorded_at=1_767_225_600_000 + n,
        relative_time_ms=0,
        **fields,
    )


def _dict_place(p: Planted) -> dict[str, Any]:
    held: dict[str, Any] = {"note": p.text}
    if p.key:
        held[p.key] = p.secret
    return {"type": EventType.PRE_TOOL_USE, "tool": "mcp__vault__put", "tool_input": held}


PLACES: dict[str, Callable[[Planted], dict[str, Any]]] = {
    "prompt": lambda p: {"type": EventType.USER_PROMPT_SUBMIT, "prompt": p.text},
    "text": lambda p: {"type": EventType.ASSISTANT_MESSAGE, "text": p.text},
    "thinking": lambda p: {"type": EventType.ASSISTANT_THINKING, "thinking": p.text},
    "response": lambda p: {"type": EventType.STOP, "response": p.text},
    "message": lambda p: {"type": EventType.NOTIFICATION, "message": p.text},
    "error": lambda p: {"type": EventType.POST_TOOL_USE_FAILURE, "tool": "Bash", "error": p.text},
    "assistant_text": lambda p: {
        "type": EventType.PRE_TOOL_USE,
        "tool": "Bash",
        "assistant_text": p.text,
    },
    "tool_input.command": lambda p: {
        "type": EventType.PRE_TOOL_USE,
        "tool": "Bash",
        "tool_input": {"command": p.text, "description": "Run it"},
    },
    "tool_input.content": lambda p: {
        "type": EventType.PRE_TOOL_USE,
        "tool": "Write",
        "tool_input": {"file_path": "/home/dev/app/.env", "content": p.text},
    },
    "tool_input.nested": lambda p: {
        "type": EventType.PRE_TOOL_USE,
        "tool": "MultiEdit",
        "tool_input": {
            "file_path": "/home/dev/app/config.py",
            "edits": [{"old_string": "x = 1", "new_string": p.text, "replace_all": False}],
        },
    },
    "tool_response.stdout": lambda p: {
        "type": EventType.POST_TOOL_USE,
        "tool": "Bash",
        "tool_response": {"stdout": p.text, "stderr": "", "interrupted": False},
    },
    "tool_response.stderr": lambda p: {
        "type": EventType.POST_TOOL_USE,
        "tool": "Bash",
        "tool_response": {"stdout": "", "stderr": p.text, "interrupted": False},
    },
    "tool_response.list": lambda p: {
        "type": EventType.POST_TOOL_USE,
        "tool": "mcp__github__get_file",
        "tool_response": [{"type": "text", "text": p.text}],
    },
    "tool_response.string": lambda p: {
        "type": EventType.POST_TOOL_USE,
        "tool": "Grep",
        "tool_response": p.text,
    },
    "tool_response.write": lambda p: {
        "type": EventType.POST_TOOL_USE,
        "tool": "Write",
        "tool_response": {
            "type": "create",
            "filePath": "/home/dev/app/.env",
            "content": p.text,
            "structuredPatch": [],
        },
    },
    "tool_response.edit": lambda p: {
        "type": EventType.POST_TOOL_USE,
        "tool": "Edit",
        "tool_response": {
            "filePath": "/home/dev/app/settings.py",
            "oldString": "x = 1",
            "newString": p.text,
            "originalFile": "x = 1\n",
            "structuredPatch": [
                {
                    "oldStart": 1,
                    "oldLines": 1,
                    "newStart": 1,
                    "newLines": 1,
                    "lines": ["-x = 1", *("+" + line for line in p.text.splitlines())],
                }
            ],
        },
    },
    "raw": lambda p: {
        "type": EventType.UNKNOWN,
        "raw": {
            "type": "user",
            "message": {"content": [{"type": "tool_result", "content": p.text}]},
        },
    },
    "raw.nested": lambda p: {
        "type": EventType.UNKNOWN,
        "raw": {"toolUseResult": {"stdout": p.text}, "data": [[{"deep": [p.text]}]]},
    },
    "dict": _dict_place,
}

# With keep_file_contents, what a Read returned and an Edit's original file are stored: redacted.
KEPT_FILE_PLACES: dict[str, Callable[[Planted], dict[str, Any]]] = {
    "read.file.content": lambda p: {
        "type": EventType.POST_TOOL_USE,
        "tool": "Read",
        "tool_response": {
            "type": "text",
            "file": {
                "filePath": "/home/dev/app/.env",
                "content": p.text,
                "numLines": p.text.count("\n") + 1,
                "startLine": 1,
                "totalLines": p.text.count("\n") + 1,
            },
        },
    },
    "edit.originalFile": lambda p: {
        "type": EventType.POST_TOOL_USE,
        "tool": "Edit",
        "tool_response": {
            "filePath": "/home/dev/app/.env",
            "oldString": "DEBUG=1",
            "newString": "DEBUG=0",
            "originalFile": "DEBUG=1\n" + p.text,
            "structuredPatch": [],
        },
    },
}


def planted_events(
    secrets: list[Planted], places: dict[str, Callable[[Planted], dict[str, Any]]] = PLACES
) -> Iterator[tuple[str, Planted, RecordedEvent]]:
    """One event per (place, secret)."""
    n = 0
    for place, build in places.items():
        for p in secrets:
            n += 1
            yield place, p, _event(n, **build(p))


# -- the leak check --------------------------------------------------------------------------


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def event_text(event: RecordedEvent) -> str:
    """Everything an event holds, as its JSON and as its plain strings."""
    plain = "\x00".join(_strings(msgspec.to_builtins(event)))
    return encode_event(event).decode() + "\x00" + plain


def leaks(planted: Planted, output: str) -> list[str]:
    """The generated pieces of ``planted`` (or any 12 consecutive characters of them) in
    ``output``."""
    found = []
    for part in planted.parts:
        if len(part) <= WINDOW:
            if part in output:
                found.append(part)
            continue
        for i in range(len(part) - WINDOW + 1):
            window = part[i : i + WINDOW]
            if window in output:
                found.append(window)
                break
    return found


# -- as a Claude Code transcript -----------------------------------------------------------


def write_planted_transcript(path: Path, secrets: list[Planted] | None = None) -> list[Planted]:
    """A Claude Code (2.x) transcript holding every planted secret in a prompt, assistant text,
    thinking, a Bash command and its output, and a Write; returns what was planted."""
    secrets = planted_secrets() if secrets is None else secrets
    session = "5e55ed00-0000-4000-8000-00000000c0de"
    records: list[dict[str, Any]] = []
    parent: str | None = None

    def add(kind: str, message: dict[str, Any], **extra: Any) -> None:
        nonlocal parent
        n = len(records)
        uuid = f"00000000-0000-4000-8000-{n:012d}"
        records.append(
            {
                "parentUuid": parent,
                "isSidechain": False,
                "userType": "external",
                "cwd": "/home/dev/app",
                "sessionId": session,
                "version": "2.1.62",
                "gitBranch": "main",
                "type": kind,
                "message": message,
                "uuid": uuid,
                "timestamp": f"2026-01-01T00:{n // 60:02d}:{n % 60:02d}.000Z",
                **extra,
            }
        )
        parent = uuid

    for i, p in enumerate(secrets):
        use_id = f"toolu_planted{i:04d}"
        add("user", {"role": "user", "content": f"Please check this: {p.text}"})
        add(
            "assistant",
            {
                "role": "assistant",
                "model": "claude-sonnet-4-5",
                "content": [
                    {"type": "thinking", "thinking": f"The user shared {p.text}", "signature": "s"},
                    {"type": "text", "text": f"I will run it: {p.text}"},
                    {
                        "type": "tool_use",
                        "id": use_id,
                        "name": "Bash",
                        "input": {"command": p.text},
                    },
                ],
            },
        )
        add(
            "user",
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": use_id, "content": p.text}],
            },
            toolUseResult={"stdout": p.text, "stderr": "", "interrupted": False, "isImage": False},
        )
        write_id = f"toolu_plantedw{i:04d}"
        add(
            "assistant",
            {
                "role": "assistant",
                "model": "claude-sonnet-4-5",
                "content": [
                    {
                        "type": "tool_use",
                        "id": write_id,
                        "name": "Write",
                        "input": {"file_path": "/home/dev/app/.env", "content": p.text},
                    }
                ],
            },
        )
        add(
            "user",
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": write_id, "content": "File created"}
                ],
            },
            toolUseResult={
                "type": "create",
                "filePath": "/home/dev/app/.env",
                "content": p.text,
                "structuredPatch": [],
            },
        )
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return secrets
