/**
 * The replay worker loop behind `deno task replay --worker`: registers itself, then until its
 * signal aborts it takes back jobs lost by dead workers, claims queued jobs up to its concurrency
 * and runs them, and deletes jobs that ended long ago. It wakes on a notification from the
 * enqueuer, and polls as well. When stopped, its running jobs go back to the queue.
 */
import type { Sql } from "postgres";
import { backoffDelay, sleep } from "../lib/mod.ts";
import { PROJECTIONS } from "../projector/registry.ts";
import type { RebuildDeps } from "./rebuild.ts";
import { dropStaleSchemas, tryLockProjections, unlockProjections } from "./_schemas.ts";
import {
  claimNextJob,
  purgeOldJobs,
  reapLostJobs,
  registerWorker,
  type WorkerIdentity,
} from "./queue_lease.ts";
import { type JobResult, runJob } from "./worker_job.ts";

/** Options of {@linkcode runReplayWorker}. */
export interface ReplayWorkerOptions {
  /** Jobs this worker runs at once; further jobs wait in the queue. @default 1 */
  concurrency?: number;
  /** How often the queue is looked at without a notification. @default 1000 */
  pollMs?: number;
  /** How often a running job writes progress and renews its lease. @default 500 */
  heartbeatMs?: number;
  /** A job whose worker has not renewed it for this long is taken back. @default 10000 */
  leaseMs?: number;
  /** Messages per batch. @default 8192 */
  batchSize?: number;
  /** 1 decodes and projects in a Web Worker, 0 in place. @default 1 */
  projectWorkers?: number;
  /** Days a finished job is kept. @default 30 */
  retentionDays?: number;
  /** The worker's name in the job rows. @default hostname/pid */
  name?: string;
  /** Stops the worker; running jobs are queued again. */
  signal?: AbortSignal;
  /** Called as each job ends, for tests and logs. */
  onJobEnd?: (id: string, result: JobResult) => void;
}

/** A rebuild's connections, plus a small pool for the job rows. */
export interface ReplayWorkerDeps extends RebuildDeps {
  /** Heartbeats must not wait behind a rebuild's writes. @default `sql` */
  queue?: Sql;
}

const PURGE_EVERY_MS = 3_600_000;

/** Runs replay jobs from the queue until `options.signal` aborts. */
export async function runReplayWorker(
  deps: ReplayWorkerDeps,
  options: ReplayWorkerOptions = {},
): Promise<void> {
  const queue = deps.queue ?? deps.sql;
  const log = deps.logger;
  const signal = options.signal ?? new AbortController().signal;
  const concurrency = options.concurrency ?? 1;
  const name = options.name ?? `${Deno.hostname()}/${Deno.pid}`;
  const running = new Set<Promise<unknown>>();
  let wake = () => {};
  const listening = await queue.listen("replay_jobs", () => wake()).catch((error) => {
    log?.warn("no notifications from the job queue; polling only", { error });
    return undefined;
  });
  let identity: WorkerIdentity | undefined;
  let lastPurge = 0;
  let failures = 0;
  try {
    while (!signal.aborted) {
      let waitMs = options.pollMs ?? 1000;
      try {
        if (identity && !(await identity.alive())) {
          await identity.release();
          identity = undefined;
        }
        identity ??= await registerWorker(queue, name);
        const reaped = await reapLostJobs(queue);
        if (reaped.length > 0) log?.warn("took back jobs of lost workers", { jobs: reaped });
        if (reaped.some((job) => job.state !== "queued")) await dropLeftovers(deps);
        if (Date.now() - lastPurge > PURGE_EVERY_MS) {
          const purged = await purgeOldJobs(queue, options.retentionDays ?? 30);
          if (purged > 0) log?.info("deleted old replay jobs", { purged });
          lastPurge = Date.now();
        }
        while (running.size < concurrency && !signal.aborted) {
          const job = await claimNextJob(queue, identity, options.leaseMs ?? 10_000);
          if (!job) break;
          log?.info("replay job started", { id: job.id, projection: job.projection, worker: name });
          const run: Promise<unknown> = runJob(deps, job, {
            worker: identity,
            queue,
            leaseMs: options.leaseMs ?? 10_000,
            heartbeatMs: options.heartbeatMs ?? 500,
            batchSize: options.batchSize,
            projectWorkers: options.projectWorkers,
            signal,
            onStop: "requeue",
            onConflict: "requeue",
            logger: log,
          }).then((result) => {
            log?.info("replay job ended", { id: job.id, state: result.state, error: result.error });
            options.onJobEnd?.(job.id, result);
          }, (error) => log?.error("replay job could not be settled", { id: job.id, error }))
            .finally(() => {
              running.delete(run);
              wake();
            });
          running.add(run);
        }
        failures = 0;
      } catch (error) {
        waitMs = backoffDelay(failures++, { baseMs: 500, maxMs: 10_000 });
        log?.warn("replay job queue unreachable; retrying", { error, retryInMs: waitMs });
      }
      const pause = new AbortController();
      wake = () => pause.abort();
      await sleep(waitMs, AbortSignal.any([signal, pause.signal]));
    }
  } finally {
    await Promise.allSettled(running);
    await listening?.unlisten().catch(() => {});
    await identity?.release();
  }
}

/**
 * Drops the shadow schemas a lost worker left behind, when no rebuild runs at all: a job that
 * is not queued again never gets a rebuild of its own to clear them.
 */
async function dropLeftovers(deps: RebuildDeps): Promise<void> {
  const conn = await deps.sql.reserve();
  try {
    const busy = await tryLockProjections(conn, PROJECTIONS);
    if (busy.length > 0) return;
    try {
      const dropped = await dropStaleSchemas(conn, deps.sql, PROJECTIONS);
      if (dropped.length > 0) deps.logger?.info("dropped leftover rebuild schemas", { dropped });
    } finally {
      await unlockProjections(conn, PROJECTIONS);
    }
  } finally {
    conn.release();
  }
}
