"""The page routes, the static assets and their security headers, through the real app on
uvicorn (plain HTTP; what Chromium makes of them is in the other test files)."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image
from web_helpers import WebServer

from vibecast.web.csp import content_security_policy

PAGES = ["/", "/replays/{id}", "/replays/{id}?embed=1"]


@pytest.fixture
def http(web_server: WebServer) -> Iterator[httpx.Client]:
    with web_server.api() as client:  # redirects are not followed: they are checked
        yield client


def _policy(answer: httpx.Response) -> dict[str, str]:
    policy = answer.headers["content-security-policy"]
    parts = [p.strip().split(" ", 1) for p in policy.split(";")]
    return {name: value for name, value in parts}


def test_pages_are_shells_with_a_strict_policy(web_server: WebServer, http: httpx.Client) -> None:
    replay = web_server.replay("fe5e1c67")
    for path in PAGES:
        answer = http.get(path.format(id=replay.id))
        assert answer.status_code == 200, path
        assert answer.headers["content-type"].startswith("text/html")
        policy = _policy(answer)
        assert policy["default-src"] == "'self'"
        assert policy["script-src"] == "'self'"
        assert policy["connect-src"] == "'self'"
        assert "unsafe-inline" not in answer.headers["content-security-policy"]
        assert "unsafe-eval" not in answer.headers["content-security-policy"]
        assert answer.headers["x-content-type-options"] == "nosniff"
        # No inline script or style anywhere: every script has a src, no style element.
        assert "<style" not in answer.text
        assert answer.text.count("<script") == answer.text.count("<script type=module src=")
    page = http.get(f"/replays/{replay.id}").text
    assert f'data-replay-id="{replay.id}"' in page and 'data-mode="owner"' in page
    assert _policy(http.get(f"/replays/{replay.id}"))["frame-ancestors"] == "'none'"
    assert _policy(http.get(f"/replays/{replay.id}?embed=1"))["frame-ancestors"] == "*"
    assert 'data-mode="embed"' in http.get(f"/replays/{replay.id}?embed=1").text


def test_public_viewer_page(web_server: WebServer, http: httpx.Client) -> None:
    replay = web_server.replay("5c0375b4")
    token = web_server.share(replay.id)
    answer = http.get(f"/s/{token}")
    assert answer.status_code == 200
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["cache-control"] == "no-store"
    assert _policy(answer)["frame-ancestors"] == "'none'"
    assert f'data-share-token="{token}"' in answer.text
    assert 'data-mode="public"' in answer.text and 'data-read-only="true"' in answer.text
    assert replay.id not in answer.text and replay.user_id not in answer.text
    # a link preview for the chat apps that unfurl it, with absolute URLs
    preview = _meta(answer.text)
    title = replay.title or replay.metadata.session_name
    assert preview["og:title"] == title and preview["og:url"] == f"{web_server.url}/s/{token}"
    assert preview["og:description"].startswith("Claude Code session replay · ")
    assert f"{replay.metadata.event_count} events" in preview["og:description"]
    assert preview["og:image"] == f"{web_server.url}/api/s/{token}/thumbnail"
    assert preview["twitter:card"] == "summary_large_image"
    image = http.get(preview["og:image"].removeprefix(web_server.url), timeout=60)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.headers["cache-control"] == "no-store"
    with Image.open(io.BytesIO(image.content)) as png:
        assert png.size == (int(preview["og:image:width"]), int(preview["og:image:height"]))
        assert len(png.getcolors(1 << 16) or range(1 << 16)) > 50  # a drawn frame, not blank
    embedded = http.get(f"/s/{token}?embed=1")
    assert _policy(embedded)["frame-ancestors"] == "*"
    assert "x-frame-options" not in embedded.headers
    assert "og:title" not in embedded.text  # a frame in someone's page is not a link
    http.delete(f"/api/replays/{replay.id}/share")
    assert http.get(preview["og:image"].removeprefix(web_server.url)).status_code == 404
    gone = http.get(f"/s/{token}")
    assert gone.status_code == 404
    assert gone.headers["content-security-policy"] == content_security_policy()
    assert gone.headers["referrer-policy"] == "no-referrer"


def _meta(page: str) -> dict[str, str]:
    """A page's ``<meta property|name=... content=...>`` tags, unescaped."""
    found = re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', page)
    return {name: html.unescape(content) for name, content in found}


def test_unknown_replay_and_link_get_the_not_found_page(http: httpx.Client) -> None:
    for path in ["/replays/nope", "/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "/s/x"]:
        answer = http.get(path)
        assert answer.status_code == 404, path
        assert "not found" in answer.text.lower()
        assert "content-security-policy" in answer.headers


BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def _not_found_page(answer: httpx.Response) -> tuple[str, str]:
    """A not-found page's heading and first paragraph, after checking it is one: a 404 in the
    app's look (its own stylesheets, no inline style or script) with the way back."""
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert _policy(answer)["script-src"] == "'self'"
    page = answer.text
    assert '<link rel=stylesheet href="/static/css/base.css">' in page
    assert "<style" not in page and "<script" not in page
    assert '<a class=home-link href="/">Go to My Replays</a>' in page
    found = re.search(r"<h1>(.*?)</h1><p>(.*?)</p>", page)
    assert found, page
    return html.unescape(found[1]), html.unescape(found[2])


def test_not_found_pages_say_what_was_not_found(web_server: WebServer, http: httpx.Client) -> None:
    title, why = _not_found_page(http.get("/replays/00000000-0000-4000-8000-000000000000"))
    assert title == "Replay not found" and "link" not in why  # the owner's URL: no share link
    for token in ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "x"]:
        gone = http.get(f"/s/{token}")
        title, why = _not_found_page(gone)
        assert title == "Share link not found" and "expired, or was revoked" in why
        assert gone.headers["referrer-policy"] == "no-referrer"
        assert gone.headers["cache-control"] == "no-store"
    # a revoked link says so too
    replay = web_server.replay("5c0375b4")
    token = web_server.share(replay.id)
    http.delete(f"/api/replays/{replay.id}/share")
    assert _not_found_page(http.get(f"/s/{token}"))[0] == "Share link not found"


def test_unknown_path_html_for_browsers_json_for_the_rest(http: httpx.Client) -> None:
    title, _ = _not_found_page(http.get("/nonexistent-page", headers=BROWSER))
    assert title == "Page not found"
    assert _not_found_page(http.get("/replays/", headers={"Accept": "text/html"}))
    # API paths, scripts and clients that do not ask for HTML keep the JSON error
    for path, headers in [
        ("/nonexistent-page", {}),
        ("/nonexistent-page", {"Accept": "application/json"}),
        ("/nonexistent-page", {"Accept": "text/html;q=0, application/json"}),
        ("/api/nonexistent", BROWSER),
        ("/api/replays/nope", BROWSER),
    ]:
        answer = http.get(path, headers=headers)
        assert answer.status_code == 404, (path, headers)
        assert answer.headers["content-type"] == "application/json", (path, headers)
        assert answer.json()["error"]["code"] == "not_found"


def test_titles_are_escaped_in_the_shell(web_server: WebServer, http: httpx.Client) -> None:
    replay = web_server.replay("1af7fc5e")
    hostile = '"><script>window.__pwned=1</script><img src=x onerror=alert(1)>'
    assert http.patch(f"/api/replays/{replay.id}", json={"title": hostile}).status_code == 200
    try:
        page = http.get(f"/replays/{replay.id}").text
        assert "<script>window" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page
        shared = http.get(f"/s/{web_server.share(replay.id)}").text  # its link preview too
        assert "<script>window" not in shared and "<img src=x" not in shared
        assert _meta(shared)["og:title"] == hostile
        http.delete(f"/api/replays/{replay.id}/share")
    finally:
        http.patch(f"/api/replays/{replay.id}", json={"title": replay.title or "untitled"})


def test_static_assets_types_and_caching(http: httpx.Client) -> None:
    script = http.get("/static/js/api.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["cache-control"] == "no-cache"
    assert script.headers["x-content-type-options"] == "nosniff"
    again = http.get("/static/js/api.js", headers={"If-None-Match": script.headers["etag"]})
    assert again.status_code == 304
    icon = http.get("/static/browser-icon.svg")
    assert icon.headers["content-type"] == "image/svg+xml"
    assert http.get("/static/../pages.py").status_code == 404
    assert http.get("/static/nope.js").status_code == 404


def test_capture_status(http: httpx.Client) -> None:
    answer = http.get("/api/capture/status")
    assert answer.status_code == 200
    status = answer.json()
    assert status["mode"] == "local"
    assert status["hooks_installed"] is False  # the test's fresh HOME has no Claude settings
    assert "PreToolUse" in status["hooks_missing"]
    assert status["install_command"] == "vibecast hooks install"
    assert status["spool_events"] == 0


def test_server_mode_pages_need_a_login(team_server: WebServer) -> None:
    replay = team_server.replays[0]
    with team_server.api() as anonymous:
        for path, target in [
            ("/", "/login?next=/"),
            (f"/replays/{replay.id}", f"/login?next=/replays/{replay.id}"),
            (f"/replays/{replay.id}?embed=1", f"/login?next=/replays/{replay.id}%3Fembed%3D1"),
        ]:
            answer = anonymous.get(path)
            assert answer.status_code == 303, path
            assert answer.headers["location"] == target
        assert anonymous.get("/api/capture/status").status_code == 401
        _, token = team_server.users["alice"]
        alice = {"Authorization": f"Bearer {token}"}
        _, bob_token = team_server.users["bob"]
        bob = {"Authorization": f"Bearer {bob_token}"}
        assert anonymous.get(f"/replays/{replay.id}", headers=bob).status_code == 404  # private
        shared = anonymous.post(
            f"/api/replays/{replay.id}/share", json={"is_public": True}, headers=alice
        ).json()["share_token"]
        assert anonymous.get(f"/s/{shared}").status_code == 200  # the public viewer: no login
        assert anonymous.get("/", headers=alice).status_code == 200
        status = anonymous.get("/api/capture/status", headers=alice).json()
        assert status["mode"] == "server" and status["hooks_installed"] is None
        anonymous.delete(f"/api/replays/{replay.id}/share", headers=alice)
