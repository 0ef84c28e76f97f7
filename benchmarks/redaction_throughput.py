"""Redaction throughput: MB/s of ``Redactor.redact_event`` over the shared real recordings.

Target: >= 40 MB/s of event text on one core (the whole import must reach 10 MB/s, and
redaction is one stage of it). The events are built straight from the shared JSON — transcripts,
chat arrays, hook payloads, Vibecraft's log — with a small mapping, not the importers, so this
measures redaction alone. MB are the events' own JSON (``encode_event``) before redaction.
Reported: best of ``--runs``, with the default file-content policy (Read contents and original
files dropped, not scanned) and with ``keep_file_contents`` (everything scanned).

    python benchmarks/redaction_throughput.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _common import SHARED_DATA, verdict
from vibecast.config import RedactionSettings
from vibecast.model import EventType, RecordedEvent, encode_event
from vibecast.redact import Redactor
from vibecast.redact.names import classify_name

TARGET_MB_S = 40.0


def _event(n: int, type_: str, **fields: Any) -> RecordedEvent:
    common = {"id": f"bench-{n}", "timestamp": n, "session_id": "bench", "recorded_at": n}
    return RecordedEvent(type=type_, relative_time_ms=0, **common, **fields)


def _records(path: Path) -> Iterator[Any]:
    if path.suffix == ".jsonl":
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                yield json.loads(line)
            except ValueError:
                continue
    else:
        data = json.loads(path.read_text(encoding="utf-8"))
        yield from data if isinstance(data, list) else [data]


def _transcript_events(path: Path, counter: list[int]) -> Iterator[RecordedEvent]:
    tool_names: dict[str, str] = {}
    for record in _records(path):
        counter[0] += 1
        message = record.get("message") if isinstance(record, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            yield _event(counter[0], EventType.USER_PROMPT_SUBMIT, prompt=content)
            continue
        if not isinstance(content, list):
            yield _event(
                counter[0], EventType.UNKNOWN, raw=record if isinstance(record, dict) else None
            )
            continue
        for block in content:
            if not isinstance(block, dict):
                continue
            kind = block.get("type")
            if kind == "text":
                yield _event(counter[0], EventType.ASSISTANT_MESSAGE, text=block.get("text"))
            elif kind == "thinking":
                yield _event(
                    counter[0], EventType.ASSISTANT_THINKING, thinking=block.get("thinking")
                )
            elif kind == "tool_use":
                tool_names[block.get("id", "")] = block.get("name", "")
                yield _event(
                    counter[0],
                    EventType.PRE_TOOL_USE,
                    tool=block.get("name"),
                    tool_input=block.get("input"),
                    tool_use_id=block.get("id"),
                )
            elif kind == "tool_result":
                use_id = block.get("tool_use_id", "")
                yield _event(
                    counter[0],
                    EventType.POST_TOOL_USE,
                    tool=tool_names.get(use_id),
                    tool_response=record.get("toolUseResult", block.get("content")),
                    tool_use_id=use_id,
                )


def _hook_events(path: Path, counter: list[int]) -> Iterator[RecordedEvent]:
    for payload in _records(path):
        if not isinstance(payload, dict):
            continue
        counter[0] += 1
        yield _event(
            counter[0],
            path.stem,
            tool=payload.get("tool_name"),
            tool_input=payload.get("tool_input"),
            tool_response=payload.get("tool_response"),
            prompt=payload.get("prompt"),
            response=payload.get("last_assistant_message"),
            message=payload.get("message"),
            cwd=payload.get("cwd"),
        )


def shared_events() -> list[RecordedEvent]:
    counter = [0]
    events: list[RecordedEvent] = []
    cc = SHARED_DATA / "claude-code"
    for path in sorted((cc / "transcripts").glob("*.jsonl")) + sorted(
        (cc / "chat-arrays").glob("*.json")
    ):
        events.extend(_transcript_events(path, counter))
    for path in sorted((cc / "hook-payloads").glob("*/*.json")):
        events.extend(_hook_events(path, counter))
    for record in _records(SHARED_DATA / "vibecraft" / "events.jsonl"):
        record.setdefault("recorded_at", record.get("timestamp", 0))
        record.setdefault("relative_time_ms", 0)
        events.append(RecordedEvent(**_snake(record)))
    return events


def _snake(record: dict[str, Any]) -> dict[str, Any]:
    fields = set(RecordedEvent.__struct_fields__)
    out = {}
    for key, value in record.items():
        name = "".join(f"_{c.lower()}" if c.isupper() else c for c in key)
        if name in fields:
            out[name] = value
    return out


def measure(
    events: list[RecordedEvent], settings: RedactionSettings, runs: int
) -> tuple[float, Redactor]:
    best = float("inf")
    redactor = Redactor(settings)
    for _ in range(runs):
        classify_name.cache_clear()
        redactor = Redactor(settings)
        started = time.perf_counter()
        for event in events:
            redactor.redact_event(event)
        best = min(best, time.perf_counter() - started)
    return best, redactor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    events = shared_events()
    mb = sum(len(encode_event(e)) for e in events) / 1e6
    print(f"events: {len(events)}, event text: {mb:.2f} MB, runs: {args.runs} (best reported)")
    for label, settings in (
        ("default policy", RedactionSettings()),
        ("keep_file_contents", RedactionSettings(keep_file_contents=True)),
    ):
        seconds, redactor = measure(events, settings, args.runs)
        rate = mb / seconds
        print(
            f"{label:20s} {rate:7.1f} MB/s  {len(events) / seconds:9.0f} events/s  "
            f"target >= {TARGET_MB_S:.0f} MB/s: {verdict(rate >= TARGET_MB_S)}"
        )
        print(f"{'':20s} findings: {dict(redactor.findings)}  omitted: {dict(redactor.omitted)}")


if __name__ == "__main__":
    main()
