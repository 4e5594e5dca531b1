/**
 * The `error_minutes` read model: per machine and minute of event time, how many errors it
 * reported. A count over a long window reads one row per minute instead of one index entry per
 * error (the time-travel view's errors in the last hour).
 */
import { defineProjection, type ScanContext } from "../projection.ts";
import { tableIn } from "../store/schema.ts";
import { col, iso } from "../store/columns.ts";
import type { StreamEvent } from "../types.ts";
import { byMachineMinute, MINUTE_MS, toIso, toMs } from "./_time.ts";

/** A row of `error_minutes`. */
export interface ErrorMinuteRow {
  machine_id: string;
  /** Start of the minute (ISO). */
  minute: string;
  errors: number;
  last_seq: number;
}

/** The key of an error minute row. */
export function errorMinuteKey(row: Pick<ErrorMinuteRow, "machine_id" | "minute">): string {
  return `${row.machine_id}|${row.minute}`;
}

/** Combines two counts of the same machine and minute; commutative and associative. */
export function mergeErrorMinute(a: ErrorMinuteRow, b: ErrorMinuteRow): ErrorMinuteRow {
  return {
    machine_id: a.machine_id,
    minute: a.minute,
    errors: a.errors + b.errors,
    last_seq: Math.max(a.last_seq, b.last_seq),
  };
}

/** The batch's errors counted per machine and minute, ordered by machine and minute. */
export function projectErrorMinutes(events: readonly StreamEvent[]): ErrorMinuteRow[] {
  const rows = new Map<string, ErrorMinuteRow>();
  for (const { seq, event } of events) {
    if (event.type !== "error") continue;
    const minute = toIso(Math.floor(toMs(event.occurredAt) / MINUTE_MS) * MINUTE_MS);
    const row = { machine_id: event.machineId, minute, errors: 1, last_seq: seq };
    const key = errorMinuteKey(row);
    const seen = rows.get(key);
    rows.set(key, seen ? mergeErrorMinute(seen, row) : row);
  }
  return [...rows.values()].sort(byMachineMinute);
}

/** The `error_minutes` read model. */
export const errorMinutes = defineProjection({
  name: "error_minutes",
  canHandle: ["error"],
  key: (row: ErrorMinuteRow) => errorMinuteKey(row),
  project: projectErrorMinutes,
  law: { kind: "merge", merge: mergeErrorMinute },
  async write(tx, rows, schema) {
    if (rows.length === 0) return;
    await tx`INSERT INTO ${tableIn(tx, schema, "error_minutes")} AS c
        (machine_id, minute, errors, last_seq)
      SELECT * FROM unnest(${col(rows, "machine_id")}::text[],
        ${col(rows, "minute")}::timestamptz[], ${col(rows, "errors")}::bigint[],
        ${col(rows, "last_seq")}::bigint[])
      ON CONFLICT (machine_id, minute) DO UPDATE SET
        errors = c.errors + EXCLUDED.errors,
        last_seq = GREATEST(c.last_seq, EXCLUDED.last_seq)`;
  },
  async read(sql, schema) {
    const rows = await sql<Record<string, unknown>[]>`
      SELECT * FROM ${tableIn(sql, schema, "error_minutes")}`;
    return rows.map((r): ErrorMinuteRow => ({
      machine_id: String(r.machine_id),
      minute: iso(r.minute)!,
      errors: Number(r.errors),
      last_seq: Number(r.last_seq),
    }));
  },
  seed: {
    // Minutes whose last error is before the point are final; the others are recounted.
    async copy({ tx, live, shadow, point }) {
      const from = tableIn(tx, live, "error_minutes");
      const copied = await tx`INSERT INTO ${tableIn(tx, shadow, "error_minutes")}
        SELECT * FROM ${from} WHERE last_seq < ${point}`;
      const mixed = await tx<{ machine_id: string; minute: Date; errors: string }[]>`
        SELECT machine_id, minute, errors FROM ${from} WHERE last_seq >= ${point}`;
      const boundary: ErrorMinuteRow[] = mixed.map((r) => ({
        machine_id: r.machine_id,
        minute: r.minute.toISOString(),
        errors: Number(r.errors),
        last_seq: 0,
      }));
      return { rows: copied.count, boundary };
    },
    complete: (ctx: ScanContext, boundary: unknown) =>
      seedBoundaryMinutes(ctx, boundary as ErrorMinuteRow[]),
  },
});

/**
 * Adds to the shadow the errors that events before the point put into the boundary minutes
 * (rows fed from both sides of it). Errors may be stored out of event-time order, so the scan
 * goes back from the point in chunks growing by half until the errors seen from there up to the
 * live checkpoint add up to every boundary minute's live count; at the start of the stream, all
 * was seen.
 */
async function seedBoundaryMinutes(ctx: ScanContext, mixed: ErrorMinuteRow[]): Promise<number> {
  if (mixed.length === 0) return 0;
  const live = new Map(mixed.map((r) => [errorMinuteKey(r), r.errors]));
  const machines = new Set(mixed.map((r) => r.machine_id));
  const before = new Map<string, ErrorMinuteRow>();
  const counted = new Map<string, number>();
  const relevant = (batch: StreamEvent[]) =>
    batch.filter((e) => e.event.type === "error" && machines.has(e.event.machineId));
  const count = (batch: StreamEvent[], keep: boolean) => {
    for (const row of projectErrorMinutes(relevant(batch))) {
      const key = errorMinuteKey(row);
      if (!live.has(key)) continue;
      counted.set(key, (counted.get(key) ?? 0) + row.errors);
      if (!keep) continue;
      const seen = before.get(key);
      before.set(key, seen ? mergeErrorMinute(seen, row) : row);
    }
  };
  const complete = () => [...live].every(([key, errors]) => counted.get(key) === errors);
  // What events from the point up to the live checkpoint put into those minutes.
  let read = await ctx.scan({ from: ctx.point, through: ctx.liveSeq }, (b) => count(b, false));
  let end = ctx.point - 1;
  for (let size = 2048; end >= ctx.firstSeq && !complete(); size = Math.ceil(size * 1.5)) {
    const start = Math.max(ctx.firstSeq, end - size + 1);
    read += await ctx.scan({ from: start, through: end }, (b) => count(b, true));
    end = start - 1;
  }
  // The loop ends complete, or at the start of the stream, where `before` is exact anyway.
  await ctx.sql.begin((tx) => errorMinutes.write(tx, [...before.values()], ctx.shadow));
  return read;
}
