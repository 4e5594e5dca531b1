/**
 * The worker's side of the replay job queue. A worker registers by taking a session advisory
 * lock of its own; it claims queued jobs with `FOR UPDATE SKIP LOCKED`, renews each job's lease
 * with every progress write, and settles the job at the end. A running job whose worker's lock
 * is gone (the process or its connection died) or whose lease expired (it stopped heartbeating)
 * is taken back by whoever looks next: queued again while it has attempts left, else failed.
 */
import type { ReservedSql, Sql } from "postgres";
import { JOB_COLUMNS, type JobRow, toJob } from "./_queue_row.ts";
import type { ReplayJob } from "./contract.ts";

// Any constant works; every process that runs replay jobs must use the same one.
const WORKER_LOCK = 727_007;

/** A registered worker: its name, and the advisory lock that tells the others it is alive. */
export interface WorkerIdentity {
  name: string;
  lockKey: number;
  /** True while the connection holding the lock is up. */
  alive(): Promise<boolean>;
  /** Releases the lock and its connection. */
  release(): Promise<void>;
}

/** Takes a fresh worker lock on a connection reserved for as long as the worker runs. */
export async function registerWorker(sql: Sql, name: string): Promise<WorkerIdentity> {
  const conn: ReservedSql = await sql.reserve();
  try {
    for (;;) {
      const lockKey = 1 + Math.floor(Math.random() * 2_000_000_000);
      const [row] = await conn<{ ok: boolean }[]>`
        SELECT pg_try_advisory_lock(${WORKER_LOCK}, ${lockKey}) AS ok`;
      if (!row?.ok) continue;
      return {
        name,
        lockKey,
        alive: () => conn`SELECT 1`.then(() => true, () => false),
        async release() {
          await conn`SELECT pg_advisory_unlock(${WORKER_LOCK}, ${lockKey})`.catch(() => {});
          conn.release();
        },
      };
    }
  } catch (error) {
    conn.release();
    throw error;
  }
}

/** A job's progress as its worker writes it. */
export interface JobProgress {
  phase: string;
  eventsRead: number;
  eventsTotal: number;
  eventsPerSec: number;
  etaSeconds?: number;
  rowsWritten: number;
}

const lease = (ms: number) => `${Math.max(1, Math.round(ms))} milliseconds`;

/** Claims the oldest queued job that is due, for `worker`; undefined when there is none. */
export async function claimNextJob(
  sql: Sql,
  worker: WorkerIdentity,
  leaseMs: number,
): Promise<ReplayJob | undefined> {
  const [row] = await sql<JobRow[]>`
    WITH next AS (
      SELECT id AS next_id FROM replay_jobs WHERE state = 'queued' AND run_after <= now()
      ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
    UPDATE replay_jobs j SET state = 'running', phase = 'preparing', attempts = attempts + 1,
      worker = ${worker.name}, worker_lock = ${worker.lockKey},
      started_at = coalesce(started_at, now()), heartbeat_at = now(),
      lease_expires_at = now() + ${lease(leaseMs)}::interval,
      events_read = 0, events_total = 0, events_per_sec = 0, eta_seconds = NULL,
      rows_written = 0
    FROM next WHERE j.id = next.next_id
    RETURNING ${sql.unsafe(JOB_COLUMNS)}`;
  return row ? toJob(row) : undefined;
}

/**
 * Writes progress and renews the lease. Returns whether a cancel was asked, or undefined when
 * the job is no longer this worker's (taken back, or settled by someone else).
 */
export async function heartbeatJob(
  sql: Sql,
  jobId: string,
  worker: WorkerIdentity,
  options: { leaseMs: number; progress?: JobProgress },
): Promise<{ cancelRequested: boolean } | undefined> {
  const p = options.progress;
  const [row] = await sql<{ cancel: boolean }[]>`
    UPDATE replay_jobs SET heartbeat_at = now(),
      lease_expires_at = now() + ${lease(options.leaseMs)}::interval,
      phase = coalesce(${p?.phase ?? null}, phase),
      events_read = coalesce(${p?.eventsRead ?? null}, events_read),
      events_total = coalesce(${p?.eventsTotal ?? null}, events_total),
      events_per_sec = coalesce(${p?.eventsPerSec ?? null}, events_per_sec),
      eta_seconds = ${p?.etaSeconds ?? null},
      rows_written = coalesce(${p?.rowsWritten ?? null}, rows_written)
    WHERE id = ${jobId} AND worker_lock = ${worker.lockKey} AND state = 'running'
    RETURNING cancel_requested_at IS NOT NULL AS cancel`;
  return row ? { cancelRequested: row.cancel } : undefined;
}

/** How a worker ends a job. */
export type JobOutcome =
  | { state: "succeeded"; progress: JobProgress; summary: Record<string, unknown> }
  | { state: "failed"; error: string }
  | { state: "cancelled"; error?: string }
  /** Back to the queue, claimable after `delayMs`; `countAttempt: false` gives the attempt back. */
  | { state: "queued"; delayMs: number; countAttempt: boolean; note?: string };

/** Settles a job this worker runs; false when it was no longer this worker's. */
export async function settleJob(
  sql: Sql,
  jobId: string,
  worker: WorkerIdentity,
  outcome: JobOutcome,
): Promise<boolean> {
  const mine = sql`id = ${jobId} AND worker_lock = ${worker.lockKey} AND state = 'running'`;
  let rows;
  if (outcome.state === "succeeded") {
    const p = outcome.progress;
    rows = await sql`UPDATE replay_jobs SET state = 'succeeded', phase = 'done',
      events_read = ${p.eventsRead}, events_total = ${p.eventsTotal},
      events_per_sec = ${p.eventsPerSec}, eta_seconds = 0, rows_written = ${p.rowsWritten},
      summary = ${sql.json(outcome.summary as never)}, error = NULL, finished_at = now(),
      heartbeat_at = now(), lease_expires_at = NULL
      WHERE ${mine} RETURNING id`;
  } else if (outcome.state === "queued") {
    rows = await sql`UPDATE replay_jobs SET state = 'queued', phase = 'waiting',
      attempts = attempts - ${outcome.countAttempt ? 0 : 1}, error = ${outcome.note ?? null},
      run_after = now() + ${lease(outcome.delayMs)}::interval, worker = NULL,
      worker_lock = NULL, lease_expires_at = NULL, eta_seconds = NULL
      WHERE ${mine} RETURNING id`;
  } else {
    rows = await sql`UPDATE replay_jobs SET state = ${outcome.state},
      error = ${outcome.error ?? null}, finished_at = now(), eta_seconds = NULL,
      heartbeat_at = now(), lease_expires_at = NULL
      WHERE ${mine} RETURNING id`;
  }
  return rows.length > 0;
}

/** What {@linkcode reapLostJobs} did to one job. */
export interface ReapedJob {
  id: string;
  state: "queued" | "failed" | "cancelled";
}

/**
 * Takes back running jobs whose worker is gone or whose lease expired: a job being cancelled
 * ends cancelled, one with attempts left is queued again, the rest fail. Safe to run anywhere,
 * any time, by several processes at once.
 */
export async function reapLostJobs(sql: Sql): Promise<ReapedJob[]> {
  return await sql<ReapedJob[]>`
    WITH lost AS (
      SELECT id, CASE WHEN lease_expires_at < now() THEN 'its lease expired'
        ELSE 'its process or connection ended' END AS why
      FROM replay_jobs j
      WHERE state = 'running' AND (lease_expires_at < now() OR NOT EXISTS (
        SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.classid = ${WORKER_LOCK}
          AND l.objid = j.worker_lock::oid AND l.objsubid = 2 AND l.granted))
      FOR UPDATE SKIP LOCKED)
    UPDATE replay_jobs j SET
      state = CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelled'
        WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
      error = format('attempt %s lost: worker %s stopped (%s)', attempts, worker, lost.why),
      finished_at = CASE WHEN cancel_requested_at IS NULL AND attempts < max_attempts THEN NULL
        ELSE now() END,
      phase = CASE WHEN cancel_requested_at IS NULL AND attempts < max_attempts THEN 'waiting'
        ELSE phase END,
      worker = NULL, worker_lock = NULL, lease_expires_at = NULL, eta_seconds = NULL
    FROM lost WHERE j.id = lost.id
    RETURNING j.id::text AS id, j.state`;
}

/** Deletes jobs that ended more than `days` days ago; returns how many. */
export async function purgeOldJobs(sql: Sql, days = 30): Promise<number> {
  const rows = await sql`DELETE FROM replay_jobs
    WHERE finished_at < now() - make_interval(days => ${days}) RETURNING id`;
  return rows.length;
}
