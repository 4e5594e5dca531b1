/**
 * Read models held in memory, following each definition's merge law, the same law its SQL writer
 * follows. It is the reference the property tests compare the database against, and a way to
 * project without a database.
 */
import type { CheckpointRow, DeadLetterRow, DecodedBatch } from "../types.ts";
import type { AnyProjection } from "../projection.ts";
import { type ProjectionName, REGISTRY, type RowsOf } from "../registry.ts";
import { type BatchChanges, carriedKeysOf, projectBatch } from "./batch.ts";
import { applyLedger, type LedgerEntry } from "../event_ledger.ts";

/** One read model as a map from primary key to row. */
export type MemoryTable<R = unknown> = Map<string | number, R>;

/** Every read model as a map from primary key to row, plus dead letters and checkpoints. */
export type MemoryViews =
  & { [P in ProjectionName]: MemoryTable<RowsOf[P]> }
  & { [name: string]: MemoryTable }
  & {
    dead_letters: Map<number, DeadLetterRow>;
    checkpoints: Map<string, CheckpointRow>;
    /** The event ledger, by event id. */
    event_ids: Map<string, LedgerEntry>;
  };

/** Empty read models for `projections`. */
export function emptyViews(projections: readonly AnyProjection[] = REGISTRY): MemoryViews {
  const views: Record<string, Map<unknown, unknown>> = {
    dead_letters: new Map(),
    checkpoints: new Map(),
    event_ids: new Map(),
  };
  for (const definition of projections) views[definition.name] = new Map();
  return views as MemoryViews;
}

/** The rows of one read model in `views`. */
export function tableOf<R>(views: MemoryViews, definition: { name: string }): MemoryTable<R> {
  let table = (views as Record<string, MemoryTable>)[definition.name];
  if (!table) {
    table = new Map();
    (views as Record<string, MemoryTable>)[definition.name] = table;
  }
  return table as MemoryTable<R>;
}

/** Projects a batch into the views the way one database transaction would. */
export function applyBatch(
  views: MemoryViews,
  batch: DecodedBatch,
  options: { projections?: readonly AnyProjection[] } = {},
): BatchChanges {
  const projections = options.projections ?? REGISTRY;
  const checkpoints = new Map([...views.checkpoints].map(([p, row]) => [p, row.last_seq]));
  const floor = Math.min(...projections.map((d) => checkpoints.get(d.name) ?? 0));
  const exact = applyLedger(batch, views.event_ids, floor).batch;
  const carried = new Map<string, unknown[]>();
  for (const [name, keys] of carriedKeysOf(exact, checkpoints, projections)) {
    const definition = projections.find((d) => d.name === name)!;
    const wanted = new Set(keys);
    carried.set(
      name,
      [...tableOf(views, definition).values()].filter((row) =>
        definition.carried!.isOpen(row) && wanted.has(definition.carried!.keyOf(row))
      ),
    );
  }
  const changes = projectBatch(exact, { checkpoints, carried, projections });
  applyChanges(views, changes, { projections });
  return changes;
}

/** Applies row changes by each definition's merge law, then dead letters and checkpoints. */
export function applyChanges(
  views: MemoryViews,
  changes: BatchChanges,
  options: { projections?: readonly AnyProjection[] } = {},
): void {
  for (const definition of options.projections ?? REGISTRY) {
    const rows = changes.rows[definition.name];
    if (rows) merge(tableOf(views, definition), definition, rows);
  }
  insertNew(views.dead_letters, (row) => row.seq, changes.deadLetters);
  for (const row of changes.checkpoints) {
    const seen = views.checkpoints.get(row.projection);
    views.checkpoints.set(row.projection, {
      projection: row.projection,
      last_seq: Math.max(seen?.last_seq ?? 0, row.last_seq),
      last_event_at: laterIso(seen?.last_event_at ?? null, row.last_event_at),
    });
  }
}

function merge(table: MemoryTable, definition: AnyProjection, rows: readonly unknown[]): void {
  const law = definition.law;
  switch (law.kind) {
    case "insert_once":
      insertNew(table, definition.key, rows, law.unique);
      return;
    case "merge":
      for (const row of rows) {
        const key = definition.key(row);
        const seen = table.get(key);
        table.set(key, seen === undefined ? row : law.merge(seen, row));
      }
      return;
    case "replace":
      for (const row of rows) table.set(definition.key(row), { ...(row as object) });
      return;
  }
}

// Unique values already in each history table, as the tables' unique `event_id` keys see them.
const uniqueSeen = new WeakMap<Map<unknown, unknown>, Set<string>>();

/** Like `INSERT … ON CONFLICT DO NOTHING`: a row whose key or unique value exists is dropped. */
function insertNew<K, R>(
  table: Map<K, R>,
  key: (row: R) => K,
  rows: readonly R[],
  unique?: (row: R) => string,
): void {
  let seen = uniqueSeen.get(table);
  if (unique && !seen) {
    seen = new Set([...table.values()].map(unique));
    uniqueSeen.set(table, seen);
  }
  for (const row of rows) {
    const k = key(row);
    if (table.has(k)) continue;
    if (unique) {
      const u = unique(row);
      if (seen!.has(u)) continue;
      seen!.add(u);
    }
    table.set(k, row);
  }
}

function laterIso(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
}
