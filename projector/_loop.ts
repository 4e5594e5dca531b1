/**
 * The consume loop behind {@linkcode runProjector}: positions the durable consumer at the
 * checkpoint, takes batches, commits one at a time (decoding the next meanwhile), acks after each
 * commit, and repositions after a lost delivery or a reconnect.
 */
import type { Sql } from "postgres";
import { jetstream, type JetStreamManager, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { Logger } from "../lib/mod.ts";
import type { ProjectorConfig } from "./config.ts";
import {
  MessageBuffer,
  positionConsumer,
  startConsuming,
  streamLastSeqOf,
  toRawMessage,
} from "./consumer.ts";
import { decodeBatch } from "./decode_batch.ts";
import { commitBatchIsolating } from "./store/isolate.ts";
import { CheckpointGapError, type WriteOptions } from "./store/commit_batch.ts";
import { LeaseLostError } from "./leases/store.ts";
import { writeStatus } from "./store/status.ts";
import { lowestCheckpoint } from "./store/checkpoints.ts";
import type { DecodedBatch } from "./types.ts";
import { type ProjectionRef, resolveProjections } from "./registry.ts";
import { retrying } from "./_retry.ts";
import { ProjectorStats } from "./_stats.ts";

/** Called after each committed batch. */
export type OnBatch = (info: { lastSeq: number; projected: number; deadLetters: number }) => void;

/** What the loop runs on. */
export interface LoopDeps {
  config: ProjectorConfig;
  sql: Sql;
  nc: NatsConnection;
  jsm: JetStreamManager;
  logger: Logger;
  signal: AbortSignal;
  onBatch?: OnBatch;
  /** The read models to project. @default REGISTRY */
  projections?: readonly ProjectionRef[];
  /** Checks each batch's transaction first (a worker's leases); see `WriteOptions.guard`. */
  guard?: WriteOptions["guard"];
}

/** Consumes and projects until `deps.signal` aborts or a stop is requested during an outage. */
export async function consumeLoop(deps: LoopDeps): Promise<void> {
  const { config, sql, logger, signal } = deps;
  const js = jetstream(deps.nc);
  const buffer = new MessageBuffer();
  const stats = new ProjectorStats(config.consumerName);
  const stopStatus = reportStatus(sql, stats, config.statusIntervalMs, logger);
  const maxAckPending = config.batchSize * 4;
  const projections = resolveProjections(deps.projections);
  const names = projections.map((d) => d.name);
  let messages: Awaited<ReturnType<typeof startConsuming>> | undefined;
  let lastDelivery: number | undefined;
  // The first batch after positioning is trusted to start where the stream really starts (older
  // events may have expired); later ones must follow the checkpoint without a gap.
  let positioned = false;
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
        positioned = true;
        const from = await retrying(() => lowestCheckpoint(sql, names), {
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
        if (reposition) continue;
        inFlight = commitAndAck(deps, batch, last, stats, {
          contiguous: !positioned,
          projections,
          guard: deps.guard,
        }).then(
          (outcome) => {
            if (outcome !== "gap") return outcome === "done";
            logger.warn("a checkpoint is behind the consumer; re-reading from it");
            reposition = true;
            return true;
          },
        );
        positioned = false;
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

/**
 * Commits and acks one batch: "done", "stopped" when stopped during an outage (nothing acked), or
 * "gap" when a checkpoint lies behind the batch (nothing written or acked).
 */
async function commitAndAck(
  deps: LoopDeps,
  batch: DecodedBatch,
  last: JsMsg,
  stats: ProjectorStats,
  options: WriteOptions & { contiguous: boolean; projections: readonly ProjectionRef[] },
): Promise<"done" | "stopped" | "gap"> {
  const { sql, logger, signal } = deps;
  // Once started, a commit runs to its end even when a stop is requested; only retries stop.
  let result;
  try {
    result = await retrying(() => commitBatchIsolating(sql, batch, options), {
      what: "postgres",
      logger,
      signal,
      // A lost lease is not an outage: the worker ends this loop and looks at its leases again.
      fatal: (error) => error instanceof CheckpointGapError || error instanceof LeaseLostError,
    });
  } catch (error) {
    if (error instanceof CheckpointGapError) return "gap";
    throw error;
  }
  if (!result) return "stopped";
  try {
    last.ack();
  } catch (error) {
    // The commit stands; the batch comes again and is skipped below the checkpoint.
    logger.debug("ack failed", { error });
  }
  for (const dead of result.changes.deadLetters) {
    logger.warn("dead letter", { seq: dead.seq, subject: dead.subject, reason: dead.reason });
  }
  stats.record(result, batch.lastSeq, streamLastSeqOf(last));
  deps.onBatch?.({
    lastSeq: batch.lastSeq,
    projected: result.projected,
    deadLetters: result.deadLetters,
  });
  return "done";
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

function reportStatus(sql: Sql, stats: ProjectorStats, everyMs: number, logger: Logger) {
  let busy = false;
  let failing = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      await writeStatus(sql, stats.snapshot());
      if (failing) logger.info("status heartbeat written again");
      failing = false;
    } catch (error) {
      // Logged once per outage: an idle projector has no batch whose retries would report it.
      if (!failing) logger.warn("status heartbeat not written; postgres unavailable?", { error });
      failing = true;
    } finally {
      busy = false;
    }
  }, everyMs);
  return () => clearInterval(timer);
}
