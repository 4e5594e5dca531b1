-- The event ledger: every event id the projector has applied, with the stream sequence it was
-- first stored at and a hash of its exact bytes. The id in the signed body is the event's
-- identity: a copy stored later (re-published after the duplicate window, or under a new
-- Nats-Msg-Id) is skipped, and a different body under a known id is dead-lettered as
-- conflicting_duplicate. Checked and filled in bulk inside each batch's transaction.
--
-- Kept compact: 32 bytes of data a row (uuid, bigint, bigint: the first 8 bytes of SHA-256 are
-- enough to tell two bodies of one id apart), and no other index. Event ids are UUID v7, so
-- they grow with time and inserts land at the right edge of the primary key, which stays
-- densely packed and whose recent pages stay in memory; old pages are only read for a late copy.
-- The table is not partitioned: a lookup must see every id ever applied ("exactly once at any
-- delay"), so no partition could ever be dropped, and one index serves the lookup best.
CREATE TABLE event_ids (
  event_id  uuid PRIMARY KEY,
  seq       bigint NOT NULL,
  body_hash bigint NOT NULL
);
