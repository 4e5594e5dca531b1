/**
 * The projector's thin shell: connect, migrate, make sure the stream exists, run the consume loop
 * until stopped, then close everything. Database and NATS outages are ridden out with retries.
 */
import postgres from "postgres";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { ensureStream } from "../events/mod.ts";
import { ConfigError, connectNats, createLogger, type Logger, sleep } from "../lib/mod.ts";
import type { ProjectorConfig } from "./config.ts";
import { migrate } from "./migrate.ts";
import { retrying } from "./_retry.ts";
import { guardPostgresSocketFaults } from "./_guard.ts";
import type { OnBatch } from "./_loop.ts";
import { newWorkerInfo, runLeasedWorker } from "./leases/worker.ts";
import { type ProjectionRef, resolveProjections } from "./registry.ts";
import { DEFAULT_PARTITIONS, unitsOf } from "./partitions.ts";
import { recordPartitions } from "./store/partitions.ts";

/** Options of {@linkcode runProjector}. */
export interface RunOptions {
  /** @default createLogger("projector") */
  logger?: Logger;
  /** Called after each committed batch; for tests and benchmarks. @default undefined */
  onBatch?: OnBatch;
  /** The read models to project, by name or definition. @default REGISTRY */
  projections?: readonly ProjectionRef[];
}

/** Runs the projector until `signal` aborts; the batch in hand is committed or rolled back. */
export async function runProjector(
  config: ProjectorConfig,
  signal: AbortSignal,
  options: RunOptions = {},
): Promise<void> {
  const logger = options.logger ?? createLogger("projector");
  const unguard = guardPostgresSocketFaults(logger);
  const sql = postgres(config.databaseUrl, {
    max: 2,
    onnotice: () => {},
    connect_timeout: 5,
    // postgres.js waits up to 20 s between reconnects after repeated failures; our own retry loop
    // already backs off, so keep its delay short and resume soon after the server is back.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.5),
    connection: { application_name: config.consumerName },
  });
  let nc: NatsConnection | undefined;
  try {
    if (!(await retrying(() => migrate(sql), { what: "postgres", logger, signal }))) return;
    const definitions = resolveProjections(options.projections);
    const partitions = config.partitions ?? DEFAULT_PARTITIONS;
    const recorded = await retrying(async () => {
      await recordPartitions(sql, definitions, partitions);
      return true;
    }, { what: "postgres", logger, signal, fatal: (error) => error instanceof ConfigError });
    if (!recorded) return;
    nc = await untilAborted(
      connectNats(config.natsUrl, { name: config.consumerName, logger }),
      signal,
    );
    if (!nc) return;
    const jsm = await retrying(async () => {
      const jsm = await jetstreamManager(nc!);
      await ensureStream(jsm, undefined, { replicas: config.streamReplicas, logger });
      return jsm;
    }, { what: "nats", logger, signal, fatal: (error) => error instanceof ConfigError });
    if (!jsm) return;
    // Any number of projectors share the read models through leases kept in PostgreSQL.
    await runLeasedWorker({
      config,
      sql,
      nc,
      jsm,
      logger,
      signal,
      onBatch: options.onBatch,
      units: unitsOf(definitions, () => partitions),
      worker: newWorkerInfo(config.consumerName),
    });
  } finally {
    if (nc) {
      await Promise.race([nc.flush().catch(() => {}), sleep(1000)]);
      await nc.close().catch(() => {});
    }
    await sql.end({ timeout: 2 });
    unguard();
    logger.info("projector stopped");
  }
}

async function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return undefined;
  let onAbort: () => void = () => {};
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
