/**
 * Runs the HTTP API alone: reads config, applies the SQL migrations (so the API may start before
 * the projector), connects to PostgreSQL and NATS, and serves `createApp` on `PORT` until SIGINT
 * or SIGTERM.
 * @module
 */
import { backoffDelay, connectNats, createLogger, runService, sleep } from "../lib/mod.ts";
import { migrate } from "../projector/migrate.ts";
import { createReplayJobs } from "../projector/replay/mod.ts";
import { createApp } from "./app.ts";
import { readApiConfig } from "./config.ts";
import { createSql } from "./db.ts";

async function migrateWithRetry(
  sql: ReturnType<typeof createSql>,
  logger: ReturnType<typeof createLogger>,
  signal: AbortSignal,
): Promise<void> {
  for (let attempt = 0;; attempt++) {
    try {
      const applied = await migrate(sql);
      if (applied.length > 0) logger.info("migrations applied", { versions: applied });
      return;
    } catch (error) {
      if (signal.aborted) throw error;
      const delay = backoffDelay(attempt, { baseMs: 250, maxMs: 5000 });
      logger.warn("database not ready; retrying", { error, retryInMs: delay });
      await sleep(delay, signal);
    }
  }
}

async function main(): Promise<void> {
  const config = readApiConfig();
  const logger = createLogger("api");
  const shutdown = new AbortController();
  const stop = () => shutdown.abort();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);

  const sql = createSql(config.DATABASE_URL, {
    timeoutMs: config.QUERY_TIMEOUT_MS,
    max: config.DB_POOL_SIZE,
  });
  await migrateWithRetry(sql, logger, shutdown.signal);
  const nats = await connectNats(config.NATS_URL, { name: "signals-api", logger });
  if (!config.API_KEYS.some((k) => k.role === "admin")) {
    logger.info("no admin key in API_KEYS: /admin endpoints are refused");
  }
  const replaySql = createSql(config.DATABASE_URL, {
    timeoutMs: config.REPLAY_STATEMENT_TIMEOUT_MS,
    max: 4,
  });
  const replay = createReplayJobs({ sql: replaySql, nats, logger, signingKey: config.SIGNING_KEY });
  const app = createApp({
    sql,
    nats,
    replay,
    logger,
    signal: shutdown.signal,
    settings: {
      apiKeys: config.API_KEYS,
      corsOrigins: config.CORS_ORIGINS,
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      sseHeartbeatMs: config.SSE_HEARTBEAT_MS,
      projectorStaleMs: config.PROJECTOR_STALE_MS,
      publicReads: config.PUBLIC_READS,
    },
  });
  const server = Deno.serve({
    port: config.PORT,
    hostname: config.HOSTNAME,
    signal: shutdown.signal,
    onListen: ({ hostname, port }) =>
      logger.info("listening", { url: `http://${hostname}:${port}` }),
  }, app.fetch);
  await server.finished;
  await replay.close();
  await Promise.allSettled([nats.drain(), sql.end({ timeout: 5 }), replaySql.end({ timeout: 5 })]);
  logger.info("stopped");
}

if (import.meta.main) await runService(main);
