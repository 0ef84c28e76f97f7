-- vibecast schema v4 (SQLite): "Show my notes on the link". Twin of
-- ../postgresql/0004_share_notes.sql. Off unless the owner turns it on for a replay's link; a
-- revoked link (or a replay saved as private) turns it off again. While it is on, a share link's
-- anonymous viewer reads the owner's notes (kind 'note', by the replay's owner) on that replay and
-- nothing else: SQLiteStore applies the rule in its queries, as PostgreSQL's policy below does.
ALTER TABLE replays ADD COLUMN share_notes BOOLEAN NOT NULL DEFAULT 0;
