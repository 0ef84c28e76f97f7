"""The export render contract (static/export.html + window.vibecastExport) in real Chromium:
data given directly, and renderAt(t) deterministic whatever was rendered before."""

from __future__ import annotations

import itertools
from typing import Any

from web_helpers import Screenshot, WebServer, export_payload, open_export

NOTE = {"id": "a1", "timestamp_ms": 30_000, "text": "<b>not bold</b>", "kind": "note"}


def _payload(web_server: WebServer) -> dict[str, Any]:
    return export_payload(web_server, "fe5e1c67", [NOTE])


def _shots(page: Any) -> list[Any]:
    """The frame's parts: the scene and the timeline bar pixel for pixel, the panel as text
    (its text antialiasing may differ by a few pixels from one layout to the next)."""
    return [
        page.evaluate("() => document.querySelector('canvas.scene-canvas').toDataURL()"),
        page.locator(".timeline-bar").screenshot(),
        page.locator(".comp-header").screenshot(),
        page.locator(".now-showing").inner_text(),
    ]


def _load(page: Any, web_server: WebServer) -> dict[str, Any]:
    return open_export(page, web_server, _payload(web_server))


def test_render_at_is_deterministic(
    web_server: WebServer, page: Any, screenshot: Screenshot
) -> None:
    loaded = _load(page, web_server)
    assert loaded["durationMs"] == web_server.replay("fe5e1c67").metadata.duration_ms
    render = "t => window.vibecastExport.renderAt(t)"
    first = page.evaluate(render, 31_000)
    shot_first = _shots(page)
    screenshot(page, "export-frame-31s.png")
    other = page.evaluate(render, 200_000)
    shot_other = _shots(page)
    again = page.evaluate(render, 31_000)
    shot_again = _shots(page)
    assert first == again
    assert shot_first == shot_again
    assert other != first
    assert shot_other != shot_first
    # the annotation pops up as text, and there are no buttons in a video frame
    assert page.locator(".popup-text").inner_text() == "<b>not bold</b>"
    assert page.locator("button").count() == 0


def test_same_signature_means_same_pixels(web_server: WebServer, page: Any) -> None:
    _load(page, web_server)
    render = "t => window.vibecastExport.renderAt(t)"
    # paused between two events far apart: the frame does not change, nor its signature
    times = sorted({e["relative_time_ms"] for e in _payload(web_server)["events"]})
    gap_start = max(itertools.pairwise(times), key=lambda p: p[1] - p[0])[0]
    a = page.evaluate(render, gap_start + 5_000)
    shot_a = page.screenshot(clip={"x": 0, "y": 48, "width": 1280, "height": 600})
    b = page.evaluate(render, gap_start + 5_000)
    shot_b = page.screenshot(clip={"x": 0, "y": 48, "width": 1280, "height": 600})
    assert a == b
    assert shot_a == shot_b


def test_load_refuses_bad_input(web_server: WebServer, page: Any) -> None:
    _load(page, web_server)
    message = page.evaluate(
        "() => window.vibecastExport.load({replay: {}, events: 'x'}).then(() => '', e => e.message)"
    )
    assert "events must be an array" in message
