-- vibecast schema v3 (PostgreSQL): video export jobs. Twin of ../sqlite/0003_export_jobs.sql.
-- A job is one export of one replay for one user. In server mode the job queue itself is
-- procrastinate's (its own tables); this row is what users see: status, progress, error, file.
CREATE TABLE export_jobs (
    id           text PRIMARY KEY,
    replay_id    text NOT NULL REFERENCES replays (id) ON DELETE CASCADE,
    user_id      text NOT NULL,
    request      jsonb NOT NULL,                      -- ExportRequest
    status       text NOT NULL DEFAULT 'queued',      -- queued|processing|complete|failed|cancelled
    progress     double precision NOT NULL DEFAULT 0,
    error        text,
    output_path  text,
    attempts     integer NOT NULL DEFAULT 0,
    worker       text,
    lease_until  bigint,                              -- epoch ms; a processing job past it is free
    created_at   bigint NOT NULL,
    updated_at   bigint NOT NULL,
    started_at   bigint,
    finished_at  bigint
);
CREATE INDEX idx_export_jobs_status ON export_jobs (status, created_at);
CREATE INDEX idx_export_jobs_replay_id ON export_jobs (replay_id);

-- Row-level security: a user sees and changes only their own jobs, on replays they own.
ALTER TABLE export_jobs ENABLE ROW LEVEL SECURITY;
CREATE POLICY export_jobs_owner ON export_jobs FOR ALL
    USING (user_id = (SELECT vibecast.current_user_id())
           AND EXISTS (SELECT 1 FROM replays r WHERE r.id = export_jobs.replay_id
                       AND r.user_id = (SELECT vibecast.current_user_id())))
    WITH CHECK (user_id = (SELECT vibecast.current_user_id())
                AND EXISTS (SELECT 1 FROM replays r WHERE r.id = export_jobs.replay_id
                            AND r.user_id = (SELECT vibecast.current_user_id())));
