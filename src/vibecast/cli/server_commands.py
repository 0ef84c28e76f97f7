"""``vibecast users ...`` and ``vibecast tokens ...``: who may use server mode.

Registered on the main group by :mod:`vibecast.cli.main`. Users and tokens are what server mode
authenticates with; the token itself is printed once and only its sha256 is stored. ``vibecast
serve`` is in :mod:`vibecast.cli.serve_command`, so these run without importing the web app.
"""

from __future__ import annotations

import json
import re
import sys
import time
import uuid
from datetime import UTC, datetime

import click
import msgspec

from vibecast.cli.common import (
    Column,
    CommandError,
    Context,
    err_console,
    handle_errors,
    pass_context,
    print_table,
)
from vibecast.humanize import plural
from vibecast.store.base import ApiToken, Store, User, UserRemoval
from vibecast.store.users_sql import conflict_message

__all__ = ["tokens_group", "users_group"]

_USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def _date(epoch_ms: int | None) -> str:
    """A creation or use time; "—" when unknown (0: the built-in ``local`` user has none)."""
    if not epoch_ms:
        return "—"
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")


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
    print_table(
        [Column("ID"), Column("NAME", flexible=True), Column("ADMIN"), Column("CREATED")],
        [[u.id, u.name, "yes" if u.is_admin else "", _date(u.created_at)] for u in users],
    )


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
        from vibecast.export.outputs import delete_replay_and_files, exports_dir

        root = exports_dir(state.settings)
        for replay_id in _replay_ids(store, user.id):
            delete_replay_and_files(store, root, replay_id)
    store.remove_user(user.id, transfer_to=heir.id if heir else None)
    err_console.print(f"Removed user {user.name}.", highlight=False, markup=False)


def _existing_user(store: Store, name: str, role: str = "") -> User:
    """The user named ``name`` (or with that id), else one line saying there is none."""
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
            f"stored for {'them' if plan.replays > 1 else 'it'}: events, files no other replay "
            f"uses, annotations, share links{exports}"
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
    from vibecast.server.tokens import hash_token, new_api_token  # loads vibecast.server's app

    owner = _existing_user(state.store, user)
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


_TOKEN_COLUMNS = [
    Column("ID"),  # a prefix, as `vibecast list` shows replays': `tokens revoke` takes it
    Column("USER"),
    Column("NAME", flexible=True),
    Column("CREATED"),
    Column("LAST USED", drop=1),
    Column("STATE"),
]


@tokens_group.command("list")
@click.argument("user", required=False)
@click.option("--json", "as_json", is_flag=True, help="JSON array on stdout.")
@pass_context
@handle_errors
def tokens_list(state: Context, user: str | None, as_json: bool) -> None:
    """List tokens (of USER, or everyone's): ids, names, last use. Never the tokens themselves."""
    owner_id = None
    if user is not None:
        owner_id = _existing_user(state.store, user).id
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
    rows = [
        [
            token.id[:8],
            names.get(token.user_id, token.user_id),
            token.name,
            _date(token.created_at),
            _date(token.last_used_at) if token.last_used_at else "never",
            "revoked" if token.revoked else "active",
        ]
        for token in tokens
    ]
    print_table(_TOKEN_COLUMNS, rows)


@tokens_group.command("revoke")
@click.argument("token_id", metavar="ID")
@pass_context
@handle_errors
def tokens_revoke(state: Context, token_id: str) -> None:
    """Revoke a token by its id or a unique prefix of it (a running server stops accepting it
    within 5 s). A token already revoked is left as it is: exit status 0, as the goal holds."""
    token = _resolve_token(state.store, token_id)
    if token.revoked:
        err_console.print(f"Token {token.id} was already revoked.", highlight=False, markup=False)
        return
    state.store.revoke_token(token.id)
    err_console.print(f"Revoked token {token.id}.", highlight=False, markup=False)


def _resolve_token(store: Store, ref: str) -> ApiToken:
    """A token by id or unique id prefix, as replays are found (the stores resolve replays in
    SQL; tokens are few, so their list is searched here)."""
    ref = ref.strip()
    if not ref:
        raise CommandError("no token id given")
    tokens = store.list_tokens()
    matches = [t for t in tokens if t.id == ref] or [t for t in tokens if t.id.startswith(ref)]
    if not matches:
        raise CommandError(f"no token matches {ref!r} (see `vibecast tokens list`)")
    if len(matches) > 1:
        listed = ", ".join(t.id for t in matches[:5])
        more = " and more" if len(matches) > 5 else ""
        raise CommandError(f"{ref!r} matches several tokens: {listed}{more}; give more characters")
    return matches[0]
