"""Redaction before storage: secrets become typed placeholders before anything is written.

``Redactor(settings).redact_event(event)`` is what the import pipeline calls; see
:mod:`vibecast.redact.redactor`. The rules are in :mod:`vibecast.redact.rules`, the fast scanner
in :mod:`vibecast.redact.scanner`, the "is this name/value a secret" judgement in
:mod:`vibecast.redact.names`, and the file-content policy in :mod:`vibecast.redact.files`.
"""

from vibecast.redact.redactor import IDENTITY_FIELDS, Redactor, placeholder
from vibecast.redact.scanner import Finding

__all__ = ["IDENTITY_FIELDS", "Finding", "Redactor", "placeholder"]
