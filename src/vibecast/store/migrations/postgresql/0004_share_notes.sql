-- vibecast schema v4 (PostgreSQL): "Show my notes on the link". Twin of
-- ../sqlite/0004_share_notes.sql. Off unless the owner turns it on for a replay's link; a
-- revoked link (or a replay saved as private) turns it off again.
ALTER TABLE replays ADD COLUMN share_notes boolean NOT NULL DEFAULT false;

-- Who reads a replay's annotations besides their owner (replay_annotations_owner, 0002):
--
-- * a signed-in user (a teammate), the annotations of a public, unexpired replay, as before;
-- * nobody signed in (a share link's viewer: no vibecast.user_id and no auth.uid()), only the
--   replay owner's notes — not bookmarks, not anyone else's annotations — and only while the
--   replay is public through an unexpired link with share_notes on. Revoking the link, its
--   expiry or turning share_notes off hides them in the same statement's snapshot.
DROP POLICY replay_annotations_public_read ON replay_annotations;
CREATE POLICY replay_annotations_public_read ON replay_annotations FOR SELECT
    USING ((SELECT vibecast.current_user_id()) IS NOT NULL
           AND EXISTS (SELECT 1 FROM replays r WHERE r.id = replay_annotations.replay_id
                       AND r.is_public AND (r.share_expires_at IS NULL
                                            OR r.share_expires_at > (SELECT vibecast.now_ms()))));
CREATE POLICY replay_annotations_shared_notes ON replay_annotations FOR SELECT
    USING (kind = 'note'
           AND EXISTS (SELECT 1 FROM replays r WHERE r.id = replay_annotations.replay_id
                       AND r.user_id = replay_annotations.user_id
                       AND r.share_notes AND r.is_public AND r.share_token IS NOT NULL
                       AND (r.share_expires_at IS NULL
                            OR r.share_expires_at > (SELECT vibecast.now_ms()))));
