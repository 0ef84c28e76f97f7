"""The Store contract of server mode, run against every backend (``any_store``): who sees what
(``acting_as``), list filters and counts, editing, share links, annotations and bookmarks, users
and API tokens. The same test passing on SQLite and PostgreSQL is what makes them interchangeable.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

import msgspec
import pytest
from store_helpers import BASE_TS, make_event, make_replay

from vibecast.model import RecordedEvent, Replay, ReplayMetadata
from vibecast.store.base import (
    PUBLIC_VIEWER,
    AccessDenied,
    Annotation,
    AnnotationNotFound,
    ApiToken,
    ImportSource,
    ReplayFilter,
    ReplayNotFound,
    Share,
    Store,
    StoreError,
)
from vibecast.store.codec import BLOB_MIN_BYTES

ALICE = "a11ce000-0000-4000-8000-000000000001"
BOB = "b0b00000-0000-4000-8000-000000000002"
DAY = 86_400_000
FAR = BASE_TS * 10  # an expiry far in the future
BIG = "x" * (BLOB_MIN_BYTES + 10)  # stored as a blob


def rid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_events(
    session: str,
    *,
    prompts: tuple[str, ...] = (),
    tools: tuple[str, ...] = (),
    day: int = 0,
    big: bool = False,
) -> list[RecordedEvent]:
    """A session's events: its prompts, then one tool call per tool, ``day`` days after BASE_TS."""
    events = [
        make_event(i, i * 1000, session=session, type="user_prompt_submit", prompt=p, text=None)
        for i, p in enumerate(prompts)
    ]
    start = len(events)
    events += [
        make_event(start + i, (start + i) * 1000, session=session, type="pre_tool_use", tool=t)
        for i, t in enumerate(tools)
    ]
    events.append(make_event(len(events), len(events) * 1000, session=session, text="done"))
    if big:
        events.append(make_event(len(events), len(events) * 1000, session=session, text=BIG))
    for event in events:
        event.timestamp += day * DAY
        event.recorded_at += day * DAY
    return events


def save(
    store: Store,
    n: int,
    user: str = ALICE,
    *,
    title: str = "",
    prompts: tuple[str, ...] = (),
    tools: tuple[str, ...] = (),
    files: tuple[str, ...] = (),
    day: int = 0,
    big: bool = False,
    status: str = "complete",
) -> Replay:
    session = f"session-{n}"
    events = session_events(session, prompts=prompts, tools=tools, day=day, big=big)
    metadata = ReplayMetadata(
        event_count=len(events),
        tool_breakdown={t: tools.count(t) for t in tools},
        files_touched=list(files),
        session_name=title,
    )
    replay = make_replay(rid(n), session_id=session, user_id=user, title=title, metadata=metadata)
    if status != replay.status:
        replay = msgspec.structs.replace(replay, status=status)
    store.save_replay(replay, events)
    return replay


def ids(replays: list[Replay]) -> list[str]:
    return [r.id for r in replays]


# -- who sees what ------------------------------------------------------------------------------
def test_owners_see_their_own_replays_and_nobody_else_does(any_store: Store) -> None:
    mine = save(any_store, 1, ALICE, big=True)
    alice, bob = any_store.acting_as(ALICE), any_store.acting_as(BOB)
    assert alice.get_replay(mine.id) == mine
    assert alice.read_events(mine.id) == any_store.read_events(mine.id)
    blob = hashlib.sha256(BIG.encode()).hexdigest()
    assert alice.get_blob(blob) == BIG.encode()
    assert ids(alice.list_replays(ALICE)) == [mine.id]
    assert alice.resolve_replay(mine.id[:8], user_id=ALICE) == mine

    assert bob.get_replay(mine.id) is None
    assert bob.read_events(mine.id) == []
    assert bob.get_blob(blob) is None
    assert bob.list_replays(user_id=None) == []
    assert bob.list_replays(user_id=ALICE) == []
    assert bob.count_replays(user_id=None) == 0
    assert bob.find_replay_by_session("session-1", ALICE) is None
    with pytest.raises(ReplayNotFound):
        bob.resolve_replay(mine.id, user_id=ALICE)
    with pytest.raises(ReplayNotFound):
        bob.update_replay(mine.id, title="mine now")
    assert not bob.delete_replay(mine.id)
    with pytest.raises(ReplayNotFound):
        bob.set_share(mine.id, digest("t"), FAR)
    with pytest.raises(ReplayNotFound):
        bob.clear_share(mine.id)
    assert bob.get_share(mine.id) is None
    stats = bob.stats()
    assert (stats.replays, stats.events, stats.chunks, stats.blobs) == (0, 0, 0, 0)
    # Nothing changed for the owner.
    assert any_store.get_replay(mine.id) == mine
    assert alice.stats().replays == 1


def test_nobody_writes_as_someone_else(any_store: Store) -> None:
    mine = save(any_store, 1, ALICE)
    bob = any_store.acting_as(BOB)
    stolen = make_replay(mine.id, session_id="session-1", user_id=BOB, title="taken")
    with pytest.raises(AccessDenied):
        bob.save_replay(stolen, session_events("session-1"))
    with pytest.raises(AccessDenied):
        bob.save_replay(make_replay(rid(2), session_id="s2", user_id=ALICE), [])
    any_store.set_share(mine.id, digest("t"), FAR)  # readable by bob now, still not writable
    with pytest.raises(AccessDenied):
        bob.save_replay(stolen, session_events("session-1"))
    assert any_store.get_replay(mine.id).title == ""  # type: ignore[union-attr]
    assert any_store.read_events(mine.id) == session_events("session-1")


def test_public_replays_are_readable_by_anyone_until_revoked_or_expired(any_store: Store) -> None:
    mine = save(any_store, 1, ALICE, big=True)
    save(any_store, 2, ALICE)  # stays private
    alice, bob = any_store.acting_as(ALICE), any_store.acting_as(BOB)
    nobody = any_store.acting_as(PUBLIC_VIEWER)
    alice.set_share(mine.id, digest("secret"), FAR)
    for viewer in (bob, nobody):
        shared = viewer.get_replay(mine.id)
        assert shared is not None and shared.is_public
        assert viewer.read_events(mine.id) == any_store.read_events(mine.id)
        assert viewer.get_blob(hashlib.sha256(BIG.encode()).hexdigest()) == BIG.encode()
        assert ids(viewer.list_replays(user_id=None)) == [mine.id]
        assert viewer.count_replays(user_id=None) == 1
        assert viewer.replay_by_share(digest("secret"), BASE_TS) == shared
        assert viewer.get_share(mine.id) is None  # the link itself is the owner's
        with pytest.raises(ReplayNotFound):
            viewer.update_replay(mine.id, title="defaced")
        assert not viewer.delete_replay(mine.id)
    assert alice.get_share(mine.id) == Share(
        replay_id=mine.id, token_hash=digest("secret"), expires_at=FAR
    )
    # A guessed or altered token finds nothing; an expired link neither.
    assert bob.replay_by_share(digest("secreT"), BASE_TS) is None
    assert bob.replay_by_share(digest("secret"), FAR) is None
    # Revoking takes effect at once.
    alice.clear_share(mine.id)
    assert bob.get_replay(mine.id) is None
    assert bob.read_events(mine.id) == []
    assert nobody.replay_by_share(digest("secret"), BASE_TS) is None
    assert alice.get_share(mine.id) is None
    assert not alice.get_replay(mine.id).is_public  # type: ignore[union-attr]
    # A share that has expired is private again, for everyone.
    alice.set_share(mine.id, digest("old"), BASE_TS)
    assert bob.get_replay(mine.id) is None
    assert nobody.list_replays(user_id=None) == []
    assert not any_store.get_replay(mine.id).is_public  # type: ignore[union-attr]
    assert alice.get_share(mine.id) == Share(
        replay_id=mine.id, token_hash=digest("old"), expires_at=BASE_TS
    )


def test_a_new_link_replaces_the_old_one(any_store: Store) -> None:
    mine = save(any_store, 1)
    any_store.set_share(mine.id, digest("one"), FAR)
    any_store.set_share(mine.id, digest("two"), FAR)
    assert any_store.replay_by_share(digest("one"), BASE_TS) is None
    assert any_store.replay_by_share(digest("two"), BASE_TS) is not None
    other = save(any_store, 2)
    with pytest.raises(StoreError):
        any_store.set_share(other.id, digest("two"), FAR)
    with pytest.raises(ReplayNotFound):
        any_store.set_share(rid(99), digest("three"), FAR)


def test_saving_again_keeps_a_live_share(any_store: Store) -> None:
    mine = save(any_store, 1)
    any_store.set_share(mine.id, digest("t"), FAR)
    shared = any_store.get_replay(mine.id)
    assert shared is not None
    any_store.save_replay(shared, session_events("session-1", prompts=("more",)))
    assert any_store.replay_by_share(digest("t"), BASE_TS) is not None


def test_the_system_sees_everything(any_store: Store) -> None:
    save(any_store, 1, ALICE)
    save(any_store, 2, BOB, day=1)
    assert ids(any_store.list_replays(user_id=None)) == [rid(2), rid(1)]
    assert any_store.count_replays(user_id=None) == 2
    assert any_store.acting_as(None).count_replays(user_id=None) == 2
    assert any_store.stats().replays == 2


def test_imports_are_the_systems_bookkeeping(any_store: Store) -> None:
    source = ImportSource(
        user_id=ALICE, path="/p.jsonl", size=1, mtime_ns=1, fingerprint="f", replay_ids=[]
    )
    any_store.record_import_source(source)
    assert any_store.get_import_source("/p.jsonl", ALICE) == source
    alice = any_store.acting_as(ALICE)
    assert alice.get_import_source("/p.jsonl", ALICE) is None
    with pytest.raises(AccessDenied):
        alice.record_import_source(source)
    assert alice.stats().raw_bytes_imported == 0
    assert any_store.stats().raw_bytes_imported == 1


# -- listing: filters, counts, pages -------------------------------------------------------------
@pytest.fixture
def catalogue(any_store: Store) -> Store:
    """Five replays of Alice's and one of Bob's, each findable by something different."""
    save(
        any_store,
        1,
        title="Fix the flaky test",
        prompts=("please fix tests/test_api.py", "run it again"),
        tools=("Bash", "Read"),
        files=("/src/app/api.py", "/src/tests/test_api.py"),
        day=1,
    )
    save(
        any_store,
        2,
        title="Write docs",
        prompts=("Document the 100% coverage_rule",),
        tools=("Write",),
        files=("/docs/README.md",),
        day=2,
    )
    save(
        any_store,
        3,
        title="Refactor",
        prompts=("rename Foo to Bar",),
        tools=("Edit",),
        day=3,
        status="recording",
    )
    save(any_store, 4, title="Ünïcode title", prompts=("übersicht",), tools=("mcp__x__y",), day=4)
    save(any_store, 5, title="", prompts=(), tools=(), day=5)
    save(any_store, 6, BOB, title="Bob fixes things", prompts=("fix it",), tools=("Bash",), day=6)
    return any_store


FILTER_CASES: list[tuple[ReplayFilter, list[int]]] = [
    (ReplayFilter(), [5, 4, 3, 2, 1]),
    (ReplayFilter(tool="Bash"), [1]),
    (ReplayFilter(tool="bash"), [1]),  # tool names match case-insensitively
    (ReplayFilter(tool="Bas"), []),  # ... but whole
    (ReplayFilter(tool="MCP__X__Y"), [4]),
    (ReplayFilter(file="test_api"), [1]),
    (ReplayFilter(file="/SRC/"), [1]),
    (ReplayFilter(file="md"), [2]),  # shorter than a trigram: scanned
    (ReplayFilter(file="nowhere"), []),
    (ReplayFilter(text="flaky"), [1]),  # in the title
    (ReplayFilter(text="AGAIN"), [1]),  # in a prompt, any case
    (ReplayFilter(text="fix"), [1]),  # Bob's is not Alice's
    (ReplayFilter(text="100%"), [2]),  # LIKE wildcards are plain characters
    (ReplayFilter(text="%"), [2]),
    (ReplayFilter(text="e_r"), [2]),
    (ReplayFilter(text="_"), [2, 1]),
    (ReplayFilter(text='"'), []),
    (ReplayFilter(text="Foo to"), [3]),  # across words
    (ReplayFilter(text="o t"), [3]),
    (ReplayFilter(text="ü"), [4]),
    (ReplayFilter(text="übersicht"), [4]),
    (ReplayFilter(text="ÜNÏCODE"), [4]),  # case folds beyond ASCII (3+ characters)
    (ReplayFilter(text="  flaky  "), [1]),  # surrounding blanks do not count
    (ReplayFilter(text="   "), [5, 4, 3, 2, 1]),  # a blank filter is no filter
    (ReplayFilter(since_ms=BASE_TS + 3 * DAY), [5, 4, 3]),
    (ReplayFilter(until_ms=BASE_TS + 3 * DAY), [2, 1]),
    (ReplayFilter(since_ms=BASE_TS + 2 * DAY, until_ms=BASE_TS + 4 * DAY), [3, 2]),
    (ReplayFilter(tool="Bash", text="flaky", file="api"), [1]),
    (ReplayFilter(tool="Write", text="flaky"), []),
    (ReplayFilter(status="recording"), [3]),
    (ReplayFilter(status="complete"), [5, 4, 2, 1]),
    (ReplayFilter(status="recording", tool="Edit"), [3]),
]
"""Filters over ``catalogue`` and the replays (by number) they find, newest first."""


def test_filters(catalogue: Store) -> None:
    alice = catalogue.acting_as(ALICE)
    for filters, expected in FILTER_CASES:
        wanted = [rid(n) for n in expected]
        assert ids(catalogue.list_replays(user_id=ALICE, filters=filters)) == wanted, filters
        assert catalogue.count_replays(user_id=ALICE, filters=filters) == len(expected), filters
        # The same through Alice's own eyes.
        assert ids(alice.list_replays(user_id=None, filters=filters)) == wanted, filters


def test_filters_cover_every_user_for_the_system(catalogue: Store) -> None:
    found = catalogue.list_replays(user_id=None, filters=ReplayFilter(text="fix"))
    assert ids(found) == [rid(6), rid(1)]
    assert catalogue.count_replays(user_id=None, filters=ReplayFilter(tool="bash")) == 2


def test_pages(catalogue: Store) -> None:
    pages = [ids(catalogue.list_replays(ALICE, limit=2, offset=o)) for o in (0, 2, 4, 6)]
    assert pages == [[rid(5), rid(4)], [rid(3), rid(2)], [rid(1)], []]
    assert catalogue.list_replays(ALICE, limit=0) == []
    assert ids(catalogue.list_replays(ALICE, limit=2, offset=-5)) == [rid(5), rid(4)]


def test_filter_by_last_save(catalogue: Store) -> None:
    """``updated_since_ms``: what was saved since (the recorder's question after a restart)."""
    later = ReplayFilter(updated_since_ms=BASE_TS + 1)
    assert catalogue.list_replays(ALICE, filters=later) == []
    catalogue.update_replay(rid(2), title="Write more docs")
    assert ids(catalogue.list_replays(ALICE, filters=later)) == [rid(2)]
    both = ReplayFilter(updated_since_ms=BASE_TS + 1, status="recording")
    assert catalogue.count_replays(ALICE, filters=both) == 0
    earlier = ReplayFilter(updated_before_ms=BASE_TS + 1)
    assert ids(catalogue.list_replays(ALICE, filters=earlier)) == [rid(5), rid(4), rid(3), rid(1)]


def test_filters_follow_edits_and_deletes(catalogue: Store) -> None:
    catalogue.update_replay(rid(3), title="Rename everything")
    assert ids(catalogue.list_replays(ALICE, filters=ReplayFilter(text="everything"))) == [rid(3)]
    assert catalogue.list_replays(ALICE, filters=ReplayFilter(text="Refactor")) == []
    assert catalogue.delete_replay(rid(1))
    assert catalogue.count_replays(ALICE, filters=ReplayFilter(tool="Bash")) == 0
    # Saving again replaces what the replay is found by.
    save(catalogue, 2, title="Write docs", prompts=("new words",), tools=("Read",))
    assert catalogue.list_replays(ALICE, filters=ReplayFilter(text="coverage")) == []
    assert ids(catalogue.list_replays(ALICE, filters=ReplayFilter(text="new word"))) == [rid(2)]
    assert ids(catalogue.list_replays(ALICE, filters=ReplayFilter(tool="read"))) == [rid(2)]


# -- editing ------------------------------------------------------------------------------------
def test_update_replay(any_store: Store) -> None:
    mine = save(any_store, 1, title="before")
    alice = any_store.acting_as(ALICE)
    changed = alice.update_replay(mine.id, title="after", description="what happened")
    assert (changed.title, changed.description) == ("after", "what happened")
    assert changed.updated_at > mine.updated_at
    assert any_store.get_replay(mine.id) == changed
    same = alice.update_replay(mine.id, description="only this")
    assert (same.title, same.description) == ("after", "only this")
    assert alice.read_events(mine.id) == any_store.read_events(mine.id)  # events untouched
    with pytest.raises(ReplayNotFound):
        any_store.update_replay(rid(99), title="x")


def test_delete_replay_is_the_owners(any_store: Store) -> None:
    mine = save(any_store, 1, big=True)
    assert not any_store.acting_as(BOB).delete_replay(mine.id)
    assert any_store.acting_as(ALICE).delete_replay(mine.id)
    assert any_store.get_replay(mine.id) is None
    assert any_store.stats().blobs == 0
    assert not any_store.acting_as(ALICE).delete_replay(mine.id)


# -- annotations and bookmarks ------------------------------------------------------------------
def test_annotations_round_trip(any_store: Store) -> None:
    mine = save(any_store, 1)
    alice = any_store.acting_as(ALICE)
    note = alice.add_annotation(
        Annotation(
            id="",
            replay_id=mine.id,
            user_id="",
            timestamp_ms=5000,
            text="here it breaks",
            position={"x": 1.5, "y": 0, "z": -2},
        )
    )
    assert note.id and note.user_id == ALICE and note.created_at > 0
    assert note.updated_at == note.created_at and note.kind == "note"
    mark = alice.add_annotation(
        Annotation(id="m1", replay_id=mine.id, user_id=ALICE, timestamp_ms=1000, kind="bookmark")
    )
    assert alice.list_annotations(mine.id) == [mark, note]  # by timestamp_ms
    moved = alice.update_annotation(note.id, timestamp_ms=500, text="earlier")
    assert (moved.timestamp_ms, moved.text, moved.position) == (500, "earlier", note.position)
    assert moved.updated_at >= note.updated_at and moved.created_at == note.created_at
    placed = alice.update_annotation(note.id, position={"x": 0})
    assert placed.position == {"x": 0} and placed.text == "earlier"
    assert alice.list_annotations(mine.id) == [placed, mark]
    assert alice.delete_annotation(mark.id)
    assert not alice.delete_annotation(mark.id)
    assert alice.list_annotations(mine.id) == [placed]
    assert any_store.list_annotations(mine.id) == [placed]
    # Deleting the replay takes its annotations along.
    assert alice.delete_replay(mine.id)
    assert any_store.list_annotations(mine.id) == []


def test_annotations_follow_the_replays_access(any_store: Store) -> None:
    mine = save(any_store, 1)
    alice, bob = any_store.acting_as(ALICE), any_store.acting_as(BOB)
    note = alice.add_annotation(
        Annotation(id="n1", replay_id=mine.id, user_id=ALICE, timestamp_ms=1, text="mine")
    )
    assert bob.list_annotations(mine.id) == []
    with pytest.raises(ReplayNotFound):
        bob.add_annotation(
            Annotation(id="n2", replay_id=mine.id, user_id=BOB, timestamp_ms=1, text="hi")
        )
    with pytest.raises(AnnotationNotFound):
        bob.update_annotation(note.id, text="changed")
    assert not bob.delete_annotation(note.id)
    # Public: still not writable; a signed-in reader, like a link's anonymous viewer, reads the
    # owner's notes only once the owner shares them with the link.
    alice.set_share(mine.id, digest("t"), FAR)
    assert bob.list_annotations(mine.id) == []
    assert any_store.acting_as(PUBLIC_VIEWER).list_annotations(mine.id) == []
    alice.set_share_notes(mine.id, True)
    assert bob.list_annotations(mine.id) == [note]
    assert any_store.acting_as(PUBLIC_VIEWER).list_annotations(mine.id) == [note]
    with pytest.raises(AccessDenied):
        bob.add_annotation(
            Annotation(id="n2", replay_id=mine.id, user_id=BOB, timestamp_ms=1, text="hi")
        )
    with pytest.raises(AccessDenied):
        bob.add_annotation(
            Annotation(id="n3", replay_id=mine.id, user_id=ALICE, timestamp_ms=1, text="as alice")
        )
    with pytest.raises(AnnotationNotFound):
        bob.update_annotation(note.id, text="changed")
    assert not bob.delete_annotation(note.id)
    assert alice.list_annotations(mine.id) == [note]


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "comment"},
        {"timestamp_ms": -1},
        {"position": {"x": object()}},  # not JSON
    ],
)
def test_bad_annotations_are_refused(any_store: Store, bad: dict[str, object]) -> None:
    mine = save(any_store, 1)
    fields: dict[str, object] = {"timestamp_ms": 1, "text": "t", **bad}
    with pytest.raises(StoreError):
        any_store.add_annotation(
            Annotation(id="n", replay_id=mine.id, user_id=ALICE, **fields)  # type: ignore[arg-type]
        )
    assert any_store.list_annotations(mine.id) == []


def test_annotating_a_missing_replay(any_store: Store) -> None:
    with pytest.raises(ReplayNotFound):
        any_store.add_annotation(
            Annotation(id="n", replay_id=rid(9), user_id=ALICE, timestamp_ms=1, text="t")
        )
    with pytest.raises(AnnotationNotFound):
        any_store.update_annotation("nope", text="x")


def test_an_annotation_id_is_used_once(any_store: Store) -> None:
    mine = save(any_store, 1)
    note = Annotation(id="n", replay_id=mine.id, user_id=ALICE, timestamp_ms=1, text="t")
    any_store.add_annotation(note)
    with pytest.raises(StoreError):
        any_store.add_annotation(note)


# -- users and tokens ---------------------------------------------------------------------------
def test_users(any_store: Store) -> None:
    local = any_store.get_user("local")
    assert local is not None and local.id == "local"
    alice = any_store.create_user("alice", is_admin=True)
    assert alice.is_admin and alice.created_at > 0 and len(alice.id) == 36
    assert any_store.get_user(alice.id) == alice
    assert any_store.get_user("ALICE") == alice  # names are case-insensitive
    assert any_store.get_user("nobody") is None
    with pytest.raises(StoreError, match="already exists"):
        any_store.create_user("Alice")
    for bad in ("", "two words", "x" * 65, "semi;colon"):
        with pytest.raises(StoreError, match="invalid user name"):
            any_store.create_user(bad)
    bob = any_store.create_user("bob")
    assert [u.name for u in any_store.list_users()] == ["alice", "bob", "local"]
    # A user sees themselves only, and creates nobody.
    as_bob = any_store.acting_as(bob.id)
    assert as_bob.list_users() == [bob]
    assert as_bob.get_user(alice.id) is None
    assert as_bob.get_user("bob") == bob
    with pytest.raises(AccessDenied):
        as_bob.create_user("mallory")


def test_tokens(any_store: Store) -> None:
    alice = any_store.create_user("alice")
    bob = any_store.create_user("bob")
    token = ApiToken(
        id="t1", user_id=alice.id, name="laptop", token_hash=digest("vc_secret"), created_at=5
    )
    any_store.add_token(token)
    assert any_store.user_for_token(digest("vc_secret"), BASE_TS) == alice
    assert any_store.user_for_token(digest("vc_secreT"), BASE_TS) is None
    (listed,) = any_store.list_tokens(alice.id)
    assert listed.last_used_at == BASE_TS and listed.token_hash == digest("vc_secret")
    any_store.user_for_token(digest("vc_secret"), BASE_TS + 1000)  # not rewritten every call
    assert any_store.list_tokens(alice.id)[0].last_used_at == BASE_TS
    any_store.user_for_token(digest("vc_secret"), BASE_TS + 120_000)
    assert any_store.list_tokens(alice.id)[0].last_used_at == BASE_TS + 120_000
    with pytest.raises(StoreError, match="sha256"):
        any_store.add_token(
            ApiToken(id="t2", user_id=alice.id, name="x", token_hash="vc_raw", created_at=1)
        )
    with pytest.raises(StoreError):
        any_store.add_token(
            ApiToken(id="t3", user_id="ghost", name="x", token_hash=digest("g"), created_at=1)
        )
    # Users manage their own tokens only.
    as_bob = any_store.acting_as(bob.id)
    assert as_bob.list_tokens() == []
    assert as_bob.user_for_token(digest("vc_secret"), BASE_TS) is None
    assert not as_bob.revoke_token("t1")
    with pytest.raises(AccessDenied):
        as_bob.add_token(
            ApiToken(id="t4", user_id=alice.id, name="x", token_hash=digest("b"), created_at=1)
        )
    as_bob.add_token(
        ApiToken(id="t5", user_id=bob.id, name="ci", token_hash=digest("b"), created_at=1)
    )
    assert [t.id for t in as_bob.list_tokens()] == ["t5"]
    assert [t.id for t in any_store.list_tokens()] == ["t5", "t1"]  # oldest first
    # Revoking takes effect at once.
    assert any_store.revoke_token("t1")
    assert any_store.user_for_token(digest("vc_secret"), BASE_TS) is None
    assert any_store.list_tokens(alice.id)[0].revoked
    assert not any_store.revoke_token("nope")


# -- many threads at once -----------------------------------------------------------------------
def test_concurrent_use_from_threads(any_store: Store) -> None:
    """The API runs sync endpoints in a thread pool: one store serves them all."""
    for n in range(4):
        save(any_store, n, ALICE, prompts=(f"prompt {n}",), tools=("Bash",), big=True)
    expected = {rid(n): any_store.read_events(rid(n)) for n in range(4)}
    alice = any_store.acting_as(ALICE)

    def work(i: int) -> None:
        n = i % 4
        if i % 5 == 0:
            save(any_store, 10 + i, ALICE, prompts=("x",), big=True)
        assert alice.read_events(rid(n)) == expected[rid(n)]
        assert alice.count_replays(ALICE, filters=ReplayFilter(tool="bash")) == 4
        assert alice.get_replay(rid(n)) is not None

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(work, range(30)))
    assert any_store.count_replays(ALICE) == 4 + 6
