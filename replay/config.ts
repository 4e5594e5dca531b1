/** The replay CLI's configuration: environment variables and command-line flags, both with zod. */
import { z } from "zod";
import { ConfigError, natsUrlList, optionalUrl, parseEnv, positiveInt } from "../lib/mod.ts";
import { PROJECTIONS } from "../projector/types.ts";

/** Environment variables the replay reads. */
export const ReplayEnv = z.object({
  NATS_URL: natsUrlList(["nats:", "tls:"]).default("nats://127.0.0.1:4222"),
  DATABASE_URL: optionalUrl(["postgres:", "postgresql:"]).default(
    "postgres://postgres@127.0.0.1:5432/signals",
  ),
  /** Must be the live projector's key, so the same events become dead letters. */
  SIGNING_KEY: z.string().optional(),
  REPLAY_BATCH_SIZE: positiveInt(8192),
  /** 1 decodes and projects in a worker beside reads and writes; 0 does it on the main thread. */
  REPLAY_WORKERS: z.coerce.number({ message: "must be a number" }).int("must be a whole number")
    .min(0, "must be 0 or more").max(1, "must be 0 or 1").default(1),
});

/** The parsed environment. */
export type ReplayEnvConfig = z.infer<typeof ReplayEnv>;

/** Reads the environment once; throws a `ConfigError` naming the bad variable. */
export function readReplayEnv(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): ReplayEnvConfig {
  return parseEnv(ReplayEnv, env);
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
  help: z.boolean().default(false),
}).strict();

const ValidFlags = ReplayFlags.refine(
  (f) => f["from-seq"] === undefined || f["from-time"] === undefined,
  { message: "cannot be given together with --from-seq", path: ["from-time"] },
);

/** The parsed flags. */
export type ReplayFlagsConfig = z.infer<typeof ReplayFlags>;

const BOOLEAN = new Set(["yes", "help"]);
const SHORT: Record<string, string> = { y: "yes", h: "help", p: "projection" };

/** Parses `args`; throws a `ConfigError` naming the bad flag and the value seen. */
export function parseFlags(args: readonly string[]): ReplayFlagsConfig {
  const raw: Record<string, string | boolean> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const match = /^--?([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new ConfigError(arg, `Unexpected argument '${arg}': flags start with --`);
    const name = SHORT[match[1]!] ?? match[1]!;
    if (!(name in ReplayFlags.shape)) {
      throw new ConfigError(
        `--${name}`,
        `Unknown flag ${arg}: expected --projection, --from-seq, --from-time or --yes`,
      );
    }
    if (BOOLEAN.has(name)) raw[name] = true;
    else if (match[2] !== undefined) raw[name] = match[2];
    else if (i + 1 < args.length) raw[name] = args[++i]!;
    else throw new ConfigError(`--${name}`, `Missing value of --${name}`);
  }
  const parsed = ValidFlags.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const flag = `--${String(issue.path[0] ?? "")}`;
  const seen = raw[String(issue.path[0])];
  throw new ConfigError(flag, `Invalid ${flag}=${JSON.stringify(seen ?? "")}: ${issue.message}`);
}

/** Usage text of the CLI. */
export const USAGE = `Rebuild read models from the SIGNALS log, blue/green.

Usage: deno task replay [--projection <name>|all] [--from-seq N | --from-time <ISO>] [--yes]

  --projection   ${PROJECTION_OR_ALL.join(", ")} (default: all)
  --from-seq N   recompute only what events at or after stream sequence N produced
  --from-time T  recompute only what events stored at or after time T produced
  --yes, -y      do not ask for confirmation on a terminal

Environment: NATS_URL, DATABASE_URL, SIGNING_KEY (the live projector's), REPLAY_BATCH_SIZE,
REPLAY_WORKERS (1: decode and project in a worker, the default; 0: in place).`;
