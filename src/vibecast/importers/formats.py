"""Which format a file is in, decided from its content, and reading it into sessions.

Formats are tried in registry order; the first whose ``sniff`` says yes reads the file.

Extension point — to teach ``read_source`` a new format (e.g. vibecast's portable replay file)::

    from vibecast.importers import SourceFormat, SourceProbe, SourceResult, register_format

    def sniff(probe: SourceProbe) -> bool:
        return probe.head.startswith(b"VIBECAST")      # cheap: look at the first bytes

    def read(probe: SourceProbe) -> SourceResult:
        ...                                          # probe.data holds the whole file
        return SourceResult(sessions=[...], issues=[...], format="vibecast-replay")

    register_format(SourceFormat("vibecast-replay", sniff, read))   # tried before the built-ins

``read`` must not raise for bad content: report problems as ImportIssues (``read_source`` still
turns an unexpected exception into an issue, so one broken file never stops an import).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from vibecast.importers.base import CapturedSession, ImportIssue
from vibecast.importers.builder import SessionBuilder
from vibecast.importers.hooks import read_hook_payloads
from vibecast.importers.issues import IssueLog
from vibecast.importers.jsonio import decode_array, iter_json_lines, strip_bom
from vibecast.importers.transcript import parent_session_file, read_transcript_records
from vibecast.importers.vibecraft import looks_like_vibecraft_event, read_vibecraft_events
from vibecast.replayfile import FORMAT as REPLAY
from vibecast.replayfile import ReplayFileError, is_replay_file, read_replay_file

__all__ = [
    "FORMATS",
    "SourceFormat",
    "SourceProbe",
    "SourceResult",
    "read_source",
    "register_format",
]

_HEAD_BYTES = 4096
_SAMPLE_RECORDS = 25
# Record types only a Claude Code transcript has (vs. Codex/Gemini logs that also use "type").
_TRANSCRIPT_TYPES = frozenset(
    {
        "user",
        "assistant",
        "summary",
        "system",
        "progress",
        "file-history-snapshot",
        "queue-operation",
        "custom-title",
    }
)


@dataclass
class SourceResult:
    """What one source file gave: its sessions, warnings, and the format read.

    Warnings about a session's records are in that session's ``issues``; ``issues`` here holds
    the rest (unreadable lines, an unknown format, ...). A warning is in exactly one of them, so
    the full list is ``issues`` plus every session's ``issues``.
    """

    sessions: list[CapturedSession] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)
    format: str = "unknown"


class SourceProbe:
    """A file's bytes plus cached first looks at them, shared by all sniffers."""

    def __init__(self, path: Path, data: bytes) -> None:
        self.path = path
        self.data = strip_bom(data)
        self.log = IssueLog(str(path))

    @cached_property
    def head(self) -> bytes:
        return self.data[:_HEAD_BYTES]

    @cached_property
    def first_char(self) -> int | None:
        stripped = self.head.lstrip()
        if stripped:
            return stripped[0]
        if self.data.strip():
            return self.data.lstrip()[0]
        return None

    @cached_property
    def array_items(self) -> list[tuple[int, Any]]:
        """Elements of a JSON array file (decoded once, damage logged once)."""
        return decode_array(self.data, self.log)

    @cached_property
    def line_items(self) -> list[tuple[int, Any]]:
        """Records of a JSON Lines file (decoded once, bad lines logged once)."""
        return list(iter_json_lines(self.data, self.log))

    @property
    def is_array(self) -> bool:
        return self.first_char == ord("[")

    @property
    def unit(self) -> str:
        """What the numbers of :attr:`items` count: elements of an array, else lines."""
        return "element" if self.is_array else "line"

    @cached_property
    def items(self) -> list[tuple[int, Any]]:
        """The file's records: array elements, or the decodable lines of anything else."""
        return self.array_items if self.is_array else self.line_items

    @cached_property
    def sample(self) -> list[dict[str, Any]]:
        """The first few JSON objects of the file, whichever JSON shape it has."""
        return [value for _, value in self.items[:_SAMPLE_RECORDS] if isinstance(value, dict)]


@dataclass(frozen=True)
class SourceFormat:
    name: str
    sniff: Callable[[SourceProbe], bool]
    read: Callable[[SourceProbe], SourceResult]


def _from_builders(
    probe: SourceProbe, built: list[tuple[SessionBuilder, list[ImportIssue]]], name: str
) -> SourceResult:
    sessions = []
    attributed: set[int] = set()
    for builder, issues in built:
        builder.issues = issues
        attributed.update(id(issue) for issue in issues)
        sessions.append(builder.build())
    rest = [issue for issue in probe.log.issues if id(issue) not in attributed]
    return SourceResult(sessions=sessions, issues=rest, format=name)


def _sniff_hooks(probe: SourceProbe) -> bool:
    return any(isinstance(r.get("hook_event_name"), str) for r in probe.sample) and not any(
        isinstance(r.get("uuid"), str) for r in probe.sample
    )


def _read_hooks(probe: SourceProbe) -> SourceResult:
    built = read_hook_payloads(probe.path, probe.items, probe.log, probe.unit)
    return _from_builders(probe, built, "claude-hook-payloads")


def _sniff_vibecraft(probe: SourceProbe) -> bool:
    sample = probe.sample
    return bool(sample) and sum(looks_like_vibecraft_event(r) for r in sample) * 2 > len(sample)


def _read_vibecraft(probe: SourceProbe) -> SourceResult:
    built = read_vibecraft_events(probe.path, probe.items, probe.log)
    return _from_builders(probe, built, "vibecraft-events")


def _sniff_transcript(probe: SourceProbe) -> bool:
    return any(
        r.get("type") in _TRANSCRIPT_TYPES
        and ("uuid" in r or "sessionId" in r or "leafUuid" in r or "messageId" in r)
        for r in probe.sample
    )


def _read_transcript(probe: SourceProbe) -> SourceResult:
    parent = parent_session_file(probe.path)
    if parent is not None and parent.resolve() != probe.path.resolve():
        # A subagent file belongs to its parent's replay: import the parent, which includes it.
        result = read_source(parent)
        result.issues.insert(
            0,
            ImportIssue(
                str(probe.path), None, f"subagent file: imported with its session {parent.name}"
            ),
        )
        return result
    read = read_transcript_records(probe.path, probe.items, probe.unit)
    name = "claude-chat-array" if probe.is_array else "claude-transcript"
    return SourceResult(sessions=read.sessions, issues=probe.log.issues + read.issues, format=name)


def _sniff_replay_file(probe: SourceProbe) -> bool:
    return is_replay_file(probe.data)


def _read_replay_file(probe: SourceProbe) -> SourceResult:
    try:
        session, _replay = read_replay_file(probe.path, probe.data)
    except ReplayFileError as exc:
        return SourceResult(issues=[ImportIssue(str(probe.path), None, str(exc))], format=REPLAY)
    return SourceResult(sessions=[session], format=REPLAY)


FORMATS: list[SourceFormat] = [
    SourceFormat(REPLAY, _sniff_replay_file, _read_replay_file),
    SourceFormat("claude-hook-payloads", _sniff_hooks, _read_hooks),
    SourceFormat("vibecraft-events", _sniff_vibecraft, _read_vibecraft),
    SourceFormat("claude-transcript", _sniff_transcript, _read_transcript),
]


def register_format(source_format: SourceFormat, *, first: bool = True) -> None:
    """Add a format to the detection; ``first`` makes it win over the built-in JSON formats."""
    FORMATS[:] = [f for f in FORMATS if f.name != source_format.name]
    if first:
        FORMATS.insert(0, source_format)
    else:
        FORMATS.append(source_format)


def read_source(path: Path) -> SourceResult:
    """Read one file in whatever supported format it is. Never raises: problems become issues."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return SourceResult(
            issues=[ImportIssue(str(path), None, f"cannot read: {exc.strerror or exc}")]
        )
    probe = SourceProbe(path, data)
    if probe.first_char is None:
        return SourceResult(issues=[ImportIssue(str(path), None, "empty file")], format="empty")
    for source_format in FORMATS:
        try:
            if not source_format.sniff(probe):
                continue
            return source_format.read(probe)
        except Exception as exc:  # a reader bug must cost one file, not the whole import
            issue = ImportIssue(str(path), None, f"{source_format.name} reader failed: {exc!r}")
            return SourceResult(issues=[*probe.log.issues, issue], format=source_format.name)
    unreadable = probe.log.total
    detail = f"; {unreadable} unreadable records" if unreadable else ""
    message = f"not a recognised format, no sessions imported{detail}"
    return SourceResult(issues=[ImportIssue(str(path), None, message)], format="unknown")
