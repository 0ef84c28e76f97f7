"""Request and response bodies, as the OpenAPI schema publishes them.

Requests are validated by these models (unknown fields are refused, so a typo is an error, not a
silent no-op). Responses are encoded straight from the model structs by msgspec
(:mod:`vibecast.server.encoding`) — ten thousand events through pydantic would be the slowest
part of the server — so the response models here only document the shape; a test keeps them in
step with ``vibecast.model``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from vibecast.server.limits import (
    MAX_DESCRIPTION_CHARS,
    MAX_ID_CHARS,
    MAX_MS,
    MAX_POSITION_KEYS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
)

__all__ = [
    "AnnotationIn",
    "AnnotationListOut",
    "AnnotationOut",
    "AnnotationPatch",
    "BookmarkIn",
    "BookmarkListOut",
    "EventOut",
    "EventWindowOut",
    "HealthOut",
    "MeOut",
    "PlayedIn",
    "PublicReplayOut",
    "PublicReplayWithEventsOut",
    "ReplayListOut",
    "ReplayMetadataOut",
    "ReplayOut",
    "ReplayPatch",
    "ReplayWithEventsOut",
    "ShareIn",
    "ShareOut",
    "StartIn",
    "StopIn",
    "UserOut",
    "clean_text",
]


def clean_text(value: str) -> str:
    """No NUL and no lone surrogates: neither survives a database (PostgreSQL refuses both)."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (no lone surrogates)") from None
    return value


def not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _text(max_chars: int, min_chars: int = 0) -> StringConstraints:
    return StringConstraints(min_length=min_chars, max_length=max_chars)


_Clean = AfterValidator(clean_text)
IdText = Annotated[str, _text(MAX_ID_CHARS, min_chars=1), _Clean, AfterValidator(not_blank)]
TitleText = Annotated[str, _text(MAX_TITLE_CHARS), _Clean]
DescriptionText = Annotated[str, _text(MAX_DESCRIPTION_CHARS), _Clean]
NoteText = Annotated[str, _text(MAX_TEXT_CHARS), _Clean]
TimeMs = Annotated[int, Field(ge=0, le=MAX_MS)]
PositionKey = Annotated[str, _text(64, min_chars=1), _Clean]
PositionValue = (
    Annotated[float, Field(allow_inf_nan=False)] | bool | Annotated[str, _text(200), _Clean] | None
)
Position = Annotated[
    dict[PositionKey, PositionValue],
    Field(max_length=MAX_POSITION_KEYS, description="Where in the scene, e.g. {x, y, z}."),
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- requests --------------------------------------------------------------------------------


class StartIn(_In):
    session_id: IdText = Field(description="Claude Code session id being recorded.")
    title: TitleText | None = None


class StopIn(_In):
    replay_id: IdText


class ReplayPatch(_In):
    title: TitleText | None = None
    description: DescriptionText | None = None


class ShareIn(_In):
    is_public: bool | None = Field(
        default=None,
        description="true: create (or replace) the link; false: revoke it. Left out: only "
        "share_notes changes, on the current link.",
    )
    expires_in_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="Days the link lives (default VIBECAST_SHARE_DAYS, 30).",
    )
    share_notes: bool | None = Field(
        default=None,
        description="Show the owner's notes on the link (not bookmarks). With is_public: true, "
        "for the new link (left out: a replaced live link's choice, else off); alone: changes "
        "it on the current link, which keeps working.",
    )

    @model_validator(mode="after")
    def _one_change(self) -> ShareIn:
        """Say what to change; a revoked link shows nothing, and only a new link has a lifetime."""
        if self.is_public is None and self.share_notes is None:
            raise ValueError(
                "give is_public (true: create the link, false: revoke it) or share_notes"
            )
        if self.is_public is None and self.expires_in_days is not None:
            raise ValueError("expires_in_days needs is_public: true (it is a new link's lifetime)")
        if self.is_public is False and self.share_notes:
            raise ValueError("share_notes: true needs a link; is_public: false revokes it")
        return self


class AnnotationIn(_In):
    timestamp_ms: TimeMs = Field(description="Replay time (relative_time_ms) it refers to.")
    text: NoteText = ""
    position: Position | None = None
    kind: Literal["note", "bookmark"] = "note"


class AnnotationPatch(_In):
    timestamp_ms: TimeMs | None = None
    text: NoteText | None = None
    position: Position | None = None


class BookmarkIn(_In):
    timestamp_ms: TimeMs
    text: NoteText = Field(default="", description="An optional label.")


class PlayedIn(_In):
    p95_fps: float | None = Field(
        default=None,
        ge=0,
        le=1000,
        allow_inf_nan=False,
        description="95th-percentile frames per second the player achieved.",
    )


# -- responses -------------------------------------------------------------------------------


class ReplayMetadataOut(BaseModel):
    """The spec's ReplayMetadata plus what a replay browser shows."""

    duration_ms: int = 0
    event_count: int = 0
    tool_breakdown: dict[str, int] = {}
    files_touched: list[str] = []
    session_name: str = ""
    recorded_date: str = ""
    model: str | None = None
    cwd: str | None = None
    git_branch: str | None = None
    claude_version: str | None = None
    token_usage: dict[str, int] = {}
    error_count: int = 0
    subagent_count: int = 0
    prompt_count: int = 0
    sources: list[str] = []


class ReplayOut(BaseModel):
    id: str
    session_id: str
    user_id: str
    title: str
    description: str
    metadata: ReplayMetadataOut
    is_public: bool
    share_notes: bool = Field(
        description="The share link also shows the owner's notes. The owner's setting: false "
        "for anyone else."
    )
    thumbnail_url: str | None
    status: str = Field(description='"recording" while live capture writes it, else "complete".')
    created_at: int = Field(description="epoch ms")
    updated_at: int = Field(description="epoch ms")


class PublicReplayOut(BaseModel):
    """What a share link shows: the replay, nothing about its owner."""

    id: str
    title: str
    description: str
    metadata: ReplayMetadataOut
    status: str
    created_at: int
    updated_at: int


class EventOut(BaseModel):
    """A RecordedEvent (camelCase ClaudeEvent fields plus the spec's snake_case replay fields).

    Only the fields every event has are listed; the full schema is ``vibecast schema``
    (docs/event-schema.json). Fields without a value are left out.
    """

    model_config = ConfigDict(extra="allow")

    id: str
    timestamp: int
    type: str
    session_id: str = Field(alias="sessionId")
    recorded_at: int
    relative_time_ms: int


class _Window(BaseModel):
    events: list[EventOut]
    from_ms: int
    to_ms: int
    truncated: bool = Field(
        description="More events lie in the window than one response carries; "
        "continue from next_from_ms."
    )
    next_from_ms: int | None


class EventWindowOut(_Window):
    replay_id: str


class ReplayWithEventsOut(_Window):
    replay: ReplayOut


class PublicReplayWithEventsOut(_Window):
    replay: PublicReplayOut


class ReplayListOut(BaseModel):
    replays: list[ReplayOut]
    total: int
    limit: int
    offset: int


class ShareOut(BaseModel):
    is_public: bool
    share_url: str | None = Field(
        description="The public viewer; null when revoked, or when only share_notes changed "
        "(the token is shown only when the link is made)."
    )
    share_token: str | None = Field(description="Shown once; only its hash is stored.")
    expires_at: int | None = Field(description="epoch ms")
    share_notes: bool = Field(description="The link also shows the owner's notes.")


class PublicNoteOut(BaseModel):
    """An owner's note as a share link shows it: no author, no replay owner."""

    id: str
    timestamp_ms: int
    text: str
    position: dict[str, Any] | None


class PublicNoteListOut(BaseModel):
    notes: list[PublicNoteOut]


class AnnotationOut(BaseModel):
    id: str
    replay_id: str
    user_id: str
    timestamp_ms: int
    text: str
    position: dict[str, Any] | None
    kind: str
    created_at: int
    updated_at: int


class AnnotationListOut(BaseModel):
    annotations: list[AnnotationOut]


class BookmarkListOut(BaseModel):
    bookmarks: list[AnnotationOut]


class UserOut(BaseModel):
    id: str
    name: str
    is_admin: bool


class MeOut(BaseModel):
    user: UserOut
    mode: Literal["local", "server"]
    via: str


class HealthOut(BaseModel):
    status: Literal["ok"]
    version: str
    mode: Literal["local", "server"]
    features: list[str] = Field(
        description="Optional parts this server offers: annotations, attachments, export, "
        "file, live, share."
    )
