-- vibecast schema v2 (PostgreSQL 15): server mode. Twin of ../sqlite/0002_server_mode.sql for every
-- table; the substring indexes over replay_search use pg_trgm here (FTS5 trigram on SQLite).
--
-- Then the spec's row-level security, enforced by PostgreSQL itself. The role that runs the
-- migrations owns the tables and is not subject to it (that is the system: migrations, CLI admin).
-- The app works as a role that owns nothing and has no BYPASSRLS (created and granted by
-- vibecast.store.postgres, its name is configurable, default vibecast_app), and names the acting
-- user in every transaction: set_config('vibecast.user_id', '<id>', true). The policies read it
-- through vibecast.current_user_id(), which on a Supabase project also honours auth.uid().

CREATE SCHEMA IF NOT EXISTS vibecast;

-- Users and API tokens. The implicit user of local mode is "local". Tokens are stored as the
-- sha256 of the token: the token itself is shown once, when created, and never kept.
CREATE TABLE users (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    is_admin   boolean NOT NULL DEFAULT false,
    created_at bigint NOT NULL
);
CREATE UNIQUE INDEX idx_users_name ON users (lower(name));
INSERT INTO users (id, name, is_admin, created_at) VALUES ('local', 'local', false, 0);

CREATE TABLE api_tokens (
    id           text PRIMARY KEY,
    user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL DEFAULT '',
    token_hash   text NOT NULL UNIQUE,                   -- sha256 hex of the token
    created_at   bigint NOT NULL,
    last_used_at bigint,
    revoked      boolean NOT NULL DEFAULT false
);
CREATE INDEX idx_api_tokens_user_id ON api_tokens (user_id);

-- Annotations and bookmarks share the spec's table: a bookmark marks a moment, a note says something.
ALTER TABLE replay_annotations ADD COLUMN kind text NOT NULL DEFAULT 'note';
ALTER TABLE replay_annotations ADD COLUMN updated_at bigint NOT NULL DEFAULT 0;
UPDATE replay_annotations SET updated_at = created_at;

-- What the replay list filters on, written with the replay in the same transaction.
-- replay_tools: one row per tool a replay used (lower case), so "used Bash" is an index lookup.
CREATE TABLE replay_tools (
    replay_id text NOT NULL REFERENCES replays (id) ON DELETE CASCADE,
    tool      text NOT NULL,
    PRIMARY KEY (replay_id, tool)
);
CREATE INDEX idx_replay_tools_tool ON replay_tools (tool, replay_id);

-- replay_search: the text a replay is found by (title, the user's prompts, touched file paths),
-- one row per replay, searched for substrings (ILIKE) through the trigram indexes below.
CREATE TABLE replay_search (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    replay_id text NOT NULL UNIQUE REFERENCES replays (id) ON DELETE CASCADE,
    title     text NOT NULL DEFAULT '',
    prompts   text NOT NULL DEFAULT '',                  -- the user's prompts, one per line
    files     text NOT NULL DEFAULT ''                   -- touched file paths, one per line
);

-- Trigram indexes (pg_trgm, a trusted extension shipped with PostgreSQL and enabled on Supabase)
-- make ILIKE '%text%' an index search. Without the extension, search still works, by scanning.
DO $$
DECLARE
    ops text;
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'pg_trgm is not available (%); replay search will scan', SQLERRM;
    END;
    SELECT format('%I.%I', n.nspname, c.opcname) INTO ops
    FROM pg_opclass c
    JOIN pg_namespace n ON n.oid = c.opcnamespace
    JOIN pg_am m ON m.oid = c.opcmethod
    WHERE c.opcname = 'gin_trgm_ops' AND m.amname = 'gin'
    LIMIT 1;
    IF ops IS NOT NULL THEN
        EXECUTE format('CREATE INDEX idx_replay_search_text ON replay_search '
                       'USING gin (title %1$s, prompts %1$s)', ops);
        EXECUTE format('CREATE INDEX idx_replay_search_files ON replay_search '
                       'USING gin (files %1$s)', ops);
    END IF;
END
$$;

-- The acting user. Our own connections set vibecast.user_id per transaction; on a Supabase
-- project a request signed by Supabase Auth carries auth.uid(), which wins when present.
DO $$
BEGIN
    IF to_regprocedure('auth.uid()') IS NOT NULL THEN
        CREATE OR REPLACE FUNCTION vibecast.current_user_id() RETURNS text
        LANGUAGE sql STABLE
        AS $f$ SELECT coalesce(auth.uid()::text,
                               nullif(current_setting('vibecast.user_id', true), '')) $f$;
    ELSE
        CREATE OR REPLACE FUNCTION vibecast.current_user_id() RETURNS text
        LANGUAGE sql STABLE
        AS $f$ SELECT nullif(current_setting('vibecast.user_id', true), '') $f$;
    END IF;
END
$$;

-- "Now" in epoch ms, as the tables keep time.
CREATE FUNCTION vibecast.now_ms() RETURNS bigint
LANGUAGE sql STABLE
AS $$ SELECT (extract(epoch FROM now()) * 1000)::bigint $$;

-- Blobs are content-addressed and shared between users, so no user may delete one and a user
-- cannot see whether another's exists. These two functions run as the owner for what a save
-- needs: which of these blobs are stored (locked until commit, so a concurrent delete cannot take
-- them away before this transaction refers to them), and removing the ones no chunk refers to.
CREATE FUNCTION vibecast.stored_blobs(keys text[]) RETURNS SETOF text
LANGUAGE sql VOLATILE SECURITY DEFINER
AS $$ SELECT b.sha256 FROM blobs b WHERE b.sha256 = ANY (keys) FOR KEY SHARE $$;

CREATE FUNCTION vibecast.collect_blobs(keys text[]) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
AS $$
DECLARE
    blob_key text;
    deleted integer := 0;
BEGIN
    FOREACH blob_key IN ARRAY keys LOOP
        BEGIN
            DELETE FROM blobs b WHERE b.sha256 = blob_key
                AND NOT EXISTS (SELECT 1 FROM chunk_blob_refs r WHERE r.sha256 = blob_key);
            IF FOUND THEN
                deleted := deleted + 1;
            END IF;
        EXCEPTION WHEN foreign_key_violation THEN
            NULL;  -- a concurrent save refers to it now: keep it
        END;
    END LOOP;
    RETURN deleted;
END
$$;

-- Security-definer functions run with a fixed search path: the schema the tables are in.
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION vibecast.stored_blobs(text[]) SET search_path = pg_catalog, %I',
                   current_schema());
    EXECUTE format('ALTER FUNCTION vibecast.collect_blobs(text[]) SET search_path = pg_catalog, %I',
                   current_schema());
END
$$;
REVOKE ALL ON FUNCTION vibecast.stored_blobs(text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION vibecast.collect_blobs(text[]) FROM PUBLIC;

-- Row-level security: the spec's policies. Owners read and write their own replays; anyone reads
-- a public replay while its share is unexpired; everything else is invisible.
ALTER TABLE replays ENABLE ROW LEVEL SECURITY;
CREATE POLICY replays_owner ON replays FOR ALL
    USING (user_id = (SELECT vibecast.current_user_id()))
    WITH CHECK (user_id = (SELECT vibecast.current_user_id()));
CREATE POLICY replays_public_read ON replays FOR SELECT
    USING (is_public AND (share_expires_at IS NULL
                          OR share_expires_at > (SELECT vibecast.now_ms())));

-- Annotations: written by the owner of the annotation who also owns the replay; read by them and
-- by anyone on a public replay.
ALTER TABLE replay_annotations ENABLE ROW LEVEL SECURITY;
CREATE POLICY replay_annotations_owner ON replay_annotations FOR ALL
    USING (user_id = (SELECT vibecast.current_user_id())
           AND EXISTS (SELECT 1 FROM replays r WHERE r.id = replay_annotations.replay_id
                       AND r.user_id = (SELECT vibecast.current_user_id())))
    WITH CHECK (user_id = (SELECT vibecast.current_user_id())
                AND EXISTS (SELECT 1 FROM replays r WHERE r.id = replay_annotations.replay_id
                            AND r.user_id = (SELECT vibecast.current_user_id())));
CREATE POLICY replay_annotations_public_read ON replay_annotations FOR SELECT
    USING (EXISTS (SELECT 1 FROM replays r WHERE r.id = replay_annotations.replay_id
                   AND r.is_public AND (r.share_expires_at IS NULL
                                        OR r.share_expires_at > (SELECT vibecast.now_ms()))));

-- A replay's chunks, search rows and tools: readable when the replay is (the subquery on replays
-- is itself filtered by the policies above), written by the replay's owner.
ALTER TABLE replay_chunks ENABLE ROW LEVEL SECURITY;
CREATE POLICY replay_chunks_read ON replay_chunks FOR SELECT
    USING (EXISTS (SELECT 1 FROM replays r WHERE r.id = replay_chunks.replay_id));
CREATE POLICY replay_chunks_owner ON replay_chunks FOR ALL
    USING (EXISTS (SELECT 1 FROM replays r WHERE r.id = replay_chunks.replay_id
                   AND r.user_id = (SELECT vibecast.current_user_id())))
    WITH CHECK (EXISTS (SELECT 1 FROM replays r WHERE r.id = replay_chunks.replay_id
                        AND r.user_id = (SELECT vibecast.current_user_id())));

ALTER TABLE replay_search ENABLE ROW LEVEL SECURITY;
CREATE POLICY replay_search_read ON replay_search FOR SELECT
    USING (EXISTS (SELECT 1 FROM replays r WHERE r.id = replay_search.replay_id));
CREATE POLICY replay_search_owner ON replay_search FOR ALL
    USING (EXISTS (SELECT 1 FROM replays r WHERE r.id = replay_search.replay_id
                   AND r.user_id = (SELECT vibecast.current_user_id())))
    WITH CHECK (EXISTS (SELECT 1 FROM replays r WHERE r.id = replay_search.replay_id
                        AND r.user_id = (SELECT vibecast.current_user_id())));

ALTER TABLE replay_tools ENABLE ROW LEVEL SECURITY;
CREATE POLICY replay_tools_read ON replay_tools FOR SELECT
    USING (EXISTS (SELECT 1 FROM replays r WHERE r.id = replay_tools.replay_id));
CREATE POLICY replay_tools_owner ON replay_tools FOR ALL
    USING (EXISTS (SELECT 1 FROM replays r WHERE r.id = replay_tools.replay_id
                   AND r.user_id = (SELECT vibecast.current_user_id())))
    WITH CHECK (EXISTS (SELECT 1 FROM replays r WHERE r.id = replay_tools.replay_id
                        AND r.user_id = (SELECT vibecast.current_user_id())));

-- Blob references follow their chunk; blobs are readable through a readable chunk's reference.
-- Anyone may add a blob (content-addressed); only vibecast.collect_blobs removes one.
ALTER TABLE chunk_blob_refs ENABLE ROW LEVEL SECURITY;
CREATE POLICY chunk_blob_refs_read ON chunk_blob_refs FOR SELECT
    USING (EXISTS (SELECT 1 FROM replay_chunks c WHERE c.id = chunk_blob_refs.chunk_id));
CREATE POLICY chunk_blob_refs_owner ON chunk_blob_refs FOR ALL
    USING (EXISTS (SELECT 1 FROM replay_chunks c JOIN replays r ON r.id = c.replay_id
                   WHERE c.id = chunk_blob_refs.chunk_id
                   AND r.user_id = (SELECT vibecast.current_user_id())))
    WITH CHECK (EXISTS (SELECT 1 FROM replay_chunks c JOIN replays r ON r.id = c.replay_id
                        WHERE c.id = chunk_blob_refs.chunk_id
                        AND r.user_id = (SELECT vibecast.current_user_id())));

ALTER TABLE blobs ENABLE ROW LEVEL SECURITY;
CREATE POLICY blobs_read ON blobs FOR SELECT
    USING (EXISTS (SELECT 1 FROM chunk_blob_refs r WHERE r.sha256 = blobs.sha256));
CREATE POLICY blobs_add ON blobs FOR INSERT
    WITH CHECK (true);

-- Users see themselves; tokens are their owner's.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_self ON users FOR SELECT
    USING (id = (SELECT vibecast.current_user_id()));

ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
CREATE POLICY api_tokens_owner ON api_tokens FOR ALL
    USING (user_id = (SELECT vibecast.current_user_id()))
    WITH CHECK (user_id = (SELECT vibecast.current_user_id()));

-- What was imported from which file is the system's bookkeeping: no policy, no user sees it.
ALTER TABLE import_sources ENABLE ROW LEVEL SECURITY;
