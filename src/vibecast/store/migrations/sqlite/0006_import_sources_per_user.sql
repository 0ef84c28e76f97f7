-- vibecast schema v6 (SQLite): what was imported is remembered per user. Twin of
-- ../postgresql/0006_import_sources_per_user.sql.
--
-- import_sources was keyed by path alone, so once one user imported a file, another user's import
-- of the same file skipped it as unchanged and they got no replay. It is now keyed by
-- (user_id, path): each user's import of a file is skipped only when that user imported it
-- unchanged before.
--
-- An existing row becomes the record of whoever owns its replays now: the owner of the first of
-- its replay ids that still exists (one import writes one user's replays; the owner may have
-- changed since, by `vibecast users remove --transfer-to`). A row with no replay ids, none left,
-- or unreadable ones becomes `local`'s, the user of every import made without --user.
--
-- SQLite cannot change a primary key in place: the old table is renamed, copied and dropped.
ALTER TABLE import_sources RENAME TO import_sources_v5;

CREATE TABLE import_sources (
    user_id     TEXT NOT NULL,                         -- who imported it (owns its replays)
    path        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    mtime_ns    INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,                         -- sha256 of the file's bytes
    replay_ids  TEXT NOT NULL DEFAULT '[]',            -- JSON array of replay ids
    imported_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, path)
);

INSERT INTO import_sources (user_id, path, size, mtime_ns, fingerprint, replay_ids, imported_at)
SELECT coalesce(
           (SELECT r.user_id
            FROM json_each(CASE WHEN NOT json_valid(old.replay_ids) THEN '[]'
                                WHEN json_type(old.replay_ids) = 'array' THEN old.replay_ids
                                ELSE '[]' END) AS listed
            JOIN replays r ON r.id = listed.value
            ORDER BY listed.key LIMIT 1),
           'local'),
       old.path, old.size, old.mtime_ns, old.fingerprint, old.replay_ids, old.imported_at
FROM import_sources_v5 AS old;

DROP TABLE import_sources_v5;
