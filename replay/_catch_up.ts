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
  type RawMessage,
  tableIn,
  writeChanges,
} from "../projector/mod.ts";
import type { BatchProjector } from "./batch_projector.ts";
import type { ShadowStart } from "./_shadow_state.ts";
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

/** Replays from the reader's position into `schema` until nothing is pending. */
export async function catchUp(
  sql: Sql,
  reader: StreamReader,
  options: {
    schema: string;
    projections: readonly AnyProjection[];
    projector: BatchProjector;
    batchSize: number;
    signal?: AbortSignal;
    onBatch: (done: BatchDone) => void;
  },
): Promise<void> {
  const projecting: { messages: number; changes: Promise<BatchChanges> }[] = [];
  let writing: Promise<void> | undefined;
  let reading: Promise<RawMessage[]> | undefined;
  const write = async (messages: number, changes: BatchChanges) => {
    await sql.begin((tx) =>
      writeChanges(tx, changes, {
        schema: options.schema,
        projections: options.projections,
      })
    );
    let rows = 0;
    for (const list of Object.values(changes.rows)) rows += list?.length ?? 0;
    options.onBatch({ messages, rows, deadLetters: changes.deadLetters.length });
  };
  try {
    // The next fetch is always on its way while a batch is projected and written.
    reading = reader.pending > 0 ? reader.read(options.batchSize) : undefined;
    while (reading || projecting.length > 0) {
      options.signal?.throwIfAborted();
      if (reading && projecting.length < options.projector.depth) {
        const messages = await reading;
        reading = reader.pending > 0 && messages.length > 0
          ? reader.read(options.batchSize)
          : undefined;
        if (messages.length > 0) {
          projecting.push({
            messages: messages.length,
            changes: options.projector.project(messages),
          });
        }
        continue;
      }
      const next = projecting.shift()!;
      const changes = await next.changes;
      await writing;
      writing = write(next.messages, changes);
    }
    await writing;
  } finally {
    // Let a write in flight end before the caller drops the shadow; its outcome no longer matters.
    await writing?.catch(() => {});
    await Promise.allSettled(projecting.map((p) => p.changes));
    await reading?.catch(() => {});
  }
}
