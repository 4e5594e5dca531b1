-- Read models built by the projector. Every history row keeps the id and stream sequence of its event.

CREATE TABLE projection_checkpoints (
  projection    text PRIMARY KEY,
  last_seq      bigint NOT NULL,
  last_event_at timestamptz,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dead_letters (
  seq         bigint PRIMARY KEY,
  subject     text NOT NULL,
  reason      text NOT NULL,
  raw         bytea NOT NULL,
  headers     jsonb NOT NULL DEFAULT '{}',
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dead_letters_received_at ON dead_letters (received_at DESC);

CREATE TABLE machines (
  machine_id      text PRIMARY KEY,
  state           text,
  state_since     timestamptz,
  state_seq       bigint,
  last_seen       timestamptz NOT NULL,
  last_power_w    double precision,
  last_power_at   timestamptz,
  last_power_seq  bigint,
  last_error_code text,
  last_error_at   timestamptz,
  last_error_seq  bigint,
  errors_info     bigint NOT NULL DEFAULT 0,
  errors_warning  bigint NOT NULL DEFAULT 0,
  errors_error    bigint NOT NULL DEFAULT 0,
  errors_critical bigint NOT NULL DEFAULT 0,
  -- Integer microjoules keep sums exact whatever the batching; Wh = energy_uj / 3.6e9.
  energy_uj       bigint NOT NULL DEFAULT 0
);
CREATE INDEX machines_state ON machines (state, machine_id);

CREATE TABLE state_changes (
  seq        bigint PRIMARY KEY,
  event_id   uuid NOT NULL UNIQUE,
  machine_id text NOT NULL,
  from_state text,
  to_state   text NOT NULL,
  at         timestamptz NOT NULL
);
CREATE INDEX state_changes_machine_at ON state_changes (machine_id, at DESC, seq DESC);
CREATE INDEX state_changes_at ON state_changes (at DESC, seq DESC);

CREATE TABLE errors (
  seq        bigint PRIMARY KEY,
  event_id   uuid NOT NULL UNIQUE,
  machine_id text NOT NULL,
  code       text NOT NULL,
  severity   text NOT NULL,
  message    text NOT NULL,
  at         timestamptz NOT NULL
);
CREATE INDEX errors_machine_at ON errors (machine_id, at DESC, seq DESC);
CREATE INDEX errors_at ON errors (at DESC, seq DESC);

-- Integer milliwatt sums and microjoule energies stay exact under any split into batches.
CREATE TABLE power_minutes (
  machine_id text NOT NULL,
  minute     timestamptz NOT NULL,
  samples    bigint NOT NULL,
  sum_mw     bigint NOT NULL,
  min_w      double precision NOT NULL,
  max_w      double precision NOT NULL,
  energy_uj  bigint NOT NULL,
  events     bigint NOT NULL,
  last_seq   bigint NOT NULL,
  PRIMARY KEY (machine_id, minute)
);
CREATE INDEX power_minutes_minute ON power_minutes (minute DESC, machine_id);

CREATE TABLE sensor_readings (
  seq              bigint PRIMARY KEY,
  event_id         uuid NOT NULL UNIQUE,
  machine_id       text NOT NULL,
  at               timestamptz NOT NULL,
  readings         jsonb NOT NULL,
  failure_type     text,
  failure_progress double precision
);
CREATE INDEX sensor_readings_machine_at ON sensor_readings (machine_id, at DESC, seq DESC);
CREATE INDEX sensor_readings_at ON sensor_readings (at DESC, seq DESC);

-- One row per failure episode, keyed by the sequence of the event that started it.
CREATE TABLE failures (
  start_seq      bigint PRIMARY KEY,
  start_event_id uuid NOT NULL UNIQUE,
  machine_id     text NOT NULL,
  type           text NOT NULL,
  started_at     timestamptz NOT NULL,
  ended_at       timestamptz,
  end_seq        bigint,
  end_event_id   uuid,
  peak_progress  double precision NOT NULL
);
CREATE INDEX failures_machine_started ON failures (machine_id, started_at DESC);
CREATE INDEX failures_started ON failures (started_at DESC);
CREATE UNIQUE INDEX failures_ongoing ON failures (machine_id) WHERE ended_at IS NULL;

CREATE TABLE xray_scans (
  seq         bigint PRIMARY KEY,
  event_id    uuid NOT NULL UNIQUE,
  machine_id  text NOT NULL,
  at          timestamptz NOT NULL,
  point_count integer NOT NULL,
  min_lat     double precision NOT NULL,
  max_lat     double precision NOT NULL,
  min_lon     double precision NOT NULL,
  max_lon     double precision NOT NULL,
  min_speed   double precision NOT NULL,
  avg_speed   double precision NOT NULL,
  max_speed   double precision NOT NULL,
  duration_ms double precision NOT NULL
);
CREATE INDEX xray_scans_machine_at ON xray_scans (machine_id, at DESC, seq DESC);
CREATE INDEX xray_scans_at ON xray_scans (at DESC, seq DESC);

-- Heartbeat and throughput of each running projector, read by the API's /health and /metrics.
CREATE TABLE projector_status (
  name             text PRIMARY KEY,
  heartbeat_at     timestamptz NOT NULL,
  events_per_sec   double precision NOT NULL DEFAULT 0,
  projected_total  bigint NOT NULL DEFAULT 0,
  last_event_at    timestamptz,
  stream_last_seq  bigint,
  checkpoint_seq   bigint
);
