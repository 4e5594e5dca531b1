/**
 * The replay job queue as the API and the CLI see it: a `replay_jobs` row per request. Enqueueing
 * refuses a job whose projections overlap a queued or running one; reading, listing (newest
 * first, keyset-paged) and cancelling work on the rows alone. Workers claim and run the rows
 * (`queue_lease.ts`, `worker.ts`); nothing here rebuilds anything.
 */
import type { Sql } from "postgres";
import type { ReplayJob } from "./contract.ts";
import { JOB_COLUMNS, type JobRow, toJob } from "./_queue_row.ts";
import { reapLostJobs } from "./queue_lease.ts";

/** What to enqueue. */
export interface JobRequest {
  /** One projection or `"all"`, as asked. */
  projection: string;
  /** The projections it covers; the caller has validated them. */
  projections: readonly string[];
  fromSeq?: number;
  fromTime?: Date;
  requestedBy: string;
}

/** A queued or running job already covers one of the projections asked for. */
export class JobConflictError extends Error {
  override name = "JobConflictError";
  readonly code = "replay_job_conflict";
  constructor(readonly job: ReplayJob, overlap: readonly string[]) {
    super(
      `job ${job.id} (${job.state}, asked by ${job.requestedBy}) already covers ${
        overlap.join(", ")
      }`,
    );
  }
}

/** The job has ended and can no longer be cancelled. */
export class JobFinishedError extends Error {
  override name = "JobFinishedError";
  readonly code = "replay_job_finished";
  constructor(readonly job: ReplayJob) {
    super(`job ${job.id} has already ended: ${job.state}`);
  }
}

// Serialises enqueues, so two requests for overlapping projections cannot both pass the check.
const ENQUEUE_LOCK = 727_006;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Options of {@linkcode enqueueJob}. */
export interface EnqueueOptions {
  /** Claims the job at once for this worker (the CLI runs it in its own process). @default none */
  claimBy?: { name: string; lockKey: number; leaseMs: number };
  /** Attempts before a job taken back from a lost worker fails. @default 3 */
  maxAttempts?: number;
}

/** Inserts a job; throws {@linkcode JobConflictError} when an active job overlaps it. */
export async function enqueueJob(
  sql: Sql,
  request: JobRequest,
  options: EnqueueOptions = {},
): Promise<ReplayJob> {
  await reapLostJobs(sql);
  const claim = options.claimBy;
  const row = await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${ENQUEUE_LOCK})`;
    const [active] = await tx<JobRow[]>`
      SELECT ${tx.unsafe(JOB_COLUMNS)} FROM replay_jobs
      WHERE state IN ('queued', 'running') AND projections && ${request.projections as string[]}
      ORDER BY seq LIMIT 1`;
    if (active) {
      const job = toJob(active);
      throw new JobConflictError(
        job,
        job.projections.filter((p) => request.projections.includes(p)),
      );
    }
    const [inserted] = await tx<JobRow[]>`
      INSERT INTO replay_jobs (projection, projections, from_seq, from_time, requested_by,
        max_attempts, state, phase, attempts, worker, worker_lock, started_at, heartbeat_at,
        lease_expires_at)
      VALUES (${request.projection}, ${request.projections as string[]},
        ${request.fromSeq ?? null}, ${request.fromTime ?? null}, ${request.requestedBy},
        ${options.maxAttempts ?? 3},
        ${claim ? "running" : "queued"}, ${claim ? "preparing" : null}, ${claim ? 1 : 0},
        ${claim?.name ?? null}, ${claim?.lockKey ?? null},
        ${claim ? tx`now()` : null}, ${claim ? tx`now()` : null},
        ${claim ? tx`now() + make_interval(secs => ${claim.leaseMs / 1000})` : null})
      RETURNING ${tx.unsafe(JOB_COLUMNS)}`;
    return inserted!;
  });
  // Wakes idle workers at once; they also poll, so a lost notification only costs a poll.
  await sql`SELECT pg_notify('replay_jobs', ${row.id})`.catch(() => {});
  return toJob(row);
}

/** The job with `id`, or undefined. */
export async function getJob(sql: Sql, id: string): Promise<ReplayJob | undefined> {
  if (!UUID.test(id)) return undefined;
  await reapLostJobs(sql);
  const [row] = await sql<JobRow[]>`
    SELECT ${sql.unsafe(JOB_COLUMNS)} FROM replay_jobs WHERE id = ${id}`;
  return row ? toJob(row) : undefined;
}

/** Where a page of {@linkcode listJobs} starts: after the job with this key (insertion order). */
export interface JobKey {
  seq: number;
}

/** Options of {@linkcode listJobs}. */
export interface ListJobsOptions {
  /** Only jobs in these states. @default all */
  states?: readonly string[];
  /** Jobs older than this key. @default the newest */
  after?: JobKey;
  /** Jobs per page. @default 50 */
  limit?: number;
}

/** A page of jobs, newest first, and the key of the next page when there is one. */
export async function listJobs(
  sql: Sql,
  options: ListJobsOptions = {},
): Promise<{ jobs: ReplayJob[]; next?: JobKey }> {
  await reapLostJobs(sql);
  const limit = options.limit ?? 50;
  const states = options.states?.length ? [...options.states] : null;
  const rows = await sql<JobRow[]>`
    SELECT ${sql.unsafe(JOB_COLUMNS)} FROM replay_jobs
    WHERE (${states}::text[] IS NULL OR state = ANY(${states}::text[]))
      AND seq < ${options.after?.seq ?? Number.MAX_SAFE_INTEGER}
    ORDER BY seq DESC
    LIMIT ${limit + 1}`;
  const last = rows[limit - 1];
  return {
    jobs: rows.slice(0, limit).map(toJob),
    ...(rows.length > limit && last ? { next: { seq: last.seq } } : {}),
  };
}

/**
 * Cancels a job: a queued one ends at once, a running one is marked and stopped by its worker at
 * its next heartbeat (its shadow is dropped, the live views stay as they were). Returns undefined
 * for an unknown id; throws {@linkcode JobFinishedError} for a job that has ended.
 */
export async function cancelJob(sql: Sql, id: string): Promise<ReplayJob | undefined> {
  if (!UUID.test(id)) return undefined;
  await reapLostJobs(sql);
  const [row] = await sql<JobRow[]>`
    UPDATE replay_jobs SET
      state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END,
      finished_at = CASE WHEN state = 'queued' THEN now() ELSE finished_at END,
      phase = CASE WHEN state = 'queued' THEN NULL ELSE phase END,
      cancel_requested_at = coalesce(cancel_requested_at, now())
    WHERE id = ${id} AND state IN ('queued', 'running')
    RETURNING ${sql.unsafe(JOB_COLUMNS)}`;
  if (row) return toJob(row);
  const job = await getJob(sql, id);
  if (job) throw new JobFinishedError(job);
  return undefined;
}
