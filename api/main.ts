/**
 * Runs the HTTP API alone: reads config, applies the SQL migrations (so the API may start before
 * the projector), connects to PostgreSQL and NATS, and serves `createApp` on `PORT` until SIGINT
 * or SIGTERM.
 * @module
 */
import { connectNats, createLogger, retry, runService } from "../lib/mod.ts";
import { migrate } from "../projector/mod.ts";
import { createApp } from "./app.ts";
import { loadApiConfig } from "./config.ts";
import { createSql } from "./db.ts";
import { listenForCommits } from "./read_model_version.ts";
import { watchReplica } from "./replica.ts";
import { pollCheckpoints } from "./replica_version.ts";

async function migrateWithRetry(
  sql: ReturnType<typeof createSql>,
  logger: ReturnType<typeof createLogger>,
  signal: AbortSignal,
): Promise<void> {
  const applied = await retry(() => migrate(sql), {
    baseMs: 250,
    maxMs: 5000,
    signal,
    onRetry: ({ error, delayMs }) =>
      logger.warn("database not ready; retrying", { error, retryInMs: delayMs }),
  });
  if (applied.length > 0) logger.info("migrations applied", { versions: applied });
}

async function main(): Promise<void> {
  const config = loadApiConfig();
  const logger = createLogger("api", config.logLevel);
  const shutdown = new AbortController();
  const stop = () => shutdown.abort();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);

  const sql = createSql(config.databaseUrl, {
    timeoutMs: config.queryTimeoutMs,
    max: config.dbPoolSize,
    connectTimeoutMs: config.dbConnectTimeoutMs,
  });
  await migrateWithRetry(sql, logger, shutdown.signal);
  const nats = await connectNats(config.natsUrl, { name: "signals-api", logger });
  if (!config.apiKeys.some((k) => k.role === "admin")) {
    logger.info("no admin key in API_KEYS: /admin endpoints are refused");
  }
  // Replay jobs are only recorded here; `deno task replay --worker` runs them.
  // Reads go to the replica when there is one; migrations, admin and replay stay on the primary.
  const readSql = config.databaseReadUrl
    ? createSql(config.databaseReadUrl, {
      timeoutMs: config.queryTimeoutMs,
      max: config.dbPoolSize,
      connectTimeoutMs: config.dbConnectTimeoutMs,
    })
    : undefined;
  const replica = readSql
    ? watchReplica(readSql, { maxLagMs: config.readReplicaMaxLagMs })
    : undefined;
  // Cached answers follow the read models: commits are notified on the primary; a replica cannot
  // LISTEN, so its checkpoints are read on a short timer over a connection of their own.
  const pollSql = config.databaseReadUrl && config.cacheBytes > 0
    ? createSql(config.databaseReadUrl, { max: 1, connectTimeoutMs: config.dbConnectTimeoutMs })
    : undefined;
  const readModelVersion = config.cacheBytes === 0
    ? undefined
    : pollSql
    ? pollCheckpoints(pollSql, { intervalMs: config.cachePollMs, replica })
    : listenForCommits(config.databaseUrl, {
      logger,
      connectTimeoutMs: config.dbConnectTimeoutMs,
    });
  const app = createApp({
    sql: readSql ?? sql,
    primarySql: sql,
    replica,
    readModelVersion,
    nats,
    logger,
    signal: shutdown.signal,
    settings: config,
  });
  const server = Deno.serve({
    port: config.port,
    hostname: config.hostname,
    signal: shutdown.signal,
    onListen: ({ hostname, port }) =>
      logger.info("listening", { url: `http://${hostname}:${port}` }),
  }, app.fetch);
  await server.finished;
  await readModelVersion?.stop();
  await pollSql?.end({ timeout: 5 });
  replica?.stop();
  await readSql?.end({ timeout: 5 });
  await Promise.allSettled([nats.drain(), sql.end({ timeout: 5 })]);
  logger.info("stopped");
}

if (import.meta.main) await runService(main);
