/**
 * The replay loop: read batches from the ordered consumer, decode them in the pool, and commit
 * them into the shadow with the live projector's batch writer, until the stream's head. Reading,
 * decoding and writing overlap; commits stay in stream order.
 */
import type { Sql } from "postgres";
import type { DecodedBatch, ProjectionName } from "../types.ts";
import { commitBatch, type CommitResult } from "../store/commit_batch.ts";
import type { DecodePool } from "./decode_pool.ts";
import type { StreamReader } from "./stream_reader.ts";

/** What one committed batch added, for progress. */
export interface BatchDone {
  messages: number;
  rows: number;
  deadLetters: number;
}

/** Replays from the reader's position into `schema` until nothing is pending. */
export async function catchUp(
  sql: Sql,
  reader: StreamReader,
  options: {
    schema: string;
    projections: readonly ProjectionName[];
    pool: DecodePool;
    batchSize: number;
    signal?: AbortSignal;
    onBatch: (done: BatchDone) => void;
  },
): Promise<void> {
  const decoding: { messages: number; batch: Promise<DecodedBatch> }[] = [];
  let committing: { messages: number; result: Promise<CommitResult> } | undefined;
  const settle = async () => {
    if (!committing) return;
    const { messages, result } = committing;
    committing = undefined;
    const { changes, deadLetters } = await result;
    let rows = 0;
    for (const list of Object.values(changes.rows)) rows += list.length;
    options.onBatch({ messages, rows, deadLetters });
  };
  try {
    let more = reader.pending > 0;
    while (more || decoding.length > 0) {
      options.signal?.throwIfAborted();
      if (more && decoding.length < options.pool.depth) {
        const messages = await reader.read(options.batchSize);
        more = reader.pending > 0 && messages.length > 0;
        if (messages.length > 0) {
          decoding.push({ messages: messages.length, batch: options.pool.decode(messages) });
        }
        continue;
      }
      const next = decoding.shift()!;
      const batch = await next.batch;
      await settle();
      committing = {
        messages: next.messages,
        result: commitBatch(sql, batch, {
          schema: options.schema,
          projections: options.projections,
        }),
      };
    }
    await settle();
  } finally {
    // Let a commit in flight end before the caller drops the shadow; its outcome no longer matters.
    await committing?.result.catch(() => {});
    await Promise.allSettled(decoding.map((d) => d.batch));
  }
}
