"""The install's secret: one random key per data dir (or ``VIBECAST_SECRET_KEY``).

It signs web logins and download links, aliases session ids in share links, and keys the digests
the redactor keeps of file contents it drops (:func:`content_digest_key`), so that a digest of a
short secret file cannot be checked against guesses by whoever reads a replay.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from vibecast.config import ConfigError

__all__ = ["content_digest_key", "load_secret_key"]


def load_secret_key(home: Path, env: Mapping[str, str]) -> bytes:
    """The cookie-signing key: ``VIBECAST_SECRET_KEY``, else one kept in the data dir.

    Kept on disk so web logins survive a restart; created with mode 0600 so other local users
    cannot forge sessions.
    """
    given = env.get("VIBECAST_SECRET_KEY", "").strip()
    if given:
        if len(given) < 16:
            raise ConfigError("VIBECAST_SECRET_KEY must be at least 16 characters")
        return given.encode()
    path = home / "server-secret"
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        key = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the server secret {path}: {exc}") from exc
    if len(key) >= 32:
        return key.encode()
    key = secrets.token_hex(32)
    try:
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key + "\n")
    except OSError as exc:
        raise ConfigError(f"cannot write the server secret {path}: {exc.strerror}") from exc
    return key.encode()


def content_digest_key(home: Path, env: Mapping[str, str] | None = None) -> bytes:
    """The key of the redactor's file-content digests, derived from the install's secret (two
    reads of one file still compare equal; nobody without the key can test a guess)."""
    secret = load_secret_key(home, os.environ if env is None else env)
    return hmac.new(secret, b"vibecast file-content digest", hashlib.sha256).digest()
