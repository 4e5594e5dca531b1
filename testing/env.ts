/**
 * Seeded test environments: a fresh NATS and PostgreSQL from `dev/` (temp dir, free ports), the
 * schema migrated, the stream created, and optionally a workload published.
 */
import postgres, { type Sql } from "postgres";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { ensureStream } from "../events/mod.ts";
import { type Stack, startTestStack } from "../dev/stack.ts";
import { migrate } from "../projector/migrate.ts";
import { type Publishable, publishEvents, type PublishOptions } from "./publish.ts";
import type { StoredMessage } from "./stream.ts";

/** A real NATS and PostgreSQL, migrated, with the stream created. */
export interface TestEnv {
  stack: Stack;
  sql: Sql;
  nats: NatsConnection;
  /** Closes both connections and stops the servers; call it in `finally`. */
  close(): Promise<void>;
}

/** Options of {@linkcode startTestEnv}. */
export interface TestEnvOptions {
  /** Opens the PostgreSQL pool. @default postgres(url, { max: 6, onnotice: () => {} }) */
  sql?: (databaseUrl: string) => Sql;
}

/** Starts a fresh stack, migrates it and creates the stream; always `close()` it in `finally`. */
export async function startTestEnv(options: TestEnvOptions = {}): Promise<TestEnv> {
  const open = options.sql ?? ((url) => postgres(url, { max: 6, onnotice: () => {} }));
  const stack = await startTestStack();
  let sql: Sql | undefined;
  let nats: NatsConnection | undefined;
  const close = async () => {
    await nats?.close();
    await sql?.end();
    await stack.stop();
  };
  try {
    sql = open(stack.databaseUrl);
    await migrate(sql);
    nats = await connect({ servers: stack.natsUrl });
    await ensureStream(await jetstreamManager(nats));
  } catch (error) {
    await close();
    throw error;
  }
  return { stack, sql, nats, close };
}

/** A test environment with `items` already in the stream. */
export interface SeededEnv extends TestEnv {
  /** What was published, as the stream stored it. */
  published: StoredMessage[];
}

/** Starts a test environment and publishes `items` (e.g. a {@linkcode workload}) into it. */
export async function startSeededEnv(
  items: readonly Publishable[],
  options: TestEnvOptions & PublishOptions = {},
): Promise<SeededEnv> {
  const env = await startTestEnv(options);
  try {
    return { ...env, published: await publishEvents(env.nats, items, options) };
  } catch (error) {
    await env.close();
    throw error;
  }
}
