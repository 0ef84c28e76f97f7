-- vibecast schema v1 (PostgreSQL 15). Twin of ../sqlite/0001_initial.sql: same tables, columns and
-- indexes; only the types differ (jsonb for JSON, bytea for binary, boolean). Ids are text holding
-- UUIDs; times are epoch milliseconds (bigint) so rows move between backends unchanged.
-- Row-level-security policies belong to the server-mode migration that follows this one.

-- The spec's replays table. Its `events` column is replaced by `replay_chunks`: events live in
-- time-ordered, zstd-compressed chunks so any moment of a long replay is read without the rest.
CREATE TABLE replays (
    id               text PRIMARY KEY,
    user_id          text NOT NULL,
    session_id       text NOT NULL,
    title            text NOT NULL DEFAULT '',
    description      text NOT NULL DEFAULT '',
    metadata         jsonb NOT NULL DEFAULT '{}'::jsonb, -- ReplayMetadata
    is_public        boolean NOT NULL DEFAULT false,
    share_token      text UNIQUE,
    share_expires_at bigint,                             -- epoch ms; NULL = no link
    thumbnail_url    text,
    status           text NOT NULL DEFAULT 'complete',   -- 'recording' while capture writes it
    recorded_at      bigint NOT NULL DEFAULT 0,          -- epoch ms of the first event
    duration_ms      bigint NOT NULL DEFAULT 0,
    event_count      bigint NOT NULL DEFAULT 0,
    created_at       bigint NOT NULL,
    updated_at       bigint NOT NULL,
    UNIQUE (user_id, session_id)
);
CREATE INDEX idx_replays_user_id ON replays (user_id);
CREATE INDEX idx_replays_session_id ON replays (session_id);
-- share_token: its UNIQUE constraint is the index the spec asks for.
CREATE INDEX idx_replays_created_at ON replays (created_at DESC);
CREATE INDEX idx_replays_user_recorded_at ON replays (user_id, recorded_at DESC);

CREATE TABLE replay_annotations (
    id           text PRIMARY KEY,
    replay_id    text NOT NULL REFERENCES replays (id) ON DELETE CASCADE,
    user_id      text NOT NULL,
    timestamp_ms bigint NOT NULL,
    text         text NOT NULL,
    position     jsonb,
    created_at   bigint NOT NULL
);
CREATE INDEX idx_replay_annotations_replay_id ON replay_annotations (replay_id, timestamp_ms);

-- A replay's events, cut into chunks (vibecast.store.codec). start_ms/end_ms are the
-- relative_time_ms of a chunk's first and last event: a window read selects chunks by them.
CREATE TABLE replay_chunks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    replay_id   text NOT NULL REFERENCES replays (id) ON DELETE CASCADE,
    seq         integer NOT NULL,
    start_ms    bigint NOT NULL,
    end_ms      bigint NOT NULL,
    event_count integer NOT NULL,
    raw_size    integer NOT NULL,                        -- serialised bytes before compression
    dict_id     bigint NOT NULL,                         -- zstd dictionary id, 0 = none
    data        bytea NOT NULL,
    UNIQUE (replay_id, seq)
);
CREATE INDEX idx_replay_chunks_window ON replay_chunks (replay_id, start_ms);

-- Content-addressed payloads: large strings moved out of chunks, and images. Stored once.
CREATE TABLE blobs (
    sha256     text PRIMARY KEY,                         -- of the raw bytes
    size       bigint NOT NULL,                          -- raw bytes
    codec      text NOT NULL,                            -- 'zstd' or 'none'
    dict_id    bigint NOT NULL,
    data       bytea NOT NULL,
    created_at bigint NOT NULL
);

-- Which chunk needs which blob: a blob no chunk refers to any more is garbage.
CREATE TABLE chunk_blob_refs (
    chunk_id bigint NOT NULL REFERENCES replay_chunks (id) ON DELETE CASCADE,
    sha256   text NOT NULL REFERENCES blobs (sha256),
    PRIMARY KEY (chunk_id, sha256)
);
CREATE INDEX idx_chunk_blob_refs_sha256 ON chunk_blob_refs (sha256);

-- Source files already imported, so an unchanged file is skipped next time.
CREATE TABLE import_sources (
    path        text PRIMARY KEY,
    size        bigint NOT NULL,
    mtime_ns    bigint NOT NULL,
    fingerprint text NOT NULL,                           -- sha256 of the file's bytes
    replay_ids  jsonb NOT NULL DEFAULT '[]'::jsonb,      -- array of replay ids
    imported_at bigint NOT NULL
);
