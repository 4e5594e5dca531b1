/**
 * Runs one claimed replay job with the rebuild engine: writes its progress and renews its lease
 * on a timer, stops the rebuild when a cancel is asked or the job was taken back, and settles the
 * row with the outcome. The queue worker and the CLI (`deno task replay`) both run jobs this way.
 */
import type { Sql } from "postgres";
import { type Logger, sleep } from "../lib/mod.ts";
import { rebuild, type RebuildDeps, type RebuildSummary, ReplayConflictError } from "./rebuild.ts";
import { etaSeconds, rateOf, type RebuildProgress } from "./progress.ts";
import type { ReplayJob } from "./contract.ts";
import {
  heartbeatJob,
  type JobOutcome,
  type JobProgress,
  settleJob,
  type WorkerIdentity,
} from "./queue_lease.ts";

/** Options of {@linkcode runJob}. */
export interface RunJobOptions {
  worker: WorkerIdentity;
  /** The pool for the job's row: heartbeats and the outcome. */
  queue: Sql;
  /** How long the job stays this worker's without a heartbeat. */
  leaseMs: number;
  /** How often progress is written and the lease renewed. */
  heartbeatMs: number;
  /** Messages per batch. @default 8192 */
  batchSize?: number;
  /** 1 decodes and projects in a Web Worker, 0 in place. @default 1 */
  projectWorkers?: number;
  /** Aborts the rebuild: the worker or the CLI is stopping. */
  signal?: AbortSignal;
  /** A stopped job goes back to the queue (a worker) or ends cancelled (the CLI). */
  onStop: "requeue" | "cancel";
  /** A job whose projections another session rebuilds waits in the queue, or fails (the CLI). */
  onConflict: "requeue" | "fail";
  /** Sees every progress report, e.g. for a progress bar. */
  onProgress?: (progress: RebuildProgress) => void;
  logger?: Logger;
}

/** How a job ended for the one who ran it. */
export interface JobResult {
  /** The state written, or `lost` when the job had been taken back from this worker. */
  state: JobOutcome["state"] | "lost";
  summary?: RebuildSummary;
  error?: unknown;
}

/** The row's figures for a progress report. */
export function jobProgress(p: RebuildProgress): JobProgress {
  return {
    phase: p.phase,
    eventsRead: p.eventsRead,
    eventsTotal: p.totalEvents,
    eventsPerSec: rateOf(p),
    etaSeconds: etaSeconds(p),
    rowsWritten: p.rowsWritten,
  };
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Runs `job` (already claimed by `options.worker`) to its end, and settles it. */
export async function runJob(
  deps: RebuildDeps,
  job: ReplayJob,
  options: RunJobOptions,
): Promise<JobResult> {
  const log = options.logger ?? deps.logger;
  const abort = new AbortController();
  let why: "cancel" | "lost" | "stop" | undefined;
  const stop = (reason: "cancel" | "lost" | "stop") => {
    why ??= reason;
    abort.abort(new DOMException(`replay job ${reason}`, "AbortError"));
  };
  const onStop = () => stop("stop");
  if (options.signal?.aborted) stop("stop");
  options.signal?.addEventListener("abort", onStop, { once: true });

  let latest: RebuildProgress | undefined;
  let beat: Promise<void> | undefined;
  const heartbeat = () => {
    beat ??= heartbeatJob(options.queue, job.id, options.worker, {
      leaseMs: options.leaseMs,
      progress: latest && jobProgress(latest),
    }).then((answer) => {
      if (!answer) stop("lost");
      else if (answer.cancelRequested) stop("cancel");
    }, (error) => log?.warn("could not write the replay job's heartbeat", { id: job.id, error }))
      .finally(() => beat = undefined);
  };
  const timer = setInterval(heartbeat, options.heartbeatMs);

  let outcome: JobOutcome;
  let result: JobResult;
  try {
    const summary = await rebuild(deps, {
      projection: job.projection,
      ...(job.fromSeq !== null ? { fromSeq: job.fromSeq } : {}),
      ...(job.fromTime !== null ? { fromTime: job.fromTime } : {}),
    }, {
      batchSize: options.batchSize,
      workers: options.projectWorkers,
      signal: abort.signal,
      onProgress: (p) => {
        latest = p;
        options.onProgress?.(p);
      },
    });
    const { plans, checkpoint, deadLetters, gapEvents, scannedEvents, elapsedMs } = summary;
    outcome = {
      state: "succeeded",
      progress: { ...jobProgress(latest!), eventsPerSec: summary.eventsPerSec },
      summary: { plans, checkpoint, deadLetters, gapEvents, scannedEvents, elapsedMs },
    };
    result = { state: "succeeded", summary };
  } catch (error) {
    outcome = outcomeOf(error, why, options);
    result = { state: why === "lost" ? "lost" : outcome.state, error };
  } finally {
    clearInterval(timer);
    options.signal?.removeEventListener("abort", onStop);
    await beat;
  }
  if (result.state === "lost") {
    log?.warn("replay job was taken back from this worker; stopped it", { id: job.id });
    return result;
  }
  const settled = await settleWithRetry(options, job.id, outcome, log);
  return settled ? result : { ...result, state: "lost" };
}

function outcomeOf(
  error: unknown,
  why: "cancel" | "lost" | "stop" | undefined,
  options: RunJobOptions,
): JobOutcome {
  if (why === "cancel") return { state: "cancelled", error: "cancelled on request" };
  if (why === "stop") {
    return options.onStop === "requeue"
      ? {
        state: "queued",
        delayMs: 0,
        countAttempt: false,
        note: "its worker stopped; queued again",
      }
      : { state: "cancelled", error: "stopped before it finished (interrupted)" };
  }
  if (error instanceof ReplayConflictError && options.onConflict === "requeue") {
    return { state: "queued", delayMs: 2000, countAttempt: false, note: message(error) };
  }
  return { state: "failed", error: message(error) };
}

async function settleWithRetry(
  options: RunJobOptions,
  id: string,
  outcome: JobOutcome,
  log: Logger | undefined,
): Promise<boolean> {
  for (let attempt = 1;; attempt++) {
    try {
      return await settleJob(options.queue, id, options.worker, outcome);
    } catch (error) {
      // Left running, the job is taken back when its lease expires; no outcome is lost for good.
      if (attempt >= 5) throw error;
      log?.warn("could not settle the replay job; retrying", { id, attempt, error });
      await sleep(200 * 2 ** attempt);
    }
  }
}
