/**
 * The contract between the replay engine and whoever drives it (the API's `/admin/replay`, the
 * CLI): what a replay job looks like and the states it goes through, the phases of a rebuild,
 * and the names of the projections that can be rebuilt. Pure data, no runtime import of the engine, so the API
 * can depend on it without depending on replay internals, and replay never imports the API.
 * @module
 */
export { PROJECTIONS } from "../projector/registry.ts";

/** Where a rebuild is. */
export type RebuildPhase = "preparing" | "seeding" | "replaying" | "swapping" | "done";

/** The states of a replay job; `queued` and `running` are active, the others final. */
export const JOB_STATES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
/** A replay job state. */
export type JobState = typeof JOB_STATES[number];

/** One replay job as its row in `replay_jobs` records it and the API reports it. Times are ISO. */
export interface ReplayJob {
  id: string;
  /** What was asked for: one projection or `"all"`. */
  projection: string;
  /** The projections that means. */
  projections: string[];
  fromSeq: number | null;
  fromTime: string | null;
  /** The name of the API key (or the user of the CLI) that asked; never a key. */
  requestedBy: string;
  state: JobState;
  /** A {@linkcode RebuildPhase}, or `waiting` when the job went back to the queue. */
  phase: string | null;
  eventsRead: number;
  eventsTotal: number;
  /** Fraction done, 0–1. */
  progress: number;
  eventsPerSec: number;
  etaSeconds: number | null;
  rowsWritten: number;
  error: string | null;
  attempts: number;
  /** The worker running it, while it runs. */
  worker: string | null;
  /** A cancel was asked for a running job; its worker stops it at its next heartbeat. */
  cancelRequested: boolean;
  /** The rebuild's summary once it succeeded. */
  summary: Record<string, unknown> | null;
  createdAt: string;
  startedAt: string | null;
  heartbeatAt: string | null;
  finishedAt: string | null;
}
