/** Bulk writers of the history tables: one `unnest` insert per table, rows kept once by sequence. */
import type { DeadLetterRow } from "../types.ts";
import type { StateChangeRow } from "../projections/state_changes.ts";
import type { ErrorRow } from "../projections/errors.ts";
import type { SensorReadingRow } from "../projections/sensor_readings.ts";
import type { XrayScanRow } from "../projections/xray_scans.ts";
import { type Queryable, tableIn } from "./schema.ts";

// ON CONFLICT DO NOTHING without a target also covers the event_id key: an event re-sent after the
// duplicate window lands at a new sequence but is not a new fact for a history table.

/** Inserts `state_changes` rows. */
export async function writeStateChanges(
  tx: Queryable,
  rows: readonly StateChangeRow[],
  schema: string,
) {
  if (rows.length === 0) return;
  await tx`INSERT INTO ${tableIn(tx, schema, "state_changes")}
      (seq, event_id, machine_id, from_state, to_state, at)
    SELECT * FROM unnest(${col(rows, "seq")}::bigint[], ${col(rows, "event_id")}::uuid[],
      ${col(rows, "machine_id")}::text[], ${col(rows, "from_state")}::text[],
      ${col(rows, "to_state")}::text[], ${col(rows, "at")}::timestamptz[])
    ON CONFLICT DO NOTHING`;
}

/** Inserts `errors` rows. */
export async function writeErrors(tx: Queryable, rows: readonly ErrorRow[], schema: string) {
  if (rows.length === 0) return;
  await tx`INSERT INTO ${tableIn(tx, schema, "errors")}
      (seq, event_id, machine_id, code, severity, message, at)
    SELECT * FROM unnest(${col(rows, "seq")}::bigint[], ${col(rows, "event_id")}::uuid[],
      ${col(rows, "machine_id")}::text[], ${col(rows, "code")}::text[],
      ${col(rows, "severity")}::text[], ${col(rows, "message")}::text[],
      ${col(rows, "at")}::timestamptz[])
    ON CONFLICT DO NOTHING`;
}

/** Inserts `sensor_readings` rows. */
export async function writeSensorReadings(
  tx: Queryable,
  rows: readonly SensorReadingRow[],
  schema: string,
) {
  if (rows.length === 0) return;
  const readings = rows.map((row) => JSON.stringify(row.readings));
  await tx`INSERT INTO ${tableIn(tx, schema, "sensor_readings")}
      (seq, event_id, machine_id, at, readings, failure_type, failure_progress)
    SELECT s, e, m, a, r::jsonb, ft, fp FROM unnest(${col(rows, "seq")}::bigint[],
      ${col(rows, "event_id")}::uuid[], ${col(rows, "machine_id")}::text[],
      ${col(rows, "at")}::timestamptz[], ${readings}::text[], ${col(rows, "failure_type")}::text[],
      ${col(rows, "failure_progress")}::float8[]) AS u(s, e, m, a, r, ft, fp)
    ON CONFLICT DO NOTHING`;
}

/** Inserts `xray_scans` rows. */
export async function writeXrayScans(tx: Queryable, rows: readonly XrayScanRow[], schema: string) {
  if (rows.length === 0) return;
  await tx`INSERT INTO ${tableIn(tx, schema, "xray_scans")}
      (seq, event_id, machine_id, at, point_count, min_lat, max_lat, min_lon, max_lon,
       min_speed, avg_speed, max_speed, duration_ms)
    SELECT * FROM unnest(${col(rows, "seq")}::bigint[], ${col(rows, "event_id")}::uuid[],
      ${col(rows, "machine_id")}::text[], ${col(rows, "at")}::timestamptz[],
      ${col(rows, "point_count")}::int[], ${col(rows, "min_lat")}::float8[],
      ${col(rows, "max_lat")}::float8[], ${col(rows, "min_lon")}::float8[],
      ${col(rows, "max_lon")}::float8[], ${col(rows, "min_speed")}::float8[],
      ${col(rows, "avg_speed")}::float8[], ${col(rows, "max_speed")}::float8[],
      ${col(rows, "duration_ms")}::float8[])
    ON CONFLICT DO NOTHING`;
}

/** Inserts dead letters; a message already recorded keeps its first row. */
export async function writeDeadLetters(
  tx: Queryable,
  rows: readonly DeadLetterRow[],
  schema: string,
) {
  if (rows.length === 0) return;
  const raw = rows.map((row) => toHex(row.raw));
  const headers = rows.map((row) => JSON.stringify(row.headers));
  await tx`INSERT INTO ${tableIn(tx, schema, "dead_letters")} (seq, subject, reason, raw, headers)
    SELECT s, sub, r, decode(x, 'hex'), h::jsonb FROM unnest(${col(rows, "seq")}::bigint[],
      ${col(rows, "subject")}::text[], ${col(rows, "reason")}::text[], ${raw}::text[],
      ${headers}::text[]) AS u(s, sub, r, x, h)
    ON CONFLICT (seq) DO NOTHING`;
}

/** One column of `rows` as an array parameter. */
export function col<R, K extends keyof R>(rows: readonly R[], key: K): R[K][] {
  return rows.map((row) => row[key]);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const byte of bytes) s += HEX[byte];
  return s;
}
