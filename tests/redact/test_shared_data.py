"""False positives on the shared real recordings: ordinary text must come through untouched.

The shared recordings come from public repositories and hold no live credentials, so every
redaction in them is a false positive unless it is a credential-shaped value someone typed. The
bound is small and every finding is listed (kind + masked excerpt) in the failure message, so a
new rule that starts eating ordinary text is seen at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vibecast.redact import Redactor

# Today there is exactly one, in hook-payloads/cc-2.1.62/subagent_stop.json: an assistant message
# quoting a shell command, "`DB_PASSWORD=exam-pass-42`". That is a password assignment and is
# meant to be redacted. Two more are allowed for rule updates; more than that needs a look.
MAX_FINDINGS = 3


def _records(path: Path) -> Iterator[Any]:
    if path.suffix == ".jsonl":
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError:
                    continue  # hand-edited lines upstream; not this test's concern
    else:
        data = json.loads(path.read_text(encoding="utf-8"))
        yield from data if isinstance(data, list) else [data]


def _pairs(
    before: Any, after: Any, key: str | None = None
) -> Iterator[tuple[str | None, str, str]]:
    """(key, original, redacted) for every string the redaction changed."""
    if isinstance(before, str) and isinstance(after, str):
        if before != after:
            yield key, before, after
    elif isinstance(before, dict) and isinstance(after, dict):
        for (k, v), w in zip(before.items(), after.values(), strict=False):
            yield from _pairs(v, w, k if isinstance(k, str) else key)
    elif isinstance(before, list) and isinstance(after, list):
        for v, w in zip(before, after, strict=False):
            yield from _pairs(v, w, key)


def _mask(value: str) -> str:
    value = value.replace("\n", "⏎")
    return f"{value[:3]}…{value[-2:]} ({len(value)} chars)" if len(value) > 6 else "…"


def _excerpts(redactor: Redactor, key: str | None, before: str, after: str) -> list[str]:
    found = redactor.scan(before)
    if not found:  # the whole value, for its key
        return [f"{key!r}: {_mask(before)}"]
    return [
        f"{f.kind}: …{before[max(0, f.start - 40) : f.start]}[{_mask(before[f.start : f.end])}]"
        f"{before[f.end : f.end + 30]}…".replace("\n", "⏎")
        for f in found
    ]


def test_shared_recordings_lose_almost_no_text(shared_data: Path) -> None:
    cc = shared_data / "claude-code"
    files = (
        sorted((cc / "transcripts").glob("*.jsonl"))
        + sorted((cc / "chat-arrays").glob("*.json"))
        + sorted((cc / "hook-payloads").glob("*/*.json"))
        + [shared_data / "vibecraft" / "events.jsonl"]
        + sorted((shared_data / "codex").glob("*.jsonl"))
        + sorted((shared_data / "gemini").glob("*.jsonl"))
    )
    redactor = Redactor()
    records = 0
    listed: list[str] = []
    for path in files:
        for record in _records(path):
            redacted = redactor.redact_value(record)
            for key, before, after in _pairs(record, redacted):
                for excerpt in _excerpts(redactor, key, before, after):
                    listed.append(f"{path.relative_to(shared_data)}: {excerpt}")
            records += 1
    total = sum(redactor.findings.values())
    assert records > 1500
    assert total <= MAX_FINDINGS, f"{total} findings:\n" + "\n".join(listed)
    assert len(listed) == total, "\n".join(listed)
