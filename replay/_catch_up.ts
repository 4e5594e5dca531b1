/**
 * The replay loop: read batches from the ordered consumer, turn them into row changes in the
 * batch projector, and write each with the live projector's writer (`writeChanges`, rows and
 * checkpoints in one transaction) into the shadow, until the stream's head. Reading, projecting
 * and writing overlap; writes stay in stream order.
 */
import type { Sql } from "postgres";
import {
  type AnyProjection,
  type BatchChanges,
  commitBatchIsolating,
  decodeBatch,
  isDataError,
  type LedgerFallback,
  type RawMessage,
  recordEventIds,
  tableIn,
  writeChanges,
} from "../projector/mod.ts";
import type { BatchProjector } from "./batch_projector.ts";
import type { ProjectedBatch, ShadowStart } from "./_shadow_state.ts";
import type { StreamReader } from "./stream_reader.ts";

/** What one written batch added, for progress. */
export interface BatchDone {
  messages: number;
  rows: number;
  deadLetters: number;
}

/** The seeded shadow's checkpoints and open carried rows, where the replay starts from. */
export async function shadowStart(
  sql: Sql,
  shadow: string,
  projections: readonly AnyProjection[],
): Promise<ShadowStart> {
  const checkpoints = await sql<{ projection: string; last_seq: string | number }[]>`
    SELECT projection, last_seq FROM ${tableIn(sql, shadow, "projection_checkpoints")}`;
  const carried: [string, unknown[]][] = [];
  for (const definition of projections) {
    if (definition.carried) {
      carried.push([definition.name, await definition.carried.load(sql, shadow)]);
    }
  }
  return {
    projections: projections.map((d) => d.name),
    checkpoints: checkpoints.map((r) => [r.projection, Number(r.last_seq)]),
    carried,
  };
}

/** A batch the fast path cannot write as projected: it holds a copy of a known event. */
class ExactPathNeeded extends Error {
  override name = "ExactPathNeeded";
}

/** Options of {@linkcode catchUp}. */
export interface CatchUpOptions {
  schema: string;
  projections: readonly AnyProjection[];
  /** Starts the batch projector from the shadow's state; it restarts after an exact-path batch. */
  newProjector: (start: ShadowStart) => BatchProjector;
  batchSize: number;
  signingKey?: string;
  /** Live ledger entries below this point count as known in the shadow. */
  ledger?: LedgerFallback;
  signal?: AbortSignal;
  onBatch: (done: BatchDone) => void;
}

interface Item {
  messages: RawMessage[];
  changes: Promise<ProjectedBatch>;
}

/**
 * Replays from the reader's position into `schema` until nothing is pending. Batches are
 * projected ahead (in a worker) and written in order. A batch holding a copy of a known event, or
 * one the database refuses, takes the exact path instead: it and the batches projected after it
 * are committed one by one with the live projector's `commitBatchIsolating` (the event ledger
 * and dead-lettering included), and the projector restarts from the shadow's state.
 */
export async function catchUp(
  sql: Sql,
  reader: StreamReader,
  options: CatchUpOptions,
): Promise<void> {
  const { schema, projections } = options;
  const projector = options.newProjector(await shadowStart(sql, schema, projections));
  const projecting: Item[] = [];
  let writing: Promise<void> | undefined;
  let written: Item | undefined;
  let reading: Promise<RawMessage[]> | undefined;
  const report = (messages: number, changes: BatchChanges) => {
    let rows = 0;
    for (const list of Object.values(changes.rows)) rows += list?.length ?? 0;
    options.onBatch({ messages, rows, deadLetters: changes.deadLetters.length });
  };
  const write = async (messages: number, changes: ProjectedBatch) => {
    await sql.begin(async (tx) => {
      const known = await recordEventIds(tx, changes.eventIds, schema, options.ledger);
      const seqOf = new Map(changes.eventIds.map((e) => [e.event_id, e.seq]));
      if (changes.copies || [...known.values()].some((k) => k.seq !== seqOf.get(k.event_id))) {
        throw new ExactPathNeeded("the batch holds a copy of a known event");
      }
      await writeChanges(tx, changes, { schema, projections });
    });
    report(messages, changes);
  };
  // Whether the write in flight failed in a way the exact path handles.
  const settle = async () => {
    try {
      await writing;
      return false;
    } catch (error) {
      if (error instanceof ExactPathNeeded || isDataError(error)) return true;
      throw error;
    } finally {
      writing = undefined;
    }
  };
  const exactPath = async (items: Item[]) => {
    // Their projections came from a state that no longer holds; let the projector finish them.
    await Promise.allSettled(items.map((item) => item.changes));
    for (const item of items) {
      const batch = decodeBatch(item.messages, { signingKey: options.signingKey });
      const result = await commitBatchIsolating(sql, batch, {
        schema,
        projections,
        ledger: options.ledger,
      });
      report(item.messages.length, result.changes);
    }
    projector.restart(await shadowStart(sql, schema, projections));
  };
  try {
    // The next fetch is always on its way while a batch is projected and written.
    reading = reader.pending > 0 ? reader.read(options.batchSize) : undefined;
    while (reading || projecting.length > 0) {
      options.signal?.throwIfAborted();
      if (reading && projecting.length < projector.depth) {
        const messages = await reading;
        reading = reader.pending > 0 && messages.length > 0
          ? reader.read(options.batchSize)
          : undefined;
        if (messages.length > 0) {
          projecting.push({ messages, changes: projector.project(messages) });
        }
        continue;
      }
      const next = projecting.shift()!;
      const changes = await next.changes;
      if (await settle()) {
        await exactPath([written!, next, ...projecting.splice(0)]);
        continue;
      }
      written = next;
      writing = write(next.messages.length, changes);
      // Its failure is handled by `settle`; until then it must not count as unhandled.
      writing.catch(() => {});
    }
    if (await settle()) await exactPath([written!]);
  } finally {
    // Let a write in flight end before the caller drops the shadow; its outcome no longer matters.
    await writing?.catch(() => {});
    await Promise.allSettled(projecting.map((p) => p.changes));
    await reading?.catch(() => {});
    projector.close();
  }
}
