"""Secret tokens: API tokens and share-link tokens. Only their sha256 is ever stored.

A token is shown once (``vibecast tokens create`` prints it; a share request returns it) and from
then on only its hash exists, so a leaked database reveals no usable token. 256 bits of randomness
for API tokens, 192 for share links (the brief asks for at least 128).
"""

from __future__ import annotations

import hashlib
import re
import secrets

__all__ = [
    "API_TOKEN_PREFIX",
    "hash_token",
    "is_well_formed",
    "new_api_token",
    "new_share_token",
]

API_TOKEN_PREFIX = "vct_"
"""Makes a leaked API token recognisable to secret scanners and to people."""

_API_TOKEN_BYTES = 32
_SHARE_TOKEN_BYTES = 24
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


def new_api_token() -> str:
    return API_TOKEN_PREFIX + secrets.token_urlsafe(_API_TOKEN_BYTES)


def new_share_token() -> str:
    return secrets.token_urlsafe(_SHARE_TOKEN_BYTES)


def hash_token(token: str) -> str:
    """What the store keeps: sha256 hex of the token's UTF-8 bytes."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def is_well_formed(token: str) -> bool:
    """Cheap shape check before any database lookup (both kinds are URL-safe base64)."""
    return bool(_TOKEN_SHAPE.match(token))
