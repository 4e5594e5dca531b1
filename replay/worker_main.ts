/**
 * `deno task replay --worker`: a replay worker process. It runs the jobs that `POST
 * /admin/replay` queues in `replay_jobs`, `REPLAY_CONCURRENCY` at a time, below normal CPU
 * priority, until SIGINT or SIGTERM; then the jobs it was running go back to the queue for the
 * next worker (or itself, restarted).
 */
import { setPriority } from "node:os";
import postgres from "postgres";
import { connectNats, createLogger } from "../lib/mod.ts";
import { migrate } from "../projector/migrate.ts";
import type { ReplayConfig } from "./config.ts";
import { runReplayWorker } from "./worker.ts";

/** Runs the worker until SIGINT or SIGTERM. */
export async function runWorkerCommand(config: ReplayConfig): Promise<void> {
  const { nice, ...worker } = config.worker;
  const logger = createLogger("replay-worker", config.logLevel);
  // Before any thread is started, so the rebuild's Web Worker inherits the priority too.
  if (nice > 0) setPriority(nice);
  const connection = { application_name: "signals-replay-worker" };
  // Each rebuild holds one connection for its locks and writes on another.
  const sql = postgres(config.databaseUrl, {
    max: 2 * worker.concurrency + 2,
    onnotice: () => {},
    connect_timeout: 10,
    connection,
  });
  // The job rows get a pool of their own: heartbeats never wait behind a rebuild's writes.
  const queue = postgres(config.databaseUrl, {
    max: 2,
    onnotice: () => {},
    connect_timeout: 10,
    connection,
  });
  const nats = await connectNats(config.natsUrl, { name: "signals-replay-worker", logger });
  const stop = new AbortController();
  const onSignal = () => {
    logger.info("stopping; running jobs go back to the queue");
    stop.abort();
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    await migrate(sql);
    logger.info("replay worker ready", { concurrency: worker.concurrency, nice });
    await runReplayWorker({ sql, queue, nats, signingKey: config.signingKey, logger }, {
      ...worker,
      batchSize: config.batchSize,
      projectWorkers: config.workers,
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
