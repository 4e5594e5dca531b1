/** What every route module receives from `createApp`. */
import type { Sql } from "postgres";
import type { ReplicaWatch } from "./replica.ts";
import type { NatsConnection } from "@nats-io/nats-core";
import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import type { Logger } from "../lib/mod.ts";
import type { ApiSettings } from "./deps.ts";
import type { Metrics } from "./metrics.ts";
import type { Circuit } from "./circuit.ts";
import type { InFlight } from "./load.ts";

/** Shared state of one app instance. */
export interface AppContext {
  /** The pool, behind the circuit: reading it throws a 503 while the database is known down. */
  readonly sql: Sql;
  /** The same pool without the circuit, for the health probe that finds the database back. */
  probeSql: Sql;
  /** The primary: `/admin` writes through it even when reads go to a replica. */
  readonly primarySql: Sql;
  /** The read replica behind `sql`, when reads go to one. */
  replica?: ReplicaWatch | undefined;
  /** Open while PostgreSQL is known unreachable. */
  circuit: Circuit;
  /** Requests being handled. */
  inFlight: InFlight;
  nats: NatsConnection;
  settings: ApiSettings;
  logger: Logger;
  now: () => Date;
  metrics: Metrics;
  /** Aborted when the app shuts down. */
  signal: AbortSignal;
  /** The JetStream manager, created on first use. */
  jsm: () => Promise<JetStreamManager>;
}

/** Lazily creates one JetStream manager per connection, retrying after a failure. */
export function lazyJsm(nats: NatsConnection): () => Promise<JetStreamManager> {
  let pending: Promise<JetStreamManager> | undefined;
  return () => {
    pending ??= jetstreamManager(nats, { checkAPI: false, timeout: 2000 }).catch((error) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
