/** Test fixture: the test kit's migrated stack (`testing/`), and an app over it. */
import type { OpenAPIHono } from "@hono/zod-openapi";
import {
  silentLogger,
  startTestEnv as startKitEnv,
  type TestEnv as KitEnv,
} from "../testing/mod.ts";
import { createApp } from "./app.ts";
import type { ApiSettings, AppDeps } from "./deps.ts";
import { createSql } from "./db.ts";
import { conforming } from "./_conformance.ts";
import type { AppEnv } from "./_route.ts";

/** A running stack with a migrated database, a connected NATS and the API's SQL pool. */
export interface TestEnv extends KitEnv {
  /** Builds an app over this environment; every response it gives is checked against its OpenAPI. */
  app(
    options?: Partial<Omit<AppDeps, "sql" | "nats">> & { settings?: Partial<ApiSettings> },
  ): OpenAPIHono<AppEnv>;
}

/** Starts a fresh stack; always `close()` it in `finally`. */
export async function startTestEnv(): Promise<TestEnv> {
  const env = await startKitEnv({ sql: (url) => createSql(url, { timeoutMs: 5000, max: 4 }) });
  return {
    ...env,
    app: (options = {}) =>
      conforming(createApp({
        sql: env.sql,
        nats: env.nats,
        logger: silentLogger,
        ...options,
        settings: { apiKeys: [], ...options.settings },
      })),
  };
}
