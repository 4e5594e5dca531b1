/** The dead-letter table: messages that are not valid events, or that the database refused. */
import type { DeadLetterRow } from "../types.ts";
import { type Queryable, tableIn } from "./schema.ts";
import { col } from "./columns.ts";

/** Inserts dead letters in bulk; a message already recorded keeps its first row. */
export async function writeDeadLetters(
  tx: Queryable,
  rows: readonly DeadLetterRow[],
  schema: string,
) {
  if (rows.length === 0) return;
  const raw = rows.map((row) => row.raw.toHex());
  const headers = rows.map((row) => JSON.stringify(row.headers));
  await tx`INSERT INTO ${tableIn(tx, schema, "dead_letters")} (seq, subject, reason, raw, headers)
    SELECT s, sub, r, decode(x, 'hex'), h::jsonb FROM unnest(${col(rows, "seq")}::bigint[],
      ${col(rows, "subject")}::text[], ${col(rows, "reason")}::text[], ${raw}::text[],
      ${headers}::text[]) AS u(s, sub, r, x, h)
    ON CONFLICT (seq) DO NOTHING`;
}

/** Every dead letter of `schema`. */
export async function readDeadLetters(sql: Queryable, schema: string): Promise<DeadLetterRow[]> {
  const rows = await sql<Record<string, unknown>[]>`
    SELECT * FROM ${tableIn(sql, schema, "dead_letters")}`;
  return rows.map((r) => ({
    seq: Number(r.seq),
    subject: String(r.subject),
    reason: String(r.reason),
    raw: new Uint8Array(r.raw as Uint8Array),
    headers: r.headers as Record<string, string>,
  }));
}
