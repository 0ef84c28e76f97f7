"""``vibecast serve``: the REST API, share links and web pages, and the recorder with them.

Registered on the main group by :mod:`vibecast.cli.main`, which imports this module only to run
(or list) the command: it loads the web app.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import urllib.request
import webbrowser

import click

from vibecast.cli.common import CommandError, Context, err_console, handle_errors, pass_context
from vibecast.server.settings import DEFAULT_HOST, DEFAULT_PORT, ServerSettings, is_loopback

__all__ = ["serve_command"]


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


@click.command("serve")
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to bind.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535))
@click.option("--open", "open_browser", is_flag=True, help="Open the browser once it is up.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (server mode on PostgreSQL: one per core).",
)
@click.option(
    "--access-log",
    is_flag=True,
    envvar="VIBECAST_ACCESS_LOG",
    help="Log every request on stderr (default: only warnings, e.g. refused sign-ins).",
)
@pass_context
@handle_errors
def serve_command(
    state: Context, host: str, port: int, open_browser: bool, workers: int, access_log: bool
) -> None:
    """Serve the REST API, share links and web pages (API docs at /docs).

    Local mode (the default: SQLite on 127.0.0.1) needs no login. Binding beyond loopback, or a
    postgresql:// database, is server mode: every API call needs a token
    (`vibecast users add NAME`, then `vibecast tokens create NAME`), and this machine's Claude
    Code sessions are recorded only as `vibecast --user NAME serve` names.
    """
    from vibecast.server.logs import configure_serve_logging, log_startup
    from vibecast.server.runner import run

    settings = ServerSettings.load(
        state.settings,
        host=host,
        port=port,
        record=True,
        capture_user=state.user_id if state.user_name else None,
        recorder_owner=f"vibecast serve (pid {os.getpid()})",
    )
    store = state.store
    if settings.auth_required and not any(not t.revoked for t in store.list_tokens()):
        how = (
            "create a user with `vibecast users add NAME --admin` and a token with "
            "`vibecast tokens create NAME`"
        )
        if not is_loopback(host):
            raise CommandError(
                f"refusing to serve on {host} with no way to log in (no active API token): {how}"
            )
        err_console.print(
            f"[yellow]warning:[/] server mode and no active API token: every API call gets 401; "
            f"{how}.",
            markup=True,
        )
    _check_bindable(host, port)
    url = _url(host if host not in ("0.0.0.0", "::") else "127.0.0.1", port)
    mode = "server mode: token or login needed" if settings.auth_required else "local mode"
    err_console.print(
        f"vibecast serving {url} ({mode}); API docs at {url}/docs. Ctrl+C stops.",
        highlight=False,
    )
    configure_serve_logging(access_log)
    log_startup(settings, capture_name=state.user_name, access_log=access_log)
    if open_browser:
        threading.Thread(target=_open_when_up, args=(url,), daemon=True).start()
    # uvicorn shuts down cleanly on Ctrl+C, then raises it again for the caller: we are done.
    with contextlib.suppress(KeyboardInterrupt):
        try:
            run(
                settings,
                None if workers > 1 else store,
                workers=workers,
                access_log=access_log,
            )
        except SystemExit as exc:
            if exc.code:  # uvicorn could not start (it logged why)
                raise CommandError(f"could not serve on {host}:{port}") from exc
    err_console.print("Stopped.")


def _check_bindable(host: str, port: int) -> None:
    """Fail with one clear line if the address is taken or not ours, before saying we serve."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise CommandError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from exc


def _open_when_up(url: str, timeout: float = 15.0) -> None:
    """Open the browser once the server answers (whichever process runs it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=1):
                pass
        except OSError:
            time.sleep(0.1)
            continue
        webbrowser.open(url)
        return
