"""Tolerant JSON reading: JSON Lines and JSON arrays that may be broken anywhere.

The fast path hands the whole input to msgspec (C speed). Only when that fails do we fall back to
finding the individual records, decoding each on its own, and reporting the bad ones — so one
corrupt line, a truncated last record, invalid UTF-8 or binary garbage costs that record only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import msgspec

from vibecast.importers.issues import IssueLog

__all__ = ["decode_array", "decode_json", "iter_json_lines", "strip_bom"]

_decode = msgspec.json.decode
_BOM = b"\xef\xbb\xbf"
# A complete JSON string or a structural bracket: enough to find where array elements start/end.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


def strip_bom(data: bytes) -> bytes:
    return data[len(_BOM) :] if data.startswith(_BOM) else data


def decode_json(data: bytes) -> Any:
    """Decode one JSON document; on invalid UTF-8, retry with the bad bytes replaced (U+FFFD).

    Raises ``msgspec.DecodeError`` when the text is not JSON even after repair.
    """
    try:
        return _decode(data)
    except UnicodeDecodeError:
        return _decode(data.decode("utf-8", "replace").encode("utf-8"))


def _decode_record(raw: bytes, where: int, issues: IssueLog, *, last: bool) -> Any:
    """One record, or None after logging why it was skipped."""
    try:
        return _decode(raw)
    except UnicodeDecodeError:
        try:
            value = _decode(raw.decode("utf-8", "replace").encode("utf-8"))
        except msgspec.DecodeError:
            pass
        else:
            issues.add(where, "invalid UTF-8 replaced with U+FFFD")
            return value
        issues.add(where, f"skipped unreadable record ({len(raw)} bytes): invalid UTF-8")
    except msgspec.DecodeError as exc:
        if last and "truncated" in str(exc):
            issues.add(where, f"skipped truncated last record ({len(raw)} bytes)")
        else:
            issues.add(where, f"skipped malformed record ({len(raw)} bytes): {exc}")
    return None


def iter_json_lines(data: bytes, issues: IssueLog) -> Iterator[tuple[int, Any]]:
    """``(line number, value)`` for every decodable non-blank line; bad lines become issues."""
    lines = data.split(b"\n")
    final = len(lines)
    while final and not lines[final - 1].strip():
        final -= 1
    for number, raw in enumerate(lines[:final], start=1):
        if not raw or raw.isspace():
            continue
        value = _decode_record(raw, number, issues, last=number == final)
        if value is not None:
            yield number, value


def _element_slices(data: bytes) -> Iterator[tuple[int, int, bool]]:
    """``(start, end, complete)`` of each top-level object/array element inside a JSON array."""
    depth = 0
    start = -1
    for match in _TOKENS.finditer(data):
        token = match.group()
        if token[0] == 0x22:  # a string: skip its contents
            continue
        if token in (b"[", b"{"):
            depth += 1
            if depth == 2:
                start = match.start()
        else:
            if depth == 2 and start >= 0:
                yield start, match.end(), True
                start = -1
            depth -= 1
    if depth >= 2 and start >= 0:
        yield start, len(data), False


def decode_array(data: bytes, issues: IssueLog) -> list[tuple[int, Any]]:
    """``(element number, value)`` of a JSON array's elements; salvages what it can of a broken one.

    Element numbers are 1-based (array index + 1), the ``line`` of :class:`ImportIssue`.
    """
    try:
        whole = decode_json(data)
    except msgspec.DecodeError:
        whole = None
    if isinstance(whole, list):
        return list(enumerate(whole, start=1))
    issues.add(None, "the JSON array is damaged; salvaging the readable elements")
    found: list[tuple[int, Any]] = []
    for number, (start, end, complete) in enumerate(_element_slices(data), start=1):
        if not complete:
            issues.add(number, f"skipped truncated last element ({end - start} bytes)")
            continue
        value = _decode_record(data[start:end], number, issues, last=False)
        if value is not None:
            found.append((number, value))
    return found
