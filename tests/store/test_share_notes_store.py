""" "Show my notes on the link" in the store, on every backend (``any_store``): a share link's
anonymous viewer (``PUBLIC_VIEWER``) reads the replay owner's notes only while the owner has
turned ``share_notes`` on for a live link — never their bookmarks, never anyone else's
annotations — and revoking, expiring or turning it off hides them at once. A signed-in teammate
reading the public replay gets the same notes, plus their own annotations, and not the flag. On
PostgreSQL the same is checked around the app, with plain SQL as the app's role (nobody named, or
a teammate), so it is row-level security that enforces it, not the store's queries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import msgspec
import pytest
from store_helpers import BASE_TS, make_event, make_replay
from test_store_postgres_rls import _as_app

from vibecast.model import Replay
from vibecast.store.base import PUBLIC_VIEWER, Annotation, ReplayNotFound, Store
from vibecast.store.postgres import PostgresStore

ALICE = "a11ce000-0000-4000-8000-000000000001"
BOB = "b0b00000-0000-4000-8000-000000000002"
CAROL = "ca201000-0000-4000-8000-000000000003"
REPLAY = "00000000-0000-4000-8000-00000000a001"
OTHER = "00000000-0000-4000-8000-00000000a002"
FAR = BASE_TS * 10  # an expiry far in the future
PAST = BASE_TS  # an expiry long gone


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Annotated:
    """Alice's replay with her note, her bookmark, and Bob's note and bookmark on it (left there
    by the system: a replay that changed hands, an import) — only the first may ever reach a
    link; Bob's are his alone."""

    replay: Replay
    note: Annotation
    bookmark: Annotation
    bobs_note: Annotation
    bobs_bookmark: Annotation


def annotate(store: Store, replay_id: str = REPLAY, session: str = "alice-1") -> Annotated:
    replay = make_replay(replay_id, session_id=session, user_id=ALICE, title=session)
    store.save_replay(replay, [make_event(0, 0, session=session), make_event(1, 9000, session)])

    def on_it(name: str, user_id: str, timestamp_ms: int, **fields: Any) -> Annotation:
        return Annotation(
            id=f"{name}-{session}",
            replay_id=replay_id,
            user_id=user_id,
            timestamp_ms=timestamp_ms,
            **fields,
        )

    alice = store.acting_as(ALICE)
    position = {"x": 1.5, "y": -2}
    note = alice.add_annotation(
        on_it("note", ALICE, 5000, text="Watch the test fail here", position=position)
    )
    bookmark = alice.add_annotation(on_it("mark", ALICE, 6000, text="my bookmark", kind="bookmark"))
    # The system may write in anyone's name.
    bobs_note = store.add_annotation(on_it("bob", BOB, 7000, text="bob's"))
    bobs_bookmark = store.add_annotation(on_it("bob-mark", BOB, 8000, kind="bookmark"))
    return Annotated(replay, note, bookmark, bobs_note, bobs_bookmark)


def public_notes(store: Store, replay_id: str = REPLAY) -> list[str]:
    return [a.id for a in store.acting_as(PUBLIC_VIEWER).list_annotations(replay_id)]


def test_the_link_shows_the_owners_notes_only_while_turned_on(any_store: Store) -> None:
    world = annotate(any_store)
    alice = any_store.acting_as(ALICE)
    assert public_notes(any_store) == []  # private
    alice.set_share(REPLAY, digest("t1"), FAR)
    assert public_notes(any_store) == []  # shared, notes off by default
    shared = any_store.replay_by_share(digest("t1"), BASE_TS)
    assert shared is not None and shared.share_notes is False

    link = alice.set_share_notes(REPLAY, True)
    assert link is not None and link.share_notes and link.token_hash == digest("t1")
    # Only the owner's note: not her bookmark, not Bob's note.
    assert public_notes(any_store) == [world.note.id]
    assert any_store.acting_as(PUBLIC_VIEWER).list_annotations(REPLAY) == [world.note]
    shared = any_store.replay_by_share(digest("t1"), BASE_TS)
    assert shared is not None and shared.share_notes is True  # the same link, still working
    assert alice.get_share(REPLAY).share_notes is True  # type: ignore[union-attr]
    assert alice.get_replay(REPLAY).share_notes is True  # type: ignore[union-attr]
    # The owner still reads all of hers.
    assert {world.note.id, world.bookmark.id} <= {a.id for a in alice.list_annotations(REPLAY)}

    assert alice.set_share_notes(REPLAY, False).share_notes is False  # type: ignore[union-attr]
    assert public_notes(any_store) == []
    alice.set_share_notes(REPLAY, True)
    assert public_notes(any_store) == [world.note.id]


def test_revoking_expiring_or_a_private_save_hides_the_notes(any_store: Store) -> None:
    world = annotate(any_store)
    alice = any_store.acting_as(ALICE)
    alice.set_share(REPLAY, digest("t1"), FAR, share_notes=True)
    assert public_notes(any_store) == [world.note.id]
    # A new link replacing a live one keeps the owner's choice.
    alice.set_share(REPLAY, digest("t2"), FAR)
    assert public_notes(any_store) == [world.note.id]

    alice.clear_share(REPLAY)
    assert public_notes(any_store) == []
    assert alice.get_replay(REPLAY).share_notes is False  # type: ignore[union-attr]
    # Revoking turned it off: a later link starts with the notes hidden again.
    alice.set_share(REPLAY, digest("t3"), FAR)
    assert public_notes(any_store) == []
    assert alice.get_share(REPLAY).share_notes is False  # type: ignore[union-attr]

    alice.set_share(REPLAY, digest("t4"), PAST, share_notes=True)  # expired
    assert public_notes(any_store) == []
    assert alice.get_replay(REPLAY).share_notes is False  # type: ignore[union-attr]

    # A new link replacing an expired one does not bring its notes back unless told to.
    alice.set_share(REPLAY, digest("t5"), FAR)
    assert public_notes(any_store) == []
    alice.set_share(REPLAY, digest("t5"), FAR, share_notes=True)
    assert public_notes(any_store) == [world.note.id]
    # Saving the replay as private (the recorder re-saving an unshared copy) drops link and notes.
    stored = alice.get_replay(REPLAY)
    assert stored is not None
    any_store.save_replay(
        msgspec.structs.replace(stored, is_public=False), any_store.read_events(REPLAY)
    )
    assert public_notes(any_store) == []
    alice.set_share(REPLAY, digest("t6"), FAR)
    assert public_notes(any_store) == []


def test_only_the_owner_turns_the_notes_on_and_only_on_a_link(any_store: Store) -> None:
    world = annotate(any_store)
    annotate(any_store, OTHER, "alice-2")  # her other replay, private, with a note
    alice, bob = any_store.acting_as(ALICE), any_store.acting_as(BOB)
    # No link: nothing is stored ahead of one; nor on an expired link (it is no link).
    assert alice.set_share_notes(REPLAY, True) is None
    alice.set_share(REPLAY, digest("t0"), PAST)
    assert alice.set_share_notes(REPLAY, True) is None
    alice.set_share(REPLAY, digest("t1"), FAR)
    assert public_notes(any_store) == []
    # Bob may not, even on her public replay; the anonymous viewer may not either.
    for stranger in (bob, any_store.acting_as(PUBLIC_VIEWER)):
        with pytest.raises(ReplayNotFound):
            stranger.set_share_notes(REPLAY, True)
    assert public_notes(any_store) == []
    with pytest.raises(ReplayNotFound):
        alice.set_share_notes("00000000-0000-4000-8000-0000000000ff", True)
    # One replay's link shows that replay's notes, not those of her other (private) replay.
    alice.set_share_notes(REPLAY, True)
    assert public_notes(any_store, OTHER) == []
    assert public_notes(any_store) == [world.note.id]


def read_by(store: Store, user: str, replay_id: str = REPLAY) -> list[str]:
    return [a.id for a in store.acting_as(user).list_annotations(replay_id)]


def test_a_teammate_reads_the_shown_notes_and_their_own_only(any_store: Store) -> None:
    world = annotate(any_store)
    carols = any_store.add_annotation(  # another teammate's private note
        Annotation(id="carol", replay_id=REPLAY, user_id=CAROL, timestamp_ms=9000, text="carol's")
    )
    alice = any_store.acting_as(ALICE)
    bobs = [world.bobs_note.id, world.bobs_bookmark.id]
    # The owner reads all of hers (none of the others'), shared or not.
    assert read_by(any_store, ALICE) == [world.note.id, world.bookmark.id]
    assert read_by(any_store, BOB) == []  # private: not even his own
    alice.set_share(REPLAY, digest("t1"), FAR)
    # Public, notes not shown: Bob reads his own, nothing of Alice's or Carol's.
    assert read_by(any_store, BOB) == bobs
    assert read_by(any_store, CAROL) == [carols.id]
    assert read_by(any_store, ALICE) == [world.note.id, world.bookmark.id]
    alice.set_share_notes(REPLAY, True)
    # Shown: her note joins his own — never her bookmark, never Carol's note.
    assert read_by(any_store, BOB) == [world.note.id, *bobs]
    assert read_by(any_store, CAROL) == [world.note.id, carols.id]
    assert read_by(any_store, ALICE) == [world.note.id, world.bookmark.id]
    # The flag is the owner's setting: told to her, not to him.
    assert alice.get_replay(REPLAY).share_notes is True  # type: ignore[union-attr]
    assert any_store.acting_as(BOB).get_replay(REPLAY).share_notes is False  # type: ignore[union-attr]
    listed = any_store.acting_as(BOB).list_replays(ALICE)
    assert [(r.id, r.share_notes) for r in listed] == [(REPLAY, False)]
    alice.set_share_notes(REPLAY, False)
    assert read_by(any_store, BOB) == bobs
    alice.set_share(REPLAY, digest("t2"), PAST)  # expired: private again
    assert read_by(any_store, BOB) == []
    # Nobody but an author changes an annotation, even their own on someone else's replay.
    alice.set_share(REPLAY, digest("t3"), FAR, share_notes=True)
    bob = any_store.acting_as(BOB)
    assert not bob.delete_annotation(world.note.id)
    assert not bob.delete_annotation(world.bobs_note.id)
    assert read_by(any_store, BOB) == [world.note.id, *bobs]


# -- PostgreSQL: the policy itself, with plain SQL ----------------------------------------------
@pytest.fixture
def pg_world(migrated_postgres_url: str) -> Iterator[tuple[str, PostgresStore, Annotated]]:
    store = PostgresStore(migrated_postgres_url)
    world = annotate(store)
    store.set_share(REPLAY, digest("t1"), FAR)
    yield migrated_postgres_url, store, world
    store.close()


def _visible(url: str, user: str | None) -> set[str]:
    with _as_app(url, user) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM replay_annotations")}


def test_row_level_security_lets_nobody_read_only_the_shown_notes(
    pg_world: tuple[str, PostgresStore, Annotated],
) -> None:
    url, store, world = pg_world
    for nobody in (None, ""):  # no user named, or named as the share viewer is
        assert _visible(url, nobody) == set()  # a live link, notes not shown
    store.set_share_notes(REPLAY, True)
    for nobody in (None, ""):
        assert _visible(url, nobody) == {world.note.id}
    store.set_share_notes(REPLAY, False)
    assert _visible(url, None) == set()
    store.set_share(REPLAY, digest("t2"), FAR, share_notes=True)
    assert _visible(url, None) == {world.note.id}
    store.set_share(REPLAY, digest("t2"), PAST)  # expired
    assert _visible(url, None) == set()
    store.set_share(REPLAY, digest("t3"), FAR, share_notes=True)
    store.clear_share(REPLAY)
    assert _visible(url, None) == set()
    assert _visible(url, BOB) == set()


def test_row_level_security_lets_a_teammate_read_the_shown_notes_and_their_own(
    pg_world: tuple[str, PostgresStore, Annotated],
) -> None:
    url, store, world = pg_world
    bobs = {world.bobs_note.id, world.bobs_bookmark.id}
    mine = {world.note.id, world.bookmark.id}
    # A live link, notes not shown: the teammate reads his own, none of the owner's.
    assert _visible(url, BOB) == bobs
    assert _visible(url, ALICE) == mine
    store.set_share_notes(REPLAY, True)
    assert _visible(url, BOB) == bobs | {world.note.id}  # her note, never her bookmark
    assert _visible(url, CAROL) == {world.note.id}
    assert _visible(url, ALICE) == mine
    store.clear_share(REPLAY)  # private: not even his own
    assert _visible(url, BOB) == set()
    assert _visible(url, ALICE) == mine


def test_row_level_security_refuses_turning_notes_on_for_someone_else(
    pg_world: tuple[str, PostgresStore, Annotated],
) -> None:
    url, store, _ = pg_world
    for user in (None, BOB):
        with _as_app(url, user) as conn:
            changed = conn.execute(
                "UPDATE replays SET share_notes = true WHERE id = %s", (REPLAY,)
            ).rowcount
            assert changed == 0
    assert _visible(url, None) == set()
    share = store.get_share(REPLAY)
    assert share is not None and share.share_notes is False
