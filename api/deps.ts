/** What `createApp` needs from the outside: connections and settings. */
import type { Sql } from "postgres";
import type { ReplicaWatch } from "./replica.ts";
import type { ReadModelVersion } from "./read_model_version.ts";
import type { NatsConnection } from "@nats-io/nats-core";
import type { Logger } from "../lib/mod.ts";
import type { ApiKey } from "./auth.ts";

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
  /** Unread bytes a `/stream` client may have before it is cut off. @default 262144 */
  sseBufferBytes?: number;
  /** Open `/stream` connections in all. @default 100 */
  sseMaxStreams?: number;
  /** Open `/stream` connections per key, or per address when reads are open. @default 10 */
  sseMaxStreamsPerClient?: number;
  /** When set, `/stream` sends only events whose signature verifies. @default undefined */
  signingKey?: string;
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
  /** Bytes of answers the cache keeps (with `readModelVersion`); 0 turns it off. @default 33554432 */
  cacheBytes?: number;
}

/** Everything the app is built from; tests pass real connections from `startTestStack()`. */
export interface AppDeps {
  /** PostgreSQL with a statement timeout on every query (see `createSql`). */
  sql: Sql;
  /** NATS, for the raw event endpoints, `/stream` and `/health`. */
  nats: NatsConnection;
  settings: ApiSettings;
  /** Access log and errors. @default a logger for service "api" */
  logger?: Logger;
  /** The clock. @default () => new Date() */
  now?: () => Date;
  /** Aborting it ends every open `/stream`, so a server can shut down. @default never */
  signal?: AbortSignal;
  /**
   * The read replica `sql` reads from (`DATABASE_READ_URL`): reads answer 503 while it lags too
   * much, and `/health` shows its lag. @default none: `sql` is the primary
   */
  replica?: ReplicaWatch;
  /** The primary, for `/admin` (it writes) when `sql` is a replica. @default sql */
  primarySql?: Sql;
  /**
   * The version of the read models `sql` reads; with it, repeated reads are answered from memory
   * until the version changes. @default none: every read queries PostgreSQL
   */
  readModelVersion?: ReadModelVersion;
}
