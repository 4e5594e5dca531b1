/** The replay worker's settings, from the environment, with zod. */
import { z } from "zod";
import { parseEnv, positiveInt } from "../lib/mod.ts";

/** Environment variables the replay worker reads besides the replay's own. */
export const ReplayWorkerEnv = z.object({
  /** Jobs one worker runs at once; further jobs wait in the queue. */
  REPLAY_CONCURRENCY: positiveInt(1),
  /** A job whose worker has not written to it for this long is taken back. */
  REPLAY_LEASE_MS: positiveInt(10_000).refine((ms) => ms >= 1000, "must be at least 1000"),
  /** How often a running job writes its progress and renews its lease. */
  REPLAY_HEARTBEAT_MS: positiveInt(500).refine((ms) => ms <= 1000, "must be at most 1000"),
  /** How often an idle worker looks at the queue (it is also woken by each new job). */
  REPLAY_POLL_MS: positiveInt(1000),
  /** Days a finished job is kept. */
  REPLAY_JOB_RETENTION_DAYS: positiveInt(30),
});

/** The parsed worker settings. */
export type ReplayWorkerEnvConfig = z.infer<typeof ReplayWorkerEnv>;

/** Reads the worker's variables once; throws a `ConfigError` naming the bad one. */
export function readReplayWorkerEnv(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): ReplayWorkerEnvConfig {
  return parseEnv(ReplayWorkerEnv, env);
}
