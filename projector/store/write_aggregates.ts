/**
 * Bulk writers of the merged tables. Each upsert is the SQL twin of the pure merge in
 * `projections/` (mergeMachine, mergePowerMinute), so the database and the in-memory views agree.
 */
import type { MachineRow } from "../projections/machines.ts";
import type { PowerMinuteRow } from "../projections/power_minutes.ts";
import type { FailureRow } from "../projections/failures.ts";
import { type Queryable, tableIn } from "./schema.ts";
import { col } from "./write_history.ts";

/** Merges per-machine rows into `machines`: latest facts by (time, seq), counts added. */
export async function writeMachines(tx: Queryable, rows: readonly MachineRow[], schema: string) {
  if (rows.length === 0) return;
  const later = (at: string, seq: string) =>
    `EXCLUDED.${seq} IS NOT NULL AND (m.${seq} IS NULL
      OR (EXCLUDED.${at}, EXCLUDED.${seq}) > (m.${at}, m.${seq}))`;
  const pick = (condition: string, columns: string[]) =>
    columns.map((c) => `${c} = CASE WHEN ${condition} THEN EXCLUDED.${c} ELSE m.${c} END`)
      .join(",\n");
  const state = pick(later("state_since", "state_seq"), ["state", "state_since", "state_seq"]);
  const power = pick(later("last_power_at", "last_power_seq"), [
    "last_power_w",
    "last_power_at",
    "last_power_seq",
  ]);
  const error = pick(later("last_error_at", "last_error_seq"), [
    "last_error_code",
    "last_error_at",
    "last_error_seq",
  ]);
  await tx`INSERT INTO ${tableIn(tx, schema, "machines")} AS m
      (machine_id, state, state_since, state_seq, last_seen, last_power_w, last_power_at,
       last_power_seq, last_error_code, last_error_at, last_error_seq, errors_info,
       errors_warning, errors_error, errors_critical, energy_uj)
    SELECT * FROM unnest(${col(rows, "machine_id")}::text[], ${col(rows, "state")}::text[],
      ${col(rows, "state_since")}::timestamptz[], ${col(rows, "state_seq")}::bigint[],
      ${col(rows, "last_seen")}::timestamptz[], ${col(rows, "last_power_w")}::float8[],
      ${col(rows, "last_power_at")}::timestamptz[], ${col(rows, "last_power_seq")}::bigint[],
      ${col(rows, "last_error_code")}::text[], ${col(rows, "last_error_at")}::timestamptz[],
      ${col(rows, "last_error_seq")}::bigint[], ${col(rows, "errors_info")}::bigint[],
      ${col(rows, "errors_warning")}::bigint[], ${col(rows, "errors_error")}::bigint[],
      ${col(rows, "errors_critical")}::bigint[], ${col(rows, "energy_uj")}::bigint[])
    ON CONFLICT (machine_id) DO UPDATE SET
      ${tx.unsafe(state)},
      ${tx.unsafe(power)},
      ${tx.unsafe(error)},
      last_seen = GREATEST(m.last_seen, EXCLUDED.last_seen),
      errors_info = m.errors_info + EXCLUDED.errors_info,
      errors_warning = m.errors_warning + EXCLUDED.errors_warning,
      errors_error = m.errors_error + EXCLUDED.errors_error,
      errors_critical = m.errors_critical + EXCLUDED.errors_critical,
      energy_uj = m.energy_uj + EXCLUDED.energy_uj`;
}

/** Adds per-minute aggregates into `power_minutes`. */
export async function writePowerMinutes(
  tx: Queryable,
  rows: readonly PowerMinuteRow[],
  schema: string,
) {
  if (rows.length === 0) return;
  await tx`INSERT INTO ${tableIn(tx, schema, "power_minutes")} AS p
      (machine_id, minute, samples, sum_mw, min_w, max_w, energy_uj, events, last_seq)
    SELECT * FROM unnest(${col(rows, "machine_id")}::text[], ${col(rows, "minute")}::timestamptz[],
      ${col(rows, "samples")}::bigint[], ${col(rows, "sum_mw")}::bigint[],
      ${col(rows, "min_w")}::float8[], ${col(rows, "max_w")}::float8[],
      ${col(rows, "energy_uj")}::bigint[], ${col(rows, "events")}::bigint[],
      ${col(rows, "last_seq")}::bigint[])
    ON CONFLICT (machine_id, minute) DO UPDATE SET
      samples = p.samples + EXCLUDED.samples,
      sum_mw = p.sum_mw + EXCLUDED.sum_mw,
      min_w = LEAST(p.min_w, EXCLUDED.min_w),
      max_w = GREATEST(p.max_w, EXCLUDED.max_w),
      energy_uj = p.energy_uj + EXCLUDED.energy_uj,
      events = p.events + EXCLUDED.events,
      last_seq = GREATEST(p.last_seq, EXCLUDED.last_seq)`;
}

/**
 * Upserts failure episodes in start order, so an ending episode leaves the machine's "ongoing"
 * slot (a partial unique index) before the next episode of that machine takes it.
 */
export async function writeFailures(tx: Queryable, rows: readonly FailureRow[], schema: string) {
  if (rows.length === 0) return;
  await tx`INSERT INTO ${tableIn(tx, schema, "failures")} AS f
      (start_seq, start_event_id, machine_id, type, started_at, ended_at, end_seq, end_event_id,
       peak_progress)
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
}
