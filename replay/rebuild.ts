/**
 * One rebuild, blue/green: lock the projections, clear leftovers, seed a shadow schema, replay
 * the stream into it with the live projector's own batch writer, catch up with the head, swap.
 * Until the swap commits, nothing live changes; whatever happens, the shadow is dropped.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import type { Sql } from "postgres";
import type { Logger } from "../lib/mod.ts";
import { type AnyProjection, dropSchema, LIVE_SCHEMA, REGISTRY } from "../projector/mod.ts";
import {
  createShadow,
  dropRetired,
  dropStaleSchemas,
  schemasFor,
  tryLockProjections,
  unlockProjections,
} from "./_schemas.ts";
import type { ProjectionPlan } from "./_point.ts";
import { seedShadow } from "./_seed.ts";
import { swapIn } from "./_swap.ts";
import { catchUp } from "./_catch_up.ts";
import { BatchProjector } from "./batch_projector.ts";
import type { RebuildPhase, RebuildProgress } from "./progress.ts";
import { seqAtTime, streamBounds, StreamReader } from "./stream_reader.ts";

/** Connections and settings a rebuild runs with. */
export interface RebuildDeps {
  sql: Sql;
  nats: NatsConnection;
  /** The live projector's key: unsigned events become dead letters the same way. */
  signingKey?: string;
  logger?: Logger;
}

/** What to rebuild. */
export interface RebuildRequest {
  /** A projection's name, or `"all"`. */
  projection: string;
  /** Recompute what events at or after this sequence produced. */
  fromSeq?: number;
  /** Recompute what events the stream stored at or after this time produced. */
  fromTime?: string | Date;
}

/** Options of {@linkcode rebuild}. */
export interface RebuildOptions {
  /** Messages per fetch and per shadow transaction. @default 8192 */
  batchSize?: number;
  /** Stops the rebuild; the live tables stay as they were. */
  signal?: AbortSignal;
  /** Called after each batch and at each phase. */
  onProgress?: (progress: RebuildProgress) => void;
  /** 1 decodes and projects in a worker beside reads and writes; 0 does it in place. @default 1 */
  workers?: number;
  /** Runs between catching up and the swap; a seam for tests of the swap. @default none */
  beforeSwap?: () => Promise<void>;
  /** Names the shadow schema (8 hex digits). @default random */
  id?: string;
  /**
   * The read models a request's names are looked up in, and `"all"` means. Definitions that are
   * not in the projector's registry are projected on the main thread. @default REGISTRY
   */
  registry?: readonly AnyProjection[];
}

/** What a finished rebuild did. */
export interface RebuildSummary {
  id: string;
  plans: ProjectionPlan[];
  eventsRead: number;
  rowsWritten: number;
  deadLetters: number;
  /** Events the live projector had committed past the shadow, applied during the swap. */
  gapEvents: number;
  /** Messages read to recompute boundary rows of a rebuild from a point. */
  scannedEvents: number;
  checkpoint: number;
  elapsedMs: number;
  eventsPerSec: number;
}

/** Another rebuild of the same projection is running (in this process or another). */
export class ReplayConflictError extends Error {
  override name = "ReplayConflictError";
  readonly code = "replay_conflict";
}

/** The definitions a request names, looked up in `registry`; throws a RangeError for an unknown name. */
export function projectionsOf(
  request: Pick<RebuildRequest, "projection">,
  registry: readonly AnyProjection[] = REGISTRY,
): AnyProjection[] {
  if (request.projection === "all") return [...registry];
  const found = registry.find((d) => d.name === request.projection);
  if (!found) throw new RangeError(`Unknown projection '${request.projection}'`);
  return [found];
}

/** Rebuilds the requested projections and swaps them in; resolves with a summary. */
export async function rebuild(
  deps: RebuildDeps,
  request: RebuildRequest,
  options: RebuildOptions = {},
): Promise<RebuildSummary> {
  const registry = options.registry ?? REGISTRY;
  const projections = projectionsOf(request, registry);
  const names = projections.map((d) => d.name);
  const conn = await deps.sql.reserve();
  try {
    const busy = await tryLockProjections(conn, names);
    if (busy.length > 0) {
      throw new ReplayConflictError(`${busy.join(", ")} is being rebuilt by another session`);
    }
    try {
      const known = registry.map((d) => d.name);
      const dropped = await dropStaleSchemas(conn, deps.sql, known);
      if (dropped.length > 0) deps.logger?.info("dropped leftover rebuild schemas", { dropped });
      return await run(deps, request, projections, options);
    } finally {
      // A lost connection has released the locks already; its error must not hide the first one.
      await unlockProjections(conn, names).catch(() => {});
    }
  } finally {
    conn.release();
  }
}

async function run(
  deps: RebuildDeps,
  request: RebuildRequest,
  projections: AnyProjection[],
  options: RebuildOptions,
): Promise<RebuildSummary> {
  const started = performance.now();
  const id = options.id ?? crypto.randomUUID().slice(0, 8);
  const names = projections.map((d) => d.name);
  const schemas = schemasFor(names, id);
  const signal = options.signal;
  const progress: RebuildProgress = {
    phase: "preparing",
    eventsRead: 0,
    totalEvents: 0,
    rowsWritten: 0,
    elapsedMs: 0,
  };
  const report = (phase: RebuildPhase) => {
    progress.phase = phase;
    progress.elapsedMs = performance.now() - started;
    options.onProgress?.({ ...progress });
  };
  report("preparing");
  try {
    const bounds = await streamBounds(deps.nats);
    const fromSeq = request.fromTime !== undefined
      ? await seqAtTime(deps.nats, new Date(request.fromTime))
      : request.fromSeq;
    await createShadow(deps.sql, schemas.shadow, names);
    signal?.throwIfAborted();
    report("seeding");
    const plans = await seedShadow(deps, schemas.shadow, {
      projections,
      fromSeq,
      firstSeq: bounds.first,
      signal,
    });
    progress.rowsWritten += plans.seededRows;
    for (const plan of plans.plans.filter((p) => p.reason)) {
      deps.logger?.info("full rebuild instead of partial", { ...plan });
    }
    const startSeq = Math.max(bounds.first, Math.min(...plans.plans.map((p) => p.fromSeq)));
    const reader = await StreamReader.open(deps.nats, { startSeq });
    progress.totalEvents = reader.pending;
    report("replaying");
    let deadLetters = 0;
    // The live ledger is complete below the start (seeding keeps the point at or below the live
    // floor + 1), so the shadow's ledger needs only what it replays itself.
    const ledger = startSeq > 1 ? { schema: LIVE_SCHEMA, belowSeq: startSeq } : undefined;
    try {
      await catchUp(deps.sql, reader, {
        schema: schemas.shadow,
        projections,
        newProjector: (start) =>
          new BatchProjector(start, {
            inWorker: (options.workers ?? 1) > 0,
            signingKey: deps.signingKey,
            projections,
          }),
        signingKey: deps.signingKey,
        ledger,
        batchSize: options.batchSize ?? 8192,
        signal,
        onBatch: (done) => {
          progress.eventsRead += done.messages;
          // The reader runs a batch or two ahead: the head it knows of is its own position
          // plus what it was told is pending.
          const head = reader.lastSeq + reader.pending - startSeq + 1;
          progress.totalEvents = Math.max(progress.eventsRead, head);
          progress.rowsWritten += done.rows;
          deadLetters += done.deadLetters;
          report("replaying");
        },
      });
    } finally {
      await reader.close();
    }
    await options.beforeSwap?.();
    report("swapping");
    const swap = await swapIn(deps.sql, schemas, {
      plans: plans.plans,
      projections,
      ledger,
      nats: deps.nats,
      signingKey: deps.signingKey,
      logger: deps.logger,
    });
    progress.eventsRead += swap.gapEvents;
    progress.totalEvents = progress.eventsRead;
    progress.rowsWritten += swap.rowsWritten;
    report("done");
    return {
      id,
      plans: plans.plans,
      eventsRead: progress.eventsRead,
      rowsWritten: progress.rowsWritten,
      deadLetters,
      gapEvents: swap.gapEvents,
      scannedEvents: plans.scannedEvents,
      checkpoint: swap.checkpoint,
      elapsedMs: progress.elapsedMs,
      eventsPerSec: progress.eventsRead / Math.max(progress.elapsedMs / 1000, 1e-3),
    };
  } finally {
    await dropSchema(deps.sql, schemas.shadow).catch((error) =>
      deps.logger?.warn("could not drop the shadow schema", { schema: schemas.shadow, error })
    );
    await dropRetired(deps.sql, schemas.retired).catch((error) =>
      deps.logger?.warn("could not drop the retired tables", { schema: schemas.retired, error })
    );
  }
}
