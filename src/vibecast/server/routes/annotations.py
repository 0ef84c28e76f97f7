"""Annotations (the spec's ``replay_annotations``) and bookmarks on a replay.

A bookmark is an annotation of kind ``bookmark`` (a moment, with an optional label); the
``/bookmarks`` routes are the same rows seen through that kind. Only an annotation's author edits
or deletes it; which replays a user may annotate (their own), and which annotations they read
(their own, and the owner's notes while the replay's link shows them), is the store's row-level
security.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec
from fastapi import APIRouter, Path, Query, Response
from pydantic import AfterValidator

from vibecast.server.deps import Actor, CurrentActor, State
from vibecast.server.encoding import json_response
from vibecast.server.errors import ApiError, not_found
from vibecast.server.limits import MAX_ID_CHARS
from vibecast.server.routes.common import ERRORS, ReplayId, visible_replay
from vibecast.server.schemas import (
    AnnotationIn,
    AnnotationListOut,
    AnnotationOut,
    AnnotationPatch,
    BookmarkIn,
    BookmarkListOut,
    clean_text,
)
from vibecast.store.base import Annotation

__all__ = ["MAX_ANNOTATIONS_PER_REPLAY", "router"]

router = APIRouter(prefix="/api/replays/{replay_id}", responses=ERRORS)

MAX_ANNOTATIONS_PER_REPLAY = 10_000
"""A replay with more notes than this is a script run amok, not a tutorial."""

AnnotationId = Annotated[
    str, Path(min_length=1, max_length=MAX_ID_CHARS), AfterValidator(clean_text)
]
Kind = Literal["note", "bookmark"]


class AnnotationList(msgspec.Struct):
    annotations: list[Annotation]


class BookmarkList(msgspec.Struct):
    bookmarks: list[Annotation]


def _annotations(actor: Actor, replay_id: str, kind: Kind | None) -> list[Annotation]:
    replay = visible_replay(actor, replay_id)
    found = actor.store.list_annotations(replay.id)
    return [a for a in found if kind is None or a.kind == kind]


def _create(actor: Actor, state: State, replay_id: str, annotation: AnnotationIn) -> Annotation:
    replay = visible_replay(actor, replay_id)
    if len(actor.store.list_annotations(replay.id)) >= MAX_ANNOTATIONS_PER_REPLAY:
        raise ApiError(
            409,
            "too_many_annotations",
            f"a replay may have at most {MAX_ANNOTATIONS_PER_REPLAY} annotations",
        )
    now = state.now_ms()
    return actor.store.add_annotation(
        Annotation(
            id=str(uuid.uuid4()),
            replay_id=replay.id,
            user_id=actor.user.id,
            timestamp_ms=annotation.timestamp_ms,
            text=annotation.text,
            position=annotation.position,
            kind=annotation.kind,
            created_at=now,
            updated_at=now,
        )
    )


def _own_annotation(
    actor: Actor, replay_id: str, annotation_id: str, kind: Kind | None
) -> Annotation:
    """The actor's own annotation on this replay, else 404."""
    for annotation in _annotations(actor, replay_id, kind):
        if annotation.id == annotation_id and annotation.user_id == actor.user.id:
            return annotation
    raise not_found("bookmark" if kind == "bookmark" else "annotation")


# -- annotations -------------------------------------------------------------------------------


@router.get(
    "/annotations",
    response_model=AnnotationListOut,
    tags=["annotations"],
    summary="Annotations and bookmarks, by time",
)
def list_annotations(
    replay_id: ReplayId,
    actor: CurrentActor,
    kind: Annotated[Kind | None, Query(description="Only notes or only bookmarks.")] = None,
) -> Response:
    return json_response(AnnotationList(_annotations(actor, replay_id, kind)))


@router.post(
    "/annotations",
    response_model=AnnotationOut,
    status_code=201,
    tags=["annotations"],
    summary="Add an annotation",
)
def add_annotation(
    replay_id: ReplayId, body: AnnotationIn, actor: CurrentActor, state: State
) -> Response:
    return json_response(_create(actor, state, replay_id, body), status_code=201)


@router.patch(
    "/annotations/{annotation_id}",
    response_model=AnnotationOut,
    tags=["annotations"],
    summary="Edit an annotation (yours)",
)
def edit_annotation(
    replay_id: ReplayId, annotation_id: AnnotationId, body: AnnotationPatch, actor: CurrentActor
) -> Response:
    """Fields left out (or null) stay as they are."""
    annotation = _own_annotation(actor, replay_id, annotation_id, None)
    if body.text is None and body.timestamp_ms is None and body.position is None:
        return json_response(annotation)
    updated = actor.store.update_annotation(
        annotation.id, text=body.text, timestamp_ms=body.timestamp_ms, position=body.position
    )
    return json_response(updated)


@router.delete(
    "/annotations/{annotation_id}",
    status_code=204,
    response_class=Response,
    tags=["annotations"],
    summary="Delete an annotation (yours)",
)
def delete_annotation(
    replay_id: ReplayId, annotation_id: AnnotationId, actor: CurrentActor
) -> Response:
    annotation = _own_annotation(actor, replay_id, annotation_id, None)
    actor.store.delete_annotation(annotation.id)
    return Response(status_code=204)


# -- bookmarks ---------------------------------------------------------------------------------


@router.get(
    "/bookmarks",
    response_model=BookmarkListOut,
    tags=["bookmarks"],
    summary="Bookmarks, by time",
)
def list_bookmarks(replay_id: ReplayId, actor: CurrentActor) -> Response:
    return json_response(BookmarkList(_annotations(actor, replay_id, "bookmark")))


@router.post(
    "/bookmarks",
    response_model=AnnotationOut,
    status_code=201,
    tags=["bookmarks"],
    summary="Bookmark a moment",
)
def add_bookmark(
    replay_id: ReplayId, body: BookmarkIn, actor: CurrentActor, state: State
) -> Response:
    annotation = AnnotationIn(timestamp_ms=body.timestamp_ms, text=body.text, kind="bookmark")
    return json_response(_create(actor, state, replay_id, annotation), status_code=201)


@router.delete(
    "/bookmarks/{bookmark_id}",
    status_code=204,
    response_class=Response,
    tags=["bookmarks"],
    summary="Delete a bookmark (yours)",
)
def delete_bookmark(
    replay_id: ReplayId, bookmark_id: AnnotationId, actor: CurrentActor
) -> Response:
    bookmark = _own_annotation(actor, replay_id, bookmark_id, "bookmark")
    actor.store.delete_annotation(bookmark.id)
    return Response(status_code=204)
