-- Leases between projector workers (projector/leases/), until now created by every worker at
-- start-up with CREATE TABLE IF NOT EXISTS. IF NOT EXISTS stays, so a database whose workers
-- created them already keeps its leases and history as they are.
--
-- projector_leases: one row per lease unit (a read model, or a partition of one); the fence grows
-- by one with every acquisition, and a batch commits only while its holder's fence is current.
CREATE TABLE IF NOT EXISTS projector_leases (
  unit       text PRIMARY KEY,
  owner      text,
  fence      bigint NOT NULL DEFAULT 0,
  expires_at timestamptz NOT NULL DEFAULT '-infinity'
);

-- One row per holding: who held a unit under which fence, when, and the stream range it applied.
CREATE TABLE IF NOT EXISTS projector_lease_history (
  unit           text NOT NULL,
  fence          bigint NOT NULL,
  owner          text NOT NULL,
  acquired_at    timestamptz NOT NULL,
  released_at    timestamptz,
  batches        bigint NOT NULL DEFAULT 0,
  from_seq       bigint,
  to_seq         bigint,
  last_commit_at timestamptz,
  PRIMARY KEY (unit, fence)
);

-- Live workers: a heartbeat row each, with the units it holds.
CREATE TABLE IF NOT EXISTS projector_workers (
  id         text PRIMARY KEY,
  host       text NOT NULL,
  pid        integer NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  seen_at    timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  owns       text[] NOT NULL DEFAULT '{}'
);

-- How many partitions (by a hash of the machine id) each split read model has in this database.
-- A partition is a lease unit with its own checkpoint, so the count is fixed once recorded: the
-- projector records it at its first start (PROJECTOR_PARTITIONS) and refuses to start with
-- another.
CREATE TABLE IF NOT EXISTS projector_partitions (
  projection  text PRIMARY KEY,
  partitions  integer NOT NULL CHECK (partitions BETWEEN 1 AND 1024),
  recorded_at timestamptz NOT NULL DEFAULT now()
);
