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

from vibecast.humanize import plural
from vibecast.importers.issues import IssueLog

__all__ = [
    "decode_array",
    "decode_json",
    "iter_json_lines",
    "non_objects_message",
    "split_objects",
    "strip_bom",
]

_decode = msgspec.json.decode
_BOM = b"\xef\xbb\xbf"
# A complete JSON string or a structural bracket: enough to find where array elements start/end.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)
_SKIPPED = object()  # not None: a `null` record is a record (that is not an object), not a gap
_LISTED = 10


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
    """One record, or ``_SKIPPED`` after logging why it was skipped."""
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
    return _SKIPPED


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
        if value is not _SKIPPED:
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
        if value is not _SKIPPED:
            found.append((number, value))
    return found


def split_objects(
    items: list[tuple[int, Any]],
) -> tuple[list[tuple[int, dict[str, Any]]], list[int]]:
    """The items that are JSON objects, and the numbers of those that are not (``null``, ``42``,
    ``"text"``, ``[1]``): every format's records are objects."""
    objects = [(number, item) for number, item in items if isinstance(item, dict)]
    others = [number for number, item in items if not isinstance(item, dict)]
    return objects, others


def non_objects_message(numbers: list[int], noun: str, unit: str) -> str:
    """``skipped 2 records that are not JSON objects (lines 4, 7)``: the numbers are ``unit``s,
    lines of a JSON Lines file or elements of a JSON array."""
    count = len(numbers)
    listed = ", ".join(str(n) for n in numbers[:_LISTED])
    if count > _LISTED:
        listed += f" and {count - _LISTED} more"
    what = "is not a JSON object" if count == 1 else "are not JSON objects"
    units = unit if count == 1 else f"{unit}s"
    return f"skipped {plural(count, noun)} that {what} ({units} {listed})"
