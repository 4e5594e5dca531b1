/** Reads the read models of a schema back into {@linkcode MemoryViews}, to compare them. */
import type { Sql } from "postgres";
import type { ProjectionName } from "../types.ts";
import { emptyViews, type MemoryViews } from "../projections/views.ts";
import { powerMinuteKey } from "../projections/power_minutes.ts";
import { iso, normaliseFailure } from "./checkpoints.ts";
import { LIVE_SCHEMA, tableIn } from "./schema.ts";

type Row = Record<string, unknown>;

const num = (value: unknown) => (value === null ? null : Number(value));

/** Every read model of `schema`, with bigints as numbers and times as ISO strings. */
export async function readViews(sql: Sql, schema: string = LIVE_SCHEMA): Promise<MemoryViews> {
  const views = emptyViews();
  const all = (table: Parameters<typeof tableIn>[2]) =>
    sql<Row[]>`SELECT * FROM ${tableIn(sql, schema, table)}`;
  for (const r of await all("machines")) {
    views.machines.set(String(r.machine_id), {
      machine_id: String(r.machine_id),
      state: r.state as string | null,
      state_since: iso(r.state_since),
      state_seq: num(r.state_seq),
      last_seen: iso(r.last_seen)!,
      last_power_w: num(r.last_power_w),
      last_power_at: iso(r.last_power_at),
      last_power_seq: num(r.last_power_seq),
      last_error_code: r.last_error_code as string | null,
      last_error_at: iso(r.last_error_at),
      last_error_seq: num(r.last_error_seq),
      errors_info: Number(r.errors_info),
      errors_warning: Number(r.errors_warning),
      errors_error: Number(r.errors_error),
      errors_critical: Number(r.errors_critical),
      energy_uj: Number(r.energy_uj),
    });
  }
  for (const r of await all("state_changes")) {
    const row = { ...r, seq: Number(r.seq), at: iso(r.at)! } as MemoryRow<"state_changes">;
    views.state_changes.set(row.seq, row);
  }
  for (const r of await all("errors")) {
    const row = { ...r, seq: Number(r.seq), at: iso(r.at)! } as MemoryRow<"errors">;
    views.errors.set(row.seq, row);
  }
  for (const r of await all("power_minutes")) {
    const row = {
      machine_id: String(r.machine_id),
      minute: iso(r.minute)!,
      samples: Number(r.samples),
      sum_mw: Number(r.sum_mw),
      min_w: Number(r.min_w),
      max_w: Number(r.max_w),
      energy_uj: Number(r.energy_uj),
      events: Number(r.events),
      last_seq: Number(r.last_seq),
    };
    views.power_minutes.set(powerMinuteKey(row), row);
  }
  for (const r of await all("sensor_readings")) {
    const row = { ...r, seq: Number(r.seq), at: iso(r.at)! } as MemoryRow<"sensor_readings">;
    views.sensor_readings.set(row.seq, row);
  }
  for (const r of await all("failures")) {
    views.failures.set(Number(r.start_seq), normaliseFailure(r));
  }
  for (const r of await all("xray_scans")) {
    const row = { ...r, seq: Number(r.seq), at: iso(r.at)! } as MemoryRow<"xray_scans">;
    views.xray_scans.set(row.seq, row);
  }
  for (const r of await all("dead_letters")) {
    views.dead_letters.set(Number(r.seq), {
      seq: Number(r.seq),
      subject: String(r.subject),
      reason: String(r.reason),
      raw: new Uint8Array(r.raw as Uint8Array),
      headers: r.headers as Record<string, string>,
    });
  }
  for (const r of await all("projection_checkpoints")) {
    const projection = r.projection as ProjectionName;
    views.checkpoints.set(projection, {
      projection,
      last_seq: Number(r.last_seq),
      last_event_at: iso(r.last_event_at),
    });
  }
  return views;
}

type MemoryRow<K extends keyof MemoryViews> = MemoryViews[K] extends Map<unknown, infer R> ? R
  : never;
