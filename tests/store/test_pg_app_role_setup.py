"""An owner role without CREATEROLE is told how to set up the app role by hand — and what it is
told works: the SQL of the message, run as a superuser, lets the next start succeed."""

from __future__ import annotations

import os
import re
from pathlib import Path

import psycopg
import pytest

from pg_helpers import ADMIN_URL, owner_database
from served import run_vibecast
from vibecast.store.base import StoreError
from vibecast.store.postgres import PostgresStore

_TO_RUN = re.compile(r"As a superuser, run: (.+?) Then start again\.")


def _as_superuser(statements: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(statements.encode())


def _refusal(url: str, app: str) -> str:
    with pytest.raises(StoreError) as refused:
        PostgresStore(url, app_role=app)
    return str(refused.value)


@pytest.mark.parametrize("app_role_exists", [False, True])
def test_the_message_says_what_to_run_and_it_works(app_role_exists: bool) -> None:
    with owner_database(createrole=False) as (url, owner, app):
        if app_role_exists:  # made by hand, or for another database: not yet the owner's
            _as_superuser(f'CREATE ROLE "{app}" NOLOGIN')
        message = _refusal(url, app)
        assert message.startswith(
            f'the database owner "{owner}" cannot set up the app role "{app}"'
        )
        assert "permission denied" in message or "admin option" in message
        assert "VIBECAST_DB_APP_ROLE names it (default vibecast_app)" in message
        assert message.endswith("see docs/operations.md#two-roles")
        found = _TO_RUN.search(message)
        assert found, message
        to_run = found.group(1)
        expected = [f'GRANT "{app}" TO "{owner}";']
        if not app_role_exists:
            expected.insert(0, f'CREATE ROLE "{app}" NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;')
        assert to_run == " ".join(expected)
        _as_superuser(to_run)
        with PostgresStore(url, app_role=app) as store:  # the next start works, as the app role
            assert store.acting_as("someone").list_replays("someone") == []


def test_the_docs_section_the_message_names_has_those_steps() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
    section = docs.split("\n### Two roles\n", 1)[1].split("\n### ", 1)[0]
    assert "CREATE ROLE vibecast_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;" in section
    assert "GRANT vibecast_app TO vibecast_owner;" in section
    assert "cluster" in section and "may already exist" in section


@pytest.mark.parametrize("debug", [False, True])
def test_the_cli_prints_it_as_one_error_line_with_the_traceback_on_request(
    tmp_path: Path, debug: bool
) -> None:
    """``error:`` (not click's ``Error:``), exit 1; ``VIBECAST_DEBUG=1`` adds the traceback
    before that line, as docs/cli.md says."""
    with owner_database(createrole=False) as (url, owner, app):
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIBECAST_")}
        env.update(VIBECAST_HOME=str(tmp_path), VIBECAST_DATABASE_URL=url, VIBECAST_DB_APP_ROLE=app)
        if debug:
            env["VIBECAST_DEBUG"] = "1"
        ran = run_vibecast(env, "list")
    assert ran.returncode == 1, ran.stderr
    lines = ran.stderr.strip().splitlines()
    assert lines[-1].startswith(f'error: the database owner "{owner}" cannot set up the app role')
    assert ("Traceback (most recent call last):" in ran.stderr) is debug
    if debug:
        assert "psycopg.errors.InsufficientPrivilege: permission denied to create role" in (
            ran.stderr
        )
    else:
        assert len(lines) == 1
