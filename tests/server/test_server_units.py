"""The server's small parts on their own: tokens, cookies, windows, time parsing, settings,
transport guards."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from pathlib import Path

import pytest

from vibecast.config import ConfigError, load_settings
from vibecast.model import RecordedEvent
from vibecast.server.errors import ApiError
from vibecast.server.guards import SameOriginMiddleware, origin_of
from vibecast.server.limits import MAX_WINDOW_MS, BodyLimitMiddleware
from vibecast.server.routes.replays import parse_time
from vibecast.server.routes.session import safe_next
from vibecast.server.sessions import SessionData, sign_session, verify_session
from vibecast.server.settings import ServerSettings, is_loopback, load_secret_key
from vibecast.server.tokens import (
    API_TOKEN_PREFIX,
    hash_token,
    is_well_formed,
    new_api_token,
    new_share_token,
)
from vibecast.server.windows import cut_events, window_bounds


def test_tokens_are_random_urlsafe_and_stored_as_sha256() -> None:
    shares = {new_share_token() for _ in range(200)}
    assert len(shares) == 200
    for token in shares:
        assert is_well_formed(token)
        assert len(token) == 32  # 24 random bytes = 192 bits, base64url
    api = new_api_token()
    assert api.startswith(API_TOKEN_PREFIX) and is_well_formed(api)
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    for bad in [
        "",
        "short",
        "has space in it!!!!!",
        "a" * 129,
        "tok/../../etc/passwd",
        "x\x00y" * 8,
    ]:
        assert not is_well_formed(bad)


def test_session_cookie_round_trip_and_tampering() -> None:
    key = b"k" * 32
    data = SessionData(user_id="u1", token_hash="h" * 64, expires_at=2000)
    cookie = sign_session(data, key)
    assert verify_session(cookie, key, now_ms=1000) == data
    assert verify_session(cookie, key, now_ms=2000) is None  # expired
    assert verify_session(cookie, b"other-key" * 4, now_ms=1000) is None
    payload, mac = cookie.split(".")
    forged = sign_session(SessionData("admin", "h" * 64, 2000), b"guess" * 8).split(".")[0]
    assert verify_session(f"{forged}.{mac}", key, now_ms=1000) is None
    assert verify_session(f"{payload}.{mac[:-2]}xx", key, now_ms=1000) is None
    for junk in ["", ".", "a.b.c", "é.é", "x" * 5000, f"{payload}!.{mac}"]:
        assert verify_session(junk, key, now_ms=1000) is None


def _events(times: list[int]) -> list[RecordedEvent]:
    return [
        RecordedEvent(
            id=f"e{i}", timestamp=t, type="stop", session_id="s", recorded_at=t, relative_time_ms=t
        )
        for i, t in enumerate(times)
    ]


@pytest.mark.parametrize(
    ("times", "limit", "kept", "next_from"),
    [
        ([0, 1, 2], 5, 3, None),
        ([0, 1, 2, 3], 2, 2, 2),
        ([0, 1, 1, 1, 2], 2, 1, 1),  # never between two events of the same millisecond
        ([5, 5, 5, 6], 2, 3, 6),  # one millisecond busier than the limit: all of it
        ([5, 5, 5], 2, 3, None),
    ],
)
def test_cut_events_cuts_between_milliseconds(
    times: list[int], limit: int, kept: int, next_from: int | None
) -> None:
    events, nxt = cut_events(_events(times), limit)
    assert len(events) == kept
    assert nxt == next_from


def test_following_next_from_ms_sees_every_event_once() -> None:
    events = _events([0, 0, 1, 2, 2, 2, 3, 7, 7, 9])
    seen: list[str] = []
    low = 0
    while True:
        window = [e for e in events if e.relative_time_ms >= low]
        page, nxt = cut_events(window, 3)
        seen += [e.id for e in page]
        if nxt is None:
            break
        low = nxt
    assert seen == [e.id for e in events]


def test_window_bounds() -> None:
    assert window_bounds(None, None) == (0, MAX_WINDOW_MS)
    assert window_bounds(10, 20) == (10, 20)
    with pytest.raises(ApiError) as inverted:
        window_bounds(20, 10)
    assert inverted.value.code == "invalid_window"
    with pytest.raises(ApiError) as too_long:
        window_bounds(0, MAX_WINDOW_MS + 1)
    assert too_long.value.status == 400 and too_long.value.code == "window_too_large"


def test_parse_time() -> None:
    assert parse_time("1754006400000", "since") == 1_754_006_400_000
    assert parse_time("2025-08-01", "since") == 1_754_006_400_000
    assert parse_time("2025-08-01", "until", end_of_day=True) == 1_754_006_400_000 + 86_400_000
    assert parse_time("2025-08-01T00:00:00Z", "since") == 1_754_006_400_000
    assert parse_time("2025-08-01T02:00:00+02:00", "since") == 1_754_006_400_000
    assert parse_time("2025-08-01T00:00:00", "since") == 1_754_006_400_000  # naive is UTC
    for bad in ["yesterday", "2025-13-01", "", "1e9"]:
        with pytest.raises(ApiError) as error:
            parse_time(bad, "since")
        assert error.value.status == 422 and "since" in error.value.message


def test_safe_next_allows_only_local_paths() -> None:
    assert safe_next("/api/replays") == "/api/replays"
    for bad in [None, "", "https://evil.example", "//evil.example", "/\\evil", "/x\r\nSet-Cookie:"]:
        assert safe_next(bad) == "/"


def test_loopback_detection() -> None:
    for host in ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST"]:
        assert is_loopback(host), host
    for host in ["0.0.0.0", "::", "192.168.1.5", "example.com", "localhost.evil.com"]:
        assert not is_loopback(host), host


def test_server_mode_follows_database_and_host(tmp_path: Path) -> None:
    base = load_settings({"VIBECAST_HOME": str(tmp_path)})
    local = ServerSettings.load(base, env={})
    assert not local.auth_required and local.share_days == 30
    assert ServerSettings.load(base, host="0.0.0.0", env={}).auth_required
    pg = load_settings(
        {"VIBECAST_HOME": str(tmp_path), "VIBECAST_DATABASE_URL": "postgresql://x@h/db"}
    )
    assert ServerSettings.load(pg, env={}).auth_required
    custom = ServerSettings.load(
        base, env={"VIBECAST_SHARE_DAYS": "7", "VIBECAST_PUBLIC_URL": "https://r.example.com/"}
    )
    assert custom.share_days == 7 and custom.public_url == "https://r.example.com"
    for bad in ["0", "seven", "99999"]:
        with pytest.raises(ConfigError, match="VIBECAST_SHARE_DAYS"):
            ServerSettings.load(base, env={"VIBECAST_SHARE_DAYS": bad})


def test_secret_key_is_kept_private_and_stable(tmp_path: Path) -> None:
    first = load_secret_key(tmp_path, {})
    path = tmp_path / "server-secret"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_secret_key(tmp_path, {}) == first and len(first) >= 32
    assert load_secret_key(tmp_path, {"VIBECAST_SECRET_KEY": "x" * 20}) == b"x" * 20
    with pytest.raises(ConfigError):
        load_secret_key(tmp_path, {"VIBECAST_SECRET_KEY": "short"})


def _run_asgi(app, body_chunks: list[bytes], headers: list[tuple[bytes, bytes]]) -> list[dict]:
    """Drive an ASGI app with a body in chunks; returns what it sent."""
    messages = [
        {"type": "http.request", "body": chunk, "more_body": i < len(body_chunks) - 1}
        for i, chunk in enumerate(body_chunks)
    ]
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "headers": headers, "path": "/"}
    asyncio.run(app(scope, receive, send))
    return sent


async def _echo_length(scope, receive, send) -> None:
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


def test_body_limit_counts_streamed_bodies_too() -> None:
    app = BodyLimitMiddleware(_echo_length, max_bytes=10)
    ok = _run_asgi(app, [b"12345", b"12345"], [])
    assert ok[0]["status"] == 200 and ok[1]["body"] == b"10"
    over = _run_asgi(app, [b"123456", b"123456"], [])
    assert over[0]["status"] == 413
    assert json.loads(over[1]["body"])["error"]["code"] == "body_too_large"
    declared = _run_asgi(app, [b""], [(b"content-length", b"11")])
    assert declared[0]["status"] == 413
    nonsense = _run_asgi(app, [b""], [(b"content-length", b"eleven")])
    assert nonsense[0]["status"] == 400


def test_same_origin_guard_and_a_trusted_public_url() -> None:
    proxied = [(b"host", b"127.0.0.1:8642"), (b"origin", b"https://replays.example.com")]
    plain = SameOriginMiddleware(_echo_length)
    assert _run_asgi(plain, [b""], proxied)[0]["status"] == 403
    behind_proxy = SameOriginMiddleware(
        _echo_length, trusted=(origin_of("https://replays.example.com/vibecast"),)
    )
    assert _run_asgi(behind_proxy, [b""], proxied)[0]["status"] == 200
    same = [(b"host", b"127.0.0.1:8642"), (b"origin", b"http://127.0.0.1:8642")]
    assert _run_asgi(plain, [b""], same)[0]["status"] == 200
    assert _run_asgi(plain, [b""], [(b"host", b"x"), (b"origin", b"null")])[0]["status"] == 403
    assert _run_asgi(plain, [b""], [(b"host", b"x")])[0]["status"] == 200  # not a browser
