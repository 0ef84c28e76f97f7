"""The player's Export dialog in real Chromium against a real export (FFmpeg, the server's own
queue): it shows the job's state and progress, Stop export stops the job on the server and the
dialog's polling, and closing the dialog leaves the job running and followed until it ends."""

from __future__ import annotations

import re
from typing import Any

import httpx
from web_helpers import Screenshot, WebServer, open_player

SESSION = "fe5e1c67"  # long enough to be still running when cancelled
JOB_URL = re.compile(r"/api/replays/exports/(exp_[0-9a-f]{24})$")


def _open_dialog(page: Any, web_server: WebServer) -> Any:
    open_player(page, web_server.player_url(SESSION))
    page.locator("button.export").click()  # shown once /api/health lists "export"
    dialog = page.locator(".export-dialog")
    dialog.wait_for(state="visible")
    return dialog


def _start(dialog: Any, previous: str | None = None) -> str:
    """Start a 720p export; its job id once the dialog follows it."""
    dialog.locator("select[aria-label=Resolution]").select_option("720p")
    dialog.locator("button.primary", has_text="Export").click()
    dialog.locator(".export-cancel").wait_for(state="visible")
    job_id = dialog.get_attribute("data-job-id")
    assert job_id and job_id != previous
    return job_id


def _job(web_server: WebServer, job_id: str) -> dict[str, Any]:
    answer = httpx.get(f"{web_server.url}/api/replays/exports/{job_id}", timeout=10)
    answer.raise_for_status()
    return answer.json()


def _wait_processing(page: Any) -> None:
    """Until the dialog shows the job processing with some progress (bar and percentage)."""
    page.wait_for_function(
        """() => {
          const bar = document.querySelector('.export-dialog progress');
          const text = document.querySelector('.export-dialog .export-status').textContent;
          return bar && !bar.hidden && bar.hasAttribute('value') && bar.value > 0
            && /^Processing: \\d+ %$/.test(text);
        }""",
        timeout=60_000,
    )


def _cancel(page: Any, dialog: Any, web_server: WebServer, job_id: str) -> None:
    dialog.locator(".export-cancel").click()
    dialog.locator(".export-status", has_text="Export cancelled").wait_for(timeout=30_000)
    assert _job(web_server, job_id)["status"] == "cancelled"
    assert dialog.locator(".export-cancel").is_hidden()
    assert dialog.locator("progress").is_hidden()
    assert dialog.locator("button.primary", has_text="Export").is_enabled()
    assert dialog.locator("select[aria-label=Resolution]").is_enabled()


def test_cancel_stops_the_job_and_the_polling_and_allows_a_new_export(
    page: Any, web_server: WebServer, screenshot: Screenshot
) -> None:
    polled: list[str] = []
    page.on(
        "request",
        lambda r: polled.append(m.group(1)) if (m := JOB_URL.search(r.url)) else None,
    )
    dialog = _open_dialog(page, web_server)
    job_id = _start(dialog)
    try:
        _wait_processing(page)
        screenshot(dialog, "player-export-processing.png")
        assert _job(web_server, job_id)["status"] == "processing"
        _cancel(page, dialog, web_server, job_id)
        after = len(polled)
        page.wait_for_timeout(2500)  # over two poll periods: nothing more asked
        assert len(polled) == after, polled[after:]
        # and it can start again: a new job, followed and cancelled the same way
        second = _start(dialog, previous=job_id)
        _cancel(page, dialog, web_server, second)
    finally:
        for job in {job_id, dialog.get_attribute("data-job-id")} - {None}:
            httpx.delete(f"{web_server.url}/api/replays/exports/{job}", timeout=10)


def test_closing_the_dialog_keeps_the_job_and_reopening_shows_it(
    page: Any, web_server: WebServer
) -> None:
    dialog = _open_dialog(page, web_server)
    job_id = _start(dialog)
    try:
        page.locator("button.export").click()  # closes the dialog
        dialog.wait_for(state="hidden")
        page.wait_for_timeout(1500)
        assert _job(web_server, job_id)["status"] in {"queued", "processing"}  # not cancelled
        page.locator("button.export").click()  # reopened: the same job, still followed
        dialog.wait_for(state="visible")
        assert dialog.get_attribute("data-job-id") == job_id
        _wait_processing(page)
        _cancel(page, dialog, web_server, job_id)
    finally:
        httpx.delete(f"{web_server.url}/api/replays/exports/{job_id}", timeout=10)
