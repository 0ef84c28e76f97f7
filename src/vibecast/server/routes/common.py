"""Pieces every router shares: path parameters, error docs, replay lookups that respect owners."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from pydantic import AfterValidator

from vibecast.model import Replay
from vibecast.server.deps import Actor
from vibecast.server.errors import ErrorOut, not_found
from vibecast.server.limits import MAX_ID_CHARS
from vibecast.server.schemas import clean_text

__all__ = ["ERRORS", "PUBLIC_ERRORS", "ReplayId", "owned_replay", "owns", "visible_replay"]

ReplayId = Annotated[str, Path(min_length=1, max_length=MAX_ID_CHARS), AfterValidator(clean_text)]

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in [
        (400, "Bad request: a body that is not valid JSON, an inverted or over-long window"),
        (401, "Login needed (server mode)"),
        (404, "No such replay, or not yours to see"),
        (413, "Body larger than 1 MiB"),
        (415, "A body sent as another type than JSON"),
        (422, "Invalid parameters or body; the message names the field"),
    ]
}

PUBLIC_ERRORS: dict[int | str, dict[str, Any]] = {
    400: ERRORS[400],
    404: {"model": ErrorOut, "description": "No such link, or it expired or was revoked"},
    413: ERRORS[413],
    415: ERRORS[415],
    422: ERRORS[422],
}


def visible_replay(actor: Actor, replay_id: str) -> Replay:
    """A replay the actor may read (their own, or a public one), else 404."""
    replay = actor.store.get_replay(replay_id)
    if replay is None:
        raise not_found()
    return replay


def owns(actor: Actor, replay: Replay) -> bool:
    """Whether ``replay`` is the actor's to change (edit, delete, share, export, annotate)."""
    return replay.user_id == actor.user.id


def owned_replay(actor: Actor, replay_id: str) -> Replay:
    """A replay the actor owns, else 404 — someone else's public replay is not theirs to change."""
    replay = visible_replay(actor, replay_id)
    if not owns(actor, replay):
        raise not_found()
    return replay
