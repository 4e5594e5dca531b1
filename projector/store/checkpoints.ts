/** Checkpoints: where each projection has read the stream up to, kept with its rows. */
import type { CheckpointRow } from "../types.ts";
import { LIVE_SCHEMA, type Queryable, tableIn } from "./schema.ts";
import { col, iso } from "./columns.ts";
import { liveUnitNames } from "./partitions.ts";

/**
 * Reads the projections' checkpoints and locks their rows until commit, so two writers of the same
 * schema take turns and the second one sees what the first one applied.
 */
export async function lockCheckpoints(
  tx: Queryable,
  projections: readonly string[],
  schema: string,
): Promise<Map<string, number>> {
  const table = tableIn(tx, schema, "projection_checkpoints");
  await tx`INSERT INTO ${table} (projection, last_seq)
    SELECT unnest(${projections as string[]}::text[]), 0 ON CONFLICT DO NOTHING`;
  const rows = await tx<{ projection: string; last_seq: string }[]>`
    SELECT projection, last_seq FROM ${table}
    WHERE projection = ANY(${projections as string[]}::text[])
    ORDER BY projection FOR UPDATE`;
  return new Map(rows.map((row) => [row.projection, Number(row.last_seq)]));
}

/** Moves checkpoints forward (never back). */
export async function saveCheckpoints(
  tx: Queryable,
  rows: readonly CheckpointRow[],
  schema: string,
) {
  if (rows.length === 0) return;
  await tx`INSERT INTO ${tableIn(tx, schema, "projection_checkpoints")} AS c
      (projection, last_seq, last_event_at, updated_at)
    SELECT p, s, e, now() FROM unnest(${col(rows, "projection")}::text[],
      ${col(rows, "last_seq")}::bigint[], ${col(rows, "last_event_at")}::timestamptz[])
      AS u(p, s, e)
    ON CONFLICT (projection) DO UPDATE SET
      last_seq = GREATEST(c.last_seq, EXCLUDED.last_seq),
      last_event_at = GREATEST(c.last_event_at, EXCLUDED.last_event_at),
      updated_at = now()`;
}

/**
 * The lowest checkpoint of `projections` in `schema`; a projection without a row counts as 0. A
 * split read model named whole counts with all its partitions.
 */
export async function lowestCheckpoint(
  sql: Queryable,
  projections: readonly string[],
  schema: string = LIVE_SCHEMA,
): Promise<number> {
  const units = await liveUnitNames(sql, projections, schema);
  const [row] = await sql<{ seq: string | null }[]>`
    SELECT min(COALESCE(c.last_seq, 0)) AS seq
    FROM unnest(${units}::text[]) AS p(name)
    LEFT JOIN ${tableIn(sql, schema, "projection_checkpoints")} c ON c.projection = p.name`;
  return Number(row?.seq ?? 0);
}

/** Every checkpoint row of `schema`. */
export async function readCheckpoints(sql: Queryable, schema: string): Promise<CheckpointRow[]> {
  const rows = await sql<Record<string, unknown>[]>`
    SELECT * FROM ${tableIn(sql, schema, "projection_checkpoints")}`;
  return rows.map((r) => ({
    projection: String(r.projection),
    last_seq: Number(r.last_seq),
    last_event_at: iso(r.last_event_at),
  }));
}
