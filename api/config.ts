/** The API's configuration, read once from the environment (see `lib/config.ts` for the pattern). */
import { z } from "zod";
import {
  ConfigError,
  type LogLevel,
  optionalUrl,
  parseEnv,
  positiveInt,
  SharedEnv,
} from "../lib/mod.ts";
import { type ApiKey, parseApiKeys } from "./auth.ts";
import { DEFAULT_CACHE_BYTES } from "./answer_cache.ts";

/** Environment variables read by the API, with their defaults and meaning. */
export const ApiEnv = SharedEnv.pick({
  PORT: true,
  NATS_URL: true,
  DATABASE_URL: true,
  LOG_LEVEL: true,
  SIGNING_KEY: true,
}).extend({
  HOSTNAME: z.string().default("0.0.0.0").describe("The interface the API listens on."),
  API_KEYS: z.string().default("").describe(
    "Comma-separated `key:role` or `name:key:role` entries, role `read` or `admin`, keys at " +
      "least 8 characters. The name (letters, digits, `_.@-`) is how replay jobs record who " +
      "asked; without one a key is named `key-` and 8 hex digits of its SHA-256. Empty: reads " +
      "are open and admin endpoints refused.",
  ),
  PUBLIC_READS: z.stringbool({ error: "must be true or false" }).default(false).describe(
    "When true, reads need no key even when API_KEYS is set; admin endpoints still do.",
  ),
  CORS_ORIGINS: z.string().default("").transform((value) =>
    value.split(",").map((origin) => origin.trim()).filter((origin) => origin !== "")
  ).describe("Comma-separated origins allowed by CORS; `*` allows any. Empty: no CORS."),
  QUERY_TIMEOUT_MS: positiveInt(5000)
    .describe("Statement timeout of every API query, in ms; a slower query answers 503."),
  BODY_LIMIT_BYTES: positiveInt(65_536).describe("Largest accepted request body, in bytes."),
  SSE_HEARTBEAT_MS: positiveInt(15_000).describe("Interval between `/stream` heartbeats, in ms."),
  SSE_BUFFER_BYTES: positiveInt(262_144).describe(
    "Bytes of events a `/stream` client may leave unread before it is cut off with a final " +
      "`error` event; it can resume with `Last-Event-ID`.",
  ),
  SSE_MAX_STREAMS: positiveInt(100).describe(
    "Open `/stream` connections in all; past it a new one answers 503 with Retry-After.",
  ),
  SSE_MAX_STREAMS_PER_CLIENT: positiveInt(10).describe(
    "Open `/stream` connections per API key (per address when reads are open); past it a new " +
      "one answers 429 with Retry-After.",
  ),

  PROJECTOR_STALE_MS: positiveInt(30_000).describe(
    "A projector heartbeat older than this makes `/health` report the projector stale, in ms.",
  ),
  DB_POOL_SIZE: positiveInt(10).describe("Connections in the API's PostgreSQL pool."),
  DB_CONNECT_TIMEOUT_MS: positiveInt(2000)
    .describe("How long opening a PostgreSQL connection may take, in ms."),
  DB_RETRY_AFTER_MS: positiveInt(2000).describe(
    "After PostgreSQL could not be reached, requests that need it answer 503 at once for this " +
      "long, in ms; then one tries again.",
  ),
  REQUEST_TIMEOUT_MS: positiveInt(2500).describe(
    "A request that has not answered by then gets a 503 with Retry-After, in ms.",
  ),
  HEALTH_PROBE_TIMEOUT_MS: positiveInt(2000)
    .describe("Each `/health` probe's own timeout (PostgreSQL, NATS), in ms."),
  OVERLOAD_LAG_MS: positiveInt(250).describe(
    "Event-loop delay from which `/health` reports the API overloaded, and a timed-out probe " +
      "as overload rather than its dependency down, in ms.",
  ),
  DATABASE_READ_URL: optionalUrl(["postgres:", "postgresql:"]).describe(
    "A streaming read replica the reads go to; admin and replay always use DATABASE_URL. " +
      "Unset: reads use DATABASE_URL.",
  ),
  API_CACHE_BYTES: z.coerce.number({ message: "must be a number" }).int("must be a whole number")
    .min(0, "must be 0 or more").default(DEFAULT_CACHE_BYTES).describe(
      "Bytes of whole answers each API process (each isolate with `--parallel`) keeps in memory " +
        "for repeated reads, until the next commit of the read models; 0 turns the cache off. " +
        "One answer may take at most a quarter of it.",
    ),
  API_WORKERS: positiveInt(1).describe(
    "Isolates serving the API on the same port (SO_REUSEPORT), each with its own connections, " +
      "answer cache, `/metrics` counters and `/stream` caps; 1 serves from the main isolate only.",
  ),
  CACHE_POLL_MS: positiveInt(50).describe(
    "With DATABASE_READ_URL: how often the replica's checkpoints are read to tell whether " +
      "cached answers are still current, in ms (on the primary, commits are notified instead).",
  ),
  READ_REPLICA_MAX_LAG_MS: positiveInt(5000).describe(
    "Reads answer 503 (and `/health` reports degraded) while the replica's replay lags more " +
      "than this, in ms.",
  ),
});

/** The API's settings, camelCase. */
export interface ApiConfig {
  port: number;
  hostname: string;
  natsUrl: string;
  databaseUrl: string;
  logLevel: LogLevel;
  apiKeys: ApiKey[];
  publicReads: boolean;
  corsOrigins: string[];
  queryTimeoutMs: number;
  bodyLimitBytes: number;
  sseHeartbeatMs: number;
  sseBufferBytes: number;
  sseMaxStreams: number;
  sseMaxStreamsPerClient: number;
  signingKey: string | undefined;
  projectorStaleMs: number;
  dbPoolSize: number;
  dbConnectTimeoutMs: number;
  dbRetryAfterMs: number;
  requestTimeoutMs: number;
  healthProbeTimeoutMs: number;
  overloadLagMs: number;
  /** The read replica, when reads go to one. */
  databaseReadUrl: string | undefined;
  readReplicaMaxLagMs: number;
  cacheBytes: number;
  cachePollMs: number;
  workers: number;
}

/** Reads the API configuration; throws a `ConfigError` naming the bad variable. */
export function loadApiConfig(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): ApiConfig {
  const e = parseEnv(ApiEnv, env);
  let apiKeys: ApiKey[];
  try {
    apiKeys = parseApiKeys(e.API_KEYS);
  } catch (error) {
    // The message must not echo the value: it holds secrets.
    throw new ConfigError("API_KEYS", `Invalid API_KEYS: ${(error as Error).message}`);
  }
  return {
    port: e.PORT,
    hostname: e.HOSTNAME,
    natsUrl: e.NATS_URL,
    databaseUrl: e.DATABASE_URL,
    logLevel: e.LOG_LEVEL,
    apiKeys,
    publicReads: e.PUBLIC_READS,
    corsOrigins: e.CORS_ORIGINS,
    queryTimeoutMs: e.QUERY_TIMEOUT_MS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    sseHeartbeatMs: e.SSE_HEARTBEAT_MS,
    sseBufferBytes: e.SSE_BUFFER_BYTES,
    sseMaxStreams: e.SSE_MAX_STREAMS,
    sseMaxStreamsPerClient: e.SSE_MAX_STREAMS_PER_CLIENT,
    signingKey: e.SIGNING_KEY,
    projectorStaleMs: e.PROJECTOR_STALE_MS,
    dbPoolSize: e.DB_POOL_SIZE,
    dbConnectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
    dbRetryAfterMs: e.DB_RETRY_AFTER_MS,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    healthProbeTimeoutMs: e.HEALTH_PROBE_TIMEOUT_MS,
    overloadLagMs: e.OVERLOAD_LAG_MS,
    databaseReadUrl: e.DATABASE_READ_URL,
    readReplicaMaxLagMs: e.READ_REPLICA_MAX_LAG_MS,
    cacheBytes: e.API_CACHE_BYTES,
    cachePollMs: e.CACHE_POLL_MS,
    workers: e.API_WORKERS,
  };
}
