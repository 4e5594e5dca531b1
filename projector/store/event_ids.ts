/** The event ledger in PostgreSQL: checked and filled in one statement per batch. */
import type { LedgerEntry } from "../event_ledger.ts";
import { type Queryable, tableIn } from "./schema.ts";
import { col } from "./columns.ts";

/** Where a rebuild's shadow ledger also looks: the live ledger below a sequence. */
export interface LedgerFallback {
  schema: string;
  /** Live entries of events stored before this sequence count as known. */
  belowSeq: number;
}

/**
 * Records `entries` (those not known yet) in the ledger of `schema`, and returns the entries that
 * were known before, by id; an id known twice (shadow and fallback) keeps its first sequence.
 */
export async function recordEventIds(
  tx: Queryable,
  entries: readonly LedgerEntry[],
  schema: string,
  fallback?: LedgerFallback,
): Promise<Map<string, LedgerEntry>> {
  const known = new Map<string, LedgerEntry>();
  if (entries.length === 0) return known;
  const table = tableIn(tx, schema, "event_ids");
  const below = fallback
    ? tx`UNION ALL SELECT l.event_id, l.seq, l.body_hash
        FROM ${tableIn(tx, fallback.schema, "event_ids")} l JOIN u ON l.event_id = u.id
        WHERE l.seq < ${fallback.belowSeq}`
    : tx``;
  // The SELECT sees the ledger as it was before this statement's INSERT.
  const rows = await tx<{ event_id: string; seq: string; body_hash: string }[]>`
    WITH u AS (SELECT * FROM unnest(${col(entries, "event_id")}::uuid[],
        ${col(entries, "seq")}::bigint[], ${col(entries, "body_hash")}::bigint[]) AS u(id, s, h)),
      ins AS (INSERT INTO ${table} (event_id, seq, body_hash) SELECT id, s, h FROM u
        ON CONFLICT (event_id) DO NOTHING)
    SELECT e.event_id, e.seq, e.body_hash FROM ${table} e JOIN u ON e.event_id = u.id
    ${below}`;
  for (const row of rows) {
    const entry = {
      event_id: row.event_id,
      seq: Number(row.seq),
      body_hash: String(row.body_hash),
    };
    const seen = known.get(entry.event_id);
    if (!seen || entry.seq < seen.seq) known.set(entry.event_id, entry);
  }
  return known;
}

/** Every entry of the ledger of `schema`. */
export async function readEventIds(sql: Queryable, schema: string): Promise<LedgerEntry[]> {
  const rows = await sql<{ event_id: string; seq: string; body_hash: string }[]>`
    SELECT event_id, seq, body_hash FROM ${tableIn(sql, schema, "event_ids")}`;
  return rows.map((r) => ({
    event_id: r.event_id,
    seq: Number(r.seq),
    body_hash: String(r.body_hash),
  }));
}
