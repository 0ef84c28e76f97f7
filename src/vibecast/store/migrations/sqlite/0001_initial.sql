-- vibecast schema v1 (SQLite). Twin of ../postgresql/0001_initial.sql: same tables, columns and
-- indexes; only the types differ (JSON is text here and jsonb there, BLOB is bytea, booleans are
-- 0/1). Ids are text holding UUIDs; times are epoch milliseconds (integer) so rows move between
-- backends unchanged.

-- The spec's replays table. Its `events` column is replaced by `replay_chunks`: events live in
-- time-ordered, zstd-compressed chunks so any moment of a long replay is read without the rest.
CREATE TABLE replays (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL,
    session_id       TEXT NOT NULL,
    title            TEXT NOT NULL DEFAULT '',
    description      TEXT NOT NULL DEFAULT '',
    metadata         TEXT NOT NULL DEFAULT '{}',       -- ReplayMetadata as JSON
    is_public        BOOLEAN NOT NULL DEFAULT 0,
    share_token      TEXT UNIQUE,
    share_expires_at INTEGER,                          -- epoch ms; NULL = no link
    thumbnail_url    TEXT,
    status           TEXT NOT NULL DEFAULT 'complete', -- 'recording' while capture writes it
    recorded_at      INTEGER NOT NULL DEFAULT 0,       -- epoch ms of the first event (for listing)
    duration_ms      INTEGER NOT NULL DEFAULT 0,
    event_count      INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (user_id, session_id)
);
CREATE INDEX idx_replays_user_id ON replays (user_id);
CREATE INDEX idx_replays_session_id ON replays (session_id);
-- share_token: its UNIQUE constraint is the index the spec asks for.
CREATE INDEX idx_replays_created_at ON replays (created_at DESC);
CREATE INDEX idx_replays_user_recorded_at ON replays (user_id, recorded_at DESC);

CREATE TABLE replay_annotations (
    id           TEXT PRIMARY KEY,
    replay_id    TEXT NOT NULL REFERENCES replays (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    text         TEXT NOT NULL,
    position     TEXT,                                 -- JSON
    created_at   INTEGER NOT NULL
);
CREATE INDEX idx_replay_annotations_replay_id ON replay_annotations (replay_id, timestamp_ms);

-- A replay's events, cut into chunks (vibecast.store.codec). start_ms/end_ms are the
-- relative_time_ms of a chunk's first and last event: a window read selects chunks by them.
CREATE TABLE replay_chunks (
    id          INTEGER PRIMARY KEY,
    replay_id   TEXT NOT NULL REFERENCES replays (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    start_ms    INTEGER NOT NULL,
    end_ms      INTEGER NOT NULL,
    event_count INTEGER NOT NULL,
    raw_size    INTEGER NOT NULL,                      -- serialised bytes before compression
    dict_id     INTEGER NOT NULL,                      -- zstd dictionary id, 0 = none
    data        BLOB NOT NULL,
    UNIQUE (replay_id, seq)
);
CREATE INDEX idx_replay_chunks_window ON replay_chunks (replay_id, start_ms);

-- Content-addressed payloads: large strings moved out of chunks, and images. Stored once.
CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY,                       -- of the raw bytes
    size       INTEGER NOT NULL,                       -- raw bytes
    codec      TEXT NOT NULL,                          -- 'zstd' or 'none'
    dict_id    INTEGER NOT NULL,
    data       BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

-- Which chunk needs which blob: a blob no chunk refers to any more is garbage.
CREATE TABLE chunk_blob_refs (
    chunk_id INTEGER NOT NULL REFERENCES replay_chunks (id) ON DELETE CASCADE,
    sha256   TEXT NOT NULL REFERENCES blobs (sha256),
    PRIMARY KEY (chunk_id, sha256)
);
CREATE INDEX idx_chunk_blob_refs_sha256 ON chunk_blob_refs (sha256);

-- Source files already imported, so an unchanged file is skipped next time.
CREATE TABLE import_sources (
    path        TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    mtime_ns    INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,                         -- sha256 of the file's bytes
    replay_ids  TEXT NOT NULL DEFAULT '[]',            -- JSON array of replay ids
    imported_at INTEGER NOT NULL
);
