/**
 * The batch writer: one transaction per batch that locks the checkpoints, skips what was applied,
 * projects the rest with the pure functions and writes every table in bulk together with the new
 * checkpoints. Live projection targets `public`; a rebuild passes its shadow schema.
 */
import type { Sql, TransactionSql } from "postgres";
import type { DecodedBatch } from "../types.ts";
import type { AnyProjection } from "../projection.ts";
import { type ProjectionRef, resolveProjections } from "../registry.ts";
import { type BatchChanges, carriedKeysOf, projectBatch } from "../projections/batch.ts";
import { lockCheckpoints, saveCheckpoints } from "./checkpoints.ts";
import { writeDeadLetters } from "./dead_letters.ts";
import { type LedgerFallback, recordEventIds } from "./event_ids.ts";
import { applyLedger, ledgerCandidates } from "../event_ledger.ts";
import { LIVE_SCHEMA, type Queryable } from "./schema.ts";

/** Options of {@linkcode commitBatch} and {@linkcode writeChanges}. */
export interface WriteOptions {
  /** PostgreSQL schema holding the tables. @default "public" */
  schema?: string;
  /**
   * Projections to run, by name or definition; the others' tables and checkpoints are left
   * alone. @default REGISTRY
   */
  projections?: readonly ProjectionRef[];
  /**
   * Refuse a batch that starts after the lowest checkpoint + 1 (a checkpoint moved back, e.g. by
   * an operator or a rebuild), throwing {@linkcode CheckpointGapError}. @default false
   */
  contiguous?: boolean;
  /**
   * Runs first in the batch's transaction and may refuse it by throwing: a worker's lease check
   * (the fence of `projector/leases/`). @default none
   */
  guard?: (tx: TransactionSql, batch: DecodedBatch) => Promise<void>;
  /** A rebuild's shadow ledger also counts live entries below a sequence. @default none */
  ledger?: LedgerFallback;
}

/** The batch starts beyond the lowest checkpoint: events in between were never applied. */
export class CheckpointGapError extends Error {
  override name = "CheckpointGapError";
  readonly code = "checkpoint_gap";
  constructor(readonly checkpoint: number, readonly firstSeq: number) {
    super(`Batch starts at sequence ${firstSeq} but a checkpoint is at ${checkpoint}`);
  }
}

/** What a committed batch did. */
export interface CommitResult {
  /** Events newly applied to at least one projection. */
  projected: number;
  /** Dead letters in the batch. */
  deadLetters: number;
  /** Checkpoint of each projection before the batch. */
  before: Map<string, number>;
  changes: BatchChanges;
}

/** Projects and writes one decoded batch in one transaction; a batch applied before is a no-op. */
export async function commitBatch(
  sql: Sql,
  batch: DecodedBatch,
  options: WriteOptions = {},
): Promise<CommitResult> {
  const schema = options.schema ?? LIVE_SCHEMA;
  const projections = resolveProjections(options.projections);
  const names = projections.map((d) => d.name);
  return await sql.begin(async (tx) => {
    await options.guard?.(tx, batch);
    const before = await lockCheckpoints(tx, names, schema);
    const floor = Math.min(...names.map((p) => before.get(p) ?? 0));
    const first = Math.min(batch.events[0]?.seq ?? Infinity, batch.deadLetters[0]?.seq ?? Infinity);
    if (options.contiguous && first !== Infinity && first > floor + 1) {
      throw new CheckpointGapError(floor, first);
    }
    const exact = await applyEventLedger(tx, batch, { schema, floor, fallback: options.ledger });
    const carried = await loadCarried(tx, exact, { checkpoints: before, projections, schema });
    const changes = projectBatch(exact, { checkpoints: before, carried, projections });
    await writeChanges(tx, changes, { schema, projections });
    const projected = exact.events.filter((e) => e.seq > floor).length;
    return { projected, deadLetters: exact.deadLetters.length, before, changes };
  }) as CommitResult;
}

/**
 * Checks the batch's events after `floor` against the event ledger of `schema` and records the
 * new ids, in one statement; returns the batch without copies of known events, and with other
 * bodies under known ids as `conflicting_duplicate` dead letters.
 */
export async function applyEventLedger(
  tx: Queryable,
  batch: DecodedBatch,
  options: { schema: string; floor: number; fallback?: LedgerFallback },
): Promise<DecodedBatch> {
  const candidates = ledgerCandidates(batch, options.floor);
  const known = await recordEventIds(tx, candidates, options.schema, options.fallback);
  return applyLedger(batch, known, options.floor).batch;
}

/** The open carried rows (e.g. ongoing failure episodes) a batch needs, by projection. */
export async function loadCarried(
  tx: Queryable,
  batch: DecodedBatch,
  options: {
    checkpoints: ReadonlyMap<string, number>;
    projections: readonly AnyProjection[];
    schema: string;
  },
): Promise<Map<string, unknown[]>> {
  const carried = new Map<string, unknown[]>();
  for (const [name, keys] of carriedKeysOf(batch, options.checkpoints, options.projections)) {
    const definition = options.projections.find((d) => d.name === name)!;
    carried.set(name, keys.length ? await definition.carried!.load(tx, options.schema, keys) : []);
  }
  return carried;
}

/**
 * Writes row changes through each definition's writer, then dead letters and checkpoints; the
 * statements are pipelined on the transaction.
 */
export async function writeChanges(
  tx: Queryable,
  changes: BatchChanges,
  options: { schema?: string; projections?: readonly ProjectionRef[] } = {},
): Promise<void> {
  const schema = options.schema ?? LIVE_SCHEMA;
  const projections = resolveProjections(options.projections);
  for (const name of Object.keys(changes.rows)) {
    if (!projections.some((d) => d.name === name)) {
      throw new RangeError(`No definition given for the rows of projection '${name}'`);
    }
  }
  const writes: Promise<unknown>[] = [];
  for (const definition of projections) {
    const rows = changes.rows[definition.name];
    if (rows?.length) writes.push(definition.write(tx, rows, schema));
  }
  await Promise.all([
    ...writes,
    writeDeadLetters(tx, changes.deadLetters, schema),
    saveCheckpoints(tx, changes.checkpoints, schema),
  ]);
}
