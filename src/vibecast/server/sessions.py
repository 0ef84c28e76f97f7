"""Signed web-login cookies (HMAC-SHA256), so the web UI needs no bearer token in JavaScript.

The cookie names the user and the *hash* of the API token they logged in with, and expires. Each
request checks the token is still valid, so revoking the token ends its web sessions at once.
The cookie is ``HttpOnly`` (scripts cannot read it) and ``SameSite=Lax`` (other sites' forms
cannot send it with a POST).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

import msgspec

__all__ = ["COOKIE_NAME", "SessionData", "sign_session", "verify_session"]

COOKIE_NAME = "vibecast_session"
_MAX_COOKIE_CHARS = 1024


class SessionData(msgspec.Struct, frozen=True):
    user_id: str
    token_hash: str
    expires_at: int  # epoch ms


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())


def sign_session(data: SessionData, key: bytes) -> str:
    payload = _b64(msgspec.json.encode(data))
    return f"{payload}.{_mac(key, payload)}"


def verify_session(cookie: str, key: bytes, now_ms: int) -> SessionData | None:
    """The session a cookie carries, or None if it is forged, altered, malformed or expired."""
    if not cookie or len(cookie) > _MAX_COOKIE_CHARS or cookie.count(".") != 1:
        return None
    payload, mac = cookie.split(".")
    try:
        payload.encode("ascii")
        if not hmac.compare_digest(mac.encode("ascii"), _mac(key, payload).encode("ascii")):
            return None
        data = msgspec.json.decode(_unb64(payload), type=SessionData)
    except (UnicodeEncodeError, binascii.Error, ValueError, msgspec.DecodeError):
        return None
    return data if data.expires_at > now_ms else None
