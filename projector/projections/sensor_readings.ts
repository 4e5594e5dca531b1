/** The `sensor_readings` projection: a compact row per sensor event. */
import type { StreamEvent } from "../types.ts";
import { canonicalIso } from "./_time.ts";
import { historyProjection } from "../projection.ts";
import { tableIn } from "../store/schema.ts";
import { col } from "../store/columns.ts";

/** A row of `sensor_readings`. */
export interface SensorReadingRow {
  seq: number;
  event_id: string;
  machine_id: string;
  at: string;
  readings: Record<string, number>;
  failure_type: string | null;
  failure_progress: number | null;
}

/** The rows a batch adds to `sensor_readings`. */
export function projectSensorReadings(events: readonly StreamEvent[]): SensorReadingRow[] {
  const rows: SensorReadingRow[] = [];
  for (const { seq, event } of events) {
    if (event.type !== "sensor") continue;
    rows.push({
      seq,
      event_id: event.id,
      machine_id: event.machineId,
      at: canonicalIso(event.occurredAt),
      readings: event.data.readings,
      failure_type: event.data.failure?.type ?? null,
      failure_progress: event.data.failure?.progress ?? null,
    });
  }
  return rows;
}

/** The `sensor_readings` read model, a history table. */
export const sensorReadings = historyProjection({
  name: "sensor_readings",
  canHandle: ["sensor"],
  project: projectSensorReadings,
  partitionable: true,
  async write(tx, rows: readonly SensorReadingRow[], schema) {
    if (rows.length === 0) return;
    const readings = rows.map((row) => JSON.stringify(row.readings));
    await tx`INSERT INTO ${tableIn(tx, schema, "sensor_readings")}
        (seq, event_id, machine_id, at, readings, failure_type, failure_progress)
      SELECT s, e, m, a, r::jsonb, ft, fp FROM unnest(${col(rows, "seq")}::bigint[],
        ${col(rows, "event_id")}::uuid[], ${col(rows, "machine_id")}::text[],
        ${col(rows, "at")}::timestamptz[], ${readings}::text[],
        ${col(rows, "failure_type")}::text[], ${col(rows, "failure_progress")}::float8[])
        AS u(s, e, m, a, r, ft, fp)
      ON CONFLICT DO NOTHING`;
  },
});
