/** How a `replay_jobs` row is selected and turned into a {@linkcode ReplayJob}. */
import type { JobState, ReplayJob } from "./contract.ts";

/** The selected columns, counts as float8 so they come back as numbers, not strings. */
export const JOB_COLUMNS =
  `id::text AS id, seq::float8 AS seq, projection, projections, from_seq::float8 AS from_seq,
  from_time, requested_by, state, phase, events_read::float8 AS events_read,
  events_total::float8 AS events_total, events_per_sec, eta_seconds,
  rows_written::float8 AS rows_written, error, summary, attempts, worker,
  cancel_requested_at, created_at, started_at, heartbeat_at, finished_at`;

/** A row as selected with {@linkcode JOB_COLUMNS}. */
export interface JobRow {
  id: string;
  seq: number;
  projection: string;
  projections: string[];
  from_seq: number | null;
  from_time: Date | null;
  requested_by: string;
  state: JobState;
  phase: string | null;
  events_read: number;
  events_total: number;
  events_per_sec: number;
  eta_seconds: number | null;
  rows_written: number;
  error: string | null;
  summary: Record<string, unknown> | null;
  attempts: number;
  worker: string | null;
  cancel_requested_at: Date | null;
  created_at: Date;
  started_at: Date | null;
  heartbeat_at: Date | null;
  finished_at: Date | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** The job a row describes. */
export function toJob(row: JobRow): ReplayJob {
  const done = row.state === "succeeded";
  return {
    id: row.id,
    projection: row.projection,
    projections: row.projections,
    fromSeq: row.from_seq,
    fromTime: iso(row.from_time),
    requestedBy: row.requested_by,
    state: row.state,
    phase: row.phase,
    eventsRead: row.events_read,
    eventsTotal: row.events_total,
    progress: done ? 1 : row.events_total > 0 ? Math.min(1, row.events_read / row.events_total) : 0,
    eventsPerSec: Math.round(row.events_per_sec),
    etaSeconds: row.eta_seconds === null ? null : Math.round(row.eta_seconds),
    rowsWritten: row.rows_written,
    error: row.error,
    attempts: row.attempts,
    worker: row.worker,
    cancelRequested: row.cancel_requested_at !== null,
    summary: row.summary,
    createdAt: row.created_at.toISOString(),
    startedAt: iso(row.started_at),
    heartbeatAt: iso(row.heartbeat_at),
    finishedAt: iso(row.finished_at),
  };
}
