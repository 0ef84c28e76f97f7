-- vibecast schema v6 (PostgreSQL): what was imported is remembered per user. Twin of
-- ../sqlite/0006_import_sources_per_user.sql, which says why and whose each existing row becomes:
-- whoever owns its replays now (the first of its replay ids that still exists), else `local`.
--
-- The table is rebuilt as on SQLite (renamed, copied, dropped), so that both dialects create the
-- same columns. It stays the system's bookkeeping: row-level security on, no policy, and no grant
-- to the app role (vibecast.store.pgaccess grants it nothing).
ALTER TABLE import_sources RENAME TO import_sources_v5;
ALTER TABLE import_sources_v5 RENAME CONSTRAINT import_sources_pkey TO import_sources_v5_pkey;

CREATE TABLE import_sources (
    user_id     text NOT NULL,                           -- who imported it (owns its replays)
    path        text NOT NULL,
    size        bigint NOT NULL,
    mtime_ns    bigint NOT NULL,
    fingerprint text NOT NULL,                           -- sha256 of the file's bytes
    replay_ids  jsonb NOT NULL DEFAULT '[]'::jsonb,      -- array of replay ids
    imported_at bigint NOT NULL,
    PRIMARY KEY (user_id, path)
);

INSERT INTO import_sources (user_id, path, size, mtime_ns, fingerprint, replay_ids, imported_at)
SELECT coalesce(
           (SELECT r.user_id
            FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(old.replay_ids) = 'array'
                                                THEN old.replay_ids ELSE '[]'::jsonb END)
                 WITH ORDINALITY AS listed (id, n)
            JOIN replays r ON r.id = listed.id
            ORDER BY listed.n LIMIT 1),
           'local'),
       old.path, old.size, old.mtime_ns, old.fingerprint, old.replay_ids, old.imported_at
FROM import_sources_v5 AS old;

DROP TABLE import_sources_v5;

-- What was imported from which file is the system's bookkeeping: no policy, no user sees it.
ALTER TABLE import_sources ENABLE ROW LEVEL SECURITY;
