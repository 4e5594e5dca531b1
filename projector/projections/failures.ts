/**
 * The `failures` read model: failure episodes from sensor events, from start to end. An open
 * episode is carried from batch to batch, so each batch loads the open episodes of its machines.
 */
import { defineProjection, PartialNotPossible, type ScanContext } from "../projection.ts";
import { type Queryable, tableIn } from "../store/schema.ts";
import { col, iso } from "../store/columns.ts";
import type { StreamEvent } from "../types.ts";
import { failureMachines, type FailureRow, projectFailures } from "./_failure_fold.ts";

export * from "./_failure_fold.ts";

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

/** The ongoing failure episodes of `machines` (all of them when undefined) in `schema`. */
export async function loadOngoingFailures(
  tx: Queryable,
  schema: string,
  machines?: readonly string[],
): Promise<FailureRow[]> {
  if (machines?.length === 0) return [];
  const table = tableIn(tx, schema, "failures");
  const rows = machines === undefined
    ? await tx<Record<string, unknown>[]>`SELECT * FROM ${table} WHERE ended_at IS NULL`
    : await tx<Record<string, unknown>[]>`SELECT * FROM ${table}
      WHERE ended_at IS NULL AND machine_id = ANY(${machines as string[]}::text[])`;
  return rows.map(normaliseFailure);
}

/** An episode that started before a rebuild's point and had not ended before it. */
interface Spanning {
  start_seq: number;
  machine_id: string;
  type: string;
}

/** The `failures` read model. */
export const failures = defineProjection({
  name: "failures",
  canHandle: ["sensor"],
  key: (row: FailureRow) => row.start_seq,
  project: projectFailures,
  law: { kind: "replace" },
  carried: {
    keysOf: failureMachines,
    keyOf: (row) => row.machine_id,
    isOpen: (row) => row.ended_at === null,
    load: loadOngoingFailures,
  },
  /**
   * Upserts episodes in start order, so an ending episode leaves the machine's "ongoing" slot (a
   * partial unique index) before the next episode of that machine takes it.
   */
  async write(tx, rows, schema) {
    if (rows.length === 0) return;
    await tx`INSERT INTO ${tableIn(tx, schema, "failures")} AS f
        (start_seq, start_event_id, machine_id, type, started_at, ended_at, end_seq,
         end_event_id, peak_progress)
      SELECT s, se, m, t, sa, ea, es, ee, pp FROM unnest(${col(rows, "start_seq")}::bigint[],
        ${col(rows, "start_event_id")}::uuid[], ${col(rows, "machine_id")}::text[],
        ${col(rows, "type")}::text[], ${col(rows, "started_at")}::timestamptz[],
        ${col(rows, "ended_at")}::timestamptz[], ${col(rows, "end_seq")}::bigint[],
        ${col(rows, "end_event_id")}::uuid[], ${col(rows, "peak_progress")}::float8[])
        WITH ORDINALITY AS u(s, se, m, t, sa, ea, es, ee, pp, n)
      ORDER BY n
      ON CONFLICT (start_seq) DO UPDATE SET
        ended_at = EXCLUDED.ended_at,
        end_seq = EXCLUDED.end_seq,
        end_event_id = EXCLUDED.end_event_id,
        peak_progress = EXCLUDED.peak_progress`;
  },
  async read(sql, schema) {
    const rows = await sql<Record<string, unknown>[]>`
      SELECT * FROM ${tableIn(sql, schema, "failures")}`;
    return rows.map(normaliseFailure);
  },
  seed: {
    // Episodes ended before the point are final; one still open at the point is reopened, and
    // its peak is recomputed from the stream by `complete`.
    async copy({ tx, live, shadow, point }) {
      const from = tableIn(tx, live, "failures");
      const copied = await tx`INSERT INTO ${tableIn(tx, shadow, "failures")} (start_seq,
          start_event_id, machine_id, type, started_at, ended_at, end_seq, end_event_id,
          peak_progress)
        SELECT start_seq, start_event_id, machine_id, type, started_at,
          CASE WHEN end_seq < ${point} THEN ended_at END,
          CASE WHEN end_seq < ${point} THEN end_seq END,
          CASE WHEN end_seq < ${point} THEN end_event_id END,
          peak_progress
        FROM ${from} WHERE start_seq < ${point}`;
      const spanning = await tx<{ start_seq: string; machine_id: string; type: string }[]>`
        SELECT start_seq, machine_id, type FROM ${from}
        WHERE start_seq < ${point} AND (end_seq IS NULL OR end_seq >= ${point})`;
      const boundary: Spanning[] = spanning.map((r) => ({ ...r, start_seq: Number(r.start_seq) }));
      return { rows: copied.count, boundary };
    },
    complete: (ctx: ScanContext, boundary: unknown) =>
      seedFailurePeaks(ctx, boundary as Spanning[]),
  },
});

/** Recomputes the peak of each episode open at the point from its events before the point. */
async function seedFailurePeaks(ctx: ScanContext, spanning: Spanning[]): Promise<number> {
  if (spanning.length === 0) return 0;
  const byMachine = new Map(spanning.map((e) => [e.machine_id, e]));
  const events = new Map<string, StreamEvent[]>();
  const from = Math.min(...spanning.map((e) => e.start_seq));
  const read = await ctx.scan({ from, through: ctx.point - 1 }, (batch) => {
    for (const e of batch) {
      const episode = byMachine.get(e.event.machineId);
      if (e.event.type !== "sensor" || !episode || e.seq < episode.start_seq) continue;
      const list = events.get(episode.machine_id) ?? [];
      list.push(e);
      events.set(episode.machine_id, list);
    }
  });
  for (const episode of spanning) {
    const rows = projectFailures(events.get(episode.machine_id) ?? [], []);
    const row = rows.find((r) => r.start_seq === episode.start_seq);
    if (!row || row.ended_at !== null || row.type !== episode.type) {
      throw new PartialNotPossible(
        `failure episode ${episode.start_seq} of ${episode.machine_id} does not replay as open at the point`,
      );
    }
    await ctx.sql`UPDATE ${tableIn(ctx.sql, ctx.shadow, "failures")}
      SET peak_progress = ${row.peak_progress} WHERE start_seq = ${episode.start_seq}`;
  }
  return read;
}
