"""What every request can reach: the settings, the store, the counters. One per app."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from fastapi import Request

from vibecast.server.auth import Authenticator
from vibecast.server.metrics import Metrics
from vibecast.server.settings import ServerSettings
from vibecast.store.base import Store

__all__ = ["AppState", "app_state"]


@dataclass
class AppState:
    settings: ServerSettings
    store: Store  # the system view: routes only ever use ``store.acting_as(user)``
    metrics: Metrics
    auth: Authenticator
    live_streams: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def now_ms(self) -> int:
        return self.settings.clock()

    def can_open_live_stream(self) -> bool:
        with self._lock:
            return self.live_streams < self.settings.live_max_streams

    def open_live_stream(self) -> None:
        with self._lock:
            self.live_streams += 1

    def close_live_stream(self) -> None:
        with self._lock:
            self.live_streams -= 1


async def app_state(request: Request) -> AppState:
    """Async on purpose: no I/O, so it runs on the event loop instead of a worker thread."""
    return request.app.state.vibecast
