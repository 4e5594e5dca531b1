/**
 * Replay: rebuild any read model from the `SIGNALS` log, blue/green. A rebuild reads the stream
 * with an ordered consumer into a shadow schema through the live projector's pure projections
 * and batch writer, catches up with the live head, and swaps the shadow tables in with one
 * transaction, so readers see the old view or the new one and the live projector goes on from
 * the rebuilt checkpoint. From a point (`fromSeq`, `fromTime`) it recomputes only what events at
 * or after it produced, each projection seeded by its own definition. Every projection of the
 * projector's registry can be rebuilt, or those of a `registry` passed in. {@linkcode rebuild}
 * runs one rebuild. The API's `/admin/replay` queues jobs in the `replay_jobs` table
 * ({@linkcode enqueueJob}, {@linkcode listJobs}, {@linkcode cancelJob}); workers
 * ({@linkcode runReplayWorker}, `deno task replay --worker`) claim and run them. The job types the
 * API sees are in `contract.ts`, re-exported here.
 * @module
 */
export {
  rebuild,
  type RebuildDeps,
  type RebuildOptions,
  type RebuildRequest,
  type RebuildSummary,
  ReplayConflictError,
} from "./rebuild.ts";
export {
  cancelJob,
  enqueueJob,
  getJob,
  JobConflictError,
  JobFinishedError,
  type JobKey,
  type JobRequest,
  listJobs,
  type ListJobsOptions,
} from "./queue.ts";
export { type ReplayWorkerDeps, type ReplayWorkerOptions, runReplayWorker } from "./worker.ts";
export type { ProjectionPlan } from "./_point.ts";
export { type RebuildPhase, type RebuildProgress, renderBar, renderLine } from "./progress.ts";
export {
  loadReplayConfig,
  parseFlags,
  type ReplayConfig,
  ReplayEnv,
  type ReplayFlagsConfig,
} from "./config.ts";
export * from "./contract.ts";
