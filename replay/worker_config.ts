/** The replay worker's settings (`deno task replay --worker`), from the environment, with zod. */
import { z } from "zod";
import { parseEnv, positiveInt } from "../lib/mod.ts";

/** Environment variables the replay worker reads besides the replay's own. */
export const ReplayWorkerEnv = z.object({
  REPLAY_CONCURRENCY: positiveInt(1).describe(
    "Replay jobs one worker runs at once; further jobs wait in the queue.",
  ),
  REPLAY_LEASE_MS: positiveInt(10_000).refine((ms) => ms >= 1000, "must be at least 1000")
    .describe(
      "A running job whose worker has not renewed it for this long is taken back: queued " +
        "again while it has attempts left (3), else failed. A worker whose process or " +
        "connection dies loses its jobs at once, without waiting for the lease.",
    ),
  REPLAY_HEARTBEAT_MS: positiveInt(500).refine((ms) => ms <= 1000, "must be at most 1000")
    .describe("How often a running job writes its progress to its row and renews its lease."),
  REPLAY_POLL_MS: positiveInt(1000).describe(
    "How often an idle worker looks at the queue; a new job also wakes it at once.",
  ),
  REPLAY_JOB_RETENTION_DAYS: positiveInt(30).describe("Days a finished replay job is kept."),
  REPLAY_NICE: z.coerce.number({ message: "must be a number" }).int("must be a whole number")
    .min(0, "must be 0–19").max(19, "must be 0–19").default(10).describe(
      "CPU priority of a replay worker (nice, 0–19): a rebuild yields the CPU to the API and the " +
        "live projector. 0 runs it at normal priority.",
    ),
});

/** The worker's settings. */
export interface ReplayWorkerConfig {
  concurrency: number;
  leaseMs: number;
  heartbeatMs: number;
  pollMs: number;
  retentionDays: number;
  nice: number;
}

/** Reads the worker's variables once; throws a `ConfigError` naming the bad one. */
export function loadReplayWorkerConfig(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): ReplayWorkerConfig {
  const parsed = parseEnv(ReplayWorkerEnv, env);
  return {
    concurrency: parsed.REPLAY_CONCURRENCY,
    leaseMs: parsed.REPLAY_LEASE_MS,
    heartbeatMs: parsed.REPLAY_HEARTBEAT_MS,
    pollMs: parsed.REPLAY_POLL_MS,
    retentionDays: parsed.REPLAY_JOB_RETENTION_DAYS,
    nice: parsed.REPLAY_NICE,
  };
}
