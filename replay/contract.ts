/**
 * The contract between the replay engine and whoever drives it (the API's `/admin/replay`, the
 * CLI): what a job request and a job's status look like, the phases of a rebuild, and the names
 * of the projections that can be rebuilt. Pure data, no runtime import of the engine, so the API
 * can depend on it without depending on replay internals, and replay never imports the API.
 * @module
 */
export { PROJECTIONS } from "../projector/registry.ts";

/** Where a rebuild is. */
export type RebuildPhase = "preparing" | "seeding" | "replaying" | "swapping" | "done";

/** A request to rebuild one projection, or `"all"`, from the start or from a point. */
export interface ReplayRequest {
  /** A projection name or `"all"`. */
  projection: string;
  fromSeq?: number;
  fromTime?: string;
}

/** Progress and outcome of one replay job. */
export interface ReplayJobStatus {
  id: string;
  projection: string;
  state: "running" | "succeeded" | "failed";
  startedAt: string;
  finishedAt?: string;
  eventsRead: number;
  totalEvents: number;
  progress: number;
  eventsPerSec: number;
  rowsWritten: number;
  errors: string[];
}

/** The status of a job that has just started: running, nothing read yet. */
export function startedJob(
  id: string,
  projection: string,
  options: { startedAt?: Date; totalEvents?: number } = {},
): ReplayJobStatus {
  return {
    id,
    projection,
    state: "running",
    startedAt: (options.startedAt ?? new Date()).toISOString(),
    eventsRead: 0,
    totalEvents: options.totalEvents ?? 0,
    progress: 0,
    eventsPerSec: 0,
    rowsWritten: 0,
    errors: [],
  };
}

/**
 * The replay engine as a driver sees it. `start` throws an error whose `name` is
 * `"ReplayConflictError"` when that projection is already being rebuilt.
 */
export interface ReplayJobs {
  start(request: ReplayRequest): ReplayJobStatus;
  get(id: string): ReplayJobStatus | undefined;
}
