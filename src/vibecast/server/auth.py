"""Who is calling: the implicit local user, or a user proven by an API token or a login cookie.

Tokens are looked up by their sha256 (the store never sees a token). A found token is remembered
for ``token_cache_seconds`` so a busy client does not cost a database write (``last_used_at``)
per request; a token revoked with ``vibecast tokens revoke`` therefore stops working within that
many seconds (5 by default). Unknown and revoked tokens are never cached.
"""

from __future__ import annotations

import threading

from vibecast.server.sessions import SessionData, verify_session
from vibecast.server.settings import ServerSettings
from vibecast.server.tokens import hash_token, is_well_formed
from vibecast.store.base import Store, User

__all__ = ["LOCAL_USER", "Authenticator"]

LOCAL_USER = User(id="local", name="local", created_at=0, is_admin=True)
"""Local mode's one implicit user: owner of everything imported on this machine."""


class Authenticator:
    def __init__(self, store: Store, settings: ServerSettings) -> None:
        self._store = store
        self._settings = settings
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[User, int]] = {}

    def user_for_token(self, token: str) -> User | None:
        """The user a bearer token belongs to, or None (malformed, unknown or revoked)."""
        if not is_well_formed(token):
            return None
        return self.user_for_hash(hash_token(token))

    def cached_user(self, token: str) -> User | None:
        """The user of a token looked up in the last ``token_cache_seconds``, without I/O."""
        if not is_well_formed(token):
            return None
        return self._cached(hash_token(token), self._settings.clock())

    def _cached(self, token_hash: str, now: int) -> User | None:
        with self._lock:
            cached = self._cache.get(token_hash)
        return cached[0] if cached is not None and cached[1] > now else None

    def user_for_hash(self, token_hash: str) -> User | None:
        now = self._settings.clock()
        cached = self._cached(token_hash, now)
        if cached is not None:
            return cached
        user = self._store.user_for_token(token_hash, now)
        with self._lock:
            if user is None:
                self._cache.pop(token_hash, None)
            elif self._settings.token_cache_seconds > 0:
                if len(self._cache) > 10_000:  # bounded: drop everything rather than grow
                    self._cache.clear()
                expires = now + int(self._settings.token_cache_seconds * 1000)
                self._cache[token_hash] = (user, expires)
        return user

    def user_for_session(self, cookie: str) -> tuple[User, SessionData] | None:
        """The user of a signed login cookie whose token is still valid."""
        data = verify_session(cookie, self._settings.secret_key, self._settings.clock())
        if data is None:
            return None
        user = self.user_for_hash(data.token_hash)
        if user is None or user.id != data.user_id:
            return None
        return user, data
