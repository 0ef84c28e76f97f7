-- vibecast schema v3 (SQLite): video export jobs. Twin of ../postgresql/0003_export_jobs.sql.
-- A job is one export of one replay for one user; a runner claims it by moving it to 'processing'
-- with a lease it renews while it works, so a runner that dies leaves a job another one takes.
CREATE TABLE export_jobs (
    id           TEXT PRIMARY KEY,
    replay_id    TEXT NOT NULL REFERENCES replays (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL,
    request      TEXT NOT NULL,                       -- ExportRequest as JSON
    status       TEXT NOT NULL DEFAULT 'queued',      -- queued|processing|complete|failed|cancelled
    progress     REAL NOT NULL DEFAULT 0,
    error        TEXT,
    output_path  TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    worker       TEXT,
    lease_until  INTEGER,                             -- epoch ms; a processing job past it is free
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    started_at   INTEGER,
    finished_at  INTEGER
);
CREATE INDEX idx_export_jobs_status ON export_jobs (status, created_at);
CREATE INDEX idx_export_jobs_replay_id ON export_jobs (replay_id);
