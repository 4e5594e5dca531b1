/**
 * The batch writer: one transaction per batch that locks the checkpoints, skips what was applied,
 * projects the rest with the pure functions and writes every table in bulk together with the new
 * checkpoints. Live projection targets `public`; a rebuild passes its shadow schema.
 */
import type { Sql } from "postgres";
import type { DecodedBatch, ProjectionName } from "../types.ts";
import { PROJECTIONS } from "../types.ts";
import { type BatchChanges, failureMachinesOf, projectBatch } from "../projections/batch.ts";
import { loadOngoingFailures, lockCheckpoints, saveCheckpoints } from "./checkpoints.ts";
import { LIVE_SCHEMA, type Queryable } from "./schema.ts";
import {
  writeDeadLetters,
  writeErrors,
  writeSensorReadings,
  writeStateChanges,
  writeXrayScans,
} from "./write_history.ts";
import { writeFailures, writeMachines, writePowerMinutes } from "./write_aggregates.ts";

/** Options of {@linkcode commitBatch} and {@linkcode writeChanges}. */
export interface WriteOptions {
  /** PostgreSQL schema holding the tables. @default "public" */
  schema?: string;
  /** Projections to run; the others' tables and checkpoints are left alone. @default PROJECTIONS */
  projections?: readonly ProjectionName[];
  /**
   * Refuse a batch that starts after the lowest checkpoint + 1 (a checkpoint moved back, e.g. by
   * an operator or a rebuild), throwing {@linkcode CheckpointGapError}. @default false
   */
  contiguous?: boolean;
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
  before: Map<ProjectionName, number>;
  changes: BatchChanges;
}

/** Projects and writes one decoded batch in one transaction; a batch applied before is a no-op. */
export async function commitBatch(
  sql: Sql,
  batch: DecodedBatch,
  options: WriteOptions = {},
): Promise<CommitResult> {
  const schema = options.schema ?? LIVE_SCHEMA;
  const projections = options.projections ?? PROJECTIONS;
  return await sql.begin(async (tx) => {
    const before = await lockCheckpoints(tx, projections, schema);
    const floor = Math.min(...projections.map((p) => before.get(p) ?? 0));
    const first = Math.min(batch.events[0]?.seq ?? Infinity, batch.deadLetters[0]?.seq ?? Infinity);
    if (options.contiguous && first !== Infinity && first > floor + 1) {
      throw new CheckpointGapError(floor, first);
    }
    const machines = projections.includes("failures") ? failureMachinesOf(batch, before) : [];
    const ongoingFailures = await loadOngoingFailures(tx, machines, schema);
    const changes = projectBatch(batch, { checkpoints: before, ongoingFailures, projections });
    await writeChanges(tx, changes, { schema });
    const projected = batch.events.filter((e) => e.seq > floor).length;
    return { projected, deadLetters: batch.deadLetters.length, before, changes };
  }) as CommitResult;
}

/** Writes row changes and checkpoints; the statements are pipelined on the transaction. */
export async function writeChanges(
  tx: Queryable,
  changes: BatchChanges,
  options: { schema?: string } = {},
): Promise<void> {
  const schema = options.schema ?? LIVE_SCHEMA;
  const { rows } = changes;
  await Promise.all([
    writeMachines(tx, rows.machines ?? [], schema),
    writeStateChanges(tx, rows.state_changes ?? [], schema),
    writeErrors(tx, rows.errors ?? [], schema),
    writePowerMinutes(tx, rows.power_minutes ?? [], schema),
    writeSensorReadings(tx, rows.sensor_readings ?? [], schema),
    writeFailures(tx, rows.failures ?? [], schema),
    writeXrayScans(tx, rows.xray_scans ?? [], schema),
    writeDeadLetters(tx, changes.deadLetters, schema),
    saveCheckpoints(tx, changes.checkpoints, schema),
  ]);
}
