/**
 * What a read model is: one definition object carrying every part of it, in the manner of
 * Emmett's projection definitions. The batch step, the writer, the in-memory reference views,
 * the reader and the replay all iterate over definitions (see `registry.ts`) and never switch on
 * a projection's name, so a new read model is one definition file, one migration and one line
 * in the registry.
 */
import type { Sql, TransactionSql } from "postgres";
import type { SignalEvent } from "../events/mod.ts";
import type { StreamEvent } from "./types.ts";
import { type Queryable, tableIn } from "./store/schema.ts";
import { iso } from "./store/columns.ts";

/** The type of a signal event. */
export type EventType = SignalEvent["type"];

/**
 * How a row merges into the row already stored under the same key. The SQL writer and the
 * in-memory `applyChanges` both follow it, so the database and the reference views agree.
 */
export type MergeLaw<R> =
  /** History: a row is kept once; a later row with the same key, or the same `unique` value, is dropped. */
  | { kind: "insert_once"; unique?: (row: R) => string }
  /** Aggregates: rows combine with a commutative, associative `merge`. */
  | { kind: "merge"; merge: (stored: R, next: R) => R }
  /** Episodes: the later row replaces the stored one. */
  | { kind: "replace" };

/**
 * Rows a projection carries from batch to batch (e.g. open failure episodes): a batch needs the
 * open rows of the keys its events touch before it can fold them.
 */
export interface CarriedRows<R> {
  /** The keys (e.g. machine ids) whose open rows a batch of (handled) events needs. */
  keysOf(events: readonly StreamEvent[]): string[];
  /** The carried key of a row. */
  keyOf(row: R): string;
  /** Whether a row is still open, so the next batch needs it. */
  isOpen(row: R): boolean;
  /** The open rows of `keys` in `schema`, or all open rows when `keys` is undefined. */
  load(tx: Queryable, schema: string, keys?: readonly string[]): Promise<R[]>;
}

/** What seeding for a rebuild from a point may use inside the live snapshot's transaction. */
export interface SeedContext {
  tx: TransactionSql;
  /** The projection's table. */
  table: string;
  /** The live schema. */
  live: string;
  /** The shadow schema being filled. */
  shadow: string;
  /** The first sequence that will be replayed; rows of earlier events are kept. */
  point: number;
  /** The projection's checkpoint in the live snapshot. */
  liveSeq: number;
}

/** What completing the boundary rows from the stream may use, after the snapshot. */
export interface ScanContext {
  sql: Sql;
  shadow: string;
  point: number;
  /** The first sequence the stream still holds. */
  firstSeq: number;
  /** The projection's checkpoint in the live snapshot. */
  liveSeq: number;
  /** Reads and decodes `from`…`through` of the stream, calling `onEvents` per chunk; returns messages read. */
  scan(
    range: { from: number; through: number },
    onEvents: (events: StreamEvent[]) => void,
  ): Promise<number>;
}

/** How a rebuild from a point seeds this projection's shadow table. */
export interface ShadowSeeding<B = unknown> {
  /** Set when a rebuild from a point cannot be partial: the projection replays from the start. */
  fullReason?: string;
  /** Copies what events before the point produced from live into the shadow; rows copied, and what `complete` needs. */
  copy?(ctx: SeedContext): Promise<{ rows: number; boundary?: B }>;
  /**
   * Fixes rows that events on both sides of the point fed, from the stream; returns messages
   * scanned. Throws {@linkcode PartialNotPossible} when it cannot, and the projection goes full.
   */
  complete?(ctx: ScanContext, boundary: B): Promise<number>;
}

/** One read model: its events, fold, merge law, writer, reader and shadow seeding. */
export interface ProjectionDefinition<R, N extends string = string> {
  /** The projection's name, which is also its table's name and its checkpoint's key. */
  readonly name: N;
  /** The event types it folds; the others are not passed to `project`. */
  readonly canHandle: readonly EventType[];
  /** The primary key of a row, as the in-memory views key it. */
  key(row: R): string | number;
  /** The pure fold: handled events after the checkpoint, in stream order, to row changes. */
  project(events: readonly StreamEvent[], carried: readonly R[]): R[];
  /** How a row merges into a stored one. */
  readonly law: MergeLaw<R>;
  /** Writes row changes in bulk (one statement) into the table in `schema`, following `law`. */
  write(tx: Queryable, rows: readonly R[], schema: string): Promise<void>;
  /** Reads the table in `schema` back into rows, as `project` makes them. */
  read(sql: Queryable, schema: string): Promise<R[]>;
  /** Shadow seeding for a rebuild from a point. */
  readonly seed: ShadowSeeding;
  /** Rows carried between batches, when the fold needs them. @default none */
  readonly carried?: CarriedRows<R>;
  /**
   * Whether a row depends on the events of one machine only, so the read model may be split into
   * partitions by machine id, each written by its own worker (see `partitions.ts`). @default false
   */
  readonly partitionable?: boolean;
}

/** A definition of any row type, as the loop, the writer and the replay hold them. */
// deno-lint-ignore no-explicit-any
export type AnyProjection = ProjectionDefinition<any>;

/** The row type of a definition. */
export type RowOf<D> = D extends ProjectionDefinition<infer R> ? R : never;

/** Declares a definition, keeping its name as a literal type. */
export function defineProjection<const N extends string, R, B = unknown>(
  definition: ProjectionDefinition<R, N> & { seed: ShadowSeeding<B> },
): ProjectionDefinition<R, N> {
  return definition as ProjectionDefinition<R, N>;
}

/** A partial rebuild cannot be done correctly; the projection is rebuilt in full instead. */
export class PartialNotPossible extends Error {
  override name = "PartialNotPossible";
  readonly code = "partial_not_possible";
}

/** Seeding of a history table keyed by `column` (a sequence): rows of events before the point are final. */
export function historySeeding(column: string): ShadowSeeding {
  return {
    async copy({ tx, table, live, shadow, point }) {
      const copied = await tx`INSERT INTO ${tx(`${shadow}.${table}`)}
        SELECT * FROM ${tx(`${live}.${table}`)} WHERE ${tx(column)} < ${point}`;
      return { rows: copied.count };
    },
  };
}

/** A history row: one per event, at its stream sequence, with its event id and time. */
export interface HistoryRow {
  seq: number;
  event_id: string;
  at: string;
}

/**
 * A history read model: one row per event, kept once by sequence and by event id (the writer's
 * `ON CONFLICT DO NOTHING` without a target covers both keys), read back with every other column
 * as stored, and seeded for a rebuild from a point by copying the rows of earlier events.
 */
export function historyProjection<const N extends string, R extends HistoryRow>(
  parts: Pick<
    ProjectionDefinition<R, N>,
    "name" | "canHandle" | "project" | "write" | "partitionable"
  >,
): ProjectionDefinition<R, N> {
  return {
    ...parts,
    key: (row) => row.seq,
    law: { kind: "insert_once", unique: (row) => row.event_id },
    async read(sql, schema) {
      const rows = await sql<Record<string, unknown>[]>`
        SELECT * FROM ${tableIn(sql, schema, parts.name)}`;
      return rows.map((r) => ({ ...r, seq: Number(r.seq), at: iso(r.at)! }) as unknown as R);
    },
    seed: historySeeding("seq"),
  };
}
