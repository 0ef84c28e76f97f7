"""Browser test fixtures: real headless Chromium (Debian's, driven by Playwright) against the real
app on a real uvicorn, over a store holding the shared transcripts imported through the pipeline.

- ``chromium``: one Playwright Browser per test session. Missing Chromium or Playwright skips the
  browser tests with the reason — unless ``CI=true``, where it fails.
- ``web_server``: the app in local mode (SQLite, no login) on 127.0.0.1 and a free port, its data
  dir a temp ``VIBECAST_HOME`` with the shared transcripts imported. ``team_server``: the same in
  server mode (login by cookie or bearer token) with users alice and bob.
- ``page``: a fresh browser context and page per test. A JavaScript error, a console error, a
  Content-Security-Policy violation or a dialog (``alert``...) fails the test unless the test
  said it expects it (``console.allow(pattern)``). ``sized_page``: the same in a window of a
  given size (a phone's when narrow); ``fresh_page``: a stranger's browser, not watched.
- ``screenshots_dir``: ``test-artifacts/screenshots/`` (git-ignored), kept after the run so a
  reviewer can look at the pages; ``screenshot(page_or_locator, name)`` saves one there.

The steps of opening a page and waiting for it are functions of ``web_helpers``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from web_helpers import Console, Screenshot, WebServer, watch

from required import unavailable
from served import free_port
from vibecast.config import load_settings
from vibecast.export.renderer import CHROMIUM_ARGS  # the exporter's flags: same pixels
from vibecast.pipeline import import_paths
from vibecast.server import ServerSettings, create_app
from vibecast.server.tokens import hash_token, new_api_token
from vibecast.store import open_store
from vibecast.store.base import ApiToken, Store, User

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("VIBECAST_CHROMIUM", "/usr/bin/chromium"))
TRANSCRIPTS = "claude-code/transcripts"
VIEWPORT = {"width": 1280, "height": 800}
SECRET_KEY = b"web-test-secret-key-0123456789abcdef"


def _unavailable(reason: str) -> None:
    unavailable(
        f"browser tests need Chromium and Playwright: {reason}",
        "the web UI must be tested in a real browser",
    )


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """A headless Chromium (``/usr/bin/chromium``) driven by Playwright, per test module.

    Not per session: a started sync Playwright keeps its event loop on this thread, and the
    export tests' renderer (sync Playwright too) refuses to start inside it when pytest runs
    them after a web module in the same process."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _unavailable("the Python package playwright is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found (apt-get install chromium, or scripts/test)")
    playwright = sync_playwright().start()
    try:
        try:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, timeout=30_000
            )
        except Error as exc:
            _unavailable(f"{CHROMIUM} did not start: {str(exc).splitlines()[0]}")
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    """Where tests save screenshots for reviewers (git-ignored; later runs overwrite)."""
    directory = ROOT / "test-artifacts" / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(scope="session")
def screenshot(screenshots_dir: Path) -> Screenshot:
    """``screenshot(page_or_locator, "name.png", **options)``: saved in ``screenshots_dir``."""
    return Screenshot(screenshots_dir)


def _add_user(store: Store, name: str, *, admin: bool = False) -> tuple[User, str]:
    user = store.create_user(name, is_admin=admin)
    token = new_api_token()
    store.add_token(
        ApiToken(
            id=f"tok-{name}",
            user_id=user.id,
            name="web tests",
            token_hash=hash_token(token),
            created_at=int(time.time() * 1000),
        )
    )
    return user, token


@contextmanager
def _serve(app: Any) -> Iterator[str]:
    """Run ``app`` on uvicorn in a thread on a free loopback port; stop it afterwards."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=2
        )
    )
    thread = threading.Thread(target=server.run, name="web-test-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("uvicorn did not start for the browser tests")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _server_fixture(
    tmp_path_factory: pytest.TempPathFactory, shared_data: Path, *, server_mode: bool
) -> Iterator[WebServer]:
    home = tmp_path_factory.mktemp("web-server-mode" if server_mode else "web-local")
    settings = load_settings({"VIBECAST_HOME": str(home / "vibecast"), "HOME": str(home)})
    store = open_store(settings.database_url)
    try:
        users: dict[str, tuple[User, str]] = {}
        owner = "local"
        if server_mode:
            users = {"alice": _add_user(store, "alice", admin=True), "bob": _add_user(store, "bob")}
            owner = users["alice"][0].id
        summary = import_paths(
            store, settings, [shared_data / TRANSCRIPTS], user_id=owner, force=True
        )
        assert summary.replay_ids, summary.issues
        replays = [r for r in map(store.get_replay, summary.replay_ids) if r is not None]
        server = ServerSettings.load(
            settings, env={}, server_mode=server_mode, secret_key=SECRET_KEY
        )
        app = create_app(server, store=store)
        with _serve(app) as url:
            yield WebServer(url, store, settings, replays, users)
    finally:
        store.close()


@pytest.fixture(scope="session")
def web_server(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[WebServer]:
    """The app in local mode (no login) with the shared transcripts imported, for the session."""
    yield from _server_fixture(tmp_path_factory, shared_data, server_mode=False)


@pytest.fixture(scope="session")
def team_server(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[WebServer]:
    """The app in server mode (login needed): alice (admin) owns the shared transcripts, bob
    owns nothing."""
    yield from _server_fixture(tmp_path_factory, shared_data, server_mode=True)


# Reports CSP violations as console errors even where Chromium would only count them.
_CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI);
});
"""


@pytest.fixture
def console() -> Console:
    return Console()


@contextmanager
def _context(chromium: Any, width: int, height: int, **options: Any) -> Iterator[Any]:
    """A new context (no cookies, no storage) with a window of that size, reporting CSP
    violations as console errors; closed when the ``with`` ends."""
    context = chromium.new_context(viewport={"width": width, "height": height}, **options)
    context.add_init_script(_CSP_LISTENER)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def browser_context(chromium: Any) -> Iterator[Any]:
    """A fresh context (no cookies, no storage) per test."""
    with _context(chromium, **VIEWPORT, accept_downloads=True) as context:
        context.set_default_timeout(15_000)
        yield context


PHONE_WIDTH = 768  # narrower windows are phones: touch, two device pixels per CSS pixel


@pytest.fixture
def sized_page(chromium: Any, console: Console) -> Callable[..., AbstractContextManager]:
    """``with sized_page(width, height, **context_options) as page``: a page in a window of that
    size (a phone's below :data:`PHONE_WIDTH`), in a context of its own (``extra_http_headers``
    to log in...); its JS errors, CSP violations and dialogs fail the test when the ``with``
    ends."""

    @contextmanager
    def opened(width: int, height: int, **options: Any) -> Iterator[Any]:
        phone = width < PHONE_WIDTH
        looks = {"device_scale_factor": 2 if phone else 1, "is_mobile": phone, "has_touch": phone}
        with _context(chromium, width, height, **looks, **options) as context:
            yield watch(context.new_page(), console)
            assert not console.unexpected() and not console.dialogs, console.errors

    return opened


@pytest.fixture
def fresh_page(chromium: Any) -> Callable[..., AbstractContextManager]:
    """``with fresh_page(width, height) as page``: a page in a context of its own, as a
    stranger's browser opens a link (no cookies), desktop-like at any size. Nothing on it is
    watched: for a second page beside ``page`` that is meant to meet errors (a revoked link),
    or for layouts measured alone."""

    @contextmanager
    def opened(
        width: int = VIEWPORT["width"], height: int = VIEWPORT["height"], **options: Any
    ) -> Iterator[Any]:
        with _context(chromium, width, height, **options) as context:
            yield context.new_page()

    return opened


@pytest.fixture
def page(browser_context: Any, console: Console) -> Iterator[Any]:
    """A page whose JS errors, CSP violations and dialogs fail the test."""
    opened = watch(browser_context.new_page(), console)
    yield opened
    problems = console.unexpected() + console.dialogs
    if problems:
        failed = "\n".join(console.failed)
        pytest.fail("the page reported:\n" + "\n".join(problems) + f"\nfailed requests:\n{failed}")
