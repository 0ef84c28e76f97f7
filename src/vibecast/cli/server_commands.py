"""``vibecast serve``, ``vibecast users ...`` and ``vibecast tokens ...``: the server's commands.

Registered on the main group by :mod:`vibecast.cli.main`. Users and tokens are what server mode
authenticates with; the token itself is printed once and only its sha256 is stored.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import sys
import threading
import time
import urllib.request
import uuid
import webbrowser
from datetime import UTC, datetime

import click
import msgspec
from rich.table import Table

from vibecast.cli.common import (
    CommandError,
    Context,
    err_console,
    handle_errors,
    out_console,
    pass_context,
)
from vibecast.export.outputs import delete_replay_and_files, exports_dir
from vibecast.humanize import plural
from vibecast.server.settings import DEFAULT_HOST, DEFAULT_PORT, ServerSettings, is_loopback
from vibecast.server.tokens import hash_token, new_api_token
from vibecast.store.base import ApiToken, Store, User, UserRemoval
from vibecast.store.users_sql import conflict_message

__all__ = ["serve_command", "tokens_group", "users_group"]

_USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def _date(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")


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
@pass_context
@handle_errors
def serve_command(state: Context, host: str, port: int, open_browser: bool, workers: int) -> None:
    """Serve the REST API, share links and web pages (API docs at /docs).

    Local mode (the default: SQLite on 127.0.0.1) needs no login. Binding beyond loopback, or a
    postgresql:// database, is server mode: every API call needs a token
    (`vibecast users add NAME`, then `vibecast tokens create NAME`).
    """
    from vibecast.server.runner import run

    settings = ServerSettings.load(
        state.settings, host=host, port=port, record=True, capture_user=state.user_id
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
    if open_browser:
        threading.Thread(target=_open_when_up, args=(url,), daemon=True).start()
    # uvicorn shuts down cleanly on Ctrl+C, then raises it again for the caller: we are done.
    with contextlib.suppress(KeyboardInterrupt):
        try:
            run(settings, None if workers > 1 else store, workers=workers)
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


# -- users ---------------------------------------------------------------------------------------


@click.group("users")
def users_group() -> None:
    """Users of server mode (local mode has one implicit user)."""


@users_group.command("add")
@click.argument("name")
@click.option("--admin", is_flag=True, help="May read /metrics.")
@pass_context
@handle_errors
def users_add(state: Context, name: str, admin: bool) -> None:
    """Create a user. Then give them a token: `vibecast tokens create NAME`."""
    if not _USER_NAME.match(name):
        raise CommandError(
            f"invalid user name {name!r}: 1-64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )
    if state.store.get_user(name) is not None:
        raise CommandError(f"user {name!r} already exists")
    user = state.store.create_user(name, is_admin=admin)
    click.echo(user.id)
    err_console.print(
        f"Created {'admin ' if admin else ''}user {user.name} ({user.id}). "
        f"Create a token with `vibecast tokens create {user.name}`.",
        highlight=False,
        markup=False,
    )


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON array on stdout.")
@pass_context
@handle_errors
def users_list(state: Context, as_json: bool) -> None:
    """List users."""
    users = state.store.list_users()
    if as_json:
        click.echo(json.dumps([msgspec.to_builtins(u) for u in users], indent=2))
        return
    if not users:
        err_console.print("No users yet. Create one with `vibecast users add NAME --admin`.")
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("ID", "NAME", "ADMIN", "CREATED"):
        table.add_column(column, no_wrap=column == "ID")
    for user in users:
        table.add_row(user.id, user.name, "yes" if user.is_admin else "", _date(user.created_at))
    out_console.print(table)


@users_group.command("remove")
@click.argument("name")
@click.option(
    "--delete-replays",
    is_flag=True,
    help="Delete their replays and everything stored for them (events, files no other replay "
    "uses, annotations, share links, exports).",
)
@click.option(
    "--transfer-to",
    "heir_name",
    metavar="OTHER",
    help="Give their replays to user OTHER (share links keep working).",
)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_context
@handle_errors
def users_remove(
    state: Context, name: str, delete_replays: bool, heir_name: str | None, yes: bool
) -> None:
    """Remove a user (offboarding): their API tokens and web sign-ins stop working, and their
    annotations on other users' replays go.

    A user who still owns replays is refused unless you say what becomes of them:
    --delete-replays, or --transfer-to OTHER. Shows what will happen and asks first
    (--yes: do not ask; required without a terminal).
    """
    if delete_replays and heir_name is not None:
        raise click.UsageError("--delete-replays and --transfer-to exclude each other")
    store = state.store
    user = _existing_user(store, name)
    heir = None if heir_name is None else _existing_user(store, heir_name, "to transfer to")
    plan = store.user_removal(user.id, transfer_to=heir.id if heir else None)  # refuses `local`
    if plan.replays and not delete_replays and heir is None:
        raise CommandError(
            f"{user.name} still owns {plural(plan.replays, 'replay')}{_shared(plan)}: add "
            "--delete-replays to delete them with everything stored for them, or "
            "--transfer-to OTHER to give them to another user (share links keep working)"
        )
    if plan.conflicts:
        raise CommandError(
            f"{conflict_message(plan)} (`vibecast --user {user.name} delete "
            f"{plan.conflicts[0]}`), or use --delete-replays"
        )
    if not yes and not sys.stdin.isatty():
        raise CommandError(f"no terminal to confirm removing user {user.name} on: add --yes")
    err_console.print(_removal_summary(plan, delete_replays), highlight=False, markup=False)
    if not yes:
        click.confirm(f"Remove user {user.name}?", abort=True, err=True)
    # Access goes first, so a long delete never leaves them a way in; a removal that fails
    # half way is finished by running the command again.
    for token in store.list_tokens(user.id):
        if not token.revoked:
            store.revoke_token(token.id)
    if delete_replays:
        root = exports_dir(state.settings)
        for replay_id in _replay_ids(store, user.id):
            delete_replay_and_files(store, root, replay_id)
    store.remove_user(user.id, transfer_to=heir.id if heir else None)
    err_console.print(f"Removed user {user.name}.", highlight=False, markup=False)


def _existing_user(store: Store, name: str, role: str = "") -> User:
    user = store.get_user(name)
    if user is None:
        what = f" {role}" if role else ""
        raise CommandError(f"no user {name!r}{what} (see `vibecast users list`)")
    return user


def _shared(plan: UserRemoval) -> str:
    return f" ({plan.shared} shared by a live link)" if plan.shared else ""


def _removal_summary(plan: UserRemoval, delete_replays: bool) -> str:
    """What removing the user will do, one line per kind of thing, for the operator to confirm."""
    name = plan.user.name
    lines = [f"Removing user {name} ({plan.user.id}):"]
    if plan.tokens:
        lines.append(
            f"  - {plural(plan.tokens, 'active API token')} revoked: requests and web sign-ins "
            "with them are refused (by a running server within 5 s)"
        )
    else:
        lines.append("  - no active API token to revoke")
    if plan.replays and plan.heir is not None:
        lines.append(
            f"  - {plural(plan.replays, 'replay')} given to {plan.heir.name}, with {name}'s "
            f"annotations and exports of them{_shared(plan)}: share links keep working"
        )
    elif plan.replays and delete_replays:
        exports = f", {plural(plan.exports, 'export')}" if plan.exports else ""
        lines.append(
            f"  - {plural(plan.replays, 'replay')}{_shared(plan)} deleted with everything "
            f"stored for them: events, files no other replay uses, annotations, share "
            f"links{exports}"
        )
    else:
        lines.append(f"  - no replays of {name}'s to delete or give away")
    if plan.annotations_elsewhere:
        lines.append(
            f"  - {plural(plan.annotations_elsewhere, 'annotation')} {name} made on other "
            "users' replays deleted"
        )
    return "\n".join(lines)


def _replay_ids(store: Store, user_id: str, page: int = 500) -> list[str]:
    """Every replay of the user, collected before any is deleted (paging while deleting
    would skip some)."""
    ids: list[str] = []
    while True:
        batch = store.list_replays(user_id, limit=page, offset=len(ids))
        ids += [replay.id for replay in batch]
        if len(batch) < page:
            return ids


# -- tokens --------------------------------------------------------------------------------------


@click.group("tokens")
def tokens_group() -> None:
    """API tokens of server mode (shown once, stored as a hash)."""


@tokens_group.command("create")
@click.argument("user")
@click.option("--name", "token_name", default="", help="What the token is for (e.g. 'laptop').")
@pass_context
@handle_errors
def tokens_create(state: Context, user: str, token_name: str) -> None:
    """Create a token for USER (name or id) and print it once, on stdout."""
    owner = state.store.get_user(user)
    if owner is None:
        raise CommandError(f"no user {user!r} (see `vibecast users list`)")
    if len(token_name) > 200:
        raise CommandError("--name is limited to 200 characters")
    token = new_api_token()
    record = ApiToken(
        id=str(uuid.uuid4()),
        user_id=owner.id,
        name=token_name,
        token_hash=hash_token(token),
        created_at=int(time.time() * 1000),
    )
    state.store.add_token(record)
    click.echo(token)
    err_console.print(
        f"Token {record.id} for {owner.name}: shown once, store it now. "
        f"Revoke it with `vibecast tokens revoke {record.id}`.",
        highlight=False,
        markup=False,
    )


@tokens_group.command("list")
@click.argument("user", required=False)
@click.option("--json", "as_json", is_flag=True, help="JSON array on stdout.")
@pass_context
@handle_errors
def tokens_list(state: Context, user: str | None, as_json: bool) -> None:
    """List tokens (of USER, or everyone's): ids, names, last use. Never the tokens themselves."""
    owner_id = None
    if user is not None:
        owner = state.store.get_user(user)
        if owner is None:
            raise CommandError(f"no user {user!r} (see `vibecast users list`)")
        owner_id = owner.id
    tokens = state.store.list_tokens(owner_id)
    names = {u.id: u.name for u in state.store.list_users()}
    if as_json:
        rows = [
            {k: v for k, v in msgspec.to_builtins(t).items() if k != "token_hash"} for t in tokens
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    if not tokens:
        err_console.print("No tokens. Create one with `vibecast tokens create USER`.")
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("ID", "USER", "NAME", "CREATED", "LAST USED", "STATE"):
        table.add_column(column, no_wrap=column in ("ID", "STATE"))
    for token in tokens:
        table.add_row(
            token.id,
            names.get(token.user_id, token.user_id),
            token.name,
            _date(token.created_at),
            _date(token.last_used_at) if token.last_used_at else "never",
            "revoked" if token.revoked else "active",
        )
    out_console.print(table)


@tokens_group.command("revoke")
@click.argument("token_id", metavar="ID")
@pass_context
@handle_errors
def tokens_revoke(state: Context, token_id: str) -> None:
    """Revoke a token by its id (a running server stops accepting it within 5 s)."""
    if not state.store.revoke_token(token_id):
        raise CommandError(f"no token {token_id!r}")
    err_console.print(f"Revoked token {token_id}.", highlight=False, markup=False)
