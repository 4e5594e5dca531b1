-- Errors counted per machine and minute of event time, so a count over an hour reads about sixty
-- rows a machine instead of one index entry per error. Merged by adding counts; last_seq is the
-- latest event that fed the row, which tells a rebuild from a point which minutes are final.
CREATE TABLE error_minutes (
  machine_id text NOT NULL,
  minute     timestamptz NOT NULL,
  errors     bigint NOT NULL,
  last_seq   bigint NOT NULL,
  -- The count rides in the key's index, so summing an hour of a machine is an index-only scan.
  PRIMARY KEY (machine_id, minute) INCLUDE (errors)
);

-- A database that already holds errors starts the table where the errors table stands: the
-- same events, counted, and the same checkpoint, so the live projector carries on from there.
INSERT INTO error_minutes (machine_id, minute, errors, last_seq)
  SELECT machine_id, date_trunc('minute', at), count(*), max(seq) FROM errors GROUP BY 1, 2;
INSERT INTO projection_checkpoints (projection, last_seq, last_event_at)
  SELECT 'error_minutes', last_seq, last_event_at FROM projection_checkpoints
  WHERE projection = 'errors';
