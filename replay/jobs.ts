/**
 * The replay job manager behind `/admin/replay`: starts rebuilds in the background, refuses a
 * second rebuild of a projection already being rebuilt, and keeps each job's status to poll.
 */
import {
  type ReplayJobs,
  type ReplayJobStatus,
  type ReplayRequest,
  startedJob,
} from "./contract.ts";
import { projectionsOf, rebuild, type RebuildDeps, ReplayConflictError } from "./rebuild.ts";
import { fractionOf, rateOf } from "./progress.ts";

/** Options of {@linkcode createReplayJobs}. */
export interface ReplayJobsOptions {
  /** Messages per batch. @default 8192 */
  batchSize?: number;
  /** Finished jobs kept for polling; the oldest are forgotten first. @default 100 */
  keepFinished?: number;
  /**
   * Rebuilds running at once. Each holds one connection of the pool for its locks and uses
   * another to write, so the pool needs two per rebuild. @default 2
   */
  maxRunning?: number;
}

/** The job manager, plus a way to stop its running jobs at shutdown. */
export interface ReplayJobManager extends ReplayJobs {
  /** Resolves when the job ends (succeeded or failed); for tests and shutdown. */
  settled(id: string): Promise<ReplayJobStatus | undefined>;
  /** Aborts running jobs and waits for them; the live tables stay as they were. */
  close(): Promise<void>;
}

interface Job {
  status: ReplayJobStatus;
  projections: string[];
  done: Promise<void>;
  abort: AbortController;
}

/** Creates the job manager the API's `replay` dependency expects. */
export function createReplayJobs(
  deps: RebuildDeps,
  options: ReplayJobsOptions = {},
): ReplayJobManager {
  const jobs = new Map<string, Job>();
  const running = () => [...jobs.values()].filter((job) => job.status.state === "running");

  const forgetOld = () => {
    const finished = [...jobs.values()].filter((job) => job.status.state !== "running");
    for (
      const job of finished.slice(0, Math.max(0, finished.length - (options.keepFinished ?? 100)))
    ) {
      jobs.delete(job.status.id);
    }
  };

  return {
    start(request: ReplayRequest): ReplayJobStatus {
      const projection = request.projection;
      const projections = projectionsOf({ projection }).map((d) => d.name);
      const clash = running().find((job) => job.projections.some((p) => projections.includes(p)));
      if (clash) {
        throw new ReplayConflictError(
          `job ${clash.status.id} is rebuilding ${clash.status.projection}`,
        );
      }
      const max = options.maxRunning ?? 2;
      if (running().length >= max) {
        throw new ReplayConflictError(`${max} rebuilds are running; start this one when one ends`);
      }
      const id = crypto.randomUUID();
      const status: ReplayJobStatus = startedJob(id, projection);
      const abort = new AbortController();
      const run = rebuild(deps, {
        projection,
        fromSeq: request.fromSeq,
        fromTime: request.fromTime,
      }, {
        id: id.replaceAll("-", "").slice(0, 8),
        batchSize: options.batchSize,
        signal: abort.signal,
        onProgress: (p) =>
          Object.assign(status, {
            eventsRead: p.eventsRead,
            totalEvents: p.totalEvents,
            progress: fractionOf(p),
            eventsPerSec: Math.round(rateOf(p)),
            rowsWritten: p.rowsWritten,
          }),
      });
      const done = run.then(
        (summary) => {
          Object.assign(status, {
            state: "succeeded",
            progress: 1,
            eventsPerSec: Math.round(summary.eventsPerSec),
          });
          deps.logger?.info("replay job succeeded", {
            id,
            projection,
            eventsRead: summary.eventsRead,
            rowsWritten: summary.rowsWritten,
            eventsPerSec: Math.round(summary.eventsPerSec),
          });
        },
        (error: unknown) => {
          status.state = "failed";
          status.errors.push(
            error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          );
          deps.logger?.warn("replay job failed", { id, projection, error });
        },
      ).finally(() => {
        status.finishedAt = new Date().toISOString();
        forgetOld();
      });
      jobs.set(id, { status, projections, done, abort });
      return { ...status, errors: [...status.errors] };
    },

    get(id: string): ReplayJobStatus | undefined {
      const job = jobs.get(id);
      return job ? { ...job.status, errors: [...job.status.errors] } : undefined;
    },

    async settled(id: string): Promise<ReplayJobStatus | undefined> {
      await jobs.get(id)?.done;
      return this.get(id);
    },

    async close(): Promise<void> {
      const active = running();
      for (const job of active) job.abort.abort();
      await Promise.all(active.map((job) => job.done));
    },
  };
}
