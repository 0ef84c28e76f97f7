"""Removing a user in the store (``remove_user``, ``user_removal``), on every backend
(``any_store``): their tokens go, their annotations on other users' replays go, their replays
are never deleted here — refused while they own any, or handed on whole (share link, notes,
bookmarks, exports) to another user — and only the system may do it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest
from store_helpers import BASE_TS, make_event, make_replay

from vibecast.export.jobs import ExportJob, job_store, new_job_id
from vibecast.export.request import ExportRequest
from vibecast.store.base import (
    PUBLIC_VIEWER,
    AccessDenied,
    Annotation,
    ApiToken,
    ImportSource,
    Store,
    StoreError,
    User,
)

FAR = BASE_TS * 10  # a share expiry far in the future
BOBS_SHARED = "00000000-0000-4000-8000-00000000b001"
BOBS_PRIVATE = "00000000-0000-4000-8000-00000000b002"
ALICES = "00000000-0000-4000-8000-00000000a001"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Team:
    alice: User
    bob: User
    carol: User
    link: str  # the token of Bob's share link (its hash is stored)
    job: str  # an export job of Bob's shared replay


def add_token(store: Store, user: User) -> None:
    store.add_token(
        ApiToken(
            id=f"tok-{user.name}",
            user_id=user.id,
            name="laptop",
            token_hash=digest(f"token-of-{user.name}"),
            created_at=BASE_TS,
        )
    )


def note(replay_id: str, user: User, text: str, kind: str = "note") -> Annotation:
    return Annotation(
        id=f"{user.name}-{kind}-{replay_id[-4:]}",
        replay_id=replay_id,
        user_id=user.id,
        timestamp_ms=1000,
        text=text,
        kind=kind,
    )


def team(store: Store, *, bob_owns_replays: bool = True) -> Team:
    """Alice's replay, with her note and a note Bob left on it (written by the system, as a
    replay that changed hands or an import leaves them); Bob's shared replay (link showing his
    notes) with his note, bookmark and an export, and his private one; Carol, who owns nothing.
    Each has a token."""
    alice, bob, carol = (store.create_user(name) for name in ("alice", "bob", "carol"))
    for user in (alice, bob, carol):
        add_token(store, user)
    store.save_replay(
        make_replay(ALICES, user_id=alice.id, session_id="a-1"), [make_event(0, 0, "a-1")]
    )
    store.add_annotation(note(ALICES, alice, "alice on her own"))
    store.add_annotation(note(ALICES, bob, "bob on alice's"))
    job = new_job_id()
    if bob_owns_replays:
        for replay_id, session in ((BOBS_SHARED, "b-1"), (BOBS_PRIVATE, "b-2")):
            replay = make_replay(replay_id, user_id=bob.id, session_id=session)
            store.save_replay(replay, [make_event(0, 0, session), make_event(1, 2000, session)])
        store.set_share(BOBS_SHARED, digest("bobs-link"), FAR, share_notes=True)
        bobs = store.acting_as(bob.id)
        bobs.add_annotation(note(BOBS_SHARED, bob, "bob's note on his"))
        bobs.add_annotation(note(BOBS_SHARED, bob, "", kind="bookmark"))
        job_store(store).add(
            ExportJob(
                id=job,
                replay_id=BOBS_SHARED,
                user_id=bob.id,
                request=ExportRequest(),
                created_at=BASE_TS,
                updated_at=BASE_TS,
            )
        )
    return Team(alice, bob, carol, "bobs-link", job)


def imported(store: Store, user: User, path: str, replay_ids: list[str]) -> None:
    """Record that ``user`` imported ``path`` into ``replay_ids`` (its fingerprint names both)."""
    store.record_import_source(
        ImportSource(
            user_id=user.id,
            path=path,
            size=1,
            mtime_ns=1,
            fingerprint=f"{user.name}:{path}",
            replay_ids=replay_ids,
        )
    )


def import_records(store: Store, t: Team, *paths: str) -> dict[tuple[str, str], str]:
    """(user name, path) -> fingerprint of every record of ``paths``, by any of the team."""
    found = {}
    for user in (t.alice, t.bob, t.carol):
        for path in paths:
            source = store.get_import_source(path, user.id)
            if source is not None:
                found[user.name, path] = source.fingerprint
    return found


def texts(annotations: list[Annotation]) -> list[str]:
    return sorted(a.text for a in annotations)


def still_there(store: Store, t: Team) -> None:
    """Bob, his token and everything of his as before a refused removal."""
    assert store.get_user(t.bob.id) == t.bob
    assert store.user_for_token(digest("token-of-bob"), BASE_TS) == t.bob
    assert store.count_replays(t.bob.id) == 2
    assert texts(store.list_annotations(ALICES)) == ["alice on her own", "bob on alice's"]
    assert store.replay_by_share(digest(t.link), BASE_TS).user_id == t.bob.id


def test_removing_a_user_takes_their_tokens_and_annotations_on_others_replays(
    any_store: Store,
) -> None:
    t = team(any_store, bob_owns_replays=False)
    preview = any_store.user_removal(t.bob.id)
    assert (preview.user, preview.heir, preview.tokens, preview.replays) == (t.bob, None, 1, 0)
    assert preview.annotations_elsewhere == 1 and preview.conflicts == []
    assert any_store.get_user(t.bob.id) is not None  # a preview changes nothing

    done = any_store.remove_user(t.bob.id)
    assert done == preview
    assert any_store.get_user(t.bob.id) is None and any_store.get_user("bob") is None
    assert any_store.user_for_token(digest("token-of-bob"), BASE_TS) is None
    assert any_store.list_tokens(t.bob.id) == []
    assert texts(any_store.list_annotations(ALICES)) == ["alice on her own"]
    # Nobody else lost anything.
    assert any_store.user_for_token(digest("token-of-alice"), BASE_TS) == t.alice
    assert {u.name for u in any_store.list_users()} == {"alice", "carol", "local"}
    assert any_store.count_replays(t.alice.id) == 1


def test_a_user_who_still_owns_replays_is_refused_and_keeps_everything(any_store: Store) -> None:
    t = team(any_store)
    preview = any_store.user_removal(t.bob.id)
    assert (preview.replays, preview.shared, preview.exports) == (2, 1, 1)
    with pytest.raises(StoreError, match="bob still owns 2 replay"):
        any_store.remove_user(t.bob.id)
    still_there(any_store, t)


def test_a_transfer_hands_on_replays_with_their_link_notes_and_exports(any_store: Store) -> None:
    t = team(any_store)
    before = any_store.replay_by_share(digest(t.link), BASE_TS)
    done = any_store.remove_user(t.bob.id, transfer_to=t.carol.id)
    assert (done.heir, done.replays, done.shared, done.annotations_elsewhere) == (t.carol, 2, 1, 1)

    assert any_store.get_user(t.bob.id) is None
    assert any_store.user_for_token(digest("token-of-bob"), BASE_TS) is None
    carol = any_store.acting_as(t.carol.id)
    assert {r.id for r in carol.list_replays(t.carol.id)} == {BOBS_SHARED, BOBS_PRIVATE}
    assert any_store.count_replays(t.bob.id) == 0
    assert len(carol.read_events(BOBS_PRIVATE)) == 2
    # The link works as before, and still shows the owner's notes (not the bookmark).
    shared = any_store.replay_by_share(digest(t.link), BASE_TS)
    assert shared.id == BOBS_SHARED and shared.user_id == t.carol.id
    assert shared.updated_at > before.updated_at  # changed hands: a save read before is stale
    viewer = any_store.acting_as(PUBLIC_VIEWER)
    assert texts(viewer.list_annotations(BOBS_SHARED)) == ["bob's note on his"]
    # Carol has Bob's annotations on them as her own, and his export.
    mine = carol.list_annotations(BOBS_SHARED)
    assert {(a.kind, a.user_id) for a in mine} == {("note", t.carol.id), ("bookmark", t.carol.id)}
    carol.update_annotation(mine[0].id, text="carol's now")
    assert job_store(any_store).get(t.job, t.carol.id) is not None
    # Bob's note on Alice's replay went with him; Alice's own stayed.
    assert texts(any_store.list_annotations(ALICES)) == ["alice on her own"]


def test_a_transfer_of_a_session_the_heir_already_has_is_refused(any_store: Store) -> None:
    t = team(any_store)
    any_store.save_replay(
        make_replay(ALICES[:-4] + "a002", user_id=t.alice.id, session_id="b-2"),
        [make_event(0, 0, "b-2")],
    )
    assert any_store.user_removal(t.bob.id, transfer_to=t.alice.id).conflicts == ["b-2"]
    assert any_store.user_removal(t.bob.id, transfer_to=t.carol.id).conflicts == []
    with pytest.raises(StoreError, match=r"alice already has a replay of 1 of bob's .*b-2"):
        any_store.remove_user(t.bob.id, transfer_to=t.alice.id)
    still_there(any_store, t)


def test_local_unknown_users_and_a_transfer_to_oneself_are_refused(any_store: Store) -> None:
    t = team(any_store)
    with pytest.raises(StoreError, match="built-in user 'local' cannot be removed"):
        any_store.remove_user("local")
    assert any_store.get_user("local") is not None
    with pytest.raises(StoreError, match="no user 'nobody'"):
        any_store.remove_user("nobody")
    with pytest.raises(StoreError, match="no user 'nobody'"):
        any_store.remove_user(t.bob.id, transfer_to="nobody")
    with pytest.raises(StoreError, match="cannot transfer bob's replays to bob"):
        any_store.remove_user(t.bob.id, transfer_to=t.bob.id)
    still_there(any_store, t)


def test_only_the_system_removes_users(any_store: Store) -> None:
    t = team(any_store, bob_owns_replays=False)
    for actor in (t.alice.id, t.bob.id, PUBLIC_VIEWER):
        with pytest.raises(AccessDenied, match="only the system"):
            any_store.acting_as(actor).remove_user(t.bob.id)
        with pytest.raises(AccessDenied, match="only the system"):
            any_store.acting_as(actor).user_removal(t.bob.id)
    assert any_store.get_user(t.bob.id) == t.bob


def test_a_removed_users_import_records_go_with_them(any_store: Store) -> None:
    t = team(any_store, bob_owns_replays=False)
    imported(any_store, t.bob, "/x.jsonl", [])
    imported(any_store, t.alice, "/x.jsonl", [ALICES])
    any_store.remove_user(t.bob.id)
    assert import_records(any_store, t, "/x.jsonl") == {("alice", "/x.jsonl"): "alice:/x.jsonl"}


def test_a_transfer_hands_on_the_import_records_of_the_replays(any_store: Store) -> None:
    """The heir's next import of Bob's files skips them, as Bob's would have: their replays are
    hers now. Where she has a record of the same path already, hers stays."""
    t = team(any_store)
    imported(any_store, t.bob, "/b-1.jsonl", [BOBS_SHARED])
    imported(any_store, t.bob, "/b-2.jsonl", [BOBS_PRIVATE])
    imported(any_store, t.carol, "/b-2.jsonl", [])
    imported(any_store, t.alice, "/b-1.jsonl", [ALICES])
    any_store.remove_user(t.bob.id, transfer_to=t.carol.id)
    assert import_records(any_store, t, "/b-1.jsonl", "/b-2.jsonl") == {
        ("alice", "/b-1.jsonl"): "alice:/b-1.jsonl",
        ("carol", "/b-1.jsonl"): "bob:/b-1.jsonl",
        ("carol", "/b-2.jsonl"): "carol:/b-2.jsonl",
    }
    assert any_store.get_import_source("/b-1.jsonl", t.carol.id).replay_ids == [BOBS_SHARED]
