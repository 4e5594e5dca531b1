/**
 * `deno task replay --worker`: a replay worker process. It runs the jobs that `POST
 * /admin/replay` queues in `replay_jobs`, `REPLAY_CONCURRENCY` at a time, until SIGINT or SIGTERM;
 * then the jobs it was running go back to the queue for the next worker (or itself, restarted).
 * @module
 */
import { setPriority } from "node:os";
import postgres from "postgres";
import { connectNats, createLogger, runService } from "../lib/mod.ts";
import { migrate } from "../projector/migrate.ts";
import { loadReplayConfig } from "./config.ts";
import { loadReplayWorkerConfig } from "./worker_config.ts";
import { runReplayWorker } from "./worker.ts";

/** Runs the worker until SIGINT or SIGTERM. */
export async function runWorkerCommand(): Promise<void> {
  const env = loadReplayConfig();
  const { nice, ...config } = loadReplayWorkerConfig();
  const logger = createLogger("replay-worker", env.logLevel);
  // Before any thread is started, so the rebuild's Web Worker inherits the priority too.
  if (nice > 0) setPriority(nice);
  const connection = { application_name: "signals-replay-worker" };
  // Each rebuild holds one connection for its locks and writes on another.
  const sql = postgres(env.databaseUrl, {
    max: 2 * config.concurrency + 2,
    onnotice: () => {},
    connect_timeout: 10,
    connection,
  });
  // The job rows get a pool of their own: heartbeats never wait behind a rebuild's writes.
  const queue = postgres(env.databaseUrl, {
    max: 2,
    onnotice: () => {},
    connect_timeout: 10,
    connection,
  });
  const nats = await connectNats(env.natsUrl, { name: "signals-replay-worker", logger });
  const stop = new AbortController();
  const onSignal = () => {
    logger.info("stopping; running jobs go back to the queue");
    stop.abort();
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    await migrate(sql);
    logger.info("replay worker ready", { concurrency: config.concurrency });
    await runReplayWorker({ sql, queue, nats, signingKey: env.signingKey, logger }, {
      ...config,
      batchSize: env.batchSize,
      projectWorkers: env.workers,
      signal: stop.signal,
    });
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    await nats.close();
    await Promise.all([sql.end({ timeout: 5 }), queue.end({ timeout: 5 })]);
    logger.info("stopped");
  }
}

if (import.meta.main) await runService(runWorkerCommand);
