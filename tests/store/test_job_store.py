"""The export job store, one implementation on both backends: the same calls give the same jobs.

Leases, requeue, heartbeat, finish and cancel as the runners use them, and owner-only reading for
users (SQLite by the rule in its queries, PostgreSQL by row-level security as the app role).
"""

from __future__ import annotations

import pytest
from store_helpers import BASE_TS, make_event, make_replay

from vibecast.export.jobs import LEASE_MS, ExportJob, job_store, new_job_id
from vibecast.export.request import ExportRequest
from vibecast.store.base import Store

ALICE = "a11ce000-0000-4000-8000-000000000001"
BOB = "b0b00000-0000-4000-8000-000000000002"
REPLAY = "00000000-0000-4000-8000-00000000a001"
T0 = BASE_TS


def _queue(store: Store, created_at: int, user: str = ALICE) -> ExportJob:
    job = ExportJob(
        id=new_job_id(),
        replay_id=REPLAY,
        user_id=user,
        request=ExportRequest(format="webm", resolution="720p", speed=2.0, to_ms=5_000),
        created_at=created_at,
        updated_at=created_at,
    )
    return job_store(store).add(job)


@pytest.fixture
def store(any_store: Store) -> Store:
    any_store.save_replay(
        make_replay(REPLAY, user_id=ALICE), [make_event(0, 0), make_event(1, 100)]
    )
    return any_store


def test_a_job_round_trips_and_is_its_owners_only(store: Store) -> None:
    jobs = job_store(store)
    job = _queue(store, T0)
    assert jobs.get(job.id, None) == job
    assert jobs.get(job.id, ALICE) == job
    assert jobs.get(job.id, BOB) is None
    assert jobs.cancel(job.id, BOB, T0 + 1) is None
    assert jobs.get(job.id, None).status == "queued"  # type: ignore[union-attr]
    assert jobs.get("exp_missing", None) is None


def test_claim_takes_the_oldest_once_and_again_when_its_lease_runs_out(store: Store) -> None:
    jobs = job_store(store)
    older, newer = _queue(store, T0), _queue(store, T0 + 10)
    first = jobs.claim("w1", T0 + 100)
    assert first is not None and first.id == older.id
    assert (first.status, first.worker, first.attempts) == ("processing", "w1", 1)
    assert first.lease_until == T0 + 100 + LEASE_MS and first.started_at == T0 + 100
    second = jobs.claim("w2", T0 + 101)
    assert second is not None and second.id == newer.id
    assert jobs.claim("w3", T0 + 102) is None  # both leased
    assert jobs.claim("w3", T0 + 102, older.id, force=True).worker == "w3"  # type: ignore[union-attr]
    assert not jobs.heartbeat(older.id, "w1", 0.5, T0 + 103)  # taken over
    assert jobs.heartbeat(newer.id, "w2", 0.25, T0 + 200)
    renewed = jobs.get(newer.id, None)
    assert renewed is not None and renewed.progress == 0.25
    assert renewed.lease_until == T0 + 200 + LEASE_MS
    assert jobs.finish(older.id, "w3", "failed", T0 + 300, error="encoder died")
    failed = jobs.get(older.id, None)
    assert failed is not None and (failed.status, failed.error) == ("failed", "encoder died")
    again = jobs.claim("w4", T0 + 201 + LEASE_MS)
    assert again is not None and (again.id, again.attempts) == (newer.id, 2)


def test_requeue_finish_cancel_and_old_outputs(store: Store) -> None:
    jobs = job_store(store)
    job = _queue(store, T0)
    jobs.claim("w1", T0 + 1)
    assert not jobs.requeue(job.id, "w2", T0 + 2)
    assert jobs.requeue(job.id, "w1", T0 + 2)
    assert jobs.get(job.id, None).status == "queued"  # type: ignore[union-attr]
    jobs.claim("w2", T0 + 3)
    assert not jobs.finish(job.id, "w1", "complete", T0 + 4, output_path="x.webm")
    assert jobs.finish(job.id, "w2", "complete", T0 + 4, output_path="x.webm")
    done = jobs.get(job.id, ALICE)
    assert done is not None
    assert (done.status, done.progress, done.output_path, done.finished_at) == (
        "complete",
        1.0,
        "x.webm",
        T0 + 4,
    )
    assert not jobs.finish(job.id, None, "failed", T0 + 5, error="late")
    assert jobs.outputs_of(job.replay_id) == ["x.webm"]
    assert jobs.outputs_of("no-such-replay") == []
    assert jobs.existing("export_jobs", [job.id, "exp_" + "0" * 24]) == {job.id}
    assert jobs.existing("replays", [job.replay_id, "nope"]) == {job.replay_id}

    other = _queue(store, T0 + 6)
    cancelled = jobs.cancel(other.id, ALICE, T0 + 7)
    assert cancelled is not None and (cancelled.status, cancelled.finished_at) == (
        "cancelled",
        T0 + 7,
    )
    assert jobs.claim("w1", T0 + 8) is None
    jobs.set_thumbnail(REPLAY, "/thumbs/a.png")
    assert store.get_replay(REPLAY).thumbnail_url == "/thumbs/a.png"  # type: ignore[union-attr]
