"""``/metrics`` in Prometheus text format: the spec's ReplayMetrics plus request counters.

Counters (``*_total``) count what this server process saw since it started — Prometheus'
``rate()`` turns them into per-second figures. Gauges describe the store as it is now and are
recomputed at most every ``STORE_GAUGES_TTL_MS``, so a scrape never walks a big store twice in a
row. ``p95_playback_fps`` is absent until a player has reported a playback.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vibecast.server.settings import Clock
from vibecast.store.base import Store

__all__ = ["STORE_GAUGES_TTL_MS", "Metrics", "RequestMetricsMiddleware", "StoreGauges"]

STORE_GAUGES_TTL_MS = 10_000
_FPS_SAMPLES = 1000
_LIST_PAGE = 500
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

# The spec's ReplayMetrics names, as Prometheus counters.
RECORDINGS_CREATED = "vibecast_recordings_created_total"
RECORDINGS_PLAYED = "vibecast_recordings_played_total"
REPLAYS_SHARED = "vibecast_replays_shared_total"
EXPORTS_REQUESTED = "vibecast_exports_requested_total"

_COUNTER_HELP = {
    RECORDINGS_CREATED: "Replays created through POST /api/replays/start.",
    RECORDINGS_PLAYED: "Playbacks reported by players (POST /api/replays/{id}/played).",
    REPLAYS_SHARED: "Share links created.",
    EXPORTS_REQUESTED: "Video exports requested.",
}


class StoreGauges:
    """Totals over every replay in the store, as the spec's ReplayMetrics name them."""

    def __init__(self, replays: int, stored_bytes: int, total_duration_ms: int) -> None:
        self.replays = replays
        self.stored_bytes = stored_bytes
        self.total_duration_ms = total_duration_ms

    @classmethod
    def read(cls, store: Store) -> StoreGauges:
        stats = store.stats()
        total_ms = 0
        offset = 0
        while True:
            page = store.list_replays(user_id=None, limit=_LIST_PAGE, offset=offset)
            total_ms += sum(replay.metadata.duration_ms for replay in page)
            if len(page) < _LIST_PAGE:
                break
            offset += _LIST_PAGE
        return cls(stats.replays, stats.stored_bytes, total_ms)

    def lines(self) -> Iterable[str]:
        n = self.replays
        yield from _gauge("vibecast_replays", "Replays stored.", n)
        yield from _gauge(
            "vibecast_avg_recording_size_kb",
            "Average stored (compressed) size of a replay, KiB.",
            self.stored_bytes / n / 1024 if n else 0.0,
        )
        yield from _gauge(
            "vibecast_avg_replay_duration_min",
            "Average replay duration, minutes.",
            self.total_duration_ms / n / 60_000 if n else 0.0,
        )
        yield from _gauge(
            "vibecast_storage_used_gb", "Stored bytes, GB (10^9).", self.stored_bytes / 1e9
        )
        yield from _gauge("vibecast_storage_used_bytes", "Stored bytes.", self.stored_bytes)


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _gauge(name: str, help_text: str, value: float) -> Iterable[str]:
    yield f"# HELP {name} {help_text}"
    yield f"# TYPE {name} gauge"
    yield f"{name} {_number(value)}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(pairs: Iterable[tuple[str, str]]) -> str:
    inner = ",".join(f'{key}="{_escape(value)}"' for key, value in pairs)
    return "{" + inner + "}" if inner else ""


class Metrics:
    """Thread-safe counters and a request-latency histogram for one app."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._counters: Counter[str] = Counter({name: 0 for name in _COUNTER_HELP})
        self._requests: Counter[tuple[str, str, str]] = Counter()
        self._latency_counts: dict[str, list[int]] = {}
        self._latency_sums: Counter[str] = Counter()
        self._fps: deque[float] = deque(maxlen=_FPS_SAMPLES)
        self._gauges: StoreGauges | None = None
        self._gauges_at = 0

    def inc(self, name: str, by: int = 1) -> None:
        with self._lock:
            self._counters[name] += by

    def count(self, name: str) -> int:
        with self._lock:
            return self._counters[name]

    def observe_fps(self, fps: float) -> None:
        with self._lock:
            self._fps.append(fps)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self._requests[(method, route, str(status))] += 1
            counts = self._latency_counts.setdefault(route, [0] * (len(_BUCKETS) + 1))
            for index, bound in enumerate(_BUCKETS):
                if seconds <= bound:
                    counts[index] += 1
            counts[-1] += 1
            self._latency_sums[route] += seconds

    def store_gauges(self, store: Store) -> StoreGauges:
        now = self._clock()
        with self._lock:
            cached, at = self._gauges, self._gauges_at
        if cached is not None and now - at < STORE_GAUGES_TTL_MS:
            return cached
        gauges = StoreGauges.read(store)
        with self._lock:
            self._gauges, self._gauges_at = gauges, now
        return gauges

    def p95_fps(self) -> float | None:
        with self._lock:
            samples = sorted(self._fps)
        if not samples:
            return None
        return samples[max(0, math.ceil(0.95 * len(samples)) - 1)]

    def render(self, store: Store) -> str:
        """The exposition text (format 0.0.4)."""
        lines: list[str] = []
        with self._lock:
            counters = dict(self._counters)
            requests = dict(self._requests)
            latency = {route: list(counts) for route, counts in self._latency_counts.items()}
            sums = dict(self._latency_sums)
        for name, help_text in _COUNTER_HELP.items():
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} counter"]
            lines.append(f"{name} {counters.get(name, 0)}")
        p95 = self.p95_fps()
        if p95 is not None:
            lines += _gauge(
                "vibecast_p95_playback_fps", "95th percentile of reported playback FPS.", p95
            )
        lines += self.store_gauges(store).lines()
        lines += [
            "# HELP vibecast_http_requests_total HTTP requests answered.",
            "# TYPE vibecast_http_requests_total counter",
        ]
        for (method, route, status), n in sorted(requests.items()):
            labels = _labels([("method", method), ("route", route), ("status", status)])
            lines.append(f"vibecast_http_requests_total{labels} {n}")
        name = "vibecast_http_request_duration_seconds"
        lines += [f"# HELP {name} Time to answer a request.", f"# TYPE {name} histogram"]
        for route, counts in sorted(latency.items()):
            for bound, n in zip((*_BUCKETS, math.inf), counts, strict=True):
                labels = _labels([("route", route), ("le", _number(bound))])
                lines.append(f"{name}_bucket{labels} {n}")
            lines.append(f"{name}_sum{_labels([('route', route)])} {sums[route]!r}")
            lines.append(f"{name}_count{_labels([('route', route)])} {counts[-1]}")
        return "\n".join(lines) + "\n"


class RequestMetricsMiddleware:
    """Counts every HTTP request by method, route template (never the raw path) and status."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or "(unmatched)"
            self.metrics.observe_request(
                scope["method"], route, status, time.perf_counter() - started
            )
