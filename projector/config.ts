/** The projector's configuration, read from the environment once (see `lib/config.ts`). */
import { z } from "zod";
import { type LogLevel, parseEnv, positiveInt, SharedEnv } from "../lib/mod.ts";
import { DEFAULT_PARTITIONS, MAX_PARTITIONS } from "./partitions.ts";

/** Every projector variable, with its default and description. */
export const ProjectorEnv = SharedEnv.pick({
  NATS_URL: true,
  DATABASE_URL: true,
  SIGNING_KEY: true,
  LOG_LEVEL: true,
}).extend({
  PROJECTOR_BATCH_SIZE: positiveInt(2000).describe("Most messages per batch (one transaction)."),
  PROJECTOR_LINGER_MS: positiveInt(25).describe(
    "How long a batch waits for more messages once it has one, in ms.",
  ),
  PROJECTOR_CONSUMER: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, {
    message: "must match [A-Za-z0-9_-]{1,64}",
  }).default("projector").describe(
    "Name of the durable consumer, and of the projector's row in projector_status.",
  ),
  PROJECTOR_STATUS_MS: positiveInt(1000).describe(
    "How often the projector writes its heartbeat and rate to projector_status, in ms.",
  ),
  PROJECTOR_PARTITIONS: positiveInt(DEFAULT_PARTITIONS).pipe(
    z.number().max(MAX_PARTITIONS, `must be at most ${MAX_PARTITIONS}`),
  ).describe(
    "Partitions (by machine id) of each read model that can be split (power_minutes, " +
      "sensor_readings); each is a lease unit with its own checkpoint, so several workers " +
      "share one read model. Fixed per database once a projector started: another value stops " +
      "start-up. 1 keeps them whole.",
  ),
  STREAM_REPLICAS: positiveInt(1).describe(
    "Copies of the SIGNALS stream in a JetStream cluster, should the projector create it or " +
      "find it with fewer (never lowered). Above 1 needs a cluster.",
  ),
});

/** Settings of a running projector. */
export interface ProjectorConfig {
  natsUrl: string;
  databaseUrl: string;
  /** When set, unsigned or wrongly signed events are dead-lettered. */
  signingKey?: string;
  /** The least severe log level written. @default "info" */
  logLevel?: LogLevel;
  /** Most messages per batch (one transaction). */
  batchSize: number;
  /** How long a batch waits for more messages once it has one, in ms. */
  lingerMs: number;
  /** Name of the durable consumer, and of the row in `projector_status`. */
  consumerName: string;
  /** How often `projector_status` is written, in ms. */
  statusIntervalMs: number;
  /** Partitions of each read model that can be split; fixed per database. @default 4 */
  partitions?: number;
  /** Copies of the stream in a JetStream cluster, should this projector create or raise it. */
  streamReplicas?: number;
}

/** Reads the configuration; throws a ConfigError naming the bad variable. */
export function loadProjectorConfig(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): ProjectorConfig {
  const e = parseEnv(ProjectorEnv, env);
  return {
    natsUrl: e.NATS_URL,
    databaseUrl: e.DATABASE_URL,
    signingKey: e.SIGNING_KEY,
    logLevel: e.LOG_LEVEL,
    batchSize: e.PROJECTOR_BATCH_SIZE,
    lingerMs: e.PROJECTOR_LINGER_MS,
    consumerName: e.PROJECTOR_CONSUMER,
    statusIntervalMs: e.PROJECTOR_STATUS_MS,
    streamReplicas: e.STREAM_REPLICAS,
    partitions: e.PROJECTOR_PARTITIONS,
  };
}
