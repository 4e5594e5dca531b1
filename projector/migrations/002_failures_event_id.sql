-- An event re-sent after the stream's duplicate window lands at a new sequence. History tables
-- ignore it (ON CONFLICT DO NOTHING), but a failure episode it starts must not wedge the projector
-- on a unique key, so the start event id becomes a plain index.
ALTER TABLE failures DROP CONSTRAINT failures_start_event_id_key;
CREATE INDEX failures_start_event_id ON failures (start_event_id);
