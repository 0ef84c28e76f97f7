"""What the server needs beyond :class:`~vibecast.config.Settings`: mode, limits, secrets, clock.

``vibecast/config.py`` is shared by every part of vibecast, so the server's own knobs live here and
are read from the environment next to it:

==========================  ==================================================================
``VIBECAST_SHARE_DAYS``     days a share link lives unless the request says otherwise (30)
``VIBECAST_PUBLIC_URL``     base of share links (``https://replays.example.com``); default: the
                            URL the request came in on
``VIBECAST_SECRET_KEY``     key that signs web-login cookies; default: a random key kept in
                            ``$VIBECAST_HOME/server-secret`` (mode 0600)
==========================  ==================================================================

**Modes.** Local mode (the default: SQLite, bound to loopback) has one implicit user, ``local``, and
no login. Server mode (a ``postgresql://`` database, or binding beyond loopback) authenticates
every API call with a bearer token or a signed session cookie.
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from vibecast.config import ConfigError, Settings
from vibecast.install_key import load_secret_key
from vibecast.store.records import LOCAL_USER

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "NOT_RECORDING_WITHOUT_USER",
    "Clock",
    "ServerSettings",
    "is_loopback",
    "load_secret_key",
    "wall_clock_ms",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8642
DEFAULT_SHARE_DAYS = 30
MAX_SHARE_DAYS = 3650

NOT_RECORDING_WITHOUT_USER = (
    "not recording hook events: server mode needs --user NAME to know whose sessions they are "
    "(`vibecast --user NAME serve`, or VIBECAST_USER=NAME)"
)
"""Why ``vibecast serve`` in server mode without a user does not record (see ``recording_as``)."""

Clock = Callable[[], int]
"""Epoch milliseconds now. Injected so tests can move time (share expiry) without sleeping."""


def wall_clock_ms() -> int:
    return int(time.time() * 1000)


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server reachable from this machine only."""
    name = host.strip().strip("[]").lower()
    if name in {"localhost", "localhost.localdomain", "ip6-localhost"}:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name we would have to resolve: assume it is reachable


def _is_postgres(url: str) -> bool:
    return url.strip().startswith(("postgresql://", "postgres://"))


def _share_days(env: Mapping[str, str]) -> int:
    raw = env.get("VIBECAST_SHARE_DAYS", "").strip()
    if not raw:
        return DEFAULT_SHARE_DAYS
    try:
        days = int(raw)
    except ValueError:
        raise ConfigError(
            f"VIBECAST_SHARE_DAYS must be a whole number of days, not {raw!r}"
        ) from None
    if not 1 <= days <= MAX_SHARE_DAYS:
        raise ConfigError(f"VIBECAST_SHARE_DAYS must be between 1 and {MAX_SHARE_DAYS}")
    return days


@dataclass(frozen=True)
class ServerSettings:
    """Everything :func:`~vibecast.server.create_app` reads. Build with :meth:`load`."""

    base: Settings
    secret_key: bytes
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    share_days: int = DEFAULT_SHARE_DAYS
    public_url: str | None = None
    # None: decided from the database URL and the host (see ``auth_required``).
    server_mode: bool | None = None
    clock: Clock = field(default=wall_clock_ms, compare=False)
    live_poll_seconds: float = 0.25
    live_max_seconds: float = 3600.0
    live_max_streams: int = 32
    token_cache_seconds: float = 5.0
    session_days: int = 7
    # Run the live-capture recorder in this process (``vibecast serve`` does; embedded apps don't).
    record: bool = False
    # The id of the user live capture on this machine records as (``vibecast --user NAME
    # serve``); None: nobody was named (see ``recording_as``).
    capture_user: str | None = None
    # Seconds between tries of the spool's lock while another recorder holds it.
    recorder_retry_s: float = 2.0
    # Who holds the spool's lock when this app records (``vibecast serve (pid N)``): workers of
    # one server write the same, so they do not warn about each other.
    recorder_owner: str = "vibecast serve"

    @classmethod
    def load(
        cls,
        base: Settings,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        env: Mapping[str, str] | None = None,
        **overrides: object,
    ) -> ServerSettings:
        """Settings from the environment (``VIBECAST_SHARE_DAYS`` ...), then ``overrides``."""
        env = os.environ if env is None else env
        public_url = env.get("VIBECAST_PUBLIC_URL", "").strip().rstrip("/") or None
        values: dict[str, object] = {
            "base": base,
            "host": host,
            "port": port,
            "share_days": _share_days(env),
            "record": env.get("VIBECAST_SERVE_RECORD", "") == "1",
            "public_url": public_url,
        }
        values.update(overrides)
        if "secret_key" not in values:
            values["secret_key"] = load_secret_key(base.home, env)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def recording_as(self) -> str | None:
        """The user id the recorder in this process records as; None: it does not record.

        In server mode captured sessions belong to whoever ``--user NAME`` names: without one
        they would land under the built-in ``local`` user, whom nobody can sign in as, so
        nothing is recorded (see :data:`NOT_RECORDING_WITHOUT_USER`)."""
        if not self.record:
            return None
        if self.capture_user is not None:
            return self.capture_user
        return None if self.auth_required else LOCAL_USER

    @property
    def auth_required(self) -> bool:
        """Server mode: PostgreSQL, or reachable beyond this machine."""
        if self.server_mode is not None:
            return self.server_mode
        return _is_postgres(self.base.database_url) or not is_loopback(self.host)
