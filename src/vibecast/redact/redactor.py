"""The redactor the import pipeline runs on every event before anything is written."""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import logging
import re
from collections import Counter
from typing import Any

import msgspec

from vibecast.config import RedactionSettings, Settings
from vibecast.importers.base import SessionInfo
from vibecast.install_key import content_digest_key
from vibecast.model import RecordedEvent
from vibecast.redact.files import omit_file_contents
from vibecast.redact.names import classify_name, is_secret_value, kind_for
from vibecast.redact.scanner import MIN_TEXT, Finding, Scanner

__all__ = ["IDENTITY_FIELDS", "Redactor", "placeholder"]

log = logging.getLogger(__name__)

IDENTITY_FIELDS = frozenset(
    {"id", "session_id", "type", "tool_use_id", "parent_tool_use_id", "agent_id"}
)
"""Fields that identify and link events; they are never rewritten (merging relies on them)."""

# Fields that cannot hold text (numbers, flags, the viewer's camera) are not looked at.
_NOT_TEXT = frozenset(
    {"timestamp", "success", "duration", "recorded_at", "relative_time_ms", "scene_state", "usage"}
)
_SCANNED_FIELDS = tuple(
    (index, name)
    for index, name in enumerate(RecordedEvent.__struct_fields__)
    if name not in IDENTITY_FIELDS and name not in _NOT_TEXT
)
_POLICY_FIELDS = frozenset({"tool_response", "raw"})
_MAX_DEPTH = 200
_AUTH_SCHEMES = ("bearer ", "basic ", "token ")


def placeholder(kind: str) -> str:
    """What a secret of ``kind`` is replaced with, e.g. ``[REDACTED:aws-access-key]``."""
    return f"[REDACTED:{kind}]"


def _render(text: str, spans: list[tuple[int, int, str]]) -> str:
    """``text`` with each (start, end, kind) span replaced by its placeholder."""
    parts: list[str] = []
    pos = 0
    for start, end, kind in spans:
        parts.append(text[pos:start])
        parts.append(placeholder(kind))
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


class Redactor:
    """Replaces secrets with typed placeholders and applies the file-content policy.

    One redactor serves a whole import (:meth:`for_install` builds it with the install's key
    for file-content digests); ``findings`` counts what it replaced, by kind, and
    ``omitted`` counts file payloads dropped by the policy (``read-contents``,
    ``original-file``). ``issues`` lists settings that could not be used (an invalid pattern is
    skipped with a warning rather than failing the import).
    """

    def __init__(
        self, settings: RedactionSettings | None = None, *, content_key: bytes | None = None
    ) -> None:
        self.settings = settings if settings is not None else RedactionSettings()
        self.content_key = content_key  # keys digests of dropped file contents
        self.findings: Counter[str] = Counter()
        self.omitted: Counter[str] = Counter()
        self.issues: list[str] = []
        patterns: list[re.Pattern[str]] = []
        for pattern in self.settings.patterns:
            try:
                patterns.append(re.compile(pattern))
            except re.error as exc:
                message = f"redaction pattern {pattern!r} ignored: {exc}"
                self.issues.append(message)
                log.warning(message)
        self._scanner = Scanner(patterns, self.settings.strings)
        self._known_clean = self._scanner.known_clean
        self._has_custom = bool(patterns or self.settings.strings)
        self._min_text = 0 if self._has_custom else MIN_TEXT  # shorter strings are not scanned
        self._omit_files = not self.settings.keep_file_contents

    @classmethod
    def for_install(cls, settings: Settings) -> Redactor:
        """The redactor of this install: its settings, and digests keyed with its secret."""
        return cls(settings.redaction, content_key=content_digest_key(settings.home))

    # -- text ----------------------------------------------------------------------------------

    def scan(self, text: str) -> list[Finding]:
        """Where the secrets in ``text`` are (nothing is counted or replaced)."""
        return self._scanner.scan(text)

    def redact_text(self, text: str) -> str:
        """``text`` with every secret replaced; the same object when there was none."""
        if len(text) < self._min_text:
            return text
        if self._known_clean(text):  # most calls: a short string seen before, with nothing
            return text
        found = self._scan_or_none(text)
        if found is None:
            return placeholder("unscannable")
        if not found:
            return text
        for finding in found:
            self.findings[finding.kind] += 1
        return _render(text, [(f.start, f.end, f.kind) for f in found])

    def _scan_or_none(self, text: str) -> list[Finding] | None:
        try:
            return self._scanner.scan(text)
        except Exception:  # a bug here must not let the text through unredacted
            log.exception("redaction failed on a %d-character string; dropping it", len(text))
            self.findings["unscannable"] += 1
            return None

    def redact_lines(self, lines: list[str]) -> list[str]:
        """Strings that belong together (a diff's lines, an output split in chunks) scanned as
        one text, so a secret spread over several of them — a PEM block in a patch — is found.
        Returns ``lines`` itself when nothing was found."""
        joined = "\n".join(lines)
        found = self._scan_or_none(joined)
        if found is None:
            return [placeholder("unscannable")] * len(lines)
        if not found:
            return lines
        starts = list(itertools.accumulate((len(line) + 1 for line in lines[:-1]), initial=0))
        spans: list[list[tuple[int, int, str]]] = [[] for _ in lines]
        for finding in found:
            self.findings[finding.kind] += 1
            i = bisect.bisect_right(starts, finding.start) - 1
            while i < len(lines) and starts[i] < finding.end:
                lo = max(finding.start, starts[i]) - starts[i]
                hi = min(finding.end, starts[i] + len(lines[i])) - starts[i]
                if hi > lo:
                    spans[i].append((lo, hi, finding.kind))
                i += 1
        return [_render(line, s) if s else line for line, s in zip(lines, spans, strict=True)]

    # -- JSON-like values ----------------------------------------------------------------------

    def redact_value(self, value: Any) -> Any:
        """A deep copy-on-write walk of dicts and lists: every string (keys too) is redacted,
        and a string held under a secret-looking key (``"password"``, ``"apiKey"``) is redacted
        when it looks like a secret. Unchanged containers are returned as they are."""
        return self._walk(value, 0)

    def _walk(self, value: Any, depth: int) -> Any:
        kind = type(value)
        if kind is str:
            return self.redact_text(value)
        if kind is dict:
            return self._walk_dict(value, depth)
        if kind is list:
            if depth > _MAX_DEPTH:
                return self._flatten(value)
            texts = [i for i, item in enumerate(value) if type(item) is str]
            if len(texts) < 2:
                items = [self._walk(item, depth + 1) for item in value]
            else:
                items = [
                    item if type(item) is str else self._walk(item, depth + 1) for item in value
                ]
                lines = self.redact_lines([value[i] for i in texts])
                for i, line in zip(texts, lines, strict=True):
                    items[i] = line
            return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
        return value

    def _walk_dict(self, value: dict[Any, Any], depth: int) -> Any:
        if depth > _MAX_DEPTH:
            return self._flatten(value)
        out: dict[Any, Any] | None = None
        min_text = self._min_text
        for i, (key, item) in enumerate(value.items()):
            # The type checks of redact_text and _walk inlined: a payload's dicts hold many short
            # keys and scalars, and a call each was most of this walk's cost.
            kind = type(item)
            if type(key) is str:
                new_key = key if len(key) < min_text else self.redact_text(key)
                if kind is str:
                    new_item = self._keyed_text(key, item)
                elif kind is dict or kind is list:
                    new_item = self._walk(item, depth + 1)
                else:
                    new_item = item
            else:
                new_key = key
                new_item = self._walk(item, depth + 1)
            if out is None and (new_key is not key or new_item is not item):
                out = dict(list(value.items())[:i])
            if out is not None:
                while new_key in out:  # two keys redacted to the same placeholder
                    new_key = f"{new_key}#"
                out[new_key] = new_item
        return out if out is not None else value

    def _keyed_text(self, key: str, text: str) -> str:
        """A string under ``key``: the whole value when the key names a secret, else scanned."""
        name_class = classify_name(key) if len(text) >= 3 else None
        if name_class is not None:
            scheme = 0
            low = text[:7].lower()
            for prefix in _AUTH_SCHEMES:
                if low.startswith(prefix):
                    scheme = len(prefix)
                    break
            value = text[scheme:].strip()
            if is_secret_value(name_class, value, bare=False, env_style=False):
                kind = kind_for(key, name_class)
                self.findings[kind] += 1
                return text[:scheme] + placeholder(kind)
        return self.redact_text(text)

    def _flatten(self, value: Any) -> str:
        """Too deep to walk safely (real tool results are never this deep): its strings are
        kept, redacted, as one text, rather than risk the recursion limit."""
        log.warning("a value nested deeper than %d levels was flattened to text", _MAX_DEPTH)
        strings: list[str] = []
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                strings.append(item)
            elif isinstance(item, dict):
                stack.extend(reversed([v for kv in item.items() for v in kv]))
            elif isinstance(item, list):
                stack.extend(reversed(item))
            elif item is not None:
                strings.append(str(item))
        return self.redact_text("\n".join(strings))

    # -- events --------------------------------------------------------------------------------

    def redact_event(self, event: RecordedEvent) -> RecordedEvent:
        """The event with file contents omitted (unless kept by the settings) and every string
        field redacted — ``tool_input``, ``tool_response`` and ``raw`` deeply. Identity fields
        (:data:`IDENTITY_FIELDS`) are left alone. The input event is not modified."""
        changes: dict[str, Any] = {}
        values = msgspec.structs.astuple(event)  # one call, not a getattr per field
        for index, name in _SCANNED_FIELDS:
            original = values[index]
            if original is None:
                continue
            value = original
            if self._omit_files and name in _POLICY_FIELDS:
                value = omit_file_contents(
                    event.tool if name == "tool_response" else None,
                    value,
                    self.omitted,
                    self.content_key,
                )
            if type(value) is str:
                new = self.redact_text(value)
            elif name == "attachments":
                new = [self._redact_attachment(a) for a in value]
                if all(a is b for a, b in zip(new, value, strict=True)):
                    new = value
            else:
                new = self._walk(value, 0)
            if new is not original:
                changes[name] = new
        return msgspec.structs.replace(event, **changes) if changes else event

    def redact_info(self, info: SessionInfo) -> SessionInfo:
        """The session facts that are not events (its title, cwd, branch ...) feed the replay's
        metadata; they are redacted like event text."""
        changes = {
            f.name: self.redact_text(value)
            for f in dataclasses.fields(info)
            if isinstance(value := getattr(info, f.name), str)
        }
        changed = {k: v for k, v in changes.items() if v is not getattr(info, k)}
        return dataclasses.replace(info, **changed) if changed else info

    def _redact_attachment(self, attachment: Any) -> Any:
        name = getattr(attachment, "name", None)
        if not name:
            return attachment
        redacted = self.redact_text(name)
        return (
            attachment if redacted is name else msgspec.structs.replace(attachment, name=redacted)
        )
