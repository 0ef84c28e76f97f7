-- vibecast schema v2 (SQLite): what the server mode needs. Twin of ../postgresql/0002_server_mode.sql
-- for every table; the full-text index over replay_search is SQLite's own (FTS5, trigram), where
-- PostgreSQL uses pg_trgm indexes, and row-level security exists on PostgreSQL only (SQLiteStore
-- applies the same rules in its queries).

-- Users and API tokens. The implicit user of local mode is "local". Tokens are stored as the
-- sha256 of the token: the token itself is shown once, when created, and never kept.
CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    is_admin   BOOLEAN NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX idx_users_name ON users (lower(name));
INSERT INTO users (id, name, is_admin, created_at) VALUES ('local', 'local', 0, 0);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    token_hash   TEXT NOT NULL UNIQUE,                -- sha256 hex of the token
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked      BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX idx_api_tokens_user_id ON api_tokens (user_id);

-- Annotations and bookmarks share the spec's table: a bookmark marks a moment, a note says something.
ALTER TABLE replay_annotations ADD COLUMN kind TEXT NOT NULL DEFAULT 'note';
ALTER TABLE replay_annotations ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
UPDATE replay_annotations SET updated_at = created_at;

-- What the replay list filters on, written with the replay in the same transaction.
-- replay_tools: one row per tool a replay used (lower case), so "used Bash" is an index lookup.
CREATE TABLE replay_tools (
    replay_id TEXT NOT NULL REFERENCES replays (id) ON DELETE CASCADE,
    tool      TEXT NOT NULL,
    PRIMARY KEY (replay_id, tool)
);
CREATE INDEX idx_replay_tools_tool ON replay_tools (tool, replay_id);

-- replay_search: the text a replay is found by (title, the user's prompts, touched file paths),
-- one row per replay. Substring search over it goes through replay_search_fts below.
CREATE TABLE replay_search (
    id        INTEGER PRIMARY KEY,                    -- stable rowid for the full-text index
    replay_id TEXT NOT NULL UNIQUE REFERENCES replays (id) ON DELETE CASCADE,
    title     TEXT NOT NULL DEFAULT '',
    prompts   TEXT NOT NULL DEFAULT '',               -- the user's prompts, one per line
    files     TEXT NOT NULL DEFAULT ''                -- touched file paths, one per line
);

-- Trigram full-text index: finds any substring of 3+ characters (case-insensitive) without
-- scanning every prompt. It indexes replay_search's text without storing a second copy.
CREATE VIRTUAL TABLE replay_search_fts USING fts5 (
    title, prompts, files,
    content = 'replay_search', content_rowid = 'id', tokenize = 'trigram case_sensitive 0'
);
CREATE TRIGGER replay_search_ai AFTER INSERT ON replay_search BEGIN
    INSERT INTO replay_search_fts (rowid, title, prompts, files)
    VALUES (new.id, new.title, new.prompts, new.files);
END;
CREATE TRIGGER replay_search_ad AFTER DELETE ON replay_search BEGIN
    INSERT INTO replay_search_fts (replay_search_fts, rowid, title, prompts, files)
    VALUES ('delete', old.id, old.title, old.prompts, old.files);
END;
CREATE TRIGGER replay_search_au AFTER UPDATE ON replay_search BEGIN
    INSERT INTO replay_search_fts (replay_search_fts, rowid, title, prompts, files)
    VALUES ('delete', old.id, old.title, old.prompts, old.files);
    INSERT INTO replay_search_fts (rowid, title, prompts, files)
    VALUES (new.id, new.title, new.prompts, new.files);
END;
