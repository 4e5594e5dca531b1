/**
 * A projector worker among others: it keeps its leases in PostgreSQL, takes its fair share of the
 * read models (more when a worker leaves, fewer when one joins) and runs the consume loop on
 * exactly the read models it holds, with a durable consumer of its own. Each batch transaction
 * checks the leases first (the fence), so two workers never write one read model.
 */
import postgres, { type Sql, type TransactionSql } from "postgres";
import type { JetStreamManager } from "@nats-io/jetstream";
import { isJetStreamApiError, JetStreamCodes, STREAM_NAME } from "../../events/mod.ts";
import { sleep } from "../../lib/mod.ts";
import { consumeLoop, type LoopDeps } from "../_loop.ts";
import type { DecodedBatch } from "../types.ts";
import { nextMove } from "./share.ts";
import type { AnyProjection } from "../projection.ts";
import { partitionIndexOf, projectionOfUnit } from "../partitions.ts";
import { retrying } from "../_retry.ts";
import {
  acquireLeases,
  ensureLeaseRows,
  heartbeat,
  type Held,
  releaseLeases,
  renewLeases,
  verifyLeases,
  type WorkerInfo,
} from "./store.ts";

/** Timing of the leases. */
export interface LeaseTiming {
  /** How long a lease and a worker's heartbeat last without renewal, in ms. @default 5000 */
  ttlMs: number;
  /** How often leases are renewed and the shares looked at again, in ms. @default 1000 */
  tickMs: number;
}

/** The default timing: a dead worker's share is free after at most 5 s and taken within 1 s. */
export const DEFAULT_LEASE_TIMING: LeaseTiming = { ttlMs: 5000, tickMs: 1000 };

/** What a leased worker runs on: the consume loop's needs, less what the leases decide. */
export interface WorkerDeps extends Omit<LoopDeps, "projections" | "guard"> {
  /** The units to share: a definition per read model, or per partition of a split one. */
  units: readonly AnyProjection[];
  /** This worker's id (also its durable consumer's and status row's name). */
  worker: WorkerInfo;
  timing?: LeaseTiming;
}

interface Running {
  units: string[];
  stop: AbortController;
  done: Promise<void>;
  /** The loop returned or threw: the next tick starts it again on what is held then. */
  ended: boolean;
}

/** A fresh worker identity: `<prefix>-<random>` (the prefix is PROJECTOR_CONSUMER). */
export function newWorkerInfo(prefix: string): WorkerInfo {
  const suffix = crypto.randomUUID().slice(0, 8);
  return { id: `${prefix}-${suffix}`, host: Deno.hostname(), pid: Deno.pid };
}

/** Runs until `deps.signal` aborts, then stops its loop and gives its leases back. */
export async function runLeasedWorker(deps: WorkerDeps): Promise<void> {
  const { logger, signal, units, worker } = deps;
  const timing = deps.timing ?? DEFAULT_LEASE_TIMING;
  // Upkeep has a connection of its own: a busy loop must never delay a renewal past the expiry.
  const sql = postgres(deps.config.databaseUrl, {
    max: 1,
    onnotice: () => {},
    connect_timeout: 5,
    connection: { application_name: `${worker.id}-leases` },
  });
  try {
    const names = units.map((d) => d.name);
    await retrying(() => ensureLeaseRows(sql, names), { what: "postgres", logger, signal });
    await keepLeases(deps, sql, timing);
  } finally {
    await sql.end({ timeout: 2 });
  }
}

/** The upkeep loop, on its own pool `sql`; the consume loop runs on `deps.sql`. */
async function keepLeases(deps: WorkerDeps, sql: Sql, timing: LeaseTiming): Promise<void> {
  const { logger, signal, units, worker } = deps;
  let held: Held[] = [];
  let running: Running | undefined;
  const stopLoop = async () => {
    running?.stop.abort();
    await running?.done;
    running = undefined;
  };
  let lastCleanup = 0;
  try {
    while (!signal.aborted) {
      try {
        const live = await heartbeat(sql, worker, {
          ttlMs: timing.ttlMs,
          owns: held.map((h) => h.unit),
        });
        const renewed = await renewLeases(sql, worker.id, held, timing.ttlMs);
        if (renewed.length < held.length) {
          const kept = new Set(renewed.map((h) => h.unit));
          logger.warn("leases lost", { lost: held.filter((h) => !kept.has(h.unit)) });
        }
        held = held.filter((h) => renewed.some((r) => r.unit === h.unit));
        const move = nextMove(held.map((h) => h.unit), { units: units.length, workers: live });
        if (move.release.length > 0) {
          // Stop writing first, then give back: nothing is committed on a released lease.
          await stopLoop();
          const give = held.filter((h) => move.release.includes(h.unit));
          await releaseLeases(sql, worker.id, give);
          held = held.filter((h) => !move.release.includes(h.unit));
        }
        if (move.take > 0) {
          const order = preferOrder(units.map((d) => d.name), worker.id, held);
          const got = await acquireLeases(sql, worker.id, {
            count: move.take,
            ttlMs: timing.ttlMs,
            order,
          });
          // In the order preferred, so a later give-back returns the least preferred first.
          const rank = (unit: string) => order.indexOf(unit);
          held = [...held, ...got.toSorted((a, b) => rank(a.unit) - rank(b.unit))];
        }
        const owns = held.map((h) => h.unit).sort();
        if (!running || running.ended || owns.join() !== running.units.join()) {
          await stopLoop();
          if (owns.length > 0) running = startLoop(deps, [...held]);
          logger.info("leases", { worker: worker.id, owns, workers: live });
        }
        if (Date.now() - lastCleanup > 30_000) {
          lastCleanup = Date.now();
          await forgetDeadWorkers(sql, deps.jsm);
        }
      } catch (error) {
        // PostgreSQL is away: leases run out on their own; the loop's commits would fail anyway.
        logger.warn("lease upkeep failed; retrying", { error });
      }
      await sleep(timing.tickMs, signal);
    }
  } finally {
    await stopLoop();
    await releaseLeases(sql, worker.id, held).catch(() => {});
    await sql`DELETE FROM projector_workers WHERE id = ${worker.id}`.catch(() => {});
  }
}

/**
 * The order a worker takes free units in. Each worker starts at another unit, so joiners do not
 * all reach for the same rows; and partitions of a read model it holds least of come first, the
 * lowest partitions first, so the partitions of one read model spread over the workers instead of
 * landing on one of them.
 */
export function preferOrder(units: readonly string[], id: string, held: readonly Held[]): string[] {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const start = hash % units.length;
  const rotated = [...units.slice(start), ...units.slice(0, start)];
  const holds = new Map<string, number>();
  for (const h of held) {
    const projection = projectionOfUnit(h.unit);
    holds.set(projection, (holds.get(projection) ?? 0) + 1);
  }
  const rank = (unit: string) => (holds.get(projectionOfUnit(unit)) ?? 0) + partitionIndexOf(unit);
  // A stable sort keeps the rotation among equals.
  return rotated.toSorted((a, b) => rank(a) - rank(b));
}

function startLoop(deps: WorkerDeps, held: Held[]): Running {
  const stop = new AbortController();
  const signal = AbortSignal.any([deps.signal, stop.signal]);
  const running: Running = {
    units: held.map((h) => h.unit).sort(),
    stop,
    ended: false,
    done: Promise.resolve(),
  };
  running.done = consumeLoop({
    config: { ...deps.config, consumerName: deps.worker.id },
    sql: deps.sql,
    nc: deps.nc,
    jsm: deps.jsm,
    logger: deps.logger,
    signal,
    onBatch: deps.onBatch,
    projections: deps.units.filter((d) => running.units.includes(d.name)),
    guard: (tx: TransactionSql, batch: DecodedBatch) =>
      verifyLeases(tx, deps.worker.id, held, batch.lastSeq),
  }).then(
    () => void (running.ended = true),
    (error) => {
      // A lost lease (or any other end): the next tick looks at the leases and starts again.
      running.ended = true;
      deps.logger.warn("consume loop ended", { error });
    },
  );
  return running;
}

/** Removes workers gone for a minute, and their durable consumers. */
async function forgetDeadWorkers(sql: Sql, jsm: JetStreamManager): Promise<void> {
  const gone = await sql<{ id: string }[]>`
    DELETE FROM projector_workers WHERE expires_at < clock_timestamp() - interval '1 minute'
    RETURNING id`;
  for (const { id } of gone) {
    await jsm.consumers.delete(STREAM_NAME, id).catch((error) => {
      if (!isJetStreamApiError(error, JetStreamCodes.ConsumerNotFound)) throw error;
    });
  }
}
