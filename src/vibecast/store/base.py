"""The one interface every storage backend implements (SQLite now, PostgreSQL in server mode).

Events are kept in time-ordered, zstd-compressed chunks; a backend only has to store rows. The
chunk codec (:mod:`vibecast.store.codec`) is shared by all backends, so a chunk written by SQLite
reads back byte for byte under PostgreSQL.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from vibecast.errors import VibecastError
from vibecast.model import RecordedEvent, Replay

if TYPE_CHECKING:  # search.py reads this module's ReplayFilter
    from vibecast.store.search import SearchFields

__all__ = [
    "NEW_REPLAY",
    "PUBLIC_VIEWER",
    "AccessDenied",
    "AmbiguousReplayId",
    "Annotation",
    "AnnotationNotFound",
    "ApiToken",
    "ImportSource",
    "ReplayChanged",
    "ReplayFilter",
    "ReplayNotFound",
    "Share",
    "Store",
    "StoreError",
    "StoreStats",
    "User",
    "UserRemoval",
]


class StoreError(VibecastError):
    """A storage operation failed; the message is meant for the user."""


class ReplayNotFound(StoreError):
    pass


class AmbiguousReplayId(StoreError):
    pass


class ReplayChanged(StoreError):
    """A save expected the replay as it was at some ``updated_at``, and someone else saved it
    since (or created it first): nothing was written; read it again, merge, save again."""


NEW_REPLAY = 0
"""``save_replay(expected_updated_at=NEW_REPLAY)``: the replay must not exist yet."""


class AnnotationNotFound(ReplayNotFound):
    """No such annotation for the acting user (a ReplayNotFound, so one 404 handler covers both)."""


class AccessDenied(StoreError):
    """The acting user may not do this (not the owner). APIs answer 404, never revealing more."""


PUBLIC_VIEWER = ""
"""``acting_as(PUBLIC_VIEWER)``: nobody signed in (the share viewer); sees public replays only."""


class User(msgspec.Struct, kw_only=True):
    id: str  # uuid; the implicit local-mode user is "local"
    name: str  # unique login name
    created_at: int  # epoch ms
    is_admin: bool = False


class ApiToken(msgspec.Struct, kw_only=True):
    """An API token as stored: only its sha256 is kept, never the token itself."""

    id: str
    user_id: str
    name: str
    token_hash: str  # sha256 hex of the token
    created_at: int
    last_used_at: int | None = None
    revoked: bool = False


class UserRemoval(msgspec.Struct, kw_only=True):
    """What removing ``user`` takes away or hands on to ``heir``: the preview an operator
    confirms (:meth:`Store.user_removal`), and what :meth:`Store.remove_user` did."""

    user: User
    heir: User | None = None  # who gets their replays (``--transfer-to``), if anyone
    tokens: int = 0  # API tokens not yet revoked (web sign-ins made with them end with them)
    replays: int = 0  # replays they own
    shared: int = 0  # of those, public through a live share link
    exports: int = 0  # export jobs of those replays
    annotations_elsewhere: int = 0  # their annotations on replays they do not own
    conflicts: list[str] = msgspec.field(default_factory=list)
    """Sessions the heir already has a replay of: (user, session) is unique, so a transfer
    cannot proceed until one replay of each pair is deleted."""


class Share(msgspec.Struct, kw_only=True):
    """A replay's secret link: only the token's sha256 is stored."""

    replay_id: str
    token_hash: str
    expires_at: int  # epoch ms
    share_notes: bool = False  # the link also shows the owner's notes


class Annotation(msgspec.Struct, kw_only=True):
    """The spec's replay_annotations row; ``kind`` "bookmark" marks a moment without text."""

    id: str
    replay_id: str
    user_id: str
    timestamp_ms: int
    text: str = ""
    position: dict[str, Any] | None = None  # scene position {x, y, z} or similar
    kind: str = "note"  # "note" | "bookmark"
    created_at: int = 0
    updated_at: int = 0


class ReplayFilter(msgspec.Struct, kw_only=True):
    """Filters of ``GET /api/replays``; every given one must match."""

    tool: str | None = None  # used this tool at least once
    file: str | None = None  # touched a file whose path contains this
    since_ms: int | None = None  # recorded at or after (epoch ms)
    until_ms: int | None = None  # recorded before (epoch ms)
    text: str | None = None  # case-insensitive substring of a prompt or the title
    status: str | None = None  # "recording" (live capture writing it) or "complete"
    updated_since_ms: int | None = None  # saved at or after (epoch ms)
    updated_before_ms: int | None = None  # last saved before (epoch ms)


class StoreStats(msgspec.Struct, kw_only=True):
    replays: int
    events: int
    chunks: int
    blobs: int
    stored_bytes: int  # compressed chunk + blob bytes as stored
    # Bytes of the source files imported: each distinct content (fingerprint) once per user who
    # imported it, however many paths it was read from; a file imported again after it changed
    # counts once, at its new size. The system only (0 for a user).
    raw_bytes_imported: int


class ImportSource(msgspec.Struct, kw_only=True):
    """A source file one user already imported, so that user's next import of it can skip it
    while it is unchanged (another user's import of the same file still reads it)."""

    user_id: str  # who imported it: their replays
    path: str
    size: int
    mtime_ns: int
    fingerprint: str  # sha256 of the file's bytes
    replay_ids: list[str]


class Store(ABC):
    """Replays, their events, and what was imported. One replay is written in one transaction."""

    @abstractmethod
    def migrate(self) -> None:
        """Create or upgrade the schema (idempotent)."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def acting_as(self, user_id: str | None) -> Store:
        """This store, seen by one user: the spec's row-level security applies to every call.

        The user reads and writes their own replays, annotations and shares, and reads public
        replays; anything else behaves as if it did not exist (ReplayNotFound / None / empty).
        On PostgreSQL the database enforces it (the app's role does not own the tables, and each
        transaction sets the acting user); on SQLite the same rules are applied in the queries.
        ``None`` is the system itself (CLI in local mode, migrations): no restriction.
        :data:`PUBLIC_VIEWER` is nobody: public replays only. The view shares this store's
        connections; closing it does nothing, close the store it came from.
        """

    # -- replays ---------------------------------------------------------------------------
    @abstractmethod
    def save_replay(
        self,
        replay: Replay,
        events: Sequence[RecordedEvent],
        blobs: Mapping[str, bytes] | None = None,
        *,
        expected_updated_at: int | None = None,
        unchanged: int = 0,
        fast: bool = False,
        search: SearchFields | None = None,
    ) -> None:
        """Insert or replace ``replay`` and all of its events, atomically.

        ``events`` must be sorted by ``relative_time_ms``. Existing events of the replay are
        replaced (the recorder merges old and new before calling this). ``blobs`` are binary
        payloads (images) referenced by events' attachments, keyed by sha256 hex.

        ``expected_updated_at`` makes the save a compare-and-swap: it writes only if the stored
        replay's ``updated_at`` is still that (:data:`NEW_REPLAY`: only if there is none), else
        raises :class:`ReplayChanged` and writes nothing — how a merge read from the store is
        never saved over a newer one. With it, ``unchanged`` says that ``events[:unchanged]``
        are the stored events as they are: the chunks holding only those are kept and only the
        rest is encoded (a live recording's save costs its new events, not the whole replay).
        ``fast`` compresses new chunks for speed rather than size (live capture).
        ``search``: what :func:`~vibecast.store.search.search_fields` gives for ``replay`` and
        ``events``, when the caller knows it already (live capture keeps it as it goes).
        """

    @abstractmethod
    def get_blob(self, sha256: str) -> bytes | None:
        """A stored binary payload (an image an event refers to)."""

    @abstractmethod
    def get_replay(self, replay_id: str) -> Replay | None: ...

    @abstractmethod
    def find_replay_by_session(self, session_id: str, user_id: str = "local") -> Replay | None: ...

    @abstractmethod
    def resolve_replay(self, ref: str, user_id: str = "local") -> Replay:
        """A replay by full id, unique id prefix, or Claude session id (or its unique prefix).

        Raises :class:`ReplayNotFound` or :class:`AmbiguousReplayId`.
        """

    @abstractmethod
    def list_replays(
        self,
        user_id: str | None = "local",
        limit: int = 50,
        offset: int = 0,
        filters: ReplayFilter | None = None,
    ) -> list[Replay]:
        """Newest first (by recorded date). ``user_id=None`` lists every user's replays."""

    @abstractmethod
    def count_replays(
        self, user_id: str | None = "local", filters: ReplayFilter | None = None
    ) -> int:
        """How many replays ``list_replays`` would page through."""

    @abstractmethod
    def update_replay(
        self, replay_id: str, *, title: str | None = None, description: str | None = None
    ) -> Replay:
        """Change what a user may edit; raises ReplayNotFound."""

    @abstractmethod
    def delete_replay(self, replay_id: str) -> bool: ...

    # -- events ----------------------------------------------------------------------------
    @abstractmethod
    def read_events(
        self, replay_id: str, from_ms: int | None = None, to_ms: int | None = None
    ) -> list[RecordedEvent]:
        """Events with ``from_ms <= relative_time_ms <= to_ms``, reading only the chunks needed."""

    # -- imports ---------------------------------------------------------------------------
    @abstractmethod
    def get_import_source(self, path: str, user_id: str) -> ImportSource | None:
        """What ``user_id`` last imported from ``path``; the system only (None for a user)."""

    @abstractmethod
    def record_import_source(self, source: ImportSource) -> None:
        """Remember (or replace) ``source.user_id``'s import of ``source.path``; the system only."""

    # -- sharing ---------------------------------------------------------------------------
    def set_share(
        self, replay_id: str, token_hash: str, expires_at: int, *, share_notes: bool | None = None
    ) -> None:
        """Make the replay public behind a link (replacing any earlier link).

        ``share_notes``: whether the link also shows the owner's notes; None keeps what the
        replay had (off for a replay that had no link: revoking turns it off).
        """
        self._set_share(replay_id, token_hash, expires_at, share_notes)

    @abstractmethod
    def set_share_notes(self, replay_id: str, share_notes: bool) -> Share | None:
        """Show (or hide) the owner's notes on the replay's current link, keeping the link.

        Returns the link, or None when the replay has no live one — none, or expired (nothing
        is changed: the choice is made with a link, never stored ahead of one).
        ReplayNotFound unless the actor owns it.
        """

    def clear_share(self, replay_id: str) -> None:
        """Revoke the link and make the replay private again, at once; its notes stop showing
        (``share_notes`` off)."""
        self._set_share(replay_id, None, None, False)

    @abstractmethod
    def _set_share(
        self,
        replay_id: str,
        token_hash: str | None,
        expires_at: int | None,
        share_notes: bool | None,
    ) -> None:
        """The link (None: none, the replay private) and its ``share_notes`` (None: as it was,
        or off with no live link), owner only; ReplayNotFound otherwise."""

    @abstractmethod
    def replay_by_share(self, token_hash: str, now_ms: int) -> Replay | None:
        """The public replay behind an unexpired link, else None."""

    @abstractmethod
    def get_share(self, replay_id: str) -> Share | None:
        """The replay's current link (its owner only), expired or not; None when private."""

    # -- annotations and bookmarks -------------------------------------------------------------
    @abstractmethod
    def add_annotation(self, annotation: Annotation) -> Annotation: ...

    @abstractmethod
    def list_annotations(self, replay_id: str) -> list[Annotation]:
        """By ``timestamp_ms``: what the actor may read — their own annotations (notes and
        bookmarks) on a replay they may read, and the replay owner's notes (never bookmarks)
        while the replay is public through an unexpired link that shows them (``share_notes``).
        :data:`PUBLIC_VIEWER` has no annotations of its own; the system reads them all."""

    @abstractmethod
    def update_annotation(
        self,
        annotation_id: str,
        *,
        text: str | None = None,
        timestamp_ms: int | None = None,
        position: dict[str, Any] | None = None,
    ) -> Annotation: ...

    @abstractmethod
    def delete_annotation(self, annotation_id: str) -> bool: ...

    # -- users and tokens (server mode) --------------------------------------------------------
    @abstractmethod
    def create_user(self, name: str, *, is_admin: bool = False) -> User: ...

    @abstractmethod
    def get_user(self, user_id_or_name: str) -> User | None: ...

    @abstractmethod
    def list_users(self) -> list[User]: ...

    @abstractmethod
    def user_removal(self, user_id: str, *, transfer_to: str | None = None) -> UserRemoval:
        """What :meth:`remove_user` would do now (the system only; StoreError as it would)."""

    @abstractmethod
    def remove_user(self, user_id: str, *, transfer_to: str | None = None) -> UserRemoval:
        """Remove a user (by id) and all that lets them in, in one transaction; the system only.

        Their API tokens go, and so every web sign-in made with one; their annotations on
        replays they do not own go. Their replays are never deleted here: with ``transfer_to``
        (another user's id) the replays, their share links, the user's own annotations on them,
        their export jobs and the records of what they imported (but a path the heir has a
        record of keeps the heir's) become that user's; their records left are deleted.
        Without it a user who still owns replays is refused (delete those first, as
        ``vibecast users remove --delete-replays`` does).
        StoreError for an unknown user, the built-in ``local`` one, a transfer to themselves,
        or a transfer of a session the heir already has a replay of (``conflicts``).
        """

    @abstractmethod
    def add_token(self, token: ApiToken) -> None: ...

    @abstractmethod
    def user_for_token(self, token_hash: str, now_ms: int) -> User | None:
        """The owner of an unrevoked token (and note its use), else None."""

    @abstractmethod
    def revoke_token(self, token_id: str) -> bool: ...

    @abstractmethod
    def list_tokens(self, user_id: str | None = None) -> list[ApiToken]:
        """Tokens as stored (hashes only), of one user or of everyone the actor may see."""

    # -- accounting ------------------------------------------------------------------------
    @abstractmethod
    def stats(self) -> StoreStats: ...

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
