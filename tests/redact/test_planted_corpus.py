"""No planted secret survives redaction, wherever in an event it was planted."""

from __future__ import annotations

import inspect

import pytest
from detect_secrets.plugins import base as ds_base
from detect_secrets.plugins import ip_public
from planted import (
    KEPT_FILE_PLACES,
    PLACES,
    event_text,
    leaks,
    planted_events,
    planted_secrets,
    write_planted_transcript,
)

from vibecast.config import RedactionSettings
from vibecast.importers import read_source
from vibecast.redact import Redactor

SECRETS = planted_secrets()

# Issue 2, item 6 and the task brief name these; the corpus must plant each of them.
REQUIRED_KINDS = {
    "anthropic-api-key",
    "openai-api-key",
    "aws-access-key",
    "aws-secret-key",
    "github-pat",
    "github-fine-grained-pat",
    "github-app-token",
    "gitlab-token",
    "slack-token",
    "slack-webhook",
    "stripe-key",
    "google-api-key",
    "google-oauth-token",
    "google-oauth-client-secret",
    "npm-token",
    "pypi-token",
    "huggingface-token",
    "twilio-api-key",
    "sendgrid-api-key",
    "azure-storage-key",
    "azure-client-secret",
    "jwt",
    "private-key",
    "url-password",
    "password",
    "secret",
    "api-key",
    "token",
    "bearer-token",
    "basic-auth",
}
# Places where the text stays text (not a dict value), so the placeholder's kind is checked too.
TEXT_PLACES = [place for place in PLACES if place != "dict"]


def test_corpus_plants_every_required_kind() -> None:
    missing = REQUIRED_KINDS - {p.kind for p in SECRETS}
    assert not missing


def test_corpus_is_deterministic_and_distinct() -> None:
    again = planted_secrets()
    assert [p.secret for p in again] == [p.secret for p in SECRETS]
    assert len({p.secret for p in SECRETS}) == len(SECRETS)


@pytest.mark.parametrize("place", list(PLACES))
def test_no_planted_secret_survives(place: str) -> None:
    redactor = Redactor()
    failures = []
    for where, planted, event in planted_events(SECRETS, {place: PLACES[place]}):
        before = event_text(event)
        assert not leaks(planted, "") and leaks(planted, before), "the check must see the secret"
        after = event_text(redactor.redact_event(event))
        leaked = leaks(planted, after)
        if leaked:
            failures.append(f"{where} {planted.kind}: {leaked[0]!r} survives in {planted.text!r}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("place", TEXT_PLACES)
def test_placeholder_names_the_kind(place: str) -> None:
    redactor = Redactor()
    wrong = []
    for where, planted, event in planted_events(SECRETS, {place: PLACES[place]}):
        after = event_text(redactor.redact_event(event))
        if planted.placeholder not in after:
            found = sorted(set(part for part in after.split("[REDACTED:")[1:]))
            wrong.append(f"{where}: expected {planted.placeholder}, got {found[:3]}")
    assert not wrong, "\n".join(wrong)


def test_kept_file_contents_are_redacted_too() -> None:
    redactor = Redactor(RedactionSettings(keep_file_contents=True))
    failures = []
    for where, planted, event in planted_events(SECRETS, KEPT_FILE_PLACES):
        after = event_text(redactor.redact_event(event))
        if leaks(planted, after):
            failures.append(f"{where} {planted.kind}: {leaks(planted, after)[0]!r}")
    assert not failures, "\n".join(failures)


def test_default_policy_does_not_store_the_files_at_all() -> None:
    redactor = Redactor()
    for _, planted, event in planted_events(SECRETS, KEPT_FILE_PLACES):
        after = event_text(redactor.redact_event(event))
        assert not leaks(planted, after)
        assert "/home/dev/app/.env" in after  # the path stays
    assert redactor.omitted["read-contents"] == len(SECRETS)
    assert redactor.omitted["original-file"] == len(SECRETS)
    assert not redactor.findings  # nothing was scanned: the contents were dropped first


def test_findings_count_every_redaction_by_kind() -> None:
    redactor = Redactor()
    for _, _, event in planted_events(SECRETS, {"prompt": PLACES["prompt"]}):
        redactor.redact_event(event)
    expected: dict[str, int] = {}
    for planted in SECRETS:
        expected[planted.kind] = expected.get(planted.kind, 0) + 1
    assert dict(redactor.findings) == expected


def _detect_secrets_regex_plugins() -> list[ds_base.RegexBasedDetector]:
    """Every regex plugin detect-secrets ships (an independent second opinion), except public
    IP addresses, which are not secrets."""
    import detect_secrets.plugins as plugins_pkg

    found = []
    for module_info in __import__("pkgutil").iter_modules(plugins_pkg.__path__):
        module = __import__(f"detect_secrets.plugins.{module_info.name}", fromlist=["_"])
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (
                cls.__module__ == module.__name__
                and issubclass(cls, ds_base.RegexBasedDetector)
                and not inspect.isabstract(cls)
                and cls is not ip_public.IPPublicDetector
            ):
                found.append(cls())
    return found


def test_detect_secrets_finds_nothing_left() -> None:
    """detect-secrets' own regex plugins (all of them, including ones we do not wire in) fire on
    the planted corpus before redaction and find nothing after it."""
    plugins = _detect_secrets_regex_plugins()
    redactor = Redactor()
    fired_before: set[str] = set()
    left = []
    for where, _, event in planted_events(SECRETS, {"text": PLACES["text"]}):
        before = event.text or ""
        after = redactor.redact_event(event).text or ""
        for plugin in plugins:
            for line in before.splitlines():
                if any(True for _ in plugin.analyze_string(line)):
                    fired_before.add(plugin.secret_type)
            for line in after.splitlines():
                for hit in plugin.analyze_string(line):
                    left.append(f"{where}: {plugin.secret_type}: {hit!r} in {line!r}")
    assert len(fired_before) >= 12, fired_before
    assert not left, "\n".join(left)


def test_planted_transcript_through_the_importer(tmp_path) -> None:
    """The corpus as a real Claude Code transcript: imported, then redacted, nothing survives."""
    path = tmp_path / "5e55ed00-0000-4000-8000-00000000c0de.jsonl"
    planted = write_planted_transcript(path)
    result = read_source(path)
    events = [e for session in result.sessions for e in session.events]
    assert len(events) >= 5 * len(planted)
    redactor = Redactor()
    output = "\x00".join(event_text(redactor.redact_event(e)) for e in events)
    failures = [f"{p.kind}: {leaks(p, output)[0]!r}" for p in planted if leaks(p, output)]
    assert not failures, "\n".join(failures)
    assert {p.kind for p in planted} <= set(redactor.findings)
