/**
 * Runs the HTTP API alone: reads config, applies the SQL migrations (so the API may start before
 * the projector), then serves `createApp` on `PORT` until SIGINT or SIGTERM, in this isolate and,
 * with `API_WORKERS` above 1, in as many isolates in all, sharing the port.
 * @module
 */
import { createLogger, type Logger, retry, runService } from "../lib/mod.ts";
import { migrate } from "../projector/mod.ts";
import { loadApiConfig } from "./config.ts";
import { createSql } from "./db.ts";
import { serveApi } from "./serve.ts";

async function migrateWithRetry(
  sql: ReturnType<typeof createSql>,
  logger: Logger,
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

/** Starts a worker isolate serving the same port; an error of its start-up is logged. */
function startWorker(logger: Logger): Worker {
  const worker = new Worker(new URL("./serve_worker.ts", import.meta.url).href, {
    type: "module",
  });
  worker.onerror = (event) => {
    event.preventDefault();
    logger.error("API worker failed", { error: event.message });
  };
  return worker;
}

/** Asks a worker to stop, and waits until it has (at most `ms`, e.g. one still connecting). */
function stopWorker(worker: Worker, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    worker.onmessage = (event) => {
      if (event.data === "stopped") done();
    };
    worker.postMessage("stop");
    function done() {
      clearTimeout(timer);
      worker.terminate();
      resolve();
    }
  });
}

async function main(): Promise<void> {
  const config = loadApiConfig();
  const logger = createLogger("api", config.logLevel);
  const shutdown = new AbortController();
  const stop = () => shutdown.abort();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);

  // Once, before any isolate serves.
  const sql = createSql(config.databaseUrl, {
    max: 1,
    connectTimeoutMs: config.dbConnectTimeoutMs,
  });
  try {
    await migrateWithRetry(sql, logger, shutdown.signal);
  } finally {
    await sql.end({ timeout: 5 });
  }
  if (!config.apiKeys.some((k) => k.role === "admin")) {
    logger.info("no admin key in API_KEYS: /admin endpoints are refused");
  }
  // Replay jobs are only recorded here; `deno task replay --worker` runs them.
  const workers: Worker[] = [];
  const serving = serveApi(config, {
    logger,
    signal: shutdown.signal,
    reusePort: config.workers > 1,
    onListen: () => {
      for (let i = 1; i < config.workers; i++) workers.push(startWorker(logger));
    },
  });
  await serving;
  await Promise.all(workers.map((worker) => stopWorker(worker, 10_000)));
  logger.info("stopped");
}

if (import.meta.main) await runService(main);
