/**
 * One isolate's API server: its own PostgreSQL pools, NATS connection, read-model listener, app
 * and `Deno.serve`. `main.ts` runs one in the main isolate and, with `API_WORKERS` above 1, one
 * more in each worker, all on the same port (`SO_REUSEPORT`: the kernel spreads connections).
 */
import { connectNats, type Logger } from "../lib/mod.ts";
import { createApp } from "./app.ts";
import type { ApiConfig } from "./config.ts";
import { createSql } from "./db.ts";
import { listenForCommits } from "./read_model_version.ts";
import { watchReplica } from "./replica.ts";
import { pollCheckpoints } from "./replica_version.ts";

/** Options of {@linkcode serveApi}. */
export interface ServeOptions {
  logger: Logger;
  /** Aborting it stops the server, ends open streams and closes the connections. */
  signal: AbortSignal;
  /** Share the port with other isolates. @default false */
  reusePort?: boolean;
  /** Called once the server listens. @default none */
  onListen?: () => void;
}

/** Serves the API until `signal` aborts, then closes everything it opened. */
export async function serveApi(config: ApiConfig, options: ServeOptions): Promise<void> {
  const { logger, signal } = options;
  const poolOptions = {
    timeoutMs: config.queryTimeoutMs,
    max: config.dbPoolSize,
    connectTimeoutMs: config.dbConnectTimeoutMs,
  };
  const sql = createSql(config.databaseUrl, poolOptions);
  const nats = await connectNats(config.natsUrl, { name: "signals-api", logger });
  // Reads go to the replica when there is one; migrations, admin and replay stay on the primary.
  const readSql = config.databaseReadUrl
    ? createSql(config.databaseReadUrl, poolOptions)
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
    signal,
    settings: config,
  });
  const server = Deno.serve({
    port: config.port,
    hostname: config.hostname,
    reusePort: options.reusePort ?? false,
    signal,
    onListen: ({ hostname, port }) => {
      logger.info("listening", { url: `http://${hostname}:${port}` });
      options.onListen?.();
    },
  }, app.fetch);
  await server.finished;
  await readModelVersion?.stop();
  await pollSql?.end({ timeout: 5 });
  replica?.stop();
  await readSql?.end({ timeout: 5 });
  await Promise.allSettled([nats.drain(), sql.end({ timeout: 5 })]);
}
