/**
 * The `machines` read model: one row per machine, merged commutatively. "Latest" facts win by
 * (time, sequence), counts and energy add up, so any batching and any order give the same row.
 */
import { defineProjection } from "../projection.ts";
import { tableIn } from "../store/schema.ts";
import { col, iso, num } from "../store/columns.ts";
import { type MachineRow, mergeMachine, projectMachines } from "./_machine_fold.ts";

export * from "./_machine_fold.ts";

/** Why `machines` is always rebuilt in full. */
export const MACHINES_FULL_REASON = "machines folds every event of a machine into one row; the " +
  "part before the point cannot be separated from the live row, so it is replayed from the start";

// The SQL twin of mergeMachine: a fact replaces the stored one when it is later by (time, seq).
const later = (at: string, seq: string) =>
  `EXCLUDED.${seq} IS NOT NULL AND (m.${seq} IS NULL
    OR (EXCLUDED.${at}, EXCLUDED.${seq}) > (m.${at}, m.${seq}))`;
const pick = (condition: string, columns: string[]) =>
  columns.map((c) => `${c} = CASE WHEN ${condition} THEN EXCLUDED.${c} ELSE m.${c} END`).join(
    ",\n",
  );
const LATEST = [
  pick(later("state_since", "state_seq"), ["state", "state_since", "state_seq"]),
  pick(later("last_power_at", "last_power_seq"), [
    "last_power_w",
    "last_power_at",
    "last_power_seq",
  ]),
  pick(later("last_error_at", "last_error_seq"), [
    "last_error_code",
    "last_error_at",
    "last_error_seq",
  ]),
].join(",\n");

/** The `machines` read model. */
export const machines = defineProjection({
  name: "machines",
  canHandle: ["state_change", "error", "power", "sensor", "xray"],
  key: (row: MachineRow) => row.machine_id,
  project: projectMachines,
  law: { kind: "merge", merge: mergeMachine },
  async write(tx, rows, schema) {
    if (rows.length === 0) return;
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
        ${col(rows, "errors_critical")}::bigint[], ${col(rows, "energy_uj")}::numeric[])
      ON CONFLICT (machine_id) DO UPDATE SET
        ${tx.unsafe(LATEST)},
        last_seen = GREATEST(m.last_seen, EXCLUDED.last_seen),
        errors_info = m.errors_info + EXCLUDED.errors_info,
        errors_warning = m.errors_warning + EXCLUDED.errors_warning,
        errors_error = m.errors_error + EXCLUDED.errors_error,
        errors_critical = m.errors_critical + EXCLUDED.errors_critical,
        energy_uj = m.energy_uj + EXCLUDED.energy_uj`;
  },
  async read(sql, schema) {
    const rows = await sql<Record<string, unknown>[]>`
      SELECT * FROM ${tableIn(sql, schema, "machines")}`;
    return rows.map((r): MachineRow => ({
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
    }));
  },
  seed: { fullReason: MACHINES_FULL_REASON },
});
