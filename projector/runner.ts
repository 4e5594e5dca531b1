/**
 * The projector's thin shell: consume `SIGNALS` in batches, commit each batch in one transaction,
 * ack after the commit, report a heartbeat, and ride out database and NATS outages.
 */
import postgres, { type Sql } from "postgres";
import { jetstream, type JetStreamManager, jetstreamManager, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { ensureStream } from "../events/mod.ts";
import { connectNats, createLogger, type Logger, sleep } from "../lib/mod.ts";
import type { ProjectorConfig } from "./config.ts";
import { migrate } from "./migrate.ts";
import {
  MessageBuffer,
  positionConsumer,
  startConsuming,
  streamLastSeqOf,
  toRawMessage,
} from "./consumer.ts";
import { decodeBatch } from "./decode_batch.ts";
import { commitBatch } from "./store/commit_batch.ts";
import { writeStatus } from "./store/status.ts";
import { LIVE_SCHEMA, tableIn } from "./store/schema.ts";
import { type DecodedBatch, PROJECTIONS } from "./types.ts";
import { retrying } from "./_retry.ts";
import { guardPostgresSocketFaults } from "./_guard.ts";
import { ProjectorStats } from "./_stats.ts";

/** Options of {@linkcode runProjector}. */
export interface RunOptions {
  /** @default createLogger("projector") */
  logger?: Logger;
  /** Called after each committed batch; for tests and benchmarks. @default undefined */
  onBatch?: (info: { lastSeq: number; projected: number; deadLetters: number }) => void;
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
    nc = await untilAborted(
      connectNats(config.natsUrl, { name: config.consumerName, logger }),
      signal,
    );
    if (!nc) return;
    const jsm = await retrying(async () => {
      const jsm = await jetstreamManager(nc!);
      await ensureStream(jsm);
      return jsm;
    }, { what: "nats", logger, signal });
    if (!jsm) return;
    await consumeLoop({ config, sql, nc, jsm, logger, signal, onBatch: options.onBatch });
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

interface LoopDeps {
  config: ProjectorConfig;
  sql: Sql;
  nc: NatsConnection;
  jsm: JetStreamManager;
  logger: Logger;
  signal: AbortSignal;
  onBatch: RunOptions["onBatch"];
}

async function consumeLoop(deps: LoopDeps): Promise<void> {
  const { config, sql, logger, signal } = deps;
  const js = jetstream(deps.nc);
  const buffer = new MessageBuffer();
  const stats = new ProjectorStats(config.consumerName);
  const stopStatus = reportStatus(sql, stats, config.statusIntervalMs, logger);
  const maxAckPending = config.batchSize * 4;
  let messages: Awaited<ReturnType<typeof startConsuming>> | undefined;
  let lastDelivery: number | undefined;
  let reposition = true;
  let generation = 0;
  // One commit may be in flight while the next batch is decoded, so the CPU work of decoding
  // overlaps the database's work; commits themselves stay strictly one after another.
  let inFlight: Promise<boolean> | undefined;
  const settle = async () => {
    const ok = inFlight ? await inFlight : true;
    inFlight = undefined;
    return ok;
  };
  // After a reconnect the server may have lost our pull requests (a restarted server has): start a
  // fresh consumer from the checkpoint instead of waiting for missed heartbeats.
  void (async () => {
    for await (const status of deps.nc.status()) {
      if (status.type === "reconnect") {
        reposition = true;
        buffer.wake();
      }
    }
  })();
  try {
    while (!signal.aborted) {
      if (reposition) {
        if (!(await settle())) return;
        const current = ++generation;
        await messages?.close().catch(() => {});
        buffer.clear();
        lastDelivery = undefined;
        const from = await retrying(() => lowestCheckpoint(sql), {
          what: "postgres",
          logger,
          signal,
        });
        if (from === undefined) return;
        messages = await retrying(async () => {
          await positionConsumer(deps.jsm, config.consumerName, from + 1, { maxAckPending });
          return await startConsuming(js, config.consumerName, buffer, {
            maxMessages: config.batchSize * 2,
          });
        }, { what: "nats", logger, signal });
        if (!messages) return;
        logger.info("consuming", { consumer: config.consumerName, fromSeq: from + 1 });
        messages.closed().then(() => {
          // The server dropped our consumer (deleted by hand, stream recreated): start over.
          if (generation === current && !signal.aborted) {
            reposition = true;
            buffer.wake();
          }
        });
        reposition = false;
      }
      const taken = await buffer.take(config.batchSize, {
        lingerMs: config.lingerMs,
        idleMs: 500,
        signal,
      });
      if (taken.length === 0 || reposition) continue;
      const { accepted, gap } = contiguous(taken, lastDelivery);
      if (accepted.length > 0) {
        const last = accepted.at(-1)!;
        lastDelivery = last.info.deliverySequence;
        const batch = decodeBatch(accepted.map(toRawMessage), { signingKey: config.signingKey });
        if (!(await settle())) return;
        inFlight = commitAndAck(deps, batch, last, stats);
      }
      if (gap) {
        logger.warn("a delivery was lost; re-reading from the checkpoint");
        reposition = true;
      }
    }
  } finally {
    await settle();
    generation++;
    stopStatus();
    await messages?.close().catch(() => {});
    await writeStatus(sql, stats.snapshot()).catch(() => {});
  }
}

/** Commits and acks one batch; false when stopped during an outage (nothing acked). */
async function commitAndAck(
  deps: LoopDeps,
  batch: DecodedBatch,
  last: JsMsg,
  stats: ProjectorStats,
): Promise<boolean> {
  const { sql, logger, signal } = deps;
  // Once started, a commit runs to its end even when a stop is requested; only retries stop.
  const result = await retrying(() => commitBatch(sql, batch), {
    what: "postgres",
    logger,
    signal,
  });
  if (!result) return false;
  try {
    last.ack();
  } catch (error) {
    // The commit stands; the batch comes again and is skipped below the checkpoint.
    logger.debug("ack failed", { error });
  }
  for (const dead of batch.deadLetters) {
    logger.warn("dead letter", { seq: dead.seq, subject: dead.subject, reason: dead.reason });
  }
  stats.record(result, batch.lastSeq, streamLastSeqOf(last));
  deps.onBatch?.({
    lastSeq: batch.lastSeq,
    projected: result.projected,
    deadLetters: result.deadLetters,
  });
  return true;
}

/** The longest prefix without a lost delivery (consumer sequences must follow on). */
function contiguous(msgs: JsMsg[], lastDelivery: number | undefined) {
  let previous = lastDelivery;
  for (let i = 0; i < msgs.length; i++) {
    const delivery = msgs[i]!.info.deliverySequence;
    if (previous !== undefined && delivery !== previous + 1) {
      return { accepted: msgs.slice(0, i), gap: true };
    }
    previous = delivery;
  }
  return { accepted: msgs, gap: false };
}

async function lowestCheckpoint(sql: Sql): Promise<number> {
  const [row] = await sql<{ seq: string | null }[]>`
    SELECT min(COALESCE(c.last_seq, 0)) AS seq
    FROM unnest(${[...PROJECTIONS]}::text[]) AS p(name)
    LEFT JOIN ${tableIn(sql, LIVE_SCHEMA, "projection_checkpoints")} c ON c.projection = p.name`;
  return Number(row?.seq ?? 0);
}

function reportStatus(sql: Sql, stats: ProjectorStats, everyMs: number, logger: Logger) {
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      await writeStatus(sql, stats.snapshot());
    } catch (error) {
      // The batch loop reports outages; a missed heartbeat is what /health shows.
      logger.debug("status not written", { error });
    } finally {
      busy = false;
    }
  }, everyMs);
  return () => clearInterval(timer);
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
