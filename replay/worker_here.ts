/**
 * A replay job run in the calling process, as `deno task replay` does: the job is recorded in
 * `replay_jobs` already claimed by this process, so the API lists it and refuses overlapping
 * requests, and it runs through the same engine as the queue's workers. A stopped run ends
 * `cancelled`; a killed one is failed by the next look at the queue, never run again elsewhere.
 */
import type { Sql } from "postgres";
import { projectionsOf, type RebuildDeps } from "./rebuild.ts";
import type { RebuildProgress } from "./progress.ts";
import type { ReplayJob } from "./contract.ts";
import { enqueueJob } from "./queue.ts";
import { registerWorker } from "./queue_lease.ts";
import { type JobResult, runJob } from "./worker_job.ts";

/** What to rebuild, and who asks. */
export interface HereRequest {
  projection: string;
  fromSeq?: number;
  fromTime?: Date;
  requestedBy: string;
}

/** Options of {@linkcode runHere}. */
export interface RunHereOptions {
  /** Messages per batch. @default 8192 */
  batchSize?: number;
  /** 1 decodes and projects in a Web Worker, 0 in place. @default 1 */
  projectWorkers?: number;
  /** Stops the rebuild; the job ends cancelled and the live views stay as they were. */
  signal?: AbortSignal;
  onProgress?: (progress: RebuildProgress) => void;
  /** @default 10000 */
  leaseMs?: number;
  /** @default 500 */
  heartbeatMs?: number;
}

/**
 * Records and runs one job here. Throws `JobConflictError` when a queued or running job covers
 * one of its projections; otherwise resolves with the job as recorded and how it ended.
 */
export async function runHere(
  deps: RebuildDeps & { queue?: Sql },
  request: HereRequest,
  options: RunHereOptions = {},
): Promise<JobResult & { job: ReplayJob }> {
  const queue = deps.queue ?? deps.sql;
  const leaseMs = options.leaseMs ?? 10_000;
  const worker = await registerWorker(queue, `cli ${Deno.hostname()}/${Deno.pid}`);
  try {
    const projections = projectionsOf({ projection: request.projection }).map((d) => d.name);
    const job = await enqueueJob(queue, { ...request, projections }, {
      claimBy: { name: worker.name, lockKey: worker.lockKey, leaseMs },
      maxAttempts: 1,
    });
    const result = await runJob(deps, job, {
      worker,
      queue,
      leaseMs,
      heartbeatMs: options.heartbeatMs ?? 500,
      batchSize: options.batchSize,
      projectWorkers: options.projectWorkers,
      signal: options.signal,
      onStop: "cancel",
      onConflict: "fail",
      onProgress: options.onProgress,
    });
    return { ...result, job };
  } finally {
    await worker.release();
  }
}
