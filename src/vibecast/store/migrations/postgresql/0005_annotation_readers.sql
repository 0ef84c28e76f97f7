-- vibecast schema v5 (PostgreSQL): who reads a replay's annotations. Twin of
-- ../sqlite/0005_annotation_readers.sql.
--
-- Until now every signed-in user read all the annotations of a public replay
-- (replay_annotations_public_read, 0002, narrowed to signed-in users in 0004): the owner's
-- bookmarks, and anybody's notes, whatever share_notes said. Now a reader gets:
--
-- * their own annotations, notes and bookmarks, on a replay they may read (the subquery on
--   replays is itself filtered by replays_owner and replays_public_read);
-- * the replay owner's notes — never bookmarks — while the replay is public through an
--   unexpired link with share_notes on, signed in or not (replay_annotations_shared_notes,
--   0004, unchanged).
--
-- Nothing else: not another user's bookmarks, not another non-owner's notes. Writing stays
-- replay_annotations_owner's (0002): the author, on their own replay.
DROP POLICY replay_annotations_public_read ON replay_annotations;
CREATE POLICY replay_annotations_author_read ON replay_annotations FOR SELECT
    USING (user_id = (SELECT vibecast.current_user_id())
           AND EXISTS (SELECT 1 FROM replays r WHERE r.id = replay_annotations.replay_id));
