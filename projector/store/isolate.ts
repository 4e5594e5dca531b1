/**
 * A batch the database refuses for its data (SQLSTATE class 22 or 23) would otherwise be retried
 * forever. This wrapper splits such a batch until the offending event stands alone, and records
 * that event as a dead letter with the database's reason; everything else is still projected.
 */
import type { Sql } from "postgres";
import type { DecodedBatch } from "../types.ts";
import { deadLetterOf } from "../event_ledger.ts";
import { commitBatch, type CommitResult, type WriteOptions } from "./commit_batch.ts";

/** Whether `error` is PostgreSQL rejecting the data, as opposed to an outage. */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^2[23][0-9A-Z]{3}$/.test(code);
}

/** Like {@linkcode commitBatch}, but an event the database refuses becomes a dead letter. */
export async function commitBatchIsolating(
  sql: Sql,
  batch: DecodedBatch,
  options: WriteOptions = {},
): Promise<CommitResult> {
  try {
    return await commitBatch(sql, batch, options);
  } catch (error) {
    // Without an event to blame (dead letters alone) the error is not the data's: keep retrying.
    if (!isDataError(error) || batch.events.length === 0) throw error;
    if (batch.events.length === 1) {
      return await commitBatch(sql, asDeadLetter(batch, error), options);
    }
    const [first, second] = split(batch);
    const a = await commitBatchIsolating(sql, first, options);
    const b = await commitBatchIsolating(sql, second, options);
    return {
      projected: a.projected + b.projected,
      deadLetters: a.deadLetters + b.deadLetters,
      before: a.before,
      changes: {
        rows: {},
        deadLetters: [...a.changes.deadLetters, ...b.changes.deadLetters],
        checkpoints: b.changes.checkpoints.length ? b.changes.checkpoints : a.changes.checkpoints,
      },
    };
  }
}

/** Two batches in stream order, each with at least one event. */
function split(batch: DecodedBatch): [DecodedBatch, DecodedBatch] {
  const middle = Math.floor(batch.events.length / 2);
  const cut = batch.events[middle - 1]!.seq;
  const firstDead = batch.deadLetters.filter((d) => d.seq <= cut);
  return [
    { events: batch.events.slice(0, middle), deadLetters: firstDead, lastSeq: cut },
    {
      events: batch.events.slice(middle),
      deadLetters: batch.deadLetters.filter((d) => d.seq > cut),
      lastSeq: batch.lastSeq,
    },
  ];
}

function asDeadLetter(batch: DecodedBatch, error: unknown): DecodedBatch {
  const reason = error instanceof Error ? error.message : String(error);
  const dead = deadLetterOf(batch.events[0]!, `rejected_by_database: ${reason}`);
  const deadLetters = [...batch.deadLetters, dead].sort((a, b) => a.seq - b.seq);
  return { events: [], deadLetters, lastSeq: batch.lastSeq };
}
