/**
 * Read models held in memory, with the same merge rules as the SQL writer. It is the reference
 * the property tests compare the database against, and a way to project without a database.
 */
import type { CheckpointRow, DeadLetterRow, DecodedBatch, ProjectionName } from "../types.ts";
import { type BatchChanges, failureMachinesOf, projectBatch, type RowsOf } from "./batch.ts";
import { mergeMachine } from "./machines.ts";
import { mergePowerMinute, powerMinuteKey } from "./power_minutes.ts";
import type { FailureRow } from "./failures.ts";

/** Every read model as a map from primary key to row. */
export interface MemoryViews {
  machines: Map<string, RowsOf["machines"]>;
  state_changes: Map<number, RowsOf["state_changes"]>;
  errors: Map<number, RowsOf["errors"]>;
  power_minutes: Map<string, RowsOf["power_minutes"]>;
  sensor_readings: Map<number, RowsOf["sensor_readings"]>;
  failures: Map<number, FailureRow>;
  xray_scans: Map<number, RowsOf["xray_scans"]>;
  dead_letters: Map<number, DeadLetterRow>;
  checkpoints: Map<ProjectionName, CheckpointRow>;
}

/** Empty read models. */
export function emptyViews(): MemoryViews {
  return {
    machines: new Map(),
    state_changes: new Map(),
    errors: new Map(),
    power_minutes: new Map(),
    sensor_readings: new Map(),
    failures: new Map(),
    xray_scans: new Map(),
    dead_letters: new Map(),
    checkpoints: new Map(),
  };
}

/** Projects a batch into the views the way one database transaction would. */
export function applyBatch(
  views: MemoryViews,
  batch: DecodedBatch,
  options: { projections?: readonly ProjectionName[] } = {},
): BatchChanges {
  const checkpoints = new Map([...views.checkpoints].map(([p, row]) => [p, row.last_seq]));
  const machines = new Set(failureMachinesOf(batch, checkpoints));
  const ongoingFailures = [...views.failures.values()].filter((row) =>
    row.ended_at === null && machines.has(row.machine_id)
  );
  const changes = projectBatch(batch, { checkpoints, ongoingFailures, ...options });
  applyChanges(views, changes);
  return changes;
}

/** Applies row changes: history rows are kept once, aggregates merged, episodes replaced. */
export function applyChanges(views: MemoryViews, changes: BatchChanges): void {
  const { rows } = changes;
  for (const row of rows.machines ?? []) {
    const seen = views.machines.get(row.machine_id);
    views.machines.set(row.machine_id, seen ? mergeMachine(seen, row) : row);
  }
  for (const row of rows.power_minutes ?? []) {
    const key = powerMinuteKey(row);
    const seen = views.power_minutes.get(key);
    views.power_minutes.set(key, seen ? mergePowerMinute(seen, row) : row);
  }
  insertNew(views.state_changes, rows.state_changes ?? []);
  insertNew(views.errors, rows.errors ?? []);
  insertNew(views.sensor_readings, rows.sensor_readings ?? []);
  insertNew(views.xray_scans, rows.xray_scans ?? []);
  insertNew(views.dead_letters, changes.deadLetters);
  for (const row of rows.failures ?? []) views.failures.set(row.start_seq, { ...row });
  for (const row of changes.checkpoints) {
    const seen = views.checkpoints.get(row.projection);
    views.checkpoints.set(row.projection, {
      projection: row.projection,
      last_seq: Math.max(seen?.last_seq ?? 0, row.last_seq),
      last_event_at: laterIso(seen?.last_event_at ?? null, row.last_event_at),
    });
  }
}

// Event ids already in each history table, as the tables' unique `event_id` keys see them.
const eventIds = new WeakMap<Map<number, unknown>, Set<string>>();

/** Like `INSERT … ON CONFLICT DO NOTHING`: a row whose sequence or event id exists is dropped. */
function insertNew<R extends { seq: number; event_id?: string }>(
  table: Map<number, R>,
  rows: readonly R[],
): void {
  let ids = eventIds.get(table);
  if (!ids) {
    ids = new Set([...table.values()].flatMap((row) => row.event_id ?? []));
    eventIds.set(table, ids);
  }
  for (const row of rows) {
    if (table.has(row.seq) || (row.event_id !== undefined && ids.has(row.event_id))) continue;
    table.set(row.seq, row);
    if (row.event_id !== undefined) ids.add(row.event_id);
  }
}

function laterIso(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
}
