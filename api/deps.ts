/** What `createApp` needs from the outside: connections, settings and the replay engine. */
import type { Sql } from "postgres";
import type { NatsConnection } from "@nats-io/nats-core";
import type { Logger } from "../lib/mod.ts";
import type { ApiKey } from "./auth.ts";

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
 * The replay engine as the API sees it. `start` throws an error whose `name` is
 * `"ReplayConflictError"` when that projection is already being rebuilt.
 */
export interface ReplayJobs {
  start(request: ReplayRequest): ReplayJobStatus;
  get(id: string): ReplayJobStatus | undefined;
}

/** Settings of the HTTP layer, usually read from the environment by `config.ts`. */
export interface ApiSettings {
  /** Accepted API keys; empty means the read endpoints are open and admin ones refused. */
  apiKeys: ApiKey[];
  /** Origins allowed by CORS; `["*"]` allows any. @default [] */
  corsOrigins?: string[];
  /** Largest accepted request body in bytes. @default 65536 */
  bodyLimitBytes?: number;
  /** Interval between SSE heartbeats. @default 15000 */
  sseHeartbeatMs?: number;
  /** Writes a `/stream` client may have outstanding before it is dropped as too slow. @default 10000 */
  sseMaxPending?: number;
  /** A projector whose heartbeat is older than this is reported down. @default 30000 */
  projectorStaleMs?: number;
  /** Reads need no key even when keys are configured; admin routes still need an admin key. @default false */
  publicReads?: boolean;
  /** A request that has not answered by then gets a 503 with Retry-After. @default 2500 */
  requestTimeoutMs?: number;
  /** Each `/health` probe's own timeout, in ms. @default 2000 */
  healthProbeTimeoutMs?: number;
  /** Event-loop delay, in ms, from which the process reports itself overloaded. @default 250 */
  overloadLagMs?: number;
  /** After a connection failure, requests needing PostgreSQL answer 503 at once for this long. @default 2000 */
  dbRetryAfterMs?: number;
}

/** Everything the app is built from; tests pass real connections from `startTestStack()`. */
export interface AppDeps {
  /** PostgreSQL with a statement timeout on every query (see `createSql`). */
  sql: Sql;
  /** NATS, for the raw event endpoints, `/stream` and `/health`. */
  nats: NatsConnection;
  settings: ApiSettings;
  /** The replay engine; `/admin/replay` answers 503 without it. */
  replay?: ReplayJobs;
  /** Access log and errors. @default a logger for service "api" */
  logger?: Logger;
  /** The clock. @default () => new Date() */
  now?: () => Date;
  /** Aborting it ends every open `/stream`, so a server can shut down. @default never */
  signal?: AbortSignal;
}
