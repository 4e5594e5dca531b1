/** The `power_minutes` read model: per machine and minute, samples, sum, extremes and energy. */
import { defineProjection, type ScanContext } from "../projection.ts";
import { tableIn } from "../store/schema.ts";
import { col, iso } from "../store/columns.ts";
import type { StreamEvent } from "../types.ts";
import {
  mergePowerMinute,
  powerMinuteKey,
  type PowerMinuteRow,
  projectPowerMinutes,
} from "./_power_fold.ts";

export * from "./_power_fold.ts";

/**
 * How far before the earliest boundary minute, in event time, the backward scan for earlier
 * samples goes before it may stop: power events stored this much out of order are still found.
 */
export const POWER_LOOKBACK_MS = 30_000;

/** A live row that events on both sides of a rebuild's point fed. */
interface MixedMinute {
  machine_id: string;
  minute: string;
  samples: number;
  events: number;
}

/** The `power_minutes` read model. */
export const powerMinutes = defineProjection({
  name: "power_minutes",
  canHandle: ["power"],
  key: (row: PowerMinuteRow) => powerMinuteKey(row),
  project: projectPowerMinutes,
  law: { kind: "merge", merge: mergePowerMinute },
  partitionable: true,
  async write(tx, rows, schema) {
    if (rows.length === 0) return;
    await tx`INSERT INTO ${tableIn(tx, schema, "power_minutes")} AS p
        (machine_id, minute, samples, sum_mw, min_w, max_w, energy_uj, events, last_seq)
      SELECT * FROM unnest(${col(rows, "machine_id")}::text[],
        ${col(rows, "minute")}::timestamptz[], ${col(rows, "samples")}::bigint[],
        ${col(rows, "sum_mw")}::numeric[], ${col(rows, "min_w")}::float8[],
        ${col(rows, "max_w")}::float8[], ${col(rows, "energy_uj")}::numeric[],
        ${col(rows, "events")}::bigint[], ${col(rows, "last_seq")}::bigint[])
      ON CONFLICT (machine_id, minute) DO UPDATE SET
        samples = p.samples + EXCLUDED.samples,
        sum_mw = p.sum_mw + EXCLUDED.sum_mw,
        min_w = LEAST(p.min_w, EXCLUDED.min_w),
        max_w = GREATEST(p.max_w, EXCLUDED.max_w),
        energy_uj = p.energy_uj + EXCLUDED.energy_uj,
        events = p.events + EXCLUDED.events,
        last_seq = GREATEST(p.last_seq, EXCLUDED.last_seq)`;
  },
  async read(sql, schema) {
    const rows = await sql<Record<string, unknown>[]>`
      SELECT * FROM ${tableIn(sql, schema, "power_minutes")}`;
    return rows.map((r): PowerMinuteRow => ({
      machine_id: String(r.machine_id),
      minute: iso(r.minute)!,
      samples: Number(r.samples),
      sum_mw: Number(r.sum_mw),
      min_w: Number(r.min_w),
      max_w: Number(r.max_w),
      energy_uj: Number(r.energy_uj),
      events: Number(r.events),
      last_seq: Number(r.last_seq),
    }));
  },
  seed: {
    // Minutes whose last contribution is before the point are final; the others are recomputed.
    async copy({ tx, live, shadow, point }) {
      const from = tableIn(tx, live, "power_minutes");
      const copied = await tx`INSERT INTO ${tableIn(tx, shadow, "power_minutes")}
        SELECT * FROM ${from} WHERE last_seq < ${point}`;
      const mixed = await tx<
        { machine_id: string; minute: Date; samples: string; events: string }[]
      >`
        SELECT machine_id, minute, samples, events FROM ${from} WHERE last_seq >= ${point}`;
      const boundary: MixedMinute[] = mixed.map((r) => ({
        machine_id: r.machine_id,
        minute: r.minute.toISOString(),
        samples: Number(r.samples),
        events: Number(r.events),
      }));
      return { rows: copied.count, boundary };
    },
    complete: (ctx: ScanContext, boundary: unknown) =>
      seedBoundaryMinutes(ctx, boundary as MixedMinute[]),
  },
});

/**
 * Adds to the shadow the samples that events before the point put into the boundary minutes
 * (rows fed from both sides of it). Which earlier events fed them is found by scanning back from
 * the point in chunks growing by half, until a whole chunk holds only samples older than the
 * earliest boundary minute minus {@linkcode POWER_LOOKBACK_MS} and the samples and events seen
 * add up to what the live rows count up to their checkpoint; at the start of the stream, all was
 * seen.
 */
async function seedBoundaryMinutes(ctx: ScanContext, mixed: MixedMinute[]): Promise<number> {
  if (mixed.length === 0) return 0;
  const live = new Map(mixed.map((r) => [powerMinuteKey(r), r]));
  const machines = new Set(mixed.map((r) => r.machine_id));
  const horizon = Math.min(...mixed.map((r) => Date.parse(r.minute))) - POWER_LOOKBACK_MS;
  const before = new Map<string, PowerMinuteRow>();
  const counted = new Map<string, PowerMinuteRow>();
  const add = (into: Map<string, PowerMinuteRow>, rows: PowerMinuteRow[]) => {
    for (const row of rows) {
      const key = powerMinuteKey(row);
      if (!live.has(key)) continue;
      const seen = into.get(key);
      into.set(key, seen ? mergePowerMinute(seen, row) : row);
    }
  };
  const relevant = (batch: StreamEvent[]) =>
    batch.filter((e) => e.event.type === "power" && machines.has(e.event.machineId));
  const complete = () =>
    [...live].every(([key, row]) => {
      const seen = counted.get(key);
      return seen?.samples === row.samples && seen.events === row.events;
    });
  // What events from the point up to the live checkpoint put into those minutes.
  let read = await ctx.scan({ from: ctx.point, through: ctx.liveSeq }, (batch) => {
    add(counted, projectPowerMinutes(relevant(batch)));
  });
  let end = ctx.point - 1;
  for (let size = 2048; end >= ctx.firstSeq; size = Math.ceil(size * 1.5)) {
    const start = Math.max(ctx.firstSeq, end - size + 1);
    let recent = false;
    read += await ctx.scan({ from: start, through: end }, (batch) => {
      const rows = projectPowerMinutes(relevant(batch));
      add(before, rows);
      add(counted, rows);
      if (rows.some((row) => Date.parse(row.minute) >= horizon)) recent = true;
    });
    end = start - 1;
    if (!recent && complete()) break;
  }
  // The loop ends complete, or at the start of the stream, where `before` is exact anyway.
  await ctx.sql.begin((tx) => powerMinutes.write(tx, [...before.values()], ctx.shadow));
  return read;
}
