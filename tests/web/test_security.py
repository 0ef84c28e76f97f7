"""Injection: a replay whose prompts, assistant text, thinking, tool inputs and outputs, file
names, tool names, title and description hold ``<script>``, ``<img onerror>``, ``<svg onload>``,
``javascript:`` links and iframes, imported through the real pipeline and shown in Chromium by
the replay browser, the player (now-showing panel, feed, timeline tooltips) and the public
viewer. Nothing may run: ``window.__pwned`` stays unset, no dialog opens, no element with an
event-handler attribute or a ``javascript:`` link appears, and no CSP violation is reported (the
``page`` fixture fails on those). Every HTML answer carries the Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from web_helpers import HOSTILE, Screenshot, WebServer, frames, hostile_transcript, open_my_replays

from vibecast.model import Replay
from vibecast.web.csp import content_security_policy

SESSION = "bad0bad0-0000-4000-8000-00000000c0de"

# Elements or attributes that only exist if replay content became markup.
INJECTED = (
    "[onerror],[onload],[onclick],[srcdoc],iframe,object,embed,"
    "a[href^='javascript:' i],img[src='x'],script:not([src])"
)


@pytest.fixture(scope="module")
def hostile(web_server: WebServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replay]:
    directory = tmp_path_factory.mktemp("hostile")
    [replay] = web_server.import_files([hostile_transcript(directory, SESSION)])
    with web_server.api() as http:
        edit = {"title": f"Title {HOSTILE}"[:200], "description": HOSTILE}
        assert http.patch(f"/api/replays/{replay.id}", json=edit).status_code == 200
        yield replay
        http.delete(f"/api/replays/{replay.id}")


def _inert(page) -> None:
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator(INJECTED).count() == 0, page.eval_on_selector_all(
        INJECTED, "els => els.map(e => e.outerHTML.slice(0, 200))"
    )


def _html_answers_have_the_policy(page) -> list[str]:
    """Collects every HTML document the page loads and checks its CSP header."""
    seen: list[str] = []

    def check(response) -> None:
        if response.headers.get("content-type", "").startswith("text/html"):
            policy = response.headers.get("content-security-policy", "")
            assert "script-src 'self'" in policy and "default-src 'self'" in policy, response.url
            seen.append(response.url)

    page.on("response", check)
    return seen


def test_browser_page_shows_hostile_replay_as_text(
    page, web_server: WebServer, hostile: Replay, screenshot: Screenshot
) -> None:
    documents = _html_answers_have_the_policy(page)
    open_my_replays(page, web_server, "?q=__pwned")
    card = page.locator(f'.vb-card[data-replay-id="{hostile.id}"]')
    assert "<script>window.__pwned='script'</script>" in card.locator(".vb-title").inner_text()
    assert "<img src=x" in card.locator(".vb-description").inner_text()
    for tool in card.locator(".vb-tool").all():
        tool.hover()
    card.locator(".vb-share-button").click()
    card.locator(".vb-share-url").wait_for()
    page.wait_for_timeout(200)
    _inert(page)
    assert documents
    screenshot(page, "security-browser.png", full_page=True)


def _sweep_player(page) -> str:
    """Seek to every event (the panel and feed show each in full), hover the whole timeline
    (its tooltips), play a moment; returns the page text seen along the way."""
    page.wait_for_selector("body[data-player-ready=true]")
    times = page.evaluate(
        "() => window.vibecastPlayer.player.timeline.events.map(e => e.relative_time_ms)"
    )
    assert times, "the player has no events"
    texts = []
    for t in sorted(set(times)):
        page.evaluate("t => window.vibecastPlayer.player.seek(t)", t)
        frames(page, 2)
        texts.append(page.inner_text("body"))
        _inert(page)
    canvas = page.locator("canvas.timeline-canvas")
    box = canvas.bounding_box()
    assert box is not None
    for step in range(0, 41):
        page.mouse.move(box["x"] + box["width"] * step / 40, box["y"] + box["height"] / 2)
        tooltip = page.locator(".timeline-tooltip")
        if tooltip.is_visible():
            texts.append(tooltip.inner_text())
    page.keyboard.press("0")
    page.keyboard.press("Space")
    page.wait_for_timeout(500)
    page.keyboard.press("Space")
    _inert(page)
    return "\n".join(texts)


def test_player_shows_hostile_events_as_text(
    page, web_server: WebServer, hostile: Replay, screenshot: Screenshot
) -> None:
    documents = _html_answers_have_the_policy(page)
    page.goto(f"{web_server.url}/replays/{hostile.id}")
    seen = _sweep_player(page)
    # The markup is there, as text, for the viewer to read.
    assert "<script>window.__pwned='script'</script>" in seen
    assert "javascript:window.__pwned" in seen
    assert documents == [f"{web_server.url}/replays/{hostile.id}"]
    screenshot(page, "security-player.png")


def test_public_viewer_shows_hostile_events_as_text(
    sized_page: Any, web_server: WebServer, hostile: Replay, screenshot: Screenshot
) -> None:
    # a stranger's browser; its JS errors, CSP violations and dialogs fail the test
    with web_server.shared(hostile.id) as token, sized_page(1280, 800) as page:
        documents = _html_answers_have_the_policy(page)
        page.goto(f"{web_server.url}/s/{token}")
        seen = _sweep_player(page)
        assert "<img src=x onerror" in seen
        assert documents == [f"{web_server.url}/s/{token}"]
        screenshot(page, "security-public-viewer.png")


def test_every_html_answer_carries_the_policy(web_server: WebServer, hostile: Replay) -> None:
    policy = content_security_policy()
    with web_server.api() as http:
        for path in [
            "/",
            f"/replays/{hostile.id}",
            "/replays/missing",
            "/s/nope",
            "/login",
            "/no-such-page",
            "/static/export.html",
        ]:
            answer = http.get(path, follow_redirects=True)
            if answer.headers.get("content-type", "").startswith("text/html"):
                assert answer.headers["content-security-policy"] == policy, path
            assert answer.headers["x-content-type-options"] == "nosniff", path
