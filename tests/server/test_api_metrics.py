"""``/metrics``: Prometheus text with the spec's ReplayMetrics and request counters."""

from __future__ import annotations

import re

import pytest
from server_helpers import Local

LABELS = r'\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\}'
SAMPLE = re.compile(rf"^([a-zA-Z_:][a-zA-Z0-9_:]*)({LABELS})? (-?[0-9.e+-]+|\+Inf|NaN)$")


def parse(text: str) -> dict[str, float]:
    """Every sample line as ``name{labels}`` -> value; fails on a malformed line."""
    samples: dict[str, float] = {}
    types: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
            continue
        if line.startswith("#") or not line:
            continue
        match = SAMPLE.match(line)
        assert match, f"not a Prometheus sample line: {line!r}"
        samples[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    for name in samples:
        base = re.sub(r"(_bucket|_sum|_count)$", "", name.split("{")[0])
        assert base in types or name.split("{")[0] in types, f"{name} has no # TYPE"
    return samples


@pytest.mark.readonly
def test_metrics_report_the_spec_names(local: Local) -> None:
    response = local.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = parse(response.text)
    for name in [
        "vibecast_recordings_created_total",
        "vibecast_recordings_played_total",
        "vibecast_replays_shared_total",
        "vibecast_exports_requested_total",
        "vibecast_avg_recording_size_kb",
        "vibecast_avg_replay_duration_min",
        "vibecast_storage_used_gb",
        "vibecast_replays",
    ]:
        assert name in samples, name
    assert "vibecast_p95_playback_fps" not in samples  # until a player reports one
    everyone = local.store.list_replays(None, limit=500)  # every user's: a server-wide figure
    assert samples["vibecast_replays"] == len(everyone) > len(local.replays)
    durations = [r.metadata.duration_ms for r in everyone]
    expected_min = sum(durations) / len(durations) / 60_000
    assert abs(samples["vibecast_avg_replay_duration_min"] - expected_min) < 1e-6
    stored = local.store.stats().stored_bytes
    assert abs(samples["vibecast_storage_used_gb"] - stored / 1e9) < 1e-9
    average_kb = stored / len(everyone) / 1024
    assert abs(samples["vibecast_avg_recording_size_kb"] - average_kb) < 1e-6


def test_counters_move_with_what_happens(local: Local) -> None:
    replay = local.replays[0]
    local.client.post("/api/replays/start", json={"session_id": "metrics-demo"})
    local.client.post(f"/api/replays/{replay.id}/share", json={"is_public": True})
    local.client.post(f"/api/replays/{replay.id}/share", json={"is_public": True})
    local.client.get(f"/api/replays/{replay.id}")
    local.client.get("/api/replays/does-not-exist")
    samples = parse(local.client.get("/metrics").text)
    assert samples["vibecast_recordings_created_total"] == 1
    assert samples["vibecast_replays_shared_total"] == 2
    ok = 'vibecast_http_requests_total{method="GET",route="/api/replays/{replay_id}",status="200"}'
    missing = ok.replace('"200"', '"404"')
    assert samples[ok] == 1 and samples[missing] == 1  # by route template, never raw ids
    assert not any("does-not-exist" in name for name in samples)
    histogram = 'vibecast_http_request_duration_seconds_count{route="/api/replays/{replay_id}"}'
    assert samples[histogram] == 2
