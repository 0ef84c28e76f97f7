"""Collecting warnings about one source without letting a broken file flood the report.

A file of binary garbage can have a million bad "lines"; the user needs to know that it is broken,
not read a million warnings. :class:`IssueLog` keeps the first :data:`MAX_ISSUES_PER_SOURCE`
issues of a source and folds the rest into one closing summary.
"""

from __future__ import annotations

from vibecast.importers.base import ImportIssue

__all__ = ["MAX_ISSUES_PER_SOURCE", "IssueLog"]

MAX_ISSUES_PER_SOURCE = 50


class IssueLog:
    """The warnings of one source file, capped, in the order they were found."""

    def __init__(self, source: str, limit: int = MAX_ISSUES_PER_SOURCE) -> None:
        self.source = source
        self._limit = limit
        self._issues: list[ImportIssue] = []
        self._dropped = 0
        self._once: set[str] = set()

    def add(self, line: int | None, message: str) -> ImportIssue | None:
        """Record an issue; returns it, or None when the cap swallowed it."""
        if len(self._issues) >= self._limit:
            self._dropped += 1
            return None
        issue = ImportIssue(self.source, line, message)
        self._issues.append(issue)
        return issue

    def once(self, key: str, line: int | None, message: str) -> ImportIssue | None:
        """Record an issue only the first time ``key`` is seen (e.g. once per unknown type)."""
        if key in self._once:
            return None
        self._once.add(key)
        return self.add(line, message)

    @property
    def total(self) -> int:
        """How many issues were reported, including those the cap swallowed."""
        return len(self._issues) + self._dropped

    @property
    def issues(self) -> list[ImportIssue]:
        if not self._dropped:
            return list(self._issues)
        more = ImportIssue(self.source, None, f"{self._dropped} more issues not shown")
        return [*self._issues, more]
