"""The page routes and their security headers, through the real app on uvicorn."""

from __future__ import annotations

import httpx
from web_helpers import WebServer


def test_server_answers(web_server: WebServer) -> None:
    answer = httpx.get(f"{web_server.url}/api/health", timeout=10)
    assert answer.status_code == 200
    assert answer.json()["mode"] == "local"


def test_chromium_opens_the_index(web_server: WebServer, page, screenshots_dir) -> None:
    page.goto(web_server.url + "/")
    assert page.title()
