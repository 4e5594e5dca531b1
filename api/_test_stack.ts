/** Test fixture: a real NATS and PostgreSQL, migrated, and an app over them. */
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import type { Sql } from "postgres";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { ensureStream } from "../events/mod.ts";
import { jetstreamManager } from "@nats-io/jetstream";
import { type Stack, startTestStack } from "../dev/stack.ts";
import { migrate } from "../projector/migrate.ts";
import { createApp } from "./app.ts";
import type { ApiSettings, AppDeps } from "./deps.ts";
import { createSql } from "./db.ts";
import { conforming } from "./_conformance.ts";
import type { AppEnv } from "./_route.ts";
import type { Logger } from "../lib/mod.ts";

/** A silent logger, so test output stays readable. */
export const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A running stack with a migrated database and a connected NATS. */
export interface TestEnv {
  stack: Stack;
  sql: Sql;
  nats: NatsConnection;
  /** Builds an app over this environment; every response it gives is checked against its OpenAPI. */
  app(
    options?: Partial<Omit<AppDeps, "sql" | "nats">> & { settings?: Partial<ApiSettings> },
  ): OpenAPIHono<AppEnv>;
  close(): Promise<void>;
}

/** Starts a fresh stack; always `close()` it in `finally`. */
export async function startTestEnv(): Promise<TestEnv> {
  const stack = await startTestStack();
  let sql: Sql | undefined;
  let nats: NatsConnection | undefined;
  try {
    sql = createSql(stack.databaseUrl, { timeoutMs: 5000, max: 4 });
    await migrate(sql);
    nats = await connect({ servers: stack.natsUrl });
    await ensureStream(await jetstreamManager(nats));
  } catch (error) {
    await nats?.close();
    await sql?.end();
    await stack.stop();
    throw error;
  }
  const env: TestEnv = {
    stack,
    sql,
    nats,
    app: (options = {}) =>
      conforming(createApp({
        sql: env.sql,
        nats: env.nats,
        logger: quietLogger,
        ...options,
        settings: { apiKeys: [], ...options.settings },
      })),
    async close() {
      await env.nats.close();
      await env.sql.end();
      await stack.stop();
    },
  };
  return env;
}
