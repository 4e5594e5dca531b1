/** Checkpoints and the state a batch reads before projecting, inside the batch's transaction. */
import type { CheckpointRow, ProjectionName } from "../types.ts";
import type { FailureRow } from "../projections/failures.ts";
import { type Queryable, tableIn } from "./schema.ts";
import { col } from "./write_history.ts";

/**
 * Reads the projections' checkpoints and locks their rows until commit, so two writers of the same
 * schema take turns and the second one sees what the first one applied.
 */
export async function lockCheckpoints(
  tx: Queryable,
  projections: readonly ProjectionName[],
  schema: string,
): Promise<Map<ProjectionName, number>> {
  const table = tableIn(tx, schema, "projection_checkpoints");
  await tx`INSERT INTO ${table} (projection, last_seq)
    SELECT unnest(${projections as ProjectionName[]}::text[]), 0 ON CONFLICT DO NOTHING`;
  const rows = await tx<{ projection: ProjectionName; last_seq: string }[]>`
    SELECT projection, last_seq FROM ${table}
    WHERE projection = ANY(${projections as ProjectionName[]}::text[])
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

/** The ongoing failure episodes of `machines`. */
export async function loadOngoingFailures(
  tx: Queryable,
  machines: readonly string[],
  schema: string,
): Promise<FailureRow[]> {
  if (machines.length === 0) return [];
  const rows = await tx<Record<string, unknown>[]>`SELECT * FROM ${tableIn(tx, schema, "failures")}
    WHERE ended_at IS NULL AND machine_id = ANY(${machines as string[]}::text[])`;
  return rows.map(normaliseFailure);
}

/** A `failures` row as read by postgres.js, in the types the projection uses. */
export function normaliseFailure(row: Record<string, unknown>): FailureRow {
  return {
    start_seq: Number(row.start_seq),
    start_event_id: String(row.start_event_id),
    machine_id: String(row.machine_id),
    type: String(row.type),
    started_at: iso(row.started_at)!,
    ended_at: iso(row.ended_at),
    end_seq: row.end_seq === null ? null : Number(row.end_seq),
    end_event_id: row.end_event_id === null ? null : String(row.end_event_id),
    peak_progress: Number(row.peak_progress),
  };
}

/** A timestamp column as a canonical ISO string. */
export function iso(value: unknown): string | null {
  return value === null || value === undefined ? null : (value as Date).toISOString();
}
