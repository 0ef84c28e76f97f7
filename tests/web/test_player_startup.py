"""How the player starts: every module it loads is announced in the shell (modulepreload, so
the browser asks for all of them at once), and the first window of events is requested by the
shell while the modules load and used by the player — one request, not two. The chrome and the
empty scene are drawn before the events arrive."""

from __future__ import annotations

import re
from typing import Any

from web_helpers import WebServer, open_player

from vibecast.web.modulegraph import module_graph
from vibecast.web.pages import STATIC_DIR

SESSION = "fe5e1c67"


def test_shell_preloads_the_module_graph_and_the_first_window(
    web_server: WebServer, page: Any
) -> None:
    replay = web_server.replay(SESSION)
    requests: list[str] = []
    warnings: list[str] = []
    page.on("request", lambda r: requests.append(r.url.replace(web_server.url, "")))
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    response = open_player(page, f"{web_server.url}/replays/{replay.id}")
    assert response is not None
    shell = response.text()

    preloaded = set(re.findall(r'<link rel=modulepreload href="/static/([^"]+)"', shell))
    assert preloaded == set(module_graph(STATIC_DIR, "js/player-main.js"))
    loaded = {
        url.removeprefix("/static/")
        for url in requests
        if url.startswith("/static/js/") and url != "/static/js/player-main.js"
    }
    assert loaded == preloaded  # nothing the browser had to discover level by level

    first = f"/api/replays/{replay.id}?to_ms=59999&events_limit=200"
    html_first = first.replace("&", "&amp;")
    assert f'<link rel=preload as=fetch crossorigin href="{html_first}">' in shell
    assert requests.count(first) == 1, requests  # the preload was the player's request
    assert not [w for w in warnings if "preload" in w], warnings
    # The export button: shown because /api/health lists "export", not by reading the schema.
    page.wait_for_selector("button.export:not([hidden])")
    assert "/api/health" in requests
    assert "/openapi.json" not in requests

    hooks = page.evaluate(
        "() => ({skeleton: window.vibecastPlayer.skeletonAt,"
        " first: window.vibecastPlayer.firstFrameAt})"
    )
    assert 0 < hooks["skeleton"] <= hooks["first"]


def test_public_viewer_preloads_its_first_window(web_server: WebServer, page: Any) -> None:
    with web_server.shared(web_server.replay(SESSION).id) as token:
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url.replace(web_server.url, "")))
        open_player(page, f"{web_server.url}/s/{token}")
        assert requests.count(f"/api/s/{token}?to_ms=59999&events_limit=200") == 1, requests
