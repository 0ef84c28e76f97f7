"""Helpers of the browser tests (fixtures using them are in conftest.py): the app a test runs
against, what its pages report, and the steps every test takes to open a page and wait for it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msgspec

from vibecast.config import Settings
from vibecast.model import Replay, encode_event
from vibecast.pipeline import import_paths
from vibecast.store.base import Store, User

__all__ = [
    "HOSTILE",
    "Console",
    "Screenshot",
    "WebServer",
    "card_ids",
    "controls_layout",
    "export_payload",
    "frames",
    "hostile_transcript",
    "log_in",
    "open_export",
    "open_my_replays",
    "open_player",
    "player_state",
    "timeline_tooltip",
    "wait_fully_loaded",
    "wait_my_replays",
    "wait_player",
    "watch",
]


@dataclass
class WebServer:
    """A running app: its base URL, its store and settings, and the replays imported into it."""

    url: str
    store: Store
    settings: Settings
    replays: list[Replay]
    users: dict[str, tuple[User, str]] = field(default_factory=dict)  # name -> (user, token)

    def replay(self, session_prefix: str) -> Replay:
        return next(r for r in self.replays if r.session_id.startswith(session_prefix))

    def player_url(self, session_prefix: str, query: str = "") -> str:
        """The owner's player of a shared transcript's replay, ``query`` (``?t=2m``...) added."""
        return f"{self.url}/replays/{self.replay(session_prefix).id}{query}"

    def api(self, user: str | None = None) -> httpx.Client:
        """A client of the app's HTTP API (use it in a ``with``): as ``user`` by bearer token in
        server mode; without one, anonymous there and the local user in local mode."""
        headers = {"Authorization": f"Bearer {self.users[user][1]}"} if user else {}
        return httpx.Client(base_url=self.url, timeout=10, headers=headers)

    def listed(self, **filters: str) -> list[str]:
        """The replay ids ``GET /api/replays`` answers for ``filters``, in its order: what a
        page of My Replays must show."""
        with self.api() as api:
            return [r["id"] for r in api.get("/api/replays", params=filters).json()["replays"]]

    def share(self, replay_id: str, user: str | None = None) -> str:
        """Make ``replay_id`` public through the API, as its Share button does; the link's token."""
        with self.api(user) as api:
            answer = api.post(f"/api/replays/{replay_id}/share", json={"is_public": True})
        assert answer.status_code == 200, answer.text
        return answer.json()["share_token"]

    @contextmanager
    def shared(self, replay_id: str, user: str | None = None) -> Iterator[str]:
        """:meth:`share` for the ``with``, revoked after: the next test finds it private."""
        token = self.share(replay_id, user)
        try:
            yield token
        finally:
            with self.api(user) as api:
                api.delete(f"/api/replays/{replay_id}/share")

    def import_files(self, paths: list[Path], user_id: str = "local") -> list[Replay]:
        """Import more sessions through the real pipeline (e.g. a test's own transcript)."""
        summary = import_paths(self.store, self.settings, paths, user_id=user_id, force=True)
        assert summary.replay_ids, summary.issues
        found = [self.store.get_replay(i) for i in summary.replay_ids]
        return [r for r in found if r is not None]


@dataclass(frozen=True)
class Screenshot:
    """``screenshot(page_or_locator, "name.png", **options)``: saved in :attr:`directory` for
    reviewers to look at after the run."""

    directory: Path

    def __call__(self, target: Any, name: str, **options: Any) -> None:
        target.screenshot(path=str(self.directory / name), **options)


class Console:
    """What a page reported: JS errors, console errors, CSP violations, dialogs."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.failed: list[str] = []  # HTTP answers >= 400, to say which resource an error was
        self._allowed: list[re.Pattern[str]] = []

    def allow(self, pattern: str) -> None:
        """Expect console errors matching ``pattern`` (e.g. the 404 of a revoked link)."""
        self._allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self._allowed)]


def watch(page: Any, console: Console) -> Any:
    """Collect ``page``'s errors and dialogs into ``console`` (dialogs are dismissed)."""
    page.on("pageerror", lambda exc: console.errors.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda msg: console.errors.append(f"console: {msg.text}") if msg.type == "error" else None,
    )

    def on_dialog(dialog: Any) -> None:
        console.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on(
        "response",
        lambda r: (
            console.failed.append(f"HTTP {r.status} {r.request.method} {r.url}")
            if r.status >= 400
            else None
        ),
    )
    return page


# -- the steps of opening a page and waiting for it -------------------------------------------


def log_in(page: Any, server: WebServer, name: str) -> None:
    """Sign in as ``name`` through the login form the page at hand redirected to (server
    mode's pages need a login), with the user's API token; back on the page asked for."""
    assert "/login?next=" in page.url, page.url
    page.fill("#name", name)
    page.fill("#token", server.users[name][1])
    page.click("button[type=submit]")


def wait_player(page: Any) -> None:
    """Until the player (owner's, share link or embed) shows its first window of events, after
    a ``goto`` or a ``reload``."""
    page.wait_for_function("() => window.vibecastPlayer && window.vibecastPlayer.ready")


def open_player(page: Any, url: str, *, laid_out: bool = False) -> Any:
    """Go to a player page and wait for it (:func:`wait_player`); returns the page's response.

    ``laid_out``: also until the Export button is unhidden (``/api/health`` answered: the
    controls' last change of layout) and the fonts are in, for tests that measure boxes."""
    response = page.goto(url)
    wait_player(page)
    if laid_out:
        page.wait_for_selector("button.export:not([hidden])", state="attached")
        page.evaluate("() => document.fonts.ready")
    return response


def frames(page: Any, n: int = 3) -> None:
    """Wait ``n`` animation frames: what the page was last asked to show is drawn."""
    page.evaluate(
        "n => new Promise(r => { const f = () => (--n <= 0 ? r() : requestAnimationFrame(f)); "
        "requestAnimationFrame(f); })",
        n,
    )


def wait_fully_loaded(page: Any) -> None:
    """Every event of the player's replay loaded (the loader fills the rest in the background
    after the first window) and the timeline bar drawn with them."""
    page.wait_for_function("() => window.vibecastPlayer.player.timeline.fullyLoaded")
    frames(page)


def timeline_tooltip(page: Any) -> str:
    """The timeline bar's tooltip, once it shows for where the pointer was just moved."""
    tooltip = page.locator(".timeline-tooltip")
    tooltip.wait_for(state="visible")
    return tooltip.inner_text()


def player_state(page: Any) -> dict[str, Any]:
    """The player's clock as the page holds it: position and duration (ms), playing, speed."""
    return page.evaluate(
        """() => { const p = window.vibecastPlayer.player;
        return {position: p.position, playing: p.playing, speed: p.speed,
                duration: p.duration}; }"""
    )


def controls_layout(page: Any) -> dict[str, Any]:
    """The toolbar as laid out: its ``rows`` (the distinct tops of its visible items, 6 px
    tolerant), ``height``, the items ``overflow`` leaves outside the window, and ``scrollX``
    (the page scrolls sideways)."""
    return page.evaluate(
        """() => {
          const bar = document.querySelector('.controls');
          const items = [...bar.querySelectorAll('button, select, input, .status')]
            .filter(n => n.offsetParent !== null && n.getBoundingClientRect().width > 0);
          const tops = [];
          for (const n of items) {
            const c = n.getBoundingClientRect(); const mid = c.top + c.height / 2;
            if (!tops.some(t => Math.abs(t - mid) < 6)) tops.push(mid);
          }
          const box = bar.getBoundingClientRect();
          const overflow = items.filter(n => { const r = n.getBoundingClientRect();
            return r.right > window.innerWidth + 0.5 || r.left < -0.5
              || r.bottom > window.innerHeight + 0.5; })
            .map(n => n.className || n.tagName);
          return {rows: tops.length, height: box.height, overflow,
                  scrollX: document.documentElement.scrollWidth > window.innerWidth};
        }"""
    )


def wait_my_replays(page: Any) -> None:
    """Until My Replays (``/``) shows its list, after a ``goto``, a ``reload`` or a link."""
    page.wait_for_selector("body[data-loaded=true]")


def open_my_replays(page: Any, server: WebServer, query: str = "") -> None:
    """My Replays of ``server`` with ``query`` (``?q=...``: its filters live in the URL)."""
    page.goto(f"{server.url}/{query}")
    wait_my_replays(page)


def card_ids(page: Any) -> list[str]:
    """The replay ids of My Replays' cards, top to bottom."""
    return page.eval_on_selector_all(".vb-card", "cards => cards.map(c => c.dataset.replayId)")


def export_payload(
    server: WebServer, session_prefix: str, annotations: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """What the exporter hands the video page: a replay, all its events and ``annotations``, as
    JSON."""
    replay = server.replay(session_prefix)
    return {
        "replay": json.loads(msgspec.json.encode(replay)),
        "events": [json.loads(encode_event(e)) for e in server.store.read_events(replay.id)],
        "annotations": list(annotations),
    }


def open_export(page: Any, server: WebServer, payload: dict[str, Any]) -> dict[str, Any]:
    """The video page (``static/export.html``) at 1280x720 as the exporter drives it, with
    ``payload`` loaded; what its ``load`` answered (``durationMs``...)."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server.url}/static/export.html")
    page.wait_for_function("() => window.vibecastExport !== undefined")
    page.evaluate("() => window.vibecastExport.ready")
    return page.evaluate("d => window.vibecastExport.load(d)", payload)


# Markup that runs script if any of it ever reaches the DOM as HTML (or a URL).
PAYLOADS = [
    "<script>window.__pwned='script'</script>",
    "<img src=x onerror=\"window.__pwned='img'\">",
    '"><svg onload="window.__pwned=\'svg\'">',
    "javascript:window.__pwned='link'",
    "[click me](javascript:window.__pwned='md')",
    "<a href=\"javascript:window.__pwned='a'\">link</a>",
    "<iframe srcdoc=\"<script>parent.__pwned='iframe'</script>\"></iframe>",
    "{{constructor.constructor('window.__pwned=1')()}}",
]
HOSTILE = " ".join(PAYLOADS)
HOSTILE_FILE = '/tmp/project/"><svg onload="window.__pwned=\'file\'">.md'


def hostile_transcript(directory: Path, session_id: str) -> Path:
    """A Claude Code transcript whose prompt, assistant text, thinking, tool inputs and outputs,
    file names and errors all hold markup and ``javascript:`` links."""
    t = iter(range(1, 100))

    def stamp() -> str:
        return f"2025-10-02T10:00:{next(t):02d}.000Z"

    def record(kind: str, message: dict, **extra: object) -> dict:
        return {
            "type": kind,
            "sessionId": session_id,
            "uuid": f"{session_id[:8]}-{kind}-{len(lines)}",
            "timestamp": stamp(),
            "cwd": "/tmp/project",
            "version": "1.0.98",
            "message": message,
            **extra,
        }

    def tool(tool_id: str, name: str, tool_input: dict, output: str, error: bool = False) -> None:
        lines.append(
            record(
                "assistant",
                {
                    "role": "assistant",
                    "id": f"msg-{tool_id}",
                    "content": [
                        {"type": "tool_use", "id": tool_id, "name": name, "input": tool_input}
                    ],
                },
            )
        )
        result = {"type": "tool_result", "tool_use_id": tool_id, "content": output}
        if error:
            result["is_error"] = True
        lines.append(record("user", {"role": "user", "content": [result]}))

    lines: list[dict] = []
    lines.append(record("user", {"role": "user", "content": f"Title {HOSTILE}"}))
    lines.append(
        record(
            "assistant",
            {
                "role": "assistant",
                "id": "msg-text",
                "content": [
                    {"type": "thinking", "thinking": f"thinking {HOSTILE}", "signature": "x"},
                    {"type": "text", "text": f"answer {HOSTILE}"},
                ],
            },
        )
    )
    tool(
        "toolu_hostile_bash",
        "Bash",
        {"command": f"echo '{HOSTILE}'", "description": HOSTILE},
        HOSTILE,
    )
    tool("toolu_hostile_write", "Write", {"file_path": HOSTILE_FILE, "content": HOSTILE}, HOSTILE)
    tool(
        "toolu_hostile_edit",
        "Edit",
        {"file_path": HOSTILE_FILE, "old_string": HOSTILE, "new_string": f"new {HOSTILE}"},
        HOSTILE,
    )
    tool("toolu_hostile_read", "Read", {"file_path": HOSTILE_FILE}, HOSTILE, error=True)
    tool("toolu_hostile_mcp", "mcp__evil__<img src=x onerror=alert(1)>", {"q": HOSTILE}, HOSTILE)
    lines.append(record("user", {"role": "user", "content": f"second prompt {HOSTILE}"}))
    path = directory / f"{session_id}.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path
