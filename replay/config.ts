/**
 * The replay CLI's configuration: environment variables through the loader pattern of
 * `lib/config.ts`, and command-line flags through `node:util` `parseArgs`, both checked with zod.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { ConfigError, type LogLevel, parseEnv, positiveInt, SharedEnv } from "../lib/mod.ts";
import { PROJECTIONS } from "./contract.ts";

/** Environment variables the replay reads. */
export const ReplayEnv = SharedEnv.pick({
  NATS_URL: true,
  DATABASE_URL: true,
  SIGNING_KEY: true,
  LOG_LEVEL: true,
}).extend({
  // A worker's full rebuild of 1M events peaked at 199 MB RSS with 2048 and 249 MB with 8192
  // (64 MB heaps), at the same rate within the noise of a shared machine.
  REPLAY_BATCH_SIZE: positiveInt(2048).describe("Messages per fetch and per shadow transaction."),
  REPLAY_WORKERS: z.coerce.number({ message: "must be a number" }).int("must be a whole number")
    .min(0, "must be 0 or more").max(1, "must be 0 or 1").default(1).describe(
      "1 decodes and projects in a worker beside reads and writes; 0 does it on the main thread.",
    ),
  REPLAY_CONCURRENCY: positiveInt(1).describe(
    "Replay jobs one worker (`--worker`) runs at once; further jobs wait in the queue.",
  ),
  REPLAY_LEASE_MS: positiveInt(10_000).refine((ms) => ms >= 1000, "must be at least 1000")
    .describe(
      "A running job whose worker has not renewed it for this long is taken back: queued again " +
        "while it has attempts left (3), else failed. A worker whose process or connection dies " +
        "loses its jobs at once, without waiting for the lease.",
    ),
  REPLAY_HEARTBEAT_MS: positiveInt(500).refine((ms) => ms <= 1000, "must be at most 1000")
    .describe("How often a running job writes its progress to its row and renews its lease."),
  REPLAY_POLL_MS: positiveInt(1000).describe(
    "How often an idle worker looks at the queue; a new job also wakes it at once.",
  ),
  REPLAY_JOB_RETENTION_DAYS: positiveInt(30).describe("Days a finished replay job is kept."),
  REPLAY_NICE: z.coerce.number({ message: "must be a number" }).int("must be a whole number")
    .min(0, "must be 0–19").max(19, "must be 0–19").default(10).describe(
      "CPU priority (nice, 0–19) of a worker: its rebuilds yield the CPU to the API and the " +
        "live projector. 0 runs them at normal priority.",
    ),
});

/** Settings of a replay run. */
export interface ReplayConfig {
  natsUrl: string;
  databaseUrl: string;
  /** Must be the live projector's key, so the same events become dead letters. */
  signingKey?: string;
  logLevel: LogLevel;
  /** Messages per fetch and per shadow transaction. */
  batchSize: number;
  /** 1: decode and project in a worker; 0: in place. */
  workers: number;
  /** What a queue worker (`--worker`) does. */
  worker: {
    concurrency: number;
    leaseMs: number;
    heartbeatMs: number;
    pollMs: number;
    retentionDays: number;
    nice: number;
  };
}

/** Reads the environment once; throws a `ConfigError` naming the bad variable. */
export function loadReplayConfig(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): ReplayConfig {
  const e = parseEnv(ReplayEnv, env);
  return {
    natsUrl: e.NATS_URL,
    databaseUrl: e.DATABASE_URL,
    signingKey: e.SIGNING_KEY,
    logLevel: e.LOG_LEVEL,
    batchSize: e.REPLAY_BATCH_SIZE,
    workers: e.REPLAY_WORKERS,
    worker: {
      concurrency: e.REPLAY_CONCURRENCY,
      leaseMs: e.REPLAY_LEASE_MS,
      heartbeatMs: e.REPLAY_HEARTBEAT_MS,
      pollMs: e.REPLAY_POLL_MS,
      retentionDays: e.REPLAY_JOB_RETENTION_DAYS,
      nice: e.REPLAY_NICE,
    },
  };
}

const PROJECTION_OR_ALL = [...PROJECTIONS, "all"] as const;

/** The command-line flags. */
export const ReplayFlags = z.object({
  projection: z.enum(PROJECTION_OR_ALL, {
    message: `must be one of ${PROJECTION_OR_ALL.join(", ")}`,
  }).default("all"),
  "from-seq": z.coerce.number({ message: "must be a number" }).int("must be a whole number")
    .positive("must be at least 1").optional(),
  "from-time": z.string().refine((s) => !Number.isNaN(Date.parse(s)), {
    message: "must be an ISO 8601 time such as 2026-11-23T10:00:00Z",
  }).optional(),
  yes: z.boolean().default(false),
  worker: z.boolean().default(false),
  help: z.boolean().default(false),
}).strict();

const ValidFlags = ReplayFlags.refine(
  (f) => f["from-seq"] === undefined || f["from-time"] === undefined,
  { message: "cannot be given together with --from-seq", path: ["from-time"] },
);

/** The parsed flags. */
export type ReplayFlagsConfig = z.infer<typeof ReplayFlags>;

/** Parses `args`; throws a `ConfigError` naming the bad flag and the value seen. */
export function parseFlags(args: readonly string[]): ReplayFlagsConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        projection: { type: "string", short: "p" },
        "from-seq": { type: "string" },
        "from-time": { type: "string" },
        yes: { type: "boolean", short: "y" },
        worker: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    throw flagError(error);
  }
  const raw = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
  const parsed = ValidFlags.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const flag = `--${String(issue.path[0] ?? "")}`;
  const seen = raw[String(issue.path[0])];
  throw new ConfigError(flag, `Invalid ${flag}=${JSON.stringify(seen ?? "")}: ${issue.message}`);
}

/** A `parseArgs` error as a `ConfigError` naming the flag. */
function flagError(error: unknown): unknown {
  const code = (error as { code?: string } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /--[a-z-]+/.exec(message)?.[0] ?? /'(-[^']*)'/.exec(message)?.[1] ?? "(flags)";
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return new ConfigError(
        flag,
        `Unknown flag ${flag}: expected --projection, --from-seq, --from-time, --yes or --worker`,
      );
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return new ConfigError(flag, `Missing value of ${flag}`);
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new ConfigError(flag, `Unexpected argument: ${message}; flags start with --`);
    default:
      return error;
  }
}

/** Usage text of the CLI. */
export const USAGE = `Rebuild read models from the SIGNALS log, blue/green.

Usage: deno task replay [--projection <name>|all] [--from-seq N | --from-time <ISO>] [--yes]
       deno task replay --worker

  --projection   ${PROJECTION_OR_ALL.join(", ")} (default: all)
  --from-seq N   recompute only what events at or after stream sequence N produced
  --from-time T  recompute only what events stored at or after time T produced
  --yes, -y      do not ask for confirmation on a terminal
  --worker       run the jobs that POST /admin/replay queues, until SIGINT or SIGTERM

Environment: NATS_URL, DATABASE_URL, SIGNING_KEY (the live projector's), LOG_LEVEL,
REPLAY_BATCH_SIZE, REPLAY_WORKERS (1: decode and project in a worker, the default; 0: in place);
a worker also REPLAY_CONCURRENCY, REPLAY_LEASE_MS, REPLAY_HEARTBEAT_MS, REPLAY_POLL_MS,
REPLAY_JOB_RETENTION_DAYS and REPLAY_NICE (see docs/configuration.md).`;
