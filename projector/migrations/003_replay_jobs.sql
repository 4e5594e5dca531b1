-- Replay jobs: the API inserts a row, a replay worker claims it (FOR UPDATE SKIP LOCKED), writes
-- its progress and heartbeat to it while the rebuild runs, and settles it. A job is taken back
-- from its worker when the worker's advisory lock is gone (the process or its connection died)
-- or its lease expired (it stopped heartbeating), so a job never stays 'running' for good.
CREATE TABLE replay_jobs (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Insertion order (enqueues are serialised): lists are newest first by it, paged by it.
  seq                 bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  -- What was asked for ('all' or one projection), and the projections that means.
  projection          text NOT NULL,
  projections         text[] NOT NULL,
  from_seq            bigint,
  from_time           timestamptz,
  -- The name of the API key (or the CLI user) that asked; never the key itself.
  requested_by        text NOT NULL,
  state               text NOT NULL DEFAULT 'queued'
    CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  phase               text,
  events_read         bigint NOT NULL DEFAULT 0,
  events_total        bigint NOT NULL DEFAULT 0,
  events_per_sec      double precision NOT NULL DEFAULT 0,
  eta_seconds         double precision,
  rows_written        bigint NOT NULL DEFAULT 0,
  error               text,
  -- The rebuild's summary once it succeeded: plans, checkpoint, dead letters.
  summary             jsonb,
  attempts            integer NOT NULL DEFAULT 0,
  -- A job taken back from a lost worker is queued again until it has had this many attempts.
  max_attempts        integer NOT NULL DEFAULT 3,
  -- Who runs it: a readable name, and the key of the session advisory lock that worker holds.
  worker              text,
  worker_lock         integer,
  heartbeat_at        timestamptz,
  lease_expires_at    timestamptz,
  cancel_requested_at timestamptz,
  -- A job put back because its projections were busy waits until then before it is claimed.
  run_after           timestamptz NOT NULL DEFAULT now(),
  created_at          timestamptz NOT NULL DEFAULT now(),
  started_at          timestamptz,
  finished_at         timestamptz,
  CHECK (from_seq IS NULL OR from_time IS NULL)
);
CREATE INDEX replay_jobs_state_seq ON replay_jobs (state, seq);
CREATE INDEX replay_jobs_active ON replay_jobs (state, run_after, seq)
  WHERE state IN ('queued', 'running');
CREATE INDEX replay_jobs_finished ON replay_jobs (finished_at) WHERE finished_at IS NOT NULL;
